"""Checks for the exercises of the chapter "NADE"."""

import torch

from ..autoregressive import NADE, all_binary_vectors
from . import fail, passed

F64 = torch.float64


def _nade_case():
    generator = torch.Generator().manual_seed(18)
    D = H = 6  # the grader tries H != D
    nade = NADE(D, H).double()
    with torch.no_grad():
        for p in nade.parameters():
            p.copy_(torch.randn(p.shape, generator=generator, dtype=F64))
    return nade, all_binary_vectors(D)


def check_nade_logits_loop(fn) -> bool:
    """Check ``fn(W, c, alpha, b, x) -> logits`` (shape ``(batch, D)``) against
    the package's tied NADE in the natural order, with ``D = H = 6``."""
    nade, x = _nade_case()
    W, c, alpha, b = (
        p.detach().clone() for p in (nade.W, nade.c, nade.alpha, nade.b)
    )
    with torch.no_grad():
        expected = nade.logits(x)
        got = torch.as_tensor(fn(W, c, alpha, b, x.clone()), dtype=F64)
    if got.shape != expected.shape:
        fail(
            f"expected logits of shape {tuple(expected.shape)} (one per example "
            f"and coordinate), got {tuple(got.shape)}"
        )
    if torch.allclose(got, expected, atol=1e-8):
        return passed("your loop computes tied NADE's conditionals exactly.")
    ones = torch.ones(W.shape[0], dtype=F64)
    inclusive = torch.sigmoid(c + (x.unsqueeze(2) * W.T).cumsum(1))
    diagnoses = [
        (
            (inclusive * alpha).sum(-1) + b,
            "you added W[:, i] x_i before computing conditional i, so x_i sees "
            "itself: use a_i first, then update it",
        ),
        (
            (torch.sigmoid(c + x @ W.T).unsqueeze(1) * alpha).sum(-1) + b,
            "every conditional used all of x; conditional i may only use x_<i",
        ),
        (
            (_exclusive(W, c, x) * alpha).sum(-1) + b,
            "h_i = sigmoid(a_i): the sigmoid is missing",
        ),
        (
            (torch.sigmoid(_exclusive(W, c, x)) * ones).sum(-1) + b,
            "the logit is alpha_i . h_i + b_i: weight h_i with alpha[i]",
        ),
    ]
    for value, why in diagnoses:
        if value.shape == got.shape and torch.allclose(got, value, atol=1e-8):
            fail(f"not yet: {why}.")
    fail(
        f"your logits differ from NADE's (first example: you "
        f"{got[0, :3].tolist()}, expected {expected[0, :3].tolist()})."
    )


def _exclusive(W, c, x):
    steps = x.unsqueeze(2) * W.T
    return c + steps.cumsum(1) - steps
