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
import json
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

from . import answers
from .exercises import expected_entry
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
# The instructor's hidden tests: a folder of the repository, outside the package.
HIDDEN = "hidden_tests"
# Where a notebook writes its tests: one folder per chapter, apart from the
# ``tests`` folder that otter's grader brings.
TESTS_FOLDER = ".lecturecode_tests/{chapter}"

OPENING = re.compile(r"^(`{3,}|:{3,})\{(solution|solution-start|solution-end)\}")
CHECK_CALL = re.compile(r"^(check_\w+)\((.*)\)\s*$")
EXERCISE_IMPORT = re.compile(r"from lecturecode\.exercises\.(\w+) import")


@dataclass
class CodeExercise:
    """An exercise whose solution calls a check: what a student must define.

    Its reference answer is the chapter's solution cell (``solution``), the one
    place it is written: a function ``solution_<name>`` defined in the cell, or
    the expression the check is called on. The student edition removes the cell;
    the package never holds it."""

    label: str
    module: str  # lecturecode.exercises.<module>
    check: str  # the check's name
    answer: str  # the name the student defines and the check receives
    solution: str  # the reference solution cell of the chapter
    reference: str | None  # the solution function's name; None for a number

    @property
    def is_function(self) -> bool:
        return self.reference is not None

    @property
    def hidden(self) -> str:
        """The name of its hidden test in ``hidden_tests.<module>``."""
        return "hidden_" + self.check.removeprefix("check_")

    def _body(self) -> tuple[list[str], str]:
        """The cell's lines before the check call, and the call's argument."""
        *lines, call = self.solution.rstrip().splitlines()
        return lines, CHECK_CALL.match(call).group(2)

    def _definition(self) -> ast.FunctionDef:
        tree = ast.parse(self.solution)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == self.reference:
                return node
        raise ValueError(
            f"{self.label}: the solution cell does not define {self.reference}"
        )

    def stub(self) -> str:
        """The answer cell a student starts from."""
        imports = f"from lecturecode.exercises.{self.module} import {self.check}"
        if not self.is_function:
            return f"{imports}\n\n{self.answer} = ...  # your number"
        fn = self._definition()
        lines = self.solution.splitlines()
        # the def line(s) as written (annotations included), up to the docstring
        header = "\n".join(lines[fn.lineno - 1 : fn.body[0].lineno - 1]).replace(
            f"def {self.reference}(", f"def {self.answer}(", 1
        )
        doc = ast.get_docstring(fn)
        if doc is None:
            raise ValueError(f"{self.label}: {self.reference} has no docstring")
        doc = textwrap.indent(f'"""{doc}"""', "    ")
        imports = "\n".join([*self._imports_for(header), imports])
        return f"{imports}\n\n\n{header}\n{doc}\n    ...\n"

    def _imports_for(self, header: str) -> list[str]:
        """The solution cell's own imports of the names the def line uses (its
        annotations: ``torch``, ``nn``), so the stub runs in any notebook."""
        used = {
            node.id
            for node in ast.walk(ast.parse(f"{header}\n    ..."))
            if isinstance(node, ast.Name)
        }
        return [
            ast.unparse(node)
            for node in ast.parse(self.solution).body
            if isinstance(node, ast.Import | ast.ImportFrom)
            and {(a.asname or a.name).split(".")[0] for a in node.names} & used
        ]

    def filled(self) -> str:
        """The answer cell filled with the reference solution, as the tests (and
        an instructor trying the grader) submit it."""
        lines, value = self._body()
        if self.is_function:
            value = self.reference
        return "\n".join([*lines, f"{self.answer} = {value}"])

    def reference_answer(self):
        """The reference answer itself: the solution cell run on its own (the
        chapter's earlier cells are not run, so the cell must import what it
        uses), without its check call."""
        namespace = {}
        exec(compile(self.filled(), f"<{self.label}>", "exec"), namespace)
        return namespace[self.answer]


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
    removed_text: list[str]  # every line removed as a solution


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


def hidden_tests(module: str, root: Path = ROOT) -> set[str]:
    """The names of the hidden tests in ``hidden_tests/<module>.py`` (read, not
    imported: the folder is the instructor's, outside the package)."""
    path = root / HIDDEN / f"{module}.py"
    if not path.exists():
        return set()
    return {
        node.name
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("hidden_")
    }


