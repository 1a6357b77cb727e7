"""Experiments of the PixelCNN chapter (lecture 18.2.5).

The plain and the gated PixelCNN are fitted to three versions of the digits,
all with the split rows ``[:1000]`` / ``[1000:1350]`` / ``[1350:]``: binarized
(``x >= 8``, Bernoulli outputs, the data of the other autoregressive chapters),
grey (17 levels, a softmax over levels) and tinted (each digit in a random
colour, 4 levels per channel, R -> G -> B within a pixel). Each run keeps the
parameters of its best validation step and is scored by its test NLL in nats
per image. Sizes come from :func:`lecturecode.scale.by_scale`; on the CPU,
training runs single-threaded (see :mod:`lecturecode.experiments.autoregressive`).
"""


import torch

from .. import budget
from ..autoregressive import GatedPixelCNN, PixelCNN, complete, receptive_field
from ..benchmarks import best_seconds
from ..data import load_digits
from ..runtime import cpu_threads, default_device, perturb_parameters
from ..scale import by_scale
from ..train import fit
from .base import ModelResult, evaluate, register
from .cache import cached
from .digits import DATASETS, dataset, independent_pixels

SHAPE = (8, 8)


def pixelcnn_sizes(gated: bool, data_name: str = "binarized digits") -> dict:
    """Channels and layers per scale. The gated layer costs about three plain
    ones at the same width, so it gets fewer channels. At the reader's scale
    the validation split preferred a wider and deeper plain model on the
    binarized digits, with more dropout (:func:`pixelcnn_training`), and
    the narrower one on the grey digits."""
    if gated:
        return by_scale(
            smoke={"channels": 12, "layers": 2},
            quick={"channels": 24, "layers": 4},
            full={"channels": 48, "layers": 6},
        )
    wide = data_name == "binarized digits"
    return by_scale(
        smoke={"channels": 16, "layers": 2},
        quick={"channels": 64, "layers": 5} if wide else
        {"channels": 32, "layers": 4},
        full={"channels": 64, "layers": 6},
    )


def pixelcnn_training(data_name: str, gated: bool) -> dict:
    """Steps, batch size, learning rate and dropout per scale and data set,
    chosen on the validation split. At the reader's scale the digits are
    overfitted within a few hundred steps, so a short cosine run at a large
    rate does as well as a long one at a small rate; the binarized digits
    take more dropout than the grey ones. The gated model and the wide plain
    one on the binarized digits train on smaller batches at half the rate:
    they cost more per image. The steps, by the best validation NLL over seeds
    0 to 2: on the binarized digits 800 (plain; 18.47 nats against 18.64 at
    560) and 600 (gated; 19.29 against 19.43 at 450); on the grey digits 1,000
    for both (plain 83.79, 83.38, 83.22 at 600, 800, 1,000; gated 84.39, 83.86,
    83.84)."""
    if data_name not in DATASETS:
        raise ValueError(
            f"dataset must be one of {list(DATASETS)}, got {data_name!r}"
        )
    binary = data_name == "binarized digits"
    if data_name == "tinted digits":
        quick = {"steps": 1000, "batch_size": 100, "lr": 3e-3, "dropout": 0.2}
    elif gated:
        quick = {"steps": 600 if binary else 1000, "batch_size": 50, "lr": 5e-3,
                 "dropout": 0.3 if binary else 0.2}
    elif binary:
        quick = {"steps": 800, "batch_size": 50, "lr": 5e-3, "dropout": 0.5}
    else:
        quick = {"steps": 1000, "batch_size": 100, "lr": 1e-2, "dropout": 0.2}
    return by_scale(
        smoke={"steps": 100, "batch_size": 100, "lr": 1e-2, "dropout": 0.2},
        quick=quick,
        full={"steps": 3000, "batch_size": 100, "lr": 3e-3, "dropout": 0.2},
    )


