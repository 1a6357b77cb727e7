"""Evaluating a two-dimensional density on a grid: for heatmaps, and to check that a
learned density integrates to one."""

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
