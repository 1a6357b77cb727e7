"""Lecture 18.1.1: generative adversarial networks, the likelihood-free models the
lecture starts from, and the three troubles it names.

A generator ``g`` turns noise ``z ~ N(0, I)`` into a sample ``x = g(z)``; a
discriminator ``D(x)`` in ``(0, 1)`` says how sure it is that ``x`` is real. They
play the minimax game of Goodfellow et al. (2014),

    min_g max_D V(D, g) = E_{x~p}[log D(x)] + E_z[log(1 - D(g(z)))].   (eq. minimax)

A GAN can be *sampled*, but the density of ``g(z)`` has no formula, so it has no
``log_prob``: it is *likelihood-free*. Everything here works with the
discriminator's logit ``l`` (``D = sigmoid(l)``), which keeps the logarithms finite.

One concept a file: ``model`` (the two players), ``objectives`` (eq. minimax, the
generator losses, the R1 penalty), ``game`` (the bilinear game), ``modes`` (mode
coverage), ``training`` (the trainer) and ``gradients`` (vanishing gradients).
"""

from .game import descent_ascent, gradient_descent
from .gradients import generator_gradient_norm, gradients_as_discriminator_trains
from .model import GAN, Discriminator, Generator
from .modes import ModeCoverage, mode_coverage, mode_shares
from .objectives import (
    GENERATOR_LOSSES,
    discriminator_loss,
    non_saturating_generator_loss,
    r1_penalty,
    saturating_generator_loss,
    value_function,
)
from .training import GANConfig, GANHistory, train_gans

__all__ = [
    "GAN",
    "GENERATOR_LOSSES",
    "Discriminator",
    "GANConfig",
    "GANHistory",
    "Generator",
    "ModeCoverage",
    "descent_ascent",
    "discriminator_loss",
    "generator_gradient_norm",
    "gradient_descent",
    "gradients_as_discriminator_trains",
    "mode_coverage",
    "mode_shares",
    "non_saturating_generator_loss",
    "r1_penalty",
    "saturating_generator_loss",
    "train_gans",
    "value_function",
]
