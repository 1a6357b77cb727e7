"""A causal convolution over a sequence: the 1-D cousin of PixelCNN (lecture
18.2.5), the model we set beside the RNN to compare sequential and parallel
evaluation of the likelihood.

A causal convolution lets output ``i`` see inputs ``<= i`` only. It is a centred
convolution whose kernel taps to the right of the centre are masked to zero, and
the same thing is computed more cheaply by padding the input on the left and using
only the left taps, which is what :class:`CausalConv1d` does. The inputs are the
shifted tokens ``x_0..x_{T-1}`` (start symbol first, see
:mod:`lecturecode.sequence.base`), so output ``i`` sees ``x_<i``: every conditional
of the sequence in one pass, with no loop over positions.
"""

import torch
import torch.nn.functional as F
from torch import nn

from ..runtime import check_positive_int
from .base import SequenceModel


class CausalConv1d(nn.Conv1d):
    """``y_i = sum_{k=0}^{K-1} W_k x_{i - k d} + b``: a convolution with kernel size
    ``K`` and dilation ``d`` that never looks to the right."""

    def __init__(self, in_channels, out_channels, kernel_size, dilation=1):
        for name in ("in_channels", "out_channels", "kernel_size", "dilation"):
            check_positive_int(locals()[name], name)
        super().__init__(in_channels, out_channels, kernel_size, dilation=dilation)
        self.left_padding = (kernel_size - 1) * dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.pad(x, (self.left_padding, 0)))


class CausalConvLanguageModel(SequenceModel):
    """``layers`` causal convolutions with dilations 1, 2, 4, ... and residual
    connections, then a 1x1 convolution to the ``V`` logits.

    Output ``i`` sees the last ``receptive_field`` inputs: a fixed window, where
    the RNN's ``h_i`` summarizes the whole prefix.
    """

    def __init__(self, vocab_size: int, channels: int, layers: int = 4,
                 kernel_size: int = 3):
        super().__init__(vocab_size)
        check_positive_int(channels, "channels")
        check_positive_int(layers, "layers")
        check_positive_int(kernel_size, "kernel_size")
        # [start-causal-layers]
        self.embed = CausalConv1d(vocab_size + 1, channels, kernel_size)
        self.convs = nn.ModuleList(
            CausalConv1d(channels, channels, kernel_size, dilation=2**k)
            for k in range(1, layers)
        )
        self.out = nn.Conv1d(channels, vocab_size, 1)
        self.receptive_field = 1 + (kernel_size - 1) * (2**layers - 1)
        # [end-causal-layers]

    def conditionals(self, inputs: torch.Tensor) -> torch.Tensor:
        h = self.embed(inputs.transpose(1, 2))  # (batch, channels, T)
        for conv in self.convs:
            h = h + conv(torch.relu(h))
        return self.out(torch.relu(h)).transpose(1, 2)
