"""Checks for the exercises of the closing chapter, "What ties the lecture
together"."""

import math

import torch
from torch.distributions import Categorical, kl_divergence

from ..autoregressive import masks_from_degrees
from ..flows import half_mask
from . import as_number, fail, matches, passed

F64 = torch.float64


# Exercise: forward and reverse KL ------------------------------------------------

KL_CASES = (
    ((0.5, 0.5), (0.9, 0.1)),
    ((0.1, 0.2, 0.3, 0.4), (0.25, 0.25, 0.25, 0.25)),
    ((0.45, 0.05, 0.45, 0.05), (0.05, 0.05, 0.85, 0.05)),
)


def _library_kl(a, b) -> float:
    return kl_divergence(Categorical(probs=a), Categorical(probs=b)).item()


def _pair(got, what):
    if not isinstance(got, tuple | list) or len(got) != 2:
        fail(f"for {what} return two numbers, (KL(p || q), KL(q || p))")
    return [float(torch.as_tensor(v, dtype=F64)) for v in got]


def check_kl_both_ways(fn) -> bool:
    """Check ``fn(p, q) -> (KL(p || q), KL(q || p))`` on positive probability
    vectors, against ``torch.distributions``' KL of two categoricals (the grader
    also tries vectors with zeros)."""
    for p, q in KL_CASES:
        p, q = torch.tensor(p, dtype=F64), torch.tensor(q, dtype=F64)
        what = f"p = {p.tolist()}, q = {q.tolist()}"
        forward, reverse = _pair(fn(p.clone(), q.clone()), what)
        expected = _library_kl(p, q), _library_kl(q, p)
        if all(math.isclose(a, b, rel_tol=1e-9) for a, b in
               zip((forward, reverse), expected, strict=True)):
            continue
        if math.isclose(forward, expected[1], rel_tol=1e-9) and math.isclose(
                reverse, expected[0], rel_tol=1e-9):
            fail(f"for {what} your pair is swapped: KL(p || q) averages under p "
                 "and comes first.")
        if math.isclose(forward * math.log(2), expected[0], rel_tol=1e-9):
            fail(f"for {what} you give bits: use the natural log, for nats.")
        unweighted = (p.log() - q.log()).sum().item()
        if math.isclose(forward, unweighted, rel_tol=1e-9, abs_tol=1e-12):
            fail(f"for {what} you summed log(p / q) unweighted: KL(p || q) is "
                 "the expectation under p, so weight each term by p.")
        fail(f"for {what} you give ({forward:.6f}, {reverse:.6f}), expected "
             f"({expected[0]:.6f}, {expected[1]:.6f}).")
    return passed("KL(p || q) and KL(q || p) agree with torch.distributions.")


# Exercise: the least mass in the gap ----------------------------------------------

GAP_CASES = ((2.0, 1.5), (2.0, 0.5), (1.0, 10.0))

# What expected.json holds for this module (see lecturecode.exercises).
EXPECTED_CASES = {
    "check_min_gap_mass": (1e-9, GAP_CASES),
    "check_noise_bits_per_dim": (1e-4, None),
}


def check_min_gap_mass(fn) -> bool:
    """Check ``fn(width, lipschitz)`` -> the least mass an increasing map of
    N(0, 1) with slope at most ``lipschitz`` leaves in a gap of ``width``
    centred on the median."""
    got = {}
    for width, lipschitz in GAP_CASES:
        what = f"width {width} and slope at most {lipschitz}"
        value = as_number(fn(width, lipschitz), f"your answer for {what}")
        if not 0 <= value <= 1:
            fail(f"for {what} you give {value}: a probability is in [0, 1].")
        got[width, lipschitz] = value
    for (width, lipschitz), value in got.items():
        what = f"width {width} and slope at most {lipschitz}"
        key = f"check_min_gap_mass{(width, lipschitz)!r}"
        if matches(key, value):
            continue
        if matches(key, 2 * value):
            fail(f"for {what} you counted one side: the gap extends w/2 on both "
                 "sides of T(0).")
        if matches(key, 1 - value):
            fail(f"for {what} that is the mass outside the gap.")
        if got[2.0, 0.5] < got[2.0, 1.5]:
            fail("a flatter map (smaller slope) must leave more mass in the "
                 "gap, yours leaves less: is L the wrong way round?")
        fail(f"for {what} you give {value:.6g}: which z must land in the gap, "
             "given |T(z) - T(0)| <= L |z|?")
    return passed("the least mass in the gap is right on every case.")


