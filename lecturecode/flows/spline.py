"""Beyond the lecture: rational-quadratic spline couplings, the coupling of Neural
Spline Flows (Durkan et al., 2019).

An affine coupling moves each transformed coordinate by one affine map. A spline
coupling uses a monotone rational-quadratic spline instead: on ``[-B, B]`` the
map runs through ``K + 1`` knots ``(x_k, y_k)`` with ``x_0 = y_0 = -B`` and
``x_K = y_K = B``, with positive derivatives ``delta_k`` at the knots; outside
``[-B, B]`` it is the identity (linear tails), so ``delta_0 = delta_K = 1`` keeps
the derivative continuous there. In bin ``k`` write ``w_k = x_{k+1} - x_k``,
``h_k = y_{k+1} - y_k``, ``s_k = h_k / w_k`` and ``xi = (x - x_k) / w_k``; then
(Durkan et al., 2019, eqs. 4 to 8)

    g(x)  = y_k + h_k [s_k xi^2 + delta_k xi (1 - xi)] / D(xi),        (eq. rq)
    g'(x) = s_k^2 [delta_{k+1} xi^2 + 2 s_k xi (1 - xi)
                   + delta_k (1 - xi)^2] / D(xi)^2,                   (eq. rq')
    D(xi) = s_k + (delta_{k+1} + delta_k - 2 s_k) xi (1 - xi),

and ``g'(x) > 0`` everywhere, so ``g`` is strictly increasing. Its inverse in a
bin is the root in ``[0, 1]`` of a quadratic in ``xi``, in closed form.
"""

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F

from ..nets import mlp
from ..runtime import check_count, check_positive, check_positive_int
from .base import Compose, Flow
from .coupling import (
    _check_mask,
    _conditioner_input,
    checkerboard_mask,
    half_mask,
)


class Knots(NamedTuple):
    """A spline's knots, each of shape ``(..., K + 1)``: positions ``x``, values
    ``y`` (both from ``-B`` to ``B``) and derivatives (1 at both ends)."""

    x: torch.Tensor
    y: torch.Tensor
    derivative: torch.Tensor


def _positions(raw: torch.Tensor, bound: float, min_bin: float) -> torch.Tensor:
    """``K + 1`` increasing positions from ``-bound`` to ``bound``: a softmax
    of ``raw`` gives the bins' shares, each at least ``min_bin`` of the width."""
    bins = raw.shape[-1]
    shares = min_bin + (1 - min_bin * bins) * torch.softmax(raw, dim=-1)
    inner = torch.cumsum(shares, dim=-1)[..., :-1]
    cumulative = F.pad(F.pad(inner, (1, 0), value=0.0), (0, 1), value=1.0)
    return bound * (2 * cumulative - 1)


def _check_sizes(bins: int, min_bin: float, min_derivative: float):
    if bins < 2:
        raise ValueError(f"a spline needs at least 2 bins, got {bins}")
    if not 0 < min_bin * bins < 1:
        raise ValueError(
            f"min_bin must lie in (0, 1/K) for K = {bins} bins, got {min_bin}"
        )
    if not 0 < min_derivative < 1:
        raise ValueError(
            f"min_derivative must lie in (0, 1), got {min_derivative}"
        )


def knots_from(
    raw_widths: torch.Tensor,
    raw_heights: torch.Tensor,
    raw_derivatives: torch.Tensor,
    bound: float,
    min_bin: float = 1e-3,
    min_derivative: float = 1e-3,
) -> Knots:
    """The knots of a spline on ``[-bound, bound]`` from unconstrained numbers:
    ``K`` widths and ``K`` heights (softmax, each bin at least ``min_bin`` of the
    interval) and ``K - 1`` interior derivatives (``min_derivative`` plus a
    softplus, shifted so that a raw 0 gives derivative 1: all-zero inputs give
    the identity map)."""
    bins = raw_widths.shape[-1]
    if raw_heights.shape[-1] != bins or raw_derivatives.shape[-1] != bins - 1:
        raise ValueError(
            f"need K widths, K heights and K - 1 derivatives, got "
            f"{raw_widths.shape[-1]}, {raw_heights.shape[-1]} and "
            f"{raw_derivatives.shape[-1]}"
        )
    _check_sizes(bins, min_bin, min_derivative)
    shift = math.log(math.expm1(1 - min_derivative))  # softplus(shift) = 1 - min
    inner = min_derivative + F.softplus(raw_derivatives + shift)
    return Knots(
        _positions(raw_widths, bound, min_bin),
        _positions(raw_heights, bound, min_bin),
        F.pad(inner, (1, 1), value=1.0),
    )


