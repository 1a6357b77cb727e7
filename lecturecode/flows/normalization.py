"""Beyond the lecture: Glow's activation normalization (Kingma and Dhariwal, 2018,
section 3.1), a per-coordinate affine layer started from the data.

``z = exp(log_scale) * x + shift``: the Jacobian is diagonal, so
``log |det J| = sum(log_scale)`` for every row. Before its first training step the
layer sets ``log_scale`` and ``shift`` from the first batch it sees, so that this
batch leaves it with zero mean and unit variance in every coordinate; from then on
both are ordinary parameters. On images ``(C, H, W)`` there is one scale and
one shift per channel, shared by its pixels, as in Glow.
"""

import torch
from torch import nn

from .base import Flow


class ActNorm(Flow):
    """``z = exp(log_scale) * x + shift``, ``log |det J| = sum(log_scale)``
    (over every value: ``H W`` times the channels' sum on an image), initialised
    on the first training batch to ``z = (x - mean) / std``."""

    def __init__(self, dim, eps: float = 1e-6):
        super().__init__(dim)
        self.eps = eps
        # a vector has a scale per coordinate, an image one per channel
        per = self.shape if len(self.shape) == 1 else (self.shape[0], 1, 1)
        self.log_scale = nn.Parameter(torch.zeros(per))
        self.shift = nn.Parameter(torch.zeros(per))
        # a buffer, so that a loaded model counts as initialised; read once, then
        # remembered in Python (reading a buffer on a GPU is a device sync)
        self.register_buffer("initialized", torch.tensor(False))
        self._ready = False

    @torch.no_grad()
    def initialize(self, x: torch.Tensor) -> None:
        """Set the parameters so that ``x`` maps to zero mean, unit variance."""
        if len(x) < 2:
            raise ValueError(
                f"ActNorm initialises on a batch of at least 2 rows, got {len(x)}"
            )
        if x.dim() == 4:  # images: every pixel of a channel is one observation
            x = x.transpose(0, 1).flatten(1).T
        log_scale = -torch.log(x.std(0, unbiased=False) + self.eps)
        self.log_scale.copy_(log_scale.view_as(self.log_scale))
        self.shift.copy_(-x.mean(0).view_as(self.shift) * self.log_scale.exp())
        self.initialized.fill_(True)
        self._ready = True

    def forward(self, x):
        if not self._ready and self.training:
            if not self.initialized:
                self.initialize(x)
            self._ready = True
        z = x * self.log_scale.exp() + self.shift
        per_value = self.dim // self.log_scale.numel()  # H W on an image, else 1
        return z, (per_value * self.log_scale.sum()).expand(x.shape[0])

    def inverse(self, z):
        return (z - self.shift) * torch.exp(-self.log_scale)
