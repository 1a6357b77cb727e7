"""The baselines every autoregressive model must beat: each coordinate
independent of the others, fitted in closed form."""

import torch
import torch.nn.functional as F
from torch import nn

from ..runtime import check_batch
from .base import AutoregressiveModel, CategoricalModel


class IndependentBernoulli(AutoregressiveModel):
    """The FVSBN with ``theta = 0``: ``p(x_i = 1) = sigmoid(b_i)`` for every
    coordinate, independent of the others. The baseline every model must beat."""

    def __init__(self, dim: int, ordering=None):
        super().__init__(dim, ordering)
        self.b = nn.Parameter(torch.zeros(dim))

    def logits(self, x):
        check_batch(x, self.dim)
        return self.b.expand(len(x), -1)

    @classmethod
    @torch.no_grad()
    def fit_closed_form(cls, data: torch.Tensor) -> "IndependentBernoulli":
        """Maximum likelihood with add-one (Laplace) smoothing,
        ``p_i = (ones_i + 1) / (n + 2)``, so that a pixel never on in training
        does not get probability zero on test data."""
        model = cls(data.shape[1])
        model.check_input(data)
        p = (data.sum(0) + 1) / (len(data) + 2)
        model.b.copy_(torch.log(p) - torch.log1p(-p))
        return model


class IndependentCategorical(CategoricalModel):
    """Every coordinate independent, ``p(x_i = l) = softmax(b_i)_l``: the
    baseline for grey levels and colours."""

    def __init__(self, dim: int, levels: int):
        super().__init__(dim, levels)
        self.b = nn.Parameter(torch.zeros(dim, self.outputs))

    def logits(self, x):
        check_batch(x, self.dim)
        return self.b.expand(len(x), -1, -1).squeeze(-1)

    @classmethod
    @torch.no_grad()
    def fit_closed_form(cls, data: torch.Tensor, levels: int):
        """Maximum likelihood with add-one smoothing,
        ``p_i(l) = (count_i(l) + 1) / (n + levels)``, so that a level never seen
        in training keeps a nonzero probability."""
        model = cls(data.shape[1], levels)
        model.check_input(data)
        counts = F.one_hot(data.long(), levels).sum(0) + 1
        log_p = (counts / counts.sum(1, keepdim=True)).log()
        if levels == 2:
            log_p = (log_p[:, 1] - log_p[:, 0]).unsqueeze(1)  # the logit
        model.b.copy_(log_p)
        return model
