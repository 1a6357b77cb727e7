"""Hidden tests of the chapter "Recurrent networks and backpropagation through
time"."""

import torch

from lecturecode.exercises import fail
from lecturecode.exercises.recurrent_networks import _torch_clipped
from lecturecode.runtime import perturb_parameters
from lecturecode.sequence import RNN, RecurrentLanguageModel

from . import call

F64 = torch.float64


def hidden_rnn_log_prob(fn) -> bool:
    """Other vocabulary and hidden sizes (so that H != V + 1), and a sequence of
    one token."""
    generator = torch.Generator().manual_seed(1818)
    for V, H, tokens in ((3, 7, [0, 2, 1, 1]), (6, 2, [5])):
        model = RecurrentLanguageModel(RNN(V + 1, H), V).double()
        perturb_parameters(model, 0.5, generator)
        x = torch.tensor(tokens)
        weights = (
            model.recurrence.W_hh.detach(),
            model.recurrence.W_hx.detach(),
            model.W_hy.weight.detach(),
            model.W_hy.bias.detach(),
        )
        what = f"V = {V}, H = {H} and x = {tokens}"
        with torch.no_grad():
            expected = model.log_prob(x.unsqueeze(0))[0]
            got = call(fn, *weights, x.clone(), what=what)
        got = torch.as_tensor(got, dtype=F64)
        if got.numel() != 1 or not torch.allclose(
            got.reshape(()), expected, rtol=1e-8, atol=1e-8
        ):
            fail(f"for {what} your log p(x) differs from the model's: the start "
                 "symbol is column V of W_hx, which has V + 1 columns")
    return True


def hidden_clip_by_norm(fn) -> bool:
    """A zero gradient (nothing to clip, nothing to divide by), three tensors,
    and one."""
    generator = torch.Generator().manual_seed(1818)

    def normal(*shape, scale=1.0):
        return scale * torch.randn(*shape, generator=generator, dtype=F64)

    cases = [
        ("a zero gradient",
         [torch.zeros(3, 3, dtype=F64), torch.zeros(3, dtype=F64)], 1.0),
        ("three tensors",
         [normal(2, 5, scale=4), normal(5, scale=4), normal(1)], 2.0),
        ("a single tensor", [normal(6, scale=3)], 0.5),
    ]
    for what, grads, threshold in cases:
        expected = _torch_clipped(grads, threshold)
        got = call(fn, [g.clone() for g in grads], threshold, what=what)
        if not isinstance(got, list | tuple) or len(got) != len(grads):
            fail(f"for {what} return one tensor per gradient, in a list")
        for g, e in zip(got, expected, strict=True):
            g = torch.as_tensor(g, dtype=F64)
            if g.shape != e.shape or not torch.allclose(g, e, rtol=1e-6, atol=1e-9):
                fail(f"for {what} your clipped gradient differs from the rule's")
    return True