def test_file(exercise: CodeExercise, hidden: bool = False, root: Path = ROOT):
    """The otter test file of one exercise: one point, the chapter's check, and
    with ``hidden`` its hidden test (when it has one), all or nothing."""
    has_hidden = hidden and exercise.hidden in hidden_tests(exercise.module, root)
    return answers.test_file(
        exercise.label,
        exercise.module,
        exercise.check,
        exercise.answer,
        exercise.hidden if has_hidden else None,
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


def graded_chapters(root: Path = ROOT) -> dict[str, list[CodeExercise]]:
    """``{chapter: its code exercises}`` for every chapter that has some, in
    reading order (chapters as ``_toc.yml`` names them, ``book/x/y``)."""
    graded = {}
    for name in toc_chapters(root):
        source = root / f"{name}.md"
        if is_notebook(source) and (exercises := chapter_exercises(source)):
            graded[name] = exercises
    return graded


def expected_tables(root: Path = ROOT) -> dict[Path, dict]:
    """What ``lecturecode/exercises/expected.json`` and
    ``hidden_tests/expected.json`` hold: for every entry a check or hidden test
    module declares in ``EXPECTED_CASES`` (``{name: (rel, inputs)}``), the digest
    of the reference answer, computed from the chapter's solution cell (the
    number itself, or the solution function on each input; an answer that is a
    pair gets a digest an item, keys ending in ``[0]``, ``[1]``)."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    by_check = {
        e.check: e
        for exercises in graded_chapters(root).values()
        for e in exercises
    }
    modules = {e.module for e in by_check.values()}
    tables = {}
    for package, folder in (
        ("lecturecode.exercises", root / "lecturecode" / "exercises"),
        (HIDDEN, root / HIDDEN),
    ):
        table = {}
        for module in sorted(modules):
            if not (folder / f"{module}.py").exists():
                continue
            declared = getattr(
                importlib.import_module(f"{package}.{module}"), "EXPECTED_CASES", {}
            )
            for name, (rel, inputs) in declared.items():
                exercise = by_check["check_" + name.split("_", 1)[1]]
                answer = exercise.reference_answer()
                if inputs is None:
                    table[name] = expected_entry(name, answer, rel)
                    continue
                for args in inputs:
                    key = f"{name}{tuple(args)!r}"
                    value = answer(*args)
                    if isinstance(value, tuple | list):  # one digest an item
                        for i, item in enumerate(value):
                            table[f"{key}[{i}]"] = expected_entry(
                                f"{key}[{i}]", item, rel)
                    else:
                        table[key] = expected_entry(key, value, rel)
        tables[folder / "expected.json"] = dict(sorted(table.items()))
    return tables


def write_expected(root: Path = ROOT) -> list[Path]:
    """Rewrite both ``expected.json`` files from the chapters (see
    :func:`expected_tables`)."""
    written = []
    for path, table in expected_tables(root).items():
        path.write_text(json.dumps(table, indent=1) + "\n")
        written.append(path)
    return written


def removed_text(source: Path) -> list[str]:
    """Every non-blank line that the student edition removes from ``source``."""
    return _parse(jupytext.read(source)).removed_text


def student_notebook(
    source: Path, repo: str, root: Path = ROOT, install: str | None = None
):
    """One chapter as a student notebook (see the module's docstring). Its first
    cell installs ``lecturecode @ git+<repo>``, or the pip requirement
    ``install`` (a wheel's URL, say) when given."""
    notebook = export_chapter(source, repo)
    install_cell, rest = notebook.cells[0], nbformat.from_dict(notebook)
    if install is not None:
        install_cell.source = install_cell.source.replace(
            f"lecturecode @ git+{repo}", install
        )
    rest.cells = rest.cells[1:]
    parsed = _parse(rest)
    name = source.relative_to(root).with_suffix("").as_posix()
    cells = [install_cell]
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
    defined, used, local = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else defined).add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            defined.add(node.name)
            if isinstance(node, ast.FunctionDef):  # its arguments and locals
                local |= {a.arg for a in ast.walk(node.args)
                          if isinstance(a, ast.arg)}
                local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                          and not isinstance(n.ctx, ast.Load)}
    # a name only a function binds for itself is no use of the chapter's
    return defined - local, used - (local - defined)


def export_student(
    repo: str, out: Path, root: Path = ROOT, install: str | None = None
) -> list[Path]:
    """Write every notebook chapter under ``out`` as a student notebook."""
    written = []
    for name in toc_chapters(root):
        source = root / f"{name}.md"
        if not is_notebook(source):
            continue
        target = out / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student_notebook(source, repo, root, install), target)
        written.append(target)
    return written
