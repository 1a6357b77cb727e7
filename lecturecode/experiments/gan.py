"""Experiments of the chapter "GANs: likelihood-free learning and its three
troubles" (lecture 18.1.1): GANs with and without packing on the ring and the grid
of Gaussians across seeds (on the grid also with the book's grid recipe), the
generator's gradient as the discriminator trains, and a flow fitted to the same
ring.

Every run is reported as a ``ModelResult``. A GAN has no likelihood, so its
``test_nll`` is ``None`` and what it is measured by, the modes it covers of how
many and its share of high-quality samples, is in ``extra``
(``modes_covered``, ``modes_total``, ``high_quality``), as is the flow's mode
coverage beside its test NLL. Sizes come from ``by_scale``: the chapter runs these
at the reader's scale, the GPU job under ``LECTURE_SCALE=full``.
"""

import math
import statistics
import time
from dataclasses import asdict, replace

import matplotlib.pyplot as plt
import torch

from ..data import (
    GridOfGaussians,
    RingOfGaussians,
    draw_splits,
    load_digit_labels,
    load_digits,
)
from ..data.digits import SHAPE
from ..flows import FlowModel, coupling_flow
from ..gan import (
    GANConfig,
    gradients_as_discriminator_trains,
    mode_coverage,
    mode_shares,
)
from ..gan import train_gans as _train_gans
from ..plotting import plot_samples
from ..runtime import count_parameters, default_device
from ..scale import by_scale, current_scale
from ..train import fit
from .base import ModelResult, evaluate, register
from .cache import cached

# The two benchmarks as VEEGAN and PacGAN define them: the ring of 8 with radius 2
# and std 0.02 (unrolled GANs' ring; PacGAN's code scales it to radius 1, std
# 0.01) and the 5 x 5 grid with spacing 2 and std 0.05 (PacGAN's code).
DATASETS = {
    "ring": lambda: RingOfGaussians(modes=8, radius=2.0, std=0.02),
    "grid": lambda: GridOfGaussians(side=5, spacing=2.0, std=0.05),
}
EVAL_SAMPLES = 2500  # as in VEEGAN and PacGAN, so the numbers compare
PACK = 4  # PacGAN4, the packing degree with the best grid numbers in PacGAN
# The generators compared, as (noise dimension, hidden layers): the shape of
# Metz et al.'s (2017, appendix A), and one with 2-d noise and a layer more.
GENERATORS = {"256-d noise, 2 layers": (256, 2), "2-d noise, 3 layers": (2, 3)}
METZ = "256-d noise, 2 layers"
# The book's grid recipe, chosen on seeds 100-104 (not the reported ones): both
# networks in units of the grid's root-mean-square coordinate, Mescheder et al.'s
# R1 penalty with weight gamma, applied lazily every few steps (Karras et al.,
# 2020), and this many times the steps.
GRID_RECIPE = dict(r1=1.0, r1_every=4, steps_factor=3)


def rms_coordinate(density) -> float:
    """``sqrt(E x_i^2)`` for a centred mixture of isotropic Gaussians: the mean
    squared coordinate of its centres plus ``std^2``."""
    return (density.centers.pow(2).mean() + density.std**2).sqrt().item()


def gan_config(
    pack: int = 1, generator: str = METZ, grid_recipe: bool = False, **overrides
) -> GANConfig:
    """The architecture and optimizer shared by every GAN run, at the current
    scale. ``generator`` names one of ``GENERATORS``: its noise dimension and
    number of hidden ReLU layers. The discriminator has four hidden LeakyReLU
    layers; ``pack`` groups its input (PacGAN) with the same number of samples
    per step, so every run sees the same data.

    ``grid_recipe`` adds the book's recipe for the grid (``GRID_RECIPE``): both
    networks work in units ``s`` of the grid's root-mean-square coordinate (they
    read ``x / s`` and write ``s`` times their output), the discriminator pays
    the R1 penalty, and training takes more steps."""
    if generator not in GENERATORS:
        raise ValueError(
            f"generator must be one of {list(GENERATORS)}, got {generator!r}"
        )
    z_dim, layers = GENERATORS[generator]
    samples = by_scale(smoke=128, quick=256, full=512)
    steps = by_scale(smoke=300, quick=3000, full=6000)
    record_every = by_scale(smoke=50, quick=100, full=200)
    factor = GRID_RECIPE["steps_factor"]  # as many records, further apart
    recipe = (
        dict(
            data_scale=rms_coordinate(DATASETS["grid"]()),
            r1=GRID_RECIPE["r1"],
            r1_every=GRID_RECIPE["r1_every"],
            steps=factor * steps,
            record_every=factor * record_every,
        )
        if grid_recipe
        else {}
    )
    config = GANConfig(
        pack=pack,
        z_dim=z_dim,
        hidden=by_scale(smoke=32, quick=64, full=128),
        generator_layers=layers,
        discriminator_layers=4,
        steps=steps,
        batch_size=samples // pack,
        lr=1e-3,
        record_every=record_every,
        eval_samples=EVAL_SAMPLES,
    )
    return replace(config, **{**recipe, **overrides})


