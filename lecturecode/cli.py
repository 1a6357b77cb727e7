"""The command line, ``python -m lecturecode``:

    python -m lecturecode figures --scale full        # every job; CUDA if present
    python -m lecturecode figures --jobs NAME[,NAME]  # a selection
    python -m lecturecode figures --list              # what there is
    python -m lecturecode notebooks --repo URL --out DIR
    python -m lecturecode student --repo URL --out DIR  # no solutions in them
    python -m lecturecode autograder CHAPTER|all --out DIR  # Gradescope archives
    python -m lecturecode grade DIR [--jobs N] [--csv FILE]  # score submissions
    python -m lecturecode expected  # rewrite the checks' digests from the chapters
"""

import argparse
import time
from pathlib import Path

from .experiments import JOBS
from .jobs import run_jobs
from .notebooks import export_chapters
from .paths import FULL_OUTPUT
from .records import RESULTS_FILE
from .scale import SCALES
from .student import export_student, graded_chapters, write_expected


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
    if args.command == "notebooks":
        for path in export_chapters(args.repo, args.out):
            print(path)
        return 0
    if args.command == "student":
        for path in export_student(args.repo, args.out, install=args.install):
            print(path)
        return 0
    if args.command == "autograder":
        from .grading import autograder, build_wheel, chapter_name
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
        for path in write_expected():
            print(path)
        return 0
    if args.list:
        for job in JOBS.values():
            print(f"{job.name:18s} {job.chapter:40s} {job.description}")
        return 0
    names = args.jobs.split(",") if args.jobs else list(JOBS)
    if args.out is None:
        if args.scale != "full":
            commands.error(
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