class Bin(NamedTuple):
    """What eq. rq needs of the bin each value falls in, one entry per value."""

    x_k: torch.Tensor
    w_k: torch.Tensor
    y_k: torch.Tensor
    h_k: torch.Tensor
    delta_k: torch.Tensor
    delta_k1: torch.Tensor  # delta_{k+1}

    @property
    def s_k(self) -> torch.Tensor:
        """The bin's mean slope ``h_k / w_k``."""
        return self.h_k / self.w_k


def _bin_of(values: torch.Tensor, edges: torch.Tensor, knots: Knots) -> Bin:
    """The bin of each value, with ``edges`` (``knots.x`` going forwards,
    ``knots.y`` going back) deciding where the bins meet."""
    k = (values.unsqueeze(-1) >= edges[..., 1:-1]).sum(-1, keepdim=True)

    def at(t, offset=0):
        return t.gather(-1, k + offset).squeeze(-1)

    return Bin(
        at(knots.x),
        at(knots.x, 1) - at(knots.x),
        at(knots.y),
        at(knots.y, 1) - at(knots.y),
        at(knots.derivative),
        at(knots.derivative, 1),
    )


def rq_forward(xi, h_k, s_k, delta_k, delta_k1):
    """eq. rq and eq. rq' in one bin: ``(g(x) - y_k, log g'(x))`` at the
    relative position ``xi`` in ``[0, 1]``."""
    between = xi * (1 - xi)
    denominator = s_k + (delta_k1 + delta_k - 2 * s_k) * between
    rise = h_k * (s_k * xi**2 + delta_k * between) / denominator
    slope = s_k**2 * (
        delta_k1 * xi**2 + 2 * s_k * between + delta_k * (1 - xi) ** 2
    )
    return rise, torch.log(slope) - 2 * torch.log(denominator)


def rq_inverse(rise, h_k, s_k, delta_k, delta_k1):
    """The ``xi`` in ``[0, 1]`` with ``g(x) - y_k = rise``: multiplying eq. rq out
    gives ``a xi^2 + b xi + c = 0`` (Durkan et al., 2019, eqs. 6 to 8), whose
    root in the bin is ``2c / (-b - sqrt(b^2 - 4ac))`` (this form of the
    quadratic formula does not cancel when ``a`` is near 0)."""
    curvature = delta_k1 + delta_k - 2 * s_k
    a = h_k * (s_k - delta_k) + rise * curvature
    b = h_k * delta_k - rise * curvature
    c = -s_k * rise
    discriminant = (b**2 - 4 * a * c).clamp(min=0)  # >= 0 up to round-off
    return 2 * c / (-b - discriminant.sqrt())


def rational_quadratic_spline(values, knots: Knots, inverse: bool = False):
    """``(g(x), log g'(x))`` for ``values = x``, or, with ``inverse``,
    ``(g^{-1}(y), log g'(g^{-1}(y)))`` for ``values = y`` (the log-derivative is
    always the forward map's). ``values`` has shape ``(...)`` and each field of
    ``knots`` ``(..., K + 1)``; outside ``[-B, B]`` the map is the identity."""
    bound = knots.x[..., -1]
    inside = (values >= -bound) & (values <= bound)
    # the spline formulas see only values in [-B, B]; the tails take the rest
    clamped = torch.minimum(torch.maximum(values, -bound), bound)
    if inverse:
        b = _bin_of(clamped, knots.y, knots)
        xi = rq_inverse(clamped - b.y_k, b.h_k, b.s_k, b.delta_k, b.delta_k1)
        xi = xi.clamp(0, 1)
    else:
        b = _bin_of(clamped, knots.x, knots)
        xi = ((clamped - b.x_k) / b.w_k).clamp(0, 1)
    rise, log_slope = rq_forward(xi, b.h_k, b.s_k, b.delta_k, b.delta_k1)
    out = b.x_k + xi * b.w_k if inverse else b.y_k + rise
    return (
        torch.where(inside, out, values),
        torch.where(inside, log_slope, torch.zeros_like(log_slope)),
    )


