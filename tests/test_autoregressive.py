"""Autoregressive models (lecture 18.2): the autoregressive property by gradients,
exact normalization by enumerating every binary vector, samples against exact
probabilities, MAF as a flow, and input validation."""

import math

import pytest
import torch
from scipy import stats

from lecturecode.autoregressive import (
    FVSBN,
    MADE,
    MAF,
    NADE,
    AutoregressiveModel,
    IndependentBernoulli,
    MADEMixture,
    MADENet,
    MaskedConv2d,
    UntiedNADE,
    all_binary_vectors,
    averaged_logits_log_prob,
    fvsbn_mask,
    hidden_degrees,
    made_masks,
    mask_A,
    mask_V,
    mask_W,
    masks_from_degrees,
    ranks,
    total_probability,
)
from lecturecode.density2d import grid_mass
from lecturecode.flows import Compose, FlowModel, autograd_log_abs_det
from lecturecode.runtime import (
    count_parameters,
    free_parameters,
    perturb_parameters,
)

F64 = torch.float64


def generic(model, seed=0, scale=0.7):
    """A float64 copy of ``model`` with every parameter moved by random noise, so
    no connection is zero by accident of the initialisation."""
    return perturb_parameters(
        model.double(), scale, torch.Generator().manual_seed(seed)
    )


def orderings(dim):
    """Natural, reversed and two random orderings."""
    return {
        "natural": None,
        "reversed": torch.arange(dim).flip(0),
        "random-1": torch.randperm(dim, generator=torch.Generator().manual_seed(1)),
        "random-2": torch.randperm(dim, generator=torch.Generator().manual_seed(2)),
    }


MODELS = {
    "independent": lambda d, o: IndependentBernoulli(d, o),
    "fvsbn": lambda d, o: FVSBN(d, o),
    "nade": lambda d, o: NADE(d, 7, o),
    "untied nade": lambda d, o: UntiedNADE(d, 7, o),
    "made": lambda d, o: MADE(d, (16,), ordering=o),
    "deep made": lambda d, o: MADE(d, (16, 12, 16), ordering=o, seed=3),
}
CASES = [(m, o) for m in MODELS for o in orderings(2)]


def build(name, dim, ordering_name, seed=0):
    return generic(MODELS[name](dim, orderings(dim)[ordering_name]), seed)


def logits_jacobian(model, x):
    """``d logits_i / d x_j`` at one point ``x``, shape ``(D, D)``."""
    return torch.autograd.functional.jacobian(
        lambda v: model.logits(v.unsqueeze(0)).squeeze(0), x
    )


def assert_autoregressive(jacobian, ordering, dependent=True):
    """Output ``i`` has zero gradient with respect to every input at or after
    ``i`` in the ordering; and (``dependent``) it is not constant in all the
    others."""
    rank = ranks(ordering)
    forbidden = rank.unsqueeze(0) >= rank.unsqueeze(1)  # [i, j]: j not before i
    assert jacobian[forbidden].abs().max() == 0, "an output sees itself or later"
    if dependent:
        assert jacobian[~forbidden].abs().max() > 1e-3


@pytest.mark.parametrize("name", [n for n in MODELS if n != "independent"])
@pytest.mark.parametrize("ordering_name", list(orderings(2)))
def test_outputs_do_not_see_themselves_or_later_inputs(name, ordering_name):
    model = build(name, 9, ordering_name)
    points = all_binary_vectors(9)[torch.tensor([0, 77, 300, 511])]
    for x in points:
        assert_autoregressive(logits_jacobian(model, x), model.ordering)


def test_gradient_check_catches_a_model_that_sees_itself():
    """The lecture's FVSBN, with the sum running to j = i: every logit depends on
    its own coordinate (the gradient check the chain-rule chapter points to)."""
    model = generic(FVSBN(6, include_self=True))
    jacobian = logits_jacobian(model, torch.ones(6, dtype=F64))
    assert torch.all(jacobian.diagonal() != 0)
    with pytest.raises(AssertionError, match="sees itself"):
        assert_autoregressive(jacobian, model.ordering)


@pytest.mark.parametrize("mask_set", range(4))
def test_every_made_mask_set_is_autoregressive_in_its_own_ordering(mask_set):
    made = generic(MADE(8, (20, 20), ordering="random", num_masks=4, seed=5))
    made.set_masks(mask_set)
    x = all_binary_vectors(8)[123]
    assert_autoregressive(logits_jacobian(made, x), made.ordering)


