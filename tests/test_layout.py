"""The package's import graph runs one way: no circle, nothing below the runner
imports it, and every job is declared once and collected in one registry."""

import ast
import types

import pytest

from lecturecode.experiments import JOBS, MODULES
from lecturecode.experiments.base import jobs_of, register
from lecturecode.paths import ROOT

PACKAGE = ROOT / "lecturecode"


def module_name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """``{module: the lecturecode modules it imports}``, from the source."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")
                base = base[: len(base) - node.level + 1] if node.level else []
                origin = ".".join([*base, *filter(None, [node.module])])
                for alias in node.names:
                    full = f"{origin}.{alias.name}"
                    targets.add(full if full in modules else origin)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def circles(graph) -> list[list[str]]:
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_the_import_graph_has_no_circle():
    assert circles(import_graph()) == []


def test_the_circle_finder_finds_one():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


@pytest.mark.parametrize(
    ("below", "above"),
    [
        ("lecturecode.experiments", "lecturecode.jobs"),
        ("lecturecode.experiments", "lecturecode.cli"),
        ("lecturecode.results", "lecturecode.jobs"),
        ("lecturecode.notebooks", "lecturecode.jobs"),
        ("lecturecode.train", "lecturecode.experiments"),
        # the diagrams are drawn from the models: no model imports them
        ("lecturecode.flows", "lecturecode.diagrams"),
        ("lecturecode.autoregressive", "lecturecode.diagrams"),
        ("lecturecode.sequence", "lecturecode.diagrams"),
        ("lecturecode.gan", "lecturecode.diagrams"),
        ("lecturecode.nets", "lecturecode.diagrams"),
    ],
)
def test_no_arrow_runs_up(below, above):
    graph = import_graph()
    upward = [
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module == below or module.startswith(f"{below}.")
        for target in targets
        if target == above or target.startswith(f"{above}.")
    ]
    assert upward == []


def test_every_job_is_declared_once_and_registered():
    declared = [
        job.name
        for module in MODULES
        for job in vars(module).values()
        if job in JOBS.values()
    ]
    assert sorted(declared) == sorted(JOBS)
    assert {job.run.__module__ for job in JOBS.values()} == {
        module.__name__ for module in MODULES
    }


def test_two_jobs_of_one_name_are_refused():
    def module(name):
        declared = types.ModuleType(name)

        def run(context):
            return []

        run.__module__ = name
        declared.job = register("same", chapter="book/x", description="")(run)
        return declared

    with pytest.raises(ValueError, match="two jobs are called 'same'"):
        jobs_of([module("a"), module("b")])
