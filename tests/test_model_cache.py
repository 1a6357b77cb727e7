"""The model cache: a second call with the same key loads instead of training,
and anything that changes the result changes the key."""

import dataclasses
import inspect
import sys

import pytest
import torch

from lecturecode.experiments import cache
from lecturecode.scale import using_scale


@pytest.fixture
def calls(monkeypatch, tmp_path):
    """A cached training function that counts how often it really trains."""
    monkeypatch.setenv(cache.CACHE_VAR, str(tmp_path))
    trained = []

    @cache.cached
    def train(hidden: int = 3, seed: int = 0, ordering=None, **run):
        trained.append((hidden, seed))
        torch.manual_seed(seed)
        return torch.nn.Linear(hidden, 1), {"seed": seed}

    return train, trained


def test_the_second_call_loads_the_same_model(calls):
    train, trained = calls
    model, record = train(seed=1)
    again, record_again = train(3, 1)  # positional or keyword: one key
    train(seed=1, progress=True)  # a progress bar changes nothing
    assert len(trained) == 1
    assert record_again == record
    assert torch.equal(again.weight, model.weight)


def test_the_cache_counts_what_it_served(calls):
    """The job runner reads the count, so a job's wall time says what it
    trained itself."""
    train, trained = calls
    before = cache.LOADS[0]
    train(seed=4)
    assert cache.LOADS[0] == before
    train(seed=4)
    assert cache.LOADS[0] == before + 1 and len(trained) == 1


def test_arguments_defaults_and_scale_are_in_the_key(calls):
    train, trained = calls
    train()
    train(hidden=3)  # the default, spelt out: the same call
    train(hidden=4)
    train(ordering=torch.tensor([1, 0, 2]))
    train(ordering=torch.tensor([0, 1, 2]))
    with using_scale("full"):
        train()
    train(device="cpu")  # the default device here, spelt out
    train(device="meta")
    assert len(trained) == 6


def test_a_change_in_the_package_is_a_new_key(calls, monkeypatch):
    train, trained = calls
    train()
    cache.code_fingerprint.cache_clear()
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "edited source")
    train()
    assert len(trained) == 2


def test_the_cache_can_be_switched_off(calls, monkeypatch):
    train, trained = calls
    monkeypatch.setenv(cache.CACHE_VAR, "off")
    train()
    train()
    assert len(trained) == 2


def test_an_argument_without_a_stable_text_is_refused(calls):
    train, _ = calls
    with pytest.raises(TypeError, match="cannot key"):
        train(ordering=object())


def test_the_fingerprint_covers_every_package_file():
    files = {p.name for p in cache.PACKAGE.rglob("*.py")}
    assert {"made.py", "train.py", "autoregressive.py"} <= files
    assert len(cache.code_fingerprint()) == 64


def test_a_call_leaves_the_global_random_state_as_a_load_does(calls):
    """Training draws from torch's global generator; loading does not. The cells
    after a call must compute the same either way."""
    train, trained = calls
    torch.manual_seed(123)
    train(seed=5)  # trains (and reseeds inside)
    after_training = torch.rand(3)
    torch.manual_seed(123)
    train(seed=5)  # loads
    after_loading = torch.rand(3)
    assert len(trained) == 1
    assert torch.equal(after_training, after_loading)


def test_data_classes_and_package_objects_count_by_their_fields():
    from lecturecode.data import RingOfGaussians
    from lecturecode.records import ModelResult

    record = ModelResult("m", "d", 1.0, None, 1, 1.0, "cpu", 0, "smoke")
    other = ModelResult("m", "d", 1.0, None, 1, 1.0, "cpu", 1, "smoke")
    assert cache._canonical(record) != cache._canonical(other)
    assert cache._canonical(RingOfGaussians(std=0.02)) == cache._canonical(
        RingOfGaussians(std=0.02)
    )
    assert cache._canonical(RingOfGaussians(std=0.02)) != cache._canonical(
        RingOfGaussians(std=0.05)
    )
    with pytest.raises(TypeError, match="cannot key"):
        cache._canonical(torch.nn.Linear(2, 2))  # a module's state is more


# Every cached trainer of the package, with the arguments it cannot do without.
# A new @cached trainer fails test_every_trainer_is_listed until it is added here.
def _digits_data():
    return {"train": torch.zeros(4, 2), "val": torch.zeros(2, 2)}


def _char_data():
    from lecturecode.data.text import TextData
    from lecturecode.experiments.sequence import CharData

    rows = torch.zeros(2, 4, dtype=torch.long)
    text = TextData("ab", rows[0], rows[0], rows[0], "test")
    return CharData(text, 4, rows, rows, rows, rows[0])


REQUIRED = {
    "made_on_pixels": lambda: dict(pixels=[0, 1, 2], num_masks=2),
    "fit_maf_2d": lambda: dict(dataset="moons", parts=_digits_data()),
    "fit_flow_2d": lambda: dict(
        name="RealNVP", dataset="moons", seed=0, data=_digits_data(), reference=1.5,
        steps=10, batch_size=8, family={"couplings": 2},
    ),
    "run_digits": lambda: dict(name="RealNVP", steps=10, couplings=2, hidden=8),
    "mode_collapse_runs": lambda: dict(
        dataset="ring", seeds=[0], pack=1, generator="2-d noise, 3 layers"
    ),
    "train_multiscale_flow": lambda: dict(seed=0, dequantization="uniform"),
    "train_char_model": lambda: dict(kind="rnn", data=_char_data()),
    "train_adding": lambda: dict(kind="lstm", T=10),
    "clipping_run": lambda: dict(data=_char_data(), clip=1.0),
}
NOT_IN_THE_KEY = {"progress"}  # shows a progress bar, changes no result


