"""The student edition of the chapters: notebooks without the solutions.

Every chapter is exported as :mod:`lecturecode.notebooks` exports it for Colab (one
install cell in front), then each solution is taken out. A code exercise, one whose
solution calls a ``check_*`` of :mod:`lecturecode.exercises`, gets an answer cell in
its place (the function's signature and docstring with ``...`` as its body, or
``name = ...`` for a number) and a cell that runs the check through otter-grader,
which reports a wrong or missing answer instead of stopping the notebook. Proofs and
discussion exercises keep their statement and lose their solution.

    python -m lecturecode student --repo https://github.com/OWNER/REPO --out DIR
"""

import ast
import importlib
import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

from . import answers
from .notebooks import export_chapter, is_notebook, toc_chapters
from .paths import ROOT

# What a cell of a student notebook is, in its metadata: the grader keeps answers,
# checks and what they need, and skips the rest of the chapter.
ROLE = "lecturecode_role"

SETUP_CELL = """\
# The checks of the exercises run through otter-grader; install it when missing.
import importlib.util

if importlib.util.find_spec("otter") is None:
    %pip install --quiet "otter-grader>=7,<8"

import otter

from lecturecode.answers import write_tests

grader = otter.Notebook(tests_dir=write_tests("{folder}", {{
{tests}
}}))\
"""
# Where a notebook writes its tests: one folder per chapter, apart from the
# ``tests`` folder that otter's grader brings.
TESTS_FOLDER = ".lecturecode_tests/{chapter}"

OPENING = re.compile(r"^(`{3,}|:{3,})\{(solution|solution-start|solution-end)\}")
CHECK_CALL = re.compile(r"^(check_\w+)\((.*)\)\s*$")
EXERCISE_IMPORT = re.compile(r"from lecturecode\.exercises\.(\w+) import")


@dataclass
class CodeExercise:
    """An exercise whose solution calls a check: what a student must define."""

    label: str
    module: str  # lecturecode.exercises.<module>
    check: str  # the check's name
    answer: str  # the name the student defines and the check receives
    solution: str  # the reference solution cell of the chapter
    reference: str | None  # the solution function's name; None for a number

    @property
    def is_function(self) -> bool:
        return self.reference is not None

    def stub(self) -> str:
        """The answer cell a student starts from."""
        imports = f"from lecturecode.exercises.{self.module} import {self.check}"
        if not self.is_function:
            return f"{imports}\n\n{self.answer} = ...  # your number"
        fn = getattr(self.exercises_module(), self.reference)
        source = inspect.getsource(fn)
        # the def line(s) as written (annotations included), up to the docstring
        body = ast.parse(source).body[0].body[0]
        header = "\n".join(source.splitlines()[: body.lineno - 1]).replace(
            f"def {self.reference}(", f"def {self.answer}(", 1
        )
        doc = textwrap.indent(f'"""{inspect.getdoc(fn)}"""', "    ")
        imports = "\n".join([*self._imports_for(header), imports])
        return f"{imports}\n\n\n{header}\n{doc}\n    ...\n"

    def _imports_for(self, header: str) -> list[str]:
        """The exercise module's own imports of the names the def line uses (its
        annotations: ``torch``, ``nn``), so the stub runs in any notebook."""
        used = {
            node.id
            for node in ast.walk(ast.parse(f"{header}\n    ..."))
            if isinstance(node, ast.Name)
        }
        module = ast.parse(inspect.getsource(self.exercises_module()))
        return [
            ast.unparse(node)
            for node in module.body
            if isinstance(node, ast.Import | ast.ImportFrom)
            and getattr(node, "level", 0) == 0
            and {(a.asname or a.name).split(".")[0] for a in node.names} & used
        ]

    def filled(self) -> str:
        """The answer cell filled with the reference solution, as the tests (and
        an instructor trying the grader) submit it."""
        if not self.is_function:
            *lines, call = self.solution.rstrip().splitlines()
            value = CHECK_CALL.match(call).group(2)
            return "\n".join([*lines, f"{self.answer} = {value}"])
        return (
            f"from lecturecode.exercises.{self.module} import {self.check}\n"
            f"from lecturecode.exercises.{self.module} import (\n"
            f"    {self.reference} as {self.answer})"
        )

    def exercises_module(self):
        return importlib.import_module(f"lecturecode.exercises.{self.module}")


def _closing(lines, start, fence) -> int:
    """Index of the line that closes the directive opened at ``start``."""
    char, width = fence[0], len(fence)
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if stripped and set(stripped) == {char} and len(stripped) >= width:
            return i
    raise ValueError(f"unclosed {fence} directive at line {start + 1}")


@dataclass
class _Parsed:
    cells: list  # the student notebook's cells after the install cell
    exercises: list[CodeExercise]
    solution_text: list[str]  # every line removed as a solution


def _code_exercise(label, cell, statements) -> CodeExercise | None:
    """The check a solution cell calls, or None for a discussion's computation."""
    lines = cell.source.rstrip().splitlines()
    call = CHECK_CALL.match(lines[-1]) if lines else None
    module = EXERCISE_IMPORT.search(cell.source)
    if call is None or module is None:
        return None
    check, argument = call.groups()
    named = re.search(rf"{check}\((\w+)\)", statements)
    if argument.startswith("solution_"):
        answer = named.group(1) if named else argument.removeprefix("solution_")
        reference = argument
    else:
        answer, reference = check.removeprefix("check_"), None
    return CodeExercise(
        label, module.group(1), check, answer, cell.source, reference
    )


