"""Experiments: data -> model -> fit -> evaluation, as functions of the scale.

A chapter calls these at the reader's scale (``quick`` by default, ``smoke`` in the
tests); the full-scale job calls the very same functions under
``LECTURE_SCALE=full`` on a GPU. Each returns :class:`ModelResult` records, one per
model and data set: what the results file and the book's tables are made of.
"""

from dataclasses import asdict, dataclass, field

import torch

from ..runtime import free_parameters
from ..scale import current_scale
from ..train import FitResult, bits_per_dim, mean_nll


@dataclass
class ModelResult:
    """One trained model on one data set. NLLs are in nats per example."""

    model: str
    dataset: str
    test_nll: float
    bits_per_dim: float | None
    parameters: int
    train_seconds: float
    device: str
    seed: int
    scale: str
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def evaluate(
    model: torch.nn.Module,
    *,
    name: str,
    dataset: str,
    test: torch.Tensor,
    fit_result: FitResult,
    seed: int,
    dim: int | None = None,
    **extra,
) -> ModelResult:
    """Test NLL (and bits/dim when ``dim`` is given) of a fitted likelihood model.
    """
    nll = mean_nll(model, test)
    device = next(iter(model.parameters())).device
    return ModelResult(
        model=name,
        dataset=dataset,
        test_nll=nll,
        bits_per_dim=bits_per_dim(nll, dim) if dim else None,
        parameters=free_parameters(model),
        train_seconds=fit_result.seconds,
        device=str(device),
        seed=seed,
        scale=current_scale(),
        extra=extra,
    )
