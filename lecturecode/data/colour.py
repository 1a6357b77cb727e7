"""A small colour data set made in code: the scikit-learn digits, each painted
in a random colour of full saturation, with a few levels per channel.

Pixel ``(r, c)`` of a digit with grey value ``t`` in ``[0, 1]`` and colour
``(R, G, B)`` in ``[0, 1]^3`` becomes ``round(t * (R, G, B) * (levels - 1))``.
The colour of an image is drawn once, so a model that has seen the first
strokes knows the colour of the rest; given that colour, a pixel's red value
says how bright the stroke is there, which leaves little doubt about its green
and blue: what the R -> G -> B ordering can exploit (:func:`channel_entropies`
measures both).
Images are flattened as ``(row, column, channel)``, the PixelCNN ordering; the
split is the digits' one (rows ``[:1000]`` / ``[1000:1350]`` / ``[1350:]``).
"""

import torch

from ..runtime import check_count
from .digits import LEVELS, SPLITS, conditional_entropy, load_digits

COLOURS = 3


def hue_to_rgb(hue: torch.Tensor) -> torch.Tensor:
    """The colour of hue ``h`` in ``[0, 1)`` at full saturation and value
    (HSV to RGB), shape ``(n, 3)``: red at 0, green at 1/3, blue at 2/3."""
    h = 6 * hue.unsqueeze(1)
    centres = torch.tensor([3.0, 2.0, 4.0])
    signs = torch.tensor([1.0, -1.0, -1.0])
    offsets = torch.tensor([-1.0, 2.0, 2.0])
    return (signs * (h - centres).abs() + offsets).clamp(0, 1)


def tinted_digits(levels: int = 4, seed: int = 0) -> dict[str, torch.Tensor]:
    """The digits in random colours, ``levels`` values per channel, as float
    tensors ``(n, 8 * 8 * 3)`` of the integers ``0..levels-1`` for each split;
    the hues come from a generator seeded by ``seed``."""
    if not isinstance(levels, int) or levels < 2:
        raise ValueError(f"levels must be an integer >= 2, got {levels!r}")
    grey = torch.cat([part for part in load_digits("grey").values()])
    generator = torch.Generator().manual_seed(seed)
    rgb = hue_to_rgb(torch.rand(len(grey), generator=generator))
    t = grey / (LEVELS - 1)
    images = torch.round(t.unsqueeze(2) * rgb.unsqueeze(1) * (levels - 1))
    images = images.reshape(len(grey), -1)
    return {name: images[rows] for name, rows in SPLITS.items()}


def colour_consistency(images: torch.Tensor) -> float:
    """How much the lit pixels of an image share one colour, averaged over
    images ``(n, H*W*3)``: the mean cosine between each lit pixel's ``(R, G, B)``
    and the image's mean direction of its lit pixels. 1 when every lit pixel
    has the same hue (up to brightness); lower when hues differ."""
    rgb = images.reshape(len(images), -1, COLOURS).double()
    lit = rgb.sum(-1) > 0
    unit = rgb / rgb.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    mean = unit.sum(1, keepdim=True)
    mean = mean / mean.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    cosine = (unit * mean).sum(-1)
    per_image = (cosine * lit).sum(1) / lit.sum(1).clamp_min(1)
    return per_image[lit.any(1)].mean().item()


def channel_entropies(images: torch.Tensor, levels: int = 4) -> dict:
    """What a lit pixel's red value and the colour of an earlier stroke say about
    its green and blue values, in bits (plug-in estimates of
    :func:`~lecturecode.data.digits.conditional_entropy`). The earlier stroke is
    the first pixel of the image, in raster order, with a channel at its
    maximum ``levels - 1``; the pixels counted are the lit ones after it.
    Returns ``H(G, B)`` (``"none"``) and its conditional entropies given the
    pixel's red value (``"red"``), the earlier pixel's ``(R, G, B)``
    (``"earlier"``) and both (``"both"``), with the number of pixels
    counted."""
    check_count(levels, "levels", minimum=2)
    rgb = images.reshape(len(images), -1, COLOURS).long()
    full = rgb.amax(-1) == levels - 1
    counted, earlier = [], []
    for image, bright in zip(rgb, full, strict=True):
        if not bright.any():
            continue
        first = int(bright.nonzero()[0, 0])
        after = image[first + 1:]
        after = after[after.sum(-1) > 0]
        counted.append(after)
        earlier.append(image[first].expand(len(after), COLOURS))
    pixels, earlier = torch.cat(counted), torch.cat(earlier)
    green_blue, red = pixels[:, 1:], pixels[:, :1]
    return {
        "none": conditional_entropy(green_blue),
        "red": conditional_entropy(green_blue, red),
        "earlier": conditional_entropy(green_blue, earlier),
        "both": conditional_entropy(green_blue, torch.cat([red, earlier], 1)),
        "pixels": len(pixels),
    }
