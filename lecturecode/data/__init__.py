"""Data that needs no download: 2-D densities generated in code and scikit-learn's
digits."""

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
    "load_digits",
    "monte_carlo_entropy",
]
