"""The adding problem, experiment 4 of Hochreiter & Schmidhuber (1997, section
5.4): a task that needs a memory over long time lags.

Each input is a sequence of pairs (value, marker). Values are uniform on
``[-1, 1]``. Exactly two pairs carry the marker 1: one of the first ten pairs
(its value is ``X_1``) and then one of the first ``T/2 - 1`` pairs not yet marked
(``X_2``). The first and the last pair carry the marker -1 unless marked; all other
markers are 0. If the first pair is marked, its value is set to 0 (the paper's
rule for this rare case). The target, seen only at the end, is

    y = 0.5 + (X_1 + X_2) / 4                                       (eq. adding)

and a sequence counts as solved when the absolute error is below 0.04. Sequence
lengths are drawn uniformly from ``T .. T + T/10``; here one length is drawn per
call, shared by the sequences of that batch so that they stack into one tensor.
"""

import torch
from torch import nn

from ..runtime import check_positive_int

TOLERANCE = 0.04  # "processed correctly": absolute error below 0.04


def adding_problem(
    n: int, T: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` sequences of the adding problem with minimal length ``T``: inputs
    ``(n, L, 2)`` with ``T <= L <= T + T // 10``, and targets ``(n,)``."""
    check_positive_int(n, "n")
    check_positive_int(T, "T")
    if T < 4:
        raise ValueError(f"T must be at least 4 to place two markers, got {T}")
    # [start-adding-problem]
    L = T + int(torch.randint(T // 10 + 1, (1,), generator=generator))
    values = 2 * torch.rand(n, L, generator=generator) - 1
    markers = torch.zeros(n, L)
    markers[:, 0] = markers[:, -1] = -1
    rows = torch.arange(n)
    first = torch.randint(min(10, L), (n,), generator=generator)
    # the k-th still unmarked pair among the first T/2 - 1 unmarked ones
    k = torch.randint(T // 2 - 1, (n,), generator=generator)
    second = k + (k >= first).long()
    markers[rows, first] = 1
    markers[rows, second] = 1
    values[:, 0] = torch.where(markers[:, 0] == 1, 0.0, values[:, 0])
    target = 0.5 + (values[rows, first] + values[rows, second]) / 4
    return torch.stack([values, markers], dim=-1), target
    # [end-adding-problem]


class SequenceRegressor(nn.Module):
    """A recurrence read out at the last step, ``y = w^T h_T + b``: the adding
    problem's model. ``recurrence`` follows ``torch.nn.RNN``'s calling
    convention (``batch_first=True``)."""

    def __init__(self, recurrence: nn.Module):
        super().__init__()
        self.recurrence = recurrence
        self.readout = nn.Linear(recurrence.hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[-1] != self.recurrence.input_size:
            raise ValueError(
                f"x must have shape (batch, T, {self.recurrence.input_size}), "
                f"got {tuple(x.shape)}"
            )
        hidden, _ = self.recurrence(x)
        return self.readout(hidden[:, -1]).squeeze(-1)


def solved(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Which sequences are processed correctly: ``|prediction - target| < 0.04``."""
    return (prediction - target).abs() < TOLERANCE
