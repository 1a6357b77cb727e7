"""Autoregressive models (lecture 18.2): the chain rule over an ordering, FVSBN,
NADE, MADE, and MADE turned into a flow (MAF)."""

from .base import (
    AutoregressiveModel,
    all_binary_vectors,
    check_ordering,
    ranks,
    total_probability,
)
from .fvsbn import FVSBN, IndependentBernoulli, fvsbn_mask
from .made import (
    MADE,
    MADEMixture,
    MaskedLinear,
    averaged_logits_log_prob,
    hidden_degrees,
    input_degrees,
    made_degrees,
    made_masks,
    mask_cycling_loss,
    mask_V,
    mask_W,
)
from .maf import MAF
from .nade import NADE, UntiedNADE

__all__ = [
    "FVSBN",
    "MADE",
    "MAF",
    "NADE",
    "AutoregressiveModel",
    "IndependentBernoulli",
    "MADEMixture",
    "MaskedLinear",
    "UntiedNADE",
    "all_binary_vectors",
    "averaged_logits_log_prob",
    "check_ordering",
    "fvsbn_mask",
    "hidden_degrees",
    "input_degrees",
    "made_degrees",
    "made_masks",
    "mask_V",
    "mask_W",
    "mask_cycling_loss",
    "ranks",
    "total_probability",
]
