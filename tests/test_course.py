"""The course kit: student notebooks and HTML without solutions, and otter-grader
scoring submissions with the book's checks (see book/instructors.md)."""

import os
import re
import subprocess
import sys
import textwrap

import nbformat
import pytest
from nbclient import NotebookClient

from lecturecode import grading, student
from lecturecode.notebooks import is_notebook, toc_chapters
from lecturecode.paths import ROOT

REPO = "https://github.com/lecture18/book"
CHAPTERS = [
    name for name in toc_chapters() if is_notebook(ROOT / f"{name}.md")
]
EXERCISES = {
    name: student.chapter_exercises(ROOT / f"{name}.md") for name in CHAPTERS
}
GRADED = [name for name in CHAPTERS if EXERCISES[name]]

# One wrong answer per code exercise, each one the exercise tests already reject
# (tests/test_exercises*.py, tests/test_coupling_exercises.py), with the part of
# the check's message those tests expect.
F = "import torch\nimport torch.nn.functional as F\n"
WRONG = {
    "ex-gan-nonsat": (F + "non_saturating_loss = lambda a: F.softplus(a).mean()",
                      "wrong term"),
    "ex-gan-count": ('count_covered_modes = lambda s, c, std: "eight"',
                     "not a whole number"),
    "ex-gan-spiral": ("spiral_radius = 1.0", "orbit"),
    "ex-cov-triangular": (F + "log_abs_det_triangular = lambda L: "
                          "torch.diagonal(L).log().sum()", "take |diagonal|"),
    "ex-cov-composed": (
        "from lecturecode.exercises.change_of_variables import "
        "solution_composed_log_prob as right\n"
        "composed_log_prob = lambda ls, x: right(ls, x).sum()",
        "one log-density per row",
    ),
    "ex-cov-linear": ("linear_density = 0.5", "is not p_x"),
    "ex-coupling-inverse": ("affine_coupling_inverse = lambda z, m, s, t: z.clone()",
                            "does not map back"),
    "ex-coupling-checkerboard": (
        F + "checkerboard = lambda h, w: torch.ones(h * w // 2)", "expected"
    ),
    "ex-digits-logit": (
        "from lecturecode.exercises.coupling import solution_logit_log_det\n"
        "logit_log_det = lambda w, k, a: -solution_logit_log_det(w, k, a)",
        "sign is flipped",
    ),
    "ex-fvsbn-log-prob": (
        "from lecturecode.exercises.chain_rule import solution_fvsbn_log_prob\n"
        "fvsbn_log_prob = lambda t, b, x: solution_fvsbn_log_prob(t, b, x) + 0.1",
        "differ",
    ),
    "ex-fvsbn-hand": ("hand_probability = 0.3", "multiply"),
    "ex-nade-loop": (
        F + "nade_logits_loop = lambda W, c, alpha, b, x: "
        "torch.sigmoid(c + x @ W.T) @ alpha.T + b",
        "used all of x",
    ),
    "ex-made-masks": (
        "from lecturecode.exercises.made import solution_made_masks\n"
        "made_masks_for = lambda o, m: solution_made_masks(o, m)[0]",
        "pair",
    ),
    "ex-maf-inverse": ("maf_inverse = lambda layer, z: z", "differs"),
    "ex-pixelcnn-masks": (
        "from lecturecode.exercises.pixelcnn import solution_masks\n"
        "masks = lambda k: solution_masks(k)[0]",
        "pair",
    ),
    "ex-pixelcnn-channels": (
        F + "centre_mask = lambda kind, o, i: torch.ones(o, i)", "is not right"
    ),
    "ex-rnn-log-prob": (F + "rnn_log_prob = lambda *args: torch.zeros(3)",
                        "one number"),
    "ex-rnn-nonnormal": ("nonnormal_gradient_norm = 1.0", "is not"),
    "ex-rnn-clip": ("clip_by_norm = lambda gs, t: gs[0]", "one tensor per gradient"),
    "ex-lstm-cell": ("lstm_cell = lambda x, h, s, p: h", "the pair"),
    "ex-lstm-weights": ("lecture_weights = lambda torch_lstm: {}", "keys"),
    "ex-lstm-carousel": ("carousel_factor = 0.5**50", "sigma\\(0\\)"),
    "ex-lm-uniform": ("uniform_bits_per_char = 4.0", "not it"),
    "ex-lm-temperature": (
        F + "sample_with_temperature = lambda o, t, g=None: o.argmax(-1)",
        "frequencies",
    ),
}


def student_notebook(name):
    return student.student_notebook(ROOT / f"{name}.md", REPO)


def submission(name, wrong=None):
    """The student notebook of ``name`` with every answer filled with the
    reference solution, except ``wrong`` (a label), filled with its wrong answer."""
    notebook = student_notebook(name)
    by_label = {e.label: e for e in EXERCISES[name]}
    for cell in notebook.cells:
        label = cell.metadata.get("lecturecode_exercise")
        if label is not None:
            exercise = by_label[label]
            cell.source = (
                exercise.stub().split("\n\n")[0] + "\n" + WRONG[label][0]
                if label == wrong
                else exercise.filled()
            )
    return notebook


