"""Checks for the exercises of the chapter "GANs: likelihood-free learning and its
three troubles"."""

import math

import torch
import torch.nn.functional as F

from ..data import RingOfGaussians
from ..gan import non_saturating_generator_loss
from . import as_number, fail, matches, passed

F64 = torch.float64


# Exercise: the non-saturating generator loss -----------------------------------


def _loss_cases():
    generator = torch.Generator().manual_seed(18)
    return [
        ("logits near zero", torch.randn(64, generator=generator, dtype=F64)),
        (
            "a confident discriminator (logits near -30)",
            -30 + torch.randn(64, generator=generator, dtype=F64),
        ),
    ]


def check_non_saturating_loss(fn) -> bool:
    """Check ``fn(fake_logits) -> -E log D(g(z))`` and its gradient against the
    package's ``non_saturating_generator_loss``, on logits near 0 and near -30
    (the grader also tries the exercise's -1000)."""
    for what, logits in _loss_cases():
        logits = logits.clone().requires_grad_(True)
        expected = non_saturating_generator_loss(logits.detach())
        got = fn(logits)
        if not isinstance(got, torch.Tensor):
            fail(f"for {what} you returned a {type(got).__name__}, not a tensor")
        if got.numel() != 1:
            fail(
                f"for {what} you returned shape {tuple(got.shape)}; average over "
                "the batch to get one number"
            )
        if not torch.isfinite(got):
            fail(
                f"for {what} your loss is {got.item()}: sigmoid(l) underflowed to "
                "0 before the log. Write -log sigmoid(l) as softplus(-l)."
            )
        if not torch.allclose(got.to(F64), expected, rtol=1e-6, atol=1e-9):
            a = logits.detach()
            for wrong, why in [
                (-F.softplus(a).mean(), "that is the saturating loss E log(1 - D)"),
                (F.softplus(a).mean(), "that is -E log(1 - D), the wrong term"),
                (-F.softplus(-a).mean(), "the sign is flipped: minimize -log D"),
                (F.softplus(-a).sum(), "you summed over the batch; take the mean"),
            ]:
                if torch.allclose(got.to(F64), wrong, rtol=1e-6):
                    fail(f"for {what}: {why}.")
            fail(
                f"for {what} you returned {got.item():.6g}, expected "
                f"{expected.item():.6g}"
            )
        if not got.requires_grad:
            fail(
                "your loss is detached from the logits: the generator would get "
                "no gradient"
            )
        (grad,) = torch.autograd.grad(got, logits)
        if not torch.isfinite(grad).all():
            fail(f"for {what} the gradient is not finite: use softplus")
    return passed("your loss is -E log D(g(z)), finite even when D is sure.")


# Exercise: count the covered modes -----------------------------------------------


def _coverage_cases():
    ring = RingOfGaussians()
    centers, std = ring.centers, ring.std
    generator = torch.Generator().manual_seed(18)
    on = ring.sample(400, generator)
    one = centers[2] + std * torch.randn(50, 2, generator=generator).clamp(-2, 2)
    # 4 standard deviations off a mode, radially: near it, but not high quality.
    near = centers[:5] * (1 + 4 * std / 2)
    # 2 standard deviations off three modes, tangentially: high quality.
    tangent = torch.stack([-centers[:, 1], centers[:, 0]], dim=1) / 2
    off = (centers + 2 * std * tangent)[[1, 4, 6]]
    blob = 0.3 * torch.randn(300, 2, generator=generator)  # collapsed at the centre
    mixed = torch.cat([centers[[0, 0, 5]], near, blob])
    return [
        ("samples from the ring itself", on, 8, centers, std),
        ("samples around one mode", one, 1, centers, std),
        ("samples 4 standard deviations off five modes", near, 0, centers, std),
        ("samples 2 standard deviations off three modes", off, 3, centers, std),
        ("a blob at the centre of the ring", blob, 0, centers, std),
        ("two exact modes among misses", mixed, 2, centers, std),
    ]


def check_count_covered_modes(fn) -> bool:
    """Check ``fn(samples, centers, std) -> number of covered modes`` on hand-made
    sample sets."""
    for what, samples, expected, centers, std in _coverage_cases():
        got = fn(samples.clone(), centers.clone(), std)
        try:
            got = int(got)
        except (TypeError, ValueError):
            fail(f"for {what} you returned {got!r}, not a whole number")
        if got == expected:
            continue
        distance, nearest = torch.cdist(samples, centers).min(dim=1)
        for radius, why in [
            (
                math.inf,
                "you counted every sample's nearest mode: apply 3 std first",
            ),
            (1.0, "a sample counts within 3 standard deviations, not 1"),
            (3 * std, "the threshold is 3 std = 3 * std, not 3 * std^2"),
        ]:
            if got == len(torch.unique(nearest[distance < radius * std])):
                fail(f"for {what} you said {got}, expected {expected}: {why}.")
        if got == int((distance < 3 * std).sum()):
            fail(
                f"for {what} you said {got}, expected {expected}: that counts "
                "high-quality samples; count the distinct modes they sit on."
            )
        fail(f"for {what} you said {got}, expected {expected}.")
    return passed("your counts match on every hand-made sample set.")


# Exercise: how fast simultaneous steps spiral out ---------------------------------


EXPECTED_CASES = {"check_spiral_radius": (5e-5, None)}


def check_spiral_radius(value: float) -> bool:
    """Check the distance from the origin after 100 simultaneous descent-ascent
    steps of size 0.1 on ``x y``, from ``(1, 0)``."""
    lr, steps = 0.1, 100
    value = as_number(value)
    if matches("check_spiral_radius", value):
        return passed(f"the radius after {steps} steps is {value:.4f}.")
    for wrong, why in [
        ((1 + lr**2) ** steps, "each step multiplies the radius by sqrt(1 + lr^2)"),
        (
            (1 + lr) ** steps,
            "the eigenvalues are 1 +- i lr: their modulus is "
            "sqrt(1 + lr^2), not 1 + lr",
        ),
        (1.0, "that is alternating steps' orbit; simultaneous steps spiral out"),
    ]:
        if math.isclose(value, wrong, rel_tol=1e-4):
            fail(f"{value:.4f} is not it: {why}.")
    fail(f"{value:.4f} is not the radius; find the eigenvalues of the step matrix.")
