"""Coupling flows (lecture 18.1.2.1), Glow's LU layer and dequantization: round
trips and log-determinants against the autograd Jacobian in float64, the
structure of the coupling Jacobian, sampling, the discrete bound, bad inputs."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from lecturecode.density2d import density_grid, grid_mass
from lecturecode.experiments.digits import independent_pixels
from lecturecode.experiments.flows import (
    SPLINE,
    flow_families_2d,
    matched_width,
    over_seeds,
    run_2d,
)
from lecturecode.flows import (
    ActNorm,
    AdditiveCoupling,
    AffineCoupling,
    Compose,
    DequantizedFlow,
    DiagonalScaling,
    ElementwiseFlow,
    FlowModel,
    Knots,
    LinearFlow,
    LogitTransform,
    LULinear,
    Permutation,
    SplineCoupling,
    VariationalDequantizer,
    autograd_log_abs_det,
    checkerboard_mask,
    coupling_flow,
    flow_jacobian,
    half_mask,
    knots_from,
    rational_quadratic_spline,
    spline_flow,
)
from lecturecode.records import ModelResult
from lecturecode.runtime import count_parameters, perturb_parameters

F64 = torch.float64
D = 6


@pytest.fixture(autouse=True)
def fixed_initialisation():
    """Networks are initialised from torch's global generator: seed it per test,
    so a test sees the same model whether run alone or with the others."""
    torch.manual_seed(0)


def generic(flow, seed=0, scale=0.3):
    """A float64 copy of ``flow`` moved away from its identity initialisation."""
    return perturb_parameters(
        flow.double(), scale, torch.Generator().manual_seed(seed)
    )


def g(seed):
    return torch.Generator().manual_seed(seed)


def started(layer):
    """An ActNorm past its data-dependent start (on a batch away from 0 and 1)."""
    layer.initialize(1.0 + 3.0 * torch.randn(128, layer.dim, generator=g(29)))
    return layer


LAYERS = {
    "additive coupling": lambda: AdditiveCoupling(half_mask(D)),
    "affine coupling": lambda: AffineCoupling(half_mask(D, first=False)),
    "affine coupling, checkerboard": lambda: AffineCoupling(
        checkerboard_mask(2, 3, parity=1)
    ),
    "diagonal scaling": lambda: DiagonalScaling(D),
    "ActNorm, started": lambda: started(ActNorm(D)),
    "spline coupling": lambda: SplineCoupling(half_mask(D), bins=5, hidden=16),
    "spline coupling, checkerboard": lambda: SplineCoupling(
        checkerboard_mask(2, 3, parity=0), bins=4, bound=2.0, hidden=16
    ),
    "spline stack": lambda: spline_flow(D, 3, bins=6, hidden=16),
    "spline stack, checkerboard": lambda: spline_flow(
        D, 2, bins=4, hidden=16, image_shape=(2, 3)
    ),
    "permutation": lambda: Permutation.random(D, g(0)),
    "LU linear": lambda: LULinear(D, g(1)),
    "NICE stack": lambda: coupling_flow(D, 4, coupling="additive"),
    "RealNVP stack, checkerboard": lambda: coupling_flow(D, 4, image_shape=(2, 3)),
    "RealNVP stack, permutations": lambda: coupling_flow(
        D, 4, mixing="permute", generator=g(2)
    ),
    "deep composition": lambda: Compose(
        coupling_flow(D, 6, mixing="lu", generator=g(3)),
        ElementwiseFlow(D, components=3),
        LinearFlow(D),
        coupling_flow(D, 3, coupling="additive"),
    ),
}


@pytest.fixture(params=list(LAYERS), ids=list(LAYERS))
def flow(request):
    # a gentler push for the deep stack, whose maps otherwise reach |z| ~ 1e4
    scale = 0.1 if request.param == "deep composition" else 0.3
    return generic(LAYERS[request.param](), seed=len(request.param), scale=scale)


def test_inverse_undoes_forward(flow):
    x = 2 * torch.randn(64, D, generator=g(1), dtype=F64)
    z, _ = flow(x)
    torch.testing.assert_close(flow.inverse(z), x, atol=1e-9, rtol=1e-9)


def test_forward_undoes_inverse(flow):
    z = torch.randn(64, D, generator=g(2), dtype=F64)
    torch.testing.assert_close(flow(flow.inverse(z))[0], z, atol=1e-9, rtol=1e-9)


def test_log_abs_det_equals_autograd_jacobian(flow):
    x = torch.randn(16, D, generator=g(3), dtype=F64)
    _, log_abs_det = flow(x)
    torch.testing.assert_close(log_abs_det, autograd_log_abs_det(flow, x))


def test_the_stacks_really_mix_and_are_not_volume_preserving_by_accident():
    """The log-det test means something only if the maps are generic."""
    flow = generic(LAYERS["deep composition"](), seed=5, scale=0.1)
    x = torch.randn(8, D, generator=g(4), dtype=F64)
    J = flow_jacobian(flow, x[0])
    assert (J.abs() > 1e-6).all()  # every output depends on every input
    assert flow(x)[1].std() > 1e-3  # the log-det varies with x


def test_additive_coupling_log_det_is_exactly_zero():
    flow = generic(coupling_flow(D, 5, coupling="additive", scaling=False), 1)
    x = 3 * torch.randn(32, D, generator=g(5), dtype=F64)
    z, log_abs_det = flow(x)
    assert torch.equal(log_abs_det, torch.zeros(32, dtype=F64))
    assert (z - x).abs().max() > 0.1  # ... although it moved the points
    torch.testing.assert_close(
        autograd_log_abs_det(flow, x[:4]), torch.zeros(4, dtype=F64)
    )


def test_nice_volume_change_is_the_scaling_layer_alone():
    flow = generic(coupling_flow(D, 4, coupling="additive"), 2)
    assert isinstance(flow.layers[-1], DiagonalScaling)
    x = torch.randn(5, D, generator=g(6), dtype=F64)
    expected = flow.layers[-1].log_scale.sum().expand(5)
    torch.testing.assert_close(flow(x)[1], expected)


def test_affine_coupling_jacobian_has_the_lecture_structure():
    """[[I, 0], [dz_B/dx_A, diag(exp(s))]] and det = exp(sum s)."""
    layer = generic(AffineCoupling(half_mask(D)), 3, 0.5)
    x = torch.randn(D, generator=g(7), dtype=F64)
    J = flow_jacobian(layer, x)
    h = D // 2
    torch.testing.assert_close(J[:h, :h], torch.eye(h, dtype=F64))
    assert torch.equal(J[:h, h:], torch.zeros(h, D - h, dtype=F64))
    s = layer.s_theta(x * layer.mask)[h:]
    torch.testing.assert_close(J[h:, h:], torch.diag(s.exp()))
    assert J[h:, :h].abs().min() > 0  # the off-diagonal block mixes
    torch.testing.assert_close(torch.linalg.det(J), s.sum().exp())


def test_masks():
    assert half_mask(4).tolist() == [1, 1, 0, 0]
    assert half_mask(5, first=False).tolist() == [0, 0, 1, 1, 1]
    board = checkerboard_mask(3, 4).reshape(3, 4)
    assert board.tolist() == [[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]]
    assert torch.equal(checkerboard_mask(3, 4, 1), 1 - checkerboard_mask(3, 4))


def test_alternating_couplings_update_every_coordinate():
    flow = coupling_flow(8, 2, image_shape=(2, 4))
    masks = [layer.mask for layer in flow.layers]
    assert torch.equal(masks[0] + masks[1], torch.ones(8))


def test_lu_layer_assembles_its_factors_and_starts_as_a_rotation():
    layer = LULinear(5, g(8)).double()
    W = layer.weight().detach()
    torch.testing.assert_close(W @ W.T, torch.eye(5, dtype=F64))
    P, L, U = (m.detach() for m in layer.factors())
    assert torch.equal(torch.triu(L, 1), torch.zeros(5, 5, dtype=F64))
    assert torch.equal(torch.diagonal(L), torch.ones(5, dtype=F64))
    assert torch.equal(torch.tril(U, -1), torch.zeros(5, 5, dtype=F64))
    generic(layer, 9)
    torch.testing.assert_close(
        layer.log_abs_det(), torch.linalg.slogdet(layer.weight()).logabsdet
    )


@pytest.mark.parametrize("name", ["NICE stack", "RealNVP stack, permutations"])
def test_density_integrates_to_one(name):
    flow = {
        "NICE stack": lambda: coupling_flow(2, 4, coupling="additive"),
        "RealNVP stack, permutations": lambda: coupling_flow(
            2, 4, mixing="lu", generator=g(4)
        ),
    }[name]()
    model = FlowModel(generic(flow, seed=8, scale=0.2))
    assert grid_mass(
        model.log_prob, lim=12, resolution=500, dtype=F64
    ) == pytest.approx(1, abs=2e-3)


def test_sampling_then_log_prob_is_consistent():
    """sample() and log_prob() describe one density. The samples' codes z are
    standard normal (KS test per coordinate), and a 10 x 10 histogram of the
    samples matches the probabilities that log_prob gives the same bins (total
    variation distance); another flow's log_prob does not."""
    flow = generic(coupling_flow(2, 4), seed=10, scale=0.1)
    model = FlowModel(flow)
    wrong = FlowModel(generic(coupling_flow(2, 4), seed=12, scale=0.1))
    x = model.sample(40000, g(11))
    with torch.no_grad():
        z, _ = flow(x)
    for coordinate in z.T:
        assert stats.kstest(coordinate.numpy(), stats.norm.cdf).pvalue > 0.01
    lim = 6.0  # holds all but a fraction of a percent of the mass
    counts, _, _ = np.histogram2d(
        x[:, 1].numpy(), x[:, 0].numpy(), bins=10, range=[[-lim, lim]] * 2
    )

    def bin_probabilities(m):  # fine grid, summed into the 10 x 10 bins
        xs, p = density_grid(m.log_prob, lim, resolution=200, dtype=F64)
        mass = p * (xs[1] - xs[0]) ** 2
        return mass.reshape(10, 20, 10, 20).sum(dim=(1, 3)).numpy()

    frequencies = counts / len(x)
    tv = 0.5 * np.abs(frequencies - bin_probabilities(model)).sum()
    tv_wrong = 0.5 * np.abs(frequencies - bin_probabilities(wrong)).sum()
    assert tv < 0.03
    assert tv_wrong > 0.1


