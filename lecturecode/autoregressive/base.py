"""Lecture 18.2.1: the chain rule over an ordering, and what every autoregressive
model shares.

For an ordering ``o = (o_1, ..., o_D)`` of the coordinates, the chain rule of
probability writes any distribution as

    p(x) = prod_{k=1}^D p(x_{o_k} | x_{o_1}, ..., x_{o_{k-1}})           (eq. chain)

An autoregressive model parametrizes each conditional. Here a model exposes its
``ordering`` and its conditionals as ``logits(x)``: entry ``i`` parametrizes
``p(x_i | x before i in the ordering)`` and must not depend on ``x_i`` or on any
later coordinate. From the logits follow the exact log-likelihood (one pass) and
the sampler (``D`` passes, one coordinate each). The output distribution is a
Bernoulli here; a model with another one (a categorical over grey levels, say)
overrides ``check_input``, ``conditional_log_prob`` and ``sample_conditional``.
"""

import torch
import torch.nn.functional as F
from torch import nn

from ..runtime import check_binary_batch


def check_ordering(ordering, dim: int) -> torch.Tensor:
    """``ordering`` as a long tensor, after checking it is a permutation of
    ``0..dim-1``; ``None`` means the natural order (raster order for images)."""
    if ordering is None:
        return torch.arange(dim)
    ordering = torch.as_tensor(ordering)
    if (
        ordering.dim() != 1
        or ordering.is_floating_point()
        or len(ordering) != dim
        or not torch.equal(ordering.sort().values.cpu(), torch.arange(dim))
    ):
        raise ValueError(
            f"ordering must be a permutation of 0..{dim - 1}, "
            f"got {ordering.tolist()}"
        )
    return ordering.long()


def ranks(ordering: torch.Tensor) -> torch.Tensor:
    """The position of each coordinate in the ordering: ``ranks[o_k] = k``."""
    position = torch.empty_like(ordering)
    position[ordering] = torch.arange(len(ordering), device=ordering.device)
    return position


class AutoregressiveModel(nn.Module):
    """``p(x) = prod_k p(x_{o_k} | x_{o_<k})`` (eq. chain) with Bernoulli
    conditionals.

    Subclasses define ``logits(x)``; ``log_prob`` and ``sample`` follow from it.
    """

    def __init__(self, dim: int, ordering=None):
        super().__init__()
        if not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        self.dim = dim
        self.register_buffer("ordering", check_ordering(ordering, dim))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The conditionals' parameters, shape ``(batch, dim)`` (or ``(batch, dim,
        ...)``); entry ``i`` may only depend on the coordinates before ``i``."""
        raise NotImplementedError  # abstract: every model defines its conditionals

    def check_input(self, x: torch.Tensor) -> torch.Tensor:
        """Raise ``ValueError`` unless ``x`` is a batch of binary vectors."""
        return check_binary_batch(x, self.dim)

    def conditional_log_prob(self, logits, x) -> torch.Tensor:
        """``log p(x_i | x_<i)`` for every coordinate, shape ``(batch, dim)``."""
        return -F.binary_cross_entropy_with_logits(logits, x, reduction="none")

    def sample_conditional(self, logits, generator=None) -> torch.Tensor:
        """Draw ``x_i`` for a batch from the conditional with these logits."""
        u = torch.rand(logits.shape, generator=generator, device=_device(generator))
        return (u.to(logits) < torch.sigmoid(logits)).to(logits.dtype)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """``log p(x)`` in nats, one value per row: eq. chain in logs, a sum of
        the ``D`` conditionals, all computed by one call of ``logits``."""
        self.check_input(x)
        return self.conditional_log_prob(self.logits(x), x).sum(dim=1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None):
        """Ancestral sampling: ``x_{o_1}`` first, then each coordinate given the
        ones drawn before it; ``D`` sequential calls of ``logits``."""
        x = self._empty_batch(n)
        for i in self.ordering.tolist():
            x[:, i] = self.sample_conditional(self.logits(x)[:, i], generator)
        return x

    def _empty_batch(self, n):
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        anchor = self.ordering
        return torch.zeros(n, self.dim, device=anchor.device, dtype=_dtype_of(self))


def _device(generator):
    return generator.device if generator is not None else None


def _dtype_of(module: nn.Module) -> torch.dtype:
    parameter = next(iter(module.parameters()), None)
    return parameter.dtype if parameter is not None else torch.get_default_dtype()


MAX_EXHAUSTIVE_DIM = 20


def all_binary_vectors(dim: int, dtype=torch.float64) -> torch.Tensor:
    """All ``2^dim`` binary vectors, shape ``(2^dim, dim)``, in counting order."""
    if not isinstance(dim, int) or not 1 <= dim <= MAX_EXHAUSTIVE_DIM:
        raise ValueError(
            f"dim must be an integer in 1..{MAX_EXHAUSTIVE_DIM} to enumerate "
            f"2^dim vectors, got {dim!r}"
        )
    codes = torch.arange(2**dim).unsqueeze(1)
    bits = 2 ** torch.arange(dim - 1, -1, -1)
    return ((codes // bits) % 2).to(dtype)


@torch.no_grad()
def total_probability(log_prob, dim: int, dtype=torch.float64) -> float:
    """``sum_x p(x)`` over all ``2^dim`` binary vectors: exactly 1 for a
    normalized distribution. ``log_prob`` maps a batch to one log-probability per
    row (a model's ``log_prob``, or any candidate)."""
    log_p = log_prob(all_binary_vectors(dim, dtype))
    return torch.logsumexp(log_p.double(), dim=0).exp().item()
