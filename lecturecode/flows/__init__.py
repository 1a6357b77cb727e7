"""Invertible models (lecture 18.1.2): flows from data ``x`` to noise ``z``."""

from .base import (
    Compose,
    Flow,
    FlowModel,
    autograd_log_abs_det,
    flow_jacobian,
    standard_normal_log_prob,
)
from .elementwise import ElementwiseFlow
from .linear import LinearFlow

__all__ = [
    "Compose",
    "ElementwiseFlow",
    "Flow",
    "FlowModel",
    "LinearFlow",
    "autograd_log_abs_det",
    "flow_jacobian",
    "standard_normal_log_prob",
]
