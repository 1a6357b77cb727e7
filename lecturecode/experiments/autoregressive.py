"""Experiments of the autoregressive chapters (lecture 18.2).

Every model is fitted to the binarized digits (``x >= 8``, split rows ``[:1000]``
/ ``[1000:1350]`` / ``[1350:]``) by :func:`lecturecode.train.fit` and scored by
its test NLL in nats per image, so the chapters can put them in one table. The
cost benchmarks time likelihood evaluation and sampling against ``D``; MAF is
fitted to the 2-D densities of the flow chapters.

Sizes come from :func:`lecturecode.scale.by_scale`. On the CPU the models here
are small enough that one thread is faster than several, and much faster when
other jobs share the cores, so training runs single-threaded there.
"""

import statistics
import time

import torch

from ..autoregressive import (
    FVSBN,
    MADE,
    MAF,
    NADE,
    AutoregressiveModel,
    MADEMixture,
    UntiedNADE,
    all_binary_vectors,
    mask_cycling_loss,
)
from ..benchmarks import best_seconds
from ..data import load_digits, toy_splits
from ..flows import Compose, FlowModel
from ..runtime import check_positive_int, cpu_threads, default_device
from ..scale import by_scale
from ..train import fit, negative_log_likelihood
from .base import ModelResult, evaluate, register
from .cache import cached, train_ahead
from .digits import dataset, independent_pixels

DATASET = "binarized digits"
DIM = 64
# The pytorch-made reference run (Karpathy's run.py): one hidden layer of 500,
# batch 100, Adam with learning rate 1e-3 and weight decay 1e-4; on 1000 training
# images, 1000 epochs are 10,000 steps.
REFERENCE = {"hidden": 500, "batch_size": 100, "steps": 10_000}


def binary_digits(device=None) -> dict[str, torch.Tensor]:
    """The train / val / test splits of the binarized digits, on ``device``."""
    return dataset(DATASET, device)


def train_on_digits(
    model,
    name: str,
    *,
    steps: int,
    lr: float,
    weight_decay: float = 0.0,
    batch_size: int = 100,
    seed: int = 0,
    loss_fn=negative_log_likelihood,
    device: torch.device | None = None,
    progress: bool = False,
    **extra,
) -> tuple[torch.nn.Module, ModelResult]:
    """Fit ``model`` on the training digits (best validation step kept) on
    ``device`` (by default :func:`~lecturecode.runtime.default_device`) and
    return it with its test record; ``extra`` is stored in the record."""
    device = device or default_device()
    data = binary_digits(device)
    model = model.to(device)
    with cpu_threads(1, device):
        cpu_start = time.process_time()
        fit_result = fit(
            model,
            data["train"],
            val=data["val"],
            steps=steps,
            lr=lr,
            weight_decay=weight_decay,
            batch_size=batch_size,
            loss_fn=loss_fn,
            seed=seed,
            progress=progress,
        )
        cpu_seconds = time.process_time() - cpu_start
        result = evaluate(
            model,
            name=name,
            dataset=DATASET,
            test=data["test"],
            fit_result=fit_result,
            seed=seed,
            dim=DIM,
            cpu_seconds=cpu_seconds,
            steps=steps,
            best_step=fit_result.best_step,
            val_nll=fit_result.best_val_nll,
            curve=fit_result,
            **extra,
        )
    return model, result


def ranking_seeds() -> list[int]:
    """The seeds a chapter trains where its prose ranks models: three at the
    reader's scale and above, two (enough for a spread) at the smoke scale."""
    return by_scale(smoke=[0, 1], quick=[0, 1, 2], full=[0, 1, 2])


def over_seeds(train, seeds=None, **kwargs) -> list[tuple]:
    """``train(seed=s, **kwargs)`` for every seed of ``seeds`` (by default
    :func:`ranking_seeds`), trained side by side (:func:`train_ahead`): the
    list of ``(model, record)`` pairs."""
    seeds = seeds or ranking_seeds()
    train_ahead(train, [dict(seed=seed, **kwargs) for seed in seeds])
    return [train(seed=seed, **kwargs) for seed in seeds]


