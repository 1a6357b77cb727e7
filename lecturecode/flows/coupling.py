"""Lecture 18.1.2.1: coupling layers, the flows of NICE and RealNVP.

Split the coordinates with a binary mask ``m``: the coordinates with ``m = 1``
(the lecture's ``x_{1:d/2}``) pass through unchanged and condition a transformation
of the others (``x_{d/2+1:d}``). The Jacobian is then triangular up to a
reordering of the coordinates, with an identity block for the kept half, a zero
block above it, and a diagonal block for the transformed half, so its determinant
is the product of that diagonal.

* NICE (Dinh et al., 2015) couples additively, ``z_B = x_B + t(x_A)``: the diagonal
  block is the identity and the layer preserves volume (log-det exactly 0); a final
  diagonal scaling layer lets the model change volume at all.
* RealNVP (Dinh et al., 2017) couples affinely,
  ``z_B = x_B * exp(s(x_A)) + t(x_A)``: ``log |det J| = sum_B s(x_A)``.

A coupling may also be conditional: given ``context_dim``, its networks see a
``context`` vector beside ``x_A`` (``s(x_A, c)``, ``t(x_A, c)``). The Jacobian
with respect to ``x`` keeps its form, so the log-determinant is unchanged; the
variational dequantizer is such a flow, conditioned on the image.
"""

import torch
from torch import nn

from ..nets import mlp
from ..runtime import check_count, check_positive, check_positive_int
from .base import Compose, Flow
from .elementwise import DiagonalScaling
from .linear import Permutation
from .normalization import ActNorm


