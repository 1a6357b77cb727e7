"""What a student notebook runs to check its answers (standard library only, so it
works wherever ``lecturecode`` is installed, Colab included).

Each code exercise is one otter-grader test file worth one point: :func:`test_file`
writes it. Its public case calls :func:`attempt`, which runs the chapter's
``check_*`` on what the student defined; in the autograder's copy (see
:mod:`lecturecode.grading`) a hidden case runs the exercise's ``hidden_*`` test
from the ``hidden_tests`` folder too, and the point is all or nothing. The
notebook's setup cell writes its chapter's public tests with :func:`write_tests`;
the grader uses its own copy, never the ones a submission wrote.
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
    """Run ``check`` of ``module`` (``lecturecode.exercises.<module>`` when the
    name has no dot) on the student's ``answer``, looked up in the notebook's
    globals ``env``; raise :class:`NotDone` while the answer is missing or still
    the stub. The check is taken from its module, not from the notebook's
    globals, where a student may have renamed things."""
    value = env.get(answer, Ellipsis)
    if is_stub(value):
        raise NotDone(f"not done: define {answer} (it is still the stub)")
    if "." not in module:
        module = f"lecturecode.exercises.{module}"
    getattr(importlib.import_module(module), check)(value)


def test_file(
    label: str, module: str, check: str, answer: str, hidden: str | None = None
) -> str:
    """The otter test file of one exercise (exception format, one point): the
    public check, and with ``hidden`` (a function of ``hidden_tests.<module>``) a
    hidden case, all or nothing."""
    text = (
        "from otter.test_files import test_case\n\n"
        "from lecturecode.answers import attempt\n\n"
        "OK_FORMAT = False\n"
        f'name = "{label}"\npoints = 1\n'
        + ("all_or_nothing = True\n" if hidden else "")
        + "\n\n"
        f'@test_case(name="{label}: the check of the notebook")\n'
        "def answer(env):\n"
        f'    attempt(env, "{module}", "{check}", "{answer}")\n'
    )
    if hidden:
        text += (
            "\n\n"
            f'@test_case(name="{label}: hidden tests", hidden=True)\n'
            "def hidden(env):\n"
            f'    attempt(env, "hidden_tests.{module}", "{hidden}", "{answer}")\n'
        )
    return text


def write_tests(folder: str, exercises: dict[str, tuple[str, str, str]]) -> str:
    """Write one test file per exercise (``label: (module, check, answer)``) into
    ``folder``; return the folder, for ``otter.Notebook(tests_dir=...)``."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for label, (module, check, answer) in exercises.items():
        (path / f"{label}.py").write_text(test_file(label, module, check, answer))
    return folder