def nll_spread(records) -> tuple[float, float]:
    """Mean and sample standard deviation of the test NLLs of ``records``, one
    record per seed."""
    values = [r.test_nll for r in records]
    if len(values) < 2:
        raise ValueError(f"a spread needs at least 2 records, got {len(values)}")
    return statistics.fmean(values), statistics.stdev(values)


@cached
def train_fvsbn(ordering=None, seed: int = 0, name: str = "FVSBN", **run):
    """FVSBN (eq. fvsbn) in the given ordering (raster order by default);
    ``run`` (``device``, ``progress``) goes to :func:`train_on_digits`."""
    torch.manual_seed(seed)
    steps = by_scale(smoke=300, quick=2000, full=4000)
    return train_on_digits(
        FVSBN(DIM, ordering),
        name,
        steps=steps,
        lr=3e-2,
        weight_decay=1e-3,
        seed=seed,
        **run,
    )


@cached
def train_nade(
    hidden: int | None = None, seed: int = 0, name: str = "NADE", **run
):
    """Tied NADE (eq. nade), raster order; ``run`` as in :func:`train_fvsbn`."""
    torch.manual_seed(seed)
    hidden = hidden or by_scale(smoke=50, quick=100, full=100)
    steps = by_scale(smoke=300, quick=2000, full=4000)
    return train_on_digits(
        NADE(DIM, hidden),
        name,
        steps=steps,
        lr=2e-2,
        weight_decay=1e-3,
        seed=seed,
        hidden=hidden,
        recipe={"hidden units": hidden},
        **run,
    )


@cached
def train_made(
    num_masks: int = 1,
    ordering="random",
    hidden_sizes=None,
    seed: int = 0,
    name: str | None = None,
    **run,
):
    """MADE (eq. made) with one hidden layer and a random ordering drawn from
    ``seed``. With ``num_masks > 1`` every training step moves to the next mask
    set (order- and connectivity-agnostic training), and the returned model is
    the mixture of all sets, the test-time ensemble. A single mask set sees one
    network only and overfits sooner, so it gets ten times the weight decay."""
    torch.manual_seed(seed)
    hidden_sizes = hidden_sizes or (500,)
    made = MADE(
        DIM, hidden_sizes, ordering=ordering, num_masks=num_masks, seed=seed
    )
    steps = by_scale(smoke=300, quick=2500, full=5000)
    single = num_masks == 1
    return train_on_digits(
        made if single else MADEMixture(made),
        name or ("MADE" if single else f"MADE, mixture of {num_masks} mask sets"),
        steps=steps,
        lr=1e-2,
        weight_decay=1e-2 if single else 1e-3,
        seed=seed,
        loss_fn=negative_log_likelihood if single else mask_cycling_loss,
        hidden_sizes=list(hidden_sizes),
        num_masks=num_masks,
        recipe=made_recipe(hidden_sizes, num_masks),
        **run,
    )


def made_recipe(hidden_sizes, num_masks: int) -> dict:
    """What a MADE's recipe card adds to the fit's settings: its hidden layers
    and the number of mask sets it trained with."""
    return {"hidden units": ", ".join(map(str, hidden_sizes)),
            "mask sets": num_masks}


@cached
def train_made_reference(seed: int = 0, **run):
    """The recipe of the pytorch-made reference run: one hidden layer of 500, one
    mask set with a random ordering (its default), batch 100, Adam with learning
    rate 1e-3 and weight decay 1e-4, 1000 epochs of the 1000 training images
    (10,000 steps), best validation step. (The reference decays its learning rate
    in steps; we use our loop's cosine schedule.) Its training time is the budget
    the other models are held to."""
    torch.manual_seed(seed)
    steps = by_scale(smoke=300, quick=REFERENCE["steps"], full=REFERENCE["steps"])
    return train_on_digits(
        MADE(DIM, (REFERENCE["hidden"],), ordering="random", seed=seed),
        "MADE, reference recipe",
        steps=steps,
        lr=1e-3,
        weight_decay=1e-4,
        batch_size=REFERENCE["batch_size"],
        seed=seed,
        hidden_sizes=[REFERENCE["hidden"]],
        num_masks=1,
        recipe=made_recipe([REFERENCE["hidden"]], 1),
        **run,
    )


