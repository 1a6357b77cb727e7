"""Where the checkout's pieces are: the one repository root, and the folders the
results file is written to.

A wheel carries no checkout: its build copies the committed runs (``book/full``,
``book/quick``) into the package, as ``COMMITTED / "full"`` and ``"quick"`` (see
``setup.py``); :func:`lecturecode.results.results_dir` looks in both places."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
FULL_OUTPUT = ROOT / "book" / "full"  # the GPU run the book shows
QUICK_OUTPUT = ROOT / "book" / "quick"  # shown until a full run is committed
COMMITTED = PACKAGE / "committed"  # the two runs, as a wheel ships them
