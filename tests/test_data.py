"""Data that needs no download: the digits split and the 2-D densities."""

import math

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits as sklearn_digits

from lecturecode.data import (
    Checkerboard,
    CorrelatedGaussian,
    GridOfGaussians,
    RingOfGaussians,
    TwoMoons,
    channel_entropies,
    conditional_entropy,
    load_digits,
    monte_carlo_entropy,
    neighbourhood_entropies,
    tinted_digits,
)
from lecturecode.data.digits import FUTURE, PAST
from lecturecode.density2d import grid_mass


def test_digits_split_is_the_documented_one():
    splits = load_digits("grey")
    assert {k: len(v) for k, v in splits.items()} == {
        "train": 1000,
        "val": 350,
        "test": 447,
    }
    raw = torch.as_tensor(sklearn_digits().data, dtype=torch.float32)
    assert torch.equal(splits["train"], raw[:1000])
    assert torch.equal(splits["test"], raw[1350:])
    assert splits["train"].shape[1] == 64


def test_digit_levels_and_binarization():
    grey, binary = load_digits("grey"), load_digits("binary")
    values = torch.unique(grey["train"])
    assert values.min() == 0 and values.max() == 16
    assert torch.equal(values, values.round())
    assert set(torch.unique(binary["train"]).tolist()) == {0.0, 1.0}
    assert torch.equal(binary["val"], (grey["val"] >= 8).float())


def test_unknown_digits_kind_raises():
    with pytest.raises(ValueError, match="kind must be one of"):
        load_digits("colour")


def test_conditional_entropy_of_a_copy_a_coin_and_its_own_function():
    coin = torch.randint(0, 2, (4000,), generator=torch.Generator().manual_seed(0))
    other = torch.randint(0, 2, (4000,), generator=torch.Generator().manual_seed(1))
    assert conditional_entropy(coin) == pytest.approx(1, abs=1e-3)
    assert conditional_entropy(coin, coin) < 1e-12  # a copy leaves no doubt
    assert conditional_entropy(coin, other) == pytest.approx(1, abs=2e-3)
    pairs = torch.stack([coin, other], 1)
    assert conditional_entropy(pairs) == pytest.approx(2, abs=3e-3)
    assert conditional_entropy(coin ^ other, pairs) < 1e-12
    with pytest.raises(ValueError, match="at least one observation"):
        conditional_entropy(coin[:0])


def test_neighbourhood_entropies_see_only_the_named_neighbours():
    assert all(dr < 0 or (dr == 0 and dc < 0) for dr, dc in PAST)
    assert all(dr > 0 or (dr == 0 and dc > 0) for dr, dc in FUTURE)
    # Each image one random row, repeated down the image: the pixel above (in
    # the past) and the one below (in the future) are copies of a pixel.
    generator = torch.Generator().manual_seed(0)
    rows = torch.randint(0, 2, (500, 1, 6), generator=generator)
    images = rows.expand(-1, 5, -1).reshape(500, -1)
    h = neighbourhood_entropies(images, shape=(5, 6))
    assert h["none"] == pytest.approx(1, abs=0.01)
    assert max(h["past"], h["future"], h["around"]) < 1e-12
    noise = torch.randint(0, 2, (500, 30), generator=generator)
    h = neighbourhood_entropies(noise, shape=(5, 6))
    assert min(h.values()) > 0.9  # independent pixels: no neighbour helps
    with pytest.raises(ValueError, match="interior"):
        neighbourhood_entropies(images, shape=(2, 15))


def test_channel_entropies_of_one_hue_and_of_the_tinted_digits():
    # Pure red: after the first pixel at full red, green and blue are known.
    red = torch.tensor([[0, 0, 0, 3, 0, 0, 2, 0, 0, 1, 0, 0]]).repeat(4, 1)
    h = channel_entropies(red)
    assert max(h[k] for k in ("none", "red", "earlier", "both")) < 1e-12
    assert h["pixels"] == 4 * 2
    tinted = channel_entropies(tinted_digits(levels=4)["train"])
    assert tinted["none"] > tinted["red"] > tinted["earlier"] > tinted["both"] > 0


DENSITIES = {
    "ring": (RingOfGaussians(std=0.1), 3.0),
    "grid": (GridOfGaussians(std=0.1), 5.5),
    "checkerboard": (Checkerboard(), 2.5),
    "correlated": (CorrelatedGaussian(0.8), 7.0),
}