@cached
def made_on_pixels(pixels, num_masks: int, ordering="random", seed: int = 0):
    """A MADE with ``num_masks`` mask sets trained on a few pixels of the digits
    (few enough to enumerate every binary vector): for the exhaustive checks of
    ensembles on a trained model rather than a random one."""
    torch.manual_seed(seed)
    data = {k: v[:, pixels] for k, v in load_digits("binary").items()}
    made = MADE(
        len(pixels), (64,), ordering=ordering, num_masks=num_masks, seed=seed
    )
    with cpu_threads(1, torch.device("cpu")):
        fit(
            MADEMixture(made),
            data["train"],
            val=data["val"],
            steps=by_scale(smoke=300, quick=1500, full=1500),
            lr=1e-2,
            batch_size=100,
            loss_fn=mask_cycling_loss,
            seed=seed,
        )
    return made.double(), data


def exact_kl_fit(model, target_log_p: torch.Tensor, steps: int | None = None):
    """Fit ``model`` to a distribution on ``{0,1}^D`` given by its log-probability
    on all ``2^D`` vectors (in the order of ``all_binary_vectors``), minimizing
    the exact ``KL(p || q) = sum_x p(x) (log p(x) - log q(x))`` with L-BFGS in
    float64. Returns the KL in nats at the end. For an FVSBN the objective is
    convex in the parameters, so this is the best the model can do."""
    steps = steps or by_scale(smoke=100, quick=300, full=300)
    model = model.double()
    x = all_binary_vectors(model.dim)
    p = target_log_p.double().exp()
    optimizer = torch.optim.LBFGS(
        model.parameters(),
        lr=1,
        max_iter=steps,
        history_size=50,
        tolerance_grad=1e-12,
        tolerance_change=1e-14,
        line_search_fn="strong_wolfe",
    )

    def closure():
        optimizer.zero_grad()
        loss = -(p * model.log_prob(x)).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        log_q = model.log_prob(x)
        return (p * (target_log_p.double() - log_q)).sum().item()


# The cost of evaluation and sampling against D ---------------------------------


COST_MODELS = {
    "FVSBN": lambda dim, hidden: FVSBN(dim),
    "NADE, untied": lambda dim, hidden: UntiedNADE(dim, hidden),
    "NADE, tied": lambda dim, hidden: NADE(dim, hidden),
    "MADE": lambda dim, hidden: MADE(dim, (hidden,)),
}


@torch.no_grad()
def evaluation_seconds(
    dims, hidden: int, batch_size: int, repeats: int = 5, models=None
) -> dict[str, list[float]]:
    """Seconds of one ``log_prob`` call on a batch (fastest of ``repeats``), per
    model and ``D``."""
    return _cost(
        dims,
        hidden,
        models,
        lambda model, x: model.log_prob(x),
        batch_size,
        repeats,
    )


@torch.no_grad()
def sampling_seconds(
    dims, hidden: int, n: int, repeats: int = 3, models=None
) -> dict[str, list[float]]:
    """Seconds to draw ``n`` samples (fastest of ``repeats``), per model and
    ``D``: ``D`` sequential steps of each model's own sampler (running sums
    for the FVSBN and the tied NADE, each unit once for MADE)."""
    return _cost(
        dims, hidden, models, lambda model, x: model.sample(len(x)), n, repeats
    )


