"""Hidden tests of the closing chapter, "What ties the lecture together"."""

import math

import torch
from torch.distributions import Categorical, kl_divergence

from lecturecode.exercises import fail, matches
from lecturecode.exercises.synthesis import coupling_pairs, degrees_of
from lecturecode.flows import checkerboard_mask

from . import EXPECTED, call

F64 = torch.float64

# A very steep map (w / L = 1e-12), a flat one, and an ordinary one: the answers
# are digests in hidden_tests/expected.json.
GAP_CASES = ((1e-12, 1.0), (50.0, 1.0), (0.3, 7.0))
EXPECTED_CASES = {"hidden_min_gap_mass": (1e-6, GAP_CASES)}


def hidden_kl_both_ways(fn) -> bool:
    """Vectors with zeros: 0 log 0 = 0, and KL = inf where a mode is dropped."""
    cases = [
        ("p with a zero entry", (0.0, 0.5, 0.5), (0.2, 0.3, 0.5)),
        ("q that drops a mode of p", (0.5, 0.5, 0.0), (1.0, 0.0, 0.0)),
    ]
    for what, p, q in cases:
        p, q = torch.tensor(p, dtype=F64), torch.tensor(q, dtype=F64)
        got = call(fn, p.clone(), q.clone(), what=what)
        if not isinstance(got, tuple | list) or len(got) != 2:
            fail(f"for {what} return two numbers")
        got = [float(torch.as_tensor(v, dtype=F64)) for v in got]
        if any(math.isnan(v) for v in got):
            fail(f"for {what} you give {got}: NaN, from 0 * log 0; the term of "
                 "a zero probability is 0 (torch.special.xlogy)")
        for value, (a, b) in zip(got, [(p, q), (q, p)], strict=True):
            expected = kl_divergence(Categorical(probs=a),
                                     Categorical(probs=b)).item()
            if not (value == expected or math.isclose(value, expected,
                                                      rel_tol=1e-9)):
                fail(f"for {what} you give {got}, expected a KL of {expected}")
    return True


def hidden_min_gap_mass(fn) -> bool:
    """A very steep map, where 2 Phi(x) - 1 cancels, and a very flat one."""
    for width, lipschitz in GAP_CASES:
        what = f"width {width} and slope at most {lipschitz}"
        got = call(fn, width, lipschitz, what=what)
        if not matches(f"hidden_min_gap_mass{(width, lipschitz)!r}", got,
                       EXPECTED):
            fail(f"for {what} you give {got!r}; for a very steep map 2 Phi(x) - 1 "
                 "loses its digits, erf keeps them")
    return True


def hidden_coupling_degrees(fn) -> bool:
    """A checkerboard mask, not contiguous, and a boolean one."""
    for mask, what in [
        (checkerboard_mask(3, 3), "checkerboard_mask(3, 3)"),
        (checkerboard_mask(2, 4, parity=1) > 0, "a boolean mask"),
    ]:
        degrees = call(degrees_of, fn, mask, what, what=what)
        kept = mask != 0
        if not torch.equal(coupling_pairs(degrees),
                           (~kept)[:, None] & kept[None, :]):
            fail(f"for {what} your degrees {degrees.tolist()} connect the wrong "
                 "pairs")
    return True
