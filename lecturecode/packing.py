"""A run's results packed for the trip back from a GPU machine, and unpacked
into ``book/full``.

A lent GPU machine returns at most :data:`MAX_FILES` files of at most
:data:`MAX_BYTES` each, at most two folders deep. :func:`pack` writes a flat
folder of:

- ``results.json``, as the run wrote it;
- ``figures.tar.gz``, the run's ``figures/`` folder;
- while a job is not complete, ``checkpoints.tar.NN``: the checkpoints the next
  call resumes from (:mod:`lecturecode.budget`), the smallest first, as many as
  the files that are left can carry, cut in parts; those left out are named in
  a warning (their trainings start again on another machine).

:func:`unpack` puts them back: results and figures under ``book/full`` (or any
folder), the checkpoints in its ``checkpoints/`` folder, which a
``.gitignore`` keeps out of commits.
"""

import io
import shutil
import tarfile
from pathlib import Path

from .records import RESULTS_FILE, read_results

MAX_FILES = 8
MAX_BYTES = 16 * 2**20
PART_BYTES = 15 * 2**20  # a checkpoint part, with room to spare
# all the files together: the machine returns 64 MiB, and the next call carries
# them back in with the checkout (about 4 MiB) within the same 64 MiB
MAX_TOTAL = 56 * 2**20
FIGURES = "figures.tar.gz"
CHECKPOINTS = "checkpoints.tar"


def _tar(folder: Path, name: str, mode: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:
        if folder.exists():
            tar.add(folder, arcname=name)
    return buffer.getvalue()


def _checkpoints(folder: Path, room: int) -> tuple[bytes, int]:
    """A tar of the checkpoints in ``folder``, the smallest first, as many as
    fit ``room`` bytes; and how many were left out."""
    files = sorted(folder.glob("*.pt"), key=lambda p: p.stat().st_size)
    chosen, size = [], 0
    for path in files:  # a tar entry: a 512-byte header, the data padded to 512
        size += 512 + -(-path.stat().st_size // 512) * 512
        if size > room:
            break
        chosen.append(path)
    while True:  # the end blocks and the record padding, measured
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for path in chosen:
                tar.add(path, arcname=f"checkpoints/{path.name}")
        if len(buffer.getvalue()) <= room or not chosen:
            break
        chosen.pop()
    return (buffer.getvalue() if chosen else b""), len(files) - len(chosen)


def pack(run: Path, dest: Path, part_bytes: int = PART_BYTES) -> list[Path]:
    """Pack the run in ``run`` into the empty or new folder ``dest``; returns
    the files written. Raises ``ValueError`` when the results or the figures
    alone do not fit the limits."""
    results = read_results(run)
    if not results["jobs"]:
        raise ValueError(f"{run} holds no results to pack")
    dest.mkdir(parents=True, exist_ok=True)
    written = [dest / RESULTS_FILE]
    shutil.copyfile(run / RESULTS_FILE, written[0])
    figures = _tar(run / "figures", "figures", "w:gz")
    (dest / FIGURES).write_bytes(figures)
    written.append(dest / FIGURES)
    incomplete = [n for n, e in results["jobs"].items()
                  if not e.get("complete", True)]
    if incomplete and (run / "checkpoints").exists():
        room = min((MAX_FILES - len(written)) * part_bytes,
                   MAX_TOTAL - sum(p.stat().st_size for p in written))
        data, left_out = _checkpoints(run / "checkpoints", room)
        for k in range(0, len(data), part_bytes):
            written.append(dest / f"{CHECKPOINTS}.{k // part_bytes:02d}")
            written[-1].write_bytes(data[k : k + part_bytes])
        if left_out:
            print(f"warning: {left_out} checkpoints do not fit the files that go "
                  "back; a later call on this machine still resumes from them, "
                  "elsewhere their trainings start again")
    for path in written:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"{path.name} takes {path.stat().st_size:,} bytes, "
                             f"more than {MAX_BYTES:,}")
    return written


def unpack(src: Path, into: Path) -> list[Path]:
    """Put a packed run from ``src`` back into ``into``: its results file and
    figures (replacing those there), and its checkpoints, if any. Returns the
    results file and the figures."""
    if not (src / RESULTS_FILE).exists():
        raise ValueError(f"{src} holds no {RESULTS_FILE}: not a packed run")
    read_results(src)  # a results file of this schema, or ValueError
    into.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(into / "figures", ignore_errors=True)
    with tarfile.open(src / FIGURES, "r:gz") as tar:
        tar.extractall(into, filter="data")
    parts = sorted(src.glob(f"{CHECKPOINTS}.*"))
    shutil.rmtree(into / "checkpoints", ignore_errors=True)
    if parts:
        data = b"".join(p.read_bytes() for p in parts)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
            tar.extractall(into, filter="data")
    ignore_checkpoints(into)
    shutil.copyfile(src / RESULTS_FILE, into / RESULTS_FILE)
    return [into / RESULTS_FILE,
            *sorted((into / "figures").rglob("*.png"))]


def ignore_checkpoints(folder: Path) -> None:
    """Keep ``folder/checkpoints`` out of commits (a ``.gitignore`` beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("checkpoints/\n")
