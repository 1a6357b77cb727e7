"""Lecture 18.2.2: the fully visible sigmoid belief network (FVSBN).

Each conditional is a logistic regression on the coordinates before it:

    p(x_i = 1 | x_<i) = sigmoid(sum_{j < i} theta_ij x_j + b_i)          (eq. fvsbn)

with ``j < i`` meaning "before ``i`` in the ordering". The lecture's sum runs to
``j = i``: then ``x_i`` predicts itself and the product of conditionals is no longer
a distribution (``include_self=True`` builds that model, for the demonstration).
"""

import torch
from torch import nn

from ..runtime import check_batch
from .base import AutoregressiveModel, strictly_before


def fvsbn_mask(ordering: torch.Tensor, include_self: bool = False) -> torch.Tensor:
    """``M[i, j] = 1`` when ``x_j`` may enter the conditional of ``x_i``: ``j``
    strictly before ``i`` in the ordering (or ``j = i`` too, if
    ``include_self``)."""
    before = strictly_before(ordering)
    if include_self:
        before = before | torch.eye(len(ordering), dtype=torch.bool)
    return before.float()


class FVSBN(AutoregressiveModel):
    """eq. fvsbn: ``logits = (theta * M) x + b``, a masked ``D x D`` matrix, so a
    likelihood evaluation costs ``O(D^2)`` per example."""

    def __init__(self, dim: int, ordering=None, include_self: bool = False):
        super().__init__(dim, ordering)
        self.theta = nn.Parameter(torch.zeros(dim, dim))
        self.b = nn.Parameter(torch.zeros(dim))
        self.register_buffer("mask", fvsbn_mask(self.ordering, include_self))

    def logits(self, x):
        check_batch(x, self.dim)
        return x @ (self.theta * self.mask).T + self.b

    def used_entries(self):
        """The ``theta_ij`` the mask keeps (for ``free_parameters``)."""
        return [(self.theta, self.mask != 0)]

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None):
        """Ancestral sampling with a running sum of the logits: once ``x_j`` is
        drawn, add ``theta_ij x_j`` to every logit ``i``. ``O(D)`` per step and
        ``O(D^2)`` per sample, against ``O(D^3)`` for recomputing all logits at
        every step; the same samples as the generic sampler."""
        x = self._empty_batch(n)
        logits = self.b.expand(n, -1).clone()
        theta = self.theta * self.mask
        for j in self.ordering.tolist():
            x[:, j] = self.sample_conditional(logits[:, j], generator)
            logits += x[:, j : j + 1] * theta[:, j]
        return x
