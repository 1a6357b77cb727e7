"""The exercise checks of the multi-scale chapter accept the reference solutions
and reject plausible wrong answers with a message that says what is wrong."""

import math

import pytest
import torch
from course_cases import references

from lecturecode.exercises import ExerciseFailed
from lecturecode.exercises import multiscale_flows as ex

ref = references()  # the chapters' reference solutions


def test_squeeze_check_accepts_the_solution():
    assert ex.check_squeeze(ref.solution_squeeze)


def _blocks(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2), (n, 4 * c, h // 2, w // 2)


def _column_major(x):
    blocks, shape = _blocks(x)
    return blocks.permute(0, 1, 5, 3, 2, 4).reshape(shape)


def _offset_first(x):
    blocks, shape = _blocks(x)
    return blocks.permute(0, 3, 5, 1, 2, 4).reshape(shape)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda x: x.reshape(_blocks(x)[1]), "strips of rows"),
        (_column_major, "column by column"),
        (_offset_first, "block offset comes before the channel"),
        (lambda x: ref.solution_squeeze(x) + 1, "must not change them"),
        (lambda x: ref.solution_squeeze(x).flip(1), "wrong places"),
        (lambda x: ref.solution_squeeze(x)[:, :4], "expected shape"),
    ],
)
def test_squeeze_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_squeeze(wrong)


def test_factor_out_check_accepts_the_solution():
    assert ex.check_factor_out_log_density(ref.solution_factor_out_log_density)


def _per_value(z_out, mu, log_sigma, sign=-1.0, variance=False):
    eps = (z_out - mu) * torch.exp(-log_sigma * (0.5 if variance else 1.0))
    return -0.5 * eps**2 - 0.5 * math.log(2 * math.pi) + sign * log_sigma


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda z, m, s: _per_value(z, m, s, sign=0.0).flatten(1).sum(1),
         "log phi\\(eps\\) alone"),
        (lambda z, m, s: _per_value(z, m, s, sign=1.0).flatten(1).sum(1),
         "wrong sign"),
        (lambda z, m, s: _per_value(z, m, s, variance=True).flatten(1).sum(1),
         "differ"),
        (lambda z, m, s: _per_value(z, m, s), "one value per image"),
    ],
)
def test_factor_out_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_factor_out_log_density(wrong)
