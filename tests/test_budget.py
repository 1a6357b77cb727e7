"""``figures --budget-minutes``: the time is split by estimated cost, a training
stops when its share runs out and says so, and a later call resumes it where it
stopped, to the same numbers as a run that was never stopped. The clock here is
a fake one that every reading moves on, so the tests do not depend on the speed
of the machine (tests/test_rehearsal.py times a real run)."""

import math

import pytest
import torch

from lecturecode import budget, jobs
from lecturecode.data import RingOfGaussians, TwoMoons
from lecturecode.experiments.base import evaluate, register
from lecturecode.experiments.sequence import train_adding
from lecturecode.flows import FlowModel, coupling_flow
from lecturecode.gan import GANConfig, train_gans
from lecturecode.scale import using_scale
from lecturecode.train import fit

STEPS = 300


class FakeClock:
    """A clock that moves on by ``tick`` seconds at every reading."""

    def __init__(self, tick: float = 0.01):
        self.now, self.tick = 0.0, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


def toy_run(context):
    generator = torch.Generator().manual_seed(0)
    train, val, test = (TwoMoons().sample(n, generator) for n in (512, 256, 256))
    torch.manual_seed(context.seed)
    model = FlowModel(coupling_flow(2, 2, hidden=8, layers=1, dropout=0.1))
    result = fit(model, train, val=val, steps=STEPS, batch_size=64, eval_every=50,
                 seed=context.seed)
    return [evaluate(model, name="toy flow", dataset="two moons", test=test,
                     fit_result=result, seed=context.seed, dim=2)]


TOY = {"toy": register("toy", chapter="book/test", description="toy")(toy_run)}
COSTS = {"smoke": {"toy": {"other_seconds": 0.0, "trainings": [
    {"label": "FlowModel", "steps_planned": STEPS, "cpu_step_seconds": 0.01,
     "ops": 1, "flops": 0, "sequential": 0}]}}}


def run_toy(out, **options):
    return jobs.run_jobs(["toy"], scale="smoke", out=out, registry=TOY,
                         costs=COSTS, **options)["jobs"]["toy"]


def test_a_budget_stops_a_training_and_the_next_calls_resume_it(tmp_path):
    never_stopped = run_toy(tmp_path / "whole")
    assert never_stopped["complete"] and never_stopped["calls"] == 1
    budgeted, calls = tmp_path / "budgeted", []
    while not (calls and calls[-1]["complete"]):
        calls.append(run_toy(budgeted, budget_minutes=0.02, clock=FakeClock()))
        assert len(calls) < 10
    first = calls[0]["trainings"][0]
    assert first["stopped"] == "budget" and 0 < first["steps_done"] < STEPS
    assert first["share_seconds"] > 0 and first["steps_planned"] == STEPS
    assert calls[0]["records"][0]["extra"]["training"] == first
    assert not calls[0]["complete"] and calls[0]["budget_seconds"] > 0
    done = [c["trainings"][0]["steps_done"] for c in calls]
    assert done == sorted(done) and done[-1] == STEPS and len(calls) >= 3
    assert [c["calls"] for c in calls] == list(range(1, len(calls) + 1))
    assert calls[-1]["trainings"][0]["calls"] == len(calls)
    # resumed from its checkpoints, the model is the one that never stopped
    assert (calls[-1]["records"][0]["test_nll"]
            == never_stopped["records"][0]["test_nll"])
    assert run_toy(budgeted, budget_minutes=0.02) == calls[-1]  # done already


def test_the_budget_is_split_by_estimated_cost():
    assert budget.split(10.0, [1.0, 3.0, 6.0]) == pytest.approx([1.0, 3.0, 6.0])
    assert budget.split(8.0, [2.0, None]) == pytest.approx([4.0, 4.0])
    assert budget.split(6.0, [None, None, None]) == pytest.approx([2.0] * 3)
    cost = budget.JobCost([4.0, 6.0], other=1.0)
    before = {"trainings": [
        {"stopped": "done", "steps_done": 10, "steps_planned": 10},
        {"stopped": "budget", "steps_done": 25, "steps_planned": 100}]}
    assert cost.remaining(before).trainings == pytest.approx([0.0, 4.5])
    assert cost.remaining({"trainings": []}) is cost  # another job's shape


