"""Lecture 18.1.1, GANs: the losses and their gradients, packing, the mode-coverage
measures on hand-made sample sets, the bilinear game, reproducible training, and
input validation."""

import math

import pytest
import torch

from lecturecode.data import GridOfGaussians, RingOfGaussians
from lecturecode.gan import (
    GAN,
    Discriminator,
    GANConfig,
    Generator,
    descent_ascent,
    discriminator_loss,
    generator_gradient_norm,
    gradient_descent,
    gradients_as_discriminator_trains,
    mode_coverage,
    mode_shares,
    non_saturating_generator_loss,
    r1_penalty,
    saturating_generator_loss,
    train_gans,
    value_function,
)

F64 = torch.float64
RING = RingOfGaussians()
TINY = dict(
    hidden=16,
    generator_layers=2,
    discriminator_layers=2,
    batch_size=32,
    record_every=10,
    eval_samples=500,
)


# The objective --------------------------------------------------------------------


def test_value_function_is_the_minimax_objective():
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(50, generator=g, dtype=F64), torch.randn(40, dtype=F64)
    D_real, D_fake = torch.sigmoid(real), torch.sigmoid(fake)
    expected = D_real.log().mean() + (1 - D_fake).log().mean()
    torch.testing.assert_close(value_function(real, fake), expected)
    torch.testing.assert_close(discriminator_loss(real, fake), -expected)
    torch.testing.assert_close(
        saturating_generator_loss(fake), (1 - D_fake).log().mean()
    )
    torch.testing.assert_close(
        non_saturating_generator_loss(fake), -D_fake.log().mean()
    )


def test_losses_stay_finite_for_confident_discriminators():
    logits = torch.tensor([-200.0, 200.0])
    for value in (
        value_function(logits, logits),
        saturating_generator_loss(logits),
        non_saturating_generator_loss(logits),
    ):
        assert torch.isfinite(value)


def test_slopes_in_the_logit_are_minus_D_and_minus_one_minus_D():
    """d/dl log(1 - sigmoid(l)) = -D and d/dl -log sigmoid(l) = -(1 - D)."""
    logits = torch.linspace(-8, 8, 9, dtype=F64, requires_grad=True)
    D = torch.sigmoid(logits.detach())
    (sat,) = torch.autograd.grad(saturating_generator_loss(logits), logits)
    (ns,) = torch.autograd.grad(non_saturating_generator_loss(logits), logits)
    torch.testing.assert_close(sat * len(logits), -D)
    torch.testing.assert_close(ns * len(logits), -(1 - D))


def confident_gan(bias: float) -> GAN:
    """A GAN whose discriminator adds ``bias`` to its logit: at -30 it is sure
    every generated sample is fake (D ~ 1e-13)."""
    torch.manual_seed(0)
    gan = GAN(Generator(hidden=16, layers=2), Discriminator(hidden=16, layers=2))
    with torch.no_grad():
        gan.discriminator.net[-1].bias.fill_(bias)
    return gan


def test_saturating_gradient_vanishes_when_the_discriminator_is_sure():
    z = torch.randn(256, 2, generator=torch.Generator().manual_seed(1))
    sure = confident_gan(-30.0)
    saturating = generator_gradient_norm(sure, z, "saturating")
    non_saturating = generator_gradient_norm(sure, z, "non-saturating")
    assert non_saturating > 1e-3
    assert saturating < 1e-10 * non_saturating
    # With an undecided discriminator (D ~ 1/2) both losses give a gradient.
    unsure = confident_gan(0.0)
    ratio = generator_gradient_norm(unsure, z, "saturating") / (
        generator_gradient_norm(unsure, z, "non-saturating")
    )
    assert 0.2 < ratio < 5


