"""The 8x8 handwritten digits that ship with scikit-learn, with one fixed split.

1,797 images with 17 grey levels (0..16). The split follows the code of the book
"Deep Generative Modeling" (Tomczak, 2022) so our numbers are comparable with it:
rows ``[:1000]`` train, ``[1000:1350]`` validation, ``[1350:]`` test.
"""

import torch
from sklearn.datasets import load_digits as _sklearn_digits

SPLITS = {
    "train": slice(0, 1000),
    "val": slice(1000, 1350),
    "test": slice(1350, None),
}
LEVELS = 17
SHAPE = (8, 8)
KINDS = ("grey", "binary")


def load_digits(kind: str = "grey") -> dict[str, torch.Tensor]:
    """The digits as float tensors ``(n, 64)`` for each split, in raster order.

    ``kind="grey"`` keeps the 17 levels as the integers 0..16; ``kind="binary"``
    thresholds them, ``x >= 8`` -> 1, for the Bernoulli models.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    pixels = torch.as_tensor(
        _sklearn_digits().data, dtype=torch.get_default_dtype()
    )
    if kind == "binary":
        pixels = (pixels >= 8).to(pixels.dtype)
    return {name: pixels[rows] for name, rows in SPLITS.items()}


def load_digit_labels() -> dict[str, torch.Tensor]:
    """The class (0..9) of every image of :func:`load_digits`, per split, as
    integer tensors ``(n,)`` in the same order."""
    labels = torch.as_tensor(_sklearn_digits().target, dtype=torch.long)
    return {name: labels[rows] for name, rows in SPLITS.items()}
