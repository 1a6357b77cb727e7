"""Executed chapters are cached, and a cached page is never stale.

myst-nb's cache (jupyter-cache, ``execute_notebooks: cache``) keys each chapter on
its code cells: a prose-only edit re-executes nothing, an edit of a code cell
re-executes that chapter. What a chapter computes also depends on what its code
imports and reads, which the cells do not show: the ``lecturecode`` package, the
scale, the committed results (the results chapter shows them) and the installed
libraries. So the cache lives in a folder named after a fingerprint of all of them,
``<cache>/<scale>-<fingerprint>``: any change to one of them starts an empty folder,
and every chapter is executed again. The folders of older fingerprints of the same
scale are deleted; those of the other scales are kept, so that a smoke build
between two quick ones costs the quick cache nothing.

The fingerprint (:func:`execution_fingerprint`) hashes

- ``code_fingerprint()`` of the model cache: every file of the package, and the
  torch and Python versions;
- the scale (``LECTURE_SCALE``);
- the folder of results the book shows (``results_dir()``, ``LECTURE_RESULTS``)
  and every file in it;
- the name and version of every installed distribution.

``BOOK_EXECUTION_CACHE=off`` executes every chapter (myst-nb's ``force`` mode).
"""

import hashlib
import importlib.metadata
import os
import shutil
from pathlib import Path

SWITCH = "BOOK_EXECUTION_CACHE"


def _results_part() -> str:
    from lecturecode.results import RESULTS_VARIABLE, results_dir

    try:
        folder = results_dir()
    except FileNotFoundError:
        return "results: none"
    digest = hashlib.sha256(os.environ.get(RESULTS_VARIABLE, "").encode())
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return f"results: {folder.name} {digest.hexdigest()}"


def _distributions_part() -> str:
    names = sorted(
        f"{dist.metadata['Name']}=={dist.version}"
        for dist in importlib.metadata.distributions()
        if dist.metadata["Name"]
    )
    return "distributions: " + " ".join(names)


def execution_fingerprint() -> str:
    """What the outputs of a chapter depend on, besides its own code cells."""
    from lecturecode.experiments.cache import code_fingerprint
    from lecturecode.scale import current_scale

    parts = [
        f"package: {code_fingerprint()}",
        f"scale: {current_scale()}",
        _results_part(),
        _distributions_part(),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def cache_folder(base: Path) -> Path:
    """The folder of this build's fingerprint under ``base``; the folders of
    other fingerprints of the same scale are removed."""
    from lecturecode.scale import current_scale

    scale = current_scale()
    folder = base / f"{scale}-{execution_fingerprint()}"
    if base.is_dir():
        for old in base.glob(f"{scale}-*"):
            if old.is_dir() and old != folder:
                shutil.rmtree(old, ignore_errors=True)
    return folder


def _configure(app, config):
    if os.environ.get(SWITCH, "").lower() == "off":
        config.nb_execution_mode = "force"
        return
    if config.nb_execution_mode != "cache":
        return
    base = config.nb_execution_cache_path
    base = Path(base) if base else Path(app.outdir).parent / ".jupyter_cache"
    folder = cache_folder(base.resolve())
    config.nb_execution_cache_path = str(folder)


def setup(app):
    # myst-nb reads nb_execution_cache_path when the builder starts
    app.connect("config-inited", _configure, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