def test_training_the_discriminator_starves_the_saturating_loss():
    torch.manual_seed(0)
    gan = GAN(Generator(hidden=32, layers=2), Discriminator(hidden=32, layers=2))
    result = gradients_as_discriminator_trains(
        gan, RING, [0, 300], batch_size=64, lr=2e-3, batches=3
    )
    assert result["d_steps"] == [0, 300]
    assert result["d_fake"][1] < 0.01 < result["d_fake"][0]
    assert result["saturating"][1] < 0.05 * result["saturating"][0]
    assert result["saturating"][1] < 0.01 * result["non-saturating"][1]


# Packing ----------------------------------------------------------------------------


def test_packed_discriminator_judges_concatenated_groups():
    torch.manual_seed(0)
    D = Discriminator(hidden=8, layers=3, pack=3)
    x = torch.randn(6, 2, requires_grad=True)
    joint = torch.stack([x[:3].flatten(), x[3:].flatten()])
    torch.testing.assert_close(D(x), D.net(joint).squeeze(-1))
    # The first logit depends on all of the first three samples and on no other.
    (grad,) = torch.autograd.grad(D(x)[0], x)
    assert (grad[:3].abs().sum(dim=1) > 0).all()
    assert torch.equal(grad[3:], torch.zeros(3, 2))
    with pytest.raises(ValueError, match="groups of 3"):
        D(torch.randn(7, 2))


def test_gan_samples_and_has_no_log_prob():
    gan = GANConfig().build()
    x = gan.sample(10, torch.Generator().manual_seed(0))
    assert x.shape == (10, 2)
    torch.testing.assert_close(x, gan.sample(10, torch.Generator().manual_seed(0)))
    assert not hasattr(gan, "log_prob")


# Mode coverage on hand-made sample sets ----------------------------------------------


def jitter(points, scale, seed=0):
    """``points`` moved by at most ``scale`` in each coordinate."""
    g = torch.Generator().manual_seed(seed)
    return points + scale * (2 * torch.rand(points.shape, generator=g) - 1)


@pytest.mark.parametrize("density", [RING, GridOfGaussians()], ids=["ring", "grid"])
def test_samples_on_every_mode_cover_them_all(density):
    samples = jitter(density.centers.repeat(20, 1), density.std)  # |dx| < 1.5 std
    coverage = mode_coverage(samples, density.centers, density.std)
    assert coverage.modes_covered == len(density.centers)
    assert coverage.high_quality == 1.0
    assert coverage.counts == [20] * len(density.centers)


def test_samples_on_one_mode_cover_one():
    samples = jitter(RING.centers[3].repeat(100, 1), RING.std)
    coverage = mode_coverage(samples, RING.centers, RING.std)
    assert coverage.modes_covered == 1
    assert coverage.high_quality == 1.0
    assert coverage.counts[3] == 100


def test_samples_between_modes_cover_none():
    between = RING.centers + RING.centers.roll(1, 0)  # midpoints, scaled up
    samples = torch.cat([torch.zeros(10, 2), between / 2, 2.5 * RING.centers])
    coverage = mode_coverage(samples, RING.centers, RING.std)
    assert coverage.modes_covered == 0
    assert coverage.high_quality == 0.0


def test_three_standard_deviations_is_the_line():
    center, std = RING.centers[0], RING.std
    inside = center + torch.tensor([2.9 * std, 0.0])
    outside = center - torch.tensor([0.0, 3.1 * std])
    coverage = mode_coverage(torch.stack([inside, outside]), RING.centers, std)
    assert coverage.high_quality == 0.5
    assert coverage.modes_covered == 1


def test_min_count_is_how_many_samples_a_mode_needs():
    samples = torch.cat([RING.centers[:1].repeat(5, 1), RING.centers[1:3]])
    assert mode_coverage(samples, RING.centers, RING.std).modes_covered == 3
    strict = mode_coverage(samples, RING.centers, RING.std, min_count=2)
    assert strict.modes_covered == 1