def test_sampling_is_reproducible_with_a_generator():
    model = FlowModel(generic(coupling_flow(4, 3)))
    assert torch.equal(model.sample(5, g(3)), model.sample(5, g(3)))


# Dequantization -----------------------------------------------------------------


def test_logit_transform_log_det_and_range():
    layer = LogitTransform(3, levels=17, alpha=0.05).double()
    w = 17 * torch.rand(10, 3, generator=g(12), dtype=F64)
    v, log_abs_det = layer(w)
    torch.testing.assert_close(log_abs_det, autograd_log_abs_det(layer, w))
    torch.testing.assert_close(layer.inverse(v), w)


def discrete_model(dequantizer=None, dim=3, levels=4, seed=13, alpha=0.05):
    flow = generic(coupling_flow(dim, 2), seed=seed, scale=0.2)
    return DequantizedFlow(flow, levels, dequantizer, alpha=alpha).double()


def all_points(dim, levels):
    grid = torch.cartesian_prod(*[torch.arange(levels, dtype=F64)] * dim)
    return grid.reshape(-1, dim)


def exact_log_probs(model, points, n=60):
    """log P(x) = log of the integral of p(w) over the cell x + [0, 1)^2, by the
    midpoint rule on an n x n grid, for each 2-D point x."""
    offsets = (torch.arange(n, dtype=F64) + 0.5) / n
    cell = torch.cartesian_prod(offsets, offsets)
    return torch.stack(
        [
            torch.logsumexp(model.continuous_log_prob(x + cell), 0)
            - math.log(n * n)
            for x in points
        ]
    )


