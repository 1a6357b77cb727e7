"""The results file, as the results chapter shows it.

``python -m lecturecode figures --scale full`` (the GPU job) writes
``book/full/results.json``. Until a full-scale run has been committed, the chapter
shows a run of the same command at the quick scale, ``book/quick/results.json``, and
says so; ``LECTURE_RESULTS=<folder>`` points it at any other run. An installed wheel
has no checkout and carries copies of both folders (``lecturecode/committed/``).
"""

import math
import os
import statistics
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt

from .paths import COMMITTED, FULL_OUTPUT, QUICK_OUTPUT
from .records import RESULTS_FILE, read_results, recipe_card

RESULTS_VARIABLE = "LECTURE_RESULTS"
# What a row's recipe says where its runs recorded none (a run made before
# :func:`~lecturecode.experiments.base.evaluate` recorded recipes).
NOT_RECORDED = "not recorded in this run"


def committed_runs(scale: str) -> list[Path]:
    """Where the committed run of ``scale`` (``"full"`` or ``"quick"``) may be: the
    checkout's ``book/<scale>``, then the copy an installed wheel carries."""
    if scale not in ("full", "quick"):
        raise ValueError(f"scale must be 'full' or 'quick', got {scale!r}")
    return [{"full": FULL_OUTPUT, "quick": QUICK_OUTPUT}[scale], COMMITTED / scale]


def full_results() -> dict | None:
    """The committed full-scale run, or None when none has been committed."""
    for folder in committed_runs("full"):
        if (folder / RESULTS_FILE).exists():
            return read_results(folder)
    return None


def results_dir() -> Path:
    """The folder whose ``results.json`` the book shows: ``$LECTURE_RESULTS``, else
    the full-scale run, else the quick-scale one (each from the checkout, or from
    the wheel when there is no checkout)."""
    if os.environ.get(RESULTS_VARIABLE):
        candidates = [Path(os.environ[RESULTS_VARIABLE])]
    else:
        candidates = [*committed_runs("full"), *committed_runs("quick")]
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


@dataclass(frozen=True)
class Row:
    """One model on one data set: the mean (and sample sd, ``None`` for one seed)
    over the seeds of one job's records. ``also_in`` names the other jobs that
    measured the same model on the same data; their records are not shown."""

    dataset: str
    model: str
    job: str
    chapter: str
    seeds: tuple[int, ...]
    test_nll: float
    test_nll_sd: float | None
    gap: float | None
    gap_sd: float | None
    bits_per_dim: float | None
    parameters: int | None
    train_seconds: float | None
    also_in: tuple[str, ...] = ()
    recipe: str = NOT_RECORDED


def _spread(values: list) -> tuple[float | None, float | None]:
    """Mean and sample sd (``None`` for one value); ``(None, None)`` unless every
    value is there."""
    if any(v is None for v in values):
        return None, None
    sd = statistics.stdev(values) if len(values) > 1 else None
    return statistics.fmean(values), sd


def _row(dataset: str, model: str, by_job: dict, chapters: dict) -> Row:
    job, *others = by_job
    records = [record for record, _ in by_job[job]]
    seeds = tuple(seed for _, seed in by_job[job])
    if len(set(seeds)) < len(seeds):
        raise ValueError(
            f"job {job!r} has {model!r} on {dataset!r} twice with one seed: {seeds}"
        )
    extras = [r.get("extra") or {} for r in records]
    nll, nll_sd = _spread([r["test_nll"] for r in records])
    gap, gap_sd = _spread([e.get("gap") for e in extras])
    return Row(
        dataset=dataset,
        model=model,
        job=job,
        chapter=extras[0].get("chapter") or chapters[job],
        seeds=seeds,
        test_nll=nll,
        test_nll_sd=nll_sd,
        gap=gap,
        gap_sd=gap_sd,
        bits_per_dim=_spread([r.get("bits_per_dim") for r in records])[0],
        parameters=records[0].get("parameters"),
        train_seconds=_spread([r.get("train_seconds") for r in records])[0],
        also_in=tuple(others),
        recipe=describe_recipe(records),
    )


