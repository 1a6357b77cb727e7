"""The results file, as the results chapter shows it.

``python -m lecturecode figures --scale full`` (the GPU job) writes
``book/full/results.json``. Until a full-scale run has been committed, the chapter
shows a run of the same command at the quick scale, ``book/quick/results.json``, and
says so; ``LECTURE_RESULTS=<folder>`` points it at any other run.
"""

import math
import os
from dataclasses import dataclass
from pathlib import Path

from .jobs import FULL_OUTPUT, RESULTS_FILE, ROOT, read_results

QUICK_OUTPUT = ROOT / "book" / "quick"
ENV_VAR = "LECTURE_RESULTS"
# JSON Schema of the results file (the tests validate every run against it).
SCHEMA_FILE = Path(__file__).with_name("results.schema.json")


def results_dir() -> Path:
    """The folder whose ``results.json`` the book shows: ``$LECTURE_RESULTS``, else
    the full-scale run, else the quick-scale one."""
    if os.environ.get(ENV_VAR):
        candidates = [Path(os.environ[ENV_VAR])]
    else:
        candidates = [FULL_OUTPUT, QUICK_OUTPUT]
    for folder in candidates:
        if (folder / RESULTS_FILE).exists():
            return folder
    raise FileNotFoundError(
        f"no {RESULTS_FILE} in {', '.join(map(str, candidates))}: run "
        "`python -m lecturecode figures --scale full` (on a GPU) first"
    )


def load_results(folder: Path | None = None) -> dict:
    return read_results(folder or results_dir())


def has_likelihood(record: dict) -> bool:
    """Whether a record carries a finite test NLL."""
    nll = record.get("test_nll")
    return isinstance(nll, int | float) and math.isfinite(nll)


def likelihood_records(results: dict) -> list[dict]:
    """Records with a test NLL, tagged with their job, by data set and NLL."""
    rows = []
    for job, entry in results["jobs"].items():
        for record in entry["records"]:
            if has_likelihood(record):
                rows.append({**record, "job": job})
    return sorted(rows, key=lambda r: (r["dataset"], r["test_nll"]))


@dataclass(frozen=True)
class Reference:
    """A number we did not produce: published, or measured on our split with a
    reference implementation. ``source`` is a bibliography key."""

    model: str
    dataset: str
    test_nll: float
    source: str
    note: str = ""


BINARIZED_MNIST = "binarized MNIST (28 x 28)"

# Test NLL in nats per image, from the papers' tables.
PUBLISHED = (
    Reference("FVSBN", BINARIZED_MNIST, 97.45, "larochelle2011nade"),
    Reference("NADE", BINARIZED_MNIST, 88.86, "larochelle2011nade"),
    Reference(
        "MADE, 1 hidden layer, 1 mask", BINARIZED_MNIST, 88.40, "germain2015made"
    ),
    Reference(
        "MADE, 2 hidden layers, 32 masks", BINARIZED_MNIST, 86.64, "germain2015made"
    ),
    Reference("PixelCNN", BINARIZED_MNIST, 81.30, "vandenoord2016pixelrnn"),
    Reference(
        "PixelRNN (Diagonal BiLSTM, 7 layers)",
        BINARIZED_MNIST,
        79.20,
        "vandenoord2016pixelrnn",
    ),
)

# Reference implementations run by the book's team on exactly our digits splits.
PEERS = (
    Reference("independent pixels", "binarized digits", 24.91, "team"),
    Reference("FVSBN (logistic regressions)", "binarized digits", 18.44, "team"),
    Reference(
        "MADE, `pytorch-made`, 1 mask",
        "binarized digits",
        18.02,
        "karpathy2018made",
        "one hidden layer of 500, 1000 epochs",
    ),
    Reference(
        "MADE, `pytorch-made`, 32-mask ensemble",
        "binarized digits",
        18.19,
        "karpathy2018made",
        "averages logits, not probabilities",
    ),
    Reference(
        "RealNVP, *Deep Generative Modeling* code",
        "grey digits",
        167.0,
        "tomczak2022deep",
        "8 couplings; about 167, bound counted in full",
    ),
    Reference(
        "autoregressive (causal 1-D convolutions), *Deep Generative Modeling* code",
        "grey digits",
        86.34,
        "tomczak2022deep",
    ),
)


