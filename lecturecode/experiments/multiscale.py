"""The multi-scale convolutional RealNVP on the grey digits
(``book/flows/multiscale_flows.md``): data -> model -> fit -> bound on the test
NLL, for the chapter and for the job ``multiscale``."""

import matplotlib.pyplot as plt
import torch

from ..data import load_digits
from ..data.digits import LEVELS, SHAPE
from ..flows import DequantizedFlow, VariationalDequantizer, multiscale_flow
from ..plotting import image_grid
from ..runtime import (
    check_positive_int,
    count_parameters,
    default_device,
    dropout_rate,
)
from ..scale import by_scale, current_scale
from ..train import bits_per_dim, fit
from .base import ModelResult, register
from .cache import cached, train_ahead

DEQUANTIZATIONS = ("uniform", "variational")
NAMES = {
    "uniform": "multi-scale RealNVP",
    "variational": "multi-scale RealNVP, variational dequantization",
}
IMAGE = (1, *SHAPE)


def digit_images() -> dict[str, torch.Tensor]:
    """The grey digits' splits as image batches ``(n, 1, 8, 8)`` of levels
    0..16."""
    return {k: v.view(-1, *IMAGE) for k, v in load_digits("grey").items()}


def settings_multiscale() -> dict:
    """Sizes and the training recipe of the multi-scale flow at the current
    scale, shared by the chapter and the job; the recipe was chosen on the
    validation split (see the chapter)."""
    model = dict(couplings=4, hidden=32, blocks=1, dropout=0.4, actnorm=True,
                 dequantizer_hidden=32)
    return by_scale(
        smoke=dict(model, couplings=1, hidden=8, dequantizer_hidden=8, steps=30,
                   lr=2e-3, eval_samples=2, seeds=3),
        quick=dict(model, steps=600, lr=3e-3, eval_samples=32, seeds=3),
        full=dict(model, steps=1200, lr=3e-3, eval_samples=256, seeds=3),
    )


def multiscale_digits_flow(*, couplings: int, hidden: int, blocks: int,
                           dequantization: str, seed: int, dropout: float = 0.0,
                           actnorm: bool = False,
                           dequantizer_hidden: int = 32) -> DequantizedFlow:
    """The multi-scale flow of :func:`~lecturecode.flows.multiscale_flow` on
    the 8x8 digits, under uniform or variational dequantization (its networks
    ``dequantizer_hidden`` wide)."""
    if dequantization not in DEQUANTIZATIONS:
        raise ValueError(
            f"dequantization must be one of {DEQUANTIZATIONS}, "
            f"got {dequantization!r}"
        )
    check_positive_int(dequantizer_hidden, "dequantizer_hidden")
    torch.manual_seed(seed)
    flow = multiscale_flow(IMAGE, couplings=couplings, hidden=hidden,
                           blocks=blocks, dropout=dropout, actnorm=actnorm)
    dequantizer = None
    if dequantization == "variational":
        dequantizer = VariationalDequantizer(flow.dim, LEVELS,
                                             hidden=dequantizer_hidden)
    return DequantizedFlow(flow, LEVELS, dequantizer=dequantizer)


@cached
def train_multiscale_flow(seed: int, *, dequantization: str, device=None,
                          progress: bool = False):
    """Fit the multi-scale flow (sizes from :func:`settings_multiscale`) on the
    train split, keep the best validation step, and bound its test NLL.

    Returns ``(model, record)``; the model is a
    :class:`~lecturecode.flows.DequantizedFlow` on images ``(n, 1, 8, 8)``. The
    record's ``test_nll`` is the importance-weighted bound, ``extra["val_nll"]``
    the one-sample bound on the validation split at the kept step.
    """
    device = device or default_device()
    settings = settings_multiscale()
    images = digit_images()
    sizes = ("couplings", "hidden", "blocks", "dropout", "actnorm",
             "dequantizer_hidden")
    model = multiscale_digits_flow(
        **{k: settings[k] for k in sizes}, dequantization=dequantization,
        seed=seed,
    ).to(device)
    fit_result = fit(model, images["train"], val=images["val"],
                     steps=settings["steps"], batch_size=64, lr=settings["lr"],
                     seed=seed, progress=progress)
    bounds = model.nll_bound(
        images["test"], samples=settings["eval_samples"],
        generator=torch.Generator(device=device).manual_seed(seed + 1),
    )
    dim = model.dim
    record = ModelResult(
        model=NAMES[dequantization],
        dataset="grey digits",
        test_nll=bounds["iw"],
        bits_per_dim=bits_per_dim(bounds["iw"], dim),
        parameters=count_parameters(model),
        train_seconds=fit_result.seconds,
        device=str(device),
        seed=seed,
        scale=current_scale(),
        extra={
            "chapter": "book/flows/multiscale_flows",
            "elbo": bounds["elbo"],
            "val_nll": fit_result.best_val_nll,
            "best_step": fit_result.best_step,
            "eval_samples": settings["eval_samples"],
            "dequantization": dequantization,
            # the recipe card: what this run was trained and scored with
            "recipe": {**fit_result.settings, "dropout": dropout_rate(model),
                       "dequantization": dequantization,
                       "importance_samples": settings["eval_samples"],
                       "actnorm": settings["actnorm"]},
        },
    )
    return model, record


def runs_multiscale(device=None, progress=False):
    """What the chapter shows: the variational flow over ``seeds`` seeds and
    the uniform one on seed 0. Returns ``(models, records)``, keyed by
    ``(dequantization, seed)``."""
    seeds = settings_multiscale()["seeds"]
    keys = [("variational", s) for s in range(seeds)] + [("uniform", 0)]
    train_ahead(train_multiscale_flow, [dict(seed=seed, dequantization=d,
                                             device=device) for d, seed in keys])
    models, records = {}, {}
    for dequantization, seed in keys:
        models[dequantization, seed], records[dequantization, seed] = (
            train_multiscale_flow(seed, dequantization=dequantization,
                                  device=device, progress=progress)
        )
    return models, records


@register(
    "multiscale",
    chapter="book/flows/multiscale_flows",
    description="multi-scale convolutional RealNVP on the grey digits, "
    "variational (3 seeds) and uniform dequantization",
)
def multiscale_job(context) -> list:
    models, records = runs_multiscale(device=context.device,
                                      progress=context.progress)
    generator = torch.Generator(device=context.device).manual_seed(context.seed)
    samples = models["variational", 0].sample(40, generator).cpu()
    fig, ax = plt.subplots(figsize=(8, 3.4))
    image_grid(samples.flatten(1), columns=10, ax=ax, vmax=LEVELS - 1)
    ax.set_title("multi-scale RealNVP samples", fontsize=10)
    context.savefig(fig, "multiscale_samples")
    plt.close(fig)
    return list(records.values())
