"""The digit data sets of the likelihood chapters, and the baseline on each.

Every version of the digits has the split rows ``[:1000]`` / ``[1000:1350]`` /
``[1350:]``: binarized (``x >= 8``), grey (17 levels) and tinted (each digit in a
random colour, 4 levels per channel). Independent pixels, fitted in closed form,
are the baseline every model of them must beat; this is its one definition, and
one job (the chapter's that introduces the data set) records it.
"""

import time

import torch

from ..autoregressive import IndependentBernoulli, IndependentCategorical
from ..data import load_digits, tinted_digits
from ..runtime import default_device
from ..train import FitResult
from .base import ModelResult, evaluate

# name: (loader, colours, levels)
DATASETS = {
    "binarized digits": (lambda: load_digits("binary"), 1, 2),
    "grey digits": (lambda: load_digits("grey"), 1, 17),
    "tinted digits": (lambda: tinted_digits(levels=4), 3, 4),
}


def dataset(name: str, device=None) -> dict[str, torch.Tensor]:
    """The train / val / test splits of one of :data:`DATASETS` on ``device``
    (by default :func:`~lecturecode.runtime.default_device`)."""
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {list(DATASETS)}, got {name!r}")
    device = device or default_device()
    return {k: v.to(device) for k, v in DATASETS[name][0]().items()}


def independent_pixels(name: str = "binarized digits") -> tuple:
    """One Bernoulli (binarized digits) or categorical (more levels) per
    sub-pixel, fitted on train in closed form with add-one smoothing: the model
    and its exact test record, ``"independent pixels"`` on ``name``."""
    data = dataset(name, torch.device("cpu"))
    levels = DATASETS[name][2]
    start = time.perf_counter()
    if levels == 2:
        model = IndependentBernoulli.fit_closed_form(data["train"])
    else:
        model = IndependentCategorical.fit_closed_form(data["train"], levels)
    fit_result = FitResult(seconds=time.perf_counter() - start)
    result: ModelResult = evaluate(
        model,
        name="independent pixels",
        dataset=name,
        test=data["test"],
        fit_result=fit_result,
        seed=0,
        dim=model.dim,
        recipe={"fit": "closed form with add-one smoothing"},
    )
    return model, result
