"""Grading student notebooks with otter-grader, on the book's own checks.

Each code exercise of a chapter is one otter test of one point that calls the
chapter's ``check_*`` on what the student defined (:mod:`lecturecode.answers`);
the grader takes the tests from the chapter, never from the submission. Otter
executes each submission without containers (``otter run``'s engine) and scores
the tests. Only the cells the answers need run
(:func:`lecturecode.student.needed_cells`; the others get otter's ``otter_ignore``
tag), at ``LECTURE_SCALE=smoke``, so a chapter's training does not count against
the grading time.

    python -m lecturecode grade DIR [--jobs N]
"""

import json
import os
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .paths import ROOT
from .student import chapter_exercises, needed_cells, test_file

IGNORE = "otter_ignore"


def autograder(chapter: str, out: Path, root: Path = ROOT) -> Path:
    """Otter's autograder zip for one chapter (``book/x/y``): its config and one
    test file per code exercise."""
    exercises = chapter_exercises(root / f"{chapter}.md")
    if not exercises:
        raise ValueError(f"{chapter} has no code exercise to grade")
    path = out / f"{chapter.replace('/', '__')}.zip"
    config = {"assignment_name": chapter, "pdf": False, "print_summary": False}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("otter_config.json", json.dumps(config))
        for exercise in exercises:
            archive.writestr(f"tests/{exercise.label}.py", test_file(exercise))
    return path


def for_grading(notebook) -> nbformat.NotebookNode:
    """The submission with every chapter cell the answers do not need tagged for
    otter to skip."""
    keep = needed_cells(notebook)
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and i not in keep:
            cell.metadata.setdefault("tags", []).append(IGNORE)
    return notebook


@contextmanager
def _smoke_unless_set():
    """``LECTURE_SCALE=smoke`` for otter's kernel (which inherits this process's
    environment) unless the caller chose a scale; restored afterwards."""
    chosen = "LECTURE_SCALE" in os.environ
    os.environ.setdefault("LECTURE_SCALE", "smoke")
    try:
        yield
    finally:
        if not chosen:
            del os.environ["LECTURE_SCALE"]


@dataclass
class Score:
    """One exercise of one submission."""

    exercise: str
    points: float
    possible: float
    message: str  # the check's report when the answer failed, else ""


def grade_notebook(path: Path, root: Path = ROOT) -> list[Score]:
    """Grade one submitted student notebook; its chapter is in its metadata."""
    from otter.api import grade_submission

    notebook = nbformat.read(path, as_version=4)
    chapter = notebook.metadata.get("otter", {}).get("assignment_name")
    if chapter is None:
        raise ValueError(f"{path} is not a student notebook of this book")
    with _smoke_unless_set(), tempfile.TemporaryDirectory() as work:
        work = Path(work)
        zip_path = autograder(chapter, work, root)
        submission = work / path.name
        nbformat.write(for_grading(notebook), submission)
        results = grade_submission(str(submission), str(zip_path), quiet=True)
    scores = []
    for name in sorted(results.results):
        result = results.results[name]
        failures = [r.message for r in result.test_case_results if not r.passed]
        scores.append(
            Score(name, result.score, result.possible, "\n".join(failures))
        )
    return scores


def grade_folder(folder: Path, jobs: int = 1) -> dict[str, list[Score]]:
    """Grade every ``.ipynb`` under ``folder``, ``jobs`` at a time."""
    paths = sorted(folder.rglob("*.ipynb"))
    if not paths:
        raise ValueError(f"no .ipynb file under {folder}")
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        graded = pool.map(grade_notebook, paths)
        return {
            str(path.relative_to(folder)): scores
            for path, scores in zip(paths, graded, strict=True)
        }


def report(grades: dict[str, list[Score]]) -> str:
    """Plain text: per submission, its total, each exercise's score and the
    check's message for each failure."""
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
