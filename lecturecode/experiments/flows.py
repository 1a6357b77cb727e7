"""Flow experiments: the 2-D densities and the digits, for every flow in the book.

Each function builds the data, fits the models with :func:`lecturecode.train.fit`
and returns :class:`ModelResult` records (and the fitted models, for figures).
Sizes come from the caller, who picks them with ``by_scale``.
"""

import statistics

import matplotlib.pyplot as plt
import torch

from ..data import (
    CorrelatedGaussian,
    TwoMoons,
    load_digits,
    monte_carlo_entropy,
    toy_splits,
)
from ..data.digits import LEVELS
from ..flows import (
    Compose,
    DequantizedFlow,
    ElementwiseFlow,
    FlowModel,
    LinearFlow,
    VariationalDequantizer,
    coupling_flow,
    spline_flow,
)
from ..plotting import image_grid, plot_density, plot_samples
from ..runtime import (
    check_positive_int,
    count_parameters,
    dropout_rate,
    perturb_parameters,
)
from ..scale import by_scale, current_scale
from ..train import FitResult, bits_per_dim, fit
from .base import ModelResult, evaluate, register
from .cache import cached, train_ahead

# The first chapter: linear and element-wise flows ------------------------------


def settings_first_flows() -> dict:
    """Optimizer steps per model and training points per data set of the first
    chapter's 2-D fits (``change_of_variables.md``), at the current scale: one
    place for the sizes, shared by the chapter and the job."""
    return by_scale(
        smoke=dict(steps=300, n_train=2000),
        quick=dict(steps=3000, n_train=10_000),
        full=dict(steps=10_000, n_train=50_000),
    )


def train_flow(
    flow, train, val, *, steps, lr=1e-2, seed=0, device=None, progress=False
) -> tuple[FlowModel, FitResult]:
    """A :class:`FlowModel` over ``flow`` fitted to ``train`` on ``device`` (the
    CPU by default): Adam at ``lr``, batches of 256, best validation step kept."""
    device = device or "cpu"
    model = FlowModel(flow).to(device)
    fit_result = fit(
        model,
        train.to(device),
        val=val.to(device),
        steps=steps,
        batch_size=256,
        lr=lr,
        seed=seed,
        progress=progress,
    )
    return model, fit_result


def alternating_flow(generator: torch.Generator | None = None) -> Compose:
    """``4 x (linear, element-wise)`` in 2-D, its linear layers pushed off the
    identity by noise of scale 0.5 from ``generator`` (seed 0 by default)."""
    flow = Compose(
        *[layer for _ in range(4) for layer in (LinearFlow(2), ElementwiseFlow(2))]
    )
    generator = generator or torch.Generator().manual_seed(0)
    for layer in flow.layers[::2]:
        perturb_parameters(layer, 0.5, generator)
    return flow


# What the first chapter fits: (data set, model, factory, learning rate).
FIRST_FLOWS = (
    ("two moons", "linear flow", lambda: LinearFlow(2), 1e-2),
    (
        "two moons",
        "three stacked linear flows",
        lambda: Compose(LinearFlow(2), LinearFlow(2), LinearFlow(2)),
        1e-2,
    ),
    ("two moons", "element-wise flow", lambda: ElementwiseFlow(2), 1e-2),
    ("two moons", "4 x (linear, element-wise)", alternating_flow, 5e-3),
    ("correlated Gaussian", "element-wise flow", lambda: ElementwiseFlow(2), 1e-2),
    ("correlated Gaussian", "linear flow", lambda: LinearFlow(2), 1e-2),
)


