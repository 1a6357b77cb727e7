"""Checks for the exercises of the chapter "Recurrent networks and
backpropagation through time"."""

import math

import torch

from ..runtime import perturb_parameters
from ..sequence import RNN, RecurrentLanguageModel
from . import as_number, fail, matches, passed

F64 = torch.float64


def _close(a, b, tol=1e-8):
    a, b = torch.as_tensor(a, dtype=F64), torch.as_tensor(b, dtype=F64)
    return a.shape == b.shape and torch.allclose(a, b, rtol=tol, atol=tol)


# Exercise: the log-likelihood of a sequence under the RNN -----------------------


def _rnn_case(seed=18):
    generator = torch.Generator().manual_seed(seed)
    V, H = 4, 5
    model = RecurrentLanguageModel(RNN(V + 1, H), V).double()
    perturb_parameters(model, 0.5, generator)
    x = torch.tensor([2, 0, 3, 3, 1, 0, 2])
    weights = (
        model.recurrence.W_hh.detach(),
        model.recurrence.W_hx.detach(),
        model.W_hy.weight.detach(),
        model.W_hy.bias.detach(),
    )
    return model, weights, x


def check_rnn_log_prob(fn) -> bool:
    """Check ``fn(W_hh, W_hx, W_hy, b_y, x) -> log p(x)`` on a random RNN over
    four tokens (``W_hx`` has a fifth column: the start symbol)."""
    model, weights, x = _rnn_case()
    with torch.no_grad():
        expected = model.log_prob(x.unsqueeze(0))[0]
        got = fn(*weights, x.clone())
        if not isinstance(got, torch.Tensor | float | int):
            fail(f"you returned a {type(got).__name__}, not a number")
        got = torch.as_tensor(got, dtype=F64)
        if got.numel() != 1:
            fail(
                f"return one number, the sum over positions; got shape "
                f"{tuple(got.shape)}"
            )
        got = got.reshape(())
        if _close(got, expected):
            return passed(f"log p(x) = {expected.item():.6f} nats, as the model")
        logits = model.logits(x.unsqueeze(0))[0]
        # the same network fed x_i instead of x_{i-1}: it sees the answer
        cheat = model.conditionals(model.one_hot(x.unsqueeze(0)))[0]
        diagnoses = [
            (
                torch.log_softmax(cheat, -1).gather(1, x[:, None]).sum(),
                "you fed x_i to the step that predicts x_i; the input at step i "
                "is x_{i-1}, with the start symbol first, or the model sees the "
                "answer",
            ),
            (
                logits.gather(1, x[:, None]).sum(),
                "you summed raw outputs o_i; take log softmax first",
            ),
            (
                torch.softmax(logits, -1).gather(1, x[:, None]).sum(),
                "you summed probabilities; sum their logarithms",
            ),
            (expected / math.log(2), "that is in bits; the book works in nats"),
        ]
        for value, why in diagnoses:
            if _close(got, value):
                fail(f"not yet: {why}.")
        fail(
            f"you returned {got.item():.6f}, expected {expected.item():.6f}. "
            "Start from h_0 = 0 and the start symbol (column V of W_hx)."
        )


# Exercise: a spectral radius below one is not a norm below one ------------------

NONNORMAL_W = torch.tensor([[0.9, 0.5], [0.0, 0.9]], dtype=F64)
NONNORMAL_LAG = 4

# What expected.json holds for this module (see lecturecode.exercises).
EXPECTED_CASES = {"check_nonnormal_gradient_norm": (5e-4, None)}


def check_nonnormal_gradient_norm(value: float) -> bool:
    """Check ``||d h_T / d h_{T-4}||_2`` for the linear RNN with ``W_hh`` =
    [[0.9, 0.5], [0, 0.9]]."""
    value = as_number(value)
    if matches("check_nonnormal_gradient_norm", value):
        return passed(
            f"||W^4||_2 = {value:.4f}, although every eigenvalue of W is 0.9."
        )
    power = torch.linalg.matrix_power(NONNORMAL_W, NONNORMAL_LAG)
    for wrong, why in [
        (0.9**NONNORMAL_LAG, "0.9^4 is the spectral radius to the 4th power; "
         "W is not normal, so its powers are not bounded by it"),
        (torch.linalg.matrix_norm(power).item(), "that is the Frobenius norm; "
         "the question asks for the spectral norm (largest singular value)"),
        (torch.linalg.matrix_norm(NONNORMAL_W, ord=2).item() ** NONNORMAL_LAG,
         "||W||^4 is an upper bound, not the norm of W^4"),
    ]:
        if math.isclose(value, wrong, rel_tol=1e-3):
            fail(f"{value:.6g} is not it: {why}.")
    fail(f"{value:.6g} is not ||W^4||_2; write out W^4 first.")


# Exercise: clipping the gradient by its norm ----------------------------------


def _clip_cases():
    generator = torch.Generator().manual_seed(3)
    big = [torch.randn(4, 4, generator=generator, dtype=F64) * 5,
           torch.randn(4, generator=generator, dtype=F64) * 5]
    small = [g / 100 for g in big]
    return [("a large gradient", big, 1.0), ("a small gradient", small, 1.0),
            ("a large gradient, threshold 3", big, 3.0)]


def _torch_clipped(grads, threshold):
    """What PyTorch's own ``clip_grad_norm_`` makes of ``grads`` (it divides by
    the norm plus 1e-6, hence the check's tolerance)."""
    params = [torch.nn.Parameter(torch.zeros_like(g)) for g in grads]
    for param, g in zip(params, grads, strict=True):
        param.grad = g.clone()
    torch.nn.utils.clip_grad_norm_(params, threshold)
    return [param.grad for param in params]


def check_clip_by_norm(fn) -> bool:
    """Check ``fn(grads, threshold) -> clipped grads`` against the rule."""
    for what, grads, threshold in _clip_cases():
        expected = _torch_clipped(grads, threshold)
        got = fn([g.clone() for g in grads], threshold)
        if not isinstance(got, list | tuple) or len(got) != len(grads):
            fail(f"for {what} return one tensor per gradient, in a list")
        if all(_close(a, b, 1e-6) for a, b in zip(got, expected, strict=True)):
            continue
        per_tensor = [
            g * min(1.0, threshold / g.norm().item()) for g in grads
        ]
        clamped = [g.clamp(-threshold, threshold) for g in grads]
        always = [g * threshold / torch.sqrt(sum(h.pow(2).sum() for h in grads))
                  for g in grads]
        for wrong, why in [
            (per_tensor, "you clipped each tensor by its own norm; the rule uses "
             "the norm of all gradients together, so the direction is kept"),
            (clamped, "you clipped each entry; that changes the direction"),
            (always, "you rescaled a gradient that was already below the "
             "threshold; leave those alone"),
        ]:
            if all(_close(a, b) for a, b in zip(got, wrong, strict=True)):
                fail(f"for {what}: {why}.")
        fail(f"for {what} your clipped gradient differs from the rule's.")
    return passed("large gradients are rescaled to the threshold, small ones kept.")
