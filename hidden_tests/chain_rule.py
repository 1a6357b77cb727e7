"""Hidden tests of the chapter "The chain rule, orderings and the FVSBN"."""

import torch

from lecturecode.autoregressive import FVSBN, all_binary_vectors
from lecturecode.exercises import fail

from . import call

F64 = torch.float64


def _fvsbn_cases():
    generator = torch.Generator().manual_seed(1818)

    def normal(*shape, scale=1.0):
        return scale * torch.randn(*shape, generator=generator, dtype=F64)

    return [
        # sigmoid(a) rounds to 1 for a > 37: log(1 - sigmoid(a)) is then -inf
        ("a confident FVSBN (logits in the hundreds)", normal(8, 8, scale=40.0),
         normal(8, scale=40.0), all_binary_vectors(8)),
        ("a single pixel (D = 1)", normal(1, 1), normal(1), all_binary_vectors(1)),
        ("a batch of one row", normal(5, 5), normal(5),
         all_binary_vectors(5)[[13]]),
    ]


def hidden_fvsbn_log_prob(fn) -> bool:
    """Against the package's FVSBN on inputs the public check does not try."""
    for what, theta, b, x in _fvsbn_cases():
        model = FVSBN(theta.shape[0]).double()
        with torch.no_grad():
            model.theta.copy_(theta)
            model.b.copy_(b)
            expected = model.log_prob(x)
            got = call(fn, theta.clone(), b.clone(), x.clone(), what=what)
        got = torch.as_tensor(got, dtype=F64)
        if got.shape != expected.shape:
            fail(f"for {what} expected shape {tuple(expected.shape)}, got "
                 f"{tuple(got.shape)}")
        if not torch.isfinite(got).all():
            fail(f"for {what} some log-probabilities are not finite: log(sigmoid) "
                 "and log(1 - sigmoid) round to log 0; use logsigmoid")
        if not torch.allclose(got, expected, rtol=1e-9, atol=1e-8):
            fail(f"for {what} your values differ from the FVSBN's")
    return True