@pytest.mark.parametrize("alpha", [0.0, 0.05])
def test_dequantization_bound_is_below_the_exact_discrete_probability(alpha):
    """P(x) = integral of p over the unit cell above x, by midpoint rule on a
    fine grid, for every x of {0..3}^2: the bound must lie below log P(x), and the
    importance-weighted bound between the two. With alpha = 0 the logit maps
    (0, K) onto R and the P(x) sum to one; with alpha > 0 some mass of p(w) lies
    outside [0, K]^d and they sum to less: a sub-normalized model, whose NLL
    is an upper bound on that of its normalized version: still a valid bound.
    """
    model = discrete_model(dim=2, levels=4, alpha=alpha)
    points = all_points(2, 4)
    with torch.no_grad():
        exact = exact_log_probs(model, points)
        bound = torch.stack(
            [model.log_prob_bound(points, g(k)) for k in range(400)]
        ).mean(0)
    # sub-normalized when alpha > 0 (the midpoint rule also misses a little mass
    # right at the cube's faces, where p(w) has the logit's steep tails)
    assert 0.5 < exact.exp().sum().item() < 1.01
    # (with alpha = 0 the midpoint rule is least accurate at the cube's faces)
    assert (bound <= exact + 0.01).all()
    bounds = model.nll_bound(points, samples=64, generator=g(1))
    exact_nll = -exact.mean().item()
    assert bounds["iw"] <= bounds["elbo"]
    # the importance-weighted estimate is close to the exact NLL (its bias is
    # upwards, its noise either way)
    assert abs(bounds["iw"] - exact_nll) < 0.1 < bounds["elbo"] - exact_nll