def half_mask(dim: int, first: bool = True) -> torch.Tensor:
    """The lecture's split: 1 on ``x_{1:d/2}`` (kept), 0 on ``x_{d/2+1:d}``.

    With ``first=False`` the halves swap roles. For odd ``dim`` the kept half is
    the smaller one, ``floor(dim / 2)`` coordinates.
    """
    check_positive_int(dim, "dim")
    if dim < 2:
        raise ValueError(f"a coupling needs dim >= 2 to split, got {dim}")
    mask = torch.zeros(dim)
    mask[: dim // 2] = 1
    return mask if first else 1 - mask


def checkerboard_mask(height: int, width: int, parity: int = 0) -> torch.Tensor:
    """RealNVP's spatial mask for an image flattened in raster order: 1 where
    ``row + column`` has the given parity (0 or 1), 0 elsewhere."""
    check_positive_int(height, "height")
    check_positive_int(width, "width")
    if height * width < 2:
        raise ValueError(
            f"need an image of at least 2 pixels, got {height} x {width}"
        )
    if parity not in (0, 1):
        raise ValueError(f"parity must be 0 or 1, got {parity}")
    rows = torch.arange(height).unsqueeze(1)
    cols = torch.arange(width).unsqueeze(0)
    return ((rows + cols) % 2 == parity).flatten().to(torch.get_default_dtype())


def _conditioner_input(layer, x_kept, context):
    """What a coupling's networks see: the kept coordinates, and the context
    when the layer is conditional (``layer.context_dim > 0``)."""
    if (context is None) != (layer.context_dim == 0):
        raise ValueError(
            f"this coupling takes a context of {layer.context_dim} values, got "
            + ("none" if context is None else f"shape {tuple(context.shape)}")
        )
    return x_kept if context is None else torch.cat([x_kept, context], dim=1)


def _register_transformed(layer, mask) -> None:
    """``layer.transformed = 1 - mask``, 1 on the coordinates the coupling
    transforms: computed once rather than at every call, and left out of the
    state dict (it follows from ``mask``)."""
    layer.register_buffer("transformed", 1 - mask, persistent=False)


def _check_mask(mask, dims: int = 1) -> torch.Tensor:
    """A mask of ``dims`` dimensions (1 for vectors, 3 for ``(C, H, W)``)."""
    mask = torch.as_tensor(mask, dtype=torch.get_default_dtype())
    if mask.dim() != dims or not ((mask == 0) | (mask == 1)).all():
        raise ValueError(f"mask must be a {dims}-D tensor of zeros and ones")
    if mask.sum() == 0 or mask.sum() == mask.numel():
        raise ValueError(
            "mask must keep some coordinates (1) and transform others (0)"
        )
    return mask


class AdditiveCoupling(Flow):
    """NICE's additive coupling (Dinh et al., 2015, eq. 7):

        z_A = x_A,    z_B = x_B + t_theta(x_A),

    where ``A`` are the coordinates with ``mask = 1``. The Jacobian is
    ``[[I, 0], [dt/dx_A, I]]``: unit diagonal, so ``log |det J| = 0`` exactly, for
    any network ``t_theta``. The inverse needs no inverse of ``t_theta``:
    ``x_B = z_B - t_theta(z_A)``.
    """

    def __init__(
        self, mask, hidden: int = 64, layers: int = 2, dropout=0.0, context_dim=0
    ):
        mask = _check_mask(mask)
        super().__init__(len(mask))
        self.context_dim = check_count(context_dim, "context_dim", 0)
        self.register_buffer("mask", mask)
        _register_transformed(self, mask)
        inputs = self.dim + context_dim
        self.t_theta = mlp(inputs, self.dim, hidden, layers, dropout,
                           zero_last=True)

    def _shift(self, x_kept, context=None):
        x_kept = _conditioner_input(self, x_kept, context)
        return self.t_theta(x_kept) * self.transformed

    def forward(self, x, context=None):
        z = x + self._shift(x * self.mask, context)
        return z, x.new_zeros(x.shape[0])

    def inverse(self, z, context=None):
        return z - self._shift(z * self.mask, context)


class AffineCoupling(Flow):
    """RealNVP's affine coupling, the lecture's section 18.1.2.1:

        z_A = x_A,    z_B = x_B * exp(s_theta(x_A)) + t_theta(x_A).

    The Jacobian is ``[[I, 0], [dz_B/dx_A, diag(exp(s_theta(x_A)))]]``, so

        log |det J| = sum_B s_theta(x_A),

    a sum over coordinates (the determinant is a product of ``exp(s)``). The
    inverse, ``x_B = (z_B - t_theta(z_A)) * exp(-s_theta(z_A))``, again never
    inverts a network. As in RealNVP, ``s`` is bounded by a ``tanh`` with a
    learned per-coordinate scale, which keeps early training stable; ``s_max``
    is that scale's starting value, the largest ``|s|`` a fresh layer can reach.
    """

    def __init__(
        self,
        mask,
        hidden: int = 64,
        layers: int = 2,
        dropout=0.0,
        s_max=1.0,
        context_dim=0,
    ):
        mask = _check_mask(mask)
        check_positive(s_max, "s_max")
        super().__init__(len(mask))
        self.context_dim = check_count(context_dim, "context_dim", 0)
        self.register_buffer("mask", mask)
        _register_transformed(self, mask)
        inputs = self.dim + context_dim
        self.s_theta_net = mlp(inputs, self.dim, hidden, layers, dropout,
                               zero_last=True)
        self.t_theta_net = mlp(inputs, self.dim, hidden, layers, dropout,
                               zero_last=True)
        self.s_scale = nn.Parameter(torch.full((self.dim,), float(s_max)))

    def s_theta(self, x_kept, context=None):
        """Log-scale of the transformed coordinates (0 on the kept ones)."""
        net_input = _conditioner_input(self, x_kept, context)
        s = self.s_scale * torch.tanh(self.s_theta_net(net_input))
        return s * self.transformed

    def t_theta(self, x_kept, context=None):
        """Shift of the transformed coordinates (0 on the kept ones)."""
        net_input = _conditioner_input(self, x_kept, context)
        return self.t_theta_net(net_input) * self.transformed

    def s_and_t(self, x_kept, context=None):
        """``(s_theta(x_A), t_theta(x_A))``, both 0 on the kept coordinates."""
        return self.s_theta(x_kept, context), self.t_theta(x_kept, context)

    def forward(self, x, context=None):
        x_kept = x * self.mask
        s, t = self.s_and_t(x_kept, context)
        z = x_kept + self.transformed * x * s.exp() + t
        return z, s.flatten(1).sum(dim=1)

    def inverse(self, z, context=None):
        z_kept = z * self.mask
        s, t = self.s_and_t(z_kept, context)
        return z_kept + self.transformed * (z - t) * torch.exp(-s)


MIXINGS = ("alternate", "permute", "lu")


def coupling_flow(
    dim: int,
    couplings: int,
    *,
    coupling: str = "affine",
    hidden: int = 64,
    layers: int = 2,
    dropout: float = 0.0,
    image_shape: tuple[int, int] | None = None,
    mixing: str = "alternate",
    scaling: bool | None = None,
    s_max: float = 1.0,
    actnorm: bool = False,
    generator: torch.Generator | None = None,
) -> Compose:
    """A stack of ``couplings`` coupling layers (NICE or RealNVP).

    ``coupling``: ``"additive"`` (NICE) or ``"affine"`` (RealNVP). The partition is
    the half split, or the checkerboard when ``image_shape = (height, width)`` is
    given. ``mixing`` decides how the coordinates change roles between layers:

    * ``"alternate"``: the mask and its complement take turns (RealNVP);
    * ``"permute"``: a fixed random permutation between couplings;
    * ``"lu"``: a learned invertible linear layer between couplings (Glow's LU
      layer, :class:`~lecturecode.flows.lu.LULinear`), masks still alternating.

    ``dropout`` regularizes the networks in training mode (in eval mode every
    layer is a fixed invertible map). ``scaling`` appends NICE's diagonal
    scaling layer (default: for additive couplings only). ``s_max`` is the
    starting bound on the affine couplings' ``|s|`` (:class:`AffineCoupling`).
    ``actnorm`` puts Glow's :class:`~lecturecode.flows.ActNorm` before each
    coupling.
    """
    from .lu import LULinear

    if coupling not in ("additive", "affine"):
        raise ValueError(
            f"coupling must be 'additive' or 'affine', got {coupling!r}"
        )
    if mixing not in MIXINGS:
        raise ValueError(f"mixing must be one of {MIXINGS}, got {mixing!r}")
    check_positive_int(dim, "dim")
    check_positive_int(couplings, "couplings")
    if image_shape is not None:
        if image_shape[0] * image_shape[1] != dim:
            raise ValueError(
                f"image_shape {image_shape} does not hold {dim} values"
            )
        masks = [checkerboard_mask(*image_shape, parity) for parity in (0, 1)]
    else:
        masks = [half_mask(dim, first) for first in (True, False)]
    options = dict(hidden=hidden, layers=layers, dropout=dropout)
    if coupling == "affine":
        Layer, options["s_max"] = AffineCoupling, s_max
    else:
        Layer = AdditiveCoupling
    flows = []
    for k in range(couplings):
        if k > 0 and mixing == "permute":
            flows.append(Permutation.random(dim, generator))
        if k > 0 and mixing == "lu":
            flows.append(LULinear(dim, generator=generator))
        if actnorm:
            flows.append(ActNorm(dim))
        mask = masks[0] if mixing == "permute" else masks[k % 2]
        flows.append(Layer(mask, **options))
    if scaling if scaling is not None else coupling == "additive":
        flows.append(DiagonalScaling(dim))
    return Compose(*flows)
