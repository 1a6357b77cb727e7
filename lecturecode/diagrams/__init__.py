"""Schematic diagrams drawn from model objects, so that a picture cannot drift
from the code: each function takes a model (or a layer) and returns a matplotlib
figure whose tagged pieces (:func:`drawn`) are the model's structure. One module
a part of the lecture; the look is in ``style``. In a chapter,
``show_diagram(fig)`` displays one as SVG."""

from .autoregressive import (
    fvsbn_diagram,
    made_diagram,
    pixelcnn_kernel_diagram,
    pixelcnn_stacks_diagram,
)
from .flows import coupling_diagram, multiscale_diagram, volume_diagram
from .gan import gan_diagram
from .sequence import lstm_diagram, rnn_diagram
from .style import drawn, show_diagram, svg

__all__ = [
    "coupling_diagram",
    "drawn",
    "fvsbn_diagram",
    "gan_diagram",
    "lstm_diagram",
    "made_diagram",
    "multiscale_diagram",
    "pixelcnn_kernel_diagram",
    "pixelcnn_stacks_diagram",
    "rnn_diagram",
    "show_diagram",
    "svg",
    "volume_diagram",
]
