"""The verdict of issue #16: the autoregressive models and the flows of the book on
one data set, the 8 x 8 digits with 17 grey levels.

Each entry of :data:`ROWS` trains one model with one seed and says what its test
number is: an exact discrete NLL (a PixelCNN) or an upper bound on it (a flow
under dequantization). :func:`run_verdict` trains every row with the seeds of
:func:`~lecturecode.experiments.autoregressive.ranking_seeds` (through the
chapters' cached training functions, so a book build trains nothing twice) and
times what a user of the model pays: scoring 1,000 images and drawing 100.
:func:`scaling_costs` times the book's models at growing sizes for the cost
section of the same chapter.
"""

import dataclasses
from collections.abc import Callable
from typing import NamedTuple

import torch

from .. import budget
from ..benchmarks import (
    best_seconds,
    flow_step_seconds,
    general_determinant_seconds,
    loglog_slope,
    triangular_determinant_seconds,
)
from ..data import load_digits
from ..data.digits import SHAPE
from ..flows import LinearFlow, LULinear
from ..runtime import check_positive_int, default_device
from ..scale import by_scale
from ..sequence import CausalConvLanguageModel, rnn_language_model
from ..sequence.speed import log_prob_seconds
from .autoregressive import (
    evaluation_seconds,
    maf_direction_seconds,
    ranking_seeds,
    sampling_seconds,
)
from .base import ModelResult, register
from .cache import train_ahead
from .flows import run_digits, settings_digits, train_spline_digits
from .multiscale import IMAGE, train_multiscale_flow
from .pixelcnn import train_pixelcnn

CHAPTER = "book/verdict/flows_or_autoregressive"
LIKELIHOODS = ("exact", "bound")


def _as_returned(trained):
    return trained


def _model_first(trained):
    """``(model, record)`` of :func:`~.flows.run_digits`'s
    ``(record, model, curve)``."""
    return trained[1], trained[0]


class VerdictRow(NamedTuple):
    """One row of the verdict: ``trainer``, a chapter's cached training
    function, trains its model with one seed, called with ``seed``, ``device``,
    ``progress`` and the keyword arguments ``options()`` (at the current scale);
    ``pick`` makes ``(model, record)`` of what it returns. ``likelihood`` is
    ``"exact"`` when the record's ``test_nll`` is the discrete NLL, ``"bound"``
    when it is an upper bound; ``shape`` is the shape of one image as the model
    takes it."""

    likelihood: str
    trainer: Callable
    options: Callable[[], dict] = dict
    shape: tuple = (SHAPE[0] * SHAPE[1],)
    pick: Callable = _as_returned

    def train(self, seed: int, *, device=None, progress: bool = False):
        """``(model, record)`` of this row with ``seed``."""
        return self.pick(self.trainer(seed=seed, device=device, progress=progress,
                                      **self.options()))


