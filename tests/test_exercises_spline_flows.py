"""The exercise checks of the spline chapter accept the reference solutions and
reject plausible wrong answers with a message that says what is wrong."""

import pytest
import torch
from course_cases import references

from lecturecode.exercises import ExerciseFailed
from lecturecode.exercises import spline_flows as ex

ref = references()  # the chapters' reference solutions


def test_the_bins_are_generic_and_the_first_is_linear():
    bins = ex.random_bins()
    assert bins["delta_k"][0] == bins["s_k"][0] == bins["delta_k1"][0]
    assert (bins["delta_k"][1:] != bins["s_k"][1:]).all()
    assert bins["xi"].min() >= 0 and bins["xi"].max() <= 1


def test_log_derivative_check_accepts_the_solution():
    assert ex.check_bin_log_derivative(ref.solution_bin_log_derivative)


def _denominator(xi, s, d0, d1):
    return s + (d1 + d0 - 2 * s) * xi * (1 - xi)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda *a: ref.solution_bin_log_derivative(*a).exp(), "take its log"),
        (
            lambda xi, s, d0, d1: ref.solution_bin_log_derivative(xi, s, d0, d1)
            + torch.log(_denominator(xi, s, d0, d1)),
            "denominator is squared",
        ),
        (
            lambda xi, s, d0, d1: ref.solution_bin_log_derivative(xi, s, d1, d0),
            "swapped",
        ),
        (
            lambda xi, s, d0, d1: ref.solution_bin_log_derivative(xi, s, d0, d1)
            - 2 * torch.log(s),
            "s_k\\^2",
        ),
        (lambda *a: ref.solution_bin_log_derivative(*a) + 0.1, "differ"),
        (lambda *a: ref.solution_bin_log_derivative(*a)[:5], "one value per bin"),
    ],
)
def test_log_derivative_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_bin_log_derivative(wrong)


def test_inverse_check_accepts_the_solution():
    assert ex.check_bin_inverse(ref.solution_bin_inverse)


def _textbook_root(rise, h, s, d0, d1):
    a, b, c = ex._quadratic(rise, h, s, d0, d1)
    return (-b + torch.sqrt(b**2 - 4 * a * c)) / (2 * a)


def _other_root(rise, h, s, d0, d1):
    a, b, c = ex._quadratic(rise, h, s, d0, d1)
    return (-b - torch.sqrt(b**2 - 4 * a * c)) / (2 * a)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_textbook_root, "NaN in the linear bin"),
        (_other_root, "other root"),
        (lambda rise, h, s, d0, d1: rise / h, "only a linear bin"),
        (lambda rise, h, s, d0, d1: rise, "does not give back"),
        (lambda *a: ref.solution_bin_inverse(*a)[None], "one value per bin"),
    ],
)
def test_inverse_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_bin_inverse(wrong)
