"""Grading student notebooks with otter-grader, on the book's checks and hidden
tests.

Each code exercise of a chapter is one otter test file worth one point: the
chapter's ``check_*`` (the public case, what the student's notebook ran) and,
for a function, its ``hidden_*`` test from the repository's ``hidden_tests``
folder (a hidden case); the point is all or nothing
(:func:`lecturecode.answers.test_file`). :func:`autograder` writes a chapter's
tests into the archive that ``otter generate`` makes, the one Gradescope takes:
otter's ``run_autograder``, ``setup.sh`` and ``environment.yml``, with the
requirements (PyTorch's CPU wheels and the student wheel of ``lecturecode``, which
holds no answer), the ``hidden_tests`` folder, and a plugin
(:class:`GradeNeededCells`) that runs only the cells the answers need
(:func:`lecturecode.student.needed_cells`; the others get otter's ``otter_ignore``
tag), at ``LECTURE_SCALE=smoke``, so a chapter's training does not count against
the grading time. Locally, :func:`grade_notebook` runs the same archive with
otter's own runner (``otter run``), without a container.

    python -m lecturecode autograder CHAPTER|all --out DIR
    python -m lecturecode grade DIR [--jobs N] [--csv grades.csv]
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
from otter.plugins import AbstractOtterPlugin

from .paths import ROOT
from .student import (
    HIDDEN,
    chapter_exercises,
    graded_chapters,
    needed_cells,
    test_file,
)

IGNORE = "otter_ignore"
PLUGIN = "lecturecode.grading.GradeNeededCells"
# What the grading image installs besides otter: PyTorch from its CPU index (no
# multi-GB CUDA build), then the student wheel from the archive's files.
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
SOURCE = "/autograder/source"  # where Gradescope unpacks the archive


def build_wheel(out: Path, root: Path = ROOT) -> Path:
    """The wheel a student installs, built from a clean copy of the package (no
    stale ``build/`` folder can add to it), without network or build isolation."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "source"
        source.mkdir()
        shutil.copytree(
            root / "lecturecode",
            source / "lecturecode",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(root / name, source / name)
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
             "--no-build-isolation", "--no-index", "--wheel-dir", str(out),
             str(source)],
            check=True, capture_output=True, text=True,
        )
    (wheel,) = sorted(out.glob("lecturecode-*.whl"))
    return wheel


def chapter_name(name: str, root: Path = ROOT) -> str:
    """A graded chapter as ``_toc.yml`` names it, from that name or its last part
    (``chain_rule`` -> ``book/autoregressive/chain_rule``)."""
    graded = list(graded_chapters(root))
    matches = [c for c in graded if name in (c, c.rsplit("/", 1)[-1])]
    if len(matches) != 1:
        raise ValueError(
            f"{name!r} is not one chapter with code exercises; these are: "
            + ", ".join(c.rsplit("/", 1)[-1] for c in graded)
        )
    return matches[0]


def archive_name(chapter: str) -> str:
    return f"{chapter.replace('/', '__')}.zip"


def autograder(
    chapter: str, out: Path, root: Path = ROOT, wheel: Path | None = None
) -> Path:
    """Write the autograder archive of one chapter (``book/x/y``) into ``out``,
    as ``otter generate`` makes it, and return its path. ``wheel`` is the student
    wheel to put in it (built when not given)."""
    exercises = chapter_exercises(root / f"{chapter}.md")
    if not exercises:
        raise ValueError(f"{chapter} has no code exercise to grade")
    from otter.generate import main as generate
    from otter.utils import chdir

    out.mkdir(parents=True, exist_ok=True)
    path = (out / archive_name(chapter)).resolve()
    with tempfile.TemporaryDirectory() as work:
        stage = Path(work)
        if wheel is None:
            wheel = build_wheel(stage / "wheel", root)
        tests = stage / "tests"
        tests.mkdir()
        for exercise in exercises:
            (tests / f"{exercise.label}.py").write_text(
                test_file(exercise, hidden=True, root=root)
            )
        hidden = stage / HIDDEN
        hidden.mkdir()
        modules = {e.module for e in exercises}
        for name in ("__init__.py", "expected.json", *(f"{m}.py" for m in modules)):
            if (root / HIDDEN / name).exists():
                shutil.copy(root / HIDDEN / name, hidden / name)
        shutil.copy(wheel, stage / wheel.name)
        config = {
            "assignment_name": chapter,
            "plugins": [PLUGIN],
            "pdf": False,
            "logo": False,
            "print_summary": False,
        }
        (stage / "otter_config.json").write_text(json.dumps(config, indent=2))
        (stage / "requirements.txt").write_text(
            f"--extra-index-url {TORCH_INDEX}\ntorch>=2.4\n"
            f"{SOURCE}/files/{wheel.name}\n"
        )
        with chdir(stage):
            generate(
                tests_dir="tests",
                output_path=str(path),
                config="otter_config.json",
                requirements="requirements.txt",
                no_environment=True,
                files=[HIDDEN, wheel.name],
                python_version="{}.{}".format(*sys.version_info[:2]),
            )
    return path


