"""Lecture 18.2.5: PixelCNN (van den Oord et al., 2016a), masked convolutions
in raster and colour order, and the gated PixelCNN (van den Oord et al., 2016b).

An image of ``H x W`` pixels with ``C`` colour channels is a vector of
``D = H W C`` sub-pixels, flattened as ``(row, column, channel)``, so the
natural ordering is raster order over pixels and R, G, B within a pixel:

    p(x_i | x_<i) = p(x_i,R | x_<i) p(x_i,G | x_<i, x_i,R)
                    p(x_i,B | x_<i, x_i,R, x_i,G)                   (eq. rgb)

A convolution computes every conditional at once if its kernel is masked:

    mask A (first layer):  the kernel sees the pixels strictly before the centre
                           in raster order; at the centre, channel group g sees
                           input groups g' < g                        (eq. mask-a)
    mask B (later layers): the same, and at the centre g' <= g        (eq. mask-b)

Hidden channels are split into ``C`` contiguous groups (R, G, B), one per
colour (the channel rule of PixelRNN). Stacked ``k x k`` mask-B layers never see
a wedge of pixels above and to the right: the *blind spot*. The gated PixelCNN
splits the network into a vertical stack (rows above) and a horizontal stack
(the row so far), which together see every earlier pixel, with gated units

    y = tanh(W_f * x) . sigmoid(W_g * x)                             (eq. gate)
"""

import torch
import torch.nn.functional as F
from torch import nn

from ..nets import Dropout, MaskedConv2d, gate
from ..runtime import (
    check_batch,
    check_count,
    check_positive_int,
    check_rate,
)
from .base import CategoricalModel

KINDS = ("A", "B")


# Masks ------------------------------------------------------------------------


def _check_kernel(k, name: str = "k"):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1 or k % 2 == 0:
        raise ValueError(f"{name} (a kernel size) must be a positive odd integer, "
                         f"got {k!r}")


def _check_sizes(channels, layers, dropout, **kernels):
    """A PixelCNN's sizes: channels >= 1, layers >= 0 (beyond the first), a
    dropout rate, odd kernels."""
    check_positive_int(channels, "channels")
    check_count(layers, "layers", 0)
    check_rate(dropout, "dropout")
    for name, k in kernels.items():
        _check_kernel(k, name)


def _check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"mask kind must be 'A' or 'B', got {kind!r}")


