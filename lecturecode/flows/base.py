"""The flow protocol of lecture 18.1.2.

A flow is an invertible map ``f_theta`` in the lecture's direction, from data ``x``
to noise ``z``. With a standard normal base density ``phi``, the change of variables
gives

    log p(x) = log phi(f_theta(x)) + log |det J_x f_theta(x)|            (eq. cov)

and for a composition the log-determinants add (eq. composed objective).

Layers trust their input: the model's entry points (``FlowModel.log_prob``,
``encode``, ``decode``) validate a batch once, since a check in every layer would
cost one device sync (``isfinite().all()``) per layer.
"""

import torch
from torch import nn

from ..runtime import LOG_2PI, check_batch, check_positive_int


class Flow(nn.Module):
    """An invertible map ``f: R^d -> R^d`` from data to noise.

    ``forward(x)`` returns ``(z, log_abs_det)`` with ``z = f(x)`` and one
    ``log |det J_x f(x)|`` per row; ``inverse(z)`` returns ``x = f^{-1}(z)``.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.dim = check_positive_int(dim, "dim")

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError  # abstract: every layer defines its own map

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError  # abstract: every layer defines its own inverse


class Compose(Flow):
    """``h_0 = x``, ``h_k = f_k(h_{k-1})``, ``z = h_L``; layers run in the order
    given.

    By the chain rule the Jacobian of the composition is the product of the layers'
    Jacobians, so its log-determinant is the sum of theirs (eq. composed objective).
    """

    def __init__(self, *layers: Flow):
        if not layers:
            raise ValueError("Compose needs at least one layer")
        dims = {layer.dim for layer in layers}
        if len(dims) != 1:
            raise ValueError(
                f"all layers must share one dimension, got {sorted(dims)}"
            )
        super().__init__(dims.pop())
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        log_abs_det = x.new_zeros(x.shape[0])
        for layer in self.layers:
            x, layer_log_abs_det = layer(x)
            log_abs_det = log_abs_det + layer_log_abs_det
        return x, log_abs_det

    def inverse(self, z):
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z


def standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    """``log phi(z)`` of the d-dimensional standard normal, one value per row."""
    return -0.5 * (z.pow(2).sum(dim=1) + z.shape[1] * LOG_2PI)


class FlowModel(nn.Module):
    """The density ``p(x) = phi(f(x)) |det J_x f(x)|`` of a flow over a standard
    normal."""

    def __init__(self, flow: Flow):
        super().__init__()
        self.flow = flow
        self.dim = flow.dim
        # An empty buffer that follows .to(device, dtype), so samples land where the
        # model is.
        self.register_buffer("_anchor", torch.zeros(0))

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """``log p(x)`` in nats, one value per row (eq. cov)."""
        check_batch(x, self.dim)
        z, log_abs_det = self.flow(x)
        return standard_normal_log_prob(z) + log_abs_det

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``z = f(x)``, one code per row."""
        check_batch(x, self.dim)
        return self.flow(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``x = f^{-1}(z)``, one point per row."""
        check_batch(z, self.dim, "z")
        return self.flow.inverse(z)

    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Draw ``z ~ N(0, I)`` and return ``x = f^{-1}(z)``."""
        check_positive_int(n, "n")
        device = generator.device if generator is not None else self._anchor.device
        z = torch.randn(n, self.dim, generator=generator, device=device)
        return self.flow.inverse(z.to(self._anchor))


def flow_jacobian(flow: Flow, x: torch.Tensor) -> torch.Tensor:
    """The full ``d x d`` Jacobian of ``flow`` at one point ``x`` (shape ``(d,)``),
    by autograd."""
    return torch.autograd.functional.jacobian(
        lambda v: flow(v.unsqueeze(0))[0].squeeze(0), x
    )


def autograd_log_abs_det(flow: Flow, x: torch.Tensor) -> torch.Tensor:
    """Brute-force ``log |det J|`` for each row of ``x``: the whole Jacobian, then
    ``slogdet``.

    This costs ``d`` backward passes and an ``O(d^3)`` determinant per example: the
    reference the structured layers are tested against, never what they compute.
    """
    return torch.stack(
        [torch.linalg.slogdet(flow_jacobian(flow, row)).logabsdet for row in x]
    )
