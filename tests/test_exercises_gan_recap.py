"""The GAN chapter's exercise checks accept the reference solutions and reject
plausible wrong answers with a message that says what is wrong."""

import pytest
import torch
import torch.nn.functional as F
from course_cases import references

from hidden_tests import gan_recap as hidden
from lecturecode.exercises import ExerciseFailed
from lecturecode.exercises import gan_recap as ex

ref = references()  # the chapters' reference solutions


def test_non_saturating_loss_check():
    assert ex.check_non_saturating_loss(ref.solution_non_saturating_loss)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda a: -F.softplus(a).mean(), "saturating loss"),
        (lambda a: F.softplus(a).mean(), "wrong term"),
        (lambda a: -F.softplus(-a).mean(), "sign is flipped"),
        (lambda a: F.softplus(-a).sum(), "take the mean"),
        (lambda a: F.softplus(-a), "one number"),
        (lambda a: F.softplus(-a.detach()).mean(), "detached"),
        (lambda a: 0.5, "not a tensor"),
        (lambda a: F.softplus(-2 * a).mean(), "expected"),
    ],
)
def test_non_saturating_loss_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_non_saturating_loss(wrong)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda a: -torch.log(torch.sigmoid(a)).mean(),
        lambda a: torch.log1p(torch.exp(-a)).mean(),
    ],
    ids=["log of sigmoid", "log1p of exp"],
)
def test_naive_losses_pass_the_check_and_fail_at_minus_1000(wrong):
    """The public check's logits (near 0 and -30) do not overflow either
    formula; the hidden test's -1000 does."""
    assert ex.check_non_saturating_loss(wrong)
    with pytest.raises(ExerciseFailed, match="underflowed"):
        hidden.hidden_non_saturating_loss(wrong)


def test_count_covered_modes_check():
    assert ex.check_count_covered_modes(ref.solution_count_covered_modes)


def _count(
    radius_in_std=3.0, square_std=False, count_samples=False, threshold=True
):
    def count(samples, centers, std):
        scale = std**2 if square_std else std
        distance, nearest = torch.cdist(samples, centers).min(dim=1)
        good = distance < radius_in_std * scale if threshold else distance >= 0
        if count_samples:
            return int(good.sum())
        return len(torch.unique(nearest[good]))

    return count


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_count(threshold=False), "apply 3 std first"),
        (_count(radius_in_std=1.0), "not 1"),
        (_count(square_std=True), "not 3 \\* std\\^2"),
        (_count(count_samples=True), "count the distinct modes"),
        (_count(radius_in_std=5.0), "expected"),
        (lambda s, c, std: "eight", "not a whole number"),
    ],
)
def test_count_covered_modes_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_count_covered_modes(wrong)


def test_spiral_radius_check():
    assert ex.check_spiral_radius(1.01**50)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (1.01**100, "sqrt\\(1 \\+ lr\\^2\\)"),
        (1.1**100, "modulus"),
        (1.0, "orbit"),
        (2.0, "is not the radius"),
    ],
)
def test_spiral_radius_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        ex.check_spiral_radius(wrong)