def run_first_flows(
    *, steps: int, n_train: int, seed: int = 0, device=None, progress=False
):
    """Every fit of :data:`FIRST_FLOWS` with :func:`train_flow`, on train /
    validation / test splits (``n_train``, 2000, 5000) of two moons and of the
    correlated Gaussian (``rho = 0.9``) drawn from one generator seeded with
    ``seed``. Returns ``(records, models)``; a record on the correlated Gaussian
    has its gap to the entropy of its test points in ``extra["gap"]``."""
    generator = torch.Generator().manual_seed(seed)
    data = {}
    for density in (TwoMoons(), CorrelatedGaussian(rho=0.9)):
        splits = [density.sample(n, generator) for n in (n_train, 2000, 5000)]
        data[density.name] = (density, *splits)
    records, models = [], {}
    for dataset, name, factory, lr in FIRST_FLOWS:
        density, train, val, test = data[dataset]
        torch.manual_seed(seed)
        model, fit_result = train_flow(
            factory(),
            train,
            val,
            steps=steps,
            lr=lr,
            seed=seed,
            device=device,
            progress=progress,
        )
        record = evaluate(
            model,
            name=name,
            dataset=dataset,
            test=test.to(device or "cpu"),
            fit_result=fit_result,
            seed=seed,
        )
        if hasattr(density, "log_prob"):
            entropy = -density.log_prob(test.double()).mean().item()
            record.extra["gap"] = record.test_nll - entropy
            record.extra["test_entropy"] = entropy
        records.append(record)
        models[dataset, name] = model
    return records, models


@register(
    "first_flows",
    chapter="book/flows/change_of_variables",
    description="linear and element-wise flows and their alternation on two moons "
    "and a correlated Gaussian",
)
def first_flows_job(context) -> list:
    records, models = run_first_flows(
        **settings_first_flows(),
        seed=context.seed,
        device=context.device,
        progress=context.progress,
    )
    names = [name for dataset, name in models if dataset == "two moons"]
    fig, axes = plt.subplots(1, len(names), figsize=(3 * len(names), 3))
    for ax, name in zip(axes, names, strict=True):
        plot_density(ax, models["two moons", name].cpu().log_prob, 3, name)
    context.savefig(fig, "first_flows_moons")
    plt.close(fig)
    return records


# The coupling chapter: every family on the 2-D densities -----------------------


def settings_2d() -> dict:
    """Keyword arguments of :func:`run_2d` at the current scale: one place for the
    sizes, shared by the chapter and the full-scale job."""
    return by_scale(
        smoke=dict(
            steps=150, n_train=2000, couplings=4, hidden=16, entropy_samples=50_000
        ),
        quick=dict(steps=2000, n_train=10_000, couplings=8, hidden=32),
        # on a GPU these small flows wait for kernel launches, not arithmetic:
        # 4 times the batch for a quarter of the steps costs a quarter of the
        # time and shows the model as many points
        full=dict(steps=2000, n_train=50_000, couplings=12, hidden=64,
                  batch_size=4096),
    )


def matched_width(build, target: int) -> int:
    """The hidden width ``w`` for which ``build(w)`` has the parameter count
    closest to ``target`` (counts grow with the width)."""
    def count(width):
        return count_parameters(build(width))

    if target < count(1):
        raise ValueError(f"no width gives as few as {target} parameters")
    low, high = 1, 2  # count(low) <= target < count(high): double, then halve
    while count(high) <= target:
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if count(middle) <= target else (low, middle)
    width = low
    below, above = count(width), count(width + 1)
    return width if target - below <= above - target else width + 1


def flow_families_2d(
    couplings: int,
    hidden: int,
    layers: int,
    lr: float,
    s_max: float = 1.0,
    clip_grad_norm: float | None = None,
    spline: dict | None = None,
) -> dict:
    """Model name -> (factory of a fresh 2-D flow, keyword arguments of ``fit``),
    from the first chapter's families (with its learning rates) to the coupling
    flows, which train with ``lr`` and ``clip_grad_norm``. NICE gets the hidden
    width that gives it as many parameters as RealNVP. With ``spline``, the
    keyword arguments of :func:`~lecturecode.flows.spline_flow` (``couplings``,
    ``bins``, ``bound``, ``hidden``), the family :data:`SPLINE` joins them,
    trained as the coupling flows are."""

    def coupling(kind, width):
        return coupling_flow(
            2, couplings, coupling=kind, hidden=width, layers=layers, s_max=s_max
        )

    nice_width = matched_width(
        lambda w: coupling("additive", w),
        count_parameters(coupling("affine", hidden)),
    )
    coupling_fit = dict(lr=lr, clip_grad_norm=clip_grad_norm)
    families = {
        "linear": (lambda: LinearFlow(2), dict(lr=1e-2)),
        "element-wise": (lambda: ElementwiseFlow(2), dict(lr=1e-2)),
        "4 x (linear, element-wise)": (alternating_flow, dict(lr=5e-3)),
        "NICE (additive)": (lambda: coupling("additive", nice_width), coupling_fit),
        "RealNVP (affine)": (lambda: coupling("affine", hidden), coupling_fit),
    }
    if spline is not None:
        families[SPLINE] = (
            lambda: spline_flow(2, layers=layers, **spline),
            coupling_fit,
        )
    return families


