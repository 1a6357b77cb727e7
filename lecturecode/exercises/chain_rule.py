"""Checks for the exercises of the chapter "The chain rule, orderings and the
FVSBN"."""

import math

import torch

from ..autoregressive import FVSBN, all_binary_vectors
from . import as_number, fail, matches, passed

F64 = torch.float64


# Exercise: the FVSBN log-likelihood --------------------------------------------


def _fvsbn_case():
    generator = torch.Generator().manual_seed(18)
    D = 6
    theta = torch.randn(D, D, generator=generator, dtype=F64)  # dense on purpose
    b = torch.randn(D, generator=generator, dtype=F64)
    return theta, b, all_binary_vectors(D)


def _bernoulli(logits, x):
    return (
        x * torch.nn.functional.logsigmoid(logits)
        + (1 - x) * torch.nn.functional.logsigmoid(-logits)
    ).sum(1)


def check_fvsbn_log_prob(fn) -> bool:
    """Check ``fn(theta, b, x) -> log p(x)`` (one value per row) against the
    package's FVSBN, on every binary vector of length 6, with a ``theta`` that is
    non-zero everywhere: only its strictly lower triangle may be used."""
    theta, b, x = _fvsbn_case()
    model = FVSBN(6).double()
    with torch.no_grad():
        model.theta.copy_(theta)
        model.b.copy_(b)
        expected = model.log_prob(x)
        got = fn(theta.clone(), b.clone(), x.clone())
    got = torch.as_tensor(got, dtype=F64)
    if got.shape != expected.shape:
        fail(
            f"expected one log-probability per row, shape {tuple(expected.shape)};"
            f" got {tuple(got.shape)}"
        )
    if torch.allclose(got, expected, atol=1e-8):
        total = got.exp().sum().item()
        return passed(
            f"your log-likelihood is the FVSBN's; over all 64 vectors "
            f"the probabilities sum to {total:.12f}."
        )
    diagnoses = [
        (
            _bernoulli(x @ torch.tril(theta).T + b, x),
            "the sum runs to j = i, so x_i predicts itself (use j < i)",
        ),
        (
            _bernoulli(x @ theta.T + b, x),
            "you used all of theta: x_i then depends on later coordinates",
        ),
        (
            _bernoulli(x @ torch.tril(theta, -1) + b, x),
            "theta[i, j] is the weight of x_j in the conditional of x_i, not x_i "
            "in x_j's",
        ),
        (
            (
                x * torch.nn.functional.logsigmoid(x @ torch.tril(theta, -1).T + b)
            ).sum(1),
            "for x_i = 0 the probability is 1 - sigmoid(...), which you left out",
        ),
        (
            torch.nn.functional.logsigmoid(x @ torch.tril(theta, -1).T + b).sum(1),
            "you scored every x_i as if it were 1; use 1 - sigmoid for x_i = 0",
        ),
    ]
    for value, why in diagnoses:
        if torch.allclose(got, value, atol=1e-8):
            fail(f"not yet: {why}.")
    fail(
        f"your values differ from the FVSBN's (for x = 0: you "
        f"{got[0].item():.4f}, expected {expected[0].item():.4f})."
    )


# Exercise: a probability by hand ------------------------------------------------

# D = 2, natural order: p(x_1 = 1) = sigmoid(b_1), and
# p(x_2 = 1 | x_1) = sigmoid(theta_21 x_1 + b_2).
HAND_THETA_21, HAND_B = 3.0, (0.5, -1.0)

# What expected.json holds for this module: (relative tolerance, the inputs a
# function is called on; None for a number).
EXPECTED_CASES = {"check_hand_probability": (5e-5, None)}


def _sigmoid(v):
    return 1 / (1 + math.exp(-v))


def check_hand_probability(value: float) -> bool:
    """Check ``p(x_1 = 1, x_2 = 0)`` for the two-pixel FVSBN with
    ``theta_21 = 3``, ``b = (0.5, -1)``."""
    value = as_number(value)
    if matches("check_hand_probability", value):
        return passed(f"p(x_1 = 1, x_2 = 0) = {value:.6f}.")
    p1 = _sigmoid(HAND_B[0])
    for wrong, why in [
        (
            p1 * _sigmoid(HAND_THETA_21 + HAND_B[1]),
            "that is p(x_1 = 1, x_2 = 1): x_2 = 0 has probability 1 - sigmoid",
        ),
        (
            p1 * (1 - _sigmoid(HAND_B[1])),
            "x_2's conditional must include theta_21 x_1 with x_1 = 1",
        ),
        (
            1 - _sigmoid(HAND_THETA_21 + HAND_B[1]),
            "that is only p(x_2 = 0 | x_1 = 1); multiply by p(x_1 = 1)",
        ),
        ((1 - p1) * (1 - _sigmoid(HAND_B[1])), "that is p(x_1 = 0, x_2 = 0)"),
    ]:
        if math.isclose(value, wrong, rel_tol=1e-4):
            fail(f"{value:.6f} is not it: {why}.")
    fail(
        f"{value:.6f} is not p(x_1 = 1, x_2 = 0); multiply p(x_1 = 1) by "
        "p(x_2 = 0 | x_1 = 1)."
    )