def for_grading(notebook) -> nbformat.NotebookNode:
    """The submission with every chapter cell the answers do not need tagged for
    otter to skip."""
    keep = needed_cells(notebook)
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and i not in keep:
            cell.metadata.setdefault("tags", []).append(IGNORE)
    return notebook


class GradeNeededCells(AbstractOtterPlugin):
    """The archive's otter plugin: before a submission runs, tag the chapter
    cells its answers do not need ``otter_ignore`` (:func:`for_grading`) and set
    ``LECTURE_SCALE=smoke`` for the kernel unless the environment chose a scale;
    afterwards restore the environment."""

    def before_execution(self, submission):
        self._chosen = "LECTURE_SCALE" in os.environ
        os.environ.setdefault("LECTURE_SCALE", "smoke")
        if isinstance(submission, nbformat.NotebookNode):
            return for_grading(submission)
        return submission

    def after_grading(self, results):
        if not getattr(self, "_chosen", True):
            os.environ.pop("LECTURE_SCALE", None)


@dataclass
class Score:
    """One exercise of one submission."""

    exercise: str
    points: float
    possible: float
    message: str  # the failed cases' reports (hidden ones too), else ""


def notebook_chapter(path: Path) -> str:
    """The chapter a student notebook belongs to (its otter metadata)."""
    notebook = nbformat.read(path, as_version=4)
    chapter = notebook.metadata.get("otter", {}).get("assignment_name")
    if chapter is None:
        raise ValueError(f"{path} is not a student notebook of this book")
    return chapter


def grade_notebook(path: Path, archive: Path) -> list[Score]:
    """Grade one submitted student notebook with otter's local runner on its
    chapter's autograder ``archive``."""
    from otter.api import grade_submission

    notebook_chapter(path)  # refuse what is not a student notebook
    results = grade_submission(str(path), str(archive), quiet=True)
    scores = []
    for name in sorted(results.results):
        result = results.results[name]
        failures = [r.message for r in result.test_case_results if not r.passed]
        scores.append(
            Score(name, result.score, result.possible, "\n".join(failures))
        )
    return scores


def grade_folder(
    folder: Path, jobs: int = 1, root: Path = ROOT
) -> dict[str, list[Score]]:
    """Grade every ``.ipynb`` under ``folder``, ``jobs`` at a time, each with the
    archive of its chapter (built once per chapter)."""
    paths = sorted(folder.rglob("*.ipynb"))
    if not paths:
        raise ValueError(f"no .ipynb file under {folder}")
    chapters = [notebook_chapter(path) for path in paths]
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        wheel = build_wheel(work / "wheel", root)
        archives = {
            chapter: autograder(chapter, work, root, wheel)
            for chapter in sorted(set(chapters))
        }
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            graded = pool.map(
                grade_notebook, paths, [archives[c] for c in chapters]
            )
            return {
                str(path.relative_to(folder)): scores
                for path, scores in zip(paths, graded, strict=True)
            }


def report(grades: dict[str, list[Score]]) -> str:
    """Plain text: per submission, its total, each exercise's score and the
    failed cases' messages."""
    lines = []
    for name, scores in grades.items():
        total = sum(s.points for s in scores)
        possible = sum(s.possible for s in scores)
        lines.append(f"{name}: {total:g} / {possible:g}")
        for s in scores:
            lines.append(f"  {s.exercise:32s} {s.points:g} / {s.possible:g}")
            if s.message:
                lines.extend(f"      {line}" for line in s.message.splitlines())
    return "\n".join(lines)


def write_csv(grades: dict[str, list[Score]], path: Path, root: Path = ROOT):
    """One row per submission: its file (``submission``), its name without the
    folder and suffix (``student``, which a gradebook matches against its
    roster), one column per exercise (points, empty where the exercise belongs to
    another chapter), ``total`` and ``possible``. The exercise columns follow the
    book's order."""
    order = [
        e.label for exercises in graded_chapters(root).values() for e in exercises
    ]
    seen = {s.exercise for scores in grades.values() for s in scores}
    labels = [label for label in order if label in seen]
    labels += sorted(seen - set(labels))
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["submission", "student", *labels, "total", "possible"])
        for name, scores in grades.items():
            points = {s.exercise: f"{s.points:g}" for s in scores}
            writer.writerow([
                name,
                Path(name).stem,
                *(points.get(label, "") for label in labels),
                f"{sum(s.points for s in scores):g}",
                f"{sum(s.possible for s in scores):g}",
            ])
    return path
