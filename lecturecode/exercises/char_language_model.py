"""Checks for the exercises of the chapter "A character-level language model"."""

import math

import torch

from ..data.text import python_docs_text
from ..sequence import RNN, RecurrentLanguageModel
from . import as_number, fail, passed


def _frequencies(fn, logits, temperature, n=20_000, seed=0):
    generator = torch.Generator().manual_seed(seed)
    rows = logits.expand(n, -1)
    tokens = torch.as_tensor(fn(rows, temperature, generator))
    if tokens.shape != (n,):
        fail(f"return one token per row, shape ({n},); got {tuple(tokens.shape)}")
    if tokens.dtype.is_floating_point or tokens.min() < 0 or tokens.max() >= len(
        logits
    ):
        fail(f"return token ids in 0..{len(logits) - 1}")
    return torch.bincount(tokens, minlength=len(logits)).double() / n


def check_sample_with_temperature(fn) -> bool:
    """Check ``fn(logits, temperature, generator) -> tokens`` by the frequencies
    of 20,000 draws at temperatures 0.5, 1 and 2, every row the same four
    logits (the grader tries other logits)."""
    logits = torch.tensor([2.0, 1.0, 0.0, -1.0], dtype=torch.float64)
    for temperature in (0.5, 1.0, 2.0):
        expected = torch.softmax(logits / temperature, 0)
        observed = _frequencies(fn, logits, temperature)
        if (observed - expected).abs().max() < 0.015:
            continue
        for wrong, why in [
            (torch.softmax(logits * temperature, 0),
             "you multiplied by the temperature; divide, so that a low "
             "temperature sharpens the distribution"),
            (torch.softmax(logits, 0), "the temperature had no effect"),
            (torch.softmax(logits / temperature**2, 0),
             "the temperature divides the logits, once"),
        ]:
            if (observed - wrong).abs().max() < 0.015:
                fail(f"at temperature {temperature}: {why}.")
        fail(
            f"at temperature {temperature} the frequencies "
            f"{[round(v, 3) for v in observed.tolist()]} differ from "
            f"{[round(v, 3) for v in expected.tolist()]}"
        )
    return passed("your sampler follows softmax(logits / temperature).")


def _uniform_bits_per_char(V: int) -> float:
    """The bits per character of the package's recurrent language model over
    ``V`` characters with every weight at zero, which makes every conditional
    uniform: scored on a sequence holding each character once."""
    model = RecurrentLanguageModel(RNN(V + 1, 1), V).double()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        nats = -model.log_prob(torch.arange(V).unsqueeze(0)).item()
    return nats / (V * math.log(2))


def check_uniform_bits_per_char(value: float) -> bool:
    """Check the bits per character of the uniform model over the corpus's
    alphabet (its size depends on the Python version), against the package's
    language model with every weight at zero."""
    V = len(set(python_docs_text()))
    expected = _uniform_bits_per_char(V)
    value = as_number(value)
    if math.isclose(value, expected, rel_tol=1e-4):
        return passed(f"{expected:.4f} bits per character, for {V} characters.")
    if math.isclose(value, expected * math.log(2), rel_tol=1e-4):
        fail(f"that is in nats (ln {V}); bits use log base 2.")
    if math.isclose(value, 1 / V, rel_tol=1e-4):
        fail("that is the probability of one character, not -log2 of it.")
    fail(f"{value:.6g} is not it: each of the {V} characters has probability 1/{V}")
