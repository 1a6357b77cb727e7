"""Hidden tests of the chapter "GANs: likelihood-free learning and its three
troubles"."""

import torch

from lecturecode.exercises import fail
from lecturecode.gan import mode_coverage, non_saturating_generator_loss

from . import call

F64 = torch.float64


def hidden_non_saturating_loss(fn) -> bool:
    """The exercise's certain discriminator (logits -1000 and 1000) and float32
    logits near -100: a finite loss and the right, finite gradient."""
    generator = torch.Generator().manual_seed(1818)
    cases = [
        ("logits -1000, 0 and 1000", torch.tensor([-1000.0, 0.0, 1000.0],
                                                  dtype=F64)),
        ("float32 logits near -100",
         (-100 + torch.randn(32, generator=generator)).float()),
    ]
    for what, logits in cases:
        leaf = logits.clone().requires_grad_(True)
        expected = non_saturating_generator_loss(leaf)
        (expected_grad,) = torch.autograd.grad(expected, leaf)
        got = call(fn, leaf, what=what)
        if not isinstance(got, torch.Tensor) or got.numel() != 1:
            fail(f"for {what} return one number, a tensor")
        if not torch.isfinite(got):
            fail(f"for {what} your loss is {got.item()}: sigmoid(l) underflowed "
                 "before the log; write -log sigmoid(l) as softplus(-l)")
        if not torch.allclose(got.detach(), expected.detach(), rtol=1e-5):
            fail(f"for {what} you returned {got.item():.6g}, expected "
                 f"{expected.item():.6g}")
        if not got.requires_grad:
            fail(f"for {what} your loss is detached from the logits")
        (grad,) = call(torch.autograd.grad, got, leaf, what=f"the gradient, {what}")
        if not torch.allclose(grad, expected_grad, rtol=1e-5, atol=1e-7):
            fail(f"for {what} the gradient is wrong or not finite")
    return True


def hidden_count_covered_modes(fn) -> bool:
    """Modes close enough that one sample lies within 3 standard deviations of
    two of them: only its nearest one counts."""
    centers = torch.tensor([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
    cases = [
        ("a sample set near two overlapping modes",
         torch.tensor([[0.2, 0.0], [0.3, 0.1], [-0.1, 0.2]]), centers, 0.5),
        ("samples between two overlapping modes",
         torch.tensor([[0.45, 0.0], [0.55, 0.0], [5.0, 5.2]]), centers, 0.5),
    ]
    for what, samples, modes, std in cases:
        expected = mode_coverage(samples, modes, std).modes_covered
        got = call(fn, samples.clone(), modes.clone(), std, what=what)
        try:
            got = int(got)
        except (TypeError, ValueError):
            fail(f"for {what} you returned {got!r}, not a whole number")
        if got != expected:
            fail(f"for {what} you said {got}, expected {expected}: a mode counts "
                 "when it is the nearest mode of a sample within 3 std")
    return True
