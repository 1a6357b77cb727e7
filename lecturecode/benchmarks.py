"""Timings the chapters report as ratios and slopes measured in one run, never as
absolute targets (absolute times depend on the machine)."""

import timeit

import numpy as np
import torch

from .budget import dry_run
from .runtime import cpu_threads


def best_seconds(fn, repeats: int = 5, min_time: float = 0.02,
                 device: torch.device | None = None) -> float:
    """Seconds per call of ``fn()`` on one thread: the best of ``repeats`` timings,
    each averaging enough calls to last ``min_time`` (as ``timeit`` does). Other
    work on the machine only adds time, so the minimum is the least disturbed
    measurement; one thread keeps thread start-up and contention out of it. On a
    CUDA ``device`` every call waits for the device, so the time is the work's,
    not its launch's."""
    if dry_run():  # the call runs once: a dry run checks that it works
        repeats, min_time = 1, 0.0
    if device is not None and torch.device(device).type == "cuda":
        work = fn

        def fn():
            work()
            torch.cuda.synchronize(device)

    with cpu_threads(1, torch.device("cpu")):
        timer = timeit.Timer(fn)
        number = 1
        while (elapsed := timer.timeit(number)) < min_time and number < 10**6:
            number *= 10
        return min([elapsed, *timer.repeat(repeats - 1, number)]) / number


def loglog_slope(sizes, seconds) -> float:
    """Least-squares slope of ``log(seconds)`` against ``log(size)``: the empirical
    exponent ``k`` in ``time ~ size^k``."""
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def general_determinant_seconds(
    dims, repeats: int = 5, seed: int = 0
) -> list[float]:
    """Time ``torch.linalg.slogdet`` of a dense ``d x d`` matrix for each ``d``:
    an LU factorization, O(d^3)."""
    generator = torch.Generator().manual_seed(seed)
    seconds = []
    for d in dims:
        A = torch.randn(d, d, generator=generator, dtype=torch.float64) / d**0.5
        seconds.append(best_seconds(lambda A=A: torch.linalg.slogdet(A), repeats))
    return seconds


def triangular_determinant_seconds(
    dims, repeats: int = 5, seed: int = 0
) -> list[float]:
    """Time ``log |det|`` of a triangular ``d x d`` matrix for each ``d``: the sum
    of ``log |diagonal|``, O(d). Only the diagonal is ever formed, as in a flow
    whose layers return the diagonal of their Jacobian directly."""
    generator = torch.Generator().manual_seed(seed)
    seconds = []
    for d in dims:
        diagonal = 1 + torch.rand(d, generator=generator, dtype=torch.float64)
        seconds.append(
            best_seconds(lambda v=diagonal: v.abs().log().sum(), repeats)
        )
    return seconds


def flow_step_seconds(
    make_flow, dims, batch: int = 64, repeats: int = 5, seed: int = 0
) -> list[float]:
    """Seconds for one maximum-likelihood step of ``make_flow(d)`` for each ``d``
    (forward pass with its log-determinant on ``batch`` points, then the backward
    pass), timed as :func:`best_seconds` does."""
    generator = torch.Generator().manual_seed(seed)
    seconds = []
    for d in dims:
        flow = make_flow(d)
        x = torch.randn(batch, d, generator=generator)

        def step(flow=flow, x=x):
            z, log_abs_det = flow(x)
            (0.5 * z.pow(2).sum() - log_abs_det.sum()).backward()

        seconds.append(best_seconds(step, repeats))
    return seconds
