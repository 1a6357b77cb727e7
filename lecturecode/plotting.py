"""Figures shared by the chapters."""

import matplotlib.pyplot as plt
import torch

from .density2d import density_grid


def plot_density(ax, log_prob, lim: float, title: str = "", resolution: int = 200):
    """Heatmap of a 2-D density ``exp(log_prob)`` over ``[-lim, lim]^2``."""
    _, p = density_grid(log_prob, lim, resolution)
    ax.imshow(
        p.numpy(), origin="lower", extent=(-lim, lim, -lim, lim), cmap="magma"
    )
    _finish(ax, lim, title)


def plot_samples(ax, x: torch.Tensor, lim: float, title: str = "", color="C0"):
    """Scatter plot of 2-D samples."""
    x = x.detach().cpu()
    ax.scatter(x[:, 0], x[:, 1], s=2, alpha=0.5, color=color, rasterized=True)
    _finish(ax, lim, title)


def _finish(ax, lim, title):
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)


def _tiles(images: torch.Tensor, columns: int, fill: float) -> torch.Tensor:
    """Images ``(n, H, W[, C])`` laid out ``columns`` to a row, one ``fill``
    pixel between and around them."""
    height, width = images.shape[1:3]
    rows = -(-len(images) // columns)
    canvas = torch.full(
        (rows * (height + 1) + 1, columns * (width + 1) + 1, *images.shape[3:]),
        fill,
    )
    for k, image in enumerate(images):
        r, c = divmod(k, columns)
        canvas[
            1 + r * (height + 1) : (r + 1) * (height + 1),
            1 + c * (width + 1) : (c + 1) * (width + 1),
        ] = image
    return canvas


def _show(canvas: torch.Tensor, n: int, columns: int, ax, **imshow):
    if ax is None:
        rows = -(-n // columns)
        _, ax = plt.subplots(figsize=(columns * 0.6, rows * 0.6))
    ax.imshow(canvas.numpy(), **imshow)
    ax.axis("off")
    return ax


def image_grid(
    images: torch.Tensor, shape=(8, 8), columns: int = 10, ax=None, vmax=None
):
    """Show flattened images ``(n, H*W)`` as a grid of tiles."""
    images = images.detach().cpu().float().reshape(-1, *shape)
    canvas = _tiles(images, columns, float("nan"))
    return _show(canvas, len(images), columns, ax, cmap="gray_r", vmin=0, vmax=vmax)


def colour_grid(
    images: torch.Tensor, levels: int, shape=(8, 8), columns: int = 10, ax=None
):
    """Show flattened colour images ``(n, H*W*3)``, flattened as ``(row, column,
    channel)`` with values ``0..levels-1``, as a grid of tiles on white."""
    images = images.detach().cpu().reshape(-1, *shape, 3) / (levels - 1)
    canvas = _tiles(images, columns, 1.0).clamp(0, 1)
    return _show(canvas, len(images), columns, ax)
