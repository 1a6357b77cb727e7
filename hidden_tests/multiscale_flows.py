"""Hidden tests of the multi-scale chapter."""

import torch

from lecturecode.exercises import fail
from lecturecode.flows import FactorOut, Squeeze, standard_normal_log_prob
from lecturecode.runtime import perturb_parameters

from . import call

F64 = torch.float64


def hidden_squeeze(fn) -> bool:
    """Images that are not square, and a single 2 x 2 one."""
    generator = torch.Generator().manual_seed(1818)
    for shape in ((2, 3, 6, 4), (1, 1, 2, 2), (2, 1, 2, 8)):
        x = torch.randn(*shape, generator=generator, dtype=F64)
        expected = Squeeze(shape[1:])(x)[0]
        what = f"a batch of shape {shape}"
        got = torch.as_tensor(call(fn, x.clone(), what=what), dtype=F64)
        if got.shape != expected.shape or not torch.equal(got, expected):
            fail(f"for {what} your squeeze differs from Squeeze")
    return True


def hidden_factor_out_log_density(fn) -> bool:
    """A batch of one image, and another image shape."""
    generator = torch.Generator().manual_seed(1818)
    for shape, n in (((4, 2, 2), 1), ((2, 4, 2), 3)):
        torch.manual_seed(1)
        layer = perturb_parameters(FactorOut(shape, hidden=8).double(), 0.3,
                                   generator)
        h = torch.randn(n, *shape, generator=generator, dtype=F64)
        kept = shape[0] // 2
        with torch.no_grad():
            z, log_abs_det = layer(h)
            mu, log_sigma = layer.prior(h[:, :kept])
        expected = standard_normal_log_prob(z[:, kept:]) + log_abs_det
        what = f"{n} image(s) of shape {shape}"
        got = call(fn, h[:, kept:].clone(), mu.clone(), log_sigma.clone(),
                   what=what)
        got = torch.as_tensor(got, dtype=F64)
        if got.shape != expected.shape:
            fail(f"for {what} expected one value per image, shape "
                 f"{tuple(expected.shape)}; got {tuple(got.shape)}")
        if not torch.allclose(got, expected, rtol=1e-9, atol=1e-9):
            fail(f"for {what} your values differ from log N(z_B; mu, sigma^2)")
    return True
