"""Device, threads, seeds and input checks shared by every model."""

import contextlib
import math
import numbers
import random
from contextvars import ContextVar

import numpy as np
import torch

LOG_2PI = math.log(2 * math.pi)
_trusted: ContextVar[bool] = ContextVar("trusted_values", default=False)


def default_device() -> torch.device:
    """CUDA when present, otherwise the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextlib.contextmanager
def cpu_threads(n: int, device: torch.device):
    """Run the block with ``n`` intra-op threads when ``device`` is the CPU."""
    if device.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def fast_matmul(device):
    """Within the block, float32 matrix products on a CUDA ``device`` run in
    TF32 (10 bits of mantissa, float32 range): a training step's noise is far
    larger than that, and an H100 does them several times faster. Evaluations
    stay outside, in full float32. Nothing changes on the CPU."""
    if torch.device(device).type != "cuda":
        yield
        return
    before = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("high")
    try:
        yield
    finally:
        torch.set_float32_matmul_precision(before)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch, and return a CPU generator seeded the same way.

    Every random thing in ``lecturecode`` also accepts an explicit
    ``torch.Generator``; this helper only makes a notebook's top-level randomness
    repeatable too.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


@contextlib.contextmanager
def trusted_values():
    """Within the block, the input checks keep to shapes and dtypes and skip the
    checks of values (finite, binary, in range): each of those reads a tensor
    back to the host, which on a GPU waits for the device. A training loop enters
    it once its first step has checked a batch the full way, so that its other
    steps keep the device busy (the loop has checked its data once)."""
    token = _trusted.set(True)
    try:
        yield
    finally:
        _trusted.reset(token)


def values_trusted() -> bool:
    """Whether the block is inside :func:`trusted_values`."""
    return _trusted.get()


def to_device(x: torch.Tensor, device) -> torch.Tensor:
    """``x`` on ``device``; from the CPU to an accelerator through pinned memory,
    asynchronously, so that the host does not wait for the device (a plain
    ``.to("cuda")`` from pageable memory synchronizes). ``x`` itself when it is
    there already."""
    device = torch.device(device)
    if x.device.type == device.type and device.index in (None, x.device.index):
        return x
    if x.device.type == "cpu" and device.type == "cuda":
        return x.pin_memory().to(device, non_blocking=True)
    return x.to(device)


def count_parameters(module: torch.nn.Module) -> int:
    """Number of trainable scalars in ``module``, masked-out ones included."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def free_parameters(module: torch.nn.Module) -> int:
    """Number of trainable scalars that are not masked to zero for good.

    A submodule with masked weights lists them in ``used_entries()``, pairs
    ``(parameter, boolean tensor of the entries that some mask keeps)``; the
    other entries of that parameter never reach the output and are not counted.
    Without masks this is :func:`count_parameters`.
    """
    used = {}
    for submodule in module.modules():
        for parameter, entries in getattr(submodule, "used_entries", list)():
            entries = entries.to(torch.bool).expand_as(parameter)
            key = id(parameter)
            used[key] = used[key] | entries if key in used else entries
    return sum(
        int(used[id(p)].sum()) if id(p) in used else p.numel()
        for p in module.parameters()
        if p.requires_grad
    )


def dropout_rate(module: torch.nn.Module) -> float:
    """The largest dropout probability of ``module``'s dropout layers (0 without
    any), for the recipe card of a trained model."""
    rates = [m.p for m in module.modules()
             if isinstance(m, torch.nn.modules.dropout._DropoutNd)]
    return max(rates, default=0.0)


def check_positive_int(value, name: str) -> int:
    """``value`` itself when it is an integer >= 1 (a bool is not); otherwise
    ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_count(value, name: str, minimum: int = 1) -> int:
    """``value`` itself when it is an integer >= ``minimum`` (a bool is not);
    otherwise ``ValueError`` naming ``name``. (:func:`check_positive_int` is
    the case ``minimum = 1``.)"""
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
            or value < minimum):
        raise ValueError(
            f"{name} must be an integer, {name} >= {minimum}, got {value!r}")
    return value


def check_rate(value, name: str) -> float:
    """``value`` itself when it is a probability in ``[0, 1)`` (a dropout rate:
    1 would drop everything); otherwise ``ValueError`` naming ``name``."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not 0 <= value < 1):
        raise ValueError(f"{name} must be a rate in [0, 1), got {value!r}")
    return value


def check_positive(value, name: str, *, zero: bool = False) -> float:
    """``value`` itself when it is a finite number > 0 (>= 0 with ``zero``);
    otherwise ``ValueError`` naming ``name``."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value)
            or not (value >= 0 if zero else value > 0)):
        kind = "non-negative" if zero else "positive"
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return value


def check_batch(x, dim: int | tuple[int, ...], name: str = "x") -> torch.Tensor:
    """Validate a batch of real vectors or images: a float tensor ``(batch, dim)``
    (``dim`` an int) or ``(batch, *dim)`` (``dim`` a shape such as ``(C, H, W)``),
    all finite.

    Raises ``ValueError`` naming what was expected, so a wrong call fails loudly
    instead of broadcasting into a silently wrong likelihood.
    """
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    shape = (dim,) if isinstance(dim, int) else tuple(dim)
    if tuple(x.shape[1:]) != shape:
        raise ValueError(
            f"{name} must have shape (batch, {', '.join(map(str, shape))}), "
            f"got {tuple(x.shape)}"
        )
    if not x.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor, got {x.dtype}")
    if not values_trusted() and not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def check_binary_batch(x, dim: int, name: str = "x") -> torch.Tensor:
    """Validate a batch for a Bernoulli model: shape ``(batch, dim)``, every entry 0
    or 1."""
    check_batch(x, dim, name)
    if not values_trusted() and not ((x == 0) | (x == 1)).all():
        bad = x[(x != 0) & (x != 1)][0].item()
        raise ValueError(
            f"{name} must be binary (0 or 1) for a Bernoulli model; found {bad:g}"
        )
    return x


@torch.no_grad()
def perturb_parameters(
    module: torch.nn.Module, scale: float, generator: torch.Generator
):
    """Add ``scale`` times standard normal noise to every parameter, in place.

    Freshly built flows start at (or near) the identity map; perturbing them gives a
    generic map on which structural checks (round trips, log-determinants) mean
    something.
    """
    for p in module.parameters():
        p.add_(
            scale
            * torch.randn(p.shape, generator=generator, dtype=p.dtype).to(p.device)
        )
    return module