@pytest.mark.parametrize("name", list(DENSITIES))
def test_true_densities_integrate_to_one(name):
    density, lim = DENSITIES[name]
    mass = grid_mass(density.log_prob, lim, resolution=800, dtype=torch.float64)
    assert mass == pytest.approx(1, abs=1e-3)


@pytest.mark.parametrize("name", list(DENSITIES))
def test_samples_lie_where_the_density_is(name):
    density, _ = DENSITIES[name]
    x = density.sample(5000, torch.Generator().manual_seed(0))
    assert x.shape == (5000, 2)
    assert torch.isfinite(density.log_prob(x)).all()


def test_samples_match_the_density_histogram():
    """Samples and log_prob describe the same distribution: the share of samples in
    each cell of a 12 x 12 grid matches the integral of the density over the cell."""
    density = RingOfGaussians(modes=8, radius=2.0, std=0.3)
    x = density.sample(200_000, torch.Generator().manual_seed(1)).double()
    edges = np.linspace(-3, 3, 13)
    counts, _, _ = np.histogram2d(x[:, 0].numpy(), x[:, 1].numpy(), [edges, edges])
    fine = 20  # midpoint rule with 20 x 20 points per cell
    ticks = torch.linspace(-3, 3, 12 * fine + 1, dtype=torch.float64)
    centres = (ticks[:-1] + ticks[1:]) / 2
    p = density.log_prob(torch.cartesian_prod(centres, centres)).exp()
    cell_mass = p.reshape(12, fine, 12, fine).sum((1, 3)) * (0.5 / fine) ** 2
    np.testing.assert_allclose(counts / len(x), cell_mass.numpy(), atol=2e-3)


def test_checkerboard_uses_only_dark_squares():
    board = Checkerboard(cells=4, half=2.0)
    x = board.sample(10_000, torch.Generator().manual_seed(2))
    cells = torch.floor((x + 2) / 1.0).long()
    assert ((cells.sum(1) % 2) == 0).all()
    assert board.log_prob(torch.tensor([[0.5, -0.5]])).item() == -math.inf  # light
    assert board.log_prob(torch.tensor([[0.5, 0.5]])).item() == pytest.approx(
        -math.log(8)
    )


def test_correlated_gaussian_entropy_and_information():
    density = CorrelatedGaussian(0.9)
    estimate, stderr = monte_carlo_entropy(
        density, 100_000, torch.Generator().manual_seed(3)
    )
    assert abs(estimate - density.entropy) < 4 * stderr
    assert density.mutual_information == pytest.approx(-0.5 * math.log(1 - 0.81))
    with pytest.raises(ValueError, match="rho must lie"):
        CorrelatedGaussian(1.0)


def test_moons_are_reproducible_and_centred():
    a = TwoMoons().sample(2000, torch.Generator().manual_seed(4))
    b = TwoMoons().sample(2000, torch.Generator().manual_seed(4))
    assert torch.equal(a, b)
    assert a.mean(0).abs().max() < 0.1


def test_grid_centres_and_bad_arguments():
    grid = GridOfGaussians(side=5, spacing=2.0)
    assert grid.centers.shape == (25, 2)
    assert grid.centers.abs().max() == 4
    with pytest.raises(ValueError, match="positive integer"):
        RingOfGaussians().sample(0)
    with pytest.raises(ValueError, match="must be even"):
        Checkerboard(cells=3)
    with pytest.raises(ValueError, match=r"shape \(batch, 2\)"):
        RingOfGaussians().log_prob(torch.zeros(3))


def test_toy_splits_are_fixed_by_the_seed_and_disjoint_draws():
    from lecturecode.data import RING_STD, toy_splits

    first, again = toy_splits(50, 20, 30), toy_splits(50, 20, 30)
    other = toy_splits(50, 20, 30, seed=1)
    assert list(first) == ["two moons", "ring of 8 Gaussians", "checkerboard"]
    assert first["ring of 8 Gaussians"]["density"].std == RING_STD
    for name, parts in first.items():
        assert [len(parts[k]) for k in ("train", "val", "test")] == [50, 20, 30]
        assert torch.equal(parts["test"], again[name]["test"])
        assert not torch.equal(parts["test"], other[name]["test"])
        assert not torch.equal(parts["train"][:20], parts["val"])
    with pytest.raises(ValueError, match="n must be a positive integer"):
        toy_splits(0)