def test_mode_shares_split_mass_between_neighbourhoods():
    # Ring of 8, radius 2: neighbouring modes are 2 * 2 sin(pi / 8) = 1.53 apart.
    half_gap = 2 * math.sin(math.pi / 8)
    near = RING.centers[2] * (1 + 0.9 * half_gap / 2)  # just inside, outwards
    far = RING.centers[5] * (1 + 1.1 * half_gap / 2)  # just outside
    samples = torch.cat([RING.centers.repeat(2, 1), near[None], far[None]])
    shares = mode_shares(samples, RING.centers)
    expected = [2 / 18] * 8
    expected[2] = 3 / 18
    assert shares == pytest.approx(expected)
    collapsed = mode_shares(RING.centers[:1].repeat(10, 1), RING.centers)
    assert collapsed == [1.0] + [0.0] * 7
    with pytest.raises(ValueError, match="two centers"):
        mode_shares(samples, RING.centers[:1])


# The bilinear game ---------------------------------------------------------------


def bilinear(x, y):
    return x * y


def test_simultaneous_steps_spiral_out_at_the_predicted_rate():
    lr, steps = 0.1, 200
    path = descent_ascent(bilinear, (1.0, 0.0), lr, steps)
    radius = path.norm(dim=1)
    predicted = (1 + lr**2) ** (torch.arange(steps + 1, dtype=F64) / 2)
    torch.testing.assert_close(radius, predicted)


def test_alternating_steps_orbit_and_descent_converges():
    lr = 0.1
    orbit = descent_ascent(bilinear, (1.0, 0.0), lr, 2000, alternating=True)
    radius = orbit.norm(dim=1)
    assert radius.max() < 1.1 and radius.min() > 0.9

    def bowl(x, y):
        return (x**2 + y**2) / 2

    path = gradient_descent(bowl, (1.0, 0.0), lr, 100)
    torch.testing.assert_close(
        path[-1].norm(), torch.tensor((1 - lr) ** 100, dtype=F64)
    )


def test_alternating_steps_apply_a_map_whose_eigenvalues_have_modulus_one():
    # The chapter's claim about eq-gan-gda's alternating variant: determinant 1,
    # |trace| < 2, so a complex pair on the unit circle.
    lr, steps = 0.1, 50
    step = torch.tensor([[1, -lr], [lr, 1 - lr**2]], dtype=F64)
    orbit = descent_ascent(bilinear, (1.0, 0.0), lr, steps, alternating=True)
    start = torch.tensor([1.0, 0.0], dtype=F64)
    expected = torch.stack(
        [torch.linalg.matrix_power(step, k) @ start for k in range(steps + 1)]
    )
    torch.testing.assert_close(orbit, expected)
    assert abs(torch.trace(step)) < 2
    torch.testing.assert_close(torch.linalg.det(step), torch.tensor(1.0, dtype=F64))
    torch.testing.assert_close(
        torch.linalg.eigvals(step).abs(), torch.ones(2, dtype=F64)
    )


# Training ------------------------------------------------------------------------


def test_training_is_reproducible_with_a_seed():
    config = GANConfig(steps=30, **TINY)
    (a,), (history_a,) = train_gans(RING, [7], config, device="cpu")
    (b,), (history_b,) = train_gans(RING, [7], config, device="cpu")
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
    assert history_a.modes_covered == history_b.modes_covered
    assert history_a.discriminator_loss == history_b.discriminator_loss


def test_a_seed_trains_the_same_beside_other_seeds():
    config = GANConfig(steps=20, pack=2, **TINY)
    (alone,), _ = train_gans(RING, [7], config, device="cpu")
    (_, beside), _ = train_gans(RING, [3, 7], config, device="cpu")
    for p, q in zip(alone.parameters(), beside.parameters(), strict=True):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)


def test_training_records_history_and_moves_the_generator():
    config = GANConfig(steps=30, **TINY)
    torch.manual_seed(7)
    before = config.build().generator.net[0].weight.clone()
    (gan,), (history,) = train_gans(RING, [7], config, device="cpu")
    assert history.steps == [10, 20, 30]
    # Per record, the high-quality samples nearest each mode.
    assert len(history.counts) == 3 and all(len(c) == 8 for c in history.counts)
    assert sum(history.counts[-1]) == round(500 * history.high_quality[-1])
    assert all(math.isfinite(v) for v in history.discriminator_loss)
    assert not torch.equal(before, gan.generator.net[0].weight)


