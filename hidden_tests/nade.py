"""Hidden tests of the chapter "NADE"."""

import torch

from lecturecode.autoregressive import NADE, all_binary_vectors
from lecturecode.exercises import fail

from . import call

F64 = torch.float64


def hidden_nade_logits_loop(fn) -> bool:
    """Against the package's NADE with H != D, and with a single coordinate."""
    generator = torch.Generator().manual_seed(1818)
    for D, H in ((7, 5), (3, 9), (1, 2)):
        nade = NADE(D, H).double()
        with torch.no_grad():
            for p in nade.parameters():
                p.copy_(torch.randn(p.shape, generator=generator, dtype=F64))
        x = all_binary_vectors(D)
        params = [p.detach().clone() for p in (nade.W, nade.c, nade.alpha, nade.b)]
        what = f"D = {D} and H = {H}"
        with torch.no_grad():
            expected = nade.logits(x)
            got = call(fn, *params, x.clone(), what=what)
        got = torch.as_tensor(got, dtype=F64)
        if got.shape != expected.shape:
            fail(f"for {what} expected logits of shape {tuple(expected.shape)}, "
                 f"got {tuple(got.shape)}: W is H x D")
        if not torch.allclose(got, expected, atol=1e-8):
            fail(f"for {what} your logits differ from NADE's")
    return True
