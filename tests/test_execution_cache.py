"""The execution cache of the book build (book/_ext/execution_cache.py): a prose-only
edit re-executes nothing, a change to the package (or the scale, or the committed
results) re-executes everything, so a cached page is never stale.

The end-to-end test builds a one-chapter Sphinx project with myst-nb in cache mode
and the extension, in this process (so the package's fingerprint can be changed),
with a cell whose output differs on every execution."""

import re
import sys
import textwrap

import pytest

from lecturecode.experiments import cache
from lecturecode.paths import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import execution_cache  # noqa: E402

CHAPTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter

{prose}

```{{code-cell}} ipython3
import uuid
print("run", uuid.uuid4().hex)
```
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A book of one chapter; ``build(prose)`` builds it and returns the id its cell
    printed."""
    monkeypatch.delenv(execution_cache.SWITCH, raising=False)
    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(ROOT / "book" / "_ext")!r})
            extensions = ["myst_nb", "execution_cache"]
            nb_execution_mode = "cache"
            exclude_patterns = ["_build"]
            """
        )
    )

    def build(prose: str) -> str:
        from sphinx.application import Sphinx

        (source / "index.md").write_text(CHAPTER.format(prose=prose))
        out = tmp_path / "_build"
        app = Sphinx(
            str(source), str(source), str(out / "html"), str(out / "doctrees"),
            "html", status=None, warning=None, freshenv=True,
        )
        app.build()
        html = (out / "html" / "index.html").read_text()
        return re.search(r"run ([0-9a-f]{32})", html).group(1)

    return build


def test_prose_edits_reuse_and_package_changes_re_execute(project, monkeypatch):
    first = project("Some prose.")
    assert project("Other prose, same code.") == first  # from the cache
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "an edited package")
    changed = project("Other prose, same code.")
    assert changed != first  # executed again
    assert project("Prose again.") == changed


def test_the_fingerprint_covers_package_scale_and_results(monkeypatch, tmp_path):
    monkeypatch.setenv("LECTURE_SCALE", "smoke")
    results = tmp_path / "run"
    results.mkdir()
    (results / "results.json").write_text('{"schema": 1, "jobs": {}}')
    monkeypatch.setenv("LECTURE_RESULTS", str(results))
    base = execution_cache.execution_fingerprint()
    assert execution_cache.execution_fingerprint() == base  # stable

    monkeypatch.setenv("LECTURE_SCALE", "quick")
    assert execution_cache.execution_fingerprint() != base
    monkeypatch.setenv("LECTURE_SCALE", "smoke")

    (results / "figure.png").write_bytes(b"a new figure")
    assert execution_cache.execution_fingerprint() != base
    (results / "figure.png").unlink()
    assert execution_cache.execution_fingerprint() == base

    monkeypatch.setattr(cache, "code_fingerprint", lambda: "an edited package")
    assert execution_cache.execution_fingerprint() != base


def test_old_folders_of_the_same_scale_are_removed(monkeypatch, tmp_path):
    monkeypatch.setenv("LECTURE_SCALE", "smoke")
    for name in ("smoke-old", "quick-kept"):
        (tmp_path / name).mkdir()
    folder = execution_cache.cache_folder(tmp_path)
    assert folder.name.startswith("smoke-") and folder.parent == tmp_path
    assert not (tmp_path / "smoke-old").exists()
    assert (tmp_path / "quick-kept").exists()
