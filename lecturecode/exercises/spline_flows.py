"""Checks for the exercises of the chapter on spline couplings: the log-derivative
of one rational-quadratic bin, and its inverse by the quadratic formula."""

import torch

from ..flows.spline import rq_forward
from . import fail, passed

F64 = torch.float64


def random_bins(n: int = 200, seed: int = 19) -> dict:
    """``n`` random bins: heights ``h_k``, slopes ``s_k`` and knot derivatives
    ``delta_k``, ``delta_k1`` (all positive), and a relative position ``xi`` in
    each; the first bin is linear (``delta_k = delta_k1 = s_k``)."""
    generator = torch.Generator().manual_seed(seed)

    def positive(low, high):
        u = torch.rand(n, generator=generator, dtype=F64)
        return low * (high / low) ** u  # log-uniform in [low, high]

    bins = dict(
        h_k=positive(0.05, 2.0),
        s_k=positive(0.1, 10.0),
        delta_k=positive(0.01, 20.0),
        delta_k1=positive(0.01, 20.0),
    )
    bins["delta_k"][0] = bins["delta_k1"][0] = bins["s_k"][0]
    bins["xi"] = torch.rand(n, generator=generator, dtype=F64)
    return bins


def _close(a, b, tol=1e-8) -> bool:
    a = torch.as_tensor(a, dtype=F64)
    return a.shape == b.shape and torch.allclose(a, b, rtol=tol, atol=tol)


def _result(fn, *args, expected) -> torch.Tensor:
    got = torch.as_tensor(fn(*(a.clone() for a in args)), dtype=F64)
    if got.shape != expected.shape:
        fail(
            f"expected one value per bin, shape {tuple(expected.shape)}; got "
            f"{tuple(got.shape)}"
        )
    return got


# Exercise: the log-derivative of one bin ---------------------------------------


def check_bin_log_derivative(fn) -> bool:
    """Check ``fn(xi, s_k, delta_k, delta_k1)`` -> ``log g'(x)``, one per bin."""
    b = random_bins()
    args = (b["xi"], b["s_k"], b["delta_k"], b["delta_k1"])
    expected = rq_forward(b["xi"], b["h_k"], *args[1:])[1]
    got = _result(fn, *args, expected=expected)
    if _close(got, expected):
        return passed("your log-derivative matches the spline's eq. rq'.")
    xi, s, d0, d1 = args
    between = xi * (1 - xi)
    denominator = s + (d1 + d0 - 2 * s) * between
    numerator = s**2 * (d1 * xi**2 + 2 * s * between + d0 * (1 - xi) ** 2)
    swapped = s**2 * (d0 * xi**2 + 2 * s * between + d1 * (1 - xi) ** 2)
    diagnoses = [
        (expected.exp(), "that is g'(x) itself: take its log"),
        (numerator.log() - denominator.log(), "the denominator is squared"),
        (
            swapped.log() - 2 * denominator.log(),
            "delta_k and delta_{k+1} are swapped: at xi = 0 the slope is delta_k",
        ),
        (expected - 2 * s.log(), "the numerator has the factor s_k^2"),
    ]
    for wrong, why in diagnoses:
        if _close(got, wrong):
            fail(f"not yet: {why}.")
    fail(
        "your values differ from log g'(x) (first bin: you "
        f"{got[0].item():.6f}, expected {expected[0].item():.6f})."
    )


# Exercise: the inverse of one bin -----------------------------------------------


def _quadratic(rise, h_k, s_k, delta_k, delta_k1):
    """``(a, b, c)`` of the bin's quadratic in ``xi`` (Durkan et al., eq. 6-8)."""
    curvature = delta_k1 + delta_k - 2 * s_k
    return (
        h_k * (s_k - delta_k) + rise * curvature,
        h_k * delta_k - rise * curvature,
        -s_k * rise,
    )


def check_bin_inverse(fn) -> bool:
    """Check ``fn(rise, h_k, s_k, delta_k, delta_k1)`` -> ``xi``, one per bin, on
    random bins, the first of them linear (there ``a = 0``)."""
    bins = random_bins()
    shape = (bins["h_k"], bins["s_k"], bins["delta_k"], bins["delta_k1"])
    rise = rq_forward(bins["xi"], *shape)[0]
    expected = bins["xi"]
    got = _result(fn, rise, *shape, expected=expected)
    if _close(got, expected, tol=1e-7):
        return passed("your inverse recovers xi in every bin, linear ones too.")
    if torch.isnan(got[0]) and _close(got[1:], expected[1:], tol=1e-7):
        fail(
            "not yet: right wherever a != 0, but NaN in the linear bin, where "
            "a = 0 and (-b + sqrt(b^2 - 4ac)) / (2a) is 0 / 0; multiply it "
            "through by -b - sqrt(b^2 - 4ac) to get 2c / (-b - sqrt(b^2 - 4ac))"
        )
    a, b, c = _quadratic(rise, *shape)
    other_root = (-b - torch.sqrt(b**2 - 4 * a * c)) / (2 * a)
    if _close(got, rise / bins["h_k"], tol=1e-7):
        fail("not yet: rise / h_k inverts only a linear bin.")
    if _close(got[1:], other_root[1:], tol=1e-7):
        fail("not yet: that is the quadratic's other root, outside [0, 1].")
    fail(
        "your xi does not give back the rise (largest error in xi "
        f"{(got - expected).abs().nan_to_num(float('inf')).max().item():.3g})."
    )
