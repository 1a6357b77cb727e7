"""Every exercise check accepts the reference solution and rejects plausible wrong
answers with a message that says what is wrong."""

import math

import pytest
import torch
from course_cases import references

from lecturecode.exercises import ExerciseFailed
from lecturecode.exercises import change_of_variables as cov
from lecturecode.flows import standard_normal_log_prob

ref = references()  # the chapters' reference solutions


def test_triangular_log_det_check():
    assert cov.check_log_abs_det_triangular(ref.solution_log_abs_det_triangular)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda L: torch.diagonal(L).log().sum(), "take |diagonal|"),
        (lambda L: torch.diagonal(L).prod().abs().log(), "add logarithms"),
        (lambda L: torch.diagonal(L).abs().log(), "not a scalar"),
        (lambda L: torch.diagonal(L).abs().sum().log(), "expected"),
        (lambda L: "nan", "not a number"),
    ],
)
def test_triangular_log_det_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        cov.check_log_abs_det_triangular(wrong)


def test_composed_log_prob_check():
    assert cov.check_composed_log_prob(ref.solution_composed_log_prob)


def _run(layers, x):
    dets = []
    for layer in layers:
        x, log_abs_det = layer(x)
        dets.append(log_abs_det)
    return x, dets


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda ls, x: standard_normal_log_prob(_run(ls, x)[0]), "left out"),
        (
            lambda ls, x: (
                standard_normal_log_prob(_run(ls, x)[0]) - sum(_run(ls, x)[1])
            ),
            "subtracted",
        ),
        (
            lambda ls, x: (
                standard_normal_log_prob(_run(ls, x)[0]) + _run(ls, x)[1][-1]
            ),
            "only the last",
        ),
        (
            lambda ls, x: (
                ref.solution_composed_log_prob(ls, x) + 1.5 * math.log(2 * math.pi)
            ),
            "log\\(2 pi\\) is missing",
        ),
        (
            lambda ls, x: ref.solution_composed_log_prob(ls, x).sum(),
            "one log-density per row",
        ),
    ],
)
def test_composed_log_prob_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        cov.check_composed_log_prob(wrong)


def test_linear_density_check():
    assert cov.check_linear_density(math.exp(-0.5) / (12 * math.pi))


@pytest.mark.parametrize(
    "wrong, message",
    [
        (math.exp(-0.5) / (2 * math.pi), "without the factor"),
        (math.exp(-0.5) / (2 * math.pi) * 6, "multiplied by"),
        (math.exp(-5) / (2 * math.pi), "evaluate phi at z"),
        (0.5, "is not p_x"),
    ],
)
def test_linear_density_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        cov.check_linear_density(wrong)
