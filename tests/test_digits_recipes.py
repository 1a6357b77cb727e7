"""The seed and recipe helpers of the autoregressive experiments: the spread over
seeds the chapters' tables show, the seeds they rank models over, and the PixelCNN
settings per data set; and the paired-seed comparison of the spline chapter."""

import pytest

from lecturecode.experiments.autoregressive import (
    nll_spread,
    over_seeds,
    ranking_seeds,
)
from lecturecode.experiments.digits import DATASETS
from lecturecode.experiments.flows import seed_agreement
from lecturecode.experiments.pixelcnn import pixelcnn_training
from lecturecode.records import ModelResult


def record(nll: float, seed: int = 0) -> ModelResult:
    return ModelResult("m", "d", nll, None, 1, 0.0, "cpu", seed, "smoke")


def test_spread_is_mean_and_sample_sd():
    assert nll_spread([record(1.0), record(2.0), record(3.0)]) == (2.0, 1.0)


def test_spread_of_one_record_raises():
    with pytest.raises(ValueError, match="at least 2 records"):
        nll_spread([record(1.0)])


@pytest.mark.parametrize("scale", ["quick", "full"])
def test_rankings_use_three_seeds_above_smoke(monkeypatch, scale):
    monkeypatch.setenv("LECTURE_SCALE", scale)
    assert len(set(ranking_seeds())) >= 3


def test_over_seeds_passes_each_seed(monkeypatch):
    monkeypatch.setenv("LECTURE_SCALE", "quick")
    runs = over_seeds(lambda seed, offset: (None, record(seed + offset, seed)),
                      offset=0.5)
    assert [r.seed for _, r in runs] == ranking_seeds()
    assert [r.test_nll for _, r in runs] == [s + 0.5 for s in ranking_seeds()]


@pytest.mark.parametrize("scale", ["smoke", "quick", "full"])
def test_pixelcnn_training_covers_every_data_set(monkeypatch, scale):
    monkeypatch.setenv("LECTURE_SCALE", scale)
    for name in DATASETS:
        for gated in (False, True):
            settings = pixelcnn_training(name, gated)
            assert set(settings) == {"steps", "batch_size", "lr", "dropout"}
            assert 0 <= settings["dropout"] < 1 and settings["steps"] > 0


def test_pixelcnn_training_rejects_an_unknown_data_set():
    with pytest.raises(ValueError, match="dataset must be one of"):
        pixelcnn_training("mnist", gated=False)


def test_seed_agreement_counts_the_seeds_on_the_side_of_the_means():
    gaps = {("d", "a"): (1.0, 0.0, [0.5, 1.0, 1.5]),
            ("d", "b"): (2.0, 0.0, [2.0, 0.9, 3.1])}
    assert seed_agreement(gaps, "d", "a", "b") == (True, 2, 3)
    assert seed_agreement(gaps, "d", "b", "a") == (False, 2, 3)