def gan_recipe(config: GANConfig) -> dict:
    """The recipe card's items of a GAN run (``extra["recipe"]``), from the
    config it trained with: ``batch_size`` counts samples per step (a packed
    discriminator judges them in groups of ``pack``); the R1 items and the data
    scale appear only where the grid recipe sets them."""
    penalized = config.r1 > 0
    return dict(
        steps=config.steps,
        batch_size=config.batch_size * config.pack,
        lr=config.lr,
        weight_decay=0.0,
        schedule="cosine" if config.cosine_schedule else "constant",
        adam_betas=", ".join(f"{b:g}" for b in config.betas),
        generator_loss=config.generator_loss,
        pack=config.pack if config.pack > 1 else None,
        r1=config.r1 if penalized else None,
        r1_every=config.r1_every if penalized else None,
        data_scale=(round(config.data_scale, 3) if config.data_scale != 1.0
                    else None),
    )


def model_name(pack: int, generator: str, grid_recipe: bool = False) -> str:
    name = ("GAN" if pack == 1 else f"PacGAN{pack}") + f" ({generator}"
    return name + (", grid recipe)" if grid_recipe else ")")


@cached
def mode_collapse_runs(
    dataset: str,
    seeds,
    pack: int,
    generator: str,
    device=None,
    grid_recipe: bool = False,
    **overrides,
) -> tuple[list[ModelResult], list]:
    """Train one GAN per seed on ``dataset`` ("ring" or "grid"), with the grid
    recipe when ``grid_recipe`` (see ``gan_config``), and measure each on
    fresh samples. Returns the results (the measures in ``extra``) and the
    trained GANs."""
    if dataset not in DATASETS:
        raise ValueError(
            f"dataset must be one of {list(DATASETS)}, got {dataset!r}"
        )
    density = DATASETS[dataset]()
    config = gan_config(pack, generator, grid_recipe, **overrides)
    device = torch.device(device or default_device())
    gans, histories = _train_gans(density, seeds, config, device)
    results = []
    for seed, gan, history in zip(seeds, gans, histories, strict=True):
        samples = gan.sample(
            EVAL_SAMPLES, torch.Generator().manual_seed(10**6 + seed)
        )
        coverage = mode_coverage(samples, density.centers, density.std)
        results.append(
            ModelResult(
                model=model_name(pack, generator, grid_recipe),
                dataset=dataset,
                test_nll=None,  # a GAN has no likelihood
                bits_per_dim=None,
                parameters=count_parameters(gan),
                train_seconds=history.seconds,
                device=str(device),
                seed=seed,
                scale=current_scale(),
                extra=dict(
                    modes_covered=coverage.modes_covered,
                    modes_total=len(density.centers),
                    high_quality=coverage.high_quality,
                    counts=coverage.counts,
                    shares=mode_shares(samples, density.centers),
                    steps=config.steps,
                    seeds_trained_together=len(seeds),
                    history=asdict(history),
                    recipe=gan_recipe(config),
                ),
            )
        )
    return results, gans


def summarize(results: list[ModelResult]) -> dict:
    """Median, range, mean and standard deviation over seeds of modes covered
    and high-quality share (in %), per (model, dataset), from the runs'
    ``extra``."""
    groups = {}
    for r in results:
        groups.setdefault((r.model, r.dataset), []).append(r.extra)
    summary = {}
    for key, runs in groups.items():
        row = dict(seeds=len(runs), modes_total=runs[0]["modes_total"])
        for name, values in (
            ("modes", [r["modes_covered"] for r in runs]),
            ("high_quality", [100 * r["high_quality"] for r in runs]),
        ):
            row[name] = statistics.mean(values)
            row[f"{name}_std"] = statistics.stdev(values) if len(runs) > 1 else 0.0
            row[f"{name}_median"] = statistics.median(values)
            row[f"{name}_min"], row[f"{name}_max"] = min(values), max(values)
        summary[key] = row
    return summary


