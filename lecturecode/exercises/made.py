"""Checks for the exercises of the chapter "MADE"."""

import torch

from ..autoregressive import input_degrees, mask_V, mask_W, ranks
from . import fail, passed

# Its own inverse (0 <-> 2, 1 <-> 4): the grader tries orderings that are not.
CASE_ORDERING = torch.tensor([2, 4, 0, 3, 1])
CASE_DEGREES = torch.tensor([1, 4, 2, 2, 3, 1, 4, 3])


def _as_float(mask):
    return torch.as_tensor(mask).float()


def check_made_masks(fn) -> bool:
    """Check ``fn(ordering, m_hidden) -> (M_W, M_V)`` for ``D = 5`` inputs in the
    ordering ``[2, 4, 0, 3, 1]`` and 8 hidden units of degrees ``m_hidden``."""
    ordering, m = CASE_ORDERING.clone(), CASE_DEGREES.clone()
    m_in = input_degrees(ordering)
    expected = (mask_W(m, m_in), mask_V(m_in, m))
    answer = fn(ordering, m)
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        fail("return a pair (M_W, M_V)")
    got = tuple(_as_float(mask) for mask in answer)
    for name, g, e in zip(("M_W", "M_V"), got, expected, strict=True):
        if g.shape != e.shape:
            fail(
                f"{name} should have shape {tuple(e.shape)} (M_W: hidden x "
                f"inputs, M_V: outputs x hidden), got {tuple(g.shape)}"
            )
    if all(torch.equal(g, e) for g, e in zip(got, expected, strict=True)):
        return passed(
            "both masks are right; every path from input j to output "
            "i has j before i in the ordering."
        )
    natural = torch.arange(1, 6)
    rank = ranks(ordering)
    diagnoses = [
        (
            (mask_W(m, natural), mask_V(natural, m)),
            "you used the natural order: the degree of input d is its position in "
            "the ordering, m(d) = 1 + (where d appears in ordering)",
        ),
        (
            (mask_W(m, rank), mask_V(rank, m)),
            "degrees count from 1: the first coordinate in the ordering has m = 1",
        ),
        (
            (expected[0], (m_in.unsqueeze(1) >= m.unsqueeze(0)).float()),
            "M^V needs a strict inequality, m(d) > m(k): with >= output d sees "
            "units that see x_d itself",
        ),
        (
            ((m.unsqueeze(1) > m_in.unsqueeze(0)).float(), expected[1]),
            "M^W is 1[m(k) >= m(d)]: with > unit k loses input m(d) = m(k), which "
            "it may see",
        ),
    ]
    for (w, v), why in diagnoses:
        if torch.equal(got[0], w) and torch.equal(got[1], v):
            fail(f"not yet: {why}.")
    wrong = "M_W" if not torch.equal(got[0], expected[0]) else "M_V"
    fail(f"{wrong} is not right; compare it entry by entry with the formula.")
