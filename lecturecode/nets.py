"""Network pieces that more than one model builds on: masked layers, whose fixed
binary masks decide which inputs each output may see, and the gated unit."""

import torch
import torch.nn.functional as F
from torch import nn


class MaskedLinear(nn.Linear):
    """``x -> (W * M) x + b`` with a fixed binary mask ``M`` kept in a buffer."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__(in_features, out_features)
        self.register_buffer("mask", torch.ones(out_features, in_features))

    def forward(self, x):
        return F.linear(x, self.weight * self.mask, self.bias)


class MaskedConv2d(nn.Conv2d):
    """A convolution with kernel ``W * M`` for a fixed mask ``M`` of shape
    ``(out, in, kh, kw)``, kept in a buffer; "same" padding for odd sizes."""

    def __init__(self, mask: torch.Tensor):
        out_channels, in_channels, kh, kw = mask.shape
        super().__init__(
            in_channels, out_channels, (kh, kw), padding=(kh // 2, kw // 2)
        )
        self.register_buffer("mask", mask.float().contiguous())

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)

    def used_entries(self):
        """The kernel entries the mask keeps (for ``free_parameters``)."""
        return [(self.weight, self.mask != 0)]


def gate(h: torch.Tensor) -> torch.Tensor:
    """eq. gate (:mod:`lecturecode.autoregressive.pixelcnn`): the first half of the
    channels through tanh times the second half through a sigmoid."""
    f, g = h.chunk(2, dim=1)
    return torch.tanh(f) * torch.sigmoid(g)
