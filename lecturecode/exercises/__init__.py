"""Checks that readers run on their answers to the book's exercises.

A check prints a line starting with "Correct" and returns True when the answer is
right; otherwise it raises :class:`ExerciseFailed` with a message saying what is
wrong, and, for the common mistakes, which one it looks like.

The reference answers are not here: each lives in its chapter's solution (see
CONTRIBUTING.md, "Exercises"), which the student edition removes. A check compares
an answer with the package's own model of the same thing (``FVSBN``, ``Squeeze``,
...), with properties (a round trip, a shape), or, where only the answer itself
would do (a number to compute by hand), with a salted, slow hash of it
(:func:`matches`) that ``python -m lecturecode expected`` writes from the
chapters into ``expected.json``.
"""

import hashlib
import json
import math
from functools import cache
from pathlib import Path

EXPECTED = Path(__file__).with_name("expected.json")
_SALT = b"lecture18 exercises"
_ROUNDS = 20_000  # ~10 ms a digest: cheap to check, slow to search


class ExerciseFailed(AssertionError):
    """The answer is wrong; the message says how."""


def passed(message: str) -> bool:
    print(f"Correct: {message}")
    return True


def fail(message: str):
    raise ExerciseFailed(message)


def as_number(value, what: str = "your answer") -> float:
    """``value`` as a float, or a failure naming what it is instead."""
    try:
        number = float(value)
    except (TypeError, ValueError, RuntimeError):
        fail(f"{what} should be a number, got {type(value).__name__}")
    if not math.isfinite(number):
        fail(f"{what} is {number}, not a finite number")
    return number


def _tokens(value, rel: float) -> list[str]:
    """The bins ``value`` may fall in: for ``rel = 0`` the whole number itself;
    otherwise its bin on a log scale of step ``log(1 + rel)`` and the two
    beside it, so that any value within a factor ``1 + rel`` of the expected one
    shares a bin with it (and none beyond ``(1 + rel)^2`` does). The expected
    value's own bin comes first."""
    try:
        number = float(value)
    except (TypeError, ValueError, RuntimeError):
        return []
    if not math.isfinite(number):
        return []
    if rel == 0:
        return [str(int(number))] if number == int(number) else []
    if number == 0:
        return ["0"]
    sign = "-" if number < 0 else "+"
    step = math.floor(math.log(abs(number)) / math.log1p(rel))
    return [f"{sign}{step + k}" for k in (0, -1, 1)]


def _digest(key: str, token: str) -> str:
    return hashlib.pbkdf2_hmac(
        "sha256", f"{key}|{token}".encode(), _SALT, _ROUNDS
    ).hex()[:32]


def expected_entry(key: str, value, rel: float) -> dict:
    """What ``expected.json`` stores for ``key``: the tolerance and the digest of
    the expected value's bin (used when the file is written, never by checks)."""
    tokens = _tokens(value, rel)
    if not tokens:
        raise ValueError(f"{key}: {value!r} cannot be hashed with rel = {rel}")
    return {"rel": rel, "digest": _digest(key, tokens[0])}


@cache
def _table(path: str) -> dict:
    return json.loads(Path(path).read_text())


def matches(key: str, value, table: Path = EXPECTED) -> bool:
    """Whether ``value`` is the expected value stored under ``key`` (within the
    entry's relative tolerance, or exactly for a whole number)."""
    entry = _table(str(table)).get(key)
    if entry is None:
        raise KeyError(
            f"{table.name} has no entry {key!r}: run python -m lecturecode expected"
        )
    return any(
        _digest(key, token) == entry["digest"]
        for token in _tokens(value, entry["rel"])
    )
