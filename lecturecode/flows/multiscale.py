"""Beyond the lecture: RealNVP's multi-scale architecture for images (Dinh et
al., 2017, section 3.6), with Glow's learned prior on the factored variables
(Kingma and Dhariwal, 2018, section 3.3 and their code).

The layers act on image batches ``(N, C, H, W)``:

* :class:`Squeeze` turns each 2x2 block of pixels into 4 channels,
  ``(C, H, W) -> (4C, H/2, W/2)``: a permutation of the values, log-det 0;
* :class:`ConvAffineCoupling` is RealNVP's affine coupling with a checkerboard
  or a channel mask, its ``s_theta`` and ``t_theta`` from a small residual
  convolutional network, so that a pixel is transformed from its neighbours
  with weights shared across positions;
* :class:`FactorOut` standardizes half of the channels under a Gaussian whose
  mean and scale depend on the other half; those variables leave the flow,
  and only the kept half goes on to the next scale.

With ``z_k`` the variables factored out at scale ``k`` and ``h_k`` the half
kept, the log-likelihood is

    log p(x) = sum_k log N(z_k; mu_k(h_k), sigma_k(h_k)^2)
               + log phi(z_final) + sum of the couplings' log-dets.
"""

import math

import torch
from torch import nn

from ..nets import Dropout
from ..runtime import check_count, check_positive, check_positive_int, check_rate
from .base import Compose, Flow, event_shape
from .coupling import (
    AffineCoupling,
    _check_mask,
    _register_transformed,
    checkerboard_mask,
)
from .normalization import ActNorm


class ResidualBlock(nn.Module):
    """``h + conv1x1(dropout(relu(conv3x3(relu(h)))))``: a residual block of
    ``width`` channels that keeps the image size (dropout regularizes it in
    training mode)."""

    def __init__(self, width: int, dropout: float = 0.0):
        check_positive_int(width, "width")
        check_rate(dropout, "dropout")
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1),
            nn.ReLU(),
            Dropout(dropout),
            nn.Conv2d(width, width, 1),
        )

    def forward(self, h):
        return h + self.body(h)


def conv_resnet(channels_in: int, channels_out: int, hidden: int, blocks: int,
                dropout: float = 0.0):
    """A 3x3 convolution to ``hidden`` channels, ``blocks`` residual blocks, and
    a 3x3 convolution to ``channels_out``, started at zero (so a coupling or a
    prior built on it starts as the identity or as ``N(0, I)``)."""
    check_positive_int(channels_in, "channels_in")
    check_positive_int(channels_out, "channels_out")
    check_positive_int(hidden, "hidden")
    check_count(blocks, "blocks", 0)
    check_rate(dropout, "dropout")
    last = nn.Conv2d(hidden, channels_out, 3, padding=1)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(
        nn.Conv2d(channels_in, hidden, 3, padding=1),
        *[ResidualBlock(hidden, dropout) for _ in range(blocks)],
        nn.ReLU(),
        last,
    )


def image_checkerboard_mask(shape, parity: int = 0) -> torch.Tensor:
    """The checkerboard of :func:`~lecturecode.flows.checkerboard_mask` on every
    channel of a ``(C, H, W)`` image."""
    c, h, w = event_shape(shape, "shape")
    return checkerboard_mask(h, w, parity).view(1, h, w).expand(c, h, w).clone()


