"""What an experiments module and the job runner agree on: the :class:`JobContext`
a job is given, the :func:`register` decorator that makes a function a job, and
:func:`evaluate`, which turns a fitted model into a record."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..budget import current_plan
from ..records import ModelResult
from ..runtime import dropout_rate, free_parameters
from ..scale import current_scale
from ..train import FitResult, bits_per_dim, mean_nll


@dataclass
class JobContext:
    """What a job is given: the folder for its figures, the device, the seed, the
    scale, and whether to show progress bars."""

    figures: Path
    device: torch.device
    seed: int
    scale: str
    progress: bool = False
    saved: list[str] = field(default_factory=list)

    def savefig(self, fig, name: str) -> Path:
        """Save a matplotlib figure as ``<figures>/<name>.png`` and remember it."""
        self.figures.mkdir(parents=True, exist_ok=True)
        path = self.figures / f"{name}.png"
        fig.savefig(path, dpi=150, bbox_inches="tight")
        self.saved.append(path.name)
        return path


@dataclass(frozen=True)
class Job:
    """A named experiment: ``run(context)`` returns its records."""

    name: str
    chapter: str
    description: str
    run: Callable[[JobContext], list]

    def __call__(self, context: JobContext) -> list:
        return self.run(context)


def register(name: str, *, chapter: str, description: str):
    """Decorator: ``run(context) -> records`` becomes the :class:`Job` ``name``.
    The registry, :data:`lecturecode.experiments.JOBS`, collects the jobs of the
    modules it lists."""

    def decorate(run) -> Job:
        return Job(name, chapter, description, run)

    return decorate


def jobs_of(modules) -> dict[str, Job]:
    """The jobs that ``modules`` define, by name, in the order they come."""
    jobs: dict[str, Job] = {}
    for module in modules:
        for job in vars(module).values():
            if not isinstance(job, Job) or job.run.__module__ != module.__name__:
                continue
            if job.name in jobs:
                raise ValueError(f"two jobs are called {job.name!r}")
            jobs[job.name] = job
    return jobs


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
    Its recipe card's settings (``extra["recipe"]``) are the fit's, the model's
    dropout, and whatever ``extra["recipe"]`` passes (a dequantization, say)."""
    extra["recipe"] = {**fit_result.settings, "dropout": dropout_rate(model),
                       **extra.get("recipe", {})}
    if fit_result.training and current_plan() is not None:
        extra["training"] = fit_result.training  # steps done of planned, share
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
