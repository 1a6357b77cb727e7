"""The two players of (eq. minimax): the generator ``g`` and the discriminator,
which returns the logit ``l`` (``D = sigmoid(l)``), and the pair as one module."""

from functools import partial

import torch
from torch import nn

from ..nets import mlp
from ..runtime import check_batch, check_positive, check_positive_int


class Generator(nn.Module):
    """``x = g(z)``: a ReLU network from ``z_dim`` noise to ``data_dim``
    coordinates, which it writes in units of ``scale``."""

    def __init__(self, z_dim=2, data_dim=2, hidden=128, layers=2, scale=1.0):
        super().__init__()
        check_positive_int(z_dim, "z_dim")
        check_positive_int(data_dim, "data_dim")
        check_positive(scale, "scale")
        self.z_dim, self.data_dim, self.scale = z_dim, data_dim, scale
        self.net = mlp(z_dim, data_dim, hidden, layers, activation=nn.ReLU)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.scale * self.net(z)


class Discriminator(nn.Module):
    """The logit ``l(x)`` of ``D(x) = sigmoid(l(x))``: a LeakyReLU network.

    With ``pack = m``, ``m`` consecutive samples, all real or all generated, are
    concatenated into one input of ``m * data_dim`` coordinates and judged
    together, one logit per group: PacGAN's packed discriminator (Lin et al.,
    2018). ``pack = 1`` is the ordinary one. It reads coordinates in units of
    ``scale``.
    """

    def __init__(self, data_dim=2, hidden=128, layers=2, pack=1, scale=1.0):
        super().__init__()
        for name, value in (("pack", pack), ("layers", layers),
                            ("data_dim", data_dim)):
            check_positive_int(value, name)
        check_positive(scale, "scale")
        self.data_dim, self.hidden, self.layers = data_dim, hidden, layers
        self.pack, self.scale = pack, scale
        leaky = partial(nn.LeakyReLU, 0.2)
        self.net = mlp(pack * data_dim, 1, hidden, layers, activation=leaky)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] % self.pack:
            raise ValueError(
                f"a batch of {x.shape[-2]} samples cannot be packed in groups of "
                f"{self.pack}"
            )
        # [packing]
        groups = x.reshape(*x.shape[:-2], -1, self.pack * self.data_dim)
        return self.net(groups / self.scale).squeeze(-1)


class GAN(nn.Module):
    """A generator and its discriminator. It samples; it has no ``log_prob``."""

    def __init__(self, generator: Generator, discriminator: Discriminator):
        super().__init__()
        if generator.data_dim != discriminator.data_dim:
            raise ValueError(
                f"generator makes {generator.data_dim}-d samples, discriminator "
                f"reads {discriminator.data_dim}-d ones"
            )
        self.generator, self.discriminator = generator, discriminator
        self.register_buffer("_anchor", torch.zeros(0))

    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Draw ``z ~ N(0, I)`` and return ``x = g(z)``, shape ``(n, data_dim)``."""
        check_positive_int(n, "n")
        z = torch.randn(n, self.generator.z_dim, generator=generator)
        return self.generator(z.to(self._anchor))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The discriminator's logit for each (packed group of) sample(s)."""
        check_batch(x, self.discriminator.data_dim)
        return self.discriminator(x)
