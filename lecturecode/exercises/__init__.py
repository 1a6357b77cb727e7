"""Checks that readers run on their answers to the book's exercises.

A check prints a line starting with "Correct" and returns True when the answer is
right; otherwise it raises :class:`ExerciseFailed` with a message saying what is
wrong, and, for the common mistakes, which one it looks like. The reference
solutions live beside the checks (``solution_*``); the tests run every check on its
solution and on wrong answers.
"""


class ExerciseFailed(AssertionError):
    """The answer is wrong; the message says how."""


def passed(message: str) -> bool:
    print(f"Correct: {message}")
    return True


def fail(message: str):
    raise ExerciseFailed(message)
