"""Mode coverage: which modes of a mixture the samples reach, and how many of
them are of high quality (the measure of mode collapse)."""

from dataclasses import dataclass

import torch

from ..runtime import check_batch, check_positive_int


@dataclass
class ModeCoverage:
    """How a sample set covers the modes of a Gaussian mixture.

    ``counts[k]`` is the number of high-quality samples whose nearest mode is
    ``k``; ``modes_covered`` counts modes with at least ``min_count`` of them;
    ``high_quality`` is the share of samples within ``radius`` standard
    deviations of their nearest mode.
    """

    modes_covered: int
    high_quality: float
    counts: list[int]


def mode_coverage(
    samples: torch.Tensor,
    centers: torch.Tensor,
    std: float,
    *,
    min_count: int = 1,
    radius: float = 3.0,
) -> ModeCoverage:
    """The mode-collapse measures of VEEGAN (Srivastava et al., 2017), as PacGAN
    (Lin et al., 2018) computes them: a sample is *high quality* when it lies
    within ``radius = 3`` standard deviations of its nearest mode, and a mode is
    *covered* when at least ``min_count`` high-quality samples are nearest to it
    (both papers: ``min_count = 1`` among 2,500 samples)."""
    check_batch(samples, 2, "samples")
    check_batch(centers, 2, "centers")
    if not std > 0:
        raise ValueError(f"std must be positive, got {std}")
    check_positive_int(min_count, "min_count")
    # [coverage]
    distance, nearest = torch.cdist(samples, centers.to(samples)).min(dim=1)
    good = distance < radius * std  # high quality
    counts = torch.bincount(nearest[good], minlength=len(centers))
    # [end of coverage]
    return ModeCoverage(
        modes_covered=int((counts >= min_count).sum()),
        high_quality=good.double().mean().item(),
        counts=counts.tolist(),
    )


def mode_shares(samples: torch.Tensor, centers: torch.Tensor) -> list[float]:
    """The share of ``samples`` in each mode's neighbourhood: nearer to that
    mode than to any other and closer than half the smallest distance between
    two modes. A model that spreads its mass over every mode gives each a share;
    a collapsed one leaves some at zero, whatever the modes' widths."""
    check_batch(samples, 2, "samples")
    check_batch(centers, 2, "centers")
    if len(centers) < 2:
        raise ValueError("mode_shares needs at least two centers")
    centers = centers.to(samples)
    gaps = torch.cdist(centers, centers)
    half_gap = gaps[~torch.eye(len(centers), dtype=torch.bool)].min() / 2
    distance, nearest = torch.cdist(samples, centers).min(dim=1)
    counts = torch.bincount(nearest[distance < half_gap], minlength=len(centers))
    return (counts.double() / len(samples)).tolist()
