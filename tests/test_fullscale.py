"""The full scale, proven on the CPU before a GPU is lent: every job of
``figures --list`` built at its full-scale sizes (models, data, batches, seeds),
each model trained for two steps and evaluated on a few examples, into a results
file that validates; every kind of training step run once more on the ``meta``
device, where a tensor made on the CPU inside the step fails as it would on a
GPU; and the cost table (``lecturecode/costs.json``) checked against what the
jobs train today."""

import json
import os
import subprocess
import sys

import jsonschema
import pytest
import torch

from lecturecode import budget, records
from lecturecode.experiments import JOBS
from lecturecode.experiments.cache import cached
from lecturecode.flows import FlowModel, LinearFlow
from lecturecode.paths import ROOT
from lecturecode.results import check_lstm_bar
from lecturecode.train import fit

REGENERATE = ("regenerate the cost table: python -m lecturecode figures --scale "
              "{scale} --dry-run --write-costs")


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("dry-run")
    run = subprocess.run(
        [sys.executable, "-m", "lecturecode", "figures", "--scale", "full",
         "--dry-run", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "LECTURE_MODEL_CACHE": str(out / "cache")})
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    return json.loads((out / "results.json").read_text()), out


def test_every_job_runs_at_its_full_size_for_two_steps(dry_run):
    results, out = dry_run
    jsonschema.validate(results, json.loads(records.SCHEMA_FILE.read_text()))
    assert set(results["jobs"]) == set(JOBS)
    for name, entry in results["jobs"].items():
        assert entry["scale"] == "full" and entry["dry_run"], name
        assert entry["records"], f"{name} returned no records"
        assert all(r["scale"] == "full" for r in entry["records"])
        assert entry["trainings"], f"{name} trained nothing"
        for training in entry["trainings"]:
            assert training["steps_done"] <= 2, (name, training)
            assert training["stopped"] in ("dry run", "done"), (name, training)
        for figure in entry["figures"]:
            assert (out / figure).stat().st_size > 0
    # nothing of a dry run lands in the model cache
    assert not (out / "cache").exists() or not any((out / "cache").iterdir())


def test_the_cost_table_lists_what_the_jobs_train(dry_run):
    results, _ = dry_run
    table = budget.read_costs()
    assert "full" in table, REGENERATE.format(scale="full")
    for name, entry in results["jobs"].items():
        trained = [(t["label"], t["steps_planned"]) for t in entry["trainings"]]
        listed = [(t["label"], t["steps_planned"])
                  for t in table["full"].get(name, {}).get("trainings", [])]
        assert trained == listed, f"{name}: " + REGENERATE.format(scale="full")


def test_the_cost_table_gives_every_job_a_gpu_estimate():
    for scale in ("smoke", "full"):
        for name in JOBS:
            cost = budget.job_cost(scale, name, "cuda")
            assert cost is not None, REGENERATE.format(scale=scale)
            assert cost.total > 0 and all(c >= 0 for c in cost.trainings)


class MakesATensorOnTheCpu(FlowModel):
    def log_prob(self, x):
        return super().log_prob(x) + torch.zeros(len(x))  # no device=x.device


class ReadsBackEveryStep(FlowModel):
    def log_prob(self, x):
        log_p = super().log_prob(x)
        if log_p.isnan().any():  # a device sync every step
            raise ValueError("nan")
        return log_p


@pytest.mark.parametrize(("model", "message"), [
    (MakesATensorOnTheCpu, "mixes devices"),
    (ReadsBackEveryStep, "reads a value back"),
])
def test_the_dry_run_catches_a_step_off_the_device(model, message):
    data = torch.randn(64, 2)
    with budget.planned(budget.Plan.dry_run()), pytest.raises(RuntimeError,
                                                             match=message):
        fit(model(LinearFlow(2)), data, steps=100, batch_size=16)
    fit(model(LinearFlow(2)), data, steps=3, batch_size=16)  # fine on one device


def test_a_plan_trains_around_the_model_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURE_MODEL_CACHE", str(tmp_path))
    calls = []

    @cached
    def train(seed: int):
        calls.append(seed)
        return seed

    with budget.planned(budget.Plan.dry_run()):
        train(0)
        train(0)
    assert calls == [0, 0] and not list(tmp_path.iterdir())
    train(0)
    train(0)
    assert calls == [0, 0, 0] and len(list(tmp_path.iterdir())) == 1


def sequence_job(lstm_bpc, *, scale="full", complete=True):
    """A results file whose sequence job has two n-grams (the 9-gram best on
    validation) and an LSTM per seed."""
    ngrams = [{"model": f"{n}-gram", "dataset": "python docs", "seed": 0,
               "bits_per_dim": test, "extra": {"val_bpc": val}}
              for n, test, val in ((5, 1.85, 1.95), (9, 1.90, 1.80))]
    lstms = [{"model": "LSTM", "dataset": "python docs", "seed": seed,
              "bits_per_dim": bpc, "extra": {}} for seed, bpc in enumerate(lstm_bpc)]
    return {"jobs": {"sequence": {"scale": scale, "complete": complete,
                                  "records": ngrams + lstms}}}


def test_the_full_scale_lstm_bar_is_checked_on_every_seed():
    report = check_lstm_bar(sequence_job([1.70, 1.71]))  # 1.71 = 0.9 x 1.90
    assert report["met"] and report["ngram"] == "9-gram"
    with pytest.raises(AssertionError, match="0.905 x the 9-gram"):
        check_lstm_bar(sequence_job([1.70, 1.72]))
    assert check_lstm_bar(sequence_job([2.0], scale="quick")) is None
    assert check_lstm_bar(sequence_job([2.0], complete=False)) is None
    assert check_lstm_bar({"jobs": {}}) is None