def channel_mask(shape, first: bool = True) -> torch.Tensor:
    """1 on the first ``C // 2`` channels of a ``(C, H, W)`` image (kept), 0 on
    the others; with ``first=False`` the halves swap roles."""
    c, h, w = event_shape(shape, "shape")
    if c < 2:
        raise ValueError(f"a channel mask needs at least 2 channels, got {c}")
    mask = torch.zeros(c, h, w)
    mask[: c // 2] = 1
    return mask if first else 1 - mask


class Squeeze(Flow):
    """Space to depth: ``(C, H, W) -> (4C, H/2, W/2)``, each 2x2 block of a
    channel becoming 4 channels. It only moves values, so its Jacobian is a
    permutation matrix and ``log |det J| = 0``."""

    def __init__(self, shape):
        c, h, w = event_shape(shape, "shape")
        if h % 2 or w % 2:
            raise ValueError(
                f"squeeze needs an even height and width, got {h} x {w}"
            )
        super().__init__((c, h, w), (4 * c, h // 2, w // 2))

    def forward(self, x):
        return nn.functional.pixel_unshuffle(x, 2), x.new_zeros(len(x))

    def inverse(self, z):
        return nn.functional.pixel_shuffle(z, 2)


class ConvAffineCoupling(AffineCoupling):
    """:class:`~lecturecode.flows.AffineCoupling` on images: the same map,
    ``z_B = x_B * exp(s_theta(x_A)) + t_theta(x_A)`` and
    ``log |det J| = sum_B s_theta(x_A)``, with a ``(C, H, W)`` mask (checkerboard
    or channel-wise) and both ``s_theta`` and ``t_theta`` read from one
    convolutional network of ``x_A``, ``s`` bounded by ``s_scale * tanh``."""

    def __init__(self, mask, hidden: int = 32, blocks: int = 1, s_max=1.0,
                 dropout: float = 0.0):
        mask = _check_mask(mask, dims=3)
        check_positive(s_max, "s_max")
        Flow.__init__(self, tuple(mask.shape))  # the vector layer's nets unused
        self.context_dim = 0
        self.register_buffer("mask", mask)
        _register_transformed(self, mask)
        channels = mask.shape[0]
        self.net = conv_resnet(channels, 2 * channels, hidden, blocks, dropout)
        self.s_scale = nn.Parameter(torch.full((channels, 1, 1), float(s_max)))

    def s_and_t(self, x_kept, context=None):
        """``(s_theta(x_A), t_theta(x_A))``, both 0 on the kept values."""
        if context is not None:
            raise ValueError("a convolutional coupling takes no context")
        raw_s, t = self.net(x_kept).chunk(2, dim=1)
        s = self.s_scale * torch.tanh(raw_s)
        return s * self.transformed, t * self.transformed


class FactorOut(Flow):
    """Factor out half the channels under a learned conditional Gaussian prior.

    Split ``h`` into the kept channels ``h_A`` (the first ``C // 2``) and the
    factored ones ``z_B``; a network of ``h_A`` gives ``mu`` and ``log sigma``,
    and the layer returns ``h_A`` beside ``eps = (z_B - mu) / sigma`` with
    ``log |det J| = -sum log sigma``. Under the standard normal base,
    ``log phi(eps) - sum log sigma = log N(z_B; mu, sigma^2)``: the prior
    ``p(z_B | h_A)`` enters the likelihood exactly. Starts at ``N(0, I)``.
    """

    def __init__(self, shape, hidden: int = 32, blocks: int = 1, dropout=0.0):
        super().__init__(shape)
        if len(self.shape) != 3 or self.shape[0] < 2:
            raise ValueError(
                f"factor-out needs a (C, H, W) shape with C >= 2, got {self.shape}"
            )
        self.kept = self.shape[0] // 2
        factored = self.shape[0] - self.kept
        self.prior_net = conv_resnet(self.kept, 2 * factored, hidden, blocks,
                                     dropout)

    def prior(self, h_kept):
        """``(mu, log sigma)`` of ``p(z_B | h_A)``, each of ``z_B``'s shape."""
        return self.prior_net(h_kept).chunk(2, dim=1)

    def forward(self, h):
        h_kept, z_out = h[:, : self.kept], h[:, self.kept :]
        mu, log_sigma = self.prior(h_kept)
        eps = (z_out - mu) * torch.exp(-log_sigma)
        return torch.cat([h_kept, eps], 1), -log_sigma.flatten(1).sum(1)

    def inverse(self, z):
        h_kept, eps = z[:, : self.kept], z[:, self.kept :]
        mu, log_sigma = self.prior(h_kept)
        return torch.cat([h_kept, mu + eps * torch.exp(log_sigma)], 1)


class MultiScaleFlow(Flow):
    """RealNVP's multi-scale flow: ``scales`` are image flows that each end in a
    :class:`FactorOut`; after each, the second half of its channels leaves as a
    code and the first half goes on; ``final`` maps what is left. The output is
    the vector of every code, ``(z_1, z_2, ..., z_final)``, in that order."""

    def __init__(self, scales: list[Flow], final: Flow):
        shape = scales[0].shape if scales else final.shape
        for k, scale in enumerate(scales):
            c, h, w = scale.out_shape
            following = scales[k + 1] if k + 1 < len(scales) else final
            if following.shape != (c // 2, h, w):
                raise ValueError(
                    f"scale {k} keeps {(c // 2, h, w)}, the next part takes "
                    f"{following.shape}"
                )
        super().__init__(shape, (math.prod(shape),))
        self.scales, self.final = nn.ModuleList(scales), final
        # how many values leave after each scale, and how many the final part maps
        self.sizes = [(c - c // 2) * h * w for c, h, w in
                      (scale.out_shape for scale in scales)] + [final.dim]

    def forward(self, x):
        codes, log_abs_det, h = [], x.new_zeros(len(x)), x
        for scale in self.scales:
            h, scale_log_abs_det = scale(h)
            log_abs_det = log_abs_det + scale_log_abs_det
            kept = h.shape[1] // 2
            codes.append(h[:, kept:].flatten(1))
            h = h[:, :kept]
        h, final_log_abs_det = self.final(h)
        codes.append(h.flatten(1))
        return torch.cat(codes, 1), log_abs_det + final_log_abs_det

    def inverse(self, z):
        *pieces, last = z.split(self.sizes, dim=1)
        h = self.final.inverse(last.reshape(-1, *self.final.out_shape))
        for scale, piece in zip(reversed(self.scales), reversed(pieces),
                                strict=True):
            c, height, width = scale.out_shape
            factored = piece.reshape(-1, c - c // 2, height, width)
            h = scale.inverse(torch.cat([h, factored], 1))
        return h


def multiscale_flow(
    shape=(1, 8, 8),
    *,
    scales: int = 2,
    couplings: int = 3,
    hidden: int = 32,
    blocks: int = 1,
    s_max: float = 1.0,
    dropout: float = 0.0,
    actnorm: bool = False,
) -> MultiScaleFlow:
    """RealNVP's recipe (Dinh et al., 2017, section 3.6): each scale is
    ``couplings`` checkerboard couplings, a squeeze, ``couplings`` channel-wise
    couplings and a factor-out of half the channels; the final part is
    ``couplings`` checkerboard couplings. For the 8x8 digits with 2 scales:
    ``(1, 8, 8) -> (4, 4, 4)``, keep ``(2, 4, 4)``, ``-> (8, 2, 2)``, keep
    ``(4, 2, 2)``. ``dropout`` regularizes every network in training mode;
    ``actnorm`` puts a per-channel :class:`~lecturecode.flows.ActNorm` before
    each coupling (Glow's step without the 1x1 convolution)."""
    c, h, w = event_shape(shape, "shape")
    check_positive_int(scales, "scales")
    check_positive_int(couplings, "couplings")
    options = dict(hidden=hidden, blocks=blocks, s_max=s_max, dropout=dropout)

    def step(mask):
        coupling = ConvAffineCoupling(mask, **options)
        return [ActNorm(coupling.shape), coupling] if actnorm else [coupling]

    parts = []
    for _ in range(scales):
        layers = [layer for k in range(couplings)
                  for layer in step(image_checkerboard_mask((c, h, w), k % 2))]
        layers.append(Squeeze((c, h, w)))
        c, h, w = 4 * c, h // 2, w // 2
        layers += [layer for k in range(couplings)
                   for layer in step(channel_mask((c, h, w), k % 2 == 0))]
        layers.append(FactorOut((c, h, w), hidden, blocks, dropout))
        parts.append(Compose(*layers))
        c //= 2
    final = Compose(*[layer for k in range(couplings)
                      for layer in step(image_checkerboard_mask((c, h, w), k % 2))])
    return MultiScaleFlow(parts, final)
