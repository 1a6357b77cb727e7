"""Checks for the exercises of the chapter "Long short-term memory"."""

import math

import torch
from torch import nn

from ..runtime import perturb_parameters
from ..sequence import LSTM
from ..sequence.lstm import LECTURE_ORDER, lstm_from_torch
from . import as_number, fail, matches, passed

F64 = torch.float64


def _close(a, b, tol=1e-10):
    a, b = torch.as_tensor(a, dtype=F64), torch.as_tensor(b, dtype=F64)
    return a.shape == b.shape and torch.allclose(a, b, rtol=tol, atol=tol)


# Exercise: one step of the LSTM from the equations -----------------------------


def _cell_case():
    generator = torch.Generator().manual_seed(18)
    lstm = perturb_parameters(LSTM(3, 4).double(), 0.7, generator)
    params = {name: p.detach().clone() for name, p in lstm.named_parameters()}
    x = torch.randn(5, 3, generator=generator, dtype=F64)
    h = torch.randn(5, 4, generator=generator, dtype=F64)
    s = 2 * torch.randn(5, 4, generator=generator, dtype=F64)
    return lstm, params, x, h, s


def _variants(x, h, s, p):
    def pre(n):
        return x @ p[f"W_{n}x"].T + h @ p[f"W_{n}h"].T + p[f"b_{n}"]

    g = torch.tanh(pre("g"))
    i, f, o = (torch.sigmoid(pre(n)) for n in "ifo")
    s_new = g * i + s * f
    return [
        ((torch.tanh(g * f + s * i) * o, g * f + s * i),
         "you swapped the gates: the input node g passes the input gate i, the "
         "old state s passes the forget gate f"),
        ((s_new * o, s_new), "h_t = tanh(s_t) * o_t: the tanh is missing"),
        ((torch.tanh(s_new * o), s_new), "squash s_t first, then gate: "
         "h_t = tanh(s_t) * o_t"),
        ((torch.tanh(s * o) , s_new), "h_t uses the new state s_t, not s_{t-1}"),
        ((torch.tanh(torch.sigmoid(pre('g')) * i + s * f) * o,
          torch.sigmoid(pre("g")) * i + s * f),
         "the input node g uses tanh, the gates use the sigmoid"),
        ((torch.tanh(g * i + s) * o, g * i + s),
         "the forget gate is missing: s_t = g_t i_t + s_{t-1} f_t"),
    ]


def check_lstm_cell(fn) -> bool:
    """Check ``fn(x, h, s, params) -> (h_t, s_t)`` for a batch of five rows,
    against the package's :class:`~lecturecode.sequence.LSTM`."""
    lstm, params, x, h, s = _cell_case()
    with torch.no_grad():
        expected = lstm.cell(x, h, s)
    got = fn(x.clone(), h.clone(), s.clone(), dict(params))
    if not isinstance(got, tuple | list) or len(got) != 2:
        fail("return the pair (h_t, s_t)")
    if _close(got[0], expected[0]) and _close(got[1], expected[1]):
        return passed("your cell computes the lecture's LSTM step.")
    for value, why in _variants(x, h, s, params):
        if _close(got[0], value[0]) and _close(got[1], value[1]):
            fail(f"not yet: {why}.")
    if _close(got[1], expected[1]):
        fail("s_t is right but h_t is not: h_t = tanh(s_t) * o_t.")
    fail("s_t is wrong: s_t = g_t * i_t + s_{t-1} * f_t, all element-wise.")


# Exercise: reading PyTorch's weights with the lecture's names -------------------


def check_lecture_weights(fn) -> bool:
    """Check ``fn(nn.LSTM) -> dict`` of the lecture's twelve weights against
    the package's ``lstm_from_torch``, for an ``nn.LSTM(4, 4)`` (the grader tries
    other sizes)."""
    torch.manual_seed(18)
    torch_lstm = nn.LSTM(4, 4, batch_first=True).double()
    with torch.no_grad():
        expected = {
            name: p.detach() for name, p in lstm_from_torch(torch_lstm)
            .named_parameters()
        }
        got = fn(torch_lstm)
    names = sorted(expected)
    if not isinstance(got, dict) or sorted(got) != names:
        fail(f"return a dict with the keys {names}")
    if all(_close(got[k], expected[k]) for k in names):
        return passed("your weights turn PyTorch's LSTM into the lecture's.")
    H = torch_lstm.hidden_size
    lecture_order = {}
    for k, n in enumerate(LECTURE_ORDER):
        rows = slice(k * H, (k + 1) * H)
        lecture_order[f"W_{n}x"] = torch_lstm.weight_ih_l0[rows]
    if all(_close(got[k], lecture_order[k]) for k in lecture_order):
        fail("PyTorch stacks the blocks as (i, f, g, o), not (g, i, f, o).")
    if all(_close(got[k], expected[k]) for k in names if not k.startswith("b")):
        fail("the weights are right; the lecture's bias is bias_ih + bias_hh.")
    fail("some blocks are wrong: block k of weight_ih_l0 is gate (i, f, g, o)[k].")


# Exercise: how long does the internal state remember? ---------------------------

CAROUSEL_BIAS, CAROUSEL_LAG = 3.0, 50

# What expected.json holds for this module (see lecturecode.exercises).
EXPECTED_CASES = {"check_carousel_factor": (5e-4, None)}


def check_carousel_factor(value: float) -> bool:
    """Check the factor ``prod f`` over 50 steps with every ``f = sigma(3)``."""
    value = as_number(value)
    if matches("check_carousel_factor", value):
        return passed(
            f"the factor is {value:.4f}; with sigma(0) = 0.5 it would be "
            f"{0.5**CAROUSEL_LAG:.1e}."
        )
    f = 1 / (1 + math.exp(-CAROUSEL_BIAS))
    for wrong, why in [
        (0.5**CAROUSEL_LAG, "that is sigma(0)^50: the bias is 3"),
        (f, "that is one step; the lag is 50 steps"),
        (math.exp(-CAROUSEL_LAG / (1 - f)), "the product of 50 equal factors "
         "is f^50"),
    ]:
        if math.isclose(value, wrong, rel_tol=1e-3):
            fail(f"{value:.6g} is not it: {why}.")
    fail(f"{value:.6g} is not it: along the state path d s_T / d s_t = prod f.")
