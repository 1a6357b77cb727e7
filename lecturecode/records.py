"""What a job reports: one record per trained model, and the results file that
keeps them.

The results file (``results.json`` in a run's folder) holds one entry per job, with
the scale, device, seed, git revision and wall time of the run and the job's
records. ``results.schema.json`` beside this module is its JSON Schema; the tests
validate every run against it.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS_FILE = "results.json"
SCHEMA = 1  # the version that ``results.schema.json`` describes
SCHEMA_FILE = Path(__file__).with_name("results.schema.json")


@dataclass
class ModelResult:
    """One trained model on one data set. NLLs are in nats per example; a model
    without a likelihood (a GAN) has ``test_nll = None``."""

    model: str
    dataset: str
    test_nll: float | None
    bits_per_dim: float | None
    parameters: int
    train_seconds: float | None
    device: str
    seed: int
    scale: str
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


# What a recipe card shows, in this order, and how: the settings a run recorded in
# ``extra["recipe"]`` (``fit`` records the optimizer's, the experiment the rest).
RECIPE = {
    "steps": "{} steps",
    "batch_size": "batch {}",
    "lr": "lr {:g}",
    "weight_decay": "weight decay {:g}",
    "dropout": "dropout {:g}",
    "clip_grad_norm": "gradient norm clipped at {:g}",
    "schedule": "{} schedule",
    "dequantization": "{} dequantization",
}


def recipe_card(records) -> str:
    """One line saying how a table row was trained, generated from what its runs
    recorded: the settings in ``extra["recipe"]``, the parameter count and the
    seeds. The runs of one row must share their recipe."""
    records = [as_record(r) for r in records]
    if not records:
        raise ValueError("recipe_card needs at least one record")
    recipes = [(r.get("extra") or {}).get("recipe") for r in records]
    if any(recipe is None for recipe in recipes):
        raise ValueError(f"{records[0]['model']!r}: a run recorded no recipe")
    if any(recipe != recipes[0] for recipe in recipes):
        raise ValueError(f"{records[0]['model']!r}: the runs of one row differ "
                         "in their recipe")
    recipe = recipes[0]
    parts = [form.format(recipe[key]) for key, form in RECIPE.items()
             if recipe.get(key) is not None]
    parts += [f"{key.replace('_', ' ')} {value}" for key, value in recipe.items()
              if key not in RECIPE and value is not None]
    parameters = {r["parameters"] for r in records}
    seeds = sorted({r["seed"] for r in records})
    parts.append(f"{max(parameters):,} parameters")
    parts.append(("seed " if len(seeds) == 1 else "seeds ")
                 + ", ".join(map(str, seeds)))
    return "; ".join(parts)


def as_record(record) -> dict:
    """A job's record as the results file stores it: a dict."""
    return record.to_dict() if hasattr(record, "to_dict") else dict(record)


def read_results(folder: Path) -> dict:
    """The results file in ``folder``; an empty one when there is none yet."""
    path = folder / RESULTS_FILE
    if not path.exists():
        return {"schema": SCHEMA, "jobs": {}}
    results = json.loads(path.read_text())
    if results.get("schema") != SCHEMA:
        raise ValueError(
            f"{path} has schema {results.get('schema')}, expected {SCHEMA}"
        )
    return results


def write_results(folder: Path, results: dict) -> Path:
    """Write ``results`` to the results file in ``folder``: to a temporary file
    first, then renamed, so that a crash never leaves a truncated file."""
    folder.mkdir(parents=True, exist_ok=True)
    path, tmp = folder / RESULTS_FILE, folder / f"{RESULTS_FILE}.tmp"
    tmp.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)
    return path
