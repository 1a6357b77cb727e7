"""Vanishing gradients: the generator's gradient norm under each loss as a
fresh discriminator trains against a frozen generator."""

import copy
import math

import torch

from .. import budget
from .model import GAN, Discriminator
from .objectives import GENERATOR_LOSSES, discriminator_loss


def generator_gradient_norm(gan: GAN, z: torch.Tensor, loss: str) -> float:
    """``||grad_theta L_g||``: the size of the signal the generator receives."""
    params = list(gan.generator.parameters())
    fake_logits = gan.discriminator(gan.generator(z))
    grads = torch.autograd.grad(GENERATOR_LOSSES[loss](fake_logits), params)
    return math.sqrt(sum(g.pow(2).sum().item() for g in grads))


def gradients_as_discriminator_trains(
    gan: GAN,
    density,
    checkpoints: list[int],
    *,
    batch_size: int = 256,
    lr: float = 1e-3,
    seed: int = 0,
    batches: int = 10,
) -> dict:
    """Freeze the generator, train a fresh discriminator against it, and measure
    the generator's gradient norm under both losses after each number of
    discriminator steps in ``checkpoints`` (Arjovsky and Bottou, 2017, Fig. 2).

    Returns lists keyed by ``"d_steps"``, ``"saturating"``, ``"non-saturating"``
    (mean norm over ``batches`` noise batches) and ``"d_fake"`` (the mean of
    ``D(g(z))``: how sure the discriminator is that the fakes are fake).
    """
    if sorted(set(checkpoints)) != list(checkpoints) or checkpoints[0] < 0:
        raise ValueError(f"checkpoints must increase from >= 0, got {checkpoints}")
    rng = torch.Generator().manual_seed(seed)
    old = gan.discriminator
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        fresh = Discriminator(
            old.data_dim, old.hidden, old.layers, old.pack, old.scale
        )
    probe = GAN(copy.deepcopy(gan.generator).cpu(), fresh)
    g, z_dim = probe.generator, probe.generator.z_dim
    optimizer = torch.optim.Adam(fresh.parameters(), lr=lr, betas=(0.5, 0.999))
    n = batch_size * fresh.pack
    probe_z = torch.randn(batches, n, z_dim, generator=rng)
    result = {"d_steps": [], "saturating": [], "non-saturating": [], "d_fake": []}
    # a dry run or a spent time share ends the study early (lecturecode.budget)
    run = budget.start("gradient study", max(checkpoints[-1], 1))
    step, stop = 0, False
    for target in [c for c in checkpoints if c <= run.steps]:
        while step < target and not stop:
            with torch.no_grad():
                fake = g(torch.randn(n, z_dim, generator=rng))
            loss = discriminator_loss(fresh(density.sample(n, rng)), fresh(fake))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            stop = run.expired(step)
        result["d_steps"].append(step)
        for name in GENERATOR_LOSSES:
            norms = [generator_gradient_norm(probe, z, name) for z in probe_z]
            result[name].append(sum(norms) / batches)
        with torch.no_grad():
            fake_logits = fresh(g(probe_z.reshape(-1, z_dim)))
        result["d_fake"].append(torch.sigmoid(fake_logits).mean().item())
        if stop:
            break
    run.finish(step)
    return result
