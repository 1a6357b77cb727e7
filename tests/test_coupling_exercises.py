"""The exercise checks of the coupling chapters accept the reference solutions and
reject plausible wrong answers with a message that says what is wrong."""

import math

import pytest
import torch
from course_cases import references

from hidden_tests import coupling as hidden
from lecturecode.exercises import ExerciseFailed
from lecturecode.exercises import coupling as ex

ref = references()  # the chapters' reference solutions


def test_affine_inverse_check_accepts_the_solution():
    assert ex.check_affine_coupling_inverse(ref.solution_affine_coupling_inverse)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            lambda z, m, s, t: z * m + (1 - m) * (z - t(z * m)) * s(z * m).exp(),
            "use exp\\(-s\\)",
        ),
        (
            lambda z, m, s, t: (
                z * m + (1 - m) * (z * torch.exp(-s(z * m)) - t(z * m))
            ),
            "subtract t, then divide",
        ),
        (lambda z, m, s, t: (z - t(z)) * torch.exp(-s(z)), "only the kept half"),
        (lambda z, m, s, t: z * m, "z_A only"),
        (
            lambda z, m, s, t: (1 - m) * (z - t(z * m)) * torch.exp(-s(z * m)),
            "x_A must equal",
        ),
        (lambda z, m, s, t: z.clone(), "does not map back"),
        (lambda z, m, s, t: z[:, :3], "expected shape"),
    ],
)
def test_affine_inverse_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_affine_coupling_inverse(wrong)


def test_checkerboard_check_accepts_the_solution():
    assert ex.check_checkerboard(ref.solution_checkerboard)


def _grid(h, w):
    return torch.arange(h).unsqueeze(1), torch.arange(w).unsqueeze(0)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda h, w: 1 - ref.solution_checkerboard(h, w), "top-left pixel"),
        (
            lambda h, w: ((sum(_grid(h, w)) % 2) == 0).float(),
            "flatten it",
        ),
        (
            lambda h, w: (torch.arange(h * w) // w % 2 == 0).float(),
            "stripes of rows",
        ),
        (lambda h, w: torch.ones(h * w // 2), "expected"),
    ],
)
def test_checkerboard_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_checkerboard(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        # both agree with the checkerboard on the public check's odd widths
        lambda h, w: ((sum(_grid(h, w)) % 2) == 0).T.flatten().float(),
        lambda h, w: (torch.arange(h * w) % 2 == 0).float(),
    ],
    ids=["column-major", "flat alternation"],
)
def test_checkerboard_slips_pass_the_check_and_fail_the_hidden_test(wrong):
    assert ex.check_checkerboard(wrong)
    with pytest.raises(ExerciseFailed, match="image the mask is wrong"):
        hidden.hidden_checkerboard(wrong)


def test_logit_log_det_check_accepts_the_solution():
    assert ex.check_logit_log_det(ref.solution_logit_log_det)


def _logit_terms(w, k, a):
    y = a + (1 - 2 * a) * w / k
    return y, -torch.log(y) - torch.log1p(-y)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            lambda w, k, a: (math.log(1 - 2 * a) + _logit_terms(w, k, a)[1]).sum(1),
            "-log K",
        ),
        (
            lambda w, k, a: (-math.log(k) + _logit_terms(w, k, a)[1]).sum(1),
            "log\\(1 - 2 alpha\\)",
        ),
        (lambda w, k, a: -ref.solution_logit_log_det(w, k, a), "sign is flipped"),
        (
            lambda w, k, a: _logit_terms(w, k, a)[1],
            "one value per row",
        ),
        (lambda w, k, a: ref.solution_logit_log_det(w, k, a) + 1, "differ"),
    ],
)
def test_logit_log_det_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_logit_log_det(wrong)


def test_dequantization_gap_check_accepts_the_solution():
    assert ex.check_dequantization_gap(ref.solution_dequantization_gap)


def _gap_with_cell_sum(p, q):
    """P(x) as the plain sum of the values, every other step right."""
    gap, kl = ref.solution_dequantization_gap(p, q)
    return gap + math.log(len(p)), kl


def _reverse_kl(p, q):
    gap, _ = ref.solution_dequantization_gap(p, q)
    posterior = p / p.mean()
    return gap, (posterior / len(p) * (posterior / q).log()).sum().item()


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda p, q: tuple(-v for v in ref.solution_dequantization_gap(p, q)),
         "sign is flipped"),
        (_gap_with_cell_sum, "width 1/m"),
        (_reverse_kl, "the expectation is under q"),
        (lambda p, q: ref.solution_dequantization_gap(p, q)[0], "two numbers"),
        (lambda p, q: (ref.solution_dequantization_gap(p, q)[0], 0.0),
         "your KL is"),
        (lambda p, q: (0.5, 0.5), "your gap is"),
    ],
)
def test_dequantization_gap_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_dequantization_gap(wrong)
