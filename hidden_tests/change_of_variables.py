"""Hidden tests of the chapter "Change of variables and the simple invertible
families"."""

import torch

from lecturecode.exercises import fail
from lecturecode.flows import (
    Compose,
    ElementwiseFlow,
    FlowModel,
    LinearFlow,
    standard_normal_log_prob,
)
from lecturecode.runtime import perturb_parameters

from . import call

F64 = torch.float64


def _stored_triangular():
    """Triangular matrices as LAPACK stores them: the other triangle is never
    read, and here holds NaN. An O(d) method reads the diagonal only."""
    generator = torch.Generator().manual_seed(1818)
    cases = []
    for d, lower in ((6, True), (6, False), (1, True)):
        A = torch.randn(d, d, generator=generator, dtype=F64)
        signs = torch.where(torch.rand(d, generator=generator) < 0.5, -1.0, 1.0)
        diagonal = signs.to(F64) * (0.5 + torch.rand(d, generator=generator))
        part = torch.tril(A, -1) if lower else torch.triu(A, 1)
        L = part + torch.diag(diagonal)
        expected = torch.linalg.slogdet(L).logabsdet
        unused = torch.triu(torch.ones(d, d), 1) if lower else torch.tril(
            torch.ones(d, d), -1
        )
        stored = torch.where(unused.bool(), torch.nan, L)
        kind = "lower" if lower else "upper"
        cases.append((f"a {d} x {d} {kind} triangular matrix in triangular "
                      "storage (the other triangle is NaN)", stored, expected))
    d = 300
    L = 0.05 * torch.eye(d) + 0.01 * torch.tril(torch.ones(d, d), -1)
    expected = torch.linalg.slogdet(L.double()).logabsdet
    cases.append(("a 300 x 300 float32 matrix (det = 1e-390)", L.float(), expected))
    return cases


def hidden_log_abs_det_triangular(fn) -> bool:
    """Reads the diagonal only, works in float32 and for d = 1."""
    for what, L, expected in _stored_triangular():
        got = call(fn, L.clone(), what=what)
        got = torch.as_tensor(got, dtype=F64)
        if got.numel() != 1:
            fail(f"for {what} you returned shape {tuple(got.shape)}, not a scalar")
        if torch.isnan(got):
            fail(f"for {what} you returned NaN: a triangular matrix's log |det| "
                 "needs its diagonal only, O(d); you read the rest of it")
        if not torch.allclose(got, expected, rtol=1e-5, atol=1e-6):
            fail(f"for {what} you returned {got.item():.6g}, expected "
                 f"{expected.item():.6g}")
    return True


def hidden_composed_log_prob(fn) -> bool:
    """No layers at all (the base density itself), and a 5-D flow on one row."""
    generator = torch.Generator().manual_seed(1818)
    x = torch.randn(4, 3, generator=generator, dtype=F64)
    layers = [LinearFlow(5), ElementwiseFlow(5, components=3)]
    layers = [perturb_parameters(lay.double(), 0.3, generator) for lay in layers]
    one = torch.randn(1, 5, generator=generator, dtype=F64)
    with torch.no_grad():
        cases = [
            ("no layers (the flow is the identity)", [], x,
             standard_normal_log_prob(x)),
            ("two layers in 5 dimensions, one row", layers, one,
             FlowModel(Compose(*layers)).log_prob(one)),
        ]
        for what, flow, data, expected in cases:
            got = call(fn, flow, data.clone(), what=what)
            got = torch.as_tensor(got, dtype=F64)
            if got.shape != expected.shape:
                fail(f"for {what} expected shape {tuple(expected.shape)}, got "
                     f"{tuple(got.shape)}")
            if not torch.allclose(got, expected, rtol=1e-6, atol=1e-6):
                fail(f"for {what} your values differ from the flow's log-density")
    return True