@pytest.mark.parametrize("ordering_name", list(orderings(2)))
def test_maf_shift_and_scale_see_only_earlier_inputs(ordering_name):
    maf = generic(MAF(7, (24, 24), ordering=orderings(7)[ordering_name]), 1)
    x = torch.randn(7, generator=torch.Generator().manual_seed(0), dtype=F64)
    for part in (0, 1):
        jacobian = torch.autograd.functional.jacobian(
            lambda v, part=part: maf.shift_and_log_scale(v.unsqueeze(0))[part][0], x
        )
        assert_autoregressive(jacobian, maf.ordering)


@pytest.mark.parametrize("name, ordering_name", CASES)
def test_probabilities_of_all_binary_vectors_sum_to_one(name, ordering_name):
    model = build(name, 10, ordering_name, seed=4)
    assert total_probability(model.log_prob, 10) == pytest.approx(1, abs=1e-5)


def test_lecture_fvsbn_with_j_up_to_i_is_not_normalized():
    model = generic(FVSBN(10, include_self=True))
    assert abs(total_probability(model.log_prob, 10) - 1) > 0.01


@pytest.mark.parametrize("ordering", [None, "random"])
def test_made_mixture_is_normalized(ordering):
    made = generic(MADE(10, (32, 32), ordering=ordering, num_masks=5))
    mixture = MADEMixture(made)
    assert total_probability(mixture.log_prob, 10) == pytest.approx(1, abs=1e-5)
    assert made.mask_index == 0  # evaluation leaves the current masks alone


def test_averaging_logits_over_orderings_is_not_normalized():
    # The size of the error depends on the initial weights (from 1e-4 to 0.3
    # over 20 seeds), so they are seeded here, not left to the tests before.
    torch.manual_seed(0)
    made = generic(MADE(10, (32, 32), ordering="random", num_masks=5), scale=1.5)
    total = total_probability(lambda x: averaged_logits_log_prob(made, x), 10)
    assert abs(total - 1) > 1e-3  # a hundred times the tolerance of the others


def test_averaging_logits_over_one_ordering_is_normalized():
    """Different connectivities, one ordering: the average is still
    autoregressive in that ordering, so it is a distribution (a different one
    from the mixture)."""
    made = generic(MADE(10, (32, 32), num_masks=5))
    total = total_probability(lambda x: averaged_logits_log_prob(made, x), 10)
    assert total == pytest.approx(1, abs=1e-5)


def test_tied_and_untied_nade_agree_for_tied_weights():
    nade = build("nade", 12, "random-1")
    untied = UntiedNADE.from_tied(nade)
    x = all_binary_vectors(12)
    torch.testing.assert_close(untied.log_prob(x), nade.log_prob(x))
    assert untied.A.shape == (12, 7, 12)


def test_untied_nade_differs_once_the_weights_are_untied():
    untied = UntiedNADE.from_tied(build("nade", 6, "natural"))
    generic(untied, seed=9, scale=0.3)
    x = all_binary_vectors(6)
    tied_again = NADE(6, 7).double()
    with torch.no_grad():
        tied_again.W.copy_(untied.A[0])
    assert not torch.allclose(untied.log_prob(x), tied_again.log_prob(x))


def chi_square_pvalue(samples, probabilities):
    """Pearson's test of sample counts over all ``2^D`` cells."""
    codes = (samples * 2 ** torch.arange(samples.shape[1] - 1, -1, -1)).sum(1)
    counts = torch.bincount(codes.long(), minlength=len(probabilities))
    expected = probabilities * len(samples)
    return stats.chisquare(counts.double().numpy(), expected.numpy()).pvalue


