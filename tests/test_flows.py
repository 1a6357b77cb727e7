"""The flow protocol (lecture 18.1.2): round trips, log-determinants against the
brute-force Jacobian, normalization, sampling, and input validation."""

import math

import pytest
import torch
from scipy import stats

from lecturecode.density2d import (
    grid_mass,
    plot_change_of_variables_1d,
    ranked_every_seed,
)
from lecturecode.flows import (
    Compose,
    ElementwiseFlow,
    FlowModel,
    LinearFlow,
    autograd_log_abs_det,
    flow_jacobian,
)
from lecturecode.runtime import perturb_parameters

F64 = torch.float64


def generic(flow, seed=0, scale=0.5):
    """A float64 copy of ``flow`` moved away from its identity initialisation."""
    return perturb_parameters(
        flow.double(), scale, torch.Generator().manual_seed(seed)
    )


LAYERS = {
    "linear": lambda d: LinearFlow(d),
    "elementwise": lambda d: ElementwiseFlow(d, components=5),
    "deep composition": lambda d: Compose(
        *[layer for _ in range(4) for layer in (LinearFlow(d), ElementwiseFlow(d))]
    ),
}


@pytest.fixture(params=list(LAYERS), ids=list(LAYERS))
def flow(request):
    return generic(LAYERS[request.param](4), seed=len(request.param))


def test_inverse_undoes_forward(flow):
    x = 2 * torch.randn(
        64, 4, generator=torch.Generator().manual_seed(1), dtype=F64
    )
    z, _ = flow(x)
    torch.testing.assert_close(flow.inverse(z), x, atol=1e-9, rtol=1e-9)


def test_forward_undoes_inverse(flow):
    z = torch.randn(64, 4, generator=torch.Generator().manual_seed(2), dtype=F64)
    torch.testing.assert_close(flow(flow.inverse(z))[0], z, atol=1e-9, rtol=1e-9)


def test_log_abs_det_equals_autograd_jacobian(flow):
    x = torch.randn(16, 4, generator=torch.Generator().manual_seed(3), dtype=F64)
    _, log_abs_det = flow(x)
    torch.testing.assert_close(log_abs_det, autograd_log_abs_det(flow, x))


def test_composition_adds_log_dets():
    layers = [generic(LinearFlow(3), 1), generic(ElementwiseFlow(3), 2)]
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(4), dtype=F64)
    h, first = layers[0](x)
    _, second = layers[1](h)
    torch.testing.assert_close(Compose(*layers)(x)[1], first + second)


def test_autograd_jacobian_matches_finite_differences():
    """The brute-force reference itself, against central differences."""
    flow = generic(Compose(LinearFlow(3), ElementwiseFlow(3)))
    x = torch.tensor([0.3, -1.2, 0.8], dtype=F64)
    eps = 1e-6
    columns = []
    for j in range(3):
        e = torch.zeros(3, dtype=F64)
        e[j] = eps
        plus, minus = flow((x + e)[None])[0][0], flow((x - e)[None])[0][0]
        columns.append((plus - minus) / (2 * eps))
    torch.testing.assert_close(
        flow_jacobian(flow, x), torch.stack(columns, 1), atol=1e-7, rtol=1e-6
    )


def test_stacked_linear_layers_are_one_linear_map():
    a, b = generic(LinearFlow(3), 1), generic(LinearFlow(3), 2)
    x = torch.randn(10, 3, generator=torch.Generator().manual_seed(5), dtype=F64)
    W, bias = b.W @ a.W, b.W @ a.b + b.b
    torch.testing.assert_close(Compose(a, b)(x)[0], x @ W.T + bias)


def test_elementwise_maps_are_increasing_and_diagonal():
    flow = generic(ElementwiseFlow(2, components=6), scale=1.0)
    grid = torch.linspace(-6, 6, 2001, dtype=F64).unsqueeze(1).repeat(1, 2)
    z, _ = flow(grid)
    assert (z.diff(dim=0) > 0).all()
    J = flow_jacobian(flow, torch.tensor([0.4, -0.7], dtype=F64))
    assert J[0, 1] == 0 and J[1, 0] == 0


