"""Network pieces that more than one model builds on: the fully connected
network, masked layers, whose fixed binary masks decide which inputs each output
may see, and the gated unit."""

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .runtime import check_positive_int, check_rate


def leaky_relu() -> nn.Module:
    """The flows' activation: a LeakyReLU of slope 0.01."""
    return nn.LeakyReLU(0.01)


class Dropout(nn.Dropout):
    """Inverted dropout (Srivastava et al., 2014): in training each input is
    kept with probability ``1 - p`` and scaled by ``1 / (1 - p)``, so its mean is
    unchanged. On a CPU the mask compares uniforms with ``p``: the same
    distribution as torch's Bernoulli draws (``nn.Dropout``), drawn about twice
    as fast; elsewhere it is torch's own."""

    def __init__(self, p: float = 0.5):
        super().__init__(check_rate(p, "p"))

    def forward(self, x):
        if not self.training or self.p == 0 or x.device.type != "cpu":
            return super().forward(x)
        keep = torch.rand_like(x) >= self.p
        return x * keep.to(x.dtype).mul_(1 / (1 - self.p))


def mlp(
    dim_in: int,
    dim_out: int,
    hidden: int,
    layers: int,
    dropout: float = 0.0,
    *,
    activation: Callable[[], nn.Module] = leaky_relu,
    zero_last: bool = False,
) -> nn.Sequential:
    """A fully connected network: ``layers`` hidden layers of width ``hidden``,
    each followed by ``activation()`` (and dropout, a regularizer for small data
    sets), then a linear output layer.

    ``zero_last`` starts the output layer at zero, so that a coupling built from
    the network starts as the identity map, which keeps deep stacks of flow
    layers well behaved at initialisation.
    """
    check_positive_int(dim_in, "dim_in")
    check_positive_int(dim_out, "dim_out")
    check_positive_int(layers, "layers")
    check_positive_int(hidden, "hidden")
    check_rate(dropout, "dropout")
    modules, width = [], dim_in
    for _ in range(layers):
        modules += [nn.Linear(width, hidden), activation()]
        if dropout:
            modules.append(Dropout(dropout))
        width = hidden
    last = nn.Linear(width, dim_out)
    if zero_last:
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
    return nn.Sequential(*modules, last)


class MaskedLinear(nn.Linear):
    """``x -> (W * M) x + b`` with a fixed binary mask ``M`` kept in a buffer."""

    def __init__(self, in_features: int, out_features: int):
        check_positive_int(in_features, "in_features")
        check_positive_int(out_features, "out_features")
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
