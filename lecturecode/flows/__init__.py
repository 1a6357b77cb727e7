"""Invertible models (lecture 18.1.2): flows from data ``x`` to noise ``z``."""

from .base import (
    Compose,
    Flow,
    FlowModel,
    autograd_log_abs_det,
    flow_jacobian,
    standard_normal_log_prob,
)
from .coupling import (
    AdditiveCoupling,
    AffineCoupling,
    checkerboard_mask,
    coupling_flow,
    half_mask,
)
from .dequantization import (
    DequantizedFlow,
    LogitTransform,
    UniformDequantizer,
    VariationalDequantizer,
)
from .elementwise import DiagonalScaling, ElementwiseFlow
from .linear import LinearFlow, Permutation
from .lu import LULinear
from .multiscale import (
    ConvAffineCoupling,
    FactorOut,
    MultiScaleFlow,
    Squeeze,
    channel_mask,
    image_checkerboard_mask,
    multiscale_flow,
)
from .normalization import ActNorm
from .spline import (
    Knots,
    SplineCoupling,
    knots_from,
    rational_quadratic_spline,
    spline_flow,
)

__all__ = [
    "ActNorm",
    "AdditiveCoupling",
    "AffineCoupling",
    "Compose",
    "ConvAffineCoupling",
    "DequantizedFlow",
    "DiagonalScaling",
    "ElementwiseFlow",
    "FactorOut",
    "Knots",
    "Flow",
    "FlowModel",
    "LULinear",
    "LinearFlow",
    "LogitTransform",
    "MultiScaleFlow",
    "Permutation",
    "SplineCoupling",
    "Squeeze",
    "UniformDequantizer",
    "VariationalDequantizer",
    "autograd_log_abs_det",
    "channel_mask",
    "checkerboard_mask",
    "coupling_flow",
    "flow_jacobian",
    "half_mask",
    "image_checkerboard_mask",
    "knots_from",
    "multiscale_flow",
    "rational_quadratic_spline",
    "spline_flow",
    "standard_normal_log_prob",
]