# The spline chapter's flow (spline_flows.md), a family of run_2d on request.
SPLINE = "spline flow (rational-quadratic)"


def entropy_reference(density, test: torch.Tensor, n: int = 200_000, seed=1):
    """The best achievable NLL: ``H(p)`` by Monte Carlo (estimate, standard error)
    and ``-mean log p`` on the test points themselves (for paired gaps), or
    ``None`` where the density is unknown."""
    if not hasattr(density, "log_prob"):
        return None
    entropy, stderr = monte_carlo_entropy(
        density, n, torch.Generator().manual_seed(seed)
    )
    on_test = -density.log_prob(test.double()).mean().item()
    return {"entropy": entropy, "entropy_se": stderr, "test_entropy": on_test}


# The densities whose entropy is known, so that every model has a gap to it.
DATASETS_2D = ("ring of 8 Gaussians", "checkerboard")


@cached
def fit_flow_2d(name: str, dataset: str, seed: int, *, data: dict, reference,
                steps: int, batch_size: int, family: dict, device=None,
                progress: bool = False):
    """Fit the family ``name`` of :func:`flow_families_2d` (built from the
    keyword arguments ``family``) to the splits ``data`` of ``dataset`` with one
    seed, and return it with its record (with the gap to the entropy when
    ``reference`` is given). Cached: the coupling and spline chapters share
    their RealNVP fits."""
    factory, fit_options = flow_families_2d(**family)[name]
    torch.manual_seed(seed)
    model = FlowModel(factory()).to(device or "cpu")
    fit_result = fit(model, data["train"], val=data["val"], steps=steps,
                     batch_size=batch_size, seed=seed, progress=progress,
                     **fit_options)
    result = evaluate(model, name=name, dataset=dataset, test=data["test"],
                      fit_result=fit_result, seed=seed, **(reference or {}))
    if reference is not None:
        result.extra["gap"] = result.test_nll - reference["test_entropy"]
    return model, result


