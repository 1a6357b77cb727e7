"""Two-dimensional densities generated in code (no data is downloaded).

Each density draws samples with ``sample(n, generator)``. Where the true density is
known it also has ``log_prob(x)``, so the best achievable test NLL, the entropy
``H(p) = -E_p[log p(x)]``, can be computed and every model reported as a gap to it.
"""

import math

import torch

from ..runtime import LOG_2PI, check_batch, check_positive, check_positive_int


class TwoMoons:
    """Two interleaved half circles with Gaussian noise (no closed-form density)."""

    name = "two moons"

    def __init__(self, noise: float = 0.08):
        self.noise = check_positive(noise, "noise", zero=True)

    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        check_positive_int(n, "n")
        angle = math.pi * torch.rand(n, generator=generator)
        upper = torch.rand(n, generator=generator) < 0.5
        x = torch.where(upper, torch.cos(angle), 1 - torch.cos(angle))
        y = torch.where(upper, torch.sin(angle), 0.5 - torch.sin(angle))
        points = torch.stack([x - 0.5, y - 0.25], dim=1) * 2
        return points + self.noise * torch.randn(n, 2, generator=generator)


class GaussianMixture:
    """An equal-weight mixture of isotropic Gaussians with a common standard
    deviation."""

    name = "Gaussian mixture"

    def __init__(self, centers: torch.Tensor, std: float):
        self.centers = centers.to(torch.get_default_dtype())
        self.std = check_positive(std, "std")

    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        check_positive_int(n, "n")
        which = torch.randint(len(self.centers), (n,), generator=generator)
        return self.centers[which] + self.std * torch.randn(
            n, 2, generator=generator
        )

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        check_batch(x, 2)
        sq = (x.unsqueeze(1) - self.centers.to(x)).pow(2).sum(-1)
        log_comp = -0.5 * sq / self.std**2 - 2 * math.log(self.std) - LOG_2PI
        return torch.logsumexp(log_comp, dim=1) - math.log(len(self.centers))


class RingOfGaussians(GaussianMixture):
    """``modes`` Gaussians evenly spaced on a circle: the standard mode-collapse
    test."""

    def __init__(self, modes: int = 8, radius: float = 2.0, std: float = 0.02):
        check_positive_int(modes, "modes")
        check_positive(radius, "radius")
        angles = 2 * math.pi * torch.arange(modes) / modes
        super().__init__(
            radius * torch.stack([angles.cos(), angles.sin()], dim=1), std
        )
        self.name = f"ring of {modes} Gaussians"


class GridOfGaussians(GaussianMixture):
    """A ``side x side`` grid of Gaussians, ``spacing`` apart and centred on the
    origin."""

    def __init__(self, side: int = 5, spacing: float = 2.0, std: float = 0.02):
        check_positive_int(side, "side")
        check_positive(spacing, "spacing")
        ticks = spacing * (torch.arange(side) - (side - 1) / 2)
        grid = torch.cartesian_prod(ticks, ticks)
        super().__init__(grid, std)
        self.name = f"{side}x{side} grid of Gaussians"


class Checkerboard:
    """Uniform on the dark squares (column + row even) of a ``cells x cells`` board
    on ``[-half, half]^2``."""

    name = "checkerboard"

    def __init__(self, cells: int = 4, half: float = 2.0):
        check_positive_int(cells, "cells")
        check_positive(half, "half")
        if cells % 2:
            raise ValueError(
                f"cells must be even so half the squares are dark, got {cells}"
            )
        self.cells, self.half = cells, half
        self.width = 2 * half / cells

    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        check_positive_int(n, "n")
        row = torch.randint(self.cells, (n,), generator=generator)
        col = (
            2 * torch.randint(self.cells // 2, (n,), generator=generator) + row % 2
        )
        cell = torch.stack([col, row], dim=1).to(torch.get_default_dtype())
        offset = torch.rand(n, 2, generator=generator)
        return (cell + offset) * self.width - self.half

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        check_batch(x, 2)
        inside = (x.abs() < self.half).all(dim=1)
        index = torch.floor((x + self.half) / self.width).long()
        dark = (index.sum(dim=1) % 2 == 0) & inside
        area = 2 * self.half**2  # half of the (2 * half)^2 board
        return torch.where(dark, -math.log(area), -math.inf).to(x)


class CorrelatedGaussian:
    """``N(0, [[1, rho], [rho, 1]])``: the simplest density with correlated
    coordinates.

    Its entropy and its mutual information ``I(x_1; x_2) = -log(1 - rho^2) / 2`` are
    known in closed form. No product of marginals can get closer than ``I`` in NLL.
    """

    name = "correlated Gaussian"

    def __init__(self, rho: float = 0.9):
        if not -1 < rho < 1:
            raise ValueError(f"rho must lie in (-1, 1), got {rho}")
        self.rho = rho
        self.cov = torch.tensor([[1.0, rho], [rho, 1.0]])

    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        check_positive_int(n, "n")
        L = torch.linalg.cholesky(self.cov)
        return torch.randn(n, 2, generator=generator) @ L.T

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        check_batch(x, 2)
        precision = torch.linalg.inv(self.cov).to(x)
        quad = ((x @ precision) * x).sum(dim=1)
        return -0.5 * (quad + math.log(1 - self.rho**2)) - LOG_2PI

    @property
    def entropy(self) -> float:
        return 1 + LOG_2PI + 0.5 * math.log(1 - self.rho**2)

    @property
    def mutual_information(self) -> float:
        return -0.5 * math.log(1 - self.rho**2)


def monte_carlo_entropy(
    density, n: int = 200_000, generator=None
) -> tuple[float, float]:
    """``H(p) = -E_p[log p(x)]`` estimated from ``n`` samples: (estimate, standard
    error)."""
    check_positive_int(n, "n")
    log_p = density.log_prob(density.sample(n, generator).double())
    return -log_p.mean().item(), (log_p.std() / math.sqrt(n)).item()


# The flow and MAF chapters' ring: wider modes than the GAN chapter's (std 0.02),
# whose specks a flow, squeezing a whole Gaussian into eight of them, spends its
# capacity on the gaps between; with these the comparison measures how well each
# family separates eight modes at all.
RING_STD = 0.1


def draw_splits(density, n_train: int, n_val: int = 2000, n_test: int = 5000,
                generator=None) -> dict:
    """``{"train", "val", "test"}`` samples of ``density``, drawn in that order
    from ``generator``."""
    for name, n in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
        check_positive_int(n, name)
    return {name: density.sample(n, generator)
            for name, n in (("train", n_train), ("val", n_val), ("test", n_test))}


def toy_splits(
    n_train: int, n_val: int = 2000, n_test: int = 5000, seed: int = 0
) -> dict:
    """Two moons, a ring of 8 Gaussians (std :data:`RING_STD`) and a
    checkerboard: ``{name: {"density", "train", "val", "test"}}``, the three
    splits of each drawn in that order from one generator seeded with ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    densities = (TwoMoons(), RingOfGaussians(std=RING_STD), Checkerboard())
    return {
        d.name: dict(density=d, **draw_splits(d, n_train, n_val, n_test, generator))
        for d in densities
    }