def test_variational_dequantizer_log_density_matches_autograd():
    """log q(u | x) = log N(e) - log |det du/de|, with the Jacobian by autograd."""
    q = generic(VariationalDequantizer(3, levels=4, hidden=16), seed=14)
    x = torch.tensor([[1.0, 3.0, 0.0]], dtype=F64)
    e = torch.randn(5, 3, generator=g(15), dtype=F64)
    for row in e:
        J = torch.autograd.functional.jacobian(
            lambda v: q.noise_to_cube(v.unsqueeze(0), x)[0].squeeze(0), row
        )
        _, log_abs_det = q.noise_to_cube(row.unsqueeze(0), x)
        torch.testing.assert_close(log_abs_det[0], torch.linalg.slogdet(J)[1])
    u, log_q = q(x.expand(2000, 3), g(16))
    assert ((u > 0) & (u < 1)).all()
    assert log_q.std() > 0.1  # really not uniform


def test_variational_bound_is_valid_too():
    model = discrete_model(VariationalDequantizer(2, levels=4, hidden=16), dim=2)
    generic(model.dequantizer, seed=16, scale=0.3)
    points = all_points(2, 4)
    with torch.no_grad():
        exact = exact_log_probs(model, points)
    bounds = model.nll_bound(points, samples=200, generator=g(2))
    assert -exact.mean().item() <= bounds["elbo"] + 1e-3


def test_the_bound_subtracts_log_q():
    """log p(x + u) - log q(u | x): with a learned q, log q is not zero."""
    q = generic(VariationalDequantizer(3, levels=4, hidden=16), seed=18)
    model = discrete_model(q)
    x = all_points(3, 4)[::5]
    u, log_q = q(x, g(19))
    expected = model.continuous_log_prob(x + u) - log_q
    torch.testing.assert_close(model.log_prob_bound(x, g(19)), expected)
    assert log_q.abs().min() > 1e-3


def test_discrete_samples_are_levels():
    model = discrete_model(levels=17)
    x = model.sample(50, g(17))
    assert ((x == x.round()) & (x >= 0) & (x <= 16)).all()
    w = model.sample(50, g(17), discrete=False)
    assert torch.equal(w.floor().clamp(0, 16), x)


def test_independent_pixels_baseline_matches_the_reference_number():
    _, result = independent_pixels("grey digits")
    assert result.test_nll == pytest.approx(106.47, abs=0.01)


