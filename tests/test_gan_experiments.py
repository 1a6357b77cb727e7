"""Lecture 18.1.1, the GAN chapter's experiments: the run recipes, the summary over
seeds, and the mode-hopping count of a training history."""

import pytest

from lecturecode.experiments.gan import (
    GENERATORS,
    RUNS,
    GANResult,
    dominant_modes,
    gan_config,
    mode_changes,
    model_name,
    summarize,
)


def history(counts):
    return {"counts": counts, "steps": [10 * (i + 1) for i in range(len(counts))]}


def test_dominant_mode_is_the_fullest_and_none_when_empty():
    counts = [[0, 5, 1], [0, 0, 0], [7, 5, 1], [7, 5, 9]]
    assert dominant_modes(history(counts)) == [1, None, 0, 2]


def test_mode_changes_are_the_steps_where_the_dominant_mode_moves():
    counts = [[0, 5], [0, 0], [6, 5], [6, 5], [1, 5]]
    # dominant: 1, -, 0, 0, 1 at steps 10..50: the empty record is skipped
    assert mode_changes(history(counts)) == [30, 50]
    assert mode_changes(history([[3, 0]] * 4)) == []


def result(model, modes, quality, seed=0):
    return GANResult(
        model=model,
        dataset="ring",
        seed=seed,
        modes_covered=modes,
        modes_total=8,
        high_quality=quality,
        parameters=1,
        train_seconds=0.0,
        device="cpu",
        scale="smoke",
    )


def test_summary_gives_median_range_mean_and_sd_over_seeds():
    runs = [
        result("GAN", m, q, s)
        for s, (m, q) in enumerate([(1, 0.9), (3, 0.5), (8, 0.7)])
    ]
    row = summarize(runs)[("GAN", "ring")]
    assert row["seeds"] == 3
    assert (row["modes_median"], row["modes_min"], row["modes_max"]) == (3, 1, 8)
    assert row["modes"] == pytest.approx(4.0)
    assert row["modes_std"] == pytest.approx(3.6055512)
    assert row["high_quality_median"] == pytest.approx(70.0)


def test_configs_differ_only_where_the_recipe_says():
    plain, packed, other = (gan_config(p, g) for _, p, g in RUNS[:3])
    assert (plain.z_dim, plain.generator_layers) == GENERATORS[RUNS[0][2]]
    assert (other.z_dim, other.generator_layers) == GENERATORS[RUNS[2][2]]
    # PacGAN judges groups, but sees as many samples per step as the plain GAN.
    assert packed.pack * packed.batch_size == plain.batch_size
    assert packed.z_dim == plain.z_dim and packed.hidden == other.hidden
    assert model_name(4, "x") == "PacGAN4 (x)"
    with pytest.raises(ValueError, match="generator must be one of"):
        gan_config(1, "3-d noise")
