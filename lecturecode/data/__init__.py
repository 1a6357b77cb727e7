"""Data that needs no download: 2-D densities generated in code and scikit-learn's
digits, in grey, binarized or painted in random colours."""

from .colour import colour_consistency, hue_to_rgb, tinted_digits
from .digits import LEVELS, SHAPE, SPLITS, load_digits
from .toy2d import (
    Checkerboard,
    CorrelatedGaussian,
    GaussianMixture,
    GridOfGaussians,
    RingOfGaussians,
    TwoMoons,
    monte_carlo_entropy,
)

__all__ = [
    "LEVELS",
    "SHAPE",
    "SPLITS",
    "Checkerboard",
    "CorrelatedGaussian",
    "GaussianMixture",
    "GridOfGaussians",
    "RingOfGaussians",
    "TwoMoons",
    "colour_consistency",
    "hue_to_rgb",
    "load_digits",
    "monte_carlo_entropy",
    "tinted_digits",
]
