"""Autoregressive models (lecture 18.2): the chain rule over an ordering and the
categorical machinery (``base``), the independent baselines, FVSBN, NADE, MADE
(the masked network ``MADENet`` and the Bernoulli model), MADE turned into a flow
(MAF), and PixelCNN. The masked layers they share live in :mod:`lecturecode.nets`.
"""

from ..nets import MaskedConv2d, MaskedLinear, gate
from .base import (
    AutoregressiveModel,
    CategoricalModel,
    all_binary_vectors,
    check_ordering,
    complete,
    ranks,
    strictly_before,
    total_probability,
)
from .baselines import IndependentBernoulli, IndependentCategorical
from .fvsbn import FVSBN, fvsbn_mask
from .made import (
    MADE,
    MADEMixture,
    MADENet,
    averaged_logits_log_prob,
    hidden_degrees,
    input_degrees,
    made_degrees,
    made_masks,
    mask_cycling_loss,
    mask_V,
    mask_W,
    masks_from_degrees,
)
from .maf import MAF
from .nade import NADE, UntiedNADE
from .pixelcnn import (
    GatedLayer,
    GatedPixelCNN,
    PixelCNN,
    PixelCNNBase,
    allowed_inputs,
    channel_groups,
    channel_mask,
    horizontal_mask,
    mask_A,
    mask_B,
    pixelcnn_mask,
    receptive_field,
    vertical_mask,
)

__all__ = [
    "FVSBN",
    "MADE",
    "MAF",
    "NADE",
    "AutoregressiveModel",
    "CategoricalModel",
    "GatedLayer",
    "GatedPixelCNN",
    "IndependentBernoulli",
    "IndependentCategorical",
    "MADEMixture",
    "MADENet",
    "MaskedConv2d",
    "MaskedLinear",
    "PixelCNN",
    "PixelCNNBase",
    "UntiedNADE",
    "all_binary_vectors",
    "allowed_inputs",
    "averaged_logits_log_prob",
    "channel_groups",
    "channel_mask",
    "check_ordering",
    "complete",
    "fvsbn_mask",
    "gate",
    "hidden_degrees",
    "horizontal_mask",
    "input_degrees",
    "made_degrees",
    "made_masks",
    "mask_A",
    "mask_B",
    "mask_V",
    "mask_W",
    "mask_cycling_loss",
    "masks_from_degrees",
    "pixelcnn_mask",
    "ranks",
    "strictly_before",
    "receptive_field",
    "total_probability",
    "vertical_mask",
]
