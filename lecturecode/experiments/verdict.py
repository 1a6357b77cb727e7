"""The verdict of issue #16: the autoregressive models and the flows of the book on
one data set, the 8 x 8 digits with 17 grey levels.

Each entry of :data:`ROWS` trains one model with one seed and says what its test
number is: an exact discrete NLL (a PixelCNN) or an upper bound on it (a flow
under dequantization). :func:`run_verdict` trains every row with the seeds of
:func:`~lecturecode.experiments.autoregressive.ranking_seeds` (through the
chapters' cached training functions, so a book build trains nothing twice) and
times what a user of the model pays: scoring 1,000 images and drawing 100.
"""

import dataclasses
import functools
from collections.abc import Callable
from typing import NamedTuple

import torch

from .. import budget
from ..benchmarks import best_seconds
from ..data import load_digits
from ..data.digits import SHAPE
from ..runtime import check_positive_int, default_device
from .autoregressive import ranking_seeds
from .base import ModelResult, register
from .flows import run_digits, settings_digits, train_spline_digits
from .multiscale import IMAGE, train_multiscale_flow
from .pixelcnn import train_pixelcnn

CHAPTER = "book/verdict/flows_or_autoregressive"
LIKELIHOODS = ("exact", "bound")


class VerdictRow(NamedTuple):
    """One row of the verdict: ``train(seed, device=..., progress=...)`` returns
    ``(model, record)``; ``likelihood`` is ``"exact"`` when the record's
    ``test_nll`` is the discrete NLL, ``"bound"`` when it is an upper bound;
    ``shape`` is the shape of one image as the model takes it."""

    likelihood: str
    train: Callable
    shape: tuple = (SHAPE[0] * SHAPE[1],)


def _pixelcnn(gated: bool) -> Callable:
    def train(seed, *, device=None, progress=False):
        return train_pixelcnn("grey digits", gated=gated, seed=seed,
                              device=device, progress=progress)

    return train


def _realnvp(seed, *, device=None, progress=False):
    result, model, _ = run_digits("RealNVP", **settings_digits(), seed=seed,
                                  device=device, progress=progress)
    return model, result


# The rows, in the order of the table: a new model is one entry here.
ROWS = (
    VerdictRow("exact", _pixelcnn(gated=False)),
    VerdictRow("exact", _pixelcnn(gated=True)),
    VerdictRow("bound", _realnvp),
    VerdictRow("bound", train_spline_digits),
    VerdictRow("bound", functools.partial(train_multiscale_flow,
                                          dequantization="variational"), IMAGE),
)


def tile(images: torch.Tensor, n: int) -> torch.Tensor:
    """The rows of ``images`` (vectors or images) repeated in order until there
    are ``n``."""
    check_positive_int(n, "n")
    return images.repeat(-(-n // len(images)), *[1] * (images.dim() - 1))[:n]


@torch.no_grad()
def use_seconds(model, images: torch.Tensor, *, score: int = 1000,
                draw: int = 100, repeats: int = 3, device=None) -> dict:
    """Seconds (best of ``repeats``, one thread on a CPU) to score ``score``
    images, ``images`` tiled, with one ``log_prob`` call (for a flow: the bound
    with one draw of ``u`` per image), and to draw ``draw`` samples, on
    ``device`` (the default device when None)."""
    device = torch.device(device or default_device())
    score, draw = budget.evaluation_count(score), budget.evaluation_count(draw)
    model = model.to(device).eval()
    x = tile(images, score).to(device)
    generator = torch.Generator(device=device).manual_seed(0)
    return {
        "score_seconds": best_seconds(lambda: model.log_prob(x), repeats,
                                      device=device),
        "sample_seconds": best_seconds(lambda: model.sample(draw, generator),
                                       repeats, device=device),
        "scored_images": score,
        "drawn_samples": draw,
    }


def run_verdict(rows=ROWS, seeds=None, device=None, progress=False):
    """Every row of ``rows`` trained with each seed of ``seeds`` (by default
    :func:`ranking_seeds`). Returns ``(records, models)``: the records, one per
    row and seed, name this chapter and the kind of likelihood in ``extra``; the
    first seed's record also holds :func:`use_seconds` of its model, which is
    kept in ``models`` by model name."""
    seeds = list(seeds or ranking_seeds())
    device = torch.device(device or default_device())
    test = load_digits("grey")["test"]
    records, models = [], {}
    for row in rows:
        if row.likelihood not in LIKELIHOODS:
            raise ValueError(
                f"likelihood must be one of {LIKELIHOODS}, got {row.likelihood!r}"
            )
        for seed in seeds:
            model, record = row.train(seed, device=device, progress=progress)
            extra = {**record.extra, "chapter": CHAPTER,
                     "likelihood": row.likelihood}
            if seed == seeds[0]:
                extra |= use_seconds(model, test.view(-1, *row.shape),
                                     device=device)
                models[record.model] = model
            records.append(dataclasses.replace(record, extra=extra))
    return records, models


@register(
    "verdict",
    chapter=CHAPTER,
    description="PixelCNNs against flows on the grey digits: NLL or bound, size, "
    "seconds to score 1,000 images and to draw 100",
)
def verdict_job(context) -> list[ModelResult]:
    seeds = [context.seed + seed for seed in ranking_seeds()]
    records, _ = run_verdict(seeds=seeds, device=context.device,
                             progress=context.progress)
    return records