def dominant_modes(history: dict) -> list[int | None]:
    """The mode holding the most high-quality samples at each record of a run's
    history (``None`` where no sample is high quality)."""
    return [
        max(range(len(counts)), key=counts.__getitem__) if sum(counts) else None
        for counts in history["counts"]
    ]


def mode_changes(history: dict) -> list[int]:
    """The steps at which the dominant mode differs from the one at the previous
    record that had one: a generator that settles changes it rarely, one that is
    chased from mode to mode, often."""
    steps, changes, previous = history["steps"], [], None
    for step, mode in zip(steps, dominant_modes(history), strict=True):
        if mode is None:
            continue
        if previous is not None and mode != previous:
            changes.append(step)
        previous = mode
    return changes


def seeds() -> list[int]:
    """The seeds of the mode-collapse table at the current scale."""
    return list(range(by_scale(smoke=2, quick=5, full=5)))


# (data set, pack, generator, grid recipe) of every mode-collapse run, in the
# chapter's order
RUNS = [
    ("ring", 1, METZ, False),
    ("ring", PACK, METZ, False),
    ("ring", 1, "2-d noise, 3 layers", False),
    ("grid", 1, "2-d noise, 3 layers", False),
    ("grid", 1, "2-d noise, 3 layers", True),
]


# Pixel distance is not similarity (the lecture's first point) --------------------


def shift_right(images: torch.Tensor, pixels: int = 1) -> torch.Tensor:
    """Flattened 8x8 ``images`` moved ``pixels`` to the right: the last columns
    fall off, blank (0) columns come in on the left."""
    grid = images.view(-1, *SHAPE)
    moved = torch.zeros_like(grid)
    moved[..., pixels:] = grid[..., : SHAPE[1] - pixels]
    return moved.flatten(1)


def pixel_distances(pixels: int = 1) -> dict:
    """Euclidean distances between grey digits (levels 0..16): from every test
    digit to itself moved ``pixels`` to the right, and to the nearest training
    digit of another class. Returns the two distances per test image
    (``"shifted"``, ``"other_class"``), the index of that other digit in the
    training split (``"other_index"``), and the splits' images and labels."""
    images, labels = load_digits("grey"), load_digit_labels()
    test, train = images["test"], images["train"]
    distances = torch.cdist(test, train)
    same_class = labels["test"].unsqueeze(1) == labels["train"].unsqueeze(0)
    other = distances.masked_fill(same_class, float("inf")).min(dim=1)
    return dict(
        shifted=(shift_right(test, pixels) - test).norm(dim=1),
        other_class=other.values,
        other_index=other.indices,
        images=images,
        labels=labels,
    )


# Vanishing gradients ------------------------------------------------------------


def gradient_study(gan, dataset: str = "ring", seed: int = 0) -> dict:
    """The generator's gradient norm under both losses while a fresh
    discriminator trains against ``gan``'s frozen generator."""
    last = by_scale(smoke=300, quick=3000, full=3000)
    checkpoints = [0] + [
        c for c in (10, 30, 100, 300, 1000, 3000, 10000) if c < last
    ]
    return gradients_as_discriminator_trains(
        gan,
        DATASETS[dataset](),
        checkpoints + [last],
        batch_size=by_scale(smoke=128, quick=256, full=256),
        lr=1e-3,
        seed=seed,
        batches=by_scale(smoke=4, quick=10, full=20),
    )


# Likelihood-based, on the same ring -------------------------------------------


