"""Hidden tests of the chapter "Long short-term memory"."""

import torch
from torch import nn

from lecturecode.exercises import fail
from lecturecode.runtime import perturb_parameters
from lecturecode.sequence import LSTM
from lecturecode.sequence.lstm import lstm_from_torch

from . import call

F64 = torch.float64


def hidden_lstm_cell(fn) -> bool:
    """Inputs that need gradients (as in training), left unchanged by the step,
    with another size and a batch of one."""
    generator = torch.Generator().manual_seed(1818)
    for n, inputs, H in ((4, 3, 4), (1, 2, 3)):
        lstm = perturb_parameters(LSTM(inputs, H).double(), 0.7, generator)
        params = {k: p.detach().clone() for k, p in lstm.named_parameters()}
        x, h, s = (
            torch.randn(n, size, generator=generator, dtype=F64)
            for size in (inputs, H, H)
        )
        with torch.no_grad():
            expected = lstm.cell(x, h, s)
        leaves = [t.clone().requires_grad_(True) for t in (x, h, s)]
        what = f"a batch of {n}, {inputs} inputs and H = {H}, needing gradients"
        got = call(fn, *leaves, dict(params), what=what)
        if not isinstance(got, tuple | list) or len(got) != 2:
            fail(f"for {what} return the pair (h_t, s_t)")
        for name, g, e in zip(("h_t", "s_t"), got, expected, strict=True):
            g = torch.as_tensor(g)
            if g.shape != e.shape or not torch.allclose(
                g.detach(), e, atol=1e-10
            ):
                fail(f"for {what} your {name} is wrong")
        for name, leaf, before in zip("xhs", leaves, (x, h, s), strict=True):
            if not torch.equal(leaf.detach(), before):
                fail(f"your step changed its input {name} in place; compute new "
                     "tensors (s_t = g_t * i_t + s * f_t, not s *= f_t)")
        total = got[0].sum() + got[1].sum()
        grads = call(torch.autograd.grad, total, leaves,
                     what=f"the gradient, {what}")
        if not all(torch.isfinite(g).all() for g in grads):
            fail(f"for {what} the gradient does not flow through your step")
    return True


def hidden_lecture_weights(fn) -> bool:
    """LSTMs whose input size differs from their hidden size."""
    for inputs, H in ((3, 5), (2, 1)):
        torch.manual_seed(1818 + inputs)
        torch_lstm = nn.LSTM(inputs, H, batch_first=True).double()
        with torch.no_grad():
            expected = {
                name: p.detach()
                for name, p in lstm_from_torch(torch_lstm).named_parameters()
            }
            what = f"nn.LSTM({inputs}, {H})"
            got = call(fn, torch_lstm, what=what)
        if not isinstance(got, dict) or sorted(got) != sorted(expected):
            fail(f"for {what} return a dict with the keys {sorted(expected)}")
        for name, e in expected.items():
            g = torch.as_tensor(got[name])
            if g.shape != e.shape or not torch.allclose(g.detach().to(e), e):
                fail(f"for {what} {name} is wrong: the blocks have hidden_size "
                     "rows each")
    return True