def trainers():
    import lecturecode.experiments  # noqa: F401  (registers every trainer)

    return {train.__name__: train for train in cache.TRAINERS}


def changed(value):
    """Another value of the same kind, for a key that must then change."""
    if value is None:
        return 7
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + " (other)"
    if isinstance(value, list | tuple):
        return type(value)([*value, 1])
    if isinstance(value, torch.Tensor):
        return value + 1
    if isinstance(value, dict):
        return {**value, "other": 1}
    if dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            other = changed(getattr(value, field.name))
            if other is not None:
                return dataclasses.replace(value, **{field.name: other})
    return None


def test_every_trainer_is_listed():
    defaults_only = {
        name
        for name, train in trainers().items()
        if all(
            p.default is not p.empty or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
            for p in inspect.signature(train).parameters.values()
        )
    }
    assert set(trainers()) - defaults_only <= set(REQUIRED)
    assert {"train_char_model", "mode_collapse_runs", "flow_on_ring",
            "train_adding", "fit_maf_2d"} <= set(trainers())


@pytest.mark.parametrize("name", sorted(trainers()))
def test_two_seeds_never_share_an_entry(name):
    train = trainers()[name]
    arguments = REQUIRED.get(name, dict)()
    parameters = inspect.signature(train).parameters
    if "seeds" in parameters:
        keys = {train.cache_key(**{**arguments, "seeds": [s]}) for s in (0, 1, 2)}
    else:
        keys = {train.cache_key(**{**arguments, "seed": s}) for s in (0, 1, 2)}
    assert len(keys) == 3, f"{name}: seeds share a cache entry"


@pytest.mark.parametrize("name", sorted(trainers()))
def test_every_argument_that_changes_a_result_changes_the_key(name):
    train = trainers()[name]
    arguments = REQUIRED.get(name, dict)()
    key = train.cache_key(**arguments)
    for parameter in inspect.signature(train).parameters.values():
        if parameter.name in NOT_IN_THE_KEY or parameter.kind in (
            parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL
        ):
            continue
        value = arguments.get(parameter.name, parameter.default)
        other = "meta" if parameter.name == "device" else changed(value)
        assert other is not None, f"{name}: no other value for {parameter.name}"
        moved = train.cache_key(**{**arguments, parameter.name: other})
        assert moved != key, f"{name}: {parameter.name} is not in the key"
    if any(p.kind is p.VAR_KEYWORD for p in inspect.signature(train).parameters.values()):
        assert train.cache_key(**arguments, lr=0.5) != key, f"{name}: **kwargs"


@pytest.fixture
def two_threads():
    """Torch on two threads for the test (the suite runs on one)."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_calls_trained_ahead_side_by_side_are_the_calls_trained_in_turn(
        monkeypatch, tmp_path, two_threads):
    """``train_ahead`` trains only what the cache lacks, in worker processes
    on one thread each; the same calls then only load, and each model is the
    one a call on one thread in this process trains."""
    from lecturecode.experiments.autoregressive import train_fvsbn

    monkeypatch.setenv(cache.CACHE_VAR, str(tmp_path))
    calls = [dict(seed=seed) for seed in (0, 1, 2)]
    with using_scale("smoke"):
        train_fvsbn(**calls[0])  # in the cache before: not trained again
        assert cache.train_ahead(train_fvsbn, calls) == 2
        loads = cache.LOADS[0]
        ahead = [train_fvsbn(**call) for call in calls]
        assert cache.LOADS[0] - loads == 3
        assert cache.train_ahead(train_fvsbn, calls) == 0  # nothing left
        monkeypatch.setenv(cache.CACHE_VAR, "off")
        torch.set_num_threads(1)
        for call, (model, record) in zip(calls[1:], ahead[1:], strict=True):
            here, here_record = train_fvsbn(**call)
            assert here_record.test_nll == record.test_nll
            for a, b in zip(here.parameters(), model.parameters(), strict=True):
                assert torch.equal(a, b)


def test_nothing_is_trained_ahead_on_one_thread_without_a_cache_or_a_worker(
        monkeypatch, tmp_path, two_threads):
    from lecturecode.experiments.autoregressive import train_fvsbn

    calls = [dict(seed=seed) for seed in (0, 1)]
    monkeypatch.setenv(cache.CACHE_VAR, "off")
    assert cache.train_ahead(train_fvsbn, calls) == 0
    monkeypatch.setenv(cache.CACHE_VAR, str(tmp_path))
    assert cache.train_ahead(lambda seed: seed, calls) == 0  # not cached
    script = type(sys)("__main__")  # python script.py: a worker would rerun it
    script.__file__, script.__spec__ = str(tmp_path / "script.py"), None
    monkeypatch.setitem(sys.modules, "__main__", script)
    assert cache.train_ahead(train_fvsbn, calls) == 0
    monkeypatch.undo()
    monkeypatch.setenv(cache.CACHE_VAR, str(tmp_path))
    torch.set_num_threads(1)
    assert cache.train_ahead(train_fvsbn, calls) == 0
    assert not list(tmp_path.iterdir())
