"""Data that needs no download: 2-D densities generated in code, scikit-learn's
digits (grey, binarized or painted in random colours), and the text of Python's own
documentation."""

from .colour import channel_entropies, colour_consistency, hue_to_rgb, tinted_digits
from .digits import (
    LEVELS,
    SHAPE,
    SPLITS,
    conditional_entropy,
    load_digit_labels,
    load_digits,
    neighbourhood_entropies,
)
from .text import TextData, chunk, load_python_docs
from .toy2d import (
    RING_STD,
    Checkerboard,
    CorrelatedGaussian,
    GaussianMixture,
    GridOfGaussians,
    RingOfGaussians,
    TwoMoons,
    draw_splits,
    monte_carlo_entropy,
    toy_splits,
)

__all__ = [
    "LEVELS",
    "RING_STD",
    "SHAPE",
    "SPLITS",
    "Checkerboard",
    "CorrelatedGaussian",
    "GaussianMixture",
    "GridOfGaussians",
    "RingOfGaussians",
    "TextData",
    "TwoMoons",
    "channel_entropies",
    "chunk",
    "colour_consistency",
    "conditional_entropy",
    "hue_to_rgb",
    "load_digit_labels",
    "load_digits",
    "load_python_docs",
    "monte_carlo_entropy",
    "neighbourhood_entropies",
    "tinted_digits",
    "draw_splits",
    "toy_splits",
]
