"""The course kit's exercises, in process: each reference answer (the chapter's
solution cell) passes its public check and its hidden test, each planted wrong
answer fails the public check, each planted slip passes the public check and
fails the hidden test, and the digests the checks compare with are those of the
chapters' answers."""

import contextlib
import importlib
import io
import json
import re
import subprocess
import sys

import pytest
from course_cases import BY_LABEL, FUNCTIONS, SLIP, WRONG

from lecturecode import exercises, student
from lecturecode.exercises import ExerciseFailed
from lecturecode.paths import ROOT

LABELS = list(BY_LABEL)


def public(label):
    e = BY_LABEL[label]
    return getattr(importlib.import_module(f"lecturecode.exercises.{e.module}"), e.check)


def hidden(label):
    e = BY_LABEL[label]
    module = importlib.import_module(f"hidden_tests.{e.module}")
    return getattr(module, e.hidden, None)


def planted(label, cases):
    """The planted answer of ``label`` from ``cases``, as the answer cell defines
    it."""
    e = BY_LABEL[label]
    namespace = {}
    exec(e.stub().split("\n\n")[0] + "\n" + cases[label][0], namespace)
    return namespace[e.answer]


def quietly(fn, *args):
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


def test_every_function_exercise_has_a_hidden_test_and_a_slip():
    assert FUNCTIONS and set(FUNCTIONS) == set(SLIP)
    assert [label for label in FUNCTIONS if hidden(label) is None] == []
    numbers = [label for label in LABELS if label not in FUNCTIONS]
    assert numbers and [label for label in numbers if hidden(label)] == []


@pytest.mark.parametrize("label", LABELS)
def test_the_reference_passes_the_check_and_the_hidden_test(label):
    answer = BY_LABEL[label].reference_answer()
    assert quietly(public(label), answer)
    if label in FUNCTIONS:
        assert hidden(label)(answer)


@pytest.mark.parametrize("label", LABELS)
def test_the_wrong_answer_fails_the_check(label):
    with pytest.raises(ExerciseFailed, match=WRONG[label][1]):
        quietly(public(label), planted(label, WRONG))


@pytest.mark.parametrize("label", FUNCTIONS)
def test_the_slip_passes_the_check_and_fails_the_hidden_test(label):
    """What hidden tests are for: an answer the notebook calls correct that is
    still wrong."""
    slip = planted(label, SLIP)
    assert quietly(public(label), slip)
    with pytest.raises(ExerciseFailed, match=SLIP[label][1]):
        hidden(label)(slip)


def test_the_digests_are_those_of_the_chapters_answers():
    """Both expected.json files are what `python -m lecturecode expected` writes
    from the chapters now."""
    for path, table in student.expected_tables().items():
        assert json.loads(path.read_text()) == table, path


def test_a_digest_accepts_its_value_within_the_tolerance_only():
    entry = exercises.expected_entry("k", 0.123456, 1e-4)
    table = {"k": entry}
    check = exercises._tokens
    near, far = 0.123456 * (1 + 0.9e-4), 0.123456 * (1 + 2.1e-4)
    digests = {exercises._digest("k", t) for t in check(near, 1e-4)}
    assert table["k"]["digest"] in digests
    digests = {exercises._digest("k", t) for t in check(far, 1e-4)}
    assert table["k"]["digest"] not in digests
    assert exercises._tokens(float("nan"), 1e-4) == []
    assert exercises._tokens(7.5, 0) == [] and exercises._tokens(7.0, 0) == ["7"]


def test_no_check_module_holds_a_reference_answer():
    """No ``solution_`` name in the checks, and no digest entry is the answer
    in the clear."""
    for e in BY_LABEL.values():
        module = importlib.import_module(f"lecturecode.exercises.{e.module}")
        assert not [name for name in dir(module) if name.startswith("solution_")]
    for entry in json.loads(exercises.EXPECTED.read_text()).values():
        assert set(entry) == {"rel", "digest"}
        assert re.fullmatch(r"[0-9a-f]{32}", entry["digest"])


def test_the_hidden_tests_are_lint_clean():
    """They are code like the package's (tests/test_chapters.py lints that)."""
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "hidden_tests"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
