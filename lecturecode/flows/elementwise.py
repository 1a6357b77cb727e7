"""Lecture 18.1.2 (2): element-wise flows, whose Jacobian is diagonal: a
learned increasing map per coordinate, and NICE's diagonal scaling."""

import torch
from torch import nn

from ..runtime import check_positive_int
from .base import Flow


class ElementwiseFlow(Flow):
    """``z_i = f_i(x_i)`` for each coordinate, with a learnable increasing map

        f_i(x) = a_i x + b_i + sum_k w_ik tanh(s_ik (x - m_ik)),
        with a_i, w_ik, s_ik > 0.

    ``J`` is diagonal, so ``log |det J| = sum_i log f_i'(x_i)``: O(d). Each ``f_i``
    is strictly increasing (``f_i' >= a_i > 0``), hence invertible; its inverse has
    no closed form, and bisection finds it to machine precision. The lecture applies
    one shared function to every coordinate; here each coordinate has its own, which
    still cannot mix coordinates.
    """

    def __init__(self, dim: int, components: int = 8):
        super().__init__(dim)
        check_positive_int(components, "components")
        self.log_a = nn.Parameter(torch.zeros(dim))
        self.b = nn.Parameter(torch.zeros(dim))
        self.log_w = nn.Parameter(torch.full((dim, components), -3.0))
        self.log_s = nn.Parameter(torch.zeros(dim, components))
        self.m = nn.Parameter(torch.linspace(-2.0, 2.0, components).repeat(dim, 1))

    def _parts(self, x):
        """``f(x)`` and ``f'(x)`` element-wise for a batch ``x``."""
        a, w, s = self.log_a.exp(), self.log_w.exp(), self.log_s.exp()
        t = torch.tanh(s * (x.unsqueeze(-1) - self.m))
        value = a * x + self.b + (w * t).sum(-1)
        slope = a + (w * s * (1 - t.pow(2))).sum(-1)
        return value, slope

    def forward(self, x):
        z, slope = self._parts(x)
        return z, slope.log().sum(dim=1)

    def inverse(self, z, iterations: int = 100):
        with torch.no_grad():
            a, reach = self.log_a.exp(), self.log_w.exp().sum(-1)
            # f(x) lies within a*x + b +- reach, which brackets the root f(x) = z.
            low, high = (z - self.b - reach) / a, (z - self.b + reach) / a
            for _ in range(iterations):
                mid = (low + high) / 2
                below = self._parts(mid)[0] < z
                low, high = (
                    torch.where(below, mid, low),
                    torch.where(below, high, mid),
                )
        return (low + high) / 2


class DiagonalScaling(Flow):
    """NICE's top layer, ``z = exp(log_scale) * x``: ``log |det J| =
    sum(log_scale)``.

    Additive couplings preserve volume, so without this layer a NICE model could
    not put more density in one place than the base density has.
    """

    def __init__(self, dim: int):
        super().__init__(dim)
        self.log_scale = nn.Parameter(torch.zeros(dim))

    def forward(self, x):
        return x * self.log_scale.exp(), self.log_scale.sum().expand(x.shape[0])

    def inverse(self, z):
        return z * torch.exp(-self.log_scale)
