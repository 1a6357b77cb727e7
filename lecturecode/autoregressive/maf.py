"""Beyond the lecture: MADE as a flow, the masked autoregressive flow (MAF) of
Papamakarios et al. (2017).

A MADE network with two outputs per coordinate gives a shift ``mu_i`` and a
log-scale ``alpha_i``, both functions of ``x_<i`` only. The map from data to noise

    z_i = (x_i - mu_i(x_<i)) * exp(-alpha_i(x_<i))                     (eq. maf)

is invertible one coordinate at a time, ``x_i = z_i exp(alpha_i) + mu_i``, in the
model's ordering (``D`` passes). Because ``z_i`` depends on ``x_j`` only for ``j``
up to ``i``, the Jacobian is triangular with diagonal ``exp(-alpha_i)``:

    log |det J_x| = -sum_i alpha_i(x_<i)                          (eq. maf-logdet)

one pass of the network. This is the flows' triangular-Jacobian idea, built from
the autoregressive half of the lecture.
"""

import torch

from ..flows.base import Flow
from ..runtime import check_positive
from .made import MADENet


class MAF(Flow):
    """One MAF layer, eq. maf, with its conditioner a :class:`MADENet` of
    ``hidden_sizes`` (the masked network alone: a flow needs no Bernoulli model).

    The log-scale is softly bounded, ``alpha = bound * tanh(raw / bound)``, to keep
    early training stable; the last layer starts at zero, so a new layer is the
    identity map.
    """

    def __init__(
        self,
        dim: int,
        hidden_sizes=(64, 64),
        ordering=None,
        seed: int = 0,
        bound: float = 5.0,
    ):
        super().__init__(dim)
        check_positive(bound, "bound")
        self.net = MADENet(
            dim, hidden_sizes, ordering=ordering, outputs_per_dim=2, seed=seed
        )
        self.net.zero_output()
        self.bound = bound

    @property
    def ordering(self) -> torch.Tensor:
        return self.net.ordering

    def shift_and_log_scale(self, x):
        """``mu(x)`` and ``alpha(x)``, each ``(batch, D)``; entry ``i`` depends on
        ``x_<i`` only."""
        out = self.net(x)
        mu, raw = out[..., 0], out[..., 1]
        return mu, self.bound * torch.tanh(raw / self.bound)

    def forward(self, x):
        mu, alpha = self.shift_and_log_scale(x)
        return (x - mu) * torch.exp(-alpha), -alpha.sum(dim=1)

    def inverse(self, z):
        """``x_i = z_i exp(alpha_i) + mu_i``, one coordinate per pass, in order."""
        x = torch.zeros_like(z)
        columns = torch.arange(self.dim, device=z.device)
        for i in self.ordering.tolist():
            mu, alpha = self.shift_and_log_scale(x)
            x_i = z[:, i] * torch.exp(alpha[:, i]) + mu[:, i]
            x = torch.where(columns == i, x_i.unsqueeze(1), x)
        return x
