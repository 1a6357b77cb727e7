"""The course kit's autograder: otter-grader scores submissions with the book's
checks, one point per code exercise (see book/instructors.md)."""

import re

import nbformat
import pytest
from course_cases import (
    EXERCISES,
    GRADED,
    WRONG,
    grade,
    student_notebook,
    submission,
)

from lecturecode import answers, grading

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

    assert answers.is_stub(stub) and answers.is_stub(...)
    assert not answers.is_stub(answer) and not answers.is_stub(0.5)
    assert not answers.is_stub(lambda s, c, std: "eight")


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




def test_the_commands_export_and_grade(tmp_path, capsys):
    """`student` writes the handout; `grade` prints each notebook's total, its
    exercises' scores and the checks' messages."""
    from lecturecode.cli import main

    handout = tmp_path / "handout"
    assert main(["student", "--repo", "https://github.com/o/r", "--out", str(handout)]) == 0
    submitted = tmp_path / "submitted"
    submitted.mkdir()
    (handout / "book/autoregressive/chain_rule.ipynb").rename(submitted / "ada.ipynb")
    capsys.readouterr()
    assert main(["grade", str(submitted)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("ada.ipynb: 0 / 2")
    assert "ex-fvsbn-log-prob" in printed and "not done" in printed
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no .ipynb"):
        main(["grade", str(tmp_path / "empty")])