def run_2d(
    *,
    steps: int,
    n_train: int,
    couplings: int = 8,
    hidden: int = 32,
    layers: int = 2,
    batch_size: int = 1024,
    lr: float = 1e-2,
    s_max: float = 2.0,
    clip_grad_norm: float | None = 1.0,
    seeds: int = 3,
    first_seed: int = 0,
    datasets: tuple = DATASETS_2D,
    models: list[str] | None = None,
    entropy_samples: int = 200_000,
    spline: dict | None = None,
    device=None,
    progress: bool = False,
):
    """Fit every 2-D family to each toy density in ``datasets``, once per seed
    (``first_seed``, ``first_seed + 1``, ...; the seed sets the initialisation and
    the order of the minibatches, the data stay fixed). ``lr``, ``s_max`` and
    ``clip_grad_norm`` are the coupling flows' recipe, chosen on the validation
    split (see :func:`flow_families_2d` and
    :class:`~lecturecode.flows.AffineCoupling`); ``spline`` adds the spline
    flow of that size to the families.

    Returns ``(results, fitted, data)``: the :class:`ModelResult` list, one per
    data set, model and seed (the gap to the entropy, paired on the same test
    points, is in ``extra`` where the density is known), the models fitted with
    the first seed keyed by ``(dataset, model)``, and the data.
    """
    check_positive_int(seeds, "seeds")
    data = toy_splits(n_train)
    unknown = set(datasets) - set(data)
    if unknown:
        raise ValueError(f"no such 2-D data sets: {sorted(unknown)}")
    data = {name: data[name] for name in datasets}
    families = flow_families_2d(
        couplings,
        hidden,
        layers,
        lr,
        s_max=s_max,
        clip_grad_norm=clip_grad_norm,
        spline=spline,
    )
    names = models or list(families)
    family = dict(couplings=couplings, hidden=hidden, layers=layers, lr=lr,
                  s_max=s_max, clip_grad_norm=clip_grad_norm)
    calls = []  # one fit per data set, family and seed
    for dataset, parts in data.items():
        reference = entropy_reference(
            parts["density"], parts["test"], entropy_samples
        )
        splits = {k: parts[k] for k in ("train", "val", "test")}
        calls += [dict(name=name, dataset=dataset, seed=seed, data=splits,
                       reference=reference, steps=steps, batch_size=batch_size,
                       family={**family, "spline": spline if name == SPLINE
                               else None}, device=device)
                  for name in names
                  for seed in range(first_seed, first_seed + seeds)]
    train_ahead(fit_flow_2d, calls)
    results, fitted = [], {}
    for call in calls:
        model, result = fit_flow_2d(**call, progress=progress)
        results.append(result)
        fitted.setdefault((call["dataset"], call["name"]), model)
    return results, fitted, data


def over_seeds(results: list, key: str = "gap") -> dict:
    """``(dataset, model) -> (mean, sd, values)`` of ``extra[key]`` (or of the
    attribute ``key``) over the seeds of :func:`run_2d`; the sd is the sample
    standard deviation, 0 for a single seed."""
    values = {}
    for r in results:
        value = r.extra[key] if key in r.extra else getattr(r, key)
        values.setdefault((r.dataset, r.model), []).append(value)
    return {
        k: (
            statistics.mean(v),
            statistics.stdev(v) if len(v) > 1 else 0.0,
            v,
        )
        for k, v in values.items()
    }


def seed_agreement(gaps: dict, dataset: str, model: str, other: str) -> tuple:
    """``(lower, agree, n)`` for two rows of :func:`over_seeds` on ``dataset``:
    whether ``model``'s mean is below ``other``'s, and on how many of the ``n``
    paired seeds ``model``'s value lies on that same side."""
    mine, theirs = gaps[dataset, model], gaps[dataset, other]
    lower = mine[0] < theirs[0]
    pairs = zip(mine[2], theirs[2], strict=True)
    return lower, sum((a < b) == lower for a, b in pairs), len(mine[2])


# Digits ----------------------------------------------------------------------


def check_dequantization(dequantization: str) -> str:
    """``dequantization`` itself, if it names a ``q(u | x)`` of the book."""
    if dequantization not in ("uniform", "variational"):
        raise ValueError(
            "dequantization must be 'uniform' or 'variational', "
            f"got {dequantization!r}"
        )
    return dequantization


