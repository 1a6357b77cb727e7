"""The chapters as stand-alone Jupyter notebooks, for Colab and for download.

The book is written as MyST markdown; Colab opens only ``.ipynb`` files from GitHub.
:func:`export_chapters` converts every chapter named in ``_toc.yml`` with jupytext
and puts one cell in front that installs ``lecturecode`` from the book's repository
when it is missing (on Colab it always is; in a clone it never is). The deploy
workflow publishes the result on the ``notebooks`` branch, which the book's Colab
buttons open.

    python -m lecturecode notebooks --repo https://github.com/OWNER/REPO --out DIR
"""

from pathlib import Path

import jupytext
import nbformat
import yaml

from .paths import ROOT

INSTALL_CELL = """\
# Running outside a clone of the book (on Colab, say)? Install its package first.
import importlib.util

if importlib.util.find_spec("lecturecode") is None:
    %pip install --quiet "lecturecode @ git+{repo}"\
"""


def is_notebook(path: Path) -> bool:
    """A MyST notebook: a markdown file whose front matter names a kernel."""
    if path.suffix != ".md":
        return False
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "kernelspec:" in head.split("\n---", 1)[0]


def toc_chapters(root: Path = ROOT) -> list[str]:
    """The files of ``_toc.yml`` (without suffix), in reading order."""

    def walk(node):
        for key in ("parts", "chapters", "sections"):
            for entry in node.get(key, []):
                if "file" in entry:
                    yield entry["file"]
                yield from walk(entry)

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    return [toc["root"], *walk(toc)]


def export_chapter(source: Path, repo: str) -> nbformat.NotebookNode:
    """One MyST chapter as a notebook with the install cell in front."""
    if not repo.startswith("https://"):
        raise ValueError(f"repo must be an https:// URL, got {repo!r}")
    notebook = jupytext.read(source)
    install = nbformat.v4.new_code_cell(INSTALL_CELL.format(repo=repo))
    notebook.cells.insert(0, install)
    return notebook


def export_chapters(repo: str, out: Path, root: Path = ROOT) -> list[Path]:
    """Write every notebook chapter under ``out`` (same paths, as .ipynb)."""
    written = []
    for name in toc_chapters(root):
        source = root / f"{name}.md"
        if not is_notebook(source):
            continue  # a plain page
        target = out / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(export_chapter(source, repo), target)
        written.append(target)
    return written
