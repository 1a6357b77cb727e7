"""The multi-scale flow on images: every layer's round trip and log-determinant
against the autograd Jacobian (float64, small shapes), the squeeze as a
permutation, the factor-out prior as a normalized conditional Gaussian, the
model on the digits, and bad inputs."""

import math

import pytest
import torch

from lecturecode.data.digits import LEVELS
from lecturecode.experiments.multiscale import digit_images, multiscale_digits_flow
from lecturecode.flows import (
    ActNorm,
    Compose,
    ConvAffineCoupling,
    DequantizedFlow,
    FactorOut,
    Flow,
    FlowModel,
    MultiScaleFlow,
    Squeeze,
    VariationalDequantizer,
    autograd_log_abs_det,
    channel_mask,
    flow_jacobian,
    image_checkerboard_mask,
    multiscale_flow,
    standard_normal_log_prob,
)
from lecturecode.runtime import perturb_parameters

F64 = torch.float64
SHAPE = (2, 4, 4)


@pytest.fixture(autouse=True)
def fixed_initialisation():
    torch.manual_seed(0)


def g(seed):
    return torch.Generator().manual_seed(seed)


def started(layer):
    """An image ActNorm past its data-dependent start."""
    layer.initialize(1.0 + 3.0 * torch.randn(16, *layer.shape, generator=g(29)))
    return layer


LAYERS = {
    "squeeze": lambda: Squeeze(SHAPE),
    "ActNorm on images, started": lambda: started(ActNorm(SHAPE)),
    "conv coupling, checkerboard": lambda: ConvAffineCoupling(
        image_checkerboard_mask(SHAPE, 1), hidden=8
    ),
    "conv coupling, channels": lambda: ConvAffineCoupling(
        channel_mask(SHAPE, first=False), hidden=8, blocks=2
    ),
    "factor-out": lambda: FactorOut(SHAPE, hidden=8),
    "one scale": lambda: Compose(
        ConvAffineCoupling(image_checkerboard_mask(SHAPE), hidden=8),
        Squeeze(SHAPE),
        ConvAffineCoupling(channel_mask((8, 2, 2)), hidden=8),
        FactorOut((8, 2, 2), hidden=8),
    ),
    "multi-scale flow": lambda: multiscale_flow((1, 8, 8), couplings=2, hidden=8),
    "multi-scale flow, ActNorm": lambda: started_actnorms(
        multiscale_flow((1, 8, 8), couplings=1, hidden=8, actnorm=True)
    ),
}


def started_actnorms(flow):
    """Start every ActNorm of ``flow`` by one training-mode pass on a batch."""
    flow(1.0 + 3.0 * torch.randn(32, *flow.shape, generator=g(30)))
    return flow


@pytest.fixture(params=list(LAYERS), ids=list(LAYERS))
def flow(request):
    """A float64 layer pushed off its identity start, so the tests see a
    generic map."""
    return perturb_parameters(LAYERS[request.param]().double(), 0.1, g(1))


def test_inverse_undoes_forward(flow):
    x = 2 * torch.randn(8, *flow.shape, generator=g(2), dtype=F64)
    z, _ = flow(x)
    assert z.shape == (8, *flow.out_shape)
    torch.testing.assert_close(flow.inverse(z), x, atol=1e-9, rtol=1e-9)


def test_forward_undoes_inverse(flow):
    z = torch.randn(8, *flow.out_shape, generator=g(3), dtype=F64)
    torch.testing.assert_close(flow(flow.inverse(z))[0], z, atol=1e-9, rtol=1e-9)


def test_log_abs_det_equals_autograd_jacobian(flow):
    x = torch.randn(3, *flow.shape, generator=g(4), dtype=F64)
    _, log_abs_det = flow(x)
    torch.testing.assert_close(log_abs_det, autograd_log_abs_det(flow, x))


def test_the_layers_are_generic_where_they_should_be():
    """The log-det test means something only if the maps change volume."""
    for name in ("conv coupling, checkerboard", "factor-out", "multi-scale flow"):
        layer = perturb_parameters(LAYERS[name]().double(), 0.1, g(1))
        x = torch.randn(6, *layer.shape, generator=g(5), dtype=F64)
        assert layer(x)[1].std() > 1e-3, name


