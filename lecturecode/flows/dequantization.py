"""Flows for discrete data: dequantization and an honest bound on the discrete NLL.

A flow is a density on R^d, but pixels take ``K`` values ``0..K-1``. Fitting a
density to the integers themselves is meaningless (it can pile up infinite density
on them). Instead, model ``w = x + u`` with ``u in [0, 1)^d`` (Theis et al., 2016;
Ho et al., 2019). For any density ``q(u | x)`` on the unit cube, Jensen's inequality
gives a lower bound on the probability of the discrete ``x``:

    log P(x) = log E_{q(u|x)}[ p(x + u) / q(u | x) ]
            >= E_{q(u|x)}[ log p(x + u) - log q(u | x) ].                   (bound)

Uniform dequantization is ``q = 1``; variational dequantization learns ``q``.
The continuous density ``p(w)`` includes the log-Jacobian of every rescaling
(:class:`LogitTransform`), so the bound is a bound on the NLL in nats of the
discrete data, comparable with any discrete model.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from ..budget import evaluation_count, evaluation_rows
from ..nets import mlp
from ..runtime import (
    check_batch,
    check_count,
    check_positive_int,
    values_trusted,
)
from .base import Flow, FlowModel, standard_normal_log_prob
from .coupling import AffineCoupling, half_mask


class LogitTransform(Flow):
    """``w in (0, K)^d`` to ``v = logit(alpha + (1 - 2 alpha) w / K)`` in ``R^d``.

    Per coordinate ``dv/dw = (1 - 2 alpha) / (K y (1 - y))`` with
    ``y = alpha + (1 - 2 alpha) w / K``, so

        log |det J| = sum_i [ log(1 - 2 alpha) - log K - log y_i - log(1 - y_i) ].

    It is an ordinary flow layer: its log-det enters ``log p(w)`` like any other.
    """

    def __init__(self, dim, levels: int, alpha: float = 0.05):
        super().__init__(dim)
        check_count(levels, "levels", 2)
        if not 0 <= alpha < 0.5:
            raise ValueError(f"alpha must lie in [0, 0.5), got {alpha}")
        self.levels, self.alpha = levels, alpha

    def forward(self, w):
        y = self.alpha + (1 - 2 * self.alpha) * w / self.levels
        v = torch.log(y) - torch.log1p(-y)
        per_coordinate = (
            math.log(1 - 2 * self.alpha)
            - math.log(self.levels)
            - torch.log(y)
            - torch.log1p(-y)
        )
        return v, per_coordinate.flatten(1).sum(dim=1)

    def inverse(self, v):
        y = torch.sigmoid(v)
        return (y - self.alpha) * self.levels / (1 - 2 * self.alpha)


class UniformDequantizer(nn.Module):
    """``q(u | x) = 1`` on the unit cube: ``log q = 0``."""

    def forward(self, x, generator=None):
        u = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device)
        return u, x.new_zeros(x.shape[0])


class VariationalDequantizer(nn.Module):
    """A learned ``q(u | x)`` (Ho et al., 2019): a conditional flow on noise.

    ``e ~ N(0, I)``; RealNVP's affine couplings conditioned on ``x``
    (:class:`~lecturecode.flows.AffineCoupling` with a context), then
    ``h = e * exp(a(x)) + b(x)`` and ``u = sigmoid(h)``, a point of the unit cube.
    Every step is invertible with a known Jacobian, so

        log q(u | x) = log N(e) - sum(log-dets) - sum log sigmoid'(h).

    An image ``x`` is read as its ``dim`` values in raster order; ``u`` comes
    back in the shape of ``x``.
    """

    def __init__(self, dim: int, levels: int, hidden: int = 64, couplings: int = 2):
        check_count(dim, "dim", 2)  # its couplings split the noise in two
        check_count(levels, "levels", 2)
        check_positive_int(hidden, "hidden")
        check_positive_int(couplings, "couplings")
        super().__init__()
        self.dim, self.levels = dim, levels
        self.couplings = nn.ModuleList(
            AffineCoupling(half_mask(dim, k % 2 == 0), hidden, context_dim=dim)
            for k in range(couplings)
        )
        self.elementwise = mlp(dim, 2 * dim, hidden, 2, zero_last=True)

    def noise_to_cube(self, e, x):
        """``u`` in the unit cube and ``log |det du/de|``, given the data ``x``."""
        context = x / (self.levels - 1) - 0.5
        h, log_abs_det = e, e.new_zeros(e.shape[0])
        for coupling in self.couplings:
            h, coupling_log_abs_det = coupling(h, context)
            log_abs_det = log_abs_det + coupling_log_abs_det
        a, b = self.elementwise(context).chunk(2, dim=1)
        h = h * a.exp() + b
        # d sigmoid(h) / dh = sigmoid(h) sigmoid(-h)
        log_sigmoid_slope = F.logsigmoid(h) + F.logsigmoid(-h)
        return torch.sigmoid(h), log_abs_det + (a + log_sigmoid_slope).sum(1)

    def forward(self, x, generator=None):
        e = torch.randn(
            len(x), self.dim, generator=generator, dtype=x.dtype, device=x.device
        )
        u, log_abs_det = self.noise_to_cube(e, x.flatten(1))
        return u.view_as(x), standard_normal_log_prob(e) - log_abs_det


class DequantizedFlow(nn.Module):
    """A flow for data with ``levels`` values ``0..levels-1`` per coordinate.

    ``log_prob(x)`` is a one-sample estimate of the bound (see the module's
    docstring): ``log p(x + u) - log q(u | x)`` with ``u ~ q(. | x)``. Its
    expectation is at most ``log P(x)``, so minimizing its negative is maximum
    likelihood on a bound, and :meth:`nll_bound` reports the test NLL honestly.
    """

    def __init__(self, flow: Flow, levels: int, dequantizer=None, alpha=0.05):
        super().__init__()
        self.dim, self.shape, self.levels = flow.dim, flow.shape, levels
        self.logit = LogitTransform(flow.shape, levels, alpha)
        self.continuous = FlowModel(flow)
        self.dequantizer = dequantizer or UniformDequantizer()

    def check_discrete(self, x):
        check_batch(x, self.shape)
        if values_trusted():
            return x
        if not ((x == x.round()) & (x >= 0) & (x <= self.levels - 1)).all():
            raise ValueError(
                f"x must hold integers 0..{self.levels - 1} (the discrete levels)"
            )
        return x

    def continuous_log_prob(self, w):
        """``log p(w)`` of the continuous ``w in (0, levels)^d``, in nats."""
        v, logit_log_abs_det = self.logit(w)
        z, log_abs_det = self.continuous.flow(v)
        return standard_normal_log_prob(z) + log_abs_det + logit_log_abs_det

    def log_prob_bound(self, x, generator=None):
        """``log p(x + u) - log q(u | x)`` for one ``u ~ q(. | x)`` per row."""
        self.check_discrete(x)
        u, log_q = self.dequantizer(x, generator)
        return self.continuous_log_prob(x + u) - log_q

    def log_prob(self, x):
        return self.log_prob_bound(x)

    @torch.no_grad()
    def nll_bound(self, x, samples: int = 16, generator=None, batch_size=512):
        """Upper bounds on the discrete test NLL in nats per example.

        ``"elbo"``: the mean of ``-(log p(x + u) - log q(u | x))`` over ``samples``
        draws, the bound of the module's docstring, estimated. ``"iw"``: the
        importance-weighted bound ``-log mean_k exp(...)``, tighter, and still an
        upper bound in expectation (Burda et al., 2016).
        """
        x, samples = evaluation_rows(x), evaluation_count(samples)  # a dry run
        was_training = self.training
        self.eval()
        bounds = []
        for batch in x.split(batch_size):
            batch = batch.to(self.continuous._anchor.device)
            draws = [self.log_prob_bound(batch, generator) for _ in range(samples)]
            bounds.append(torch.stack(draws).cpu())
        bounds = torch.cat(bounds, 1)  # (samples, n)
        self.train(was_training)
        iw = torch.logsumexp(bounds, 0) - math.log(samples)
        return {"elbo": -bounds.mean().item(), "iw": -iw.mean().item()}

    def encode(self, x):
        """The code ``z = f(v(x + 1/2))`` of each discrete image: the flow's
        image of the centre of its cell."""
        self.check_discrete(x)
        return self.continuous.flow(self.logit(x + 0.5)[0])[0]

    def decode(self, z, discrete: bool = True):
        """``w = v^{-1}(f^{-1}(z))``, or with ``discrete`` its grey levels
        ``x = floor(w)``; ``decode(encode(x)) == x``."""
        check_batch(z, self.continuous.flow.out_shape, "z")
        w = self.logit.inverse(self.continuous.flow.inverse(z))
        return w.floor().clamp(0, self.levels - 1) if discrete else w

    @torch.no_grad()
    def sample(self, n: int, generator=None, discrete: bool = True):
        """Samples of ``w`` (``discrete=False``) or of ``x = floor(w)``."""
        w = self.logit.inverse(self.continuous.sample(n, generator))
        return w.floor().clamp(0, self.levels - 1) if discrete else w