SAMPLERS = {
    **{
        name: (lambda name=name: build(name, 5, "random-1", seed=2))
        for name in MODELS
    },
    "made mixture": lambda: MADEMixture(
        generic(MADE(5, (16,), ordering="random", num_masks=3), 2)
    ),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_sample_frequencies_match_exact_probabilities(name):
    model = SAMPLERS[name]()
    probabilities = model.log_prob(all_binary_vectors(5)).exp().detach()
    samples = model.sample(20_000, torch.Generator().manual_seed(11))
    assert samples.shape == (20_000, 5)
    assert chi_square_pvalue(samples, probabilities) > 1e-3
    # The test has power: the samples do not fit a slightly different model.
    other = SAMPLERS[name]()
    generic(other, seed=12, scale=0.3)
    wrong = other.log_prob(all_binary_vectors(5)).exp().detach()
    assert chi_square_pvalue(samples, wrong) < 1e-6


def test_nade_fast_sampler_equals_the_generic_one():
    """NADE samples in O(DH) with the running pre-activation; it draws the same
    uniforms in the same order as the generic D-pass sampler."""
    nade = build("nade", 8, "random-2")
    fast = nade.sample(50, torch.Generator().manual_seed(3))
    generic_passes = AutoregressiveModel.sample(
        nade, 50, torch.Generator().manual_seed(3)
    )
    assert torch.equal(fast, generic_passes)


@pytest.mark.parametrize(
    "name", ["fvsbn", "made", "deep made", "made, 3 mask sets"]
)
@pytest.mark.parametrize("ordering_name", ["natural", "random-1"])
def test_fast_samplers_equal_the_generic_one(name, ordering_name):
    """The FVSBN's running sum and MADE's unit-by-degree sampler compute each
    conditional from the same weights as the generic sampler and draw the same
    uniforms in the same order: the same samples, bit for bit."""
    if name == "made, 3 mask sets":
        ordering = orderings(9)[ordering_name]
        model = generic(MADE(9, (16, 16), ordering=ordering, num_masks=3))
        model.set_masks(2)
    else:
        model = build(name, 9, ordering_name)
    fast = model.sample(400, torch.Generator().manual_seed(5))
    generic_passes = AutoregressiveModel.sample(
        model, 400, torch.Generator().manual_seed(5)
    )
    assert 0.05 < fast.mean() < 0.95
    assert torch.equal(fast, generic_passes)


def test_made_is_one_output_per_coordinate_and_maf_has_the_network_alone():
    """The Bernoulli model reads one logit per coordinate; a network with two
    outputs per coordinate serves MAF, which is no Bernoulli model."""
    assert MADE(4, (8,)).net.outputs_per_dim == 1
    with pytest.raises(TypeError, match="outputs_per_dim"):
        MADE(4, (8,), outputs_per_dim=2)
    maf = MAF(4, (8,))
    assert isinstance(maf.net, MADENet) and maf.net.outputs_per_dim == 2
    assert not isinstance(maf.net, AutoregressiveModel)


def test_free_parameters_match_hand_counts():
    """Weights masked to zero in every mask set do not count."""
    D, H = 64, 100
    assert free_parameters(FVSBN(D)) == D * (D - 1) // 2 + D == 2080
    assert count_parameters(FVSBN(D)) == D * D + D
    assert free_parameters(UntiedNADE(D, H)) == H * D * (D - 1) // 2 + 2 * D * H + D
    assert free_parameters(NADE(D, H)) == count_parameters(NADE(D, H))
    # One hidden layer: unit k keeps m(k) input weights and D - m(k) output
    # weights, D in all, whatever its degree.
    for made in (MADE(D, (500,)), MADE(D, (500,), ordering="random", seed=3)):
        assert free_parameters(made) == 500 * D + 500 + D
    # Two layers, by hand: degrees (1, 2) and (2, 2) for D = 3; M^W1 keeps 1 + 2,
    # M^W2 keeps 2 + 2, M^V keeps 1 + 1 (only output 3 sees degree 2).
    made = MADE(3, (2, 2))
    net = made.net
    net.unit_degrees = [torch.tensor([1, 2]), torch.tensor([2, 2])]
    masks = masks_from_degrees([torch.tensor([1, 2, 3]), *net.unit_degrees])
    for layer, mask in zip(net.layers, masks, strict=True):
        layer.mask = mask
    net.num_masks, net.set_masks = 1, lambda index: None
    assert free_parameters(made) == (3 + 4 + 2) + (2 + 2 + 3)
    # A mixture counts the union of its mask sets, and a PixelCNN layer its mask.
    mixture = MADE(D, (500,), ordering="random", num_masks=8)
    assert free_parameters(MADE(D, (500,))) < free_parameters(mixture)
    assert free_parameters(mixture) <= count_parameters(mixture)
    assert free_parameters(MADEMixture(mixture)) == free_parameters(mixture)
    assert mixture.mask_index == 0
    layer = MaskedConv2d(mask_A(3).expand(1, 1, 3, 3))
    assert free_parameters(layer) == 4 + 1


def test_made_masks_follow_the_lecture_formulas():
    """One hidden layer, natural order: m(k) in [1, D-1],
    M^W_{k,d} = 1[m(k) >= d], M^V_{d,k} = 1[d > m(k)] (d counted from 1)."""
    D, H = 6, 40
    generator = torch.Generator().manual_seed(0)
    W_mask, V_mask = made_masks(torch.arange(D), [H], generator)
    m = hidden_degrees(
        H, torch.arange(1, D + 1), D, torch.Generator().manual_seed(0)
    )
    assert m.min() >= 1 and m.max() <= D - 1
    for k in range(H):
        for d in range(1, D + 1):
            assert W_mask[k, d - 1] == (1 if m[k] >= d else 0)
            assert V_mask[d - 1, k] == (1 if d > m[k] else 0)
    assert torch.equal(W_mask, mask_W(m, torch.arange(1, D + 1)))
    assert torch.equal(V_mask, mask_V(torch.arange(1, D + 1), m))


def test_made_connectivity_is_strictly_lower_triangular_in_the_ordering():
    ordering = torch.tensor([3, 0, 4, 1, 2])
    masks = made_masks(ordering, [30, 30], torch.Generator().manual_seed(1))
    paths = masks[-1] @ masks[1] @ masks[0]  # paths from input j to output i
    rank = ranks(ordering)
    assert (paths[rank.unsqueeze(0) >= rank.unsqueeze(1)] == 0).all()
    assert torch.equal(paths > 0, fvsbn_mask(ordering).bool() & (paths > 0))


def test_made_mask_sets_are_reproducible_and_distinct():
    made = MADE(8, (20,), ordering="random", num_masks=3, seed=4)
    first = (made.ordering.clone(), made.net.layers[0].mask.clone())
    made.next_masks()
    assert not torch.equal(made.ordering, first[0])
    made.next_masks()
    made.next_masks()  # cycles back to set 0
    assert made.mask_index == 0
    assert torch.equal(made.ordering, first[0])
    assert torch.equal(made.net.layers[0].mask, first[1])


def test_independent_bernoulli_fit_is_laplace_smoothed():
    data = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    model = IndependentBernoulli.fit_closed_form(data)
    p = torch.sigmoid(model.logits(data[:1]))[0]
    torch.testing.assert_close(p, torch.tensor([3 / 5, 1 / 5]))


# MAF: an invertible autoregressive flow -------------------------------------

MAFS = {
    "one layer": lambda: MAF(5, (32, 32), ordering=torch.tensor([2, 4, 0, 1, 3])),
    "stack": lambda: Compose(
        *[
            MAF(5, (16,), ordering=o, seed=k)
            for k, o in enumerate([None, torch.arange(5).flip(0), None])
        ]
    ),
}


@pytest.fixture(params=list(MAFS))
def maf(request):
    return generic(MAFS[request.param](), seed=3, scale=0.3)


def test_maf_inverse_undoes_forward(maf):
    x = torch.randn(32, 5, generator=torch.Generator().manual_seed(1), dtype=F64)
    z, _ = maf(x)
    torch.testing.assert_close(maf.inverse(z), x, atol=1e-9, rtol=1e-9)


def test_maf_log_abs_det_equals_autograd_jacobian(maf):
    x = torch.randn(8, 5, generator=torch.Generator().manual_seed(2), dtype=F64)
    torch.testing.assert_close(maf(x)[1], autograd_log_abs_det(maf, x))


def test_new_maf_layer_is_the_identity():
    x = torch.randn(4, 3)
    z, log_abs_det = MAF(3)(x)
    assert torch.equal(z, x) and torch.equal(log_abs_det, torch.zeros(4))


def test_maf_density_integrates_to_one():
    flow = generic(
        Compose(MAF(2, (16,)), MAF(2, (16,), ordering=torch.tensor([1, 0]))),
        seed=5,
        scale=0.2,
    )
    mass = grid_mass(FlowModel(flow).log_prob, lim=10, resolution=500, dtype=F64)
    assert mass == pytest.approx(1, abs=2e-3)


# Input validation -----------------------------------------------------------


@pytest.mark.parametrize("name", list(MODELS))
def test_bad_inputs_raise_value_errors(name):
    model = MODELS[name](4, None)
    with pytest.raises(ValueError, match="binary"):
        model.log_prob(torch.tensor([[0.0, 0.5, 1.0, 1.0]]))
    with pytest.raises(ValueError, match=r"shape \(batch, 4\)"):
        model.log_prob(torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"shape \(batch, 4\)"):
        model.log_prob(torch.zeros(4))
    with pytest.raises(ValueError, match="NaN"):
        model.log_prob(torch.tensor([[0.0, math.nan, 1.0, 1.0]]))
    with pytest.raises(ValueError, match="positive integer"):
        model.sample(0)


@pytest.mark.parametrize(
    "ordering",
    [[0, 1, 1, 3], [0, 1, 2], [1, 2, 3, 4], [[0, 1, 2, 3]], [0.0, 1.0, 2.0, 3.0]],
)
def test_impossible_orderings_raise(ordering):
    with pytest.raises(ValueError, match="permutation of 0..3"):
        FVSBN(4, ordering)


def test_bad_model_arguments_raise():
    with pytest.raises(ValueError, match="dim >= 2"):
        MADE(1, (4,))
    with pytest.raises(ValueError, match="'random' or a permutation"):
        MADE(4, (4,), ordering="raster")
    with pytest.raises(ValueError, match="positive integer"):
        NADE(0, 3)
    with pytest.raises(ValueError, match="in 1..20"):
        all_binary_vectors(25)
    with pytest.raises(ValueError, match=r"z must have shape \(batch, 3\)"):
        FlowModel(MAF(3)).decode(torch.zeros(2, 4))


# Experiments ----------------------------------------------------------------


def test_independent_pixels_baseline_on_digits():
    """The closed-form baseline of the digits benchmark: 24.91 nats per image."""
    from lecturecode.experiments.autoregressive import independent_pixels

    _, result = independent_pixels()
    assert result.test_nll == pytest.approx(24.914, abs=1e-3)
    assert result.parameters == 64 and result.dataset == "binarized digits"


def test_exact_kl_fit_recovers_a_model_of_its_own_family():
    from lecturecode.experiments.autoregressive import exact_kl_fit

    target = generic(FVSBN(6), seed=3, scale=1.5)
    with torch.no_grad():
        log_p = target.log_prob(all_binary_vectors(6))
    assert exact_kl_fit(FVSBN(6), log_p, steps=200) < 1e-8
    assert exact_kl_fit(IndependentBernoulli(6), log_p, steps=200) > 1e-2


def test_training_takes_the_device_it_is_given(monkeypatch):
    # a job's device goes down explicitly: nothing below the top asks for one
    from lecturecode.data import toy_splits
    from lecturecode.experiments import autoregressive, digits, pixelcnn
    from lecturecode.scale import using_scale

    def refuse():
        raise AssertionError("default_device() called below the top")

    for module in (autoregressive, digits, pixelcnn):
        monkeypatch.setattr(module, "default_device", refuse)
    cpu = torch.device("cpu")
    with using_scale("smoke"):
        _, fvsbn = autoregressive.train_fvsbn(device=cpu)
        _, pixels = pixelcnn.train_pixelcnn(steps=2, device=cpu)
        maf = autoregressive.train_maf_2d(
            toy_splits(64, 32, 32), layers=1, hidden_sizes=(4,), device=cpu
        )
    assert fvsbn.device == pixels.device == "cpu"
    assert {result.device for _, result in maf.values()} == {"cpu"}


def test_the_digit_records_carry_their_recipe_cards():
    # What the chapters' recipe cards show: the fit's settings, and what each
    # experiment adds (hidden units and mask sets of a MADE, a PixelCNN's size,
    # a MAF's layers, the baseline's closed form).
    from lecturecode.data import toy_splits
    from lecturecode.experiments import autoregressive, digits, pixelcnn
    from lecturecode.records import recipe_card
    from lecturecode.scale import using_scale

    cpu = torch.device("cpu")
    with using_scale("smoke"):
        runs = {k: autoregressive.train_made(num_masks=k, hidden_sizes=(8,),
                                             device=cpu)[1] for k in (1, 2)}
        _, pixels = pixelcnn.train_pixelcnn(steps=2, device=cpu)
        maf = autoregressive.train_maf_2d(
            toy_splits(64, 32, 32), layers=1, hidden_sizes=(4,), device=cpu)
    for k, run in runs.items():
        recipe = run.extra["recipe"]
        assert recipe["mask sets"] == k and recipe["hidden units"] == "8"
        assert recipe["weight_decay"] == (1e-2 if k == 1 else 1e-3)
        assert recipe["steps"] == run.extra["steps"]
    assert "; mask sets 2; " in recipe_card([runs[2]])
    assert {"channels", "layers", "dropout"} <= set(pixels.extra["recipe"])
    assert all(r.extra["recipe"]["layers"] == 1 for _, r in maf.values())
    card = recipe_card([digits.independent_pixels()[1]])
    assert "closed form with add-one smoothing" in card