def _cell(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def markdown_table(header: list[str], rows: list[list]) -> str:
    """A MyST table; numbers formatted, ``None`` shown as a dash."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def likelihood_tables(results: dict) -> str:
    """One table per data set, one row per likelihood model: the NLL, its gap to
    the data's entropy where that is known (``extra["gap"]``), and a link to the
    chapter (the job's, unless the record names its own in ``extra["chapter"]``)."""
    by_dataset: dict[str, list] = {}
    for r in likelihood_records(results):
        chapter = (r.get("extra") or {}).get("chapter") or results["jobs"][
            r["job"]
        ]["chapter"]
        bits, gap = r.get("bits_per_dim"), (r.get("extra") or {}).get("gap")
        by_dataset.setdefault(r["dataset"], []).append(
            [
                r["model"],
                r["test_nll"],
                None if gap is None else f"{gap:.3f}",
                None if bits is None else f"{bits:.3f}",
                r.get("parameters"),
                r.get("train_seconds"),
                f"{{doc}}`{Path(chapter).name.replace('_', ' ')} </{chapter}>`",
            ]
        )
    header = [
        "model",
        "test NLL (nats)",
        "gap to entropy",
        "bits/dim",
        "parameters",
        "training (s)",
        "chapter",
    ]
    return "\n\n".join(
        f"**{dataset}**\n\n" + markdown_table(header, rows)
        for dataset, rows in by_dataset.items()
    )


def other_measurements(results: dict) -> str:
    """The records without a likelihood (GAN mode coverage, the adding problem,
    timings): one row each, with the scalar measurements they carry."""
    rows = []
    for job, entry in results["jobs"].items():
        for r in entry["records"]:
            if has_likelihood(r):
                continue
            fields = {**r, **(r.get("extra") or {})}
            skip = {
                "model",
                "dataset",
                "test_nll",
                "bits_per_dim",
                "device",
                "scale",
            }
            measured = ", ".join(
                f"{key} = {_cell(value, 3)}"
                for key, value in fields.items()
                if key not in skip
                and isinstance(value, int | float)
                and not isinstance(value, bool)
            )
            rows.append([job, r["dataset"], r["model"], measured])
    return markdown_table(["job", "data set", "model", "measured"], rows)


def references_table(references, pixels: int | None = None) -> str:
    """Peer or published numbers and sources; bits/dim given ``pixels``."""
    rows = []
    for ref in references:
        source = (
            "measured by the book's team"
            if ref.source == "team"
            else (f"{{cite:t}}`{ref.source}`")
        )
        row = [ref.dataset, ref.model, ref.test_nll]
        if pixels:
            row.append(f"{ref.test_nll / (pixels * math.log(2)):.3f}")
        rows.append([*row, source, ref.note or "–"])
    header = ["data set", "model", "test NLL (nats)"]
    header += ["bits/dim"] if pixels else []
    return markdown_table(header + ["source", "note"], rows)


def jobs_table(results: dict) -> str:
    """What each job cost, where it ran, and from which revision of the code."""
    rows = [
        [
            name,
            entry["scale"],
            entry["device_name"],
            entry["seconds"],
            len(entry["records"]),
            entry["git_revision"][:12],
            entry["finished"],
        ]
        for name, entry in results["jobs"].items()
    ]
    header = [
        "job",
        "scale",
        "device",
        "wall time (s)",
        "records",
        "revision",
        "finished (UTC)",
    ]
    return markdown_table(header, rows)