@pytest.mark.parametrize("name", list(LAYERS))
def test_density_integrates_to_one(name):
    model = FlowModel(generic(LAYERS[name](2), seed=8, scale=0.2))
    assert grid_mass(
        model.log_prob, lim=12, resolution=600, dtype=F64
    ) == pytest.approx(1, abs=2e-3)


def test_density_without_log_det_does_not_integrate_to_one():
    """The check above can fail: drop the volume term and the mass is wrong."""
    flow = LinearFlow(2).double()
    with torch.no_grad():
        flow.W.copy_(torch.tensor([[2.0, 0.3], [0.0, 1.5]]))  # |det W| = 3

    def log_prob_without_volume(x):
        z, _ = flow(x)
        return -0.5 * z.pow(2).sum(1) - math.log(2 * math.pi)

    assert (
        abs(
            grid_mass(log_prob_without_volume, lim=12, resolution=400, dtype=F64)
            - 1
        )
        > 0.05
    )


def test_the_one_dimensional_picture_integrates_with_the_derivative_only():
    """The change of variables chapter's first figure: the density with |f'| has
    mass 1 on the plotted range, phi(f(x)) alone does not."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    flow = ElementwiseFlow(1, components=2)  # float32, as the chapter's
    generator = torch.Generator().manual_seed(3)
    model = FlowModel(perturb_parameters(flow, 0.5, generator))
    samples = model.sample(200, torch.Generator().manual_seed(0))
    fig, ax = plt.subplots()
    mass, mass_without = plot_change_of_variables_1d(ax, model, samples, lim=12)
    plt.close(fig)
    assert mass == pytest.approx(1, abs=1e-3)
    assert abs(mass_without - 1) > 0.05


def test_ranked_every_seed_needs_the_order_in_every_seed():
    gaps = {("d", "a"): (0, 0, [3.0, 3.0]), ("d", "b"): (0, 0, [2.0, 1.0]),
            ("d", "c"): (0, 0, [1.0, 2.0])}
    assert ranked_every_seed(gaps, "d", ["a", "b"])
    assert ranked_every_seed(gaps, "d", ["a", "c"])
    assert not ranked_every_seed(gaps, "d", ["a", "b", "c"])  # seed 1 swaps b, c
    assert not ranked_every_seed(gaps, "d", ["b", "a"])


def test_samples_follow_the_model_density():
    """Kolmogorov-Smirnov: samples of a 1-D flow have CDF Phi(f(x))."""
    flow = generic(ElementwiseFlow(1, components=4), seed=11, scale=1.0)
    model = FlowModel(flow)
    x = model.sample(4000, torch.Generator().manual_seed(0)).squeeze(1)

    def cdf(points):
        z, _ = flow(torch.as_tensor(points, dtype=F64).reshape(-1, 1))
        return stats.norm.cdf(z.detach().squeeze(1).numpy())

    assert stats.kstest(x.numpy(), cdf).pvalue > 0.01
    wrong_cdf = stats.norm.cdf  # the base density, not the model's
    assert stats.kstest(x.numpy(), wrong_cdf).pvalue < 1e-6


def test_linear_flow_samples_have_the_predicted_gaussian():
    flow = generic(LinearFlow(2), seed=4)
    x = FlowModel(flow).sample(200_000, torch.Generator().manual_seed(1))
    W_inv = torch.linalg.inv(flow.W.detach())
    torch.testing.assert_close(
        x.mean(0), -W_inv @ flow.b.detach(), atol=0.02, rtol=0
    )
    torch.testing.assert_close(
        torch.cov(x.T), W_inv @ W_inv.T, atol=0.03, rtol=0.02
    )


def test_sampling_is_reproducible_with_a_generator():
    model = FlowModel(generic(ElementwiseFlow(2)))
    a = model.sample(5, torch.Generator().manual_seed(3))
    b = model.sample(5, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


@pytest.mark.parametrize(
    "bad, message",
    [
        (torch.zeros(5), r"shape \(batch, 2\)"),
        (torch.zeros(5, 3), r"shape \(batch, 2\)"),
        (torch.tensor([[0.0, float("nan")]]), "NaN or infinite"),
        (torch.tensor([[0.0, float("inf")]]), "NaN or infinite"),
        (torch.zeros(5, 2, dtype=torch.long), "floating-point"),
        ([[0.0, 1.0]], "torch.Tensor"),
    ],
)
@pytest.mark.parametrize("name", list(LAYERS))
def test_bad_inputs_raise_value_error(name, bad, message):
    model = FlowModel(LAYERS[name](2))
    with pytest.raises(ValueError, match=message):
        model.log_prob(bad)
    with pytest.raises(ValueError, match=message):
        model.encode(bad)
    with pytest.raises(ValueError, match=message.replace("x", "z")):
        model.decode(bad)


def test_bad_construction_and_sample_sizes_raise_value_error():
    with pytest.raises(ValueError, match="share one dimension"):
        Compose(LinearFlow(2), LinearFlow(3))
    with pytest.raises(ValueError, match="at least one layer"):
        Compose()
    with pytest.raises(ValueError, match="positive integer"):
        LinearFlow(0)
    with pytest.raises(ValueError, match="positive integer"):
        FlowModel(LinearFlow(2)).sample(0)
    with pytest.raises(ValueError, match=r"z must have shape"):
        FlowModel(LinearFlow(2)).decode(torch.zeros(3, 5))


def test_a_stack_is_validated_once_at_the_entry(monkeypatch):
    # a finite check is a device sync: one per call of the model, none per layer
    from lecturecode.flows import coupling_flow

    model = FlowModel(coupling_flow(6, 12, image_shape=(2, 3)))
    calls = []
    isfinite = torch.isfinite
    monkeypatch.setattr(torch, "isfinite", lambda x: calls.append(1) or isfinite(x))
    model.log_prob(torch.zeros(4, 6))
    assert len(calls) == 1
    model.decode(model.encode(torch.zeros(4, 6)))
    assert len(calls) == 3


def test_the_first_chapter_fits_are_a_job_too():
    from lecturecode.experiments import JOBS
    from lecturecode.experiments.flows import FIRST_FLOWS, run_first_flows

    records, models = run_first_flows(steps=3, n_train=64)
    assert [(r.dataset, r.model) for r in records] == [
        (dataset, name) for dataset, name, _, _ in FIRST_FLOWS
    ]
    for r in records:  # the entropy is known for the correlated Gaussian only
        assert ("gap" in r.extra) == (r.dataset == "correlated Gaussian")
    assert JOBS["first_flows"].chapter == "book/flows/change_of_variables"


def test_digits_flow_records_say_how_they_were_trained():
    """Every digits flow record carries its recipe card's items, from the
    settings the run used (the verdict chapter cards them)."""
    from lecturecode.experiments.flows import digits_flow, fit_digits_flow
    from lecturecode.records import recipe_card

    model = digits_flow(couplings=2, hidden=8, dropout=0.1,
                        dequantization="variational", actnorm=True)
    record, _, _ = fit_digits_flow(
        model, "tiny", steps=2, batch_size=16, lr=2e-3, eval_samples=2,
        recipe=dict(dequantization="variational", actnorm=True),
    )
    assert record.extra["recipe"] == dict(
        steps=2, batch_size=16, lr=2e-3, weight_decay=0.0, clip_grad_norm=None,
        schedule="cosine", dropout=0.1, importance_samples=2,
        dequantization="variational", actnorm=True)
    card = recipe_card([record])
    assert card.startswith("2 steps; batch 16; lr 0.002; weight decay 0; ")
    assert "variational dequantization; importance samples 2; actnorm True" in card
