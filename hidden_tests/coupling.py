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


def hidden_dequantization_gap(fn) -> bool:
    """Finer cells (eight and five sub-intervals) with peaked, lopsided and flat
    model densities: the gap equals the KL divergence, is never negative, is
    Jensen's gap of the log (log of the mean minus mean of the log) for a
    uniform q, and vanishes where q is the model's own density of u."""
    generator = torch.Generator().manual_seed(1818)
    for m in (8, 5):
        peaked = torch.exp(-((torch.arange(m, dtype=F64) - m / 3) ** 2) / 2) * 3
        lopsided = 0.05 + torch.rand(m, generator=generator, dtype=F64) * 1.5
        for p_cell in (peaked, lopsided, torch.full((m,), 0.7, dtype=F64)):
            guess = 0.2 + torch.rand(m, generator=generator, dtype=F64)
            uniform = torch.ones(m, dtype=F64)
            for name, q_cell in (("a uniform q", uniform),
                                 ("an arbitrary q", guess / guess.mean()),
                                 ("q = p(x+u)/P(x)", p_cell / p_cell.mean())):
                what = f"{m} sub-intervals and {name}"
                got = call(fn, p_cell.clone(), q_cell.clone(), what=what)
                if not isinstance(got, tuple | list) or len(got) != 2:
                    fail(f"for {what} you did not return (gap, kl)")
                gap, kl = (float(torch.as_tensor(v, dtype=F64)) for v in got)
                if abs(gap - kl) > 1e-8 or gap < -1e-10:
                    fail(f"for {what} gap {gap:.6f} and KL {kl:.6f} should be "
                         "equal and non-negative")
                if name == "a uniform q":
                    jensen = (p_cell.mean().log() - p_cell.log().mean()).item()
                    if abs(gap - jensen) > 1e-8:
                        fail(f"for {what} the gap is {jensen:.6f}, you give "
                             f"{gap:.6f}: the cell has m sub-intervals, not 4")
                if name.startswith("q = ") and abs(gap) > 1e-8:
                    fail(f"for {what} the bound is tight, you give {gap:.6f}")
    return True
