"""The model cache: a second call with the same key loads instead of training,
and anything that changes the result changes the key."""

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
