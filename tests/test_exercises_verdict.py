"""The exercise checks of the verdict chapter accept the reference solutions and
reject plausible wrong answers with a message that says what is wrong."""

import math

import pytest
from course_cases import references

from lecturecode.exercises import ExerciseFailed
from lecturecode.exercises import flows_or_autoregressive as ex
from lecturecode.train import bits_per_dim

ref = references()  # the chapters' reference solutions


def test_bits_per_dim_solution_is_the_books_conversion():
    for nats, dim in ex.CASES:
        assert ref.solution_bits_per_dim(nats, dim) == bits_per_dim(nats, dim)
    assert ex.check_bits_per_dim(ref.solution_bits_per_dim)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda nats, dim: nats / dim, "nats per dimension"),
        (lambda nats, dim: nats / math.log(2), "bits per image"),
        (lambda nats, dim: nats * math.log(2) / dim, "divide by ln 2"),
        (lambda nats, dim: nats / (dim * math.log(10)), "base 10"),
        (lambda nats, dim: nats / (dim * math.log(2)) + 0.01, "not the number"),
    ],
)
def test_bits_per_dim_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_bits_per_dim(wrong)


def test_sampling_passes_solution():
    assert ref.solution_sampling_passes(100, 8, 8, 1) == 64
    assert ex.check_sampling_passes(ref.solution_sampling_passes)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda n, h, w, c: n * h * w * c, "one batch"),
        (lambda n, h, w, c: h * w, "R, G, then B"),
        (lambda n, h, w, c: h * w * c - 1, "first sub-pixel"),
        (lambda n, h, w, c: 1, "what a flow needs"),
        (lambda n, h, w, c: h * w * c + 2, "not the number"),
    ],
)
def test_sampling_passes_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_sampling_passes(wrong)
