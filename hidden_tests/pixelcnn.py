"""Hidden tests of the chapter "PixelCNN"."""

import torch

from lecturecode.autoregressive import channel_groups, channel_mask, mask_A, mask_B
from lecturecode.exercises import fail

from . import call


def hidden_masks(fn) -> bool:
    """Kernels the public check does not try: 1 x 1 (the output layers'), 7 and
    9."""
    for k in (1, 7, 9):
        answer = call(fn, k, what=f"k = {k}")
        if not isinstance(answer, tuple | list) or len(answer) != 2:
            fail(f"for k = {k} return a pair (mask_A, mask_B)")
        for name, got, expected in zip(("mask A", "mask B"), answer,
                                       (mask_A(k), mask_B(k)), strict=True):
            got = torch.as_tensor(got).float()
            if got.shape != expected.shape or not torch.equal(got, expected):
                fail(f"{name} for k = {k} is not right")
    return True


def hidden_channel_mask(fn) -> bool:
    """Layers with different numbers of input and output channels."""
    for kind, n_out, n_in in (("A", 6, 3), ("A", 9, 6), ("B", 3, 12), ("B", 12, 3)):
        expected = channel_mask(
            kind, channel_groups(n_out, 3), channel_groups(n_in, 3)
        )
        what = f"mask {kind} with {n_out} outputs and {n_in} inputs"
        got = torch.as_tensor(call(fn, kind, n_out, n_in, what=what)).float()
        if got.shape != expected.shape:
            fail(f"for {what} the mask is (out, in) = {tuple(expected.shape)}, "
                 f"got {tuple(got.shape)}")
        if not torch.equal(got, expected):
            fail(f"for {what} the mask is not right: the output groups come from "
                 "out_channels, the input groups from in_channels")
    return True
