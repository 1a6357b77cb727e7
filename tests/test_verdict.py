"""The verdict: its rows, its timings, and the cache that lets it reuse the
models the PixelCNN and digits chapters trained."""

import math

import pytest
import torch

from lecturecode.experiments import cache, flows, pixelcnn, verdict
from lecturecode.experiments.base import ModelResult
from lecturecode.scale import using_scale


class Pixels(torch.nn.Module):
    """A stand-in likelihood model: independent Bernoulli pixels."""

    def __init__(self):
        super().__init__()
        self.logit = torch.nn.Parameter(torch.zeros(64))

    def log_prob(self, x):
        return -torch.nn.functional.softplus(-self.logit).sum() + 0 * x.sum(1)

    def sample(self, n, generator=None):
        p = torch.sigmoid(self.logit).expand(n, 64)
        return torch.bernoulli(p, generator=generator)


def fake_train(name, nll):
    def train(seed, *, device=None, progress=False):
        record = ModelResult(name, "grey digits", nll + seed, 0.1, 64, 1.0,
                             str(device), seed, "smoke", {"kept": True})
        return Pixels(), record

    return train


def test_tile_repeats_the_rows_in_order():
    images = torch.arange(6.0).view(3, 2)
    tiled = verdict.tile(images, 7)
    assert tiled.shape == (7, 2)
    assert torch.equal(tiled[3:6], images) and torch.equal(tiled[6], images[0])
    with pytest.raises(ValueError, match="n must be a positive integer"):
        verdict.tile(images, 0)


def test_every_row_and_seed_gives_a_record_and_the_first_seed_is_timed():
    rows = (verdict.VerdictRow("exact", fake_train("a", 10.0)),
            verdict.VerdictRow("bound", fake_train("b", 20.0)))
    records, models = verdict.run_verdict(rows, seeds=[3, 4], device="cpu")
    assert [(r.model, r.seed) for r in records] == [
        ("a", 3), ("a", 4), ("b", 3), ("b", 4)]
    assert set(models) == {"a", "b"}
    for r in records:
        assert r.extra["chapter"] == verdict.CHAPTER and r.extra["kept"]
        assert r.extra["likelihood"] == ("exact" if r.model == "a" else "bound")
        timed = r.seed == 3
        assert ("score_seconds" in r.extra) == timed
        if timed:
            assert r.extra["scored_images"] == 1000
            assert r.extra["drawn_samples"] == 100
            assert 0 < r.extra["score_seconds"] < math.inf
            assert 0 < r.extra["sample_seconds"] < math.inf


def test_a_row_must_say_which_likelihood_it_reports():
    rows = (verdict.VerdictRow("approximate", fake_train("a", 1.0)),)
    with pytest.raises(ValueError, match="likelihood must be one of"):
        verdict.run_verdict(rows, seeds=[0], device="cpu")


def test_the_rows_reuse_the_chapters_cached_models(monkeypatch, tmp_path):
    """The verdict's PixelCNN and RealNVP rows call the training functions with
    the keys the gated PixelCNN and the digits chapters use: nothing trains
    twice."""
    monkeypatch.setenv(cache.CACHE_VAR, str(tmp_path))

    def stored():
        return sorted(p.name for p in tmp_path.glob("*.pt"))

    with using_scale("smoke"):
        # as gated_pixelcnn.md calls it, through over_seeds
        model, record = pixelcnn.train_pixelcnn(seed=1, data_name="grey digits",
                                                gated=True)
        first = stored()
        again, same = verdict.ROWS[1].train(1, device=torch.device("cpu"))
        assert stored() == first and same.test_nll == record.test_nll
        assert same.model == "gated PixelCNN"
        # as realnvp_digits.md calls it, through run_digits_variants
        flows.run_digits("RealNVP", **flows.settings_digits(), seed=0)
        trained = stored()
        assert len(trained) == 2
        _, realnvp = verdict.ROWS[2].train(0, device="cpu")
        assert stored() == trained and realnvp.model == "RealNVP"


def test_the_spline_flow_on_digits_is_a_checkerboard_spline_stack():
    with using_scale("smoke"):
        sizes = flows.settings_spline_digits()
    model = flows.spline_digits_flow(couplings=2, bins=4, hidden=8, seed=0)
    layers = model.continuous.flow.layers
    assert [type(layer).__name__ for layer in layers] == ["SplineCoupling"] * 2
    assert layers[0].mask.view(8, 8)[0, :2].tolist() in ([0, 1], [1, 0])
    assert torch.equal(layers[0].mask + layers[1].mask, torch.ones(64))
    assert sizes["dequantization"] in ("uniform", "variational")
    x = torch.randint(0, 17, (5, 64)).float()
    assert model.log_prob(x).shape == (5,)