# Bad inputs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad, message",
    [
        (torch.zeros(5), r"shape \(batch, 6\)"),
        (torch.zeros(5, 4), r"shape \(batch, 6\)"),
        (torch.full((1, 6), float("nan")), "NaN or infinite"),
        (torch.zeros(5, 6, dtype=torch.long), "floating-point"),
    ],
)
@pytest.mark.parametrize("name", list(LAYERS))
def test_bad_inputs_raise_value_error(name, bad, message):
    model = FlowModel(LAYERS[name]())  # layers trust their input: the entry checks
    with pytest.raises(ValueError, match=message):
        model.encode(bad)
    with pytest.raises(ValueError, match=message.replace("x", "z")):
        model.decode(bad)


def test_bad_construction_raises_value_error():
    with pytest.raises(ValueError, match="dim >= 2"):
        half_mask(1)
    with pytest.raises(ValueError, match="parity"):
        checkerboard_mask(2, 2, parity=2)
    with pytest.raises(ValueError, match="zeros and ones"):
        AffineCoupling(torch.tensor([0.5, 1.0]))
    with pytest.raises(ValueError, match="transform others"):
        AdditiveCoupling(torch.ones(4))
    with pytest.raises(ValueError, match="does not hold"):
        coupling_flow(6, 2, image_shape=(2, 2))
    with pytest.raises(ValueError, match="mixing"):
        coupling_flow(4, 2, mixing="shuffle")
    with pytest.raises(ValueError, match="coupling must be"):
        coupling_flow(4, 2, coupling="spline")
    with pytest.raises(ValueError, match="permutation"):
        Permutation([0, 0, 1])
    with pytest.raises(ValueError, match="alpha"):
        LogitTransform(2, 17, alpha=0.5)
    with pytest.raises(ValueError, match="couplings must be a positive integer"):
        coupling_flow(4, 0)
    with pytest.raises(ValueError, match="hidden must be a positive integer"):
        AffineCoupling(half_mask(4), hidden=0)
    with pytest.raises(ValueError, match="s_max must be positive"):
        coupling_flow(2, 2, s_max=0.0)


def test_s_max_bounds_the_log_scale_of_a_fresh_layer():
    layer = AffineCoupling(half_mask(2), s_max=2.0)
    torch.nn.init.normal_(layer.s_theta_net[-1].weight, std=100.0)  # saturate tanh
    x = torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
    s = layer.s_theta(x * layer.mask)
    assert s.abs().max() <= 2.0 and s.abs().max() > 1.9
    assert torch.equal(s[:, 0], torch.zeros(500))  # 0 on the kept coordinate


@pytest.mark.parametrize(
    "bad", [[[0.5, 1.0, 2.0]], [[-1.0, 0.0, 1.0]], [[17.0, 0.0, 1.0]]]
)
def test_dequantized_flow_rejects_non_levels(bad):
    model = discrete_model(levels=17)
    with pytest.raises(ValueError, match="integers 0..16"):
        model.log_prob(torch.tensor(bad, dtype=F64))
    with pytest.raises(ValueError, match="integers 0..16"):
        model.encode(torch.tensor(bad, dtype=F64))


def test_dequantized_flow_decodes_each_code_to_its_image():
    model = discrete_model(levels=4)
    x = all_points(3, 4)
    z = model.encode(x)
    assert z.shape == x.shape and not torch.equal(z, x)
    assert torch.equal(model.decode(z), x)
    w = model.decode(z, discrete=False)
    assert torch.allclose(w, x + 0.5)  # the centre of each cell
    with pytest.raises(ValueError, match=r"z must have shape \(batch, 3\)"):
        model.decode(torch.zeros(2, 4))


# The 2-D comparison of coupling.md: matched sizes and the summary over seeds --------


def test_matched_width_picks_the_closest_count():
    def build(width):
        return torch.nn.Linear(1, width)  # 2 * width parameters

    assert matched_width(build, 20) == 10
    assert matched_width(build, 21) == 10  # 20 and 22 are equally close: narrower
    assert matched_width(build, 23.5) == 12  # 24 is nearer than 22
    with pytest.raises(ValueError, match="as few as 1"):
        matched_width(build, 1)


