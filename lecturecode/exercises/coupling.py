"""Checks for the exercises of the chapters on coupling flows (NICE, RealNVP) and
on RealNVP for the digits."""

import math

import torch

from ..flows import AffineCoupling, LogitTransform, checkerboard_mask, half_mask
from ..runtime import perturb_parameters
from . import fail, matches, passed

F64 = torch.float64


def _close(a, b, tol=1e-8):
    return torch.allclose(
        torch.as_tensor(a, dtype=F64),
        torch.as_tensor(b, dtype=F64),
        rtol=tol,
        atol=tol,
    )


# Exercise: the inverse of an affine coupling ----------------------------------


def check_affine_coupling_inverse(fn) -> bool:
    """Check ``fn(z, mask, s_theta, t_theta) -> x`` on a random affine coupling
    of six coordinates that keeps the first half (the grader also tries other
    masks).

    ``mask`` is 1 on the kept coordinates; ``s_theta`` and ``t_theta`` take the
    masked input ``z * mask`` and return values that are 0 on the kept coordinates.
    """
    generator = torch.Generator().manual_seed(18)
    for mask in (half_mask(6),):
        layer = perturb_parameters(AffineCoupling(mask).double(), 0.4, generator)
        x = torch.randn(10, 6, generator=generator, dtype=F64)
        with torch.no_grad():
            z, _ = layer(x)
            got = fn(z.clone(), layer.mask, layer.s_theta, layer.t_theta)
        got = torch.as_tensor(got, dtype=F64)
        if got.shape != x.shape:
            fail(f"expected shape {tuple(x.shape)}, got {tuple(got.shape)}")
        if _close(got, x):
            continue
        kept, s = z * layer.mask, layer.s_theta(z * layer.mask).detach()
        t = layer.t_theta(kept).detach()
        diagnoses = [
            (
                kept + (1 - mask) * (z - t) * s.exp(),
                "divide by exp(s): use exp(-s)",
            ),
            (
                kept + (1 - mask) * (z * torch.exp(-s) - t),
                "undo the shift first: subtract t, then divide by exp(s)",
            ),
            (
                (z - layer.t_theta(z).detach())
                * torch.exp(-layer.s_theta(z).detach()),
                "s_theta and t_theta must see only the kept half, z * mask",
            ),
            (kept, "the transformed half is missing: you returned z_A only"),
        ]
        for wrong, why in diagnoses:
            if _close(got, wrong):
                fail(f"not yet: {why}.")
        if not _close(got * mask, kept):
            fail("x_A must equal z_A: the kept coordinates pass through unchanged.")
        fail(
            "your x does not map back to z "
            f"(largest error {(got - x).abs().max().item():.3g})."
        )
    return passed("your inverse undoes the affine coupling exactly.")


# Exercise: a checkerboard mask -------------------------------------------------


