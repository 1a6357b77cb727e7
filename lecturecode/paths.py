"""Where the checkout's pieces are: the one repository root, and the folders the
results file is written to."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FULL_OUTPUT = ROOT / "book" / "full"  # the GPU run the book shows
QUICK_OUTPUT = ROOT / "book" / "quick"  # shown until a full run is committed
