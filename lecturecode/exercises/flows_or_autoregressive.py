"""Checks for the exercises of the verdict chapter: nats per image as bits per
dimension, and the sequential passes an autoregressive sampler needs."""

import math

from . import fail, passed

# Exercise: nats per image to bits per dimension ----------------------------------


def solution_bits_per_dim(nats: float, dim: int) -> float:
    """An NLL of ``nats`` per example as bits per dimension: divide by the
    number of dimensions and by ``ln 2`` (one bit is ``ln 2`` nats)."""
    return nats / (dim * math.log(2))


CASES = ((80.9, 64), (96.6, 64), (1.0, 1), (250.0, 192))


def check_bits_per_dim(fn) -> bool:
    """Check ``fn(nats, dim)`` -> bits per dimension on a few NLLs."""
    for nats, dim in CASES:
        got, expected = fn(nats, dim), solution_bits_per_dim(nats, dim)
        if math.isclose(got, expected, rel_tol=1e-9):
            continue
        diagnoses = [
            (nats / dim, "that is nats per dimension: a bit is ln 2 nats"),
            (nats / math.log(2), "that is bits per image: divide by dim too"),
            (nats * math.log(2) / dim, "a bit is ln 2 nats, so divide by ln 2"),
            (nats / (dim * math.log(10)), "bits are base 2, not base 10"),
        ]
        for wrong, why in diagnoses:
            if math.isclose(got, wrong, rel_tol=1e-9):
                fail(f"not yet: {why}.")
        fail(f"for {nats} nats and dim = {dim} you give {got}, expected "
             f"{expected:.6f}.")
    return passed("bits per dimension = nats / (dim ln 2).")


# Exercise: the sequential cost of sampling ----------------------------------------


def solution_sampling_passes(n: int, height: int, width: int, colours: int) -> int:
    """Sequential network passes for a PixelCNN to draw ``n`` images of
    ``height x width`` pixels with ``colours`` sub-pixels each: one pass per
    sub-pixel, the ``n`` images in one batch (a flow needs one inverse pass)."""
    return height * width * colours


SHAPES = ((100, 8, 8, 1), (1, 8, 8, 1), (100, 8, 8, 3), (7, 28, 28, 1))


def check_sampling_passes(fn) -> bool:
    """Check ``fn(n, height, width, colours)`` -> sequential passes."""
    for n, height, width, colours in SHAPES:
        got = fn(n, height, width, colours)
        expected = solution_sampling_passes(n, height, width, colours)
        if got == expected:
            continue
        diagnoses = [
            (n * expected, "the n images share each pass: they go in one batch"),
            (height * width, "each colour is its own conditional, R, G, then B"),
            (expected - 1, "the first sub-pixel needs a pass too (its "
             "conditional is the network's output on a blank image)"),
            (1, "one pass is what a flow needs; each sub-pixel here waits for "
             "the ones before it"),
        ]
        for wrong, why in diagnoses:
            if got == wrong:
                fail(f"not yet: {why}.")
        fail(f"for n = {n}, {height} x {width} x {colours} you give {got}, "
             f"expected {expected}.")
    return passed("one pass per sub-pixel, whatever the batch: D passes.")
