"""One switch for how big every run is.

``smoke``  seconds per chapter: what the test suite runs; ``quick``  at most four
minutes per chapter on two CPU cores: the default for a reader; ``full``   the GPU
job that produces the published figures.

A chapter takes the scale from the environment variable ``LECTURE_SCALE``; the job
runner sets it for the length of one job with :func:`using_scale`, without touching
the environment. The same code runs at every scale; only sizes and step counts
change.
"""

import os
from contextlib import contextmanager
from contextvars import ContextVar

SCALES = ("smoke", "quick", "full")
SCALE_VARIABLE = "LECTURE_SCALE"
DEFAULT = "quick"
_chosen: ContextVar[str | None] = ContextVar("scale", default=None)


def check_scale(scale: str) -> str:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    return scale


@contextmanager
def using_scale(scale: str):
    """Within the block, :func:`current_scale` is ``scale``, whatever
    ``LECTURE_SCALE`` says."""
    token = _chosen.set(check_scale(scale))
    try:
        yield scale
    finally:
        _chosen.reset(token)


def current_scale() -> str:
    """The scale of :func:`using_scale`, else ``LECTURE_SCALE`` (``quick`` when
    unset)."""
    if (chosen := _chosen.get()) is not None:
        return chosen
    scale = os.environ.get(SCALE_VARIABLE, DEFAULT).strip().lower() or DEFAULT
    if scale not in SCALES:
        raise ValueError(
            f"{SCALE_VARIABLE}={scale!r} is not a scale; expected one of {SCALES}"
        )
    return scale


def by_scale(*, smoke, quick, full):
    """Return the argument named by the current scale.

    >>> steps = by_scale(smoke=100, quick=3_000, full=20_000)
    """
    return {"smoke": smoke, "quick": quick, "full": full}[current_scale()]
