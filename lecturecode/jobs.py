"""Running the book's experiments: each job at a scale, on a device, into one
results file.

A job trains what a chapter trains, at the given scale, saves the figures the
chapter shows as "full-scale" and returns result records. The results file keeps
one entry per job, with the scale, device, seed, git revision and wall time. A job
whose entry is already there at the same scale, complete, is not run again unless
``force`` says so, so an interrupted run resumes where it stopped. The jobs
themselves are declared in :mod:`lecturecode.experiments`; the command line is
:mod:`lecturecode.cli`.

Two plans (:mod:`lecturecode.budget`) change how far the trainings go:

- ``budget_minutes`` splits the time across the jobs still to run, in
  proportion to their estimated cost (the cost table,
  :data:`~lecturecode.budget.COSTS_FILE`), each job's share again across its
  trainings. A training stops when its steps or its share run out, and leaves a
  checkpoint in ``<out>/checkpoints``; the job's entry then says it is not
  complete, and the next call runs it again, resuming each training where it
  stopped. Each entry counts the ``calls`` that made it.
- ``dry_run`` trains every model for two steps and evaluates it on a few
  examples, at the scale's real sizes: shapes, dtypes, memory and device
  placement fail here, on the CPU, before a GPU is ever lent. Its entries hold
  what one step of each training cost, for the cost table.
"""

import contextlib
import datetime
import json
import subprocess
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path

import torch

from . import __version__, budget
from .experiments import JOBS, cache
from .experiments.base import Job, JobContext
from .packing import ignore_checkpoints
from .paths import ROOT
from .records import as_record, read_results, write_results
from .runtime import default_device, seed_everything
from .scale import check_scale, using_scale

# Of a budget, the part kept back for the work after the last training (its
# evaluation and figures, then packing the results).
RESERVE = 0.08
MEASURED = ("cpu_step_seconds", "ops", "flops", "sequential")


class JobsFailed(RuntimeError):
    """Some jobs raised; the others ran and are in the results file."""

    def __init__(self, names):
        self.names = list(names)
        super().__init__(f"jobs failed: {', '.join(self.names)} (tracebacks above)")


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


