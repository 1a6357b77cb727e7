"""The PixelCNN chapter's exercise checks accept the reference solutions and reject
plausible wrong answers, saying what is wrong."""

import pytest
import torch
from course_cases import references

from hidden_tests import pixelcnn as hidden
from lecturecode.exercises import ExerciseFailed, pixelcnn

ref = references()  # the chapters' reference solutions


def test_masks_check():
    assert pixelcnn.check_masks(ref.solution_masks)


def with_A(make_A):
    """A candidate whose mask A is ``make_A(k)`` and mask B the right one."""

    def candidate(k):
        return make_A(k), ref.solution_masks(k)[1]

    return candidate


def sees_centre(k):
    return ref.solution_masks(k)[1]


def column_order(k):
    return ref.solution_masks(k)[0].T


def whole_centre_row(k):
    A = torch.zeros(k, k)
    A[: k // 2 + 1] = 1
    A[k // 2, k // 2] = 0
    return A


def rows_above_only(k):
    A = torch.zeros(k, k)
    A[: k // 2] = 1
    return A


def strict_lower_triangle(k):
    return torch.tril(torch.ones(k, k), diagonal=-1)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (with_A(sees_centre), "must not see the centre"),
        (with_A(column_order), "column order"),
        (with_A(whole_centre_row), "right of the centre"),
        (with_A(rows_above_only), "left of the centre"),
        (with_A(lambda k: 1 - sees_centre(k)), "flipped"),
        (with_A(strict_lower_triangle), "entry by entry"),
        (lambda k: (ref.solution_masks(k)[0],) * 2, "must include the centre"),
        (
            lambda k: (ref.solution_masks(k)[0], torch.ones(k, k)),
            "mask A plus the centre",
        ),
        (lambda k: ref.solution_masks(k)[0], "pair"),
        (
            lambda k: tuple(m[:, :-1] for m in ref.solution_masks(k)),
            "should be",
        ),
    ],
)
def test_masks_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        pixelcnn.check_masks(wrong)


def test_channel_mask_check():
    assert pixelcnn.check_channel_mask(ref.solution_channel_mask)


def swapped(kind, n_out, n_in):
    return ref.solution_channel_mask("B" if kind == "A" else "A", n_out, n_in)


def interleaved(kind, n_out, n_in):
    g_out, g_in = torch.arange(n_out) % 3, torch.arange(n_in) % 3
    if kind == "A":
        return (g_in.unsqueeze(0) < g_out.unsqueeze(1)).float()
    return (g_in.unsqueeze(0) <= g_out.unsqueeze(1)).float()


@pytest.mark.parametrize(
    "wrong, message",
    [
        (swapped, "that is mask"),
        (interleaved, "interleaved"),
        (lambda kind, o, i: torch.ones(o, i), "is not right"),
    ],
)
def test_channel_mask_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        pixelcnn.check_channel_mask(wrong)


def test_a_transposed_channel_mask_fails_the_hidden_test():
    """The public layers have as many inputs as outputs: only the hidden ones
    show (in, out) for (out, in)."""
    with pytest.raises(ExerciseFailed, match="\\(out, in\\)"):
        hidden.hidden_channel_mask(
            lambda kind, o, i: ref.solution_channel_mask(kind, o, i).T
        )

