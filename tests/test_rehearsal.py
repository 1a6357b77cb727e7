"""The GPU lease's one command, rehearsed: ``scripts/full-scale.sh`` exactly as a
lease runs it (the same script, entry point and flags), at the smoke scale on the
CPU, with the book's own packages made unimportable as on the GPU machine; then
the packed files as the machine returns them, and their unpacking into a copy of
``book/full``. Every job runs here, with a budget: this is also the test that
every job works end to end."""

import json
import os
import re
import subprocess
import sys

import jsonschema
import pytest

from lecturecode import packing, records
from lecturecode.experiments import JOBS
from lecturecode.paths import ROOT

MINUTES = 0.5
# What the GPU machine lacks of this environment (see /work/shared/TOOLCHAIN.md):
# the book's toolchain. The script must not need it.
ABSENT = ["jupytext", "nbformat", "otter", "jupyter_book", "myst_nb", "nbval",
          "jsonschema", "IPython", "sphinx", "playwright", "yaml"]
BARE = f"""
import sys

class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {ABSENT!r}:
            raise ImportError(f"{{name}} is not on the GPU machine")

sys.meta_path.insert(0, Absent())
"""


@pytest.fixture(scope="module")
def lease(tmp_path_factory):
    """One rehearsal of the script: its output, the run's folder, what came
    back, and the run's folder unpacked into a fresh ``book/full``."""
    tmp = tmp_path_factory.mktemp("lease")
    (tmp / "bare").mkdir()
    (tmp / "bare" / "sitecustomize.py").write_text(BARE)
    env = {**os.environ, "PYTHONPATH": str(tmp / "bare"), "SCALE": "smoke",
           "MINUTES": str(MINUTES), "LIMIT": "300", "RUN": str(tmp / "run"),
           "RESUME_FROM": str(tmp / "nothing"), "OUT": str(tmp / "out"),
           "PYTHON": sys.executable, "LECTURE_MODEL_CACHE": str(tmp / "cache")}
    script = subprocess.run([str(ROOT / "scripts" / "full-scale.sh")], env=env,
                            cwd=tmp, capture_output=True, text=True, timeout=600)
    book_full = tmp / "book_full"
    unpacked = subprocess.run(
        [sys.executable, "-m", "lecturecode", "unpack", str(tmp / "out"),
         "--into", str(book_full)], cwd=ROOT, capture_output=True, text=True)
    return script, tmp / "run", tmp / "out", book_full, unpacked


def test_the_script_runs_every_job_and_packs_the_results(lease):
    script, run, out, _, _ = lease
    assert script.returncode == 0, script.stdout[-2000:] + script.stderr[-3000:]
    results = json.loads((run / "results.json").read_text())
    jsonschema.validate(results, json.loads(records.SCHEMA_FILE.read_text()))
    assert set(results["jobs"]) == set(JOBS)
    for name, entry in results["jobs"].items():
        assert entry["records"], f"{name} returned no records"
        assert entry["calls"] == 1 and entry["budget_seconds"] >= 0
        assert all(t["steps_done"] >= 1 for t in entry["trainings"]), name
        for figure in entry["figures"]:
            assert (run / figure).exists()
    cut = [t for e in results["jobs"].values() for t in e["trainings"]
           if t["stopped"] == "budget"]
    assert cut and all(t["steps_done"] < t["steps_planned"] for t in cut)


def test_the_run_keeps_to_its_budget(lease):
    script = lease[0]
    total = float(re.search(r"^total ([\d.]+) s", script.stdout, re.M).group(1))
    assert total <= 1.1 * 60 * MINUTES, script.stdout[-3000:]


def test_what_comes_back_fits_the_machine_s_limits(lease):
    out = lease[2]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"results.json", packing.FIGURES}
    assert len(files) <= 8
    assert all(p.stat().st_size <= 16 * 2**20 for p in files)
    assert sum(p.stat().st_size for p in files) <= 64 * 2**20
    assert all(len(p.relative_to(out).parts) <= 3 for p in files)
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", p.name) for p in files)


def test_unpacking_puts_the_run_back_as_it_was(lease):
    _, run, out, book_full, unpacked = lease
    assert unpacked.returncode == 0, unpacked.stderr[-3000:]
    assert ((book_full / "results.json").read_bytes()
            == (run / "results.json").read_bytes())
    figures = sorted(p.relative_to(run) for p in (run / "figures").rglob("*.png"))
    assert figures and figures == sorted(
        p.relative_to(book_full) for p in (book_full / "figures").rglob("*.png"))
    for figure in figures:
        assert (book_full / figure).read_bytes() == (run / figure).read_bytes()
    if list(out.glob(f"{packing.CHECKPOINTS}.*")):
        saved = sorted(p.name for p in (run / "checkpoints").iterdir())
        assert saved == sorted(p.name for p in (book_full / "checkpoints").iterdir())
    assert (book_full / ".gitignore").read_text() == "checkpoints/\n"


def test_what_does_not_fit_is_left_out_or_refused(tmp_path, lease):
    run = lease[1]
    with pytest.raises(ValueError, match="no results"):
        packing.pack(tmp_path / "empty", tmp_path / "out")
    # of the checkpoints, the smallest go back, as many as the files can carry
    saved = sorted(p.stat().st_size for p in (run / "checkpoints").iterdir())
    part = saved[len(saved) // 2] + 1024
    written = packing.pack(run, tmp_path / "small", part_bytes=part)
    parts = [p for p in written if p.name.startswith(packing.CHECKPOINTS)]
    assert len(written) <= packing.MAX_FILES and 1 <= len(parts) <= 6
    assert all(p.stat().st_size <= part for p in parts)
    back = tmp_path / "back"
    packing.unpack(tmp_path / "small", back)
    kept = sorted(p.stat().st_size for p in (back / "checkpoints").iterdir())
    assert 0 < len(kept) < len(saved) and kept == saved[: len(kept)]
