"""The 8x8 handwritten digits that ship with scikit-learn, with one fixed split.

1,797 images with 17 grey levels (0..16). The split follows the code of the book
"Deep Generative Modeling" (Tomczak, 2022) so our numbers are comparable with it:
rows ``[:1000]`` train, ``[1000:1350]`` validation, ``[1350:]`` test.
"""

import torch
from sklearn.datasets import load_digits as _sklearn_digits

from ..runtime import check_count

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


def conditional_entropy(target: torch.Tensor, context=None) -> float:
    """The plug-in estimate of ``H(target | context)`` in bits, from counts:
    the empirical entropy of the pairs ``(target, context)`` minus that of
    ``context`` (``H(target)`` without a context). ``target`` and ``context``
    hold discrete values, one row (or one entry) per observation. With ``c``
    cells and ``n`` observations the estimate is low by about
    ``c / (2 n ln 2)`` bits."""
    target = torch.as_tensor(target)
    if len(target) == 0:
        raise ValueError("an entropy needs at least one observation")
    target = target.reshape(len(target), -1)
    if context is None:
        return _entropy(target)
    context = torch.as_tensor(context).reshape(len(target), -1)
    joint = _entropy(torch.cat([target, context.to(target.dtype)], 1))
    return max(joint - _entropy(context), 0.0)  # no rounding below zero


def _entropy(rows: torch.Tensor) -> float:
    """Empirical entropy, in bits, of the distinct rows of ``rows``."""
    _, counts = torch.unique(rows, dim=0, return_counts=True)
    p = counts.double() / counts.sum()
    return -(p * p.log2()).sum().item()


# Offsets (row, column) of a pixel's neighbours that come before it in raster
# order, and of those that come after it.
PAST = ((-1, -1), (-1, 0), (-1, 1), (0, -1))
FUTURE = ((0, 1), (1, -1), (1, 0), (1, 1))


def neighbourhood_entropies(images: torch.Tensor, shape=SHAPE) -> dict:
    """How much a pixel of ``images`` ``(n, H*W)`` (discrete values) depends on
    the pixels around it, in bits per pixel, plug-in estimates over every pixel
    not on the border: ``H(x)``, and its conditional entropy given its four
    neighbours before it in raster order (``"past"``), the four after it
    (``"future"``) and all eight (``"around"``)."""
    height, width = (check_count(side, "shape") for side in shape)
    grid = images.reshape(-1, height, width)
    if height < 3 or width < 3:
        raise ValueError(f"images need an interior, got shape {shape}")

    def at(offsets):
        return torch.stack([grid[:, 1 + dr:height - 1 + dr, 1 + dc:width - 1 + dc]
                            for dr, dc in offsets], -1).reshape(-1, len(offsets))

    x = at([(0, 0)])
    return {
        "none": conditional_entropy(x),
        "past": conditional_entropy(x, at(PAST)),
        "future": conditional_entropy(x, at(FUTURE)),
        "around": conditional_entropy(x, at(PAST + FUTURE)),
    }
