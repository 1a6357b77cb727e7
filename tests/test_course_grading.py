"""The course kit's autograder: the archive `python -m lecturecode autograder`
writes for Gradescope, graded here by otter's own local runner (`otter run`),
gives one point per code exercise, all or nothing over its public check and its
hidden test (see book/instructors.md)."""

import csv
import re
import zipfile

import nbformat
import pytest
from course_cases import (
    BY_LABEL,
    EXERCISES,
    GRADED,
    SLIP,
    WRONG,
    archive,
    grade,
    leaks,
    rotation,
    submission,
)

from lecturecode import answers, grading

# The archive -------------------------------------------------------------------

OTTER_FILES = {
    "run_autograder", "run_otter.py", "setup.sh", "environment.yml",
    "otter_config.json",
}


@pytest.mark.parametrize("name", GRADED)
def test_every_chapter_has_an_archive_in_otter_generate_s_format(name):
    """What `otter generate` puts in an archive, the chapter's tests (one per
    exercise, hidden cases for the functions), the hidden tests and the student
    wheel, with the requirements that install them."""
    with zipfile.ZipFile(archive(name)) as zf:
        files = set(zf.namelist())
        assert OTTER_FILES <= files
        labels = {e.label for e in EXERCISES[name]}
        assert {f for f in files if f.startswith("tests/")} == {
            f"tests/{label}.py" for label in labels
        }
        for label in labels:
            test = zf.read(f"tests/{label}.py").decode()
            assert ("hidden=True" in test) == BY_LABEL[label].is_function
            assert ("all_or_nothing = True" in test) == BY_LABEL[label].is_function
        modules = {e.module for e in EXERCISES[name]}
        assert {f"files/hidden_tests/{m}.py" for m in modules} <= files
        wheels = [f for f in files if f.endswith(".whl")]
        assert len(wheels) == 1
        environment = zf.read("environment.yml").decode()
        assert f"/autograder/source/{wheels[0]}" in environment
        assert "otter-grader" in environment and "torch" in environment
        assert f'"assignment_name": "{name}"' in zf.read("otter_config.json").decode()


def test_no_archive_holds_a_solution():
    """No file of any archive (the wheel's files included) holds a reference
    solution's code or the number a number exercise asks for."""
    for name in GRADED:
        files = {}
        with zipfile.ZipFile(archive(name)) as zf:
            for member in zf.namelist():
                data = zf.read(member)
                if member.endswith(".whl"):
                    files.update(_wheel_files(data, member))
                else:
                    files[member] = data.decode()
        assert leaks(files) == [], name


def _wheel_files(data, name):
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        return {
            f"{name}/{member}": wheel.read(member).decode()
            for member in wheel.namelist()
            if member.endswith((".py", ".json", ".txt", "METADATA", "RECORD"))
        }


# Grading -----------------------------------------------------------------------

# Whole notebooks on three chapters: the references score full marks, the stubs
# nothing (with "not done"). The one-exercise chapters' first round below is
# their reference, too.
WHOLE = ["book/autoregressive/nade", "book/autoregressive/maf",
         "book/flows/realnvp_digits"]


@pytest.mark.parametrize("name", WHOLE)
def test_stubs_score_nothing_and_say_not_done(tmp_path, name):
    stubs = {e.label: "stub" for e in EXERCISES[name]}
    scores = grade(tmp_path, submission(name, stubs), name)
    assert set(scores) == set(stubs)
    for score in scores.values():
        assert (score.points, score.possible) == (0, 1)
        assert "not done" in score.message


# Three rounds per chapter (a Latin square): in each, every exercise is its
# reference, its wrong answer (fails the public check) or its slip (passes the
# public check, fails the hidden test), and each of them is each once.
ROUNDS = [(name, r) for name in GRADED for r in range(3)]


@pytest.mark.parametrize(("name", "r"), ROUNDS)
def test_each_wrong_answer_and_slip_loses_exactly_its_own_point(tmp_path, name, r):
    """References score their point; a wrong answer or a slip scores 0 on its
    own exercise, with its check's or hidden test's message, and takes nothing
    from the others."""
    kinds = rotation(name, r)
    scores = grade(tmp_path, submission(name, kinds), name)
    assert set(scores) == set(kinds)
    for label, score in scores.items():
        kind = kinds[label]
        if kind == "slip" and label not in SLIP:
            kind = "reference"  # a number has no slip
        if kind == "reference":
            assert (score.points, score.possible, score.message) == (1, 1, ""), score
            continue
        assert (score.points, score.possible) == (0, 1), score
        assert "ExerciseFailed" in score.message, score
        if kind == "wrong":
            assert re.search(WRONG[label][1], score.message), score
        else:  # the public case passed; the hidden one failed
            assert "hidden_tests." in score.message, score
            assert re.search(SLIP[label][1], score.message), score
    if set(kinds.values()) == {"reference"}:  # a one-exercise chapter's round 0
        assert sum(s.points for s in scores.values()) == len(kinds)  # 100 %


def test_grading_a_notebook_from_elsewhere_is_refused(tmp_path):
    path = tmp_path / "x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    with pytest.raises(ValueError, match="not a student notebook"):
        grading.grade_notebook(path, archive(GRADED[0]))


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


def test_the_commands_build_archives_export_and_grade_to_csv(tmp_path, capsys):
    """`autograder` writes a chapter's archive; `student` writes the handout;
    `grade` prints each notebook's total, its exercises' scores and the checks'
    messages, and writes the CSV: one row per submission, a column per exercise
    and the total, which reads back as that table."""
    from lecturecode.cli import main

    assert main(["autograder", "made", "--out", str(tmp_path / "ag")]) == 0
    assert (tmp_path / "ag" / "book__autoregressive__made.zip").exists()
    with pytest.raises(ValueError, match="not one chapter"):
        main(["autograder", "nowhere", "--out", str(tmp_path / "ag")])
    handout = tmp_path / "handout"
    assert main(["student", "--repo", "https://github.com/o/r", "--out", str(handout)]) == 0
    submitted = tmp_path / "submitted"
    submitted.mkdir()
    (handout / "book/autoregressive/chain_rule.ipynb").rename(submitted / "ada.ipynb")
    name = "book/autoregressive/made"
    nbformat.write(submission(name), submitted / "grace.ipynb")
    capsys.readouterr()
    table = tmp_path / "grades.csv"
    assert main(["grade", str(submitted), "--csv", str(table)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("ada.ipynb: 0 / 2")
    assert "ex-fvsbn-log-prob" in printed and "not done" in printed
    assert "grace.ipynb: 1 / 1" in printed
    with open(table, newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["student"] for row in rows] == ["ada", "grace"]
    assert list(rows[0]) == [
        "submission", "student", "ex-fvsbn-log-prob", "ex-fvsbn-hand",
        "ex-made-masks", "total", "possible",
    ]
    assert rows[0]["ex-fvsbn-log-prob"] == "0" and rows[0]["ex-made-masks"] == ""
    assert (rows[1]["ex-made-masks"], rows[1]["total"], rows[1]["possible"]) == (
        "1", "1", "1"
    )
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no .ipynb"):
        main(["grade", str(tmp_path / "empty")])