def test_nice_gets_as_many_parameters_as_realnvp():
    families = flow_families_2d(couplings=4, hidden=32, layers=2, lr=1e-3)
    nice, realnvp = (
        count_parameters(families[name][0]())
        for name in ("NICE (additive)", "RealNVP (affine)")
    )
    same_width = count_parameters(
        coupling_flow(2, 4, coupling="additive", hidden=32)
    )
    assert abs(nice / realnvp - 1) < 0.02
    assert abs(same_width / realnvp - 1) > 0.3  # the matching did something


def test_over_seeds_gives_mean_and_sample_sd():
    def record(model, seed, gap):
        return ModelResult(model, "ring", 1.0 + gap, None, 1, 0.0, "cpu", seed,
                           "smoke", {"gap": gap})

    results = [record("a", 0, 0.1), record("a", 1, 0.3), record("b", 0, 0.5)]
    summary = over_seeds(results)
    mean, sd, values = summary["ring", "a"]
    assert values == [0.1, 0.3] and mean == pytest.approx(0.2)
    assert sd == pytest.approx(math.sqrt(0.02))
    assert summary["ring", "b"][1] == 0.0
    assert over_seeds(results, "test_nll")["ring", "a"][0] == pytest.approx(1.2)


def test_run_2d_rejects_bad_arguments():
    with pytest.raises(ValueError, match="seeds must be a positive integer"):
        run_2d(steps=1, n_train=10, seeds=0)
    with pytest.raises(ValueError, match="no such 2-D data sets"):
        run_2d(steps=1, n_train=10, datasets=("two moons", "spiral"))


# Conditional couplings ------------------------------------------------------------


@pytest.mark.parametrize("Layer", [AdditiveCoupling, AffineCoupling, SplineCoupling])
def test_a_conditional_coupling_inverts_given_its_context(Layer):
    layer = generic(Layer(half_mask(D), hidden=8, context_dim=2), seed=21)
    x = torch.randn(16, D, generator=g(22), dtype=F64)
    context = torch.randn(16, 2, generator=g(23), dtype=F64)
    z, log_abs_det = layer(x, context)
    torch.testing.assert_close(layer.inverse(z, context), x, atol=1e-9, rtol=1e-9)
    other, _ = layer(x, context + 1.0)
    assert (other - z).abs().max() > 1e-3  # the context does reach the networks
    for row, c in zip(x[:4], context[:4], strict=True):
        J = torch.autograd.functional.jacobian(
            lambda v, c=c: layer(v.unsqueeze(0), c.unsqueeze(0))[0].squeeze(0), row
        )
        log_det = layer(row.unsqueeze(0), c.unsqueeze(0))[1]
        torch.testing.assert_close(log_det[0], torch.linalg.slogdet(J).logabsdet)


def test_a_coupling_refuses_a_missing_or_unexpected_context():
    conditional = AffineCoupling(half_mask(D), context_dim=2)
    with pytest.raises(ValueError, match="context of 2 values, got none"):
        conditional(torch.zeros(3, D))
    with pytest.raises(ValueError, match=r"context of 0 values, got shape \(3, 2\)"):
        AdditiveCoupling(half_mask(D))(torch.zeros(3, D), torch.zeros(3, 2))


def test_the_variational_dequantizer_is_built_from_affine_couplings():
    q = VariationalDequantizer(4, levels=17, hidden=8, couplings=3)
    assert [type(c) for c in q.couplings] == [AffineCoupling] * 3
    assert {c.context_dim for c in q.couplings} == {4}


# ActNorm (Glow's activation normalization) -------------------------------------


def test_actnorm_starts_from_the_first_training_batch():
    x = 3.0 + 2.0 * torch.randn(256, D, generator=g(30), dtype=F64)
    layer = ActNorm(D).double()
    z, log_abs_det = layer(x)
    assert torch.allclose(z.mean(0), torch.zeros(D, dtype=F64), atol=1e-10)
    assert torch.allclose(z.std(0, unbiased=False), torch.ones(D, dtype=F64))
    assert torch.allclose(log_abs_det, -x.std(0, unbiased=False).log().sum())
    again, _ = layer(x + 5.0)  # the start happens once
    assert torch.allclose(again, z + 5.0 * layer.log_scale.exp())
    assert torch.allclose(layer.inverse(z), x)