@cached
def train_pixelcnn(
    data_name: str = "binarized digits",
    gated: bool = False,
    seed: int = 0,
    steps: int | None = None,
    device: torch.device | None = None,
    progress: bool = False,
    **sizes,
) -> tuple[torch.nn.Module, ModelResult]:
    """Fit a plain or gated PixelCNN to one of :data:`DATASETS` with the
    settings of :func:`pixelcnn_training`; Adam with a cosine schedule,
    dropout on the hidden features, a learned position bias
    (:meth:`PixelCNNBase.position_map`), best validation step.
    It trains on ``device`` (by default
    :func:`~lecturecode.runtime.default_device`) and returns the model (on the
    CPU, in eval mode) and its test record. For
    colour, the channels are rounded up to a multiple of 3 (one group per
    colour). Cached: the verdict chapter reuses the grey digits' models."""
    _, colours, levels = DATASETS[data_name]
    training = pixelcnn_training(data_name, gated)
    sizes = pixelcnn_sizes(gated, data_name) | sizes
    sizes["channels"] = colours * -(-sizes["channels"] // colours)
    dropout = sizes.pop("dropout", training["dropout"])
    # A learned bias per hidden channel and position: on 8 x 8 digits the
    # border is almost always blank, which a convolution alone cannot know.
    sizes.setdefault("position_bias", True)
    steps = steps or training["steps"]
    lr = training["lr"]
    torch.manual_seed(seed)
    model_class = GatedPixelCNN if gated else PixelCNN
    model = model_class(SHAPE, colours, levels, dropout=dropout, **sizes)
    device = device or default_device()
    data = dataset(data_name, device)
    model = model.to(device)
    fit_result = fit(
        model,
        data["train"],
        val=data["val"],
        steps=steps,
        batch_size=training["batch_size"],
        lr=lr,
        eval_every=max(1, steps // 20),
        seed=seed,
        progress=progress,
    )
    result = evaluate(
        model,
        name="gated PixelCNN" if gated else "PixelCNN",
        dataset=data_name,
        test=data["test"],
        fit_result=fit_result,
        seed=seed,
        dim=model.dim,
        steps=steps,
        best_step=fit_result.best_step,
        val_nll=fit_result.best_val_nll,
        curve=fit_result,
        dropout=dropout,
        lr=lr,
        batch_size=training["batch_size"],
        recipe={"channels": sizes["channels"], "layers": sizes["layers"]},
        **sizes,
    )
    return model.cpu().eval(), result


# Receptive fields -------------------------------------------------------------


def receptive_field_growth(depths, gated: bool, shape=(13, 13), pixel=(7, 6)):
    """The receptive field of ``pixel`` (by gradients) for models of each depth
    in ``depths`` (the first layer and ``depth - 1`` more): plain PixelCNNs with
    3 x 3 kernels throughout, or gated PixelCNNs with 3 x 3 stacks (depth >= 2:
    the first gated layer brings the vertical stack into the horizontal one);
    random float64 weights. Returns a list of boolean ``(H, W)`` maps."""
    fields = []
    for depth in depths:
        if gated:
            model = GatedPixelCNN(shape, channels=4, layers=depth - 1)
        else:
            model = PixelCNN(shape, channels=4, layers=depth - 1, first_kernel=3)
        perturb_parameters(model.double(), 0.3, torch.Generator().manual_seed(0))
        field = receptive_field(model, pixel, generator=torch.Generator())
        fields.append(field[..., 0])
    return fields


# Sampling, completion, and what each costs -----------------------------------


@torch.no_grad()
def likelihood_and_sampling_seconds(model, n: int, repeats: int = 3) -> dict:
    """Seconds (fastest of ``repeats``) of the log-likelihood of ``n`` images
    (one pass of the network) and of sampling ``n`` images (``D`` passes, one
    per sub-pixel), measured in one run on one thread."""
    model = model.eval()
    n = budget.evaluation_count(n)  # a dry run times a few
    x = model.sample(n, torch.Generator().manual_seed(0))
    likelihood = best_seconds(lambda: model.log_prob(x), repeats)
    sampling = best_seconds(lambda: model.sample(n), repeats)
    return {
        "likelihood": likelihood,
        "sampling": sampling,
        "ratio": sampling / likelihood,
        "passes": model.dim,
    }


def lower_half_completions(
    model, images: torch.Tensor, samples: int, generator=None
) -> torch.Tensor:
    """Hide the lower half of each image and sample it ``samples`` times given
    the upper half. Returns ``(len(images), samples, D)``."""
    height, width = model.shape
    known = torch.zeros(model.dim, dtype=torch.bool)
    known[: (height // 2) * width * model.colours] = True
    repeated = images.repeat_interleave(samples, dim=0)
    with cpu_threads(1, torch.device("cpu")):
        completed = complete(model, repeated, known, generator)
    return completed.view(len(images), samples, model.dim)


# Figures of the two chapters -------------------------------------------------


def plot_subpixel_fields(model, pixel, generator=None):
    """One panel per colour of ``pixel``: the input sub-pixels its conditional
    reads (by :func:`receptive_field`), each drawn as a narrow column in its
    colour, the output framed. Returns the figure."""
    import matplotlib.pyplot as plt

    height, width = model.shape
    fig, axes = plt.subplots(1, 3, figsize=(11, 2.8))
    for colour, ax in enumerate(axes):
        seen = receptive_field(model, pixel, colour, generator=generator)
        picture = torch.ones(height, 3 * width, 3)
        for r, c, g in seen.nonzero().tolist():
            picture[r, 3 * c + g] = torch.eye(3)[g] * 0.75 + 0.1
        ax.imshow(picture.numpy(), aspect=3)
        ax.add_patch(plt.Rectangle((3 * pixel[1] + colour - 0.5, pixel[0] - 0.5),
                                   1, 1, fill=False, lw=2))
        for k in range(1, width):
            ax.axvline(3 * k - 0.5, color="0.6", lw=0.5)
        ax.set(xticks=[], yticks=[],
               title=f"inputs read by x{pixel}, {'RGB'[colour]}")
    fig.tight_layout()
    return fig


def plot_colour_samples(samples: dict, levels: int, n: int = 20):
    """One row of ``n`` colour images per entry of ``samples`` (title -> images
    with ``levels`` per channel). Returns the figure."""
    import matplotlib.pyplot as plt

    from ..plotting import colour_grid

    fig, axes = plt.subplots(len(samples), 1, figsize=(8, 1.75 * len(samples)))
    for ax, (title, images) in zip(axes, samples.items(), strict=True):
        colour_grid(images[:n], levels=levels, ax=ax)
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def multiscale_context(size: int, target: tuple[int, int]) -> dict:
    """What the conditional of ``target`` reads in a ``size x size`` image: in
    raster order the pixels before it; in the multi-scale model also the
    subsampled image (every other row and column), drawn first. Boolean maps
    ``before``, ``small`` and ``ahead`` (pixels after ``target`` that the small
    image shows)."""
    rows, cols = torch.meshgrid(torch.arange(size), torch.arange(size),
                                indexing="ij")
    before = rows * size + cols < target[0] * size + target[1]
    small = (rows % 2 == 0) & (cols % 2 == 0)
    ahead = small & ~before
    ahead[target] = False
    return {"before": before, "small": small, "ahead": ahead}


def plot_multiscale_context(size: int, target: tuple[int, int]):
    """Two panels of :func:`multiscale_context`: the pixels before ``target``
    (grey), then also the small image's pixels after it (light blue)."""
    import matplotlib.pyplot as plt

    context = multiscale_context(size, target)
    before, small = context["before"], context["small"]
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.4))
    panels = [(False, "raster order: the pixels before"),
              (True, "multi-scale: and the small image")]
    for ax, (seen_small, title) in zip(axes, panels, strict=True):
        picture = torch.ones(size, size, 3)
        picture[before] = torch.tensor([0.45, 0.45, 0.45])
        if seen_small:
            picture[small & ~before] = torch.tensor([0.55, 0.8, 0.95])
        ax.imshow(picture.numpy())
        ax.add_patch(plt.Rectangle((target[1] - 0.5, target[0] - 0.5), 1, 1,
                                   fill=False, lw=2, color="C3"))
        ax.set(xticks=[], yticks=[])
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def reach(depth: int, shape=(13, 13), pixel=(7, 6)) -> torch.Tensor:
    """The pixels before ``pixel`` that ``depth`` layers of 3 x 3 kernels can
    reach: up to ``depth`` rows above and ``depth`` columns either side, or up
    to ``depth`` to the left in its own row (prop. blind-spot)."""
    rows, cols = torch.meshgrid(torch.arange(shape[0]), torch.arange(shape[1]),
                                indexing="ij")
    r, c = pixel
    above = (rows < r) & (rows >= r - depth) & ((cols - c).abs() <= depth)
    left = (rows == r) & (cols < c) & (cols >= c - depth)
    return above | left


def draw_fields(axes, depths, fields, title: str, pixel=(7, 6)) -> None:
    """One panel per depth of :func:`receptive_field_growth`: pixels read (blue)
    and pixels in :func:`reach` but not read (red), ``pixel`` framed."""
    import matplotlib.pyplot as plt

    for ax, depth, field in zip(axes, depths, fields, strict=True):
        picture = torch.ones(*field.shape, 3)
        picture[reach(depth, field.shape, pixel) & ~field] = torch.tensor(
            [0.95, 0.55, 0.5])
        picture[field] = torch.tensor([0.2, 0.35, 0.6])
        ax.imshow(picture.numpy())
        ax.add_patch(plt.Rectangle((pixel[1] - 0.5, pixel[0] - 0.5), 1, 1,
                                   fill=False, lw=2, color="black"))
        ax.set(xticks=[], yticks=[])
        ax.set_title(f"{title}, {depth} layer{'s' * (depth > 1)}", fontsize=9)


def plot_image_rows(rows):
    """One row of digits per ``(images, title, vmax)`` of ``rows``. Returns the
    figure."""
    import matplotlib.pyplot as plt

    from ..plotting import image_grid

    fig, axes = plt.subplots(len(rows), 1, figsize=(8, 1.15 * len(rows)))
    for ax, (images, title, vmax) in zip(axes, rows, strict=True):
        image_grid(images, columns=len(images), ax=ax, vmax=vmax)
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def plot_completions(images, completed, vmax: float, title: str):
    """Rows of :func:`lower_half_completions`: the test image, its upper half
    (the lower one blank), then the completions. Returns the figure."""
    import matplotlib.pyplot as plt

    from ..plotting import image_grid

    hidden = images.clone().float()
    hidden[:, hidden.shape[1] // 2:] = float("nan")
    n, samples = completed.shape[:2]
    tiles = torch.cat([images.unsqueeze(1), hidden.unsqueeze(1), completed], 1)
    fig, ax = plt.subplots(figsize=(6.4, 0.9 * n))
    image_grid(tiles.reshape(n * (samples + 2), -1), columns=samples + 2, ax=ax,
               vmax=vmax)
    ax.set_title(title, fontsize=9)
    return fig


# The full-scale job -------------------------------------------------------------


@register(
    "pixelcnn",
    chapter="book/autoregressive/gated_pixelcnn",
    description="plain and gated PixelCNN on binarized, grey and tinted digits",
)
def full_scale_job(context) -> list[ModelResult]:
    """What the two PixelCNN chapters train, at the job's scale: the independent
    baselines, the plain and gated PixelCNN on binarized and grey digits, the
    plain one on tinted digits; the receptive-field, sample and completion
    figures; and the sampling-versus-likelihood timing (in the gated grey
    record's ``extra``)."""
    import matplotlib.pyplot as plt

    from ..plotting import colour_grid, image_grid

    records, models, results = [], {}, {}
    for name in DATASETS:
        if name != "binarized digits":  # the autoregressive job records that one
            records.append(independent_pixels(name)[1])
        for gated in (False, True) if name != "tinted digits" else (False,):
            models[name, gated], results[name, gated] = train_pixelcnn(
                name,
                gated=gated,
                seed=context.seed,
                device=context.device,
                progress=context.progress,
            )
            records.append(results[name, gated])
    grey_gated = models["grey digits", True]
    results["grey digits", True].extra["likelihood_vs_sampling"] = (
        likelihood_and_sampling_seconds(grey_gated, n=100)
    )

    depths = [2, 3, 4, 6]
    fig, axes = plt.subplots(2, 4, figsize=(11, 5.8))
    for row, gated in zip(axes, (False, True), strict=True):
        fields = receptive_field_growth(depths, gated)
        for ax, depth, field in zip(row, depths, fields, strict=True):
            ax.imshow(field.float().numpy(), cmap="Blues", vmin=0, vmax=1.3)
            ax.add_patch(plt.Rectangle((5.5, 6.5), 1, 1, fill=False, lw=2))
            ax.set_title(f"{'gated' if gated else 'plain'}, {depth} layers")
            ax.axis("off")
    context.savefig(fig, "receptive_fields")
    plt.close(fig)

    generator = torch.Generator().manual_seed(context.seed)
    fig, axes = plt.subplots(3, 1, figsize=(8, 3.6))
    grey_levels = [("binarized digits", 1), ("grey digits", 16)]
    for ax, (name, vmax) in zip(axes[:2], grey_levels, strict=True):
        samples = models[name, True].sample(12, generator)
        image_grid(samples, columns=12, ax=ax, vmax=vmax)
        ax.set_title(f"gated PixelCNN, {name}", fontsize=9)
    samples = models["tinted digits", False].sample(12, generator)
    colour_grid(samples, levels=4, columns=12, ax=axes[2])
    axes[2].set_title("PixelCNN, tinted digits", fontsize=9)
    context.savefig(fig, "samples")
    plt.close(fig)

    images = load_digits("grey")["test"][:6]
    completed = lower_half_completions(grey_gated, images, 4, generator)
    tiles = torch.cat([images.unsqueeze(1), completed], 1).reshape(-1, 64)
    fig, ax = plt.subplots(figsize=(4, 4))
    image_grid(tiles, columns=5, ax=ax, vmax=16)
    ax.set_title("grey test image, then four lower-half completions", fontsize=9)
    context.savefig(fig, "completions")
    plt.close(fig)
    return records
