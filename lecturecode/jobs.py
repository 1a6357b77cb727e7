"""The book's experiments as named jobs, and the command that runs them.

    python -m lecturecode figures --scale full        # every job; CUDA if present
    python -m lecturecode figures --jobs NAME[,NAME]  # a selection
    python -m lecturecode figures --list              # what there is

A job trains what a chapter trains, at the given scale, saves the figures the
chapter shows as "full-scale" and returns result records. Results go to one JSON
file, one entry per job, with the scale, device, seed, git revision and wall time.
A job whose entry is already there at the same scale is not run again unless
``--force`` says so, so an interrupted run resumes where it stopped.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import torch

from . import __version__
from .runtime import default_device, seed_everything
from .scale import ENV_VAR, SCALES

ROOT = Path(__file__).resolve().parents[1]
FULL_OUTPUT = ROOT / "book" / "full"
RESULTS_FILE = "results.json"
SCHEMA = 1
# Modules whose import registers jobs; each experiments module registers its own.
JOB_MODULES = (
    "lecturecode.experiments.flows",
    "lecturecode.experiments.autoregressive",
    "lecturecode.experiments.pixelcnn",
    "lecturecode.experiments.sequence",
    "lecturecode.experiments.gan",
)


@dataclass
class JobContext:
    """What a job gets: where to put figures, the device, the seed and the scale."""

    figures: Path
    device: torch.device
    seed: int
    scale: str
    saved: list[str] = field(default_factory=list)

    def savefig(self, fig, name: str) -> Path:
        """Save a matplotlib figure as ``<figures>/<name>.png`` and remember it."""
        self.figures.mkdir(parents=True, exist_ok=True)
        path = self.figures / f"{name}.png"
        fig.savefig(path, dpi=150, bbox_inches="tight")
        self.saved.append(path.name)
        return path


@dataclass
class Job:
    name: str
    chapter: str
    description: str
    run: Callable[[JobContext], list]


JOBS: dict[str, Job] = {}


def register(name: str, *, chapter: str, description: str):
    """Decorator: make ``run(context) -> records`` the job called ``name``."""

    def decorate(run):
        if name in JOBS:
            raise ValueError(f"a job called {name!r} is already registered")
        JOBS[name] = Job(name, chapter, description, run)
        return run

    return decorate


def load_jobs() -> dict[str, Job]:
    for module in JOB_MODULES:
        import_module(module)
    return JOBS


def git_revision() -> str:
    """The checkout's commit, with ``-dirty`` when it has uncommitted changes."""
    try:

        def git(*args):
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()

        return git("rev-parse", "HEAD") + (
            "-dirty" if git("status", "--porcelain", "--untracked-files=no") else ""
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _as_dict(record) -> dict:
    return record.to_dict() if hasattr(record, "to_dict") else dict(record)


def read_results(out: Path) -> dict:
    path = out / RESULTS_FILE
    if not path.exists():
        return {"schema": SCHEMA, "jobs": {}}
    results = json.loads(path.read_text())
    if results.get("schema") != SCHEMA:
        raise ValueError(
            f"{path} has schema {results.get('schema')}, expected {SCHEMA}"
        )
    return results


def run_jobs(names, *, scale: str, out: Path, seed: int = 0, force: bool = False):
    """Run the named jobs at ``scale``; figures and results go under ``out``."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    jobs = load_jobs()
    unknown = sorted(set(names) - set(jobs))
    if unknown:
        raise ValueError(f"unknown jobs {unknown}; known: {sorted(jobs)}")
    os.environ[ENV_VAR] = scale
    os.environ["LECTURE_PROGRESS"] = "1"
    device = default_device()
    results = read_results(out)
    for name in names:
        done = results["jobs"].get(name)
        if done and done["scale"] == scale and not force:
            print(f"[{name}] done already at scale {scale} (use --force to redo)")
            continue
        print(f"[{name}] {jobs[name].description} ({scale}, {device})", flush=True)
        seed_everything(seed)
        context = JobContext(out / "figures" / name, device, seed, scale)
        start = time.perf_counter()
        records = [_as_dict(r) for r in jobs[name].run(context)]
        results["jobs"][name] = {
            "chapter": jobs[name].chapter,
            "scale": scale,
            "device": str(device),
            "device_name": torch.cuda.get_device_name(device)
            if device.type == "cuda"
            else "cpu",
            "seed": seed,
            "git_revision": git_revision(),
            "lecturecode_version": __version__,
            "finished": datetime.datetime.now(datetime.UTC).isoformat(
                timespec="seconds"
            ),
            "seconds": round(time.perf_counter() - start, 2),
            "records": records,
            "figures": [f"figures/{name}/{f}" for f in context.saved],
        }
        out.mkdir(parents=True, exist_ok=True)
        tmp = (
            out / f"{RESULTS_FILE}.tmp"
        )  # write then rename: a crash never truncates
        tmp.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
        tmp.replace(out / RESULTS_FILE)
    return results


def summary(results: dict, names) -> str:
    """A plain-text table: one line per record, with the job's wall time."""
    row = "{:18s} {:>8s}  {:28s} {:22s} {:>9s}"
    lines = [row.format("job", "seconds", "model", "dataset", "test NLL")]
    for name in names:
        entry = results["jobs"].get(name)
        if entry is None:
            continue
        for record in entry["records"] or [{}]:
            nll = record.get("test_nll")
            lines.append(
                row.format(
                    name,
                    f"{entry['seconds']:.1f}",
                    record.get("model", "-"),
                    record.get("dataset", "-"),
                    "-" if nll is None else f"{nll:.3f}",
                )
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lecturecode")
    commands = parser.add_subparsers(dest="command", required=True)
    figures = commands.add_parser("figures", help="run the book's experiment jobs")
    figures.add_argument("--scale", choices=SCALES, default="full")
    figures.add_argument("--jobs", help="comma-separated job names (default: all)")
    figures.add_argument(
        "--out", type=Path, help=f"default: {FULL_OUTPUT} for full"
    )
    figures.add_argument("--seed", type=int, default=0)
    figures.add_argument("--force", action="store_true", help="redo finished jobs")
    figures.add_argument(
        "--list", action="store_true", help="list the jobs and exit"
    )
    notebooks = commands.add_parser(
        "notebooks", help="export the chapters as .ipynb for Colab"
    )
    notebooks.add_argument("--repo", required=True, help="https://github.com/O/R")
    notebooks.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "notebooks":
        from .notebooks import export_chapters

        for path in export_chapters(args.repo, args.out):
            print(path)
        return 0
    jobs = load_jobs()
    if args.list:
        for job in jobs.values():
            print(f"{job.name:18s} {job.chapter:40s} {job.description}")
        return 0
    names = args.jobs.split(",") if args.jobs else list(jobs)
    if args.out is None:
        if args.scale != "full":
            parser.error(
                "--out is required below full scale (book/full is for full)"
            )
        args.out = FULL_OUTPUT
    start = time.perf_counter()
    results = run_jobs(
        names, scale=args.scale, out=args.out, seed=args.seed, force=args.force
    )
    print(summary(results, names))
    seconds = time.perf_counter() - start
    print(f"total {seconds:.1f} s; results in {args.out / RESULTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