def configure_device(device: torch.device) -> None:
    """On a GPU, let cuDNN pick the fastest kernels for the shapes it sees (the
    trainings' shapes repeat every step). TF32 is switched on per training step
    (:func:`lecturecode.runtime.fast_matmul`), not here."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True


def finished(entry: dict | None, scale: str) -> bool:
    """Whether ``entry`` is a complete run at ``scale`` (not a dry run)."""
    return (entry is not None and entry["scale"] == scale
            and entry.get("complete", True) and not entry.get("dry_run", False))


def resumable(entry: dict, scale: str) -> bool:
    """Whether ``entry`` is a run at ``scale`` that a budget stopped."""
    return (entry["scale"] == scale and not entry.get("complete", True)
            and not entry.get("dry_run", False))


def run_jobs(
    names,
    *,
    scale: str,
    out: Path,
    seed: int = 0,
    force: bool = False,
    registry: Mapping[str, Job] = JOBS,
    budget_minutes: float | None = None,
    dry_run: bool = False,
    costs: dict | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> dict:
    """Run the named jobs of ``registry`` at ``scale``; figures and results go
    under ``out``. Each job gets its :class:`JobContext` and runs with
    :func:`~lecturecode.scale.current_scale` set to ``scale``; with
    ``budget_minutes`` or ``dry_run``, under the plan they make (see the
    module's docstring). ``costs`` replaces the cost table (tests). A job
    that raises is not recorded (the next call runs it again) and does not
    stop the others: :class:`JobsFailed` names it at the end."""
    check_scale(scale)
    unknown = sorted(set(names) - set(registry))
    if unknown:
        raise ValueError(f"unknown jobs {unknown}; known: {sorted(registry)}")
    if budget_minutes is not None and not budget_minutes > 0:
        raise ValueError(f"budget_minutes must be positive, got {budget_minutes!r}")
    if budget_minutes is not None and dry_run:
        raise ValueError("a dry run has no budget: its trainings take two steps")
    ends = None if budget_minutes is None else clock() + 60 * budget_minutes
    device = default_device()
    configure_device(device)
    results = read_results(out)
    todo = [n for n in names
            if force or dry_run or not finished(results["jobs"].get(n), scale)]
    for name in names:
        if name not in todo:
            print(f"[{name}] done already at scale {scale} (use --force to redo)")
    table = budget.read_costs() if costs is None and ends is not None else costs
    estimates = {}
    for name in todo if ends is not None else ():
        cost = budget.job_cost(scale, name, device.type, table)
        before = results["jobs"].get(name)
        if before and resumable(before, scale) and not force:
            cost = cost and cost.remaining(before)
        estimates[name] = cost
    if ends is not None or dry_run:
        warm_up(device)
    failed = []
    for k, name in enumerate(todo):
        job, before = registry[name], results["jobs"].get(name)
        share = None
        if ends is not None:
            left = [e.total if e else None for e in map(estimates.get, todo[k:])]
            time_left = max(0.0, ends - 60 * budget_minutes * RESERVE - clock())
            share = budget.split(time_left, left)[0]
        print(f"[{name}] {job.description} ({scale}, {device}"
              + (f", {share:.0f} s" if share is not None else "")
              + (", dry run" if dry_run else "") + ")", flush=True)
        plan = None
        if dry_run:
            plan = budget.Plan.dry_run()
        elif share is not None:
            ignore_checkpoints(out)
            cost = estimates[name]
            # the job's other work (data, evaluation, figures) comes out first
            other = min(cost.other, share / 2) if cost else 0.0
            plan = budget.Plan(deadline=clock() + share - other,
                               costs=cost and cost.trainings,
                               checkpoints=out / "checkpoints", clock=clock)
        seed_everything(seed)
        context = JobContext(
            out / "figures" / name, device, seed, scale, progress=True
        )
        start, loads = time.perf_counter(), cache.LOADS[0]
        try:
            with using_scale(scale), (budget.planned(plan) if plan is not None
                                      else contextlib.nullcontext()):
                records = [as_record(r) for r in job(context)]
        except Exception:  # the other jobs still run; this one is not recorded
            traceback.print_exc()
            print(f"[{name}] failed; the other jobs go on", flush=True)
            failed.append(name)
            continue
        trainings = plan.trainings if plan is not None else []
        resumed = (before is not None and resumable(before, scale)
                   and not dry_run and not force)
        entry = {
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
            # trainings served by the model cache: their records keep the time
            # they took when trained, the job's wall time does not include it
            "models_from_cache": cache.LOADS[0] - loads,
            "records": records,
            "figures": [f"figures/{name}/{f}" for f in context.saved],
            "calls": (before.get("calls", 1) + 1) if resumed else 1,
            "complete": all(t["stopped"] != "budget" for t in trainings),
        }
        if plan is not None:
            entry["budget_seconds"] = None if share is None else round(share, 2)
            entry["trainings"] = trainings
        if dry_run:
            entry["dry_run"] = True
        results["jobs"][name] = entry
        write_results(out, results)
    if failed:
        raise JobsFailed(failed)
    return results


def warm_up(device: torch.device) -> None:
    """One optimizer step on a throwaway parameter: the first step of a
    process pays for lazy imports and, on a GPU, for starting CUDA; under a
    budget or in a dry run no training should pay for them."""
    parameter = torch.zeros(1, device=device, requires_grad=True)
    optimizer = torch.optim.Adam([parameter])
    parameter.sum().backward()
    optimizer.step()


def cost_table(results: dict, scale: str, table: dict | None = None) -> dict:
    """The cost table with the entry of ``scale`` replaced by what the dry run
    ``results`` measured: per job, each training's label, planned steps and one
    step's seconds, operators and FLOPs (see
    :func:`lecturecode.budget.estimated_seconds`)."""
    table = dict(budget.read_costs() if table is None else table)
    jobs = {}
    for name, entry in results["jobs"].items():
        if not entry.get("dry_run") or entry["scale"] != scale:
            raise ValueError(f"{name}: not a dry run at scale {scale}")
        trainings = [
            {"label": t["label"], "steps_planned": t["steps_planned"],
             **{k: t.get(k, 0) for k in MEASURED}}
            for t in entry["trainings"]
        ]
        trained = sum(t.get("seconds", 0.0) for t in entry["trainings"])
        jobs[name] = {"trainings": trainings,
                      "other_seconds": round(max(0.0, entry["seconds"] - trained),
                                             2)}
    table[scale] = jobs
    return table


def write_cost_table(table: dict, path: Path = budget.COSTS_FILE) -> Path:
    path.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    return path
