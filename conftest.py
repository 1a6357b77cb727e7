"""Test-suite setup shared by the package tests and the chapter runs.

* Chapters run at the ``smoke`` scale unless ``LECTURE_SCALE`` says otherwise.
* Notebook kernels import ``lecturecode`` from this checkout, whatever is installed.
* Every MyST-markdown chapter in ``book/`` (a ``.md`` file with a jupytext header) is
  collected as a notebook and run cell by cell through nbval; node ids look like
  ``book/flows/change_of_variables.md::Cell 3``. The kernel runs in the chapter's
  folder, as in the book build. Chapters carry no stored outputs, so their checks
  are ``assert`` statements in the cells.
"""

import os
from pathlib import Path
from unittest import mock

import jupytext
from nbval.plugin import IPyNbFile

from lecturecode.notebooks import is_notebook
from lecturecode.paths import ROOT

os.environ.setdefault("LECTURE_SCALE", "smoke")
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
)


class MystNotebook(IPyNbFile):
    """nbval's notebook collector, reading a MyST markdown chapter through jupytext."""

    def collect(self):
        self.compare_outputs = False  # nothing stored to compare against
        notebook = jupytext.read(self.path)
        with mock.patch("nbval.plugin.nbformat.read", return_value=notebook):
            yield from super().collect()


def pytest_collect_file(file_path: Path, parent):
    if "book" in file_path.relative_to(ROOT).parts[:1] and is_notebook(file_path):
        return MystNotebook.from_parent(parent, path=file_path)
