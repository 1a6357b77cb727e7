"""House rules for chapters and code: what a reader sees is the package's code, it fits
the page, and the code is lint-clean."""

import ast
import re
import subprocess
import sys

import jupytext
import pytest

from lecturecode.paths import ROOT

CHAPTERS = sorted(
    path
    for path in (ROOT / "book").rglob("*.md")
    if "kernelspec:" in path.read_text().split("\n---", 1)[0]
)
WIDTH = 84  # what the book's code column shows at 1280 px without scrolling


def code_cells(path):
    return [c.source for c in jupytext.read(path).cells if c.cell_type == "code"]


def test_there_are_chapters():
    assert CHAPTERS


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_chapter_is_a_python_notebook(path):
    notebook = jupytext.read(path)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert (
        notebook.metadata["jupytext"]["text_representation"]["format_name"]
        == "myst"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_chapter_defines_no_models_inline(path):
    """Models live in lecturecode, where they are tested; chapters import them."""
    for source in code_cells(path):
        assert not re.search(r"^\s*class\s", source, re.M), source[:200]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_chapter_code_fits_the_page(path):
    long = [
        line
        for s in code_cells(path)
        for line in s.splitlines()
        if len(line) > WIDTH
    ]
    assert long == []


def shown_code(path):
    """``(file, options)`` of every ``literalinclude`` in a page."""
    pattern = r"```\{literalinclude\} (\S+)\n((?::[^\n]*\n)*)"
    for match in re.finditer(pattern, path.read_text()):
        options = dict(re.findall(r":([\w-]+):[ ]?(.*)", match.group(2)))
        yield (path.parent / match.group(1)).resolve(), options


def missing_code(path) -> list[str]:
    """What a page shows from the package that the package does not have: a
    file, a ``:pyobject:`` or a ``:start-after:``/``:end-before:`` marker."""
    missing = []
    for source, options in shown_code(path):
        if not source.exists():
            missing.append(str(source))
            continue
        text = source.read_text()
        if "pyobject" in options:
            body = ast.parse(text).body
            for name in options["pyobject"].split("."):
                found = [n for n in body if getattr(n, "name", None) == name]
                if not found:
                    missing.append(f"{source.name}: {options['pyobject']}")
                    break
                body = getattr(found[0], "body", [])
        for key in ("start-after", "end-before"):
            if key in options and options[key].strip('"') not in text:
                missing.append(f"{source.name}: {options[key]}")
    return missing


PAGES = sorted((ROOT / "book").rglob("*.md"))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_shown_code_exists_in_the_package(path):
    assert missing_code(path) == []


def test_missing_shown_code_is_named(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        f"```{{literalinclude}} {ROOT}/lecturecode/nets.py\n:pyobject: gate\n```\n"
        f"```{{literalinclude}} {ROOT}/lecturecode/nets.py\n:pyobject: MaskedLinear.nope\n```\n"
        f"```{{literalinclude}} {ROOT}/lecturecode/gone.py\n:pyobject: x\n```\n"
    )
    assert missing_code(page) == [
        "nets.py: MaskedLinear.nope",
        str(ROOT / "lecturecode" / "gone.py"),
    ]


def test_package_code_fits_the_page():
    long = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "lecturecode").rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if len(line) > WIDTH
    ]
    assert long == []


def test_code_is_lint_clean():
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "lecturecode",
            "tests",
            "conftest.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


# A student reads the book front to back: each page at most this long, and the whole
# book (every page of book/, the back matter included) at most the total.
PAGE_LINES = 500
BOOK_LINES = 7_700


def overlong(pages: dict[str, int]) -> list[str]:
    """What breaks the length budget, from ``{page: source lines}``."""
    found = [f"{page}: {n} lines > {PAGE_LINES}"
             for page, n in sorted(pages.items()) if n > PAGE_LINES]
    if sum(pages.values()) > BOOK_LINES:
        found.append(f"the book: {sum(pages.values())} lines > {BOOK_LINES}")
    return found


def test_the_book_stays_within_its_length():
    lines = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in PAGES}
    assert overlong(lines) == []


def test_the_length_check_names_the_page():
    assert overlong({"a.md": PAGE_LINES, "b.md": 1}) == []
    assert overlong({"a.md": PAGE_LINES + 1}) == [f"a.md: {PAGE_LINES + 1} lines > 500"]
    assert overlong({f"{i}.md": 400 for i in range(20)}) == [
        f"the book: 8000 lines > {BOOK_LINES}"
    ]


# how a page explains its folded cells: the toggle's name, or "folded ... like the next one"
EXPLAINS_FOLDING = re.compile(
    r"Show\s+code\s+cell\s+source|[Ff]old\w*[^.]{0,80}(?:like|such as) the (?:next|one above)"
)


def test_folded_cells_are_explained_once():
    """The intro says what a folded cell is; no other page says it again."""
    repeats = [str(p.relative_to(ROOT)) for p in PAGES
               if p.name != "intro.md" and EXPLAINS_FOLDING.search(p.read_text())]
    assert repeats == []
    assert EXPLAINS_FOLDING.search((ROOT / "book" / "intro.md").read_text())