@torch.no_grad()
def made_sampler_seconds(hidden_sizes=(500,), n: int = 100, repeats: int = 3):
    """Seconds (fastest of ``repeats``) to draw ``n`` samples of ``D = 64`` from
    one MADE with the generic sampler (``D`` full passes) and with its
    unit-by-degree sampler (every unit computed once), timed in one run, and
    the ratio generic / by degree."""
    model = MADE(DIM, hidden_sizes).eval()
    with cpu_threads(1, torch.device("cpu")):
        generic = best_seconds(
            lambda: AutoregressiveModel.sample(model, n), repeats
        )
        by_degree = best_seconds(lambda: model.sample(n), repeats)
    ratio = generic / by_degree
    return {"generic": generic, "by degree": by_degree, "ratio": ratio}


def _cost(dims, hidden, models, operation, batch_size, repeats):
    generator = torch.Generator().manual_seed(0)
    seconds = {}
    with cpu_threads(1, torch.device("cpu")):
        for name in models or COST_MODELS:
            seconds[name] = []
            for dim in dims:
                model = COST_MODELS[name](dim, hidden).eval()
                x = torch.randint(0, 2, (batch_size, dim), generator=generator)
                x = x.to(torch.get_default_dtype())
                seconds[name].append(
                    best_seconds(lambda m=model, x=x: operation(m, x), repeats)
                )
    return seconds


# MAF on the 2-D densities --------------------------------------------------------

def maf_flow(dim: int, layers: int, hidden_sizes) -> Compose:
    """``layers`` MAF layers whose orderings alternate between natural and
    reversed, so every coordinate gets to condition on every other."""
    check_positive_int(dim, "dim")
    check_positive_int(layers, "layers")
    reverse = torch.arange(dim).flip(0)
    return Compose(
        *[
            MAF(dim, hidden_sizes, ordering=reverse if k % 2 else None, seed=k)
            for k in range(layers)
        ]
    )


def train_maf_2d(
    data: dict,
    seed: int = 0,
    layers=None,
    hidden_sizes=None,
    device: torch.device | None = None,
    progress: bool = False,
):
    """Fit a MAF to each 2-D data set of :func:`~lecturecode.data.toy_splits`
    (:func:`fit_maf_2d`, the data sets side by side: :func:`train_ahead`).
    Returns ``{name: (model, result)}``."""
    calls = {name: dict(dataset=name, parts=parts, seed=seed, layers=layers,
                        hidden_sizes=hidden_sizes, device=device)
             for name, parts in data.items()}
    train_ahead(fit_maf_2d, list(calls.values()))
    return {name: fit_maf_2d(**call, progress=progress)
            for name, call in calls.items()}


@cached
def fit_maf_2d(
    dataset: str,
    parts: dict,
    seed: int = 0,
    layers=None,
    hidden_sizes=None,
    device: torch.device | None = None,
    progress: bool = False,
):
    """Fit a MAF to the splits ``parts`` of the 2-D data set ``dataset`` and
    return ``(model, result)``; where the true density is known the record's
    ``extra["gap"]`` is the test NLL minus the entropy on the same points. It
    trains on ``device`` (by default
    :func:`~lecturecode.runtime.default_device`)."""
    layers = layers or by_scale(smoke=4, quick=8, full=8)
    hidden_sizes = hidden_sizes or by_scale(
        smoke=(32, 32), quick=(64, 64), full=(128, 128)
    )
    steps = by_scale(smoke=400, quick=4000, full=10000)
    device = device or default_device()
    torch.manual_seed(seed)
    model = FlowModel(maf_flow(2, layers, hidden_sizes)).to(device)
    with cpu_threads(1, device):
        fit_result = fit(
            model,
            parts["train"].to(device),
            val=parts["val"].to(device),
            steps=steps,
            batch_size=256,
            lr=3e-3,
            seed=seed,
            progress=progress,
        )
    result = evaluate(
        model,
        name=f"MAF, {layers} layers",
        dataset=dataset,
        test=parts["test"].to(device),
        fit_result=fit_result,
        seed=seed,
        curve=fit_result,
        recipe={"layers": layers,
                "hidden units": ", ".join(map(str, hidden_sizes))},
    )
    density = parts["density"]
    if hasattr(density, "log_prob"):
        entropy = -density.log_prob(parts["test"].double()).mean().item()
        result.extra["gap"] = result.test_nll - entropy
        result.extra["test_entropy"] = entropy
    return model, result


