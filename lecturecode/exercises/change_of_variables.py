"""Checks for the exercises of the chapter "Change of variables and the simple
invertible families"."""

import math

import torch

from ..flows import (
    Compose,
    ElementwiseFlow,
    FlowModel,
    LinearFlow,
    standard_normal_log_prob,
)
from ..runtime import perturb_parameters
from . import as_number, fail, matches, passed

F64 = torch.float64


def _close(a, b, tol=1e-6):
    a, b = torch.as_tensor(a, dtype=F64), torch.as_tensor(b, dtype=F64)
    return torch.allclose(a, b, rtol=tol, atol=tol)


# Exercise: log |det| of a triangular matrix in O(d) ----------------------------


def _triangular_cases():
    generator = torch.Generator().manual_seed(18)
    cases = []
    for d in (1, 3, 10):
        A = torch.randn(d, d, generator=generator, dtype=F64)
        shift = 3 * torch.eye(d, dtype=F64)
        cases.append(("a lower triangular matrix", torch.tril(A) + shift))
        cases.append(("an upper triangular matrix", torch.triu(A) + shift))
    diagonal = torch.tensor([2.0, -0.5, -3.0, 1.5, -4.0], dtype=F64)
    below = torch.tril(torch.ones(5, 5, dtype=F64), -1)
    cases.append(
        ("a matrix with negative diagonal entries", torch.diag(diagonal) + below)
    )
    tiny = 0.1 * torch.eye(400, dtype=F64) + torch.tril(torch.ones(400, 400), -1)
    cases.append(("a 400 x 400 matrix with diagonal 0.1 (det = 1e-400)", tiny))
    return cases


def check_log_abs_det_triangular(fn) -> bool:
    """Check ``fn(L) -> log |det L|`` on lower and upper triangular matrices,
    negative diagonal entries, and a matrix whose determinant underflows float64."""
    for what, L in _triangular_cases():
        expected = torch.linalg.slogdet(L).logabsdet
        got = fn(L.clone())
        if not isinstance(got, torch.Tensor | float | int):
            fail(f"for {what} you returned a {type(got).__name__}, not a number")
        got = torch.as_tensor(got, dtype=F64)
        if got.numel() != 1:
            fail(f"for {what} you returned shape {tuple(got.shape)}, not a scalar")
        if not _close(got, expected, 1e-8):
            hint = ""
            if torch.isnan(got):
                hint = " A NaN means a log of a negative number: take |diagonal|."
            elif torch.isinf(got):
                hint = (
                    " An infinity means the product of the diagonal under- or"
                    " overflowed: add logarithms instead of multiplying."
                )
            fail(
                f"for {what} you returned {got.item():.6g}, "
                f"expected {expected.item():.6g}.{hint}"
            )
    return passed(
        "log |det| of triangular matrices matches slogdet, underflow too."
    )


# Exercise: the log-density of a composed flow ----------------------------------


def check_composed_log_prob(fn) -> bool:
    """Check ``fn(layers, x) -> log p(x)`` against ``FlowModel(Compose(...))``."""
    generator = torch.Generator().manual_seed(18)
    layers = [LinearFlow(3), ElementwiseFlow(3, components=4), LinearFlow(3)]
    layers = [
        perturb_parameters(layer.double(), 0.3, generator) for layer in layers
    ]
    x = torch.randn(7, 3, generator=generator, dtype=F64)
    with torch.no_grad():
        expected = FlowModel(Compose(*layers)).log_prob(x)
        got = torch.as_tensor(fn(layers, x), dtype=F64)
        if got.shape != expected.shape:
            fail(
                f"expected one log-density per row, shape {tuple(expected.shape)}; "
                f"got {tuple(got.shape)}"
            )
        if _close(got, expected):
            return passed(
                "your log-density equals the composed flow's on every row."
            )
        h, dets = x, []
        for layer in layers:
            h, log_abs_det = layer(h)
            dets.append(log_abs_det)
        base = standard_normal_log_prob(h)
        diagnoses = [
            (
                base,
                "you left out the log-determinants: every layer's volume change",
            ),
            (
                base - sum(dets),
                "you subtracted the log-determinants; from x to z, add",
            ),
            (base + dets[-1], "you kept only the last layer's log-determinant"),
            (base + dets[0], "you kept only the first layer's log-determinant"),
            (expected + 1.5 * math.log(2 * math.pi), "-(d/2) log(2 pi) is missing"),
        ]
        for value, why in diagnoses:
            if _close(got, value):
                fail(f"not yet: {why}.")
        fail(
            "your values differ from the composed flow's log-density (first row: "
            f"you {got[0].item():.4f}, expected {expected[0].item():.4f})."
        )


# Exercise: the density of a linear map, by hand --------------------------------

LINEAR_A = torch.tensor([[2.0, 1.0], [0.0, 3.0]], dtype=F64)
LINEAR_POINT = torch.tensor([1.0, 3.0], dtype=F64)

# What expected.json holds for this module (see lecturecode.exercises).
EXPECTED_CASES = {"check_linear_density": (5e-4, None)}


def check_linear_density(value: float) -> bool:
    """Check the value of ``p_x(1, 3)`` for ``x = A z``, ``z ~ N(0, I)``."""
    value = as_number(value)
    if matches("check_linear_density", value):
        return passed(f"p_x(1, 3) = {value:.6f}.")
    z = torch.linalg.solve(LINEAR_A, LINEAR_POINT)
    phi_z = math.exp(-0.5 * z.pow(2).sum().item()) / (2 * math.pi)
    phi_x = math.exp(-0.5 * LINEAR_POINT.pow(2).sum().item()) / (2 * math.pi)
    det = abs(torch.linalg.det(LINEAR_A).item())
    for wrong, why in [
        (phi_z, "that is phi(A^-1 x) without the factor 1 / |det A|"),
        (phi_z * det, "you multiplied by |det A|; the map x -> z is A^-1"),
        (phi_x, "that is phi(x): evaluate phi at z = A^-1 x"),
        (phi_x / det, "phi must be evaluated at z = A^-1 x, not at x"),
    ]:
        if math.isclose(value, wrong, rel_tol=1e-3):
            fail(f"{value:.6f} is not it: {why}.")
    fail(f"{value:.6f} is not p_x(1, 3); find z = A^-1 x, then phi(z) and det A.")