def test_squeeze_is_a_permutation_with_log_det_exactly_zero():
    layer = Squeeze((3, 4, 6))
    x = torch.randn(5, 3, 4, 6, generator=g(6))
    z, log_abs_det = layer(x)
    assert z.shape == (5, 12, 2, 3)
    assert torch.equal(log_abs_det, torch.zeros(5))
    # every value lands in exactly one place: the Jacobian is a permutation matrix
    J = flow_jacobian(layer.double(), x[0].double())
    assert ((J == 0) | (J == 1)).all()
    assert torch.equal(J.sum(0), torch.ones(72, dtype=F64))
    assert torch.equal(J.sum(1), torch.ones(72, dtype=F64))
    # a 2x2 block of one channel becomes one pixel of 4 channels
    block = torch.arange(4.0).view(1, 1, 2, 2)
    assert Squeeze((1, 2, 2))(block)[0].flatten().tolist() == [0, 1, 2, 3]


def test_image_actnorm_starts_each_channel_at_zero_mean_unit_variance():
    layer = ActNorm((3, 4, 4))
    assert layer.log_scale.shape == (3, 1, 1)
    x = torch.randn(64, 3, 4, 4, generator=g(14)) * torch.tensor([1.0, 5.0, 0.2]
                                                                 ).view(3, 1, 1)
    z, log_abs_det = layer(x + 2.0)
    torch.testing.assert_close(z.mean((0, 2, 3)), torch.zeros(3), atol=1e-5,
                               rtol=0)
    torch.testing.assert_close(z.std((0, 2, 3), unbiased=False), torch.ones(3),
                               atol=1e-4, rtol=0)
    # 16 pixels share each channel's scale: the log-det counts it 16 times
    torch.testing.assert_close(log_abs_det, 16 * layer.log_scale.sum().expand(64))


def test_masks_alternate_and_cover_every_value():
    board = image_checkerboard_mask((2, 2, 2))
    assert board.tolist() == [[[1, 0], [0, 1]]] * 2
    assert torch.equal(board + image_checkerboard_mask((2, 2, 2), 1),
                       torch.ones(2, 2, 2))
    channels = channel_mask((4, 1, 1))
    assert channels.flatten().tolist() == [1, 1, 0, 0]
    assert torch.equal(channel_mask((4, 1, 1), first=False), 1 - channels)


def test_layers_start_at_the_identity_and_the_prior_at_standard_normal():
    x = torch.randn(4, *SHAPE, generator=g(7))
    for layer in (ConvAffineCoupling(image_checkerboard_mask(SHAPE)),
                  FactorOut(SHAPE)):
        z, log_abs_det = layer(x)
        assert torch.equal(z, x) and torch.equal(log_abs_det, torch.zeros(4))


def test_factor_out_log_density_is_the_conditional_gaussian():
    """log phi(eps) + log|det| of the factored half is log N(z_B; mu, sigma^2),
    and that conditional integrates to one over z_B."""
    layer = perturb_parameters(FactorOut(SHAPE, hidden=8).double(), 0.3, g(8))
    h = torch.randn(5, *SHAPE, generator=g(9), dtype=F64)
    z, log_abs_det = layer(h)
    h_kept, z_out = h[:, :1], h[:, 1:]
    mu, log_sigma = layer.prior(h_kept)
    assert log_sigma.std() > 1e-3  # a prior that really depends on h_kept
    reference = torch.distributions.Normal(mu, log_sigma.exp())
    expected = reference.log_prob(z_out).flatten(1).sum(1)
    torch.testing.assert_close(
        standard_normal_log_prob(z[:, 1:]) + log_abs_det, expected
    )
    # normalized: with one factored value, exp(log-density) over z_B, at a
    # fixed h_A, integrates to one
    small = perturb_parameters(FactorOut((2, 1, 1), hidden=8).double(), 0.3, g(10))
    h_kept = torch.full((1, 1, 1, 1), 0.7, dtype=F64)
    mu, log_sigma = (v.item() for v in small.prior(h_kept))
    sigma = math.exp(log_sigma)
    assert abs(mu) > 1e-3 and abs(log_sigma) > 1e-3  # not N(0, 1) by accident
    grid = torch.linspace(mu - 12 * sigma, mu + 12 * sigma, 20_001, dtype=F64)
    h = torch.cat([h_kept.expand(len(grid), 1, 1, 1), grid.view(-1, 1, 1, 1)], 1)
    z, log_abs_det = small(h)
    density = (standard_normal_log_prob(z[:, 1:]) + log_abs_det).exp()
    assert abs(torch.trapezoid(density.detach(), grid).item() - 1) < 1e-6


def test_multiscale_shapes_and_factored_dimensions():
    flow = multiscale_flow((1, 8, 8), couplings=2, hidden=8)
    assert flow.sizes == [32, 16, 16]  # half out at each scale, the rest at the end
    assert [scale.out_shape for scale in flow.scales] == [(4, 4, 4), (8, 2, 2)]
    assert flow.out_shape == (64,)
    model = FlowModel(flow)
    samples = model.sample(3, g(10))
    assert samples.shape == (3, 1, 8, 8)


