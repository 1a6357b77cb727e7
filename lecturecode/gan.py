"""Lecture 18.1.1: generative adversarial networks, the likelihood-free models the
lecture starts from, and the three troubles it names.

A generator ``g`` turns noise ``z ~ N(0, I)`` into a sample ``x = g(z)``; a
discriminator ``D(x)`` in ``(0, 1)`` says how sure it is that ``x`` is real. They
play the minimax game of Goodfellow et al. (2014),

    min_g max_D V(D, g) = E_{x~p}[log D(x)] + E_z[log(1 - D(g(z)))].   (eq. minimax)

A GAN can be *sampled*, but the density of ``g(z)`` has no formula, so it has no
``log_prob``: it is *likelihood-free*. Everything here works with the
discriminator's logit ``l`` (``D = sigmoid(l)``), which keeps the logarithms finite.
"""

import copy
import math
import time
from dataclasses import dataclass, field
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from .nets import mlp
from .runtime import check_batch, check_positive_int, default_device


class Generator(nn.Module):
    """``x = g(z)``: a ReLU network from ``z_dim`` noise to ``data_dim``
    coordinates, which it writes in units of ``scale``."""

    def __init__(self, z_dim=2, data_dim=2, hidden=128, layers=2, scale=1.0):
        super().__init__()
        self.z_dim, self.data_dim, self.scale = z_dim, data_dim, scale
        self.net = mlp(z_dim, data_dim, hidden, layers, activation=nn.ReLU)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.scale * self.net(z)


class Discriminator(nn.Module):
    """The logit ``l(x)`` of ``D(x) = sigmoid(l(x))``: a LeakyReLU network.

    With ``pack = m``, ``m`` consecutive samples, all real or all generated, are
    concatenated into one input of ``m * data_dim`` coordinates and judged
    together, one logit per group: PacGAN's packed discriminator (Lin et al.,
    2018). ``pack = 1`` is the ordinary one. It reads coordinates in units of
    ``scale``.
    """

    def __init__(self, data_dim=2, hidden=128, layers=2, pack=1, scale=1.0):
        super().__init__()
        for name, value in (("pack", pack), ("layers", layers)):
            check_positive_int(value, name)
        self.data_dim, self.hidden, self.layers = data_dim, hidden, layers
        self.pack, self.scale = pack, scale
        leaky = partial(nn.LeakyReLU, 0.2)
        self.net = mlp(pack * data_dim, 1, hidden, layers, activation=leaky)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] % self.pack:
            raise ValueError(
                f"a batch of {x.shape[-2]} samples cannot be packed in groups of "
                f"{self.pack}"
            )
        # [packing]
        groups = x.reshape(*x.shape[:-2], -1, self.pack * self.data_dim)
        return self.net(groups / self.scale).squeeze(-1)


class GAN(nn.Module):
    """A generator and its discriminator. It samples; it has no ``log_prob``."""

    def __init__(self, generator: Generator, discriminator: Discriminator):
        super().__init__()
        if generator.data_dim != discriminator.data_dim:
            raise ValueError(
                f"generator makes {generator.data_dim}-d samples, discriminator "
                f"reads {discriminator.data_dim}-d ones"
            )
        self.generator, self.discriminator = generator, discriminator
        self.register_buffer("_anchor", torch.zeros(0))

    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Draw ``z ~ N(0, I)`` and return ``x = g(z)``, shape ``(n, data_dim)``."""
        check_positive_int(n, "n")
        z = torch.randn(n, self.generator.z_dim, generator=generator)
        return self.generator(z.to(self._anchor))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The discriminator's logit for each (packed group of) sample(s)."""
        check_batch(x, self.discriminator.data_dim)
        return self.discriminator(x)


# The minimax objective and the two generator losses --------------------------
# With D = sigmoid(l): log D = -softplus(-l) and log(1 - D) = -softplus(l).


