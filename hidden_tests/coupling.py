"""Hidden tests of the chapters on coupling flows and on RealNVP for the
digits."""

import torch

from lecturecode.exercises import fail
from lecturecode.flows import (
    AffineCoupling,
    LogitTransform,
    checkerboard_mask,
    half_mask,
)
from lecturecode.runtime import perturb_parameters

from . import call

F64 = torch.float64


def hidden_affine_coupling_inverse(fn) -> bool:
    """Round trips with other masks: a checkerboard, the second half kept, and
    two coordinates with a batch of one."""
    generator = torch.Generator().manual_seed(1818)
    cases = [
        ("a checkerboard mask", checkerboard_mask(2, 3, 1), 10),
        ("a mask that keeps the second half", half_mask(6, first=False), 10),
        ("two coordinates and a batch of one", half_mask(2), 1),
    ]
    for what, mask, n in cases:
        layer = perturb_parameters(AffineCoupling(mask).double(), 0.4, generator)
        x = torch.randn(n, len(mask), generator=generator, dtype=F64)
        with torch.no_grad():
            z, _ = layer(x)
            got = call(fn, z.clone(), layer.mask, layer.s_theta, layer.t_theta,
                       what=what)
        got = torch.as_tensor(got, dtype=F64)
        if got.shape != x.shape:
            fail(f"for {what} expected shape {tuple(x.shape)}, got "
                 f"{tuple(got.shape)}")
        if not torch.allclose(got, x, rtol=1e-8, atol=1e-8):
            fail(f"for {what} your x does not map back to z: use the mask, not "
                 "a split into halves")
    return True


def hidden_checkerboard(fn) -> bool:
    """Even widths, where the mask is no alternation of the flat index."""
    for height, width in ((8, 8), (4, 7), (2, 2), (5, 1)):
        expected = checkerboard_mask(height, width)
        got = call(fn, height, width, what=f"a {height} x {width} image")
        got = torch.as_tensor(got)
        if got.shape != expected.shape or not torch.equal(
            got.to(expected.dtype), expected
        ):
            fail(f"for a {height} x {width} image the mask is wrong")
    return True


def hidden_logit_log_det(fn) -> bool:
    """Other grey levels and margins, and a batch of one."""
    generator = torch.Generator().manual_seed(1818)
    for levels, alpha, shape in ((256, 1e-3, (3, 10)), (2, 0.25, (1, 5))):
        w = levels * torch.rand(*shape, generator=generator, dtype=F64)
        expected = LogitTransform(shape[1], levels, alpha)(w)[1]
        what = f"K = {levels} levels and alpha = {alpha}"
        got = torch.as_tensor(call(fn, w.clone(), levels, alpha, what=what),
                              dtype=F64)
        if got.shape != expected.shape:
            fail(f"for {what} expected shape {tuple(expected.shape)}, got "
                 f"{tuple(got.shape)}")
        if not torch.allclose(got, expected, rtol=1e-8, atol=1e-8):
            fail(f"for {what} your values differ from the rescaling's: use the "
                 "arguments, not the digits' constants")
    return True
