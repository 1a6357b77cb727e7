"""Training GANs: one run's configuration and history, and the trainer of
(eq. minimax), several seeds at once through ``torch.func``."""

import copy
import time
from dataclasses import asdict, dataclass, field

import torch
from torch.func import functional_call, stack_module_state, vmap

from .. import budget
from ..runtime import check_positive_int, default_device, fast_matmul, to_device
from .model import GAN, Discriminator, Generator
from .modes import mode_coverage
from .objectives import GENERATOR_LOSSES, discriminator_loss, r1_penalty


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
            "record_every",
            "eval_samples",
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

    on_gpu = {"fused": True} if device.type == "cuda" else {}
    optimizers = [
        torch.optim.Adam(params.values(), lr=config.lr, betas=config.betas,
                         **on_gpu)
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

    def draw(fn):  # on the CPU from each seed's generator, then sent on
        return to_device(torch.stack([fn(rng) for rng in rngs]), device)

    eval_z = draw(
        lambda r: torch.randn(config.eval_samples, config.z_dim, generator=r)
    )
    histories = [GANHistory() for _ in seeds]
    window, recorded = torch.zeros(2, len(seeds), device=device), 0
    plan = budget.current_plan()
    run = budget.start("GAN", config.steps, identity=None if plan is None else (
        asdict(config), seeds, type(density).__name__, vars(density),
        device.type))
    if run.state is not None:  # what an earlier call left
        saved = run.state
        for params, stored in ((g_params, saved["g"]), (d_params, saved["d"])):
            with torch.no_grad():
                for name, p in params.items():
                    p.copy_(stored[name])
        histories, recorded, seconds = saved["histories"], saved["recorded"], 0.0
        if not run.finished_before:
            for opt, state in zip(optimizers, saved["optimizers"], strict=True):
                opt.load_state_dict(state)
            for scheduler, state in zip(schedulers, saved["schedulers"],
                                        strict=True):
                scheduler.load_state_dict(state)
            for rng, state in zip(rngs, saved["rngs"], strict=True):
                rng.set_state(state)
            window += saved["window"].to(device)
    step = run.done_before
    start = time.perf_counter()
    with fast_matmul(device):  # the steps' products in TF32 on a GPU
        for step in range(run.first_step, run.steps + 1):
            real = draw(lambda r: density.sample(n, r))
            z = draw(lambda r: torch.randn(n, config.z_dim, generator=r))
            # [one step of the game]
            fake = generate(g_params, z)
            penalize = config.r1 > 0 and step % config.r1_every == 0
            real.requires_grad_(penalize)
            real_logits = judge(d_params, real)
            d_loss = d_loss_fn(real_logits, judge(d_params, fake.detach()))
            gamma = config.r1 * config.r1_every  # lazy: rarer, as strong on average
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
            stop = run.expired(step)
            if (stop or step == run.steps) and budget.placement_unchecked(
                    asdict(config), len(seeds)):
                _check_step_placement(config, g_params, d_params, generate, judge,
                                      real, z)
            if step % config.record_every == 0 or step == run.steps:
                with torch.no_grad():
                    samples = generate(g_params, eval_z).cpu()
                losses = (window / (step - recorded)).cpu()
                window.zero_()
                recorded = step
                _record(histories, samples, losses, step, density)
            if stop:
                break
    seconds = time.perf_counter() - start + (histories[0].seconds
                                             if run.state is not None else 0.0)
    done = max(step, run.done_before)

    def state() -> dict:
        saved = {"g": {k: v.detach().cpu() for k, v in g_params.items()},
                 "d": {k: v.detach().cpu() for k, v in d_params.items()},
                 "histories": histories, "recorded": recorded}
        if not run.complete(done):
            saved |= {"optimizers": [o.state_dict() for o in optimizers],
                      "schedulers": [s.state_dict() for s in schedulers],
                      "rngs": [rng.get_state() for rng in rngs],
                      "window": window.cpu()}
        return saved

    for history in histories:
        history.seconds = seconds
    run.finish(done, state)
    for k, gan in enumerate(gans):
        with torch.no_grad():
            for name, p in gan.generator.named_parameters():
                p.copy_(g_params[name][k].cpu())
            for name, p in gan.discriminator.named_parameters():
                p.copy_(d_params[name][k].cpu())
    return gans, histories


def _record(histories, samples, losses, step, density) -> None:
    """Append one record to each seed's history: the mean losses since the
    last record, and the mode coverage of the samples."""
    for k, history in enumerate(histories):
        coverage = mode_coverage(samples[k], density.centers, density.std)
        history.steps.append(step)
        history.discriminator_loss.append(losses[0, k].item())
        history.generator_loss.append(losses[1, k].item())
        history.modes_covered.append(coverage.modes_covered)
        history.high_quality.append(coverage.high_quality)
        history.counts.append(coverage.counts)


def _check_step_placement(config, g_params, d_params, generate, judge, real, z):
    """A dry run's check that the step makes every tensor on the networks'
    device: the game's losses once more, everything on ``meta``."""

    def step():
        g = {k: v.detach().to("meta").requires_grad_() for k, v in g_params.items()}
        d = {k: v.detach().to("meta").requires_grad_() for k, v in d_params.items()}
        x = real.detach().to("meta").requires_grad_(config.r1 > 0)
        fake = generate(g, z.to("meta"))
        logits = judge(d, x)
        d_loss = discriminator_loss(logits, judge(d, fake.detach())).sum()
        if config.r1 > 0:
            d_loss = d_loss + r1_penalty(logits, x).sum()
        d_loss.backward()
        GENERATOR_LOSSES[config.generator_loss](judge(d, fake)).sum().backward()

    budget.check_placement(step, "GAN")
