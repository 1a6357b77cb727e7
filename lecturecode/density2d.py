"""Evaluating a two-dimensional density on a grid: for heatmaps, and to check that a
learned density integrates to one; and the one-dimensional change of variables,
drawn."""

import torch


@torch.no_grad()
def density_grid(log_prob, lim: float, resolution: int = 200, dtype=None):
    """``p(x)`` on a ``resolution x resolution`` grid over ``[-lim, lim]^2``.

    ``log_prob`` maps ``(n, 2)`` points to ``(n,)`` log-densities (a model's
    ``log_prob`` or a true density's). Returns the cell-centre coordinates ``xs``
    (1-D) and ``p`` with ``p[i, j] = p(xs[j], xs[i])`` (rows follow the second
    coordinate, as ``imshow`` expects). The points have ``dtype`` (default: torch's
    default dtype).
    """
    if lim <= 0 or resolution < 2:
        raise ValueError(
            f"need lim > 0 and resolution >= 2, got {lim}, {resolution}"
        )
    step = 2 * lim / resolution
    xs = -lim + step * (
        torch.arange(resolution, dtype=dtype or torch.get_default_dtype()) + 0.5
    )
    points = torch.cartesian_prod(xs, xs).flip(1)  # (y, x) order -> (x, y) points
    chunks = [log_prob(chunk).exp() for chunk in points.split(65_536)]
    return xs, torch.cat(chunks).reshape(resolution, resolution)


def grid_mass(log_prob, lim: float, resolution: int = 400, dtype=None) -> float:
    """The midpoint-rule integral of ``p`` over ``[-lim, lim]^2``: 1 up to the mass
    outside the box and the discretization error, for a normalized density."""
    xs, p = density_grid(log_prob, lim, resolution, dtype)
    cell_area = (xs[1] - xs[0]) ** 2
    return (p.double().sum() * cell_area).item()


@torch.no_grad()
def plot_change_of_variables_1d(ax, model, samples: torch.Tensor, lim: float = 6.0):
    """The one-dimensional change of variables, ``p(x) = phi(f(x)) |f'(x)|``,
    drawn on ``ax`` over ``[-lim, lim]``: a histogram of ``samples`` of the 1-D
    flow model ``model`` (a ``FlowModel``), its density, and ``phi(f(x))`` alone,
    without the derivative. Returns the two curves' masses on the plotted range
    (midpoint rule), ``(with |f'|, without)``."""
    grid = torch.linspace(-lim, lim, 2001).unsqueeze(1)
    density = model.log_prob(grid).exp()
    z = model.flow(grid)[0].squeeze(1)
    without = torch.exp(-0.5 * z**2) / (2 * torch.pi) ** 0.5
    ax.hist(samples.squeeze(1).numpy(), bins=150, range=(-lim, lim), density=True,
            color="0.8", label="samples $x = f^{-1}(z)$")
    ax.plot(grid, density, "C0", lw=2, label=r"$\phi(f(x))\,|f'(x)|$")
    ax.plot(grid, without, "C3--", lw=1.5, label=r"$\phi(f(x))$ alone")
    ax.set(xlim=(-lim, lim), xlabel="$x$")
    ax.legend(frameon=False, loc="upper left")
    step = (grid[1] - grid[0]).item()
    return (density.sum() * step).item(), (without.sum() * step).item()


def ranked_every_seed(values: dict, dataset: str, order: list) -> bool:
    """Whether, on ``dataset``, each seed's values fall strictly in the order of
    the models ``order`` (largest first). ``values`` maps ``(dataset, model)`` to
    ``(mean, sd, per-seed values)``, as ``experiments.flows.over_seeds`` gives
    the gaps of the 2-D study."""
    per_seed = zip(*(values[dataset, model][2] for model in order), strict=True)
    return all(all(a > b for a, b in zip(v, v[1:], strict=False)) for v in per_seed)
