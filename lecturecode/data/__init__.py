"""Data that needs no download: 2-D densities generated in code, scikit-learn's
digits (grey, binarized or painted in random colours), and the text of Python's own
documentation."""

from .colour import colour_consistency, hue_to_rgb, tinted_digits
from .digits import LEVELS, SHAPE, SPLITS, load_digit_labels, load_digits
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
    "chunk",
    "colour_consistency",
    "hue_to_rgb",
    "load_digit_labels",
    "load_digits",
    "load_python_docs",
    "monte_carlo_entropy",
    "tinted_digits",
    "draw_splits",
    "toy_splits",
]