def likelihood_rows(results: dict) -> list[Row]:
    """One row per model and data set with a test NLL, by data set and mean NLL.

    Seeds of one job are averaged. When several jobs measured the same model on
    the same data set, the row is the first job's in alphabetical order (a rule
    that does not depend on the order the jobs ran in) and names the others."""
    groups: dict[tuple[str, str], dict[str, list]] = {}
    for job in sorted(results["jobs"]):
        entry = results["jobs"][job]
        for record in entry["records"]:
            if has_likelihood(record):
                key = (record["dataset"], record["model"])
                seed = record.get("seed", entry["seed"])
                jobs = groups.setdefault(key, {})
                jobs.setdefault(job, []).append((record, seed))
    chapters = {job: entry["chapter"] for job, entry in results["jobs"].items()}
    rows = [_row(*key, by_job, chapters) for key, by_job in groups.items()]
    return sorted(rows, key=lambda r: (r.dataset, r.test_nll))


def by_dataset(rows: list[Row]) -> dict[str, list[Row]]:
    """The rows grouped by data set, in the order they come."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.dataset, []).append(row)
    return groups


def mean_sd(mean: float, sd: float | None, digits: int = 2) -> str:
    """``mean ± sd``, or the mean alone for one seed."""
    text = f"{mean:,.{digits}f}"
    return text if sd is None else f"{text} ± {sd:,.{digits}f}"



def describe_recipe(records) -> str:
    """The recipe card of a table row (:func:`~lecturecode.records.recipe_card`)
    where its runs recorded one, else a phrase that says what is missing: for
    the results file of a run made before the runs recorded their recipes."""
    try:
        return recipe_card(records)
    except ValueError as error:
        if "no recipe" in str(error):
            return NOT_RECORDED
        if "differ" in str(error):
            return "the runs of this row differ in their recipe"
        raise


def recipe_list(rows: dict, strict: bool = True) -> str:
    """A Markdown list, one line per table row: ``{row name: its records}`` ->
    the row's name and its recipe card. ``strict`` (for records this run made)
    raises where a run recorded no recipe; otherwise the line says so."""
    describe = recipe_card if strict else describe_recipe
    if not rows:
        raise ValueError("recipe_list needs at least one row")
    return "\n".join(f"- *{name}*: {describe(records)}"
                     for name, records in rows.items())


@dataclass(frozen=True)
class Cited:
    """A test NLL (nats per example) that this book did not compute, typed from its
    source. ``kind`` is ``"published"`` (a paper's table) or ``"peer"`` (a peer's
    code run by the book's team on our splits); ``cite`` is a key of
    ``references.bib`` (``None``: not published anywhere); ``recipe_of`` names the
    book's own model, on the same data set, that reruns this number's recipe."""

    model: str
    dataset: str
    test_nll: float
    measured_on: str
    cite: str | None = None
    code: str | None = None
    version: str | None = None
    note: str | None = None
    recipe_of: str | None = None
    kind: str = "peer"


BINARIZED_MNIST = "binarized MNIST (28 x 28)"


def _paper(model: str, test_nll: float, cite: str) -> Cited:
    test = "the test split, 10,000 images"
    return Cited(model, BINARIZED_MNIST, test_nll, test, cite, kind="published")


PUBLISHED = (
    _paper("FVSBN", 97.45, "larochelle2011nade"),
    _paper("NADE", 88.86, "larochelle2011nade"),
    _paper("MADE, 1 hidden layer, 1 mask", 88.40, "germain2015made"),
    _paper("MADE, 2 hidden layers, 32 masks", 86.64, "germain2015made"),
    _paper("PixelCNN", 81.30, "vandenoord2016pixelrnn"),
    _paper("PixelRNN (Diagonal BiLSTM, 7 layers)", 79.20, "vandenoord2016pixelrnn"),
)

OUR_SPLIT = "our test split, rows [1350:] (447 images)"
DGM_SPLIT = f"{OUR_SPLIT}; the notebook's own split"
PYTORCH_MADE = "[karpathy/pytorch-made](https://github.com/karpathy/pytorch-made)"
MADE_VERSION = "not recorded; the repository's last commit is 81886cc (2018)"
INTRO_DGM = "[jmtomczak/intro_dgm](https://github.com/jmtomczak/intro_dgm)"
# The peers' runs whose code is known. (Rows for independent pixels and an FVSBN,
# whose code was never recorded, were dropped; so was pytorch-made's 32-mask
# ensemble: it averages logits over orderings, which is not the likelihood of any
# distribution, see book/autoregressive/made.)
PEERS = (
    Cited(
        "MADE, `pytorch-made`, 1 mask",
        "binarized digits",
        18.02,
        OUR_SPLIT,
        "karpathy2018made",
        f"{PYTORCH_MADE}, `run.py`",
        MADE_VERSION,
        "one hidden layer of 500, 1000 epochs",
        recipe_of="MADE, reference recipe",
    ),
    Cited(
        "RealNVP, *Deep Generative Modeling* code",
        "grey digits",
        167.0,
        DGM_SPLIT,
        "tomczak2021introdgm",
        f"{INTRO_DGM}, `flows/realnvp_example.ipynb`",
        "not recorded; the notebook last changed in 27ef559 (2021)",
        "8 couplings; about 167, bound counted in full",
    ),
    Cited(
        "autoregressive (causal 1-D convolutions), *Deep Generative Modeling* code",
        "grey digits",
        86.34,
        DGM_SPLIT,
        "tomczak2021introdgm",
        f"{INTRO_DGM}, `arms/arm_example.ipynb`",
        "not recorded; the notebook last changed in 79b2371 (2023)",
    ),
)


def recipe_pairs(rows: list[Row], cited=PEERS) -> list[tuple[Cited, Row]]:
    """The cited numbers whose recipe the book reruns, each with the book's row."""
    index = {(r.dataset, r.model): r for r in rows}
    return [
        (ref, index[ref.dataset, ref.recipe_of])
        for ref in cited
        if (ref.dataset, ref.recipe_of) in index
    ]


def difference_phrase(ours: float, cited: float, unit: str = "nats") -> str:
    """How ``ours`` stands against ``cited``: ``"0.07 nats higher than"``,
    ``"0.07 nats lower than"``, or ``"equal, to two decimals, to"``."""
    difference = ours - cited
    if round(abs(difference), 2) == 0:
        return "equal, to two decimals, to"
    word = "higher" if difference > 0 else "lower"
    return f"{abs(difference):.2f} {unit} {word} than"


def _cell(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def markdown_table(header: list[str], rows: list[list]) -> str:
    """A MyST table; numbers formatted, ``None`` shown as a dash, and columns that
    are ``None`` in every row left out."""
    if any(len(row) != len(header) for row in rows):
        raise ValueError(f"every row needs {len(header)} cells, one per column")
    keep = [i for i in range(len(header)) if any(r[i] is not None for r in rows)]
    lines = ["| " + " | ".join(header[i] for i in keep) + " |", "|---" * len(keep)]
    lines[1] += "|"
    lines += ["| " + " | ".join(_cell(r[i]) for i in keep) + " |" for r in rows]
    return "\n".join(lines)


def _chapter_link(chapter: str) -> str:
    return f"{{doc}}`{Path(chapter).name.replace('_', ' ')} </{chapter}>`"


def _three(value: float | None) -> str | None:
    return None if value is None else f"{value:.3f}"


def likelihood_table(rows: list[Row]) -> str:
    """The table of one data set: the NLL (mean ± sd over seeds), the seed count,
    the gap to the data's entropy where it is known (``extra["gap"]``), bits/dim,
    size, training time and a link to the chapter (the job's, unless the records
    name their own in ``extra["chapter"]``)."""
    body = [
        [
            r.model,
            mean_sd(r.test_nll, r.test_nll_sd),
            len(r.seeds),
            None if r.gap is None else mean_sd(r.gap, r.gap_sd, digits=3),
            _three(r.bits_per_dim),
            r.parameters,
            r.train_seconds,
            _chapter_link(r.chapter),
        ]
        for r in rows
    ]
    header = [
        "model",
        "test NLL (nats)",
        "seeds",
        "gap to entropy",
        "bits/dim",
        "parameters",
        "training (s)",
        "chapter",
    ]
    return markdown_table(header, body)


def duplicates_note(rows: list[Row]) -> str:
    """One sentence per row that other jobs measured too, saying whose is shown."""
    return " ".join(
        f"*{r.model}* was measured by the jobs {_and([r.job, *r.also_in])}; the"
        f" row shows {r.job}'s, the first of them in alphabetical order."
        for r in rows
        if r.also_in
    )


def _and(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1]


def figure_axis(rows: list[Row]):
    """What a data set's figure shows, ``(label, value, place)``: ``value(row)``
    gives a row's (mean, sd) and ``place(nll)`` puts a cited NLL on the same axis.
    The gap to the entropy when every row has one, else bits/dim when every row
    has it, else the NLL; without rows, the NLL."""
    if rows and all(r.gap is not None for r in rows):
        entropies = [r.test_nll - r.gap for r in rows]
        return (
            "gap to the entropy (nats)",
            lambda r: (r.gap, r.gap_sd),
            _placer(entropies, lambda h: lambda nll: nll - h),
        )
    if rows and all(r.bits_per_dim is not None for r in rows):

        def bits(r: Row):
            scale = r.bits_per_dim / r.test_nll
            return r.bits_per_dim, r.test_nll_sd and r.test_nll_sd * scale

        scales = [r.bits_per_dim / r.test_nll for r in rows]
        return "bits/dim", bits, _placer(scales, lambda s: lambda nll: nll * s)
    return "test NLL (nats)", lambda r: (r.test_nll, r.test_nll_sd), lambda n: n


def _placer(constants: list[float], make):
    """``make(c)`` when the rows agree on the constant ``c`` that maps an NLL onto
    the axis; otherwise a map that refuses to place a cited number."""
    low, high = min(constants), max(constants)
    if high - low <= 1e-6 * max(1.0, abs(high)):
        return make(high)

    def refuse(nll):
        raise ValueError(
            f"the rows disagree on how an NLL maps onto the axis ({low} to {high}),"
            " so a cited number has no place on it"
        )

    return refuse


# The legend entry and the marker of each kind of number in the figures.
STYLES = {
    "book": ("this book's run", {"marker": "o", "color": "C0"}),
    "peer": ("cited: a peer's code", {"marker": "D", "color": "C1", "mfc": "none"}),
    "published": ("cited: published", {"marker": "s", "color": "C2", "mfc": "w"}),
}


def plot_likelihoods(rows: list[Row], cited=(), ax=None):
    """One data set's models on one axis, best at the top: the book's rows as dots
    (± one sd where there are several seeds), cited numbers as open markers, a
    peer's diamond or a paper's square. A cited number whose recipe one of the
    rows reruns (``Cited.recipe_of``) sits on that row."""
    datasets = {r.dataset for r in rows} | {ref.dataset for ref in cited}
    if len(datasets) != 1:
        raise ValueError(f"a figure shows one data set, got {sorted(datasets)}")
    label, value, place = figure_axis(rows)
    ours = {r.model for r in rows}
    beside = {ref.recipe_of: ref for ref in cited if ref.recipe_of in ours}
    lines = []  # (label, [(x, sd, style)]), the first point ranks the line
    for r in rows:
        points, name = [(*value(r), "book")], r.model
        if r.model in beside:
            ref = beside[r.model]
            points.append((place(ref.test_nll), None, ref.kind))
            name = f"{r.model}; cited: {ref.model}"
        lines.append((name, points))
    lines += [
        (f"{ref.model} (cited)", [(place(ref.test_nll), None, ref.kind)])
        for ref in cited
        if ref.recipe_of not in ours
    ]
    lines.sort(key=lambda line: -line[1][0][0])
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.8 + 0.3 * len(lines)))
    labelled = set()
    for y, (_, points) in enumerate(lines):
        for x, sd, style in points:
            name, look = STYLES[style]
            ax.errorbar(
                x,
                y,
                xerr=sd,
                label=None if style in labelled else name,
                linestyle="none",
                capsize=3,
                **look,
            )
            labelled.add(style)
    ax.set_yticks(
        range(len(lines)),
        [name.replace("`", "").replace("*", "") for name, _ in lines],
    )
    ax.set_xlabel(f"{label}, lower is better")
    ax.set_title(datasets.pop(), fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return ax


VERDICT_JOB = "verdict"


@dataclass(frozen=True)
class Verdict:
    """One row of the verdict (the job ``verdict``): a model's test NLL, exact or
    a bound (``likelihood``), mean and sample sd over its seeds, and the seconds
    its first seed's model took to score ``scored`` images and draw ``drawn``."""

    model: str
    likelihood: str
    seeds: tuple[int, ...]
    test_nll: float
    test_nll_sd: float | None
    bits_per_dim: float
    parameters: int
    score_seconds: float
    sample_seconds: float
    scored: int
    drawn: int
    recipe: str = NOT_RECORDED


def verdict_rows(records: list[dict]) -> list[Verdict]:
    """The verdict's records (dicts, one per model and seed, the timings in
    the first seed's ``extra``) as one row per model, in the order they come."""
    groups: dict[str, list[dict]] = {}
    for record in records:
        groups.setdefault(record["model"], []).append(record)
    rows = []
    for model, group in groups.items():
        timed = [r["extra"] for r in group if "score_seconds" in r["extra"]]
        if len(timed) != 1:
            raise ValueError(f"{model!r} needs one timed record, has {len(timed)}")
        nll, sd = _spread([r["test_nll"] for r in group])
        rows.append(Verdict(
            model=model,
            likelihood=group[0]["extra"]["likelihood"],
            seeds=tuple(r["seed"] for r in group),
            test_nll=nll,
            test_nll_sd=sd,
            bits_per_dim=_spread([r["bits_per_dim"] for r in group])[0],
            parameters=group[0]["parameters"],
            score_seconds=timed[0]["score_seconds"],
            sample_seconds=timed[0]["sample_seconds"],
            scored=timed[0]["scored_images"],
            drawn=timed[0]["drawn_samples"],
            recipe=describe_recipe(group),
        ))
    return rows


def _milliseconds(seconds: float) -> str:
    return f"{1000 * seconds:,.1f}"


def verdict_table(rows: list[Verdict]) -> str:
    """The verdict as a MyST table: NLL (mean ± sd, and whether it is exact or
    a bound), bits/dim, parameters, and milliseconds to score and to sample."""
    if not rows:
        raise ValueError("the verdict needs at least one row")
    scored, drawn = {r.scored for r in rows}, {r.drawn for r in rows}
    if len(scored) != 1 or len(drawn) != 1:
        raise ValueError("every row must be timed on the same numbers of images")
    body = [
        [
            r.model,
            f"{mean_sd(r.test_nll, r.test_nll_sd)} ({r.likelihood})",
            len(r.seeds),
            _three(r.bits_per_dim),
            r.parameters,
            _milliseconds(r.score_seconds),
            _milliseconds(r.sample_seconds),
        ]
        for r in rows
    ]
    header = [
        "model",
        "test NLL (nats), mean ± sd",
        "seeds",
        "bits/dim",
        "parameters",
        f"score {scored.pop():,} images (ms)",
        f"draw {drawn.pop():,} samples (ms)",
    ]
    return markdown_table(header, body)


def recipes_of(rows) -> str:
    """The recipe card of each row of a table (:class:`Row` or :class:`Verdict`),
    as a Markdown list under it."""
    return "\n".join(f"- *{r.model}*: {r.recipe}" for r in rows)


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


def references_table(cited, rows: list[Row] = (), pixels: int | None = None) -> str:
    """Cited numbers with their provenance: where they were measured, the code and
    its version, the citation; bits/dim given ``pixels``; and, where the book
    reruns the recipe (``Cited.recipe_of``), the book's own number beside it."""
    ours = {(ref.dataset, ref.model): row for ref, row in recipe_pairs(rows, cited)}
    body = []
    for ref in cited:
        row = ours.get((ref.dataset, ref.model))
        body.append(
            [
                ref.dataset,
                ref.model,
                ref.test_nll,
                _three(ref.test_nll / (pixels * math.log(2))) if pixels else None,
                row and f"{mean_sd(row.test_nll, row.test_nll_sd)} ({row.model})",
                ref.measured_on,
                ref.code,
                ref.version,
                f"{{cite:t}}`{ref.cite}`" if ref.cite else "unpublished",
                ref.note,
            ]
        )
    header = [
        "data set",
        "model",
        "test NLL (nats), cited",
        "bits/dim",
        "the book's run of the recipe",
        "measured on",
        "code",
        "version",
        "source",
        "note",
    ]
    return markdown_table(header, body)


def jobs_table(results: dict) -> str:
    """What each job cost, where it ran, and from which revision of the code."""
    rows = [
        [
            name,
            entry["scale"],
            entry["device_name"],
            entry["seconds"],
            entry.get("models_from_cache", 0),
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
        "models loaded from the model cache",
        "records",
        "revision",
        "finished (UTC)",
    ]
    return markdown_table(header, rows)


# The character models' bar at the full scale ------------------------------------

LSTM_BAR = 0.9  # the full job's LSTM: at most this times the best n-gram's bpc


def lstm_against_ngrams(results: dict) -> dict | None:
    """The ``sequence`` job's LSTM against its n-grams: the n-gram chosen on the
    validation split, each LSTM seed's test bits per character over that
    n-gram's, and whether every seed is within :data:`LSTM_BAR`. ``None`` while
    the job is missing or not complete (a time budget stopped it)."""
    entry = results["jobs"].get("sequence")
    if entry is None or not entry.get("complete", True):
        return None
    records = [r for r in entry["records"] if r["dataset"] == "python docs"]
    ngrams = [r for r in records if r["model"].endswith("-gram")]
    lstms = [r for r in records if r["model"] == "LSTM"]
    if not ngrams or not lstms:
        raise ValueError("the sequence job has no n-gram or no LSTM record")
    best = min(ngrams, key=lambda r: r["extra"]["val_bpc"])
    ratios = {r["seed"]: r["bits_per_dim"] / best["bits_per_dim"] for r in lstms}
    return {"ngram": best["model"], "ngram_bpc": best["bits_per_dim"],
            "ratios": ratios, "bar": LSTM_BAR,
            "met": all(ratio <= LSTM_BAR for ratio in ratios.values())}


def check_lstm_bar(results: dict) -> dict | None:
    """At the full scale, assert :func:`lstm_against_ngrams`' bar: every seed of
    the LSTM at most ``LSTM_BAR`` times the best n-gram's test bits per
    character. Below the full scale, or while the job is not complete, there is
    nothing to check (``None``)."""
    entry = results["jobs"].get("sequence")
    if entry is None or entry["scale"] != "full":
        return None
    report = lstm_against_ngrams(results)
    if report is not None and not report["met"]:
        worst = max(report["ratios"].values())
        raise AssertionError(
            f"the full-scale LSTM reaches {worst:.3f} x the {report['ngram']}'s "
            f"test bits per character; the bar is {LSTM_BAR}"
        )
    return report
