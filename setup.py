"""The committed results go into the wheel.

Two chapters (the results chapter and the multi-scale flows) read the committed run
(``book/full`` when a full-scale run has been committed, ``book/quick`` until then),
which lives outside the package. A notebook run from an installed wheel (Colab, a
download) has no checkout, so the build copies both folders (``results.json`` and
the figures) into the package as ``lecturecode/committed/<scale>/``, where
:func:`lecturecode.results.results_dir` finds them. An editable install reads the
checkout's folders directly and copies nothing. Everything else is in
``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
COMMITTED = ("full", "quick")  # folders of book/ holding a results.json


class BuildPyWithResults(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "lecturecode" / "committed"
        shutil.rmtree(target, ignore_errors=True)  # never a stale run
        for name in COMMITTED:
            source = HERE / "book" / name
            if (source / "results.json").exists():
                shutil.copytree(source, target / name)


setup(cmdclass={"build_py": BuildPyWithResults})