def value_function(
    real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    """``V(D, g) = E log D(x) + E log(1 - D(g(z)))`` on a batch (eq. minimax)."""
    return -F.softplus(-real_logits).mean() - F.softplus(fake_logits).mean()


def discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    """The discriminator maximizes ``V``: it minimizes ``-V``, the cross-entropy
    of telling real (label 1) from generated (label 0)."""
    return -value_function(real_logits, fake_logits)


def saturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The generator's side of the minimax game: minimize
    ``E log(1 - D(g(z)))``. Its slope in ``l`` is ``-D``: nothing when ``D -> 0``.
    """
    return -F.softplus(fake_logits).mean()


def non_saturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Goodfellow et al.'s fix: minimize ``-E log D(g(z))`` instead. Same fixed
    point, but its slope in ``l`` is ``-(1 - D)``: largest when ``D -> 0``."""
    return F.softplus(-fake_logits).mean()


GENERATOR_LOSSES = {
    "saturating": saturating_generator_loss,
    "non-saturating": non_saturating_generator_loss,
}


# Mode coverage ----------------------------------------------------------------


@dataclass
class ModeCoverage:
    """How a sample set covers the modes of a Gaussian mixture.

    ``counts[k]`` is the number of high-quality samples whose nearest mode is
    ``k``; ``modes_covered`` counts modes with at least ``min_count`` of them;
    ``high_quality`` is the share of samples within ``radius`` standard
    deviations of their nearest mode.
    """

    modes_covered: int
    high_quality: float
    counts: list[int]


def mode_coverage(
    samples: torch.Tensor,
    centers: torch.Tensor,
    std: float,
    *,
    min_count: int = 1,
    radius: float = 3.0,
) -> ModeCoverage:
    """The mode-collapse measures of VEEGAN (Srivastava et al., 2017), as PacGAN
    (Lin et al., 2018) computes them: a sample is *high quality* when it lies
    within ``radius = 3`` standard deviations of its nearest mode, and a mode is
    *covered* when at least ``min_count`` high-quality samples are nearest to it
    (both papers: ``min_count = 1`` among 2,500 samples)."""
    check_batch(samples, 2, "samples")
    check_batch(centers, 2, "centers")
    if not std > 0:
        raise ValueError(f"std must be positive, got {std}")
    check_positive_int(min_count, "min_count")
    # [coverage]
    distance, nearest = torch.cdist(samples, centers.to(samples)).min(dim=1)
    good = distance < radius * std  # high quality
    counts = torch.bincount(nearest[good], minlength=len(centers))
    # [end of coverage]
    return ModeCoverage(
        modes_covered=int((counts >= min_count).sum()),
        high_quality=good.double().mean().item(),
        counts=counts.tolist(),
    )


def mode_shares(samples: torch.Tensor, centers: torch.Tensor) -> list[float]:
    """The share of ``samples`` in each mode's neighbourhood: nearer to that
    mode than to any other and closer than half the smallest distance between
    two modes. A model that spreads its mass over every mode gives each a share;
    a collapsed one leaves some at zero, whatever the modes' widths."""
    check_batch(samples, 2, "samples")
    check_batch(centers, 2, "centers")
    if len(centers) < 2:
        raise ValueError("mode_shares needs at least two centers")
    centers = centers.to(samples)
    gaps = torch.cdist(centers, centers)
    half_gap = gaps[~torch.eye(len(centers), dtype=torch.bool)].min() / 2
    distance, nearest = torch.cdist(samples, centers).min(dim=1)
    counts = torch.bincount(nearest[distance < half_gap], minlength=len(centers))
    return (counts.double() / len(samples)).tolist()


# The simplest game: min_x max_y x y --------------------------------------------


def descent_ascent(f, start, lr: float, steps: int, alternating=False):
    """Gradient descent on ``x`` and ascent on ``y`` for ``min_x max_y f(x, y)``.

    Simultaneous: both players step from the same point. Alternating: ``y``
    responds to the ``x`` that has just moved. Returns the ``(steps + 1, 2)``
    trajectory, in float64.
    """
    x, y = (
        torch.tensor(float(v), dtype=torch.float64, requires_grad=True)
        for v in start
    )
    path = [(x.item(), y.item())]
    for _ in range(steps):
        grad_x, grad_y = torch.autograd.grad(f(x, y), (x, y))
        x = (x - lr * grad_x).detach().requires_grad_()
        if alternating:  # y answers the x that has just moved
            (grad_y,) = torch.autograd.grad(f(x, y), y)
        y = (y + lr * grad_y).detach().requires_grad_()
        path.append((x.item(), y.item()))
    return torch.tensor(path, dtype=torch.float64)


def gradient_descent(f, start, lr: float, steps: int):
    """Plain gradient descent on both coordinates of ``f(x, y)``, for comparison:
    the ``(steps + 1, 2)`` trajectory."""
    point = torch.tensor([float(v) for v in start], dtype=torch.float64)
    path = [point]
    for _ in range(steps):
        point = point.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(f(*point), point)
        point = (point - lr * grad).detach()
        path.append(point)
    return torch.stack(path)


# Training -------------------------------------------------------------------------


@dataclass
class GANConfig:
    """Everything that defines a training run except the data and the seed."""

    pack: int = 1
    generator_loss: str = "non-saturating"
    z_dim: int = 2
    hidden: int = 128
    generator_layers: int = 2  # hidden layers
    discriminator_layers: int = 2
    steps: int = 2000
    batch_size: int = 256  # packed groups per discriminator step
    lr: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    cosine_schedule: bool = True  # anneal the step size to zero
    r1: float = 0.0  # weight gamma of the gradient penalty on real data (eq. R1)
    r1_every: int = 1  # apply it every this many steps, weighted by as many
    data_scale: float = 1.0  # the unit in which both networks see coordinates
    record_every: int = 100
    eval_samples: int = 2500

    def __post_init__(self):
        if self.generator_loss not in GENERATOR_LOSSES:
            raise ValueError(
                f"generator_loss must be one of {list(GENERATOR_LOSSES)}, "
                f"got {self.generator_loss!r}"
            )
        for name in (
            "pack",
            "z_dim",
            "hidden",
            "generator_layers",
            "discriminator_layers",
            "steps",
            "batch_size",
            "r1_every",
        ):
            check_positive_int(getattr(self, name), name)
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if not self.r1 >= 0:
            raise ValueError(f"r1 must be >= 0, got {self.r1}")
        if not self.data_scale > 0:
            raise ValueError(f"data_scale must be positive, got {self.data_scale}")

    def build(self) -> GAN:
        h, s = self.hidden, self.data_scale
        return GAN(
            Generator(self.z_dim, 2, h, self.generator_layers, s),
            Discriminator(2, h, self.discriminator_layers, self.pack, s),
        )


@dataclass
class GANHistory:
    """What one run measured every ``record_every`` steps."""

    steps: list[int] = field(default_factory=list)
    discriminator_loss: list[float] = field(default_factory=list)
    generator_loss: list[float] = field(default_factory=list)
    modes_covered: list[int] = field(default_factory=list)
    high_quality: list[float] = field(default_factory=list)
    counts: list[list[int]] = field(default_factory=list)  # per mode, per record
    seconds: float = 0.0


def r1_penalty(real_logits: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """``(1/2) E_{x~p} ||grad_x l(x)||^2``, Mescheder et al.'s (2018) zero-centred
    gradient penalty on real data (eq. R1), one value per leading index of
    ``real``; the discriminator adds ``gamma`` times it to its loss, which pulls
    its slope on the data, where the game should come to rest, to zero."""
    (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return grad.pow(2).sum(dim=(-2, -1)) / (2 * real_logits.shape[-1])


def _stacked(modules):
    """The parameters of identical modules stacked along a new first dimension,
    and a parameter-free copy to call them with (``torch.func``)."""
    params, _ = stack_module_state(modules)
    return params, copy.deepcopy(modules[0]).to("meta")


def train_gans(density, seeds, config: GANConfig, device=None):
    """Train one GAN per seed, all at once, and return ``(gans, histories)``.

    Each step the discriminator takes one Adam step on ``-V`` (plus ``gamma``
    times eq. R1 when ``config.r1 = gamma > 0``) and the generator one on its
    loss (alternating updates, Goodfellow et al., Algorithm 1). Seed
    ``s`` fixes its GAN's initial weights and all its noise and data, so a run
    does not depend on which other seeds train beside it; the networks of all
    seeds are stacked and evaluated together with ``torch.func.vmap``.
    """
    seeds = list(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct and non-empty, got {seeds}")
    device = torch.device(device or default_device())
    gans = []
    for seed in seeds:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            gans.append(config.build())
    rngs = [torch.Generator().manual_seed(seed) for seed in seeds]
    g_params, g_net = _stacked([gan.generator for gan in gans])
    d_params, d_net = _stacked([gan.discriminator for gan in gans])
    g_params = {
        k: v.detach().to(device).requires_grad_() for k, v in g_params.items()
    }
    d_params = {
        k: v.detach().to(device).requires_grad_() for k, v in d_params.items()
    }
    generate = vmap(lambda p, z: functional_call(g_net, p, (z,)))
    judge = vmap(lambda p, x: functional_call(d_net, p, (x,)))
    d_loss_fn = vmap(discriminator_loss)
    g_loss_fn = vmap(GENERATOR_LOSSES[config.generator_loss])

    optimizers = [
        torch.optim.Adam(params.values(), lr=config.lr, betas=config.betas)
        for params in (d_params, g_params)
    ]
    schedulers = (
        [
            torch.optim.lr_scheduler.CosineAnnealingLR(opt, config.steps)
            for opt in optimizers
        ]
        if config.cosine_schedule
        else []
    )
    n = config.batch_size * config.pack  # samples per step, real and generated

    def draw(fn):
        return torch.stack([fn(rng) for rng in rngs]).to(device)

    eval_z = draw(
        lambda r: torch.randn(config.eval_samples, config.z_dim, generator=r)
    )
    histories = [GANHistory() for _ in seeds]
    window, recorded = torch.zeros(2, len(seeds), device=device), 0
    start = time.perf_counter()
    for step in range(1, config.steps + 1):
        real = draw(lambda r: density.sample(n, r))
        z = draw(lambda r: torch.randn(n, config.z_dim, generator=r))
        # [one step of the game]
        fake = generate(g_params, z)
        penalize = config.r1 > 0 and step % config.r1_every == 0
        real.requires_grad_(penalize)
        real_logits = judge(d_params, real)
        d_loss = d_loss_fn(real_logits, judge(d_params, fake.detach()))
        gamma = config.r1 * config.r1_every  # lazy: rarer, but as strong on average
        penalty = gamma * r1_penalty(real_logits, real) if penalize else 0
        optimizers[0].zero_grad()
        (d_loss + penalty).sum().backward()  # each seed gets its own gradient
        optimizers[0].step()
        g_loss = g_loss_fn(judge(d_params, fake))
        optimizers[1].zero_grad()
        g_loss.sum().backward()
        optimizers[1].step()
        # [end of the step]
        for scheduler in schedulers:
            scheduler.step()
        window += torch.stack([d_loss.detach(), g_loss.detach()])
        if step % config.record_every == 0 or step == config.steps:
            with torch.no_grad():
                samples = generate(g_params, eval_z).cpu()
            losses = (window / (step - recorded)).cpu()
            window.zero_()
            recorded = step
            for k, history in enumerate(histories):
                coverage = mode_coverage(samples[k], density.centers, density.std)
                history.steps.append(step)
                history.discriminator_loss.append(losses[0, k].item())
                history.generator_loss.append(losses[1, k].item())
                history.modes_covered.append(coverage.modes_covered)
                history.high_quality.append(coverage.high_quality)
                history.counts.append(coverage.counts)
    seconds = time.perf_counter() - start
    for k, (gan, history) in enumerate(zip(gans, histories, strict=True)):
        history.seconds = seconds
        with torch.no_grad():
            for name, p in gan.generator.named_parameters():
                p.copy_(g_params[name][k].cpu())
            for name, p in gan.discriminator.named_parameters():
                p.copy_(d_params[name][k].cpu())
    return gans, histories


# Vanishing gradients ----------------------------------------------------------


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
    step = 0
    for target in checkpoints:
        while step < target:
            with torch.no_grad():
                fake = g(torch.randn(n, z_dim, generator=rng))
            loss = discriminator_loss(fresh(density.sample(n, rng)), fresh(fake))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
        result["d_steps"].append(step)
        for name in GENERATOR_LOSSES:
            norms = [generator_gradient_norm(probe, z, name) for z in probe_z]
            result[name].append(sum(norms) / batches)
        with torch.no_grad():
            fake_logits = fresh(g(probe_z.reshape(-1, z_dim)))
        result["d_fake"].append(torch.sigmoid(fake_logits).mean().item())
    return result
