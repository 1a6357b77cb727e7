"""Hidden tests of the chapter "A character-level language model"."""

import torch

from lecturecode.exercises import fail

from . import call

F64 = torch.float64


def _frequencies(tokens, rows, V):
    counts = torch.bincount(torch.as_tensor(tokens)[rows], minlength=V)
    return counts.double() / len(rows)


def hidden_sample_with_temperature(fn) -> bool:
    """Logits so large that exp overflows, rows with different logits, and the
    generator: the same seed gives the same tokens."""
    n = 20_000
    cases = [
        ("logits in the hundreds (800, 799, 0, -5) at temperature 0.5",
         torch.tensor([[800.0, 799.0, 0.0, -5.0]], dtype=F64).expand(n, -1), 0.5),
        ("rows with two different sets of logits, temperature 1.5",
         torch.tensor([[3.0, 0.0, 0.0, -2.0], [-1.0, 0.5, 2.0, 0.0]],
                      dtype=F64).repeat(n // 2, 1), 1.5),
    ]
    for what, logits, temperature in cases:
        generator = torch.Generator().manual_seed(5)
        tokens = call(fn, logits.clone(), temperature, generator, what=what)
        tokens = torch.as_tensor(tokens)
        if tokens.shape != (n,):
            fail(f"for {what} return one token per row")
        for parity in (0, 1):
            rows = torch.arange(parity, n, 2)
            expected = torch.softmax(logits[parity] / temperature, 0)
            observed = _frequencies(tokens, rows, logits.shape[1])
            if (observed - expected).abs().max() > 0.02:
                fail(f"for {what} the frequencies differ from "
                     "softmax(logits / temperature) of each row")
    logits = torch.tensor([[0.5, 0.0, -0.5]], dtype=F64).expand(50, -1)
    draws = [
        torch.as_tensor(call(fn, logits.clone(), 1.0,
                             torch.Generator().manual_seed(11), what="a seed"))
        for _ in range(2)
    ]
    if not torch.equal(draws[0], draws[1]):
        fail("two generators with the same seed gave different tokens: draw with "
             "the generator you are given")
    return True