def check_checkerboard(fn) -> bool:
    """Check ``fn(height, width)`` -> the flattened checkerboard mask with 1 on the
    top-left pixel, for a 3 x 5 and a 1 x 2 image (the grader tries others)."""
    for height, width in ((3, 5), (1, 2)):
        expected = checkerboard_mask(height, width)
        got = torch.as_tensor(fn(height, width))
        if got.dim() == 2:
            fail(
                f"for {height} x {width} you returned shape {tuple(got.shape)}: "
                "flatten it in raster order, to match the flattened images"
            )
        if got.shape != expected.shape:
            fail(
                f"for {height} x {width} expected {height * width} values, "
                f"got shape {tuple(got.shape)}"
            )
        got = got.to(expected.dtype)
        if torch.equal(got, expected):
            continue
        index = torch.arange(height * width)
        diagnoses = [
            (1 - expected, "the top-left pixel should be 1 (kept), not 0"),
            (
                expected.reshape(height, width).T.flatten(),
                "that is column-major order; images are flattened row by row",
            ),
            ((index // width % 2 == 0).to(got.dtype), "those are stripes of rows"),
            (
                (index % width % 2 == 0).to(got.dtype),
                "those are stripes of columns",
            ),
        ]
        for wrong, why in diagnoses:
            if torch.equal(got, wrong):
                fail(f"for a {height} x {width} image: {why}.")
        fail(f"for a {height} x {width} image the mask is wrong.")
    return passed("a checkerboard in raster order on both images.")


# Exercise: the log-Jacobian of the logit rescaling -----------------------------


def check_logit_log_det(fn) -> bool:
    """Check ``fn(w, levels, alpha)`` -> one log-determinant per row."""
    generator = torch.Generator().manual_seed(18)
    levels, alpha = 17, 0.05
    w = levels * torch.rand(6, 64, generator=generator, dtype=F64)
    expected = LogitTransform(64, levels, alpha)(w)[1]
    got = torch.as_tensor(fn(w.clone(), levels, alpha), dtype=F64)
    if got.shape != expected.shape:
        fail(
            f"expected one value per row, shape {tuple(expected.shape)}; "
            f"got {tuple(got.shape)}"
        )
    if _close(got, expected):
        return passed("your log-Jacobian matches the LogitTransform layer.")
    d = w.shape[1]
    diagnoses = [
        (expected + d * math.log(levels), "the division by K contributes -log K"),
        (
            expected - d * math.log(1 - 2 * alpha),
            "the factor (1 - 2 alpha) contributes log(1 - 2 alpha)",
        ),
        (-expected, "the sign is flipped: v = logit(y) stretches, dv/dy > 1"),
    ]
    for wrong, why in diagnoses:
        if _close(got, wrong):
            fail(f"not yet: {why} per coordinate.")
    fail(
        "your values differ from the rescaling's log-Jacobian (first row: you "
        f"{got[0].item():.4f}, expected {expected[0].item():.4f})."
    )


# Exercise: what the Jensen bound gives away -------------------------------------


# Cells cut into four sub-intervals: p(x + u) on each, and q(u | x) on each (mean
# 1): uniform and arbitrary; then one where q is the model's own density of u.
GAP_CASES = (
    ((0.2, 1.0, 2.6, 0.6), (1.0, 1.0, 1.0, 1.0)),
    ((0.3, 0.3, 0.9, 2.5), (0.5, 1.5, 1.25, 0.75)),
    ((0.7, 0.7, 0.7, 0.7), (0.2, 0.6, 1.4, 1.8)),
)
POSTERIOR_CASE = ((0.4, 1.2, 2.0, 0.4), (0.4, 1.2, 2.0, 0.4))

# What expected.json holds for this module (see lecturecode.exercises): the
# gap and the KL divergence on these cells, each a digest.
EXPECTED_CASES = {"check_dequantization_gap": (1e-7, GAP_CASES)}


def check_dequantization_gap(fn) -> bool:
    """Check ``fn(p_cell, q_cell) -> (gap, kl)`` on cells cut into four
    sub-intervals (the grader also tries finer cells), and that the two numbers
    agree: the Jensen gap is the KL divergence from ``q`` to the model's density
    of ``u`` given ``x``."""
    for p_cell, q_cell in (*GAP_CASES, POSTERIOR_CASE):
        got = fn(torch.tensor(p_cell, dtype=F64), torch.tensor(q_cell, dtype=F64))
        if not isinstance(got, tuple | list) or len(got) != 2:
            fail("return two numbers: (gap, kl)")
        gap, kl = (float(torch.as_tensor(v, dtype=F64)) for v in got)
        if (p_cell, q_cell) == POSTERIOR_CASE:
            if abs(gap) > 1e-9 or abs(kl) > 1e-9:
                fail(f"where q is the model's density of u given x (p = {p_cell}, "
                     f"q = {q_cell}) the bound is tight: you give gap {gap:.6f}, "
                     f"KL {kl:.6f}.")
            continue
        key = f"check_dequantization_gap{(p_cell, q_cell)!r}"
        if not matches(f"{key}[0]", gap):
            if matches(f"{key}[0]", -gap):
                fail("the gap is log P(x) minus the bound, which is >= 0: "
                     "your sign is flipped.")
            if matches(f"{key}[0]", gap - math.log(len(p_cell))):
                fail("P(x) is the integral of p over the cell: weight each "
                     "sub-interval by its width 1/m.")
            fail(f"your gap is {gap:.6f}, which is not log P(x) minus the bound "
                 f"(cell p = {p_cell}, q = {q_cell}).")
        if not matches(f"{key}[1]", kl):
            fail(f"your KL is {kl:.6f} for p = {p_cell}, q = {q_cell}: the "
                 "expectation is under q, of log q minus the log of the model's "
                 "density of u given x.")
    return passed("the Jensen gap equals KL(q(u|x) || p(x+u)/P(x)) on every "
                  "cell, and vanishes where q is the model's own density of u.")
