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

import math

import torch
from torch import nn

from ..runtime import LOG_2PI, check_batch, check_positive_int


def event_shape(shape: int | tuple[int, ...], name: str = "dim") -> tuple:
    """The shape of one example: ``(d,)`` for a vector of ``d`` values, or a
    tuple such as ``(C, H, W)`` for an image, every size a positive integer."""
    sizes = tuple(shape) if isinstance(shape, (tuple, list, torch.Size)) else (
        shape,)
    if not sizes:
        raise ValueError(f"{name} must name at least one size, got {shape!r}")
    return tuple(check_positive_int(size, name) for size in sizes)


class Flow(nn.Module):
    """An invertible map ``f: R^d -> R^d`` from data to noise.

    ``forward(x)`` returns ``(z, log_abs_det)`` with ``z = f(x)`` and one
    ``log |det J_x f(x)|`` per row; ``inverse(z)`` returns ``x = f^{-1}(z)``.
    A row is a vector (``dim`` an int) or an image (``dim`` a shape such as
    ``(C, H, W)``): ``shape`` is the shape of one input, ``out_shape`` of one
    output (the same unless the layer rearranges its values, as a squeeze does),
    and ``dim`` the number of values ``d``, which a bijection keeps.
    """

    def __init__(self, dim: int | tuple[int, ...], out_shape=None):
        super().__init__()
        self.shape = event_shape(dim)
        self.out_shape = self.shape if out_shape is None else event_shape(out_shape)
        self.dim = math.prod(self.shape)
        if math.prod(self.out_shape) != self.dim:
            raise ValueError(
                f"a flow keeps the number of values: {self.shape} holds {self.dim},"
                f" {self.out_shape} holds {math.prod(self.out_shape)}"
            )

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
        for k in range(1, len(layers)):
            if layers[k].shape != layers[k - 1].out_shape:
                raise ValueError(
                    "consecutive layers must share one dimension: layer "
                    f"{k - 1} gives {layers[k - 1].out_shape}, layer {k} takes "
                    f"{layers[k].shape}"
                )
        super().__init__(layers[0].shape, layers[-1].out_shape)
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
    """``log phi(z)`` of the d-dimensional standard normal, one value per row
    (a row may be an image: its values are the ``d`` coordinates)."""
    z = z.flatten(1)
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
        check_batch(x, self.flow.shape)
        z, log_abs_det = self.flow(x)
        return standard_normal_log_prob(z) + log_abs_det

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``z = f(x)``, one code per row."""
        check_batch(x, self.flow.shape)
        return self.flow(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``x = f^{-1}(z)``, one point per row."""
        check_batch(z, self.flow.out_shape, "z")
        return self.flow.inverse(z)

    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Draw ``z ~ N(0, I)`` and return ``x = f^{-1}(z)``."""
        check_positive_int(n, "n")
        device = generator.device if generator is not None else self._anchor.device
        z = torch.randn(
            n, *self.flow.out_shape, generator=generator, device=device
        )
        return self.flow.inverse(z.to(self._anchor))


def flow_jacobian(flow: Flow, x: torch.Tensor) -> torch.Tensor:
    """The full ``d x d`` Jacobian of ``flow`` at one point ``x`` (shape
    ``flow.shape``), by autograd; an image's values count in raster order."""
    jacobian = torch.autograd.functional.jacobian(
        lambda v: flow(v.unsqueeze(0))[0].squeeze(0), x
    )
    return jacobian.reshape(x.numel(), x.numel())


def autograd_log_abs_det(flow: Flow, x: torch.Tensor) -> torch.Tensor:
    """Brute-force ``log |det J|`` for each row of ``x``: the whole Jacobian, then
    ``slogdet``.

    This costs ``d`` backward passes and an ``O(d^3)`` determinant per example: the
    reference the structured layers are tested against, never what they compute.
    """
    return torch.stack(
        [torch.linalg.slogdet(flow_jacobian(flow, row)).logabsdet for row in x]
    )
