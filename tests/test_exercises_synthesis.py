"""The closing chapter's exercise checks accept the reference solutions and
reject plausible wrong answers with a message that says what is wrong."""

import math
from statistics import NormalDist

import pytest
import torch
from course_cases import references

from hidden_tests import synthesis as hidden
from lecturecode.exercises import ExerciseFailed
from lecturecode.exercises import synthesis as ex

ref = references()  # the chapter's reference solutions


def _kl(a, b):
    return (a * (a / b).log()).sum().item()


def test_kl_both_ways_check():
    assert ex.check_kl_both_ways(ref.solution_kl_both_ways)
    assert hidden.hidden_kl_both_ways(ref.solution_kl_both_ways)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda p, q: (_kl(q, p), _kl(p, q)), "swapped"),
        (lambda p, q: (_kl(p, q) / math.log(2), _kl(q, p) / math.log(2)), "bits"),
        (lambda p, q: ((p / q).log().sum().item(), 0.0), "unweighted"),
        (lambda p, q: _kl(p, q), "two numbers"),
        (lambda p, q: (_kl(p, q), 0.0), "expected"),
    ],
)
def test_kl_both_ways_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_kl_both_ways(wrong)


def test_naive_kl_passes_the_check_and_fails_on_zeros():
    naive = lambda p, q: (_kl(p, q), _kl(q, p))  # noqa: E731
    assert ex.check_kl_both_ways(naive)
    with pytest.raises(ExerciseFailed, match="NaN"):
        hidden.hidden_kl_both_ways(naive)


def test_min_gap_mass_check():
    assert ex.check_min_gap_mass(ref.solution_min_gap_mass)
    assert hidden.hidden_min_gap_mass(ref.solution_min_gap_mass)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda w, L: math.erf(w * L / (2 * math.sqrt(2))), "wrong way round"),
        (lambda w, L: math.erf(w / (2 * math.sqrt(2) * L)) / 2, "one side"),
        (lambda w, L: math.erfc(w / (2 * math.sqrt(2) * L)), "outside the gap"),
        (lambda w, L: math.erf(w / (math.sqrt(2) * L)), "which z"),
        (lambda w, L: 2.0, "\\[0, 1\\]"),
        (lambda w, L: "half", "should be a number"),
    ],
)
def test_min_gap_mass_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_min_gap_mass(wrong)


def test_phi_difference_passes_the_check_and_loses_digits_when_steep():
    def through_phi(width, lipschitz):
        return 2 * NormalDist().cdf(width / (2 * lipschitz)) - 1

    assert ex.check_min_gap_mass(through_phi)
    with pytest.raises(ExerciseFailed, match="erf keeps them"):
        hidden.hidden_min_gap_mass(through_phi)


def test_coupling_degrees_check():
    assert ex.check_coupling_degrees(ref.solution_coupling_degrees)
    assert hidden.hidden_coupling_degrees(ref.solution_coupling_degrees)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda m: 1 + (m != 0).long(), "swapped"),
        (lambda m: (m != 0).long(), "connects nothing"),
        (lambda m: torch.arange(1, len(m) + 1), "MAF's own ordering"),
        (lambda m: torch.full(m.shape, 0.5), "whole numbers"),
        (lambda m: torch.tensor([1, 2]), "one per"),
        (lambda m: torch.tensor([1, 2, 1, 2] + [2] * (len(m) - 4)), "wrong pairs"),
    ],
)
def test_coupling_degrees_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_coupling_degrees(wrong)


def test_bool_unsafe_degrees_pass_the_check_and_fail_on_a_boolean_mask():
    unsafe = lambda m: (2 - m).long()  # noqa: E731
    assert ex.check_coupling_degrees(unsafe)
    with pytest.raises(ExerciseFailed, match="raised"):
        hidden.hidden_coupling_degrees(unsafe)


def test_noise_bits_per_dim_check():
    assert ex.check_noise_bits_per_dim(math.log2(100) / 64)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (math.log(100) / 64, "nats"),
        (math.log2(100), "per image"),
        (-math.log2(0.99) / 64, "noise's weight"),
        (1.0, "is not it"),
    ],
)
def test_noise_bits_per_dim_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_noise_bits_per_dim(wrong)