def grade(tmp_path, notebook, name):
    path = tmp_path / f"{name.replace('/', '_')}.ipynb"
    nbformat.write(notebook, path)
    return {s.exercise: s for s in grading.grade_notebook(path)}


def all_text(notebook) -> str:
    return "\n".join(cell.source for cell in notebook.cells) + str(
        notebook.metadata
    )


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
    # but for the import of its check, which the answer cell keeps
    removed = student.solution_text(ROOT / f"{name}.md")
    solution_only = [
        line
        for line in removed
        if len(line) > 20
        and source.count(line) == 1
        and not line.startswith("from lecturecode.exercises.")
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


def test_a_student_notebook_runs_with_its_stubs(tmp_path):
    """The chain-rule chapter, run whole at smoke scale as a student would before
    answering: nothing raises, and each check says the exercise is not done."""
    name = "book/autoregressive/chain_rule"
    path = tmp_path / "chain_rule.ipynb"
    nbformat.write(student_notebook(name), path)
    notebook = nbformat.read(path, as_version=4)
    os.environ["LECTURE_SCALE"] = "smoke"
    NotebookClient(
        notebook, timeout=300, resources={"metadata": {"path": tmp_path}}
    ).execute()
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    checks = [c for c in notebook.cells if c.source.startswith("grader.check(")]
    assert len(checks) == 2
    for cell in checks:
        shown = str(cell.outputs)
        assert "not done" in shown and "still the stub" in shown


# Grading -----------------------------------------------------------------------


def test_stubs_score_nothing_and_say_not_done(tmp_path):
    name = "book/autoregressive/chain_rule"
    scores = grade(tmp_path, student_notebook(name), name)
    assert set(scores) == {e.label for e in EXERCISES[name]}
    for score in scores.values():
        assert (score.points, score.possible) == (0, 1)
        assert "not done" in score.message


# Each wrong answer once; with one exercise, the reference alone too (with two or
# more, every reference answer is scored in the notebooks where another is wrong).
CASES = [(name, e.label) for name in GRADED for e in EXERCISES[name]] + [
    (name, None) for name in GRADED if len(EXERCISES[name]) == 1
]


@pytest.mark.parametrize(("name", "wrong"), CASES)
def test_a_wrong_answer_loses_exactly_its_own_marks(tmp_path, name, wrong):
    """Reference answers score full marks; each wrong answer scores 0 on its own
    exercise, with the message its check gives, and takes nothing elsewhere."""
    scores = grade(tmp_path, submission(name, wrong), name)
    assert set(scores) == {e.label for e in EXERCISES[name]}
    for label, score in scores.items():
        if label == wrong:
            assert score.points == 0, score
            assert "ExerciseFailed" in score.message
            assert re.search(WRONG[label][1], score.message)
        else:
            assert (score.points, score.message) == (1, ""), score


def test_grading_a_notebook_from_elsewhere_is_refused(tmp_path):
    path = tmp_path / "x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    with pytest.raises(ValueError, match="not a student notebook"):
        grading.grade_notebook(path)


def test_stub_detection():
    def stub(x):
        """Doc."""
        ...

    def answer(x):
        return x

    assert grading.is_stub(stub) and grading.is_stub(...)
    assert not grading.is_stub(answer) and not grading.is_stub(0.5)
    assert not grading.is_stub(lambda s, c, std: "eight")


def test_only_the_cells_the_answers_need_are_graded():
    """The digits chapter trains a RealNVP; its exercise needs none of that."""
    notebook = grading.for_grading(submission("book/flows/realnvp_digits"))
    run = [
        c.source
        for c in notebook.cells
        if c.cell_type == "code" and grading.IGNORE not in c.metadata.get("tags", [])
    ]
    assert any("logit_log_det" in source for source in run)
    assert not any("train" in source for source in run)


# Student HTML ------------------------------------------------------------------

PAGE = """\
# Page

````{exercise} Gated
:label: ex-a

State A.
````

````{solution-start} ex-a
:class: dropdown
````

Gated answer text.

```python
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
    """One small page through Sphinx with the book's extension, as `make book
    EDITION=student` builds it (the full edition shows that the check can fail)."""
    (tmp_path / "index.md").write_text(PAGE)
    (tmp_path / "conf.py").write_text(
        textwrap.dedent(
            f"""\
            import sys
            sys.path.insert(0, {str(ROOT / "book" / "_ext")!r})
            extensions = ["myst_parser", "sphinx_exercise", "student_edition"]
            myst_enable_extensions = ["colon_fence"]
            """
        )
    )
    env = {**os.environ, "BOOK_EDITION": edition}
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-W", "-b", "html", ".", "out"],
        cwd=tmp_path, env=env, check=True, capture_output=True,
    )
    html = (tmp_path / "out" / "index.html").read_text()
    for kept in ("State A.", "State B.", "Text after."):
        assert kept in html
    hidden = ["Gated answer text.", "gated_code_line", "Plain answer text."]
    if edition == "student":
        assert not [text for text in hidden if text in html]
        assert not (tmp_path / "out" / "_sources").exists()
    else:
        assert all(text in html for text in hidden)
