"""Beyond the lecture: an invertible linear layer with an O(d) log-determinant.

The lecture rejects general linear maps because ``log |det W|`` costs O(d^3). Glow
(Kingma and Dhariwal, 2018, section 3.2) keeps a general ``W`` but stores it
factorized, ``W = P L (U + diag(s))``, with ``P`` a fixed permutation, ``L`` unit
lower triangular and ``U`` strictly upper triangular. Then ``det W = +-prod(s)``
and ``log |det W| = sum log |s|``: O(d), however ``W`` is trained.
"""

import torch
from torch import nn

from .base import Flow


class LULinear(Flow):
    """``z = W x + b`` with ``W = P L (U + diag(sign * exp(log_s)))``.

    ``P`` and ``sign`` are fixed buffers; ``L`` (below the diagonal), ``U`` (above
    it), ``log_s`` and ``b`` are learned. It starts at a random rotation (seeded by
    ``generator``) factorized by ``torch.linalg.lu``, as in Glow.
    ``log |det J| = sum(log_s)``; the inverse is two triangular solves.
    """

    def __init__(self, dim: int, generator: torch.Generator | None = None):
        super().__init__(dim)
        gaussian = torch.randn(dim, dim, generator=generator, dtype=torch.float64)
        rotation, _ = torch.linalg.qr(gaussian)
        P, L, U = torch.linalg.lu(rotation)
        s = torch.diagonal(U)
        dtype = torch.get_default_dtype()
        self.register_buffer("P", P.to(dtype))
        # P as an index map, (P y)_i = y_perm[i]: applying it is a gather, not d^2
        self.register_buffer("perm", P.argmax(dim=1))
        self.register_buffer("inverse_perm", torch.argsort(P.argmax(dim=1)))
        self.register_buffer("sign", s.sign().to(dtype))
        self.register_buffer("lower_mask", torch.tril(torch.ones(dim, dim), -1))
        self.L_entries = nn.Parameter(torch.tril(L, -1).to(dtype))
        self.U_entries = nn.Parameter(torch.triu(U, 1).to(dtype))
        self.log_s = nn.Parameter(s.abs().log().to(dtype))
        self.b = nn.Parameter(torch.zeros(dim, dtype=dtype))

    def factors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``P``, unit lower triangular ``L``, upper triangular ``U + diag(s)``."""
        eye = torch.eye(self.dim, dtype=self.log_s.dtype, device=self.log_s.device)
        L = self.L_entries * self.lower_mask + eye
        U = self.U_entries * self.lower_mask.T + torch.diag(
            self.sign * self.log_s.exp()
        )
        return self.P, L, U

    def weight(self) -> torch.Tensor:
        """The assembled ``d x d`` matrix ``W = P L U``."""
        P, L, U = self.factors()
        return P @ L @ U

    def log_abs_det(self) -> torch.Tensor:
        """``log |det W| = sum log |s|``: O(d)."""
        return self.log_s.sum()

    def forward(self, x):
        _, L, U = self.factors()
        # W x = P (L (U x)): two triangular products with the batch and a
        # reordering, never the d^3 of assembling W or of a determinant
        z = (x @ U.T @ L.T)[:, self.perm] + self.b
        return z, self.log_abs_det().expand(x.shape[0])

    def inverse(self, z):
        _, L, U = self.factors()
        y = (z - self.b)[:, self.inverse_perm].T  # P^{-1} (z - b)
        y = torch.linalg.solve_triangular(L, y, upper=False, unitriangular=True)
        return torch.linalg.solve_triangular(U, y, upper=True).T
