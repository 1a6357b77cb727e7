"""Running the book's experiments: each job at a scale, on a device, into one
results file.

A job trains what a chapter trains, at the given scale, saves the figures the
chapter shows as "full-scale" and returns result records. The results file keeps
one entry per job, with the scale, device, seed, git revision and wall time. A job
whose entry is already there at the same scale is not run again unless ``force``
says so, so an interrupted run resumes where it stopped. The jobs themselves are
declared in :mod:`lecturecode.experiments`; the command line is
:mod:`lecturecode.cli`.
"""

import datetime
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import torch

from . import __version__
from .experiments import JOBS
from .experiments.base import Job, JobContext
from .paths import ROOT
from .records import as_record, read_results, write_results
from .runtime import default_device, seed_everything
from .scale import check_scale, using_scale


def git_revision(out: Path | None = None) -> str:
    """The checkout's commit, with ``-dirty`` when it has uncommitted changes
    outside ``out`` (a run's own results folder, which the run itself writes)."""
    try:

        def git(*args):
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()

        return git("rev-parse", "HEAD") + (
            "-dirty" if git("status", "--porcelain", "--untracked-files=no",
                            "--", ".", *outside(out)) else ""
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def outside(out: Path | None) -> list[str]:
    """The git pathspec that leaves out ``out`` when it lies in the checkout."""
    if out is None:
        return []
    try:
        return [f":(exclude){Path(out).resolve().relative_to(ROOT).as_posix()}"]
    except ValueError:
        return []


def run_jobs(
    names,
    *,
    scale: str,
    out: Path,
    seed: int = 0,
    force: bool = False,
    registry: Mapping[str, Job] = JOBS,
) -> dict:
    """Run the named jobs of ``registry`` at ``scale``; figures and results go
    under ``out``. Each job gets its :class:`JobContext` and runs with
    :func:`~lecturecode.scale.current_scale` set to ``scale``."""
    check_scale(scale)
    unknown = sorted(set(names) - set(registry))
    if unknown:
        raise ValueError(f"unknown jobs {unknown}; known: {sorted(registry)}")
    device = default_device()
    results = read_results(out)
    for name in names:
        job, done = registry[name], results["jobs"].get(name)
        if done and done["scale"] == scale and not force:
            print(f"[{name}] done already at scale {scale} (use --force to redo)")
            continue
        print(f"[{name}] {job.description} ({scale}, {device})", flush=True)
        seed_everything(seed)
        context = JobContext(
            out / "figures" / name, device, seed, scale, progress=True
        )
        start = time.perf_counter()
        with using_scale(scale):
            records = [as_record(r) for r in job(context)]
        results["jobs"][name] = {
            "chapter": job.chapter,
            "scale": scale,
            "device": str(device),
            "device_name": torch.cuda.get_device_name(device)
            if device.type == "cuda"
            else "cpu",
            "seed": seed,
            "git_revision": git_revision(out),
            "lecturecode_version": __version__,
            "finished": datetime.datetime.now(datetime.UTC).isoformat(
                timespec="seconds"
            ),
            "seconds": round(time.perf_counter() - start, 2),
            "records": records,
            "figures": [f"figures/{name}/{f}" for f in context.saved],
        }
        write_results(out, results)
    return results
