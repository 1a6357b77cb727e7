"""Checks for the exercises of the chapter "MADE as a flow: MAF"."""

import torch

from ..autoregressive import MAF
from ..runtime import perturb_parameters
from . import fail, passed

F64 = torch.float64


def _maf_case():
    generator = torch.Generator().manual_seed(18)
    layer = MAF(5, (24, 24), ordering=torch.tensor([3, 1, 4, 0, 2])).double()
    perturb_parameters(layer, 0.4, generator)
    x = torch.randn(16, 5, generator=generator, dtype=F64)
    return layer, x


def check_maf_inverse(fn) -> bool:
    """Check ``fn(layer, z) -> x`` on a 5-D MAF layer whose ordering is not the
    natural one: ``fn(layer, layer(x)[0])`` must give back ``x``."""
    layer, x = _maf_case()
    with torch.no_grad():
        z, _ = layer(x)
        got = torch.as_tensor(fn(layer, z.clone()), dtype=F64)
        if got.shape != x.shape:
            fail(f"expected x of shape {tuple(x.shape)}, got {tuple(got.shape)}")
        if torch.allclose(got, x, atol=1e-8):
            return passed("your inverse recovers x from z exactly.")
        mu, alpha = layer.shift_and_log_scale(z)
        one_pass = z * torch.exp(alpha) + mu
        mu0, alpha0 = layer.shift_and_log_scale(torch.zeros_like(z))
        diagnoses = [
            (
                one_pass,
                "one pass is not enough: mu_i and alpha_i are functions of "
                "x_<i, which you must compute first, coordinate by "
                "coordinate",
            ),
            (
                z * torch.exp(alpha0) + mu0,
                "mu and alpha were computed once, from zeros; recompute them after "
                "each new coordinate",
            ),
            (
                _natural_order(layer, z),
                "you filled the coordinates in the natural order; follow "
                "layer.ordering",
            ),
            (_wrong_sign(layer, z), "undo exp(-alpha) with exp(+alpha)"),
        ]
        for value, why in diagnoses:
            if torch.allclose(got, value, atol=1e-8):
                fail(f"not yet: {why}.")
        error = (got - x).abs().max().item()
        fail(f"your x differs from the original by up to {error:.3g}.")


def _natural_order(layer, z):
    x = torch.zeros_like(z)
    for i in range(z.shape[1]):
        mu, alpha = layer.shift_and_log_scale(x)
        x = x.clone()
        x[:, i] = z[:, i] * torch.exp(alpha[:, i]) + mu[:, i]
    return x


def _wrong_sign(layer, z):
    x = torch.zeros_like(z)
    for i in layer.ordering.tolist():
        mu, alpha = layer.shift_and_log_scale(x)
        x = x.clone()
        x[:, i] = z[:, i] * torch.exp(-alpha[:, i]) + mu[:, i]
    return x
