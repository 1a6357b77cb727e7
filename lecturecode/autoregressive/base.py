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

from ..runtime import (
    check_batch,
    check_binary_batch,
    check_positive_int,
    values_trusted,
)


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


def strictly_before(ordering: torch.Tensor) -> torch.Tensor:
    """``B[i, j]`` is True when coordinate ``j`` comes strictly before ``i`` in
    the ordering: the inputs the conditional of ``x_i`` may see."""
    rank = ranks(ordering)
    return rank.unsqueeze(0) < rank.unsqueeze(1)


class AutoregressiveModel(nn.Module):
    """``p(x) = prod_k p(x_{o_k} | x_{o_<k})`` (eq. chain) with Bernoulli
    conditionals.

    Subclasses define ``logits(x)``; ``log_prob`` and ``sample`` follow from it.
    """

    def __init__(self, dim: int, ordering=None):
        super().__init__()
        self.dim = check_positive_int(dim, "dim")
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
        check_positive_int(n, "n")
        anchor = self.ordering
        return torch.zeros(n, self.dim, device=anchor.device, dtype=_dtype_of(self))


def _device(generator):
    return generator.device if generator is not None else None


def _dtype_of(module: nn.Module) -> torch.dtype:
    parameter = next(iter(module.parameters()), None)
    return parameter.dtype if parameter is not None else torch.get_default_dtype()


class CategoricalModel(AutoregressiveModel):
    """Autoregressive model over ``levels`` values per coordinate,
    ``0..levels-1``. With ``levels = 2`` the conditionals are the base class's
    Bernoulli, one logit each; with more, a categorical softmax, ``logits`` of
    shape ``(batch, D, levels)`` (the extension the base class foresees)."""

    def __init__(self, dim: int, levels: int, ordering=None):
        if not isinstance(levels, int) or levels < 2:
            raise ValueError(f"need levels >= 2, got {levels!r}")
        super().__init__(dim, ordering)
        self.levels = levels
        self.outputs = 1 if levels == 2 else levels

    def check_input(self, x):
        if self.levels == 2:
            return super().check_input(x)
        check_batch(x, self.dim)
        if values_trusted():
            return x
        if not ((x == x.round()) & (x >= 0) & (x < self.levels)).all():
            raise ValueError(
                f"x must hold integer levels 0..{self.levels - 1} for a "
                f"categorical model"
            )
        return x

    def conditional_log_prob(self, logits, x):
        """``log p(x_i | x_<i)``: a log-softmax picked at the observed level."""
        if self.levels == 2:
            return super().conditional_log_prob(logits, x)
        log_p = torch.log_softmax(logits, dim=-1)
        return log_p.gather(-1, x.long().unsqueeze(-1)).squeeze(-1)

    def sample_conditional(self, logits, generator=None):
        if self.levels == 2:
            return super().sample_conditional(logits, generator)
        probabilities = torch.softmax(logits, dim=-1)
        if generator is not None and _device(generator) != logits.device:
            probabilities = probabilities.to(_device(generator))
        draw = torch.multinomial(probabilities, 1, generator=generator)
        return draw.squeeze(1).to(logits)


@torch.no_grad()
def complete(
    model: AutoregressiveModel,
    x: torch.Tensor,
    known: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Sample the coordinates where ``known`` is False from
    ``p(unknown | known)``, keeping the known ones: ancestral sampling that
    skips the known coordinates. Exact only when the known coordinates come
    first in the model's ordering (the upper half of an image in raster order),
    so anything else raises ``ValueError``."""
    model.check_input(x)
    known = torch.as_tensor(known, dtype=torch.bool, device=x.device)
    if known.shape != (model.dim,):
        raise ValueError(f"known must have shape ({model.dim},), got {known.shape}")
    in_order = known[model.ordering]
    prefix = int(in_order.sum())
    if not in_order[:prefix].all():
        raise ValueError(
            "the known coordinates must come first in the model's ordering; "
            "otherwise sampling the rest ignores what comes after it"
        )
    x = x.clone()
    for i in model.ordering[prefix:].tolist():
        x[:, i] = model.sample_conditional(model.logits(x)[:, i], generator)
    return x


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