@cached
def flow_on_ring(seed: int = 0, device=None) -> ModelResult:
    """Fit a RealNVP (affine couplings, the flow chapters' ``coupling_flow``) to
    the ring by maximum likelihood; report its exact test NLL and, in ``extra``,
    the mode coverage of its samples, the share of them near each mode, and the
    entropy of the ring (the lowest NLL any model can reach).
    """
    ring = DATASETS["ring"]()
    generator = torch.Generator().manual_seed(seed)
    n_train = by_scale(smoke=5000, quick=20000, full=50000)
    splits = draw_splits(ring, n_train, generator=generator)
    device = torch.device(device or default_device())
    size = by_scale(
        smoke=dict(couplings=6, hidden=32),
        quick=dict(couplings=8, hidden=64),
        full=dict(couplings=8, hidden=128),
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        flow = coupling_flow(2, coupling="affine", layers=2, **size)
    model = FlowModel(flow).to(device)
    steps = by_scale(smoke=400, quick=3000, full=5000)
    fit_result = fit(
        model,
        splits["train"].to(device),
        val=splits["val"].to(device),
        steps=steps,
        batch_size=256,
        lr=3e-3,
        seed=seed,
    )
    samples = model.sample(EVAL_SAMPLES, generator).cpu()
    coverage = mode_coverage(samples, ring.centers, ring.std)
    test = splits["test"]
    entropy = -ring.log_prob(test.double()).mean().item()
    return evaluate(
        model,
        name=f"RealNVP: {size['couplings']} affine couplings",
        dataset="ring",
        test=test.to(device),
        fit_result=fit_result,
        seed=seed,
        modes_covered=coverage.modes_covered,
        high_quality=coverage.high_quality,
        counts=coverage.counts,
        shares=mode_shares(samples, ring.centers),
        entropy=entropy,
        steps=steps,
        **size,
    )


# The full-scale job ---------------------------------------------------------------


def run_all(device=None, seed: int = 0) -> dict:
    """Every GAN experiment of the chapter at the current scale: the ``RUNS``
    (seeds ``seed + seeds()``), the gradient study on the first trained ring GAN,
    and the flow on the ring."""
    runs, gradients = {}, {}
    for dataset, pack, generator, grid_recipe in RUNS:
        runs[(model_name(pack, generator, grid_recipe), dataset)] = (
            mode_collapse_runs(
                dataset,
                [seed + s for s in seeds()],
                pack,
                generator,
                device,
                grid_recipe,
            )
        )
    trained = runs[(model_name(*RUNS[0][1:]), "ring")][1][0]
    for key, gan in (("untrained", gan_config().build()), ("trained", trained)):
        start = time.perf_counter()
        gradients[key] = gradient_study(gan, seed=seed)
        gradients[key]["seconds"] = time.perf_counter() - start
    flow = flow_on_ring(seed, device)
    return dict(runs=runs, gradients=gradients, flow=flow)


@register(
    "gan",
    chapter="book/gans/gan_recap",
    description="GAN and PacGAN on the ring and the grid over seeds, the "
    "generator's gradient norms, a flow on the ring",
)
def full_scale_job(context) -> list:
    report = run_all(context.device, context.seed)
    results = [r for rs, _ in report["runs"].values() for r in rs]
    fig = plot_runs(report["runs"])
    context.savefig(fig, "samples")
    plt.close(fig)
    generator_size = count_parameters(gan_config().build().generator)
    gradients = [
        ModelResult(
            model=f"gradient study, {key} generator",
            dataset="ring",
            test_nll=None,
            bits_per_dim=None,
            parameters=generator_size,
            train_seconds=sweep.pop("seconds"),
            device="cpu",  # the study trains its discriminator on the CPU
            seed=context.seed,
            scale=current_scale(),
            extra=sweep,
        )
        for key, sweep in report["gradients"].items()
    ]
    return [*results, *gradients, report["flow"]]


def plot_runs(runs: dict, n: int = EVAL_SAMPLES, seed: int = 0):
    """Samples of each run's first seed, one row per data set that ``runs``
    trained on, beside the data."""
    generator = torch.Generator().manual_seed(seed)
    names = [name for name in DATASETS if any(d == name for _, d in runs)]
    columns = 1 + max(sum(dataset == name for _, dataset in runs) for name in names)
    fig, axes = plt.subplots(
        len(names), columns, figsize=(3.7 * columns, 3.7 * len(names)),
        squeeze=False,
    )
    for row, name in enumerate(names):
        density = DATASETS[name]()
        lim = 1.3 * density.centers.abs().max().item()
        plot_samples(
            axes[row, 0], density.sample(n, generator), lim, f"data: {name}"
        )
        models = [model for model, dataset in runs if dataset == name]
        for col, model in enumerate(models, start=1):
            results, gans = runs[(model, name)]
            plot_samples(
                axes[row, col],
                gans[0].sample(n, generator),
                lim,
                f"{model}, seed {results[0].seed}:\n"
                f"{results[0].extra['modes_covered']} modes, "
                f"{100 * results[0].extra['high_quality']:.0f}% HQ",
                f"C{col}",
            )
        for ax in axes[row, 1 + len(models) :]:
            ax.axis("off")
    return fig


def plot_game_paths(paths: dict):
    """The iterates of each named path of 2-D points started at ``(1, 0)``, with
    the equilibrium at the origin: the figure of the step map (eq-gan-gda)."""
    fig, ax = plt.subplots(figsize=(5, 5))
    for label, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], lw=1.2, label=label)
    ax.plot([0], [0], "k*", ms=10, label="equilibrium / minimum")
    ax.plot([1], [0], "ko", ms=4)
    ax.set_aspect("equal")
    ax.set(xlabel="$x$", ylabel="$y$")
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    return fig