def test_each_training_gets_its_part_of_what_the_job_has_left():
    clock = FakeClock(tick=0.0)
    plan = budget.Plan(deadline=12.0, costs=[1.0, 2.0, 3.0], clock=clock)
    with budget.planned(plan):
        shares = []
        for _ in range(3):
            run = budget.start("x", 100)
            shares.append(run.share)
            clock.now += run.share / 2  # each takes half its share
            run.finish(100)
    assert shares[0] == pytest.approx(2.0)  # 12 x 1 / 6
    assert shares[1] == pytest.approx(11.0 * 2 / 5)  # what was left, again split
    assert shares[2] == pytest.approx(12.0 - 1.0 - 2.2)


def resumed(train, folder, seconds):
    """``train()`` under budgets of ``seconds`` (a fake clock), call after call,
    until every training in it ends on its own terms: its result and calls."""
    for call in range(1, 20):
        clock = FakeClock()
        plan = budget.Plan(deadline=clock() + seconds, checkpoints=folder,
                           clock=clock)
        with budget.planned(plan):
            result = train()
        if all(t["stopped"] != "budget" for t in plan.trainings):
            return result, call
    raise AssertionError("never finished")


def test_the_gan_trainer_resumes_where_the_budget_stopped_it(tmp_path):
    config = GANConfig(hidden=8, steps=60, batch_size=16, record_every=20,
                       eval_samples=50)

    def train():
        return train_gans(RingOfGaussians(), [0, 1], config, "cpu")

    (gans, histories), calls = resumed(train, tmp_path, seconds=0.2)
    (whole, whole_histories) = train()
    assert calls >= 3
    for a, b in zip(gans, whole, strict=True):
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.equal(p, q)
    assert [h.steps for h in histories] == [h.steps for h in whole_histories]
    assert ([h.generator_loss for h in histories]
            == [h.generator_loss for h in whole_histories])


def test_the_adding_trainer_resumes_where_the_budget_stopped_it(tmp_path):
    def train():
        with using_scale("smoke"):
            return train_adding("lstm", 10, 0, hidden=4, max_steps=60,
                                batch_size=8, test_size=20, device="cpu")

    (model, record), calls = resumed(train, tmp_path, seconds=0.2)
    whole_model, whole = train()
    assert calls >= 3 and record.extra["steps"] == whole.extra["steps"]
    for p, q in zip(model.parameters(), whole_model.parameters(), strict=True):
        assert torch.equal(p, q)
    assert math.isclose(record.extra["test_mse"], whole.extra["test_mse"])


def test_a_checkpoint_is_only_found_by_the_same_training(tmp_path):
    def train(seed, lr=1e-2):
        torch.manual_seed(seed)
        model = FlowModel(coupling_flow(2, 2, hidden=4, layers=1))
        data = TwoMoons().sample(128, torch.Generator().manual_seed(0))
        return fit(model, data, steps=40, lr=lr, batch_size=32, seed=seed)

    first, _ = resumed(lambda: train(0), tmp_path, seconds=0.1)
    clock = FakeClock()
    for other in (lambda: train(1), lambda: train(0, lr=2e-2)):
        plan = budget.Plan(deadline=clock() + 100, checkpoints=tmp_path,
                           clock=clock)
        with budget.planned(plan):
            other()
        assert plan.trainings[0]["calls"] == 1  # trained afresh
    plan = budget.Plan(deadline=clock() + 100, checkpoints=tmp_path, clock=clock)
    with budget.planned(plan):
        again = train(0)
    assert again.training["calls"] == first.training["calls"]  # found, not trained
    assert again.val_nll == first.val_nll and again.train_nll == first.train_nll
