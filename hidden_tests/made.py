"""Hidden tests of the chapter "MADE"."""

import torch

from lecturecode.autoregressive import input_degrees, mask_V, mask_W
from lecturecode.exercises import fail

from . import call


def hidden_made_masks(fn) -> bool:
    """Orderings that are not their own inverse, and other sizes."""
    generator = torch.Generator().manual_seed(1818)
    cases = [
        (torch.tensor([1, 2, 3, 4, 0]), torch.tensor([1, 4, 2, 2, 3, 1, 4, 3])),
        (torch.randperm(7, generator=generator),
         torch.randint(1, 7, (12,), generator=generator)),
        (torch.tensor([1, 0]), torch.tensor([1, 1, 1])),
    ]
    for ordering, m in cases:
        m_in = input_degrees(ordering)
        expected = (mask_W(m, m_in), mask_V(m_in, m))
        what = f"the ordering {ordering.tolist()}"
        answer = call(fn, ordering.clone(), m.clone(), what=what)
        if not isinstance(answer, tuple | list) or len(answer) != 2:
            fail(f"for {what} return a pair (M_W, M_V)")
        got = tuple(torch.as_tensor(mask).float() for mask in answer)
        if any(g.shape != e.shape or not torch.equal(g, e)
               for g, e in zip(got, expected, strict=True)):
            fail(f"for {what} the masks are wrong: ordering[k] is the coordinate "
                 "in position k; the degree of coordinate d is its position + 1")
    return True
