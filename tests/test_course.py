"""The course kit's student edition: notebooks and HTML without solutions, whose
stubs run and report "not done" (see book/instructors.md)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from course_cases import (
    CHAPTERS,
    EXERCISES,
    GRADED,
    REPO,
    WRONG,
    all_text,
    student_notebook,
)
from nbclient import NotebookClient

from lecturecode import answers, student
from lecturecode.paths import ROOT

# Student notebooks -------------------------------------------------------------


def test_every_wrong_answer_belongs_to_a_code_exercise_and_back():
    labels = {e.label for name in CHAPTERS for e in EXERCISES[name]}
    assert labels == set(WRONG)


@pytest.mark.parametrize("name", CHAPTERS)
def test_student_notebooks_keep_the_exercises_and_lose_the_solutions(name):
    source = (ROOT / f"{name}.md").read_text()
    notebook = student_notebook(name)
    nbformat.validate(notebook)
    text = all_text(notebook)
    assert "solution_" not in text
    for directive in ("{solution}", "{solution-start}", "{solution-end}"):
        assert directive not in text
    assert text.count("{exercise}") == source.count("{exercise}")
    # every line only a solution has (it occurs once in the chapter) is gone,
    # but for what the answer cell keeps: the import of its check, and the
    # reference's def line, imports and docstring (the task, not the method)
    removed = student.removed_text(ROOT / f"{name}.md")
    stubs = {
        line.strip() for e in EXERCISES[name] for line in e.stub().splitlines()
    }
    solution_only = [
        line
        for line in removed
        if len(line) > 20
        and source.count(line) == 1
        and not line.startswith("from lecturecode.exercises.")
        and line.strip() not in stubs
    ]
    assert solution_only or "{solution" not in source
    assert not [line for line in solution_only if line in text]
    # one answer cell (a stub) and one otter check per code exercise
    answers = [c for c in notebook.cells if "lecturecode_exercise" in c.metadata]
    assert [c.metadata["lecturecode_exercise"] for c in answers] == [
        e.label for e in EXERCISES[name]
    ]
    for cell, exercise in zip(answers, EXERCISES[name], strict=True):
        assert cell.source.rstrip().endswith("...") or "= ...  #" in cell.source
        assert f'grader.check("{exercise.label}")' in text


@pytest.mark.parametrize("name", GRADED)
def test_every_stub_runs_on_its_own_and_is_a_stub(name):
    """Each answer cell defines its name by itself (its annotations imported), and
    what it defines is what the grader calls not done."""
    for exercise in EXERCISES[name]:
        env = {}
        exec(exercise.stub(), env)
        assert answers.is_stub(env[exercise.answer]), exercise.label


def test_the_chain_rule_solution_is_gone_by_its_own_words():
    """A hand-picked sentence and line of the reference solution (the generic
    test above relies on the parser it tests)."""
    text = all_text(student_notebook("book/autoregressive/chain_rule"))
    assert "Keep the strictly lower triangle" not in text
    assert "torch.tril(theta, diagonal=-1)" not in text
    assert "sigmoid(0.5) * (1 - sigmoid(2.0))" not in text
    assert "def fvsbn_log_prob(theta, b, x):" in text


def test_export_writes_every_chapter_installing_the_package_first(tmp_path):
    written = student.export_student(REPO, tmp_path)
    assert len(written) == len(CHAPTERS)
    first = nbformat.read(written[1], as_version=4).cells[0].source
    assert f'"lecturecode @ git+{REPO}"' in first
    wheel = "https://example.org/course/lecturecode-0.1.0-py3-none-any.whl"
    notebook = student.student_notebook(
        ROOT / f"{GRADED[0]}.md", REPO, install=wheel
    )
    assert f'"{wheel}"' in notebook.cells[0].source
    assert "git+" not in notebook.cells[0].source


def test_a_student_notebook_runs_with_its_stubs(tmp_path, monkeypatch):
    """The chain-rule chapter, run whole at smoke scale as a student would before
    answering: nothing raises, and each check says the exercise is not done."""
    name = "book/autoregressive/chain_rule"
    path = tmp_path / "chain_rule.ipynb"
    nbformat.write(student_notebook(name), path)
    notebook = nbformat.read(path, as_version=4)
    monkeypatch.setenv("LECTURE_SCALE", "smoke")
    NotebookClient(
        notebook, timeout=300, resources={"metadata": {"path": tmp_path}}
    ).execute()
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    checks = [c for c in notebook.cells if "grader.check(" in c.source]
    assert len(checks) == 2
    for cell in checks:
        shown = str(cell.outputs)
        assert "not done" in shown and "still the stub" in shown


# Student HTML ------------------------------------------------------------------

# A chapter in miniature: a MyST notebook with a gated solution around a code cell
# (as the book's code exercises have) and a plain one (as its proofs have).
PAGE = """\
---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---

# Page

````{exercise} Gated
:label: ex-a

State A.
````

````{solution-start} ex-a
:class: dropdown
````

Gated answer text.

```{code-cell} ipython3
gated_code_line = 1
```

````{solution-end}
````

```{exercise} Plain
:label: ex-b

State B.
```

```{solution} ex-b
:class: dropdown

Plain answer text.
```

Text after.
"""


@pytest.mark.parametrize("edition", ["student", "full"])
def test_the_student_edition_drops_every_solution(tmp_path, edition):
    """That page as the root of a book with the book's own _config.yml, built by
    jupyter-book as `make book EDITION=student` builds it (the full edition shows
    that the check can fail)."""
    (tmp_path / "book").mkdir()
    for shared in ("_ext", "_static", "images", "references.bib"):
        (tmp_path / "book" / shared).symlink_to(ROOT / "book" / shared)
    (tmp_path / "_vendor").symlink_to(ROOT / "_vendor")
    shutil.copy(ROOT / "_config.yml", tmp_path)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/page\n")
    (tmp_path / "book" / "page.md").write_text(PAGE)
    env = {**os.environ, "BOOK_EDITION": edition}
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    subprocess.run(
        [jupyter_book, "build", ".", "-W", "--quiet"],
        cwd=tmp_path, env=env, check=True, capture_output=True,
    )
    html_dir = tmp_path / "_build" / "html"
    html = (html_dir / "book" / "page.html").read_text()
    for kept in ("State A.", "State B.", "Text after."):
        assert kept in html
    hidden = ["Gated answer text.", "gated_code_line", "Plain answer text."]
    everything = html + (html_dir / "searchindex.js").read_text()
    if edition == "student":
        assert not [text for text in hidden if text in everything]
        assert not (html_dir / "_sources").exists()
        assert "download" not in html
    else:
        assert all(text in html for text in hidden)