def test_the_model_bounds_the_digits_finitely():
    images = digit_images()
    assert images["train"].shape == (1000, 1, 8, 8)
    for dequantization in ("uniform", "variational"):
        model = multiscale_digits_flow(couplings=2, hidden=8, blocks=1,
                                       dequantization=dequantization, seed=0)
        bounds = model.nll_bound(images["test"][:50], samples=2,
                                 generator=g(11))
        assert math.isfinite(bounds["elbo"]) and bounds["iw"] <= bounds["elbo"]
        x = images["test"][:4]
        assert torch.equal(model.decode(model.encode(x)), x)
        assert model.sample(2, g(12)).shape == (2, 1, 8, 8)


def test_variational_dequantizer_on_images_stays_in_the_unit_cube():
    dequantizer = VariationalDequantizer(16, LEVELS, hidden=8)
    x = torch.randint(0, LEVELS, (6, 1, 4, 4)).double()
    u, log_q = dequantizer.double()(x, g(13))
    assert u.shape == x.shape and ((u > 0) & (u < 1)).all()
    assert log_q.shape == (6,)


def test_bad_inputs_raise_value_error():
    model = FlowModel(multiscale_flow((1, 8, 8), couplings=1, hidden=4))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 1, 8, 8\)"):
        model.log_prob(torch.zeros(3, 64))
    with pytest.raises(ValueError, match="NaN"):
        model.log_prob(torch.full((2, 1, 8, 8), float("nan")))
    with pytest.raises(ValueError, match=r"z must have shape \(batch, 64\)"):
        model.decode(torch.zeros(2, 1, 8, 8))
    dequantized = DequantizedFlow(multiscale_flow((1, 8, 8), couplings=1,
                                                  hidden=4), LEVELS)
    with pytest.raises(ValueError, match="integers 0..16"):
        dequantized.log_prob_bound(torch.full((2, 1, 8, 8), 0.5))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 1, 8, 8\)"):
        dequantized.nll_bound(torch.zeros(2, 8, 8))


def test_bad_construction_raises_value_error():
    with pytest.raises(ValueError, match="even height and width"):
        Squeeze((1, 3, 4))
    with pytest.raises(ValueError, match="at least 2 channels"):
        channel_mask((1, 4, 4))
    with pytest.raises(ValueError, match="C >= 2"):
        FactorOut((1, 4, 4))
    with pytest.raises(ValueError, match="3-D tensor of zeros and ones"):
        ConvAffineCoupling(torch.ones(4))
    with pytest.raises(ValueError, match="s_max must be positive"):
        ConvAffineCoupling(channel_mask(SHAPE), s_max=0)
    with pytest.raises(ValueError, match="keeps the number of values"):
        Flow((1, 4, 4), (3, 2, 2))
    with pytest.raises(ValueError, match="share one dimension"):
        Compose(Squeeze((1, 4, 4)), Squeeze((1, 4, 4)))
    with pytest.raises(ValueError, match=r"scale 0 keeps \(2, 2, 2\)"):
        MultiScaleFlow([Compose(Squeeze((1, 4, 4)), FactorOut((4, 2, 2)))],
                       Squeeze((1, 4, 4)))
    with pytest.raises(ValueError, match="takes no context"):
        ConvAffineCoupling(channel_mask(SHAPE)).s_and_t(
            torch.zeros(1, *SHAPE), torch.zeros(1, 2)
        )
    with pytest.raises(ValueError, match="dequantization must be one of"):
        multiscale_digits_flow(couplings=1, hidden=4, blocks=1,
                               dequantization="none", seed=0)


def test_the_multiscale_record_says_how_it_was_trained(monkeypatch):
    from lecturecode.experiments.multiscale import (
        settings_multiscale,
        train_multiscale_flow,
    )

    monkeypatch.setenv("LECTURE_MODEL_CACHE", "off")
    monkeypatch.setenv("LECTURE_SCALE", "smoke")
    settings = settings_multiscale()
    _, record = train_multiscale_flow(0, dequantization="uniform", device="cpu")
    recipe = record.extra["recipe"]
    assert (recipe["steps"], recipe["lr"], recipe["batch_size"]) == (
        settings["steps"], settings["lr"], 64)
    assert recipe["dropout"] == settings["dropout"]
    assert recipe["dequantization"] == "uniform"
    assert recipe["importance_samples"] == settings["eval_samples"]
    assert recipe["actnorm"] is settings["actnorm"]
