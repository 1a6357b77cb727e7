"""Lecture 18.1.1, the GAN chapter's experiments: the run recipes, the summary over
seeds, and the mode-hopping count of a training history."""

import pytest
import torch

from lecturecode.experiments.gan import (
    DATASETS,
    GENERATORS,
    GRID_RECIPE,
    METZ,
    RUNS,
    dominant_modes,
    gan_config,
    mode_changes,
    model_name,
    rms_coordinate,
    summarize,
)
from lecturecode.records import ModelResult


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
    """A GAN run as the experiments record it: no likelihood, measures in extra."""
    return ModelResult(
        model=model,
        dataset="ring",
        test_nll=None,
        bits_per_dim=None,
        parameters=1,
        train_seconds=0.0,
        device="cpu",
        seed=seed,
        scale="smoke",
        extra=dict(modes_covered=modes, modes_total=8, high_quality=quality),
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
    plain, packed, other = (gan_config(p, g) for _, p, g, _ in RUNS[:3])
    assert (plain.z_dim, plain.generator_layers) == GENERATORS[RUNS[0][2]]
    assert (other.z_dim, other.generator_layers) == GENERATORS[RUNS[2][2]]
    # PacGAN judges groups, but sees as many samples per step as the plain GAN.
    assert packed.pack * packed.batch_size == plain.batch_size
    assert packed.z_dim == plain.z_dim and packed.hidden == other.hidden
    assert model_name(4, "x") == "PacGAN4 (x)"
    with pytest.raises(ValueError, match="generator must be one of"):
        gan_config(1, "3-d noise")


def test_the_grid_recipe_standardizes_penalizes_and_trains_longer():
    grid = DATASETS["grid"]()
    sample = grid.sample(200_000, torch.Generator().manual_seed(0))
    expected = sample.pow(2).mean().sqrt().item()
    assert rms_coordinate(grid) == pytest.approx(expected, rel=1e-2)
    plain = gan_config(1, RUNS[-1][2])
    recipe = gan_config(1, RUNS[-1][2], grid_recipe=True)
    assert plain.data_scale == 1.0 and recipe.data_scale == rms_coordinate(grid)
    assert plain.r1 == 0 and recipe.r1 == GRID_RECIPE["r1"] > 0
    assert recipe.steps == GRID_RECIPE["steps_factor"] * plain.steps
    assert recipe.steps // recipe.record_every == plain.steps // plain.record_every
    changed = {"data_scale", "r1", "r1_every", "steps", "record_every"}
    assert differing_fields(recipe, plain) == changed
    assert model_name(1, "x", True) == "GAN (x, grid recipe)"


def differing_fields(a, b) -> set:
    """The names of the fields where two configs differ."""
    return {k for k, v in vars(a).items() if vars(b)[k] != v}


def test_a_gan_recipe_card_comes_from_its_config():
    from lecturecode.experiments.gan import gan_recipe
    from lecturecode.records import recipe_card

    plain, packed = gan_config(1, METZ), gan_config(4, METZ)
    grid = gan_config(1, RUNS[-1][2], grid_recipe=True)
    # a packed discriminator sees as many samples per step as the plain one
    assert gan_recipe(packed)["batch_size"] == gan_recipe(plain)["batch_size"]
    assert gan_recipe(packed)["pack"] == 4 and gan_recipe(plain)["pack"] is None
    assert gan_recipe(plain)["r1"] is None and gan_recipe(grid)["r1"] == 1.0
    assert gan_recipe(grid)["steps"] == grid.steps
    run = result("GAN", 3, 0.9)
    run.extra["recipe"] = gan_recipe(plain)
    card = recipe_card([run])
    assert card.startswith(f"{plain.steps} steps; batch {plain.batch_size}; ")
    assert "adam betas 0.5, 0.999; generator loss non-saturating" in card
    assert "pack" not in card and "r1" not in card


def test_a_digit_moved_by_one_pixel_is_far_in_pixel_space():
    from lecturecode.experiments.gan import pixel_distances, shift_right

    image = torch.arange(64.0).unsqueeze(0)
    moved = shift_right(image).view(8, 8)
    assert torch.equal(moved[:, 0], torch.zeros(8))
    assert torch.equal(moved[:, 1:], image.view(8, 8)[:, :-1])
    distances = pixel_distances()
    labels = distances["labels"]
    n = len(labels["test"])
    assert distances["shifted"].shape == distances["other_class"].shape == (n,)
    other = labels["train"][distances["other_index"]]
    assert (other != labels["test"]).all()  # always a digit of another class
    # the lecture's point, on these digits: most one-pixel moves go farther
    assert (distances["shifted"] > distances["other_class"]).float().mean() > 0.9


def test_js_divergence_is_zero_for_equal_and_log_2_for_disjoint_weights():
    import math

    from lecturecode.experiments.gan import js_divergence

    a = torch.tensor([0.5, 0.5, 0.0, 0.0], dtype=torch.float64)
    b = torch.tensor([0.0, 0.0, 0.25, 0.75], dtype=torch.float64)
    assert js_divergence(a, a) == pytest.approx(0.0, abs=1e-12)
    assert js_divergence(a, b) == pytest.approx(math.log(2))
    assert js_divergence(a, b) == pytest.approx(js_divergence(b, a))


def test_training_measures_read_the_first_seed_and_count_over_seeds():
    from lecturecode.experiments.gan import training_measures

    runs = [result("GAN", 2, 0.5, seed) for seed in range(3)]
    for run, counts in zip(runs, ([[5, 0], [0, 5], [5, 0]], [[5, 0]] * 3,
                                  [[0, 5], [5, 0], [5, 0]]), strict=True):
        run.extra["history"] = dict(
            history(counts), discriminator_loss=[1.3, 0.9, 1.1],
            high_quality=[0.1, 0.4, 0.8])
    measures = training_measures(runs)
    assert (measures["d_loss_start"], measures["d_loss_min"],
            measures["d_loss_end"], measures["d_loss_min_step"]) == (1.3, 0.9, 1.1, 20)
    assert (measures["hq_first"], measures["hq_last"]) == (10.0, 80.0)
    assert measures["changes_first"] == 2
    assert (measures["changes_min"], measures["changes_median"],
            measures["changes_max"]) == (0, 1, 2)
    assert measures["last_change"] == 20  # median of 30, none (0) and 20


def test_summary_and_gradient_measures_name_every_glued_value():
    from lecturecode.experiments.gan import gradient_measures, summary_measures

    runs = [result("GAN", m, q, s) for s, (m, q) in enumerate([(1, 0.9), (3, 0.5)])]
    rows = summarize(runs)
    flat = summary_measures(rows, {("GAN", "ring"): "gan"})
    assert flat["gan_modes_median"] == 2 and flat["gan_high_quality_max"] == 90.0
    assert len(flat) == 10
    sweep = {"d_fake": [0.5, 0.01], "saturating": [1.0, 0.02],
             "non-saturating": [1.0, 4.0]}
    measures = gradient_measures({"untrained": sweep})
    assert measures == {"untrained_d_fake": 0.01, "untrained_sat_start": 1.0,
                        "untrained_sat_end": 0.02, "untrained_ns_end": 4.0,
                        "untrained_ratio": 0.005}


def test_flow_measures_compare_the_flow_with_the_entropy_and_the_gan():
    from lecturecode.experiments.gan import flow_measures

    flow = result("RealNVP", 8, 0.5)
    flow.test_nll = 1.25
    flow.extra.update(entropy=1.0, shares=[0.1] * 8)
    gan = result("GAN", 2, 0.9)
    gan.extra["shares"] = [0.5, 0.5] + [0.0] * 6
    measures = flow_measures(flow, gan, DATASETS["ring"](), n=800)
    assert measures["flow_gap"] == pytest.approx(0.25)
    assert measures["flow_between"] == pytest.approx(20.0)
    assert (measures["gan_share_min"], measures["gan_share_max"]) == (0.0, 50.0)
    assert (measures["flow_hq"], measures["gan_first_modes"]) == (50.0, 2)
    assert 10 < measures["data_share_min"] <= 12.5 <= measures["data_share_max"]
