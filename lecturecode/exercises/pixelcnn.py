"""Checks for the exercises of the chapter "PixelCNN"."""

import torch

from ..autoregressive import channel_groups, channel_mask, mask_A, mask_B
from . import fail, passed

KERNELS = (3, 5)  # the grader tries others


# Exercise: mask A and mask B ---------------------------------------------------


def _whole_centre_row(k):
    A = mask_A(k)
    A[k // 2] = 1
    A[k // 2, k // 2] = 0
    return A


def _diagnose_A(got, k):
    c = k // 2
    if torch.equal(got, mask_B(k)):
        return "mask A must not see the centre: x_i cannot condition on itself"
    if torch.equal(got, mask_A(k).T):
        return (
            "that is column order (the columns to the left, then the upper part "
            "of the centre column); raster order goes row by row"
        )
    if torch.equal(got, _whole_centre_row(k)):
        return (
            "the pixels right of the centre, in the centre row, come after it in "
            "raster order"
        )
    above_only = torch.zeros(k, k)
    above_only[:c] = 1
    if torch.equal(got, above_only):
        return "the pixels left of the centre, in the centre row, come before it"
    if torch.equal(got, 1 - mask_B(k)):
        return "the mask is flipped: keep what comes before the centre, not after"
    return None


def check_masks(fn) -> bool:
    """Check ``fn(k) -> (mask_A, mask_B)``, two ``k x k`` tensors of 0 and 1, for
    ``k`` in 3 and 5."""
    for k in KERNELS:
        answer = fn(k)
        if not isinstance(answer, tuple | list) or len(answer) != 2:
            fail("return a pair (mask_A, mask_B)")
        got_A, got_B = (torch.as_tensor(m).float() for m in answer)
        for name, got in (("mask A", got_A), ("mask B", got_B)):
            if got.shape != (k, k):
                shape = tuple(got.shape)
                fail(f"{name} for k = {k} should be {k} x {k}, got {shape}")
        if not torch.equal(got_A, mask_A(k)):
            why = _diagnose_A(got_A, k) or "compare it entry by entry with the rule"
            fail(f"mask A for k = {k} is not right: {why}.")
        if torch.equal(got_B, mask_A(k)):
            fail(
                "mask B must include the centre: above the first layer, the "
                "feature at position i saw only x_<i, so it may be used"
            )
        if not torch.equal(got_B, mask_B(k)):
            fail(f"mask B for k = {k} should be mask A plus the centre.")
    return passed(
        f"mask A and mask B are right for k in {KERNELS}; together they hide "
        "every pixel at or after the centre in raster order."
    )


# Exercise: the R -> G -> B channel rule -----------------------------------------


# As many output as input channels; the grader tries other shapes.
CHANNEL_CASES = (("A", 6, 6), ("A", 3, 3), ("B", 6, 6), ("B", 9, 9))


def _expected_channel_mask(kind, out_channels, in_channels):
    return channel_mask(
        kind, channel_groups(out_channels, 3), channel_groups(in_channels, 3)
    )


def check_channel_mask(fn) -> bool:
    """Check ``fn(kind, out_channels, in_channels) -> (out, in)`` tensor, the
    centre of a mask-A or mask-B convolution for R, G, B channel groups."""
    for kind, n_out, n_in in CHANNEL_CASES:
        got = torch.as_tensor(fn(kind, n_out, n_in)).float()
        expected = _expected_channel_mask(kind, n_out, n_in)
        if got.shape != expected.shape:
            fail(
                f"for {n_out} output and {n_in} input channels the mask is "
                f"(out, in) = {tuple(expected.shape)}, got {tuple(got.shape)}"
            )
        if torch.equal(got, expected):
            continue
        other = "B" if kind == "A" else "A"
        if torch.equal(got, _expected_channel_mask(other, n_out, n_in)):
            strict = "g' < g" if kind == "A" else "g' <= g"
            fail(
                f"that is mask {other}; mask {kind} connects input group g' to "
                f"output group g when {strict}"
            )
        interleaved = channel_mask(
            kind, torch.arange(n_out) % 3, torch.arange(n_in) % 3
        )
        if torch.equal(got, interleaved):
            fail(
                "the groups are contiguous blocks here (R R G G B B), not "
                "interleaved (R G B R G B)"
            )
        fail(f"mask {kind} with {n_out} x {n_in} channels is not right.")
    return passed(
        "red sees no colour of its own pixel, green sees red, blue sees red "
        "and green (mask A); mask B adds each group itself."
    )