def dequantizer(dequantization: str, hidden: int):
    """``q(u | x)`` of a digits flow: ``None`` (uniform) or a learned one whose
    networks are half as wide as the flow's."""
    if check_dequantization(dequantization) == "uniform":
        return None
    return VariationalDequantizer(64, LEVELS, hidden=hidden // 2)


def digits_flow(
    *,
    couplings: int,
    hidden: int,
    layers: int = 2,
    dropout: float = 0.0,
    mixing: str = "alternate",
    dequantization: str = "uniform",
    actnorm: bool = False,
    seed: int = 0,
) -> DequantizedFlow:
    """A RealNVP for the 8x8 digits: checkerboard masks (with ``actnorm``, an
    ActNorm before each coupling), a logit transform, and uniform or
    variational dequantization."""
    torch.manual_seed(seed)
    flow = coupling_flow(
        64,
        couplings,
        hidden=hidden,
        layers=layers,
        dropout=dropout,
        image_shape=(8, 8),
        mixing=mixing,
        actnorm=actnorm,
        generator=torch.Generator().manual_seed(seed),
    )
    q = dequantizer(dequantization, hidden)  # q(u | x); None: uniform
    return DequantizedFlow(flow, LEVELS, dequantizer=q)


def settings_digits() -> dict:
    """Keyword arguments of :func:`run_digits` at the current scale."""
    return by_scale(
        smoke=dict(steps=150, couplings=4, hidden=32, dropout=0.1, eval_samples=4),
        quick=dict(
            steps=3000, couplings=8, hidden=128, dropout=0.3, eval_samples=64
        ),
        full=dict(
            steps=6000, couplings=12, hidden=128, dropout=0.3, eval_samples=256
        ),
    )


# The digits chapter's flows: what differs from the plain RealNVP.
DIGITS_VARIANTS = {
    "RealNVP": dict(),
    "RealNVP + LU": dict(mixing="lu"),
    "RealNVP + ActNorm": dict(actnorm=True),
    "RealNVP, variational dequantization": dict(dequantization="variational"),
}


def fit_digits_flow(
    model: DequantizedFlow,
    name: str,
    *,
    steps: int,
    batch_size: int = 64,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    eval_samples: int = 16,
    seed: int = 0,
    device=None,
    progress: bool = False,
    recipe: dict | None = None,
    **extra,
):
    """Fit a flow for the grey digits on the train split (early stopping on
    validation) and report its test NLL bound; ``extra`` (the flow's sizes) is
    stored in the record. Returns ``(result, model, fit_result)``.

    ``test_nll`` is the importance-weighted bound with ``eval_samples`` draws of
    ``u`` per test image; ``extra["elbo"]`` is the plain Jensen bound. Both are
    upper bounds on the NLL of the discrete digits, every rescaling counted.
    ``extra["recipe"]``, for the record's recipe card, holds the fit's settings,
    the model's dropout, the number of importance samples and ``recipe`` (the
    caller's items: the dequantization, say).
    """
    digits = load_digits("grey")
    if device is not None:
        model = model.to(device)
    fit_result: FitResult = fit(
        model,
        digits["train"],
        val=digits["val"],
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        seed=seed,
        progress=progress,
    )
    bounds = model.nll_bound(
        digits["test"],
        samples=eval_samples,
        generator=torch.Generator(device=device or "cpu").manual_seed(seed + 1),
    )
    dim = digits["test"].shape[1]
    result = ModelResult(
        model=name,
        dataset="grey digits",
        test_nll=bounds["iw"],
        bits_per_dim=bits_per_dim(bounds["iw"], dim),
        parameters=count_parameters(model),
        train_seconds=fit_result.seconds,
        device=str(model.continuous._anchor.device),
        seed=seed,
        scale=current_scale(),
        extra={
            "elbo": bounds["elbo"],
            "elbo_bits_per_dim": bits_per_dim(bounds["elbo"], dim),
            "eval_samples": eval_samples,
            "best_step": fit_result.best_step,
            "val_nll": fit_result.best_val_nll,
            "lr": lr,
            **extra,
            "recipe": {**fit_result.settings, "dropout": dropout_rate(model),
                       "importance_samples": eval_samples, **(recipe or {})},
        },
    )
    return result, model, fit_result


@cached
def run_digits(
    name: str,
    *,
    steps: int,
    couplings: int,
    hidden: int,
    layers: int = 2,
    dropout: float = 0.0,
    mixing: str = "alternate",
    dequantization: str = "uniform",
    actnorm: bool = False,
    batch_size: int = 64,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    eval_samples: int = 16,
    seed: int = 0,
    device=None,
    progress: bool = False,
):
    """:func:`digits_flow` fitted by :func:`fit_digits_flow`. Returns
    ``(result, model, fit_result)``. Cached: the verdict chapter reuses the
    digits chapter's plain RealNVP."""
    model = digits_flow(
        couplings=couplings,
        hidden=hidden,
        layers=layers,
        dropout=dropout,
        mixing=mixing,
        dequantization=dequantization,
        actnorm=actnorm,
        seed=seed,
    )
    return fit_digits_flow(
        model,
        name,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        eval_samples=eval_samples,
        seed=seed,
        device=device,
        progress=progress,
        recipe=dict(dequantization=dequantization, actnorm=actnorm,
                    mixing=mixing),
        mixing=mixing,
        dequantization=dequantization,
        actnorm=actnorm,
        couplings=couplings,
        hidden=hidden,
        dropout=dropout,
    )


def run_digits_variants(device=None, progress=False) -> tuple[dict, dict, dict]:
    """Every flow of :data:`DIGITS_VARIANTS` at the current scale: results,
    models and training curves, each keyed by the variant's name."""
    calls = {name: dict(name=name, **settings_digits(), **options, device=device)
             for name, options in DIGITS_VARIANTS.items()}
    train_ahead(run_digits, list(calls.values()))
    results, models, curves = {}, {}, {}
    for name, call in calls.items():
        results[name], models[name], curves[name] = run_digits(**call,
                                                               progress=progress)
    return results, models, curves


# The verdict chapter's spline flow on the digits ------------------------------


def settings_spline_digits() -> dict:
    """Sizes and training of :func:`train_spline_digits` at the current scale
    (one place, shared by chapter and job). At the reader's scale, on the
    validation split (seed 0, 1,200 steps): learned dequantization beat uniform
    noise, 4 couplings of 8 bins beat 3 wider ones and 4 of 4 bins, and dropout
    0.2 at a learning rate of 3e-3 did best of 0.1 and 0.3 at 2e-3 to 5e-3."""
    return by_scale(
        smoke=dict(steps=150, couplings=2, bins=4, hidden=32, dropout=0.1,
                   dequantization="variational", lr=2e-3, eval_samples=4),
        quick=dict(steps=1200, couplings=4, bins=8, hidden=64, dropout=0.2,
                   dequantization="variational", lr=3e-3, eval_samples=64),
        full=dict(steps=6000, couplings=8, bins=8, hidden=128, dropout=0.2,
                  dequantization="variational", lr=1e-3, eval_samples=256),
    )


def spline_digits_flow(*, couplings: int, bins: int, hidden: int,
                       bound: float = 4.0, dropout: float = 0.0,
                       dequantization: str = "uniform",
                       seed: int = 0) -> DequantizedFlow:
    """Rational-quadratic spline couplings (:func:`~lecturecode.flows.spline_flow`)
    with checkerboard masks, under the same logit transform and dequantization
    as :func:`digits_flow`'s RealNVP."""
    torch.manual_seed(seed)
    flow = spline_flow(64, couplings, bins=bins, bound=bound, hidden=hidden,
                       dropout=dropout, image_shape=(8, 8))
    q = dequantizer(dequantization, hidden)
    return DequantizedFlow(flow, LEVELS, dequantizer=q)


@cached
def train_spline_digits(seed: int = 0, *, device=None, progress: bool = False):
    """The spline flow of :func:`settings_spline_digits` fitted to the grey
    digits by :func:`fit_digits_flow`: ``(model, record)``."""
    settings = settings_spline_digits()
    sizes = {k: settings[k] for k in
             ("couplings", "bins", "hidden", "dropout", "dequantization")}
    result, model, _ = fit_digits_flow(
        spline_digits_flow(**sizes, seed=seed), SPLINE,
        steps=settings["steps"], lr=settings["lr"],
        eval_samples=settings["eval_samples"], seed=seed, device=device,
        progress=progress,
        recipe=dict(dequantization=settings["dequantization"]), **sizes,
    )
    return model, result


def plot_fits_2d(fitted: dict, data: dict, resolution: int = 150):
    """One row per toy density: test samples, then each model's fitted density
    (the models are moved to the CPU)."""
    names = list(dict.fromkeys(name for _, name in fitted))
    fig, axes = plt.subplots(
        len(data), len(names) + 1, figsize=(3 * (len(names) + 1), 2.75 * len(data))
    )
    for row, (dataset, parts) in enumerate(data.items()):
        lim = 2.5 if dataset == "checkerboard" else 3
        plot_samples(
            axes[row, 0], parts["test"][:3000].cpu(), lim, f"data: {dataset}"
        )
        for col, name in enumerate(names, start=1):
            plot_density(
                axes[row, col],
                fitted[dataset, name].cpu().log_prob,
                lim,
                name if row == 0 else "",
                resolution=resolution,
            )
    fig.tight_layout()
    return fig


def plot_spline(x, y, log_slope, knots, bound: float):
    """The spline chapter's figure of one spline: ``g(x)`` with its knots beside
    the identity, and ``g'(x)`` with the knot derivatives (eq. rq, rq')."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    axes[0].plot(x, y, lw=1.5)
    axes[0].plot(knots.x, knots.y, "o", ms=4)
    axes[0].plot(x, x, ":", color="grey", lw=1)
    axes[0].set_title("$g(x)$ and its knots (dotted: the identity)", fontsize=10)
    axes[1].plot(x, log_slope.exp(), lw=1.5)
    axes[1].plot(knots.x, knots.derivative, "o", ms=4)
    axes[1].set_title(r"$g'(x)$ and the knot derivatives $\delta_k$", fontsize=10)
    for ax in axes:
        ax.axvline(-bound, color="grey", lw=0.5)
        ax.axvline(bound, color="grey", lw=0.5)
        ax.set_xlabel("$x$")
    return fig


def run_2d_with_figure(context, settings: dict, figure: str) -> list:
    """:func:`run_2d` with ``settings`` on the job's seed, device and progress;
    the fits of the first seed are saved as the figure ``figure``."""
    results, fitted, data = run_2d(
        **settings,
        first_seed=context.seed,
        device=context.device,
        progress=context.progress,
    )
    fig = plot_fits_2d(fitted, data)
    context.savefig(fig, figure)
    plt.close(fig)
    return results


@register(
    "flows",
    chapter="book/flows/coupling",
    description="every flow on the 2-D densities; RealNVP variants on the digits",
)
def full_scale_job(context) -> list:
    results_2d = run_2d_with_figure(context, settings_2d(), "densities_2d")
    digits, models, _ = run_digits_variants(
        device=context.device, progress=context.progress
    )
    generator = torch.Generator().manual_seed(context.seed)
    fig, ax = plt.subplots(figsize=(8, 3.4))
    image_grid(
        models["RealNVP"].cpu().sample(40, generator),
        columns=10,
        ax=ax,
        vmax=LEVELS - 1,
    )
    ax.set_title("RealNVP samples, T = 1", fontsize=10)
    context.savefig(fig, "digits_samples")
    plt.close(fig)
    for result in digits.values():
        result.extra["chapter"] = "book/flows/realnvp_digits"
    return [*results_2d, *digits.values()]


# The spline chapter: spline couplings beside RealNVP -------------------------


def settings_splines() -> dict:
    """Keyword arguments of :func:`run_2d` for the spline chapter
    (``spline_flows.md``) at the current scale: RealNVP exactly as the coupling
    chapter trains it (:func:`settings_2d`), beside the spline flow of the size
    given here; one place for the sizes, shared by the chapter and the job."""
    return {
        **settings_2d(),
        "models": ["RealNVP (affine)", SPLINE],
        "spline": by_scale(
            smoke=dict(couplings=2, bins=4, bound=3.0, hidden=16),
            quick=dict(couplings=4, bins=8, bound=3.0, hidden=32),
            full=dict(couplings=6, bins=8, bound=3.0, hidden=64),
        ),
    }


@register(
    "splines",
    chapter="book/flows/spline_flows",
    description="rational-quadratic spline flows beside RealNVP on the ring and "
    "the checkerboard",
)
def splines_job(context) -> list:
    results = run_2d_with_figure(context, settings_splines(), "splines_2d")
    # RealNVP's records are the flows job's (the same fits): record them once
    return [r for r in results if r.model == SPLINE]