def mask_A(k: int) -> torch.Tensor:
    """eq. mask-a for one channel: 1 at the positions of a ``k x k`` kernel that
    come strictly before its centre in raster order (the rows above, and the
    left part of the centre row)."""
    _check_kernel(k)
    position = torch.arange(k * k).view(k, k)
    return (position < (k * k) // 2).float()


def mask_B(k: int) -> torch.Tensor:
    """eq. mask-b for one channel: mask A plus the centre itself."""
    mask = mask_A(k)
    mask[k // 2, k // 2] = 1
    return mask


def channel_groups(channels: int, colours: int) -> torch.Tensor:
    """The colour group of each channel: ``channels / colours`` contiguous
    channels for R (group 0), then G (1), then B (2)."""
    check_positive_int(channels, "channels")
    check_positive_int(colours, "colours")
    if channels % colours:
        raise ValueError(
            f"{channels} channels cannot be split into {colours} colour groups"
        )
    return torch.arange(channels) // (channels // colours)


def channel_mask(
    kind: str, out_groups: torch.Tensor, in_groups: torch.Tensor
) -> torch.Tensor:
    """The R -> G -> B rule at the kernel's centre, shape ``(out, in)``: output
    group ``g`` sees input group ``g'`` if ``g' < g`` (mask A) or ``g' <= g``
    (mask B)."""
    _check_kind(kind)
    g_out, g_in = out_groups.unsqueeze(1), in_groups.unsqueeze(0)
    return (g_in < g_out if kind == "A" else g_in <= g_out).float()


def pixelcnn_mask(
    kind: str, out_groups: torch.Tensor, in_groups: torch.Tensor, k: int
) -> torch.Tensor:
    """The full mask of a ``k x k`` masked convolution, ``(out, in, k, k)``:
    every channel sees every channel at the positions before the centre; at
    the centre, the channel rule decides. With one colour (all groups 0) it is
    mask A or mask B in every channel."""
    mask = mask_A(k).expand(len(out_groups), len(in_groups), k, k).clone()
    mask[:, :, k // 2, k // 2] = channel_mask(kind, out_groups, in_groups)
    return mask


def vertical_mask(k: int, centre_row: bool) -> torch.Tensor:
    """The gated PixelCNN's vertical stack, ``(k, k)``: the rows above the
    centre, and the centre row too when ``centre_row`` (after the first layer,
    whose features already see only the rows above)."""
    _check_kernel(k)
    mask = torch.zeros(k, k)
    mask[: k // 2 + (1 if centre_row else 0)] = 1
    return mask


def horizontal_mask(
    kind: str, out_groups: torch.Tensor, in_groups: torch.Tensor, k: int
) -> torch.Tensor:
    """The horizontal stack, ``(out, in, 1, k)``: the pixels to the left in the
    same row, and the centre under the channel rule (mask A or B)."""
    _check_kernel(k)
    mask = torch.zeros(len(out_groups), len(in_groups), 1, k)
    mask[..., : k // 2] = 1
    mask[:, :, 0, k // 2] = channel_mask(kind, out_groups, in_groups)
    return mask


# Layers -----------------------------------------------------------------------


class GatedLayer(nn.Module):
    """One layer of the gated PixelCNN (van den Oord et al., 2016b, fig. 2).

    The vertical stack ``v`` convolves the rows above (and its own centre row,
    which itself only saw rows above). The horizontal stack ``h`` convolves
    the row so far (mask B) and adds the vertical stack's pre-activation at
    the same position, through a ``1 x 1`` convolution; a residual
    connection carries ``h`` forward. Gated units (eq. gate) in both stacks.
    """

    def __init__(self, channels: int, k: int, colours: int = 1):
        super().__init__()
        groups = channel_groups(channels, colours)
        doubled = torch.cat([groups, groups])  # the two halves of the gate
        v_mask = vertical_mask(k, centre_row=True)
        self.v_conv = MaskedConv2d(v_mask.expand(2 * channels, channels, k, k))
        self.h_conv = MaskedConv2d(horizontal_mask("B", doubled, groups, k))
        # The vertical features see only rows above: no mask needed here.
        self.v_to_h = nn.Conv2d(2 * channels, 2 * channels, 1)
        self.h_out = MaskedConv2d(pixelcnn_mask("B", groups, groups, 1))

    def forward(self, v, h):
        v_pre = self.v_conv(v)
        h_pre = self.h_conv(h) + self.v_to_h(v_pre)
        return gate(v_pre), h + self.h_out(gate(h_pre))


# Models -----------------------------------------------------------------------


class PixelCNNBase(CategoricalModel):
    """What the plain and the gated PixelCNN share: images flattened as
    ``(row, column, channel)``, the ordering of eq. rgb, and the output layer.

    ``levels = 2``: Bernoulli conditionals, inputs 0 or 1; ``levels > 2``: a
    categorical softmax over ``0..levels-1``. Subclasses define
    ``network(image)``, which maps the image ``(batch, C, H, W)``, scaled to
    ``[-1, 1]``, to ``(batch, C * outputs, H, W)`` with colour ``c``'s
    outputs in channels ``c * outputs ... (c + 1) * outputs - 1``.
    """

    def __init__(self, shape=(8, 8), colours: int = 1, levels: int = 2):
        height, width = shape
        check_positive_int(height, "shape")
        check_positive_int(width, "shape")
        check_positive_int(colours, "colours")
        check_count(levels, "levels", 2)
        super().__init__(height * width * colours, levels)
        self.shape, self.colours = (height, width), colours

    def network(self, image: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError  # abstract: the plain or the gated stack

    def to_image(self, x: torch.Tensor) -> torch.Tensor:
        """Flat ``(batch, D)`` to ``(batch, C, H, W)``."""
        return x.view(len(x), *self.shape, self.colours).permute(0, 3, 1, 2)

    def logits(self, x):
        """All ``D`` conditionals in one pass of the network."""
        check_batch(x, self.dim)
        image = self.to_image(x) * (2 / (self.levels - 1)) - 1
        out = self.network(image)
        height, width = self.shape
        out = out.view(len(x), self.colours, self.outputs, height, width)
        out = out.permute(0, 3, 4, 1, 2).reshape(len(x), self.dim, self.outputs)
        return out.squeeze(2) if self.outputs == 1 else out

    def position_map(self, channels: int, learned: bool):
        """A learned bias for every hidden channel at every position, added
        after the first layer (or ``None``): location-dependent conditioning
        (van den Oord et al., 2016b, sec. 2.3), which tells each conditional
        where in the image it is. It does not depend on ``x``, so the ordering
        is unaffected."""
        return nn.Parameter(torch.zeros(channels, *self.shape)) if learned else None

    def add_position(self, h):
        return h if self.position is None else h + self.position

    def output_layer(self, channels: int) -> nn.Module:
        """Two ``1 x 1`` mask-B convolutions from the hidden channels to the
        ``outputs`` of every colour, keeping the channel rule."""
        hidden = channel_groups(channels, self.colours)
        out = channel_groups(self.colours * self.outputs, self.colours)
        return nn.Sequential(
            nn.ELU(),
            MaskedConv2d(pixelcnn_mask("B", hidden, hidden, 1)),
            nn.ELU(),
            MaskedConv2d(pixelcnn_mask("B", out, hidden, 1)),
        )


class PixelCNN(PixelCNNBase):
    """The PixelCNN of van den Oord et al. (2016a): a ``first_kernel`` mask-A
    convolution, ``layers`` residual ``kernel x kernel`` mask-B convolutions
    (ELU between them), and the ``1 x 1`` output layers."""

    def __init__(
        self,
        shape=(8, 8),
        colours: int = 1,
        levels: int = 2,
        *,
        channels: int = 64,
        layers: int = 4,
        kernel: int = 3,
        first_kernel: int = 5,
        dropout: float = 0.0,
        position_bias: bool = False,
    ):
        super().__init__(shape, colours, levels)
        _check_sizes(channels, layers, dropout, kernel=kernel,
                     first_kernel=first_kernel)
        # The layers: mask A first, then mask B.
        groups = channel_groups(channels, colours)
        inputs = torch.arange(colours)  # one input channel per colour
        self.first = MaskedConv2d(pixelcnn_mask("A", groups, inputs, first_kernel))
        self.position = self.position_map(channels, position_bias)
        self.hidden = nn.ModuleList(
            MaskedConv2d(pixelcnn_mask("B", groups, groups, kernel))
            for _ in range(layers)
        )
        self.dropout = Dropout(dropout)
        self.out = self.output_layer(channels)
        # End of the layers.

    def network(self, image):
        h = self.add_position(self.first(image))
        for layer in self.hidden:
            h = h + layer(self.dropout(F.elu(h)))
        return self.out(h)


class GatedPixelCNN(PixelCNNBase):
    """The gated PixelCNN of van den Oord et al. (2016b): a first layer that
    starts the vertical stack on the rows strictly above and the horizontal
    stack on the pixels strictly to the left (mask A), then ``layers``
    :class:`GatedLayer`\\ s; the horizontal stack feeds the output layer."""

    def __init__(
        self,
        shape=(8, 8),
        colours: int = 1,
        levels: int = 2,
        *,
        channels: int = 64,
        layers: int = 4,
        kernel: int = 3,
        dropout: float = 0.0,
        position_bias: bool = False,
    ):
        super().__init__(shape, colours, levels)
        _check_sizes(channels, layers, dropout, kernel=kernel)
        groups = channel_groups(channels, colours)
        inputs = torch.arange(colours)
        k = kernel
        # The layers: two first layers that see strictly before, then gated ones.
        self.position = self.position_map(channels, position_bias)
        v_mask = vertical_mask(k, centre_row=False)
        self.v_first = MaskedConv2d(v_mask.expand(channels, colours, k, k))
        self.h_first = MaskedConv2d(horizontal_mask("A", groups, inputs, k))
        self.hidden = nn.ModuleList(
            GatedLayer(channels, k, colours) for _ in range(layers)
        )
        self.dropout = Dropout(dropout)
        self.out = self.output_layer(channels)
        # End of the layers.

    def network(self, image):
        v, h = self.v_first(image), self.add_position(self.h_first(image))
        for layer in self.hidden:
            v, h = layer(v, self.dropout(h))
        return self.out(h)


# Receptive fields ----------------------------------------------------------------


def receptive_field(
    model: PixelCNNBase, pixel, colour: int = 0, x=None, generator=None
) -> torch.Tensor:
    """Which inputs the conditional of sub-pixel ``(row, column, colour)`` depends
    on: backpropagate from its logits to the input and keep the entries with a
    nonzero gradient. Returns a boolean ``(H, W, C)`` tensor. ``x`` defaults to
    a random real input (any real input is valid for ``logits``)."""
    row, column = pixel
    height, width = model.shape
    if not (0 <= row < height and 0 <= column < width):
        raise ValueError(f"pixel {pixel} is outside the image {model.shape}")
    if not 0 <= colour < model.colours:
        raise ValueError(f"colour must be in 0..{model.colours - 1}, got {colour}")
    if x is None:
        x = torch.randn(1, model.dim, generator=generator, dtype=torch.float64)
    dtype = next(model.parameters()).dtype
    x = x.detach().to(dtype).clone().requires_grad_(True)
    index = (row * width + column) * model.colours + colour
    model.logits(x)[:, index].sum().backward()
    return (x.grad[0] != 0).view(height, width, model.colours)


def allowed_inputs(shape, colours: int, pixel, colour: int = 0) -> torch.Tensor:
    """What the conditional of ``(row, column, colour)`` may see under eq. rgb:
    the sub-pixels before it in the ordering. Boolean ``(H, W, C)``."""
    height, width = shape
    row, column = pixel
    index = (row * width + column) * colours + colour
    return (torch.arange(height * width * colours) < index).view(
        height, width, colours
    )