class SplineCoupling(Flow):
    """The coupling of Neural Spline Flows (Durkan et al., 2019):

        z_A = x_A,    z_i = g_i(x_i; theta(x_A))  for i in B,

    each ``g_i`` a monotone rational-quadratic spline on ``[-bound, bound]`` with
    ``bins`` bins (eq. rq) whose ``3 bins - 1`` numbers come from one network of
    ``x_A`` (and of ``context`` when ``context_dim > 0``). The Jacobian is
    triangular as for the affine coupling, with ``g_i'(x_i)`` on the diagonal of
    the transformed half, so ``log |det J| = sum_B log g_i'(x_i)`` (eq. rq').
    The network's last layer starts at zero, so a fresh layer is the identity.
    """

    def __init__(
        self,
        mask,
        bins: int = 8,
        bound: float = 3.0,
        hidden: int = 64,
        layers: int = 2,
        dropout=0.0,
        context_dim=0,
        min_bin: float = 1e-3,
        min_derivative: float = 1e-3,
    ):
        mask = _check_mask(mask)
        _check_sizes(check_positive_int(bins, "bins"), min_bin, min_derivative)
        check_positive(bound, "bound")
        check_count(context_dim, "context_dim", 0)
        super().__init__(len(mask))
        self.bins, self.bound, self.context_dim = bins, float(bound), context_dim
        self.min_bin, self.min_derivative = min_bin, min_derivative
        self.register_buffer("mask", mask)
        self.theta = mlp(
            self.dim + context_dim,
            self.dim * (3 * bins - 1),
            hidden,
            layers,
            dropout,
            zero_last=True,
        )

    def _split(self, raw):
        k = self.bins
        return raw[..., :k], raw[..., k : 2 * k], raw[..., 2 * k :]

    def knots(self, x_kept, context=None) -> Knots:
        """The splines' knots, one set per row and coordinate, from ``x_A``."""
        net_input = _conditioner_input(self, x_kept, context)
        raw = self.theta(net_input).unflatten(-1, (self.dim, 3 * self.bins - 1))
        return knots_from(*self._split(raw), self.bound, self.min_bin,
                          self.min_derivative)

    def _transform(self, values, context, inverse):
        kept = values * self.mask
        out, log_slope = rational_quadratic_spline(
            values, self.knots(kept, context), inverse
        )
        moved = 1 - self.mask
        return kept + moved * out, (moved * log_slope).sum(dim=1)

    def forward(self, x, context=None):
        return self._transform(x, context, inverse=False)

    def inverse(self, z, context=None):
        return self._transform(z, context, inverse=True)[0]


def spline_flow(
    dim: int,
    couplings: int,
    *,
    bins: int = 8,
    bound: float = 3.0,
    hidden: int = 64,
    layers: int = 2,
    dropout: float = 0.0,
    image_shape: tuple[int, int] | None = None,
) -> Compose:
    """``couplings`` spline couplings whose masks alternate, so that every
    coordinate is transformed (as :func:`~lecturecode.flows.coupling_flow`
    stacks affine ones): the half split, or the checkerboard of an image of
    ``image_shape = (height, width)``."""
    check_positive_int(dim, "dim")
    check_positive_int(couplings, "couplings")
    if image_shape is None:
        masks = [half_mask(dim, first) for first in (True, False)]
    elif image_shape[0] * image_shape[1] == dim:
        masks = [checkerboard_mask(*image_shape, parity) for parity in (0, 1)]
    else:
        raise ValueError(f"image_shape {image_shape} does not hold {dim} values")
    return Compose(
        *[
            SplineCoupling(
                masks[k % 2],
                bins=bins,
                bound=bound,
                hidden=hidden,
                layers=layers,
                dropout=dropout,
            )
            for k in range(couplings)
        ]
    )
