"""The full-scale command: jobs, the results file, resuming, determinism. Every
registered job runs in tests/test_rehearsal.py (at the smoke scale, as the GPU
lease runs it) and tests/test_fullscale.py (at its full sizes, two steps a
model), so the GPU job never rots."""

import json
import subprocess

import matplotlib.pyplot as plt
import pytest

from lecturecode import jobs, records
from lecturecode.data import TwoMoons
from lecturecode.experiments.base import evaluate, register
from lecturecode.flows import FlowModel, LinearFlow
from lecturecode.train import fit

RECORD_KEYS = {
    "model",
    "dataset",
    "test_nll",
    "bits_per_dim",
    "parameters",
    "train_seconds",
    "device",
    "seed",
    "scale",
    "extra",
}


@pytest.fixture
def toy_job():
    """A small real job, as a registry of one: fit a linear flow to two moons,
    save one figure."""

    def run(context):
        moons = TwoMoons()
        train, test = moons.sample(500), moons.sample(500)
        model = FlowModel(LinearFlow(2))
        result = fit(model, train, steps=30, seed=context.seed)
        fig, ax = plt.subplots()
        ax.plot(result.train_nll)
        context.savefig(fig, "curve")
        plt.close(fig)
        return [
            evaluate(
                model,
                name="linear flow",
                dataset="two moons",
                test=test,
                fit_result=result,
                seed=context.seed,
                dim=2,
            )
        ]

    return {"toy": register("toy", chapter="book/test", description="toy")(run)}


def run_toy(registry, out, **options) -> dict:
    return jobs.run_jobs(["toy"], scale="smoke", out=out, registry=registry, **options)


def test_job_writes_results_and_figures(toy_job, tmp_path):
    results = run_toy(toy_job, tmp_path)
    on_disk = json.loads((tmp_path / "results.json").read_text())
    assert on_disk == results and on_disk["schema"] == records.SCHEMA
    entry = on_disk["jobs"]["toy"]
    assert entry["scale"] == "smoke" and entry["device"] in {"cpu", "cuda"}
    assert len(entry["git_revision"]) >= 7 and entry["seconds"] > 0
    assert set(entry["records"][0]) == RECORD_KEYS
    assert entry["figures"] == ["figures/toy/curve.png"]
    assert (tmp_path / entry["figures"][0]).stat().st_size > 0


def test_finished_jobs_are_not_redone_unless_forced(toy_job, tmp_path, capsys):
    first = run_toy(toy_job, tmp_path)["jobs"]["toy"]
    again = run_toy(toy_job, tmp_path)["jobs"]["toy"]
    assert again == first and "done already" in capsys.readouterr().out
    forced = run_toy(toy_job, tmp_path, force=True)
    assert forced["jobs"]["toy"]["finished"] >= first["finished"]


def test_jobs_are_deterministic_given_the_seed(toy_job, tmp_path):
    def nll(out, seed):
        entry = run_toy(toy_job, out, seed=seed)["jobs"]
        return entry["toy"]["records"][0]["test_nll"]

    assert nll(tmp_path / "a", 3) == nll(tmp_path / "b", 3)
    assert nll(tmp_path / "a", 3) != nll(tmp_path / "c", 4)


def test_bad_requests_raise(tmp_path):
    with pytest.raises(ValueError, match="unknown jobs"):
        jobs.run_jobs(["no-such-job"], scale="smoke", out=tmp_path)
    with pytest.raises(ValueError, match="scale must be one of"):
        jobs.run_jobs([], scale="huge", out=tmp_path)
    with pytest.raises(ValueError, match="budget_minutes must be positive"):
        jobs.run_jobs([], scale="smoke", out=tmp_path, budget_minutes=0)
    with pytest.raises(ValueError, match="a dry run has no budget"):
        jobs.run_jobs([], scale="smoke", out=tmp_path, budget_minutes=1,
                      dry_run=True)


def test_a_run_s_own_results_do_not_make_the_checkout_dirty(tmp_path, monkeypatch):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "out").mkdir()
    for name in ("model.py", "out/results.json"):
        (tmp_path / name).write_text("0")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
    monkeypatch.setattr(jobs, "ROOT", tmp_path)
    (tmp_path / "out/results.json").write_text("1")  # what a run writes
    assert not jobs.git_revision(tmp_path / "out").endswith("-dirty")
    assert jobs.git_revision().endswith("-dirty")
    (tmp_path / "model.py").write_text("1")  # a change to the code
    assert jobs.git_revision(tmp_path / "out").endswith("-dirty")


def test_a_failing_job_does_not_stop_the_others(toy_job, tmp_path, capsys):
    def broken(context):
        raise RuntimeError("CUDA error: an illegal memory access")

    registry = {"broken": register("broken", chapter="book/test",
                                   description="fails")(broken), **toy_job}
    with pytest.raises(jobs.JobsFailed, match="broken") as failure:
        jobs.run_jobs(["broken", "toy"], scale="smoke", out=tmp_path,
                      registry=registry)
    assert failure.value.names == ["broken"]
    assert "illegal memory access" in capsys.readouterr().err
    results = records.read_results(tmp_path)
    assert set(results["jobs"]) == {"toy"}  # the failed job is run next time
