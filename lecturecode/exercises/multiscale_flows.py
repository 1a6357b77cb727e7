"""Checks for the exercises of the multi-scale chapter: the squeeze written as a
reshape, and the log-density of the variables a factor-out sets aside."""


import torch

from ..flows import FactorOut, Squeeze, standard_normal_log_prob
from ..runtime import perturb_parameters
from . import fail, passed

F64 = torch.float64


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# Exercise: the squeeze ----------------------------------------------------------


def check_squeeze(fn) -> bool:
    """Check ``fn(x)`` against the book's :class:`~lecturecode.flows.Squeeze` on
    a batch of ``(2, 4, 4)`` images (the grader tries other shapes)."""
    n, c, h, w = 3, 2, 4, 4
    x = torch.randn(n, c, h, w, generator=_generator(23), dtype=F64)
    expected = Squeeze((c, h, w))(x)[0]
    got = torch.as_tensor(fn(x.clone()), dtype=F64)
    if got.shape != expected.shape:
        fail(f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}")
    if torch.equal(got, expected):
        return passed(
            "your squeeze matches; it only moves values, so log |det J| = 0."
        )
    if not torch.equal(got.flatten().sort().values, x.flatten().sort().values):
        fail("not yet: a squeeze moves the values, it must not change them.")
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    diagnoses = [
        (x.reshape(expected.shape), "a reshape alone cuts each channel into "
         "strips of rows, not 2x2 blocks; split H into (H/2, 2) and W into "
         "(W/2, 2) first, then move the two 2s next to the channel"),
        (blocks.permute(0, 1, 5, 3, 2, 4).reshape(expected.shape),
         "each 2x2 block is read column by column; read it row by row "
         "(the row offset i before the column offset j)"),
        (blocks.permute(0, 3, 5, 1, 2, 4).reshape(expected.shape),
         "the block offset comes before the channel; the four values of one "
         "channel's block belong together, as channels 4c to 4c + 3"),
    ]
    for wrong, why in diagnoses:
        if torch.equal(got, wrong):
            fail(f"not yet: {why}.")
    fail("not yet: the values are in the wrong places.")


# Exercise: the factor-out log-density -------------------------------------------


def check_factor_out_log_density(fn) -> bool:
    """Check ``fn(z_out, mu, log_sigma)`` against what a trained-looking
    :class:`~lecturecode.flows.FactorOut` adds to the log-likelihood."""
    torch.manual_seed(0)
    layer = perturb_parameters(FactorOut((4, 2, 2), hidden=8).double(), 0.3,
                               _generator(29))
    h = torch.randn(6, 4, 2, 2, generator=_generator(31), dtype=F64)
    with torch.no_grad():
        z, log_abs_det = layer(h)
        mu, log_sigma = layer.prior(h[:, :2])
    z_out = h[:, 2:]
    expected = standard_normal_log_prob(z[:, 2:]) + log_abs_det
    got = torch.as_tensor(fn(z_out.clone(), mu.clone(), log_sigma.clone()),
                          dtype=F64)
    if got.shape != expected.shape:
        fail(
            f"expected one value per image, shape {tuple(expected.shape)}; got "
            f"{tuple(got.shape)} (sum over the channels and pixels of z_B)"
        )
    if torch.allclose(got, expected, rtol=1e-9, atol=1e-9):
        return passed("your log-density is what the factor-out adds.")
    log_sigma_sum = log_sigma.flatten(1).sum(1)
    diagnoses = [
        (expected + log_sigma_sum, "that is log phi(eps) alone; changing "
         "variables from z_B to eps adds -sum log sigma"),
        (expected + 2 * log_sigma_sum, "the log sigma term has the wrong sign"),
    ]
    for wrong, why in diagnoses:
        if torch.allclose(got, wrong, rtol=1e-9, atol=1e-9):
            fail(f"not yet: {why}.")
    fail(
        "your values differ from log N(z_B; mu, sigma^2) (first image: you "
        f"{got[0].item():.6f}, expected {expected[0].item():.6f})."
    )
