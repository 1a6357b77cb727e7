"""Hidden tests of the chapter on spline couplings."""

import torch

from lecturecode.exercises import fail
from lecturecode.exercises.spline_flows import random_bins
from lecturecode.flows.spline import rq_forward

from . import call

F64 = torch.float64


def _close(got, expected, tol):
    got = torch.as_tensor(got, dtype=F64)
    return got.shape == expected.shape and torch.allclose(
        got, expected, rtol=tol, atol=tol
    )


def hidden_bin_log_derivative(fn) -> bool:
    """Bins given as 2-D tensors, and the knots: at xi = 0 and 1 the slope is
    delta_k and delta_{k+1}."""
    bins = {k: v.reshape(3, 20) for k, v in random_bins(60, seed=23).items()}
    args = (bins["xi"], bins["s_k"], bins["delta_k"], bins["delta_k1"])
    what = "bins given as a (3, 20) tensor"
    expected = rq_forward(bins["xi"], bins["h_k"], *args[1:])[1]
    got = call(fn, *(a.clone() for a in args), what=what)
    if not _close(got, expected, 1e-8):
        fail(f"for {what} your values differ from log g'(x)")
    for xi, knot in ((0.0, "delta_k"), (1.0, "delta_k1")):
        at = torch.full_like(bins["xi"], xi)
        got = call(fn, at, *(a.clone() for a in args[1:]), what=f"xi = {xi}")
        if not _close(got, bins[knot].log(), 1e-8):
            fail(f"at xi = {xi} the slope is {knot}; your log g' is not its log")
    return True


def hidden_bin_inverse(fn) -> bool:
    """Bins that are nearly straight (a near 0, not exactly 0), and the two ends
    of a bin."""
    bins = random_bins(50, seed=29)
    s = bins["s_k"]
    bins["delta_k"] = s * (1 + 1e-11)
    bins["delta_k1"] = s * (1 - 1e-11)
    shape = (bins["h_k"], s, bins["delta_k"], bins["delta_k1"])
    cases = [("nearly linear bins", bins["xi"])]
    cases += [(f"xi = {end} in every bin", torch.full_like(s, end))
              for end in (0.0, 1.0)]
    for what, xi in cases:
        rise = rq_forward(xi, *shape)[0]
        got = call(fn, rise, *(a.clone() for a in shape), what=what)
        if not _close(got, xi, 1e-7):
            fail(f"for {what} your xi does not give back the rise: the textbook "
                 "formula cancels when a is small; use 2c / (-b - sqrt(...))")
    return True
