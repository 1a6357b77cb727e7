"""The chapters exported as notebooks for Colab: what the deploy workflow publishes."""


import jupytext
import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbclient import NotebookClient

from lecturecode import notebooks
from lecturecode.paths import ROOT

REPO = "https://github.com/lecture18/book"


def test_a_chapter_is_its_cells_after_one_install_cell():
    source = ROOT / "book" / "flows" / "coupling.md"
    exported = notebooks.export_chapter(source, REPO)
    original = jupytext.read(source)
    assert exported.cells[0].cell_type == "code"
    assert f'"lecturecode @ git+{REPO}"' in exported.cells[0].source
    assert [c.source for c in exported.cells[1:]] == [
        c.source for c in original.cells
    ]
    assert exported.metadata.kernelspec.name == "python3"


def test_the_install_cell_is_valid_ipython():
    cell = notebooks.INSTALL_CELL.format(repo=REPO)
    python = TransformerManager().transform_cell(cell)
    assert "run_line_magic('pip'" in python
    compile(python, "<install cell>", "exec")


def test_bad_repository_urls_are_refused():
    with pytest.raises(ValueError, match="https://"):
        notebooks.export_chapter(ROOT / "book" / "results.md", "github.com/x/y")


def test_every_notebook_chapter_is_exported_and_nothing_else(tmp_path):
    written = notebooks.export_chapters(REPO, tmp_path)
    names = {str(p.relative_to(tmp_path).with_suffix("")) for p in written}
    assert "book/flows/coupling" in names and "book/results" in names
    assert "book/bibliography" not in names and "book/intro" not in names
    for path in written:
        nbformat.validate(nbformat.read(path, as_version=4))


def test_an_exported_notebook_runs(tmp_path):
    """The results chapter (quick to run) as a reader outside the book runs it."""
    notebooks.export_chapters(REPO, tmp_path)
    path = tmp_path / "book" / "results.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=300, resources={"metadata": {"path": ROOT / "book"}}
    ).execute()
    assert not any(
        output.get("output_type") == "error"
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