def plot_training(results: list[ModelResult]):
    """What the records of a GAN run show over training: the first seed's two
    losses (dotted: their values at ``D = 1/2``, eq-gan-minimax), the modes
    covered by every seed, and the first seed's share of samples per mode."""
    history = results[0].extra["history"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.4))
    axes[0].plot(history["steps"], history["discriminator_loss"],
                 label="discriminator, $-V$")
    axes[0].plot(history["steps"], history["generator_loss"],
                 label=r"generator, $-\mathbb{E}\log D(g(z))$")
    axes[0].axhline(math.log(4), color="C0", ls=":", lw=1)
    axes[0].axhline(math.log(2), color="C1", ls=":", lw=1)
    axes[0].set_ylabel("loss (nats), averaged between records")
    for result in results:
        h = result.extra["history"]
        axes[1].plot(h["steps"], h["modes_covered"], lw=1,
                     label=f"seed {result.seed}")
    total = results[0].extra["modes_total"]
    axes[1].set(ylim=(0, total + 0.5), ylabel=f"modes covered (of {total})")
    shares = torch.tensor(history["counts"], dtype=torch.float64).T / EVAL_SAMPLES
    image = axes[2].imshow(shares, aspect="auto", origin="lower", cmap="Greys",
                           extent=(0, history["steps"][-1], -0.5, total - 0.5))
    axes[2].set_ylabel("mode")
    axes[2].set_title(f"seed {results[0].seed}: share of samples, high quality, "
                      "per mode", fontsize=9)
    fig.colorbar(image, ax=axes[2])
    for ax in axes:
        ax.set_xlabel("training step")
    for ax in axes[:2]:
        ax.legend(frameon=False, fontsize=8)
    return fig


def plot_gradient_study(sweeps: dict):
    """For each named ``gradient_study`` sweep, the norm of the generator's
    gradient under the saturating and the non-saturating loss, and the mean
    ``D(g(z))``, against the steps of a fresh discriminator trained on the
    frozen generator."""
    fig, axes = plt.subplots(1, len(sweeps), figsize=(5.5 * len(sweeps), 3.6))
    for ax, (title, sweep) in zip(axes, sweeps.items(), strict=True):
        ax.plot(sweep["d_steps"], sweep["non-saturating"], "o-",
                label="non-saturating")
        ax.plot(sweep["d_steps"], sweep["saturating"], "s-", label="saturating")
        ax.plot(sweep["d_steps"], sweep["d_fake"], "k:", label=r"mean $D(g(z))$")
        ax.set_xscale("symlog", linthresh=10)
        ax.set_yscale("log")
        ax.set_xlabel("discriminator steps against the frozen generator")
        ax.set_title(title, fontsize=10)
    axes[0].set_ylabel(r"$\|\nabla_\theta L_g\|$")
    axes[0].legend(frameon=False, fontsize=8)
    return fig


