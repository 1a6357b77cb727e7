"""Hidden tests of the verdict chapter."""

from lecturecode.exercises import fail, matches

from . import EXPECTED, call

# Inputs the public check does not try; the answers on them are digests in
# hidden_tests/expected.json.
BITS_CASES = ((7450.0, 3072), (0.5, 2), (1e-3, 1))
PASSES_SHAPES = ((5, 4, 6, 3), (1, 1, 1, 1), (3, 2, 9, 1))
EXPECTED_CASES = {
    "hidden_bits_per_dim": (1e-10, BITS_CASES),
    "hidden_sampling_passes": (0, PASSES_SHAPES),
}


def hidden_bits_per_dim(fn) -> bool:
    """A colour image's NLL (thousands of nats) and small ones."""
    for nats, dim in BITS_CASES:
        what = f"{nats} nats and dim = {dim}"
        got = call(fn, nats, dim, what=what)
        if not matches(f"hidden_bits_per_dim{(nats, dim)!r}", got, EXPECTED):
            fail(f"for {what} you give {got!r}, which is not the number of bits "
                 "per dimension")
    return True


def hidden_sampling_passes(fn) -> bool:
    """Images that are not square, and a single sub-pixel."""
    for shape in PASSES_SHAPES:
        what = "n, height, width, colours = {}, {}, {}, {}".format(*shape)
        got = call(fn, *shape, what=what)
        if not matches(f"hidden_sampling_passes{shape!r}", got, EXPECTED):
            fail(f"for {what} you give {got!r}, which is not the number of "
                 "passes")
    return True