# Exercise: a MAF that is a coupling layer --------------------------------------


def coupling_pairs(degrees: torch.Tensor) -> torch.Tensor:
    """Which outputs (rows) a MADE with these input degrees and eight hidden
    units of degree 1 connects to which inputs (columns)."""
    masks = masks_from_degrees([degrees, torch.ones(8, dtype=torch.long)])
    return (masks[1] @ masks[0]) > 0


def degrees_of(fn, mask: torch.Tensor, what: str) -> torch.Tensor:
    """The answer's degrees for ``mask``, checked to be whole numbers >= 1, one
    per coordinate."""
    got = fn(mask.clone())
    if not isinstance(got, torch.Tensor) or got.shape != mask.shape:
        fail(f"for {what} return a tensor of {len(mask)} degrees, one per "
             "coordinate")
    if got.is_floating_point() and not torch.equal(got, got.round()):
        fail(f"for {what} degrees are whole numbers, you give {got.tolist()}")
    return got.long()


def check_coupling_degrees(fn) -> bool:
    """Check ``fn(mask)`` -> input degrees whose MADE connects every transformed
    coordinate to every kept one and nothing else, on half masks."""
    for mask, what in [(half_mask(4), "half_mask(4)"),
                       (half_mask(5, first=False), "half_mask(5, first=False)")]:
        degrees = degrees_of(fn, mask, what)
        kept = mask != 0
        expected = (~kept)[:, None] & kept[None, :]
        got = coupling_pairs(degrees)
        if torch.equal(got, expected):
            continue
        if torch.equal(got, expected.T):
            fail(f"for {what} the roles are swapped: kept coordinates (mask 1) "
                 "feed the transformed ones, so they need the lower degree.")
        if not got.any():
            fail(f"for {what} your MADE connects nothing: a hidden unit of "
                 "degree 1 sees inputs of degree 1 and feeds outputs of degree "
                 "2 and above.")
        if sorted(degrees.tolist()) == list(range(1, len(mask) + 1)):
            fail(f"for {what} that is MAF's own ordering, one coordinate a step: "
                 "a coupling has two steps, kept then transformed.")
        fail(f"for {what} your degrees {degrees.tolist()} connect the wrong "
             "pairs.")
    return passed("your degrees make the MADE a coupling layer's conditioner.")


# Exercise: noise that costs almost nothing -------------------------------------


def check_noise_bits_per_dim(value: float) -> bool:
    """Check the most that mixing 99% uniform noise into a model can add to its
    NLL, in bits per dimension of 64-pixel binary images."""
    value = as_number(value)
    if matches("check_noise_bits_per_dim", value):
        return passed(f"at most {value:.4f} bits per dimension.")
    if matches("check_noise_bits_per_dim", value / math.log(2)):
        fail(f"{value:.4f} is in nats: a bit is ln 2 nats.")
    if matches("check_noise_bits_per_dim", value / 64):
        fail(f"{value:.4f} is per image: divide by the 64 dimensions.")
    if math.isclose(value, -math.log2(0.99) / 64, rel_tol=1e-3):
        fail("that uses the noise's weight: bound the mixture below by q's "
             "share, 0.01 q.")
    fail(f"{value:.4f} is not it: bound log(0.01 q + 0.99 u) below by one term.")
