"""Lecture 18.1.2 (1): the general linear flow and why it is not enough."""

import torch
from torch import nn

from ..runtime import check_batch
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
        check_batch(x, self.dim)
        z = x @ self.W.T + self.b
        log_abs_det = torch.linalg.slogdet(self.W).logabsdet
        return z, log_abs_det.expand(x.shape[0])

    def inverse(self, z):
        check_batch(z, self.dim, "z")
        return torch.linalg.solve(self.W, (z - self.b).T).T