def test_actnorm_does_not_start_in_eval_mode_or_after_loading():
    x = 4.0 + torch.randn(64, D, generator=g(31))
    fresh = ActNorm(D).eval()
    assert torch.equal(fresh(x)[0], x)  # still the identity
    trained = ActNorm(D)
    trained(x)
    loaded = ActNorm(D)
    loaded.load_state_dict(trained.state_dict())
    assert torch.equal(loaded(x + 1.0)[0], trained(x + 1.0)[0])
    with pytest.raises(ValueError, match="at least 2 rows"):
        ActNorm(D)(x[:1])


def test_coupling_flow_puts_an_actnorm_before_each_coupling():
    flow = coupling_flow(D, 3, actnorm=True)
    kinds = [type(layer).__name__ for layer in flow.layers]
    assert kinds == ["ActNorm", "AffineCoupling"] * 3


# Rational-quadratic splines (Neural Spline Flows) ---------------------------------

BOUND, BINS = 2.0, 6


def one_spline(n, seed=40, spread=1.5):
    """The knots of one random spline on [-BOUND, BOUND], repeated for n values."""
    raw = spread * torch.randn(3 * BINS - 1, generator=g(seed), dtype=F64)
    knots = knots_from(raw[:BINS], raw[BINS : 2 * BINS], raw[2 * BINS :], BOUND)
    return Knots(*(field.expand(n, BINS + 1) for field in knots))


def spline(values, **options):
    return rational_quadratic_spline(values, one_spline(len(values), **options))


def test_spline_knots_span_the_interval_with_unit_slope_at_the_ends():
    knots = one_spline(1)
    for positions in (knots.x[0], knots.y[0]):
        assert positions[0] == -BOUND and positions[-1] == BOUND
        assert (positions.diff() > 0).all()
    assert knots.derivative[0, 0] == 1 and knots.derivative[0, -1] == 1
    assert (knots.derivative > 0).all()
    assert knots.derivative[0, 1:-1].std() > 0.1  # a generic spline


def test_spline_passes_through_its_knots_and_is_monotone():
    knots = one_spline(BINS + 1)
    y, _ = rational_quadratic_spline(knots.x[0].clone(), knots)
    torch.testing.assert_close(y, knots.y[0], atol=1e-12, rtol=0)
    x = torch.linspace(-3 * BOUND, 3 * BOUND, 20_001, dtype=F64)
    y, log_slope = spline(x)
    assert (y.diff() > 0).all()
    assert torch.isfinite(log_slope).all()


def test_spline_is_the_identity_outside_the_interval():
    x = torch.tensor([-50.0, -BOUND - 1e-9, BOUND + 1e-9, 7.0], dtype=F64)
    for inverse in (False, True):
        y, log_slope = rational_quadratic_spline(x, one_spline(4, 41), inverse)
        assert torch.equal(y, x)
        assert torch.equal(log_slope, torch.zeros(4, dtype=F64))


def test_spline_value_and_slope_are_continuous_at_the_knots():
    """Just left and just right of every knot, the tails' ends included, the map
    and its derivative agree (and equal y_k and delta_k)."""
    knots = one_spline(1)
    eps = 1e-7
    x_k = knots.x[0]
    for side in (-eps, eps):
        y, log_slope = spline(x_k + side)
        torch.testing.assert_close(y, knots.y[0], atol=1e-5, rtol=0)
        torch.testing.assert_close(
            log_slope.exp(), knots.derivative[0], atol=1e-4, rtol=1e-4
        )


def test_spline_inverse_agrees_with_bisection():
    y = torch.linspace(-BOUND, BOUND, 501, dtype=F64)
    x, log_slope = rational_quadratic_spline(y, one_spline(501, 42), inverse=True)
    low, high = torch.full_like(y, -BOUND), torch.full_like(y, BOUND)
    for _ in range(80):  # the map is increasing: halve the bracket
        middle = (low + high) / 2
        above = spline(middle, seed=42)[0] > y
        low, high = torch.where(above, low, middle), torch.where(above, middle, high)
    torch.testing.assert_close(x, (low + high) / 2, atol=1e-10, rtol=0)
    torch.testing.assert_close(log_slope, spline(x, seed=42)[1])


