"""Checks for the exercises of the verdict chapter: nats per image as bits per
dimension, and the sequential passes an autoregressive sampler needs."""

import math

from . import fail, matches, passed

# Exercise: nats per image to bits per dimension ----------------------------------

CASES = ((80.9, 64), (96.6, 64), (1.0, 1), (250.0, 192))
SHAPES = ((100, 8, 8, 1), (1, 8, 8, 1), (100, 8, 8, 3), (7, 28, 28, 1))

# What expected.json holds for this module (see lecturecode.exercises): the
# answers on these inputs, each a digest.
EXPECTED_CASES = {
    "check_bits_per_dim": (1e-10, CASES),
    "check_sampling_passes": (0, SHAPES),
}


def check_bits_per_dim(fn) -> bool:
    """Check ``fn(nats, dim)`` -> bits per dimension on a few NLLs."""
    for nats, dim in CASES:
        got = fn(nats, dim)
        try:
            got = float(got)
        except (TypeError, ValueError):
            fail(f"for {nats} nats and dim = {dim} you returned {got!r}, not a "
                 "number")
        key = f"check_bits_per_dim{(nats, dim)!r}"
        if matches(key, got):
            continue
        # what the right answer would be, were yours one of the usual slips
        diagnoses = [
            (got / math.log(2), "that is nats per dimension: a bit is ln 2 nats"),
            (got / dim, "that is bits per image: divide by dim too"),
            (got / math.log(2) ** 2, "a bit is ln 2 nats, so divide by ln 2"),
            (got * math.log(10) / math.log(2), "bits are base 2, not base 10"),
        ]
        for fixed, why in diagnoses:
            if dim > 1 or "dim" not in why:
                if matches(key, fixed):
                    fail(f"not yet: {why}.")
        fail(f"for {nats} nats and dim = {dim} you give {got}, which is not the "
             "number of bits per dimension.")
    return passed("bits per dimension = nats / (dim ln 2).")


# Exercise: the sequential cost of sampling ----------------------------------------


def check_sampling_passes(fn) -> bool:
    """Check ``fn(n, height, width, colours)`` -> sequential passes."""
    for n, height, width, colours in SHAPES:
        got = fn(n, height, width, colours)
        try:
            got = float(got)
        except (TypeError, ValueError):
            fail(f"for n = {n}, {height} x {width} x {colours} you returned "
                 f"{got!r}, not a number")
        key = f"check_sampling_passes{(n, height, width, colours)!r}"
        if matches(key, got):
            continue
        if got == 1:
            fail("not yet: one pass is what a flow needs; each sub-pixel here "
                 "waits for the ones before it.")
        # what the right answer would be, were yours one of the usual slips
        diagnoses = [
            (got / n, n > 1, "the n images share each pass: they go in one "
             "batch"),
            (got * colours, colours > 1, "each colour is its own conditional, "
             "R, G, then B"),
            (got + 1, True, "the first sub-pixel needs a pass too (its "
             "conditional is the network's output on a blank image)"),
        ]
        for fixed, telling, why in diagnoses:
            if telling and matches(key, fixed):
                fail(f"not yet: {why}.")
        fail(f"for n = {n}, {height} x {width} x {colours} you give {got:g}, "
             "which is not the number of passes.")
    return passed("one pass per sub-pixel, whatever the batch: D passes.")
