"""Beyond the lecture: Glow's activation normalization (Kingma and Dhariwal, 2018,
section 3.1), a per-coordinate affine layer started from the data.

``z = exp(log_scale) * x + shift``: the Jacobian is diagonal, so
``log |det J| = sum(log_scale)`` for every row. Before its first training step the
layer sets ``log_scale`` and ``shift`` from the first batch it sees, so that this
batch leaves it with zero mean and unit variance in every coordinate; from then on
both are ordinary parameters.
"""

import torch
from torch import nn

from .base import Flow


class ActNorm(Flow):
    """``z = exp(log_scale) * x + shift``, ``log |det J| = sum(log_scale)``,
    initialised on the first training batch to ``z = (x - mean) / std``."""

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__(dim)
        self.eps = eps
        self.log_scale = nn.Parameter(torch.zeros(dim))
        self.shift = nn.Parameter(torch.zeros(dim))
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
        self.log_scale.copy_(-torch.log(x.std(0, unbiased=False) + self.eps))
        self.shift.copy_(-x.mean(0) * self.log_scale.exp())
        self.initialized.fill_(True)
        self._ready = True

    def forward(self, x):
        if not self._ready and self.training:
            if not self.initialized:
                self.initialize(x)
            self._ready = True
        z = x * self.log_scale.exp() + self.shift
        return z, self.log_scale.sum().expand(x.shape[0])

    def inverse(self, z):
        return (z - self.shift) * torch.exp(-self.log_scale)