# The rows, in the order of the table: a new model is one entry here.
ROWS = (
    VerdictRow("exact", train_pixelcnn,
               lambda: {"data_name": "grey digits", "gated": False}),
    VerdictRow("exact", train_pixelcnn,
               lambda: {"data_name": "grey digits", "gated": True}),
    VerdictRow("bound", run_digits,
               lambda: {"name": "RealNVP", **settings_digits()}, pick=_model_first),
    VerdictRow("bound", train_spline_digits),
    VerdictRow("bound", train_multiscale_flow,
               lambda: {"dequantization": "variational"}, IMAGE),
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
        train_ahead(row.trainer, [dict(seed=seed, device=device, **row.options())
                                  for seed in seeds])
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


# The cost section ---------------------------------------------------------------


class Scaling(NamedTuple):
    """Seconds of one operation (``label``) at growing ``sizes`` of the variable
    ``size`` (``"d"``, ``"D"`` or ``"T"``), and ``theory``, the exponent ``k`` of
    its operation count ``O(size^k)``."""

    label: str
    size: str
    theory: int
    sizes: list
    seconds: list

    @property
    def exponent(self) -> float:
        """The measured exponent: the slope of log seconds on log size."""
        return loglog_slope(self.sizes, self.seconds)


def cost_sizes() -> dict:
    """The sizes each timing of :func:`scaling_costs` runs at, per scale: three
    each, large enough that the work, not the fixed cost of a call, dominates."""
    return {
        "dense": by_scale(smoke=[256, 512, 1024], quick=[512, 1024, 2048],
                          full=[1024, 2048, 4096]),
        "diagonal": [2**k for k in by_scale(smoke=(14, 16, 18), quick=(16, 18, 20),
                                            full=(16, 18, 20))],
        "step": by_scale(smoke=[256, 512, 1024], quick=[256, 512, 1024],
                         full=[512, 1024, 2048]),
        "score": by_scale(smoke=[128, 256, 512], quick=[128, 256, 512],
                          full=[256, 512, 1024]),
        "sample": by_scale(smoke=[64, 128, 256], quick=[64, 128, 256],
                           full=[128, 256, 512]),
        "sequence": by_scale(smoke=[256, 1024, 4096], quick=[1024, 4096, 16384],
                             full=[1024, 4096, 16384]),
    }


def scaling_costs(repeats: int = 3) -> dict[str, Scaling]:
    """Every scaling study of the book in one run, on one CPU thread, by key:
    the log-determinant of a dense and of a triangular matrix, a training step
    of a general and of an LU linear flow, one likelihood evaluation of the
    FVSBN, the NADEs and MADE (``H = 32``, 16 images) and their samplers (64
    samples), a MAF layer's two directions (``H = 64``, 64 points), and
    ``log p`` of one sequence under the lecture's RNN loop, ``nn.RNN`` and a
    causal convolution (``V = 100``, ``H = 128``)."""
    check_positive_int(repeats, "repeats")
    sizes = cost_sizes()
    dense, diagonal, step = sizes["dense"], sizes["diagonal"], sizes["step"]
    studies = {
        "dense_logdet": Scaling("dense log-det", "d", 3, dense,
                                general_determinant_seconds(dense, repeats)),
        "triangular_logdet": Scaling(
            "triangular log-det", "d", 1, diagonal,
            triangular_determinant_seconds(diagonal, repeats)),
        "step_general": Scaling("linear flow step, general W", "d", 3, step,
                                flow_step_seconds(LinearFlow, step,
                                                  repeats=repeats)),
        "step_lu": Scaling("linear flow step, LU", "d", 2, step,
                           flow_step_seconds(LULinear, step, repeats=repeats)),
    }
    models = {"FVSBN": ("fvsbn", 2), "NADE, untied": ("untied", 2),
              "NADE, tied": ("tied", 1), "MADE": ("made", 1)}
    scored = evaluation_seconds(sizes["score"], 32, 16, repeats)
    drawn = sampling_seconds(sizes["sample"], 32, 64, repeats,
                             models=["FVSBN", "NADE, tied", "MADE"])
    for what, seconds, dims in [("score", scored, sizes["score"]),
                                ("sample", drawn, sizes["sample"])]:
        for name, times in seconds.items():
            key, theory = models[name]
            studies[f"{key}_{what}"] = Scaling(
                f"{name}, {'log p' if what == 'score' else 'sampling'}", "D",
                theory, dims, times)
    maf = maf_direction_seconds(sizes["sample"], hidden=64, n=64, repeats=repeats)
    studies["maf_score"] = Scaling("MAF, log p", "D", 1, sizes["sample"],
                                   maf["density (x to z)"])
    studies["maf_sample"] = Scaling("MAF, sampling", "D", 2, sizes["sample"],
                                    maf["sampling (z to x)"])
    sequence = {
        "rnn_loop": ("RNN, lecture's loop", rnn_language_model(100, 128, True)),
        "rnn_torch": ("RNN, nn.RNN", rnn_language_model(100, 128)),
        "conv": ("causal convolution", CausalConvLanguageModel(100, 64, layers=6)),
    }
    for key, (label, model) in sequence.items():
        studies[key] = Scaling(
            f"{label}, log p", "T", 1, sizes["sequence"],
            log_prob_seconds(model.cpu(), sizes["sequence"], repeats=repeats))
    return studies
