"""One switch for how big every run is (DESIGN.md, section 5).

``smoke``  seconds per chapter: what the test suite runs; ``quick``  a couple of
minutes per chapter on a laptop CPU: the default for a reader; ``full``   the GPU
job that produces the published figures.

The switch is the environment variable ``LECTURE_SCALE``. The same code runs at
every scale; only sizes and step counts change.
"""

import os

SCALES = ("smoke", "quick", "full")
ENV_VAR = "LECTURE_SCALE"
DEFAULT = "quick"


def current_scale() -> str:
    """The scale chosen by ``LECTURE_SCALE`` (``quick`` when unset)."""
    scale = os.environ.get(ENV_VAR, DEFAULT).strip().lower() or DEFAULT
    if scale not in SCALES:
        raise ValueError(
            f"{ENV_VAR}={scale!r} is not a scale; expected one of {SCALES}"
        )
    return scale


def by_scale(*, smoke, quick, full):
    """Return the argument named by the current scale.

    >>> steps = by_scale(smoke=100, quick=3_000, full=20_000)
    """
    return {"smoke": smoke, "quick": quick, "full": full}[current_scale()]