def _parse(notebook) -> _Parsed:
    cells, exercises, removed = [], [], []
    gated = None  # the label of the gated solution we are inside
    statements = ""  # the exercise text seen so far (for the answer's name)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            if gated is None:
                cells.append(cell)
                continue
            removed.extend(cell.source.splitlines())
            exercise = _code_exercise(gated, cell, statements)
            if exercise is not None:
                exercises.append(exercise)
                cells.extend(_answer_cells(exercise))
            continue
        lines, kept, i = cell.source.splitlines(), [], 0
        while i < len(lines):
            match = OPENING.match(lines[i])
            if match is None:
                (kept if gated is None else removed).append(lines[i])
                i += 1
                continue
            end = _closing(lines, i, match.group(1))
            kind = match.group(2)
            if kind == "solution-start":
                gated = lines[i].split("}", 1)[1].strip()
            elif kind == "solution-end":
                gated = None
            removed.extend(lines[i : end + 1])
            i = end + 1
        text = "\n".join(kept).strip()
        statements += text
        if text:
            cell.source = text
            cells.append(cell)
    for cell in cells:
        cell.metadata.setdefault(ROLE, "chapter")
    return _Parsed(cells, exercises, [line for line in removed if line.strip()])


def _answer_cells(exercise: CodeExercise) -> list:
    answer = nbformat.v4.new_code_cell(exercise.stub())
    answer.metadata[ROLE] = "answer"
    answer.metadata["lecturecode_exercise"] = exercise.label
    check = nbformat.v4.new_code_cell(
        f"# {exercise.check}({exercise.answer}), through otter: it reports what is"
        " wrong\n# (or not done) and the notebook goes on\n"
        f'grader.check("{exercise.label}")'
    )
    check.metadata[ROLE] = "check"
    return [answer, check]


def test_file(exercise: CodeExercise) -> str:
    """The otter test file of one exercise: one point, the chapter's check."""
    return answers.test_file(
        exercise.label, exercise.module, exercise.check, exercise.answer
    )


def _setup_cell(stem: str, exercises: list[CodeExercise]) -> str:
    tests = "\n".join(
        f'    "{e.label}": ("{e.module}", "{e.check}", "{e.answer}"),'
        for e in exercises
    )
    folder = TESTS_FOLDER.format(chapter=stem)
    return SETUP_CELL.format(folder=folder, tests=tests)


def chapter_exercises(source: Path) -> list[CodeExercise]:
    """The code exercises of one chapter, in reading order."""
    return _parse(jupytext.read(source)).exercises


def solution_text(source: Path) -> list[str]:
    """Every non-blank line that the student edition removes from ``source``."""
    return _parse(jupytext.read(source)).solution_text


def student_notebook(source: Path, repo: str, root: Path = ROOT):
    """One chapter as a student notebook (see the module's docstring)."""
    notebook = export_chapter(source, repo)
    install, rest = notebook.cells[0], nbformat.from_dict(notebook)
    rest.cells = rest.cells[1:]
    parsed = _parse(rest)
    name = source.relative_to(root).with_suffix("").as_posix()
    cells = [install]
    if parsed.exercises:
        setup = _setup_cell(source.stem, parsed.exercises)
        cells.append(nbformat.v4.new_code_cell(setup))
        # otter's grader checks a submission against the chapter it names
        notebook.metadata["otter"] = {"assignment_name": name}
    for cell in cells:
        cell.metadata[ROLE] = "setup"
    notebook.cells = cells + parsed.cells
    return notebook


def needed_cells(notebook) -> set[int]:
    """Indices of the cells the grader runs: setup, answers, checks and whatever a
    student added, with every chapter cell that defines a name they use (and so
    on, back to the imports)."""
    roles = [cell.metadata.get(ROLE) for cell in notebook.cells]
    code = [c.cell_type == "code" for c in notebook.cells]
    keep = {i for i, role in enumerate(roles) if code[i] and role != "chapter"}
    used = set().union(*(_names(notebook.cells[i].source)[1] for i in keep))
    for i in reversed(range(len(notebook.cells))):
        if i in keep or not code[i]:
            continue
        defined, uses = _names(notebook.cells[i].source)
        if defined & used:
            keep.add(i)
            used |= uses
    return keep


def _names(source: str) -> tuple[set[str], set[str]]:
    """Names a cell binds and names it reads (IPython magics are skipped)."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith("%")]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set(), set()
    defined, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else defined).add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            defined.add(node.name)
    return defined, used


def export_student(repo: str, out: Path, root: Path = ROOT) -> list[Path]:
    """Write every notebook chapter under ``out`` as a student notebook."""
    written = []
    for name in toc_chapters(root):
        source = root / f"{name}.md"
        if not is_notebook(source):
            continue
        target = out / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student_notebook(source, repo, root), target)
        written.append(target)
    return written