@torch.no_grad()
def maf_direction_seconds(dims, hidden: int, n: int, repeats: int = 3) -> dict:
    """Seconds (fastest of ``repeats``) of one MAF layer's density pass
    (``x -> z``, one call of the network) and of its sampling pass (``z -> x``,
    ``D`` calls)."""
    seconds = {"density (x to z)": [], "sampling (z to x)": []}
    generator = torch.Generator().manual_seed(0)
    with cpu_threads(1, torch.device("cpu")):
        for dim in dims:
            layer = MAF(dim, (hidden,)).eval()
            x = torch.randn(n, dim, generator=generator)
            seconds["density (x to z)"].append(
                best_seconds(lambda layer=layer, x=x: layer(x), repeats)
            )
            seconds["sampling (z to x)"].append(
                best_seconds(lambda layer=layer, x=x: layer.inverse(x), repeats)
            )
    return seconds


# The full-scale job ---------------------------------------------------------------


@register(
    "autoregressive",
    chapter="book/autoregressive/comparison",
    description="independent pixels, FVSBN, NADE, MADE (one mask set, mixture of "
    "8, reference recipe) on the binarized digits; MAF on the 2-D densities",
)
def full_scale_job(context) -> list[ModelResult]:
    """Train what the comparison and MAF chapters train, at the runner's scale;
    save the digit samples of every model and the MAF densities."""
    import matplotlib.pyplot as plt

    from ..plotting import image_grid, plot_density, plot_samples

    seed = context.seed
    run = dict(device=context.device, progress=context.progress)
    trained = {
        "independent pixels": independent_pixels(),
        "FVSBN": train_fvsbn(seed=seed, **run),
        "NADE": train_nade(seed=seed, **run),
        "MADE, one mask set": train_made(
            seed=seed, name="MADE, one mask set", **run
        ),
        "MADE, mixture of 8 mask sets": train_made(
            num_masks=8, ordering="random", seed=seed, **run
        ),
        "MADE, reference recipe": train_made_reference(seed=seed, **run),
    }
    records = [result for _, result in trained.values()]

    generator = torch.Generator().manual_seed(seed)
    test_images = load_digits("binary")["test"][:10]
    rows = len(trained) + 1
    fig, axes = plt.subplots(rows, 1, figsize=(7, 1.05 * rows))
    image_grid(test_images, columns=10, ax=axes[0])
    axes[0].set_title("data", fontsize=9)
    for ax, (name, (model, result)) in zip(axes[1:], trained.items(), strict=True):
        image_grid(model.cpu().sample(10, generator), columns=10, ax=ax)
        ax.set_title(f"{name}: test NLL {result.test_nll:.2f} nats", fontsize=9)
    fig.tight_layout()
    context.savefig(fig, "digit_samples")
    plt.close(fig)

    n_train = by_scale(smoke=5000, quick=20000, full=50000)
    data = toy_splits(n_train, seed=seed)
    fitted = train_maf_2d(data, seed=seed, **run)
    fig, axes = plt.subplots(2, len(fitted), figsize=(10, 6.6))
    for column, (name, (model, result)) in enumerate(fitted.items()):
        plot_samples(axes[0, column], data[name]["test"], 3, f"data: {name}")
        plot_density(
            axes[1, column],
            model.cpu().log_prob,
            3,
            f"MAF, NLL {result.test_nll:.2f}",
        )
        result.extra["chapter"] = "book/autoregressive/maf"
        records.append(result)
    context.savefig(fig, "maf_densities")
    plt.close(fig)
    return records