def test_r1_is_half_the_squared_slope_on_the_data():
    # A linear discriminator l(x) = w . x has slope w everywhere: R1 = |w|^2 / 2
    # per group, whatever the data, for each leading (seed) index separately.
    w = torch.tensor([[3.0, 4.0], [1.0, 0.0]])
    real = torch.randn(2, 6, 2).requires_grad_()
    logits = (real * w[:, None]).sum(-1)
    torch.testing.assert_close(r1_penalty(logits, real), torch.tensor([12.5, 0.5]))


def test_r1_trains_and_leaves_a_zero_weight_run_alone():
    plain = GANConfig(steps=20, **TINY)
    (a,), _ = train_gans(RING, [7], plain, device="cpu")
    (b,), _ = train_gans(RING, [7], GANConfig(steps=20, r1=0.0, **TINY), "cpu")
    (c,), (history,) = train_gans(RING, [7], GANConfig(steps=20, r1=1.0, **TINY))
    assert all(map(torch.equal, a.parameters(), b.parameters()))
    assert not all(map(torch.equal, a.parameters(), c.parameters()))
    assert all(math.isfinite(v) for v in history.discriminator_loss)


def test_data_scale_is_the_unit_of_both_networks():
    # Same weights, unit s: the generator writes s times as far, and the
    # discriminator judges s x as the unit-scale one judges x.
    torch.manual_seed(0)
    unit = GANConfig(**TINY).build()
    torch.manual_seed(0)
    scaled = GANConfig(data_scale=2.5, **TINY).build()
    z, x = torch.randn(7, 2), torch.randn(7, 2)
    torch.testing.assert_close(scaled.generator(z), 2.5 * unit.generator(z))
    torch.testing.assert_close(scaled.logits(2.5 * x), unit.logits(x))


# Bad inputs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(generator_loss="wasserstein"), "generator_loss must be one of"),
        (dict(pack=0), "pack must be a positive integer"),
        (dict(steps=2.5), "steps must be a positive integer"),
        (dict(lr=0.0), "lr must be positive"),
        (dict(r1=-1.0), "r1 must be >= 0"),
        (dict(data_scale=0.0), "data_scale must be positive"),
    ],
)
def test_bad_configs_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GANConfig(**kwargs)


@pytest.mark.parametrize(
    "samples, message",
    [
        (torch.zeros(5, 3), r"shape \(batch, 2\)"),
        (torch.tensor([[0.0, float("nan")]]), "NaN"),
        ([[0.0, 1.0]], "torch.Tensor"),
    ],
)
def test_bad_samples_raise(samples, message):
    with pytest.raises(ValueError, match=message):
        mode_coverage(samples, RING.centers, RING.std)


def test_bad_coverage_arguments_raise():
    x = RING.centers
    with pytest.raises(ValueError, match="std must be positive"):
        mode_coverage(x, RING.centers, 0.0)
    with pytest.raises(ValueError, match="min_count"):
        mode_coverage(x, RING.centers, RING.std, min_count=0)


def test_bad_training_arguments_raise():
    config = GANConfig(steps=1, **TINY)
    with pytest.raises(ValueError, match="seeds must be distinct"):
        train_gans(RING, [1, 1], config)
    with pytest.raises(ValueError, match="seeds must be distinct"):
        train_gans(RING, [], config)
    with pytest.raises(ValueError, match="checkpoints must increase"):
        gradients_as_discriminator_trains(config.build(), RING, [10, 5])
    with pytest.raises(ValueError, match="n must be a positive integer"):
        config.build().sample(0)
    with pytest.raises(ValueError, match="pack must be a positive integer"):
        Discriminator(pack=0)
    with pytest.raises(ValueError, match="layers must be a positive integer"):
        Discriminator(layers=0)