def plot_pixel_distances(distances: dict, example: int = 0):
    """A test digit of ``pixel_distances``, the same moved one pixel right, and the
    nearest training digit of another class, with their pixel distances."""
    images, labels = distances["images"], distances["labels"]
    digit = images["test"][example : example + 1]
    nearest = distances["other_index"][example]
    panels = [
        (digit, f"test digit: a {labels['test'][example].item()}"),
        (shift_right(digit), "the same, one pixel right\n"
         f"distance {distances['shifted'][example]:.1f}"),
        (images["train"][nearest : nearest + 1],
         f"nearest other class: a {labels['train'][nearest].item()}\n"
         f"distance {distances['other_class'][example]:.1f}"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(7, 2.8))
    for ax, (image, title) in zip(axes, panels, strict=True):
        ax.imshow(image.view(*SHAPE), cmap="gray_r", vmin=0, vmax=16)
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    return fig


def js_divergence(a: torch.Tensor, b: torch.Tensor) -> float:
    """Jensen–Shannon divergence (nats) between two discrete distributions,
    ``(KL(a || m) + KL(b || m)) / 2`` with ``m = (a + b) / 2``."""
    m = (a + b) / 2
    return sum(
        (u[u > 0] * (u[u > 0] / m[u > 0]).log()).sum().item() / 2 for u in (a, b)
    )


def training_measures(results: list[ModelResult]) -> dict:
    """What a GAN run's records say over training: the first seed's
    discriminator loss at the start, at its lowest (and that step) and at the
    end, its high-quality share (%) at the first and last record, and how often
    the dominant mode changes (``mode_changes``) over the seeds."""
    history = results[0].extra["history"]
    d_loss = history["discriminator_loss"]
    low = d_loss.index(min(d_loss))
    changes = [mode_changes(r.extra["history"]) for r in results]
    counts = [len(c) for c in changes]
    return dict(
        d_loss_start=d_loss[0], d_loss_min=d_loss[low], d_loss_end=d_loss[-1],
        d_loss_min_step=history["steps"][low],
        hq_first=100 * history["high_quality"][0],
        hq_last=100 * history["high_quality"][-1],
        changes_first=counts[0], changes_median=statistics.median(counts),
        changes_min=min(counts), changes_max=max(counts),
        last_change=statistics.median(c[-1] if c else 0 for c in changes),
    )


def flow_measures(flow: ModelResult, gan: ModelResult, density, n=EVAL_SAMPLES):
    """The flow-against-GAN table on ``density``: the flow's test NLL, its gap to
    the entropy, modes covered and high-quality share (%), the share (%) of its
    samples outside every mode's neighbourhood, and the least and largest share
    (%) near a mode of the data's, the flow's and the GAN's samples."""
    data = mode_shares(density.sample(n, torch.Generator().manual_seed(0)),
                       density.centers)
    measures = dict(
        flow_nll=flow.test_nll, ring_entropy=flow.extra["entropy"],
        flow_gap=flow.test_nll - flow.extra["entropy"],
        flow_modes=flow.extra["modes_covered"],
        flow_hq=100 * flow.extra["high_quality"],
        flow_between=100 * (1 - sum(flow.extra["shares"])),
        gan_first_modes=gan.extra["modes_covered"],
        gan_first_hq=100 * gan.extra["high_quality"],
    )
    for key, shares in (("data", data), ("flow", flow.extra["shares"]),
                        ("gan", gan.extra["shares"])):
        measures[f"{key}_share_min"] = 100 * min(shares)
        measures[f"{key}_share_max"] = 100 * max(shares)
    return measures


def gradient_measures(sweeps: dict) -> dict:
    """The last and first values of each ``gradient_study`` sweep, keyed
    ``<name>_<measure>``: the mean ``D(g(z))`` at the end, the saturating
    gradient norm at the start and end, the non-saturating one at the end, and
    the ratio of the two at the end."""
    measures = {}
    for name, sweep in sweeps.items():
        saturating, non_saturating = sweep["saturating"], sweep["non-saturating"]
        measures.update({
            f"{name}_d_fake": sweep["d_fake"][-1],
            f"{name}_sat_start": saturating[0],
            f"{name}_sat_end": saturating[-1],
            f"{name}_ns_end": non_saturating[-1],
            f"{name}_ratio": saturating[-1] / non_saturating[-1],
        })
    return measures


def summary_measures(rows: dict, names: dict) -> dict:
    """The rows of ``summarize`` flattened for the page's glue: for each
    ``(model, dataset)`` key, ``<names[key]>_<modes|high_quality><suffix>`` with
    the suffixes "" (mean), "_std", "_median", "_min" and "_max"."""
    return {
        f"{names[key]}_{stat}{suffix}": row[stat + suffix]
        for key, row in rows.items()
        for stat in ("modes", "high_quality")
        for suffix in ("", "_std", "_median", "_min", "_max")
    }
