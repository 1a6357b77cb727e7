"""The chapter tables of the intro and the README list the chapters of _toc.yml."""

import re
from collections import Counter

import pytest

from lecturecode.notebooks import is_notebook, toc_chapters
from lecturecode.paths import ROOT


def chapters() -> set[str]:
    """The toc's chapters: its notebooks (not the intro, the bibliography or the
    execution statistics, which are plain pages), without suffix."""
    return {page for page in toc_chapters() if is_notebook(ROOT / f"{page}.md")}


def table_rows(text: str) -> list[str]:
    """The body rows of the markdown tables in ``text``."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [row for row in rows if not re.fullmatch(r"[|\-: ]+", row)]


def intro_links(text: str) -> list[str]:
    """The ``{doc}`` targets of the intro's table rows, as paths from the root:
    ``{doc}`flows/coupling``` and ``{doc}`text </book/flows/coupling>``` alike."""
    targets = []
    for row in table_rows(text):
        for link in re.findall(r"\{doc\}`([^`]+)`", row):
            target = re.search(r"<([^>]+)>$", link)
            path = target.group(1) if target else link
            targets.append(
                path.lstrip("/") if path.startswith("/") else f"book/{path}"
            )
    return targets


def readme_paths(text: str) -> list[str]:
    """The chapter files named in the README's table rows, without suffix."""
    return [
        path
        for row in table_rows(text)
        for path in re.findall(r"`(book/[^`]+)\.md`", row)
    ]


def check_lists_the_chapters(listed: list[str], where: str):
    problems = {
        "listed twice": sorted(p for p, n in Counter(listed).items() if n > 1),
        "missing": sorted(chapters() - set(listed)),
        "not a chapter": sorted(set(listed) - chapters()),
    }
    found = [f"{what} {pages}" for what, pages in problems.items() if pages]
    if found:
        raise ValueError(
            f"the chapter table of {where} does not match _toc.yml: "
            + "; ".join(found)
        )


@pytest.mark.parametrize(
    ("where", "parse"),
    [("book/intro.md", intro_links), ("README.md", readme_paths)],
)
def test_chapter_table_lists_every_chapter_of_the_toc_once(where, parse):
    check_lists_the_chapters(parse((ROOT / where).read_text()), where)


def test_the_check_names_what_is_wrong():
    listed = sorted(chapters())
    for broken, message in (
        (listed[1:], f"missing \\['{listed[0]}'\\]"),
        ([*listed, listed[0]], f"listed twice \\['{listed[0]}'\\]"),
        ([*listed, "book/nowhere"], "not a chapter \\['book/nowhere'\\]"),
    ):
        with pytest.raises(ValueError, match=message):
            check_lists_the_chapters(broken, "a test")


def test_the_parsers_read_both_link_styles():
    intro = "| a | b |\n|---|---|\n| 18.1 | {doc}`flows/coupling` |\n"
    intro += "| 18.2 | {doc}`NADE </book/autoregressive/nade>` |\n"
    assert intro_links(intro) == ["book/flows/coupling", "book/autoregressive/nade"]
    readme = "| a | b | c |\n|---|---|---|\n| 18.1 | `book/x/y.md` | `lecturecode/z.py` |"
    assert readme_paths(readme) == ["book/x/y"]


def test_every_bibliography_entry_is_cited():
    """An entry nobody cites is a source the book claims without using it. The
    results page's tables cite from code (``lecturecode/results.py``), by key."""
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = re.findall(r"^@\w+\{([^,\s]+),", bib, re.M)
    pages = " ".join(p.read_text() for p in (ROOT / "book").rglob("*.md"))
    cited = set()
    for role in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", pages):
        cited.update(key.strip() for key in role.split(","))
    code = " ".join(p.read_text() for p in (ROOT / "lecturecode").rglob("*.py"))
    cited.update(re.findall(r"\"([a-z]+\d{4}\w*)\"", code))
    assert sorted(set(keys) - cited) == []
