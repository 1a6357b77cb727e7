"""Lecture 18.2.3: the neural autoregressive density estimator (NADE).

Each conditional is a one-hidden-layer network of the coordinates before it.
Untied, every conditional ``i`` has its own input weights ``A_i``:

    h_i = sigmoid(A_i x_<i + c_i)
    p(x_i = 1 | x_<i) = sigmoid(alpha_i . h_i + b_i)               (eq. nade-untied)

Tied (Larochelle & Murray, 2011), all conditionals share one matrix ``W`` (and,
as in the paper, one hidden bias ``c``):

    h_i = sigmoid(W_{., <i} x_<i + c)
    p(x_i = 1 | x_<i) = sigmoid(alpha_i . h_i + b_i)                 (eq. nade)

With ``a_i = c + W_{., <i} x_<i``, consecutive pre-activations differ by one
column: ``a_{i+1} = a_i + W_{., i} x_i``. Carrying this running sum along the
ordering computes all ``D`` conditionals in ``O(DH)``, against ``O(D^2 H)`` untied.
``<i`` and ``i+1`` refer to positions in the model's ordering.
"""

import torch
from torch import nn

from ..runtime import check_batch, check_positive_int
from .base import AutoregressiveModel, ranks, strictly_before


def _uniform(shape, bound):
    return nn.Parameter(torch.empty(shape).uniform_(-bound, bound))


class NADE(AutoregressiveModel):
    """Tied NADE, eq. nade, with ``hidden`` units; ``O(DH)`` per example."""

    def __init__(self, dim: int, hidden: int, ordering=None):
        super().__init__(dim, ordering)
        self.hidden = check_positive_int(hidden, "hidden")
        self.W = _uniform((hidden, dim), dim**-0.5)
        self.c = nn.Parameter(torch.zeros(hidden))
        self.alpha = _uniform((dim, hidden), hidden**-0.5)
        self.b = nn.Parameter(torch.zeros(dim))

    def pre_activations(self, x):
        """``a_k = c + sum_{j<k} W_{., o_j} x_{o_j}`` for every position ``k``,
        shape ``(batch, D, H)``: the running sum, as an exclusive cumulative sum
        along the ordering."""
        steps = x[:, self.ordering].unsqueeze(2) * self.W.T[self.ordering]
        before = torch.cat([torch.zeros_like(steps[:, :1]), steps[:, :-1]], dim=1)
        return self.c + before.cumsum(dim=1)

    def logits(self, x):
        check_batch(x, self.dim)
        h = torch.sigmoid(self.pre_activations(x))  # h[:, k] = h_{o_k}
        in_order = (h * self.alpha[self.ordering]).sum(-1) + self.b[self.ordering]
        return in_order[:, ranks(self.ordering)]  # back to coordinate order

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None):
        """Ancestral sampling in ``O(DH)`` per sample: one conditional at a time,
        updating the running pre-activation with each new coordinate."""
        x = self._empty_batch(n)
        a = self.c.expand(n, -1)
        for i in self.ordering.tolist():
            logit = torch.sigmoid(a) @ self.alpha[i] + self.b[i]
            x[:, i] = self.sample_conditional(logit, generator)
            a = a + x[:, i : i + 1] * self.W[:, i]
        return x


class UntiedNADE(AutoregressiveModel):
    """Untied NADE, eq. nade-untied: conditional ``i`` has its own ``A_i`` (``H x
    D``, masked to the coordinates before ``i``); ``O(D^2 H)`` per example."""

    def __init__(self, dim: int, hidden: int, ordering=None):
        super().__init__(dim, ordering)
        self.hidden = check_positive_int(hidden, "hidden")
        self.A = _uniform((dim, hidden, dim), dim**-0.5)
        self.c = nn.Parameter(torch.zeros(dim, hidden))
        self.alpha = _uniform((dim, hidden), hidden**-0.5)
        self.b = nn.Parameter(torch.zeros(dim))
        before = strictly_before(self.ordering).float()  # [i, j]: j before i
        self.register_buffer("mask", before.unsqueeze(1))  # (D, 1, D)

    def logits(self, x):
        check_batch(x, self.dim)
        a = torch.einsum("bj,ihj->bih", x, self.A * self.mask) + self.c
        return (torch.sigmoid(a) * self.alpha).sum(-1) + self.b

    def used_entries(self):
        """The entries of the ``A_i`` the mask keeps (for ``free_parameters``)."""
        return [(self.A, self.mask != 0)]

    @classmethod
    @torch.no_grad()
    def from_tied(cls, nade: NADE) -> "UntiedNADE":
        """The untied model with every ``A_i = W`` and ``c_i = c``: the same
        distribution as ``nade``, computed the expensive way."""
        untied = cls(nade.dim, nade.hidden, nade.ordering).to(nade.W)
        untied.A.copy_(nade.W.expand(nade.dim, -1, -1))
        untied.c.copy_(nade.c.expand(nade.dim, -1))
        untied.alpha.copy_(nade.alpha)
        untied.b.copy_(nade.b)
        return untied
