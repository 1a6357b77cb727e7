"""Hidden tests of the chapter "MADE as a flow: MAF"."""

import torch

from lecturecode.autoregressive import MAF
from lecturecode.exercises import fail
from lecturecode.runtime import perturb_parameters

from . import call

F64 = torch.float64


def hidden_maf_inverse(fn) -> bool:
    """Orderings that are not their own inverse, another size, one row."""
    generator = torch.Generator().manual_seed(1818)
    cases = [([1, 2, 3, 4, 0], (24, 24), 8), ([2, 0, 1], (16,), 1)]
    for ordering, hidden, n in cases:
        layer = MAF(len(ordering), hidden, ordering=torch.tensor(ordering))
        layer = perturb_parameters(layer.double(), 0.4, generator)
        x = torch.randn(n, len(ordering), generator=generator, dtype=F64)
        what = f"the ordering {ordering}"
        with torch.no_grad():
            z, _ = layer(x)
            got = call(fn, layer, z.clone(), what=what)
        got = torch.as_tensor(got, dtype=F64)
        if got.shape != x.shape or not torch.allclose(got, x, atol=1e-8):
            fail(f"for {what} your inverse does not give x back: fill the "
                 "coordinates in the order layer.ordering lists them")
    return True