def test_a_bins_log_derivative_matches_a_finite_difference():
    knots = one_spline(1)
    x = knots.x[0, 2] + torch.tensor([0.1, 0.5, 0.9], dtype=F64) * (
        knots.x[0, 3] - knots.x[0, 2]
    )  # three points of bin 2
    h = 1e-6
    difference = (spline(x + h)[0] - spline(x - h)[0]) / (2 * h)
    torch.testing.assert_close(spline(x)[1], difference.log(), atol=1e-7, rtol=0)


def test_a_fresh_spline_coupling_is_the_identity():
    layer = SplineCoupling(half_mask(D), bins=5).double()
    x = 2 * torch.randn(32, D, generator=g(43), dtype=F64)
    z, log_abs_det = layer(x)
    torch.testing.assert_close(z, x, atol=1e-12, rtol=0)
    torch.testing.assert_close(log_abs_det, torch.zeros(32, dtype=F64))


def test_spline_coupling_keeps_its_kept_half_and_has_the_coupling_jacobian():
    layer = generic(SplineCoupling(half_mask(D), bins=5, hidden=16), seed=44)
    x = torch.randn(D, generator=g(45), dtype=F64)
    J = flow_jacobian(layer, x)
    h = D // 2
    torch.testing.assert_close(J[:h, :h], torch.eye(h, dtype=F64))
    assert torch.equal(J[:h, h:], torch.zeros(h, D - h, dtype=F64))
    assert torch.equal(J[h:, h:], torch.diag(torch.diagonal(J)[h:]))
    assert J[h:, :h].abs().min() > 0  # the knots depend on x_A


def test_bad_spline_sizes_raise_value_error():
    raw = torch.zeros(4)
    with pytest.raises(ValueError, match="K widths, K heights and K - 1"):
        knots_from(raw, raw, raw, 1.0)
    with pytest.raises(ValueError, match="at least 2 bins"):
        SplineCoupling(half_mask(4), bins=1)
    with pytest.raises(ValueError, match="bins must be a positive integer"):
        SplineCoupling(half_mask(4), bins=2.5)
    with pytest.raises(ValueError, match="min_bin must lie in"):
        SplineCoupling(half_mask(4), bins=8, min_bin=0.2)
    with pytest.raises(ValueError, match="min_derivative must lie in"):
        knots_from(raw, raw, raw[:3], 1.0, min_derivative=0.0)
    with pytest.raises(ValueError, match="bound must be positive"):
        spline_flow(4, 2, bound=0.0)
    with pytest.raises(ValueError, match="does not hold 4 values"):
        spline_flow(4, 2, image_shape=(2, 3))
    with pytest.raises(ValueError, match="zeros and ones"):
        SplineCoupling(torch.tensor([0.5, 1.0]))


def test_the_spline_flow_joins_the_2d_families_on_request():
    assert SPLINE not in flow_families_2d(couplings=4, hidden=32, layers=2, lr=1e-3)
    sizes = dict(couplings=3, bins=4, bound=2.5, hidden=8)
    families = flow_families_2d(4, 32, 2, 1e-3, clip_grad_norm=1.0, spline=sizes)
    factory, fit_options = families[SPLINE]
    flow = factory()
    assert [type(layer) for layer in flow.layers] == [SplineCoupling] * 3
    assert {(layer.bins, layer.bound) for layer in flow.layers} == {(4, 2.5)}
    assert fit_options == families["RealNVP (affine)"][1]
    results, fitted, _ = run_2d(
        steps=3, n_train=300, seeds=2, models=[SPLINE], spline=sizes,
        datasets=("checkerboard",), entropy_samples=2000,
    )
    assert [(r.model, r.seed) for r in results] == [(SPLINE, 0), (SPLINE, 1)]
    assert all(math.isfinite(r.extra["gap"]) for r in results)
    assert list(fitted) == [("checkerboard", SPLINE)]
