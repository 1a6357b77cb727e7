"""The hidden tests of the book's code exercises: what only the autograder runs.

Each code exercise ``check_<name>`` of ``lecturecode.exercises.<module>`` has here
a ``hidden_<name>(answer)`` in ``hidden_tests/<module>.py``: other inputs, edge
cases and properties that the public check (the one a student's notebook runs)
does not try, so that an answer fitted to the public check, or one with a slip
that the public inputs happen not to show, still loses its point. Like a check it
raises :class:`~lecturecode.exercises.ExerciseFailed` with a message for the
instructor's report, and returns True when the answer passes.

This folder is not part of the package, so it never reaches a student's
install; ``python -m lecturecode autograder`` puts it into the autograder archive.
Where a hidden test needs the answer itself on an input, it takes a digest from
``expected.json`` here (written with the package's by
``python -m lecturecode expected``), never the reference solution.
"""

from pathlib import Path

from lecturecode.exercises import fail

EXPECTED = Path(__file__).with_name("expected.json")


def call(fn, *args, what: str):
    """``fn(*args)``, with any exception it raises reported as a failure on
    ``what`` (a hidden input the student never saw)."""
    try:
        return fn(*args)
    except Exception as error:  # the student's code, on an input it never saw
        fail(f"for {what} your function raised {type(error).__name__}: {error}")
