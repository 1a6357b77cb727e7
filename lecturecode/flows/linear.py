"""Lecture 18.1.2 (1): linear flows: the general one and why it is not enough,
and the fixed permutation that mixes coordinates between couplings."""

import torch
from torch import nn

from .base import Flow


class LinearFlow(Flow):
    """``z = W x + b`` with an unconstrained square ``W``.

    ``J_x = W`` everywhere, so ``log |det J| = log |det W|``: an LU factorization,
    O(d^3) whenever ``W`` changes. A linear map of a Gaussian is Gaussian, and a
    stack of linear layers is again one linear layer, so this family can only ever
    fit a Gaussian.
    """

    def __init__(self, dim: int):
        super().__init__(dim)
        self.W = nn.Parameter(torch.eye(dim))
        self.b = nn.Parameter(torch.zeros(dim))

    def forward(self, x):
        z = x @ self.W.T + self.b
        log_abs_det = torch.linalg.slogdet(self.W).logabsdet
        return z, log_abs_det.expand(x.shape[0])

    def inverse(self, z):
        return torch.linalg.solve(self.W, (z - self.b).T).T


class Permutation(Flow):
    """A fixed reordering of the coordinates, ``z = x[:, perm]``; ``|det| = 1``."""

    def __init__(self, perm):
        perm = torch.as_tensor(perm, dtype=torch.long)
        if perm.dim() != 1 or not torch.equal(
            perm.sort().values, torch.arange(len(perm))
        ):
            raise ValueError("perm must be a permutation of 0..dim-1")
        super().__init__(len(perm))
        self.register_buffer("perm", perm)
        self.register_buffer("inverse_perm", torch.argsort(perm))

    @classmethod
    def reverse(cls, dim: int) -> "Permutation":
        return cls(torch.arange(dim - 1, -1, -1))

    @classmethod
    def random(cls, dim: int, generator: torch.Generator | None = None):
        return cls(torch.randperm(dim, generator=generator))

    def forward(self, x):
        return x[:, self.perm], x.new_zeros(x.shape[0])

    def inverse(self, z):
        return z[:, self.inverse_perm]
