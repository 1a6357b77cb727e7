"""The command line, ``python -m lecturecode``:

    python -m lecturecode figures --scale full        # every job; CUDA if present
    python -m lecturecode figures --jobs NAME[,NAME]  # a selection
    python -m lecturecode figures --list              # what there is
    python -m lecturecode figures --budget-minutes 7  # stop, resume next call
    python -m lecturecode figures --dry-run [--write-costs]  # 2 steps a model
    python -m lecturecode pack RUN DIR                # results for the trip back
    python -m lecturecode unpack DIR                  # a packed run -> book/full
    python -m lecturecode notebooks --repo URL --out DIR
    python -m lecturecode student --repo URL --out DIR  # no solutions in them
    python -m lecturecode autograder CHAPTER|all --out DIR  # Gradescope archives
    python -m lecturecode grade DIR [--jobs N] [--csv FILE]  # score submissions
    python -m lecturecode expected  # rewrite the checks' digests from the chapters
"""

import argparse
import time
from pathlib import Path

from . import budget
from .experiments import JOBS
from .jobs import JobsFailed, cost_table, run_jobs, write_cost_table
from .packing import pack, unpack
from .paths import FULL_OUTPUT, ROOT
from .records import RESULTS_FILE, read_results
from .scale import SCALES


def summary(results: dict, names) -> str:
    """A plain-text table: one line per record, with the job's wall time; under
    a budget, a line per job with the steps its trainings did of those
    planned."""
    row = "{:18s} {:>8s}  {:28s} {:22s} {:>9s}"
    lines = [row.format("job", "seconds", "model", "dataset", "test NLL")]
    for name in names:
        entry = results["jobs"].get(name)
        if entry is None:
            continue
        trainings = entry.get("trainings") or []
        if trainings:
            done = sum(t["steps_done"] for t in trainings)
            planned = sum(t["steps_planned"] for t in trainings)
            cut = sum(t["stopped"] == "budget" for t in trainings)
            lines.append(f"{name}: {len(trainings)} trainings, {done:,} of "
                         f"{planned:,} steps, {cut} stopped by the budget; "
                         f"call {entry.get('calls', 1)}")
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


def parser() -> argparse.ArgumentParser:
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
    figures.add_argument(
        "--budget-minutes", type=float, metavar="M",
        help="split M minutes across the jobs by estimated cost; what a "
        "budget stops, a later call resumes",
    )
    figures.add_argument(
        "--dry-run", action="store_true",
        help="every model at the scale's sizes, 2 steps, a few test examples",
    )
    figures.add_argument(
        "--write-costs", action="store_true",
        help="with --dry-run: store what each step cost in the cost table",
    )
    packing = commands.add_parser(
        "pack", help="pack a run's results and figures into at most 8 files"
    )
    packing.add_argument("run", type=Path, help="the run's --out folder")
    packing.add_argument("dest", type=Path)
    unpacking = commands.add_parser(
        "unpack", help="put a packed run (figures --pack) back under book/full"
    )
    unpacking.add_argument("folder", type=Path)
    unpacking.add_argument("--into", type=Path, default=FULL_OUTPUT)
    notebooks = commands.add_parser(
        "notebooks", help="export the chapters as .ipynb for Colab"
    )
    notebooks.add_argument("--repo", required=True, help="https://github.com/O/R")
    notebooks.add_argument("--out", type=Path, required=True)
    student = commands.add_parser(
        "student", help="export the chapters as student notebooks (no solutions)"
    )
    student.add_argument("--repo", required=True, help="https://github.com/O/R")
    student.add_argument("--out", type=Path, required=True)
    student.add_argument(
        "--install",
        help="what the notebooks pip-install instead of the repository: the URL "
        "of the student wheel that `autograder` writes, say",
    )
    autograder = commands.add_parser(
        "autograder",
        help="write a chapter's autograder archive for Gradescope (the [course] "
        "extra)",
    )
    autograder.add_argument(
        "chapter", help="a chapter with code exercises (chain_rule, ...) or all"
    )
    autograder.add_argument("--out", type=Path, required=True)
    grade = commands.add_parser(
        "grade", help="grade a folder of student notebooks (the [course] extra)"
    )
    grade.add_argument("folder", type=Path)
    grade.add_argument("--jobs", type=int, default=1, help="submissions at once")
    grade.add_argument(
        "--csv", type=Path, help="also write the scores here, one row a submission"
    )
    commands.add_parser(
        "expected",
        help="rewrite the digests of the expected answers from the chapters",
    )
    return parser


def main(argv=None) -> int:
    commands = parser()
    args = commands.parse_args(argv)
    # the notebook and course commands need the book's packages (jupytext,
    # nbformat): imported here, so that a GPU machine without them runs figures
    if args.command == "notebooks":
        from .notebooks import export_chapters

        for path in export_chapters(args.repo, args.out):
            print(path)
        return 0
    if args.command == "student":
        from .student import export_student

        for path in export_student(args.repo, args.out, install=args.install):
            print(path)
        return 0
    if args.command == "autograder":
        from .grading import autograder, build_wheel, chapter_name
        from .student import graded_chapters

        chapters = (
            list(graded_chapters())
            if args.chapter == "all"
            else [chapter_name(args.chapter)]
        )
        wheel = build_wheel(args.out / "wheel")
        for chapter in chapters:
            print(autograder(chapter, args.out, wheel=wheel))
        return 0
    if args.command == "grade":
        from .grading import grade_folder, report, write_csv

        grades = grade_folder(args.folder, args.jobs)
        print(report(grades))
        if args.csv:
            print(f"scores in {write_csv(grades, args.csv)}")
        return 0
    if args.command == "expected":
        from .student import write_expected

        for path in write_expected():
            print(path)
        return 0
    if args.command == "pack":
        for path in pack(args.run, args.dest):
            print(f"packed {path} ({path.stat().st_size:,} bytes)")
        return 0
    if args.command == "unpack":
        for path in unpack(args.folder, args.into):
            print(path)
        return 0
    if args.list:  # with the cost table's estimate of each job on a GPU
        for job in JOBS.values():
            cost = budget.job_cost(args.scale, job.name, "cuda")
            seconds = f"~{cost.total:,.0f} s" if cost else "?"
            print(f"{job.name:16s} {seconds:>9s}  {job.chapter:38s} "
                  f"{job.description}")
        return 0
    names = args.jobs.split(",") if args.jobs else list(JOBS)
    if args.write_costs and not (args.dry_run and names == list(JOBS)):
        commands.error("--write-costs needs --dry-run over every job")
    if args.dry_run and args.budget_minutes is not None:
        commands.error("--dry-run and --budget-minutes exclude each other")
    if args.out is None:
        if args.dry_run:
            args.out = ROOT / "_build" / f"dry-run-{args.scale}"
        elif args.scale != "full":
            commands.error(
                "--out is required below full scale (book/full is for full)"
            )
        else:
            args.out = FULL_OUTPUT
    start = time.perf_counter()
    try:
        results, failed = run_jobs(
            names, scale=args.scale, out=args.out, seed=args.seed,
            force=args.force, budget_minutes=args.budget_minutes,
            dry_run=args.dry_run,
        ), None
    except JobsFailed as error:
        results, failed = read_results(args.out), error
    print(summary(results, names))
    seconds = time.perf_counter() - start
    print(f"total {seconds:.1f} s; results in {args.out / RESULTS_FILE}")
    if failed is not None:
        print(failed)
        return 1
    if args.write_costs:
        print(f"cost table: {write_cost_table(cost_table(results, args.scale))}")
    return 0
