"""What a student notebook runs to check its answers (standard library only, so it
works wherever ``lecturecode`` is installed, Colab included).

Each code exercise is one otter-grader test of one point: :func:`test_file` writes
it, and its one line calls :func:`attempt`, which runs the chapter's ``check_*`` on
what the student defined. The notebook's setup cell writes its chapter's tests with
:func:`write_tests`; the instructor's grader uses its own copy of the same tests
(:mod:`lecturecode.grading`), never the ones a submission wrote.
"""

import importlib
from pathlib import Path

from .exercises import ExerciseFailed


class NotDone(ExerciseFailed):
    """The answer is still the stub of the student notebook."""


def _stub():
    """A stub: a docstring and ``...``."""
    ...


def is_stub(answer) -> bool:
    """``...`` itself, or a function whose body does nothing but ``...``."""
    if answer is Ellipsis:
        return True
    code = getattr(answer, "__code__", None)
    if code is None:
        return False
    constants = set(code.co_consts) - {answer.__doc__}
    stub = _stub.__code__
    return (code.co_code, code.co_names) == (stub.co_code, stub.co_names) and (
        constants <= {None}
    )


def attempt(env: dict, module: str, check: str, answer: str):
    """Run ``lecturecode.exercises.<module>.<check>`` on the student's ``answer``
    (looked up in the notebook's globals ``env``); raise :class:`NotDone` while
    the answer is missing or still the stub. The check is taken from its module,
    not from the notebook's globals, where a student may have renamed things."""
    value = env.get(answer, Ellipsis)
    if is_stub(value):
        raise NotDone(f"not done: define {answer} (it is still the stub)")
    getattr(importlib.import_module(f"lecturecode.exercises.{module}"), check)(
        value
    )


def test_file(label: str, module: str, check: str, answer: str) -> str:
    """The otter test file of one exercise (exception format, one point)."""
    return (
        "from otter.test_files import test_case\n\n"
        "from lecturecode.answers import attempt\n\n"
        "OK_FORMAT = False\n"
        f'name = "{label}"\npoints = 1\n\n\n'
        "@test_case()\n"
        "def answer(env):\n"
        f'    attempt(env, "{module}", "{check}", "{answer}")\n'
    )


def write_tests(folder: str, exercises: dict[str, tuple[str, str, str]]) -> str:
    """Write one test file per exercise (``label: (module, check, answer)``) into
    ``folder``; return the folder, for ``otter.Notebook(tests_dir=...)``."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for label, (module, check, answer) in exercises.items():
        (path / f"{label}.py").write_text(test_file(label, module, check, answer))
    return folder
