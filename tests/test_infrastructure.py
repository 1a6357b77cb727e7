"""The shared pieces: scale switch, input checks, training loop, evaluation, grids,
benchmark helpers."""

import math

import pytest
import torch

from lecturecode.benchmarks import best_seconds, loglog_slope
from lecturecode.density2d import density_grid, grid_mass
from lecturecode.flows import FlowModel, LinearFlow
from lecturecode.runtime import (
    check_batch,
    check_binary_batch,
    check_positive_int,
    count_parameters,
    cpu_threads,
)
from lecturecode.scale import by_scale, current_scale, using_scale
from lecturecode.train import bits_per_dim, fit, mean_nll


def test_scale_switch(monkeypatch):
    monkeypatch.delenv("LECTURE_SCALE", raising=False)
    assert current_scale() == "quick"
    monkeypatch.setenv("LECTURE_SCALE", "smoke")
    assert by_scale(smoke=1, quick=2, full=3) == 1
    monkeypatch.setenv("LECTURE_SCALE", "FULL")
    assert by_scale(smoke=1, quick=2, full=3) == 3
    monkeypatch.setenv("LECTURE_SCALE", "huge")
    with pytest.raises(ValueError, match="not a scale"):
        current_scale()


def test_a_chosen_scale_wins_over_the_environment_for_its_block(monkeypatch):
    monkeypatch.setenv("LECTURE_SCALE", "quick")
    with using_scale("full"):
        assert by_scale(smoke=1, quick=2, full=3) == 3
        with using_scale("smoke"):
            assert current_scale() == "smoke"
        assert current_scale() == "full"
    assert current_scale() == "quick"
    with pytest.raises(ValueError, match="scale must be one of"), using_scale("huge"):
        pass


def test_positive_int_check_names_the_argument():
    assert check_positive_int(3, "n") == 3
    for bad in (0, -1, 2.0, True, "3"):
        with pytest.raises(ValueError, match="steps must be a positive integer"):
            check_positive_int(bad, "steps")


def test_cpu_threads_are_restored_and_other_devices_left_alone():
    before = torch.get_num_threads()
    with cpu_threads(1, torch.device("cpu")):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with cpu_threads(1, torch.device("cuda")):
        assert torch.get_num_threads() == before


def test_dropout_keeps_each_input_with_probability_one_minus_p():
    """The CPU mask of ``nets.Dropout``: the keep rate, the inverted scaling,
    its gradient, and the identity outside training and at p = 0."""
    from lecturecode.nets import Dropout

    torch.manual_seed(0)
    x = torch.randn(400, 500, dtype=torch.float64, requires_grad=True)
    layer = Dropout(0.3)
    y = layer(x)
    kept = y != 0
    assert abs(kept.double().mean().item() - 0.7) < 0.005  # 200,000 draws: 5 sd
    assert torch.allclose(y[kept], x[kept] / 0.7) and y.dtype == torch.float64
    y.sum().backward()
    assert torch.allclose(x.grad, kept.double() / 0.7)
    assert torch.equal(layer.eval()(x), x)
    assert torch.equal(Dropout(0.0)(x), x)
    with pytest.raises(ValueError, match="p must be a rate"):
        Dropout(1.0)  # would drop everything
    assert isinstance(layer, torch.nn.Dropout)  # found by dropout_rate


def test_binary_check_names_the_bad_value():
    check_binary_batch(torch.tensor([[0.0, 1.0]]), 2)
    with pytest.raises(ValueError, match="binary.*0.5"):
        check_binary_batch(torch.tensor([[0.0, 0.5]]), 2)
    with pytest.raises(ValueError, match=r"shape \(batch, 3\)"):
        check_binary_batch(torch.tensor([[0.0, 1.0]]), 3)
    with pytest.raises(ValueError, match="NaN"):
        check_batch(torch.tensor([[float("nan"), 1.0]]), 2)


def gaussian_data(n, seed):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(n, 2, generator=g) @ torch.tensor([[2.0, 0.0], [1.0, 0.5]]) + 3
    )


def test_fit_reaches_the_gaussian_maximum_likelihood():
    train, val = gaussian_data(4000, 0), gaussian_data(1000, 1)
    model = FlowModel(LinearFlow(2))
    before = mean_nll(model, val)
    result = fit(model, train, val=val, steps=1500, batch_size=256, lr=5e-2)
    mle = torch.distributions.MultivariateNormal(
        train.mean(0), torch.cov(train.T, correction=0)
    )
    assert mean_nll(model, val) < before - 1
    assert mean_nll(model, train) == pytest.approx(
        -mle.log_prob(train).mean().item(), abs=0.01
    )
    assert result.best_val_nll == pytest.approx(mean_nll(model, val), abs=1e-5)
    assert result.steps[-1] == 1500 and len(result.val_nll) == len(result.steps)


def test_fit_is_reproducible_with_a_seed():
    train = gaussian_data(500, 2)
    models = [FlowModel(LinearFlow(2)) for _ in range(3)]
    for model, seed in zip(models, (5, 5, 6), strict=True):
        fit(model, train, steps=50, batch_size=32, seed=seed)
    assert torch.equal(models[0].flow.W, models[1].flow.W)
    assert not torch.equal(models[0].flow.W, models[2].flow.W)


def test_fit_restores_the_best_validation_step():
    train, val = gaussian_data(500, 3), gaussian_data(200, 4)
    model = FlowModel(LinearFlow(2))
    result = fit(model, train, val=val, steps=200, lr=0.5, eval_every=10)  # erratic
    assert mean_nll(model, val) == pytest.approx(min(result.val_nll), abs=1e-5)


def test_fit_rejects_bad_arguments():
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        fit(FlowModel(LinearFlow(2)), gaussian_data(10, 0), steps=0)


def test_bits_per_dim_and_parameter_count():
    assert bits_per_dim(64 * math.log(2), 64) == pytest.approx(1.0)
    assert count_parameters(LinearFlow(3)) == 12


def test_density_grid_orientation_and_mass():
    """Rows follow the second coordinate, so imshow(origin='lower') is upright."""

    def log_prob(x):  # a density on x_2 > 0 only, uniform on [-1, 1] x [0, 1]
        inside = (x[:, 0].abs() < 1) & (x[:, 1] > 0) & (x[:, 1] < 1)
        return torch.where(inside, math.log(0.5), -math.inf)

    xs, p = density_grid(log_prob, lim=2, resolution=40)
    assert p[xs < 0].sum() == 0 and p[xs > 0].sum() > 0
    assert grid_mass(log_prob, lim=2, resolution=400) == pytest.approx(1, abs=1e-5)


def test_loglog_slope_recovers_a_power_law():
    sizes = [10, 100, 1000]
    assert loglog_slope(sizes, [3e-9 * n**3 for n in sizes]) == pytest.approx(3)
    assert 0 < best_seconds(lambda: sum(range(100)), repeats=3) < 0.01
