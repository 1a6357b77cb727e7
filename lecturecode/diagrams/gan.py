"""The GAN of lecture 18.1.1 drawn from its modules: the generator and the
discriminator with their layers, and the two losses of the game."""

import torch
from torch import nn

from ..gan import GAN, GENERATOR_LOSSES
from ..gan.training import GANConfig
from .style import PALETTE, arrow, box, canvas, frame, node, note, text

# Each loss as the diagram writes it, and the same formula as code on the
# discriminator's logits (D = sigmoid(l)); the tests hold the code to the
# package's loss functions.
LOSSES = {
    "discriminator": (
        r"$-\mathbb{E}\,\log D(x) - \mathbb{E}\,\log(1 - D(g(z)))$",
        lambda real, fake: -(torch.log(torch.sigmoid(real)).mean()
                             + torch.log(1 - torch.sigmoid(fake)).mean()),
    ),
    "non-saturating": (
        r"$-\mathbb{E}\,\log D(g(z))$",
        lambda real, fake: -torch.log(torch.sigmoid(fake)).mean(),
    ),
    "saturating": (
        r"$\mathbb{E}\,\log(1 - D(g(z)))$",
        lambda real, fake: torch.log(1 - torch.sigmoid(fake)).mean(),
    ),
}


def layer_widths(net: nn.Module) -> tuple[list[int], list[str]]:
    """The widths ``[in, hidden..., out]`` of a network's linear layers, and
    the names of its activations, in order."""
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    widths = [linears[0].in_features, *(m.out_features for m in linears)]
    activations = []
    for m in net.modules():
        if isinstance(m, nn.ReLU | nn.LeakyReLU | nn.Tanh | nn.Sigmoid | nn.ELU):
            name = type(m).__name__
            if isinstance(m, nn.LeakyReLU):
                name += f" {m.negative_slope:g}"
            activations.append(name)
    return widths, activations


def _widths_text(widths) -> str:
    return " \u2192 ".join(str(w) for w in widths)


def _names(activations) -> str:
    return ", ".join(dict.fromkeys(activations))  # each once, in order


def gan_diagram(gan, generator_loss: str | None = None):
    """The two players and the two losses: noise ``z`` through the generator
    to samples ``g(z)``; those and the data through the discriminator to one
    logit ``l`` each, ``D = sigmoid(l)``; the discriminator minimizes ``-V``,
    the generator its own loss (``generator_loss``, a key of
    :data:`~lecturecode.gan.GENERATOR_LOSSES`). The layer widths and
    activations are read from the modules. ``gan``: a
    :class:`~lecturecode.gan.GAN`, or a :class:`~lecturecode.gan.GANConfig`
    (then its GAN and its generator loss). Tagged structure: ``network (name,
    widths)``, ``loss (player, key)`` labels and ``edge (a, b)`` arrows."""
    if isinstance(gan, GANConfig):
        generator_loss = generator_loss or gan.generator_loss
        gan = gan.build()
    if not isinstance(gan, GAN):
        raise ValueError(f"expected a GAN or a GANConfig, got {type(gan).__name__}")
    generator_loss = generator_loss or "non-saturating"
    if generator_loss not in GENERATOR_LOSSES:
        raise ValueError(
            f"generator_loss must be one of {list(GENERATOR_LOSSES)}, "
            f"got {generator_loss!r}"
        )
    g_widths, g_acts = layer_widths(gan.generator.net)
    d_widths, d_acts = layer_widths(gan.discriminator.net)
    pack = gan.discriminator.pack
    fig, (ax,) = canvas(10, 3.3, notes=True)
    z = node(ax, (0, 0), "$z$", radius=0.34, color=PALETTE["muted"])
    text(ax, (0, -0.6), rf"$\mathcal{{N}}(0, I_{{{gan.generator.z_dim}}})$",
         size=8, color=PALETTE["muted"])
    g = box(ax, (2.3, 0), 2.4, 0.95, "generator $g$", fill=PALETTE["changed"],
            color=PALETTE["changed"], text_color="white",
            gid=("network", "generator", ",".join(map(str, g_widths))))
    text(ax, (2.3, -0.75), f"{_widths_text(g_widths)}  ({_names(g_acts)})",
         size=7, color=PALETTE["muted"])
    fake = node(ax, (4.6, 0), "$g(z)$", radius=0.38, color=PALETTE["changed"])
    real = node(ax, (4.6, 1.9), "$x$", radius=0.38, color=PALETTE["kept"])
    text(ax, (4.6, 2.5), "data, $x \\sim p$", size=8, color=PALETTE["muted"])
    d = box(ax, (6.9, 0.95), 2.4, 0.95, "discriminator", fill=PALETTE["net"],
            color=PALETTE["net"], text_color="white",
            gid=("network", "discriminator", ",".join(map(str, d_widths))))
    packed = f", {pack} samples packed" if pack > 1 else ""
    text(ax, (6.9, 0.2), f"{_widths_text(d_widths)}  ({_names(d_acts)}){packed}",
         size=7, color=PALETTE["muted"])
    logit = node(ax, (9.0, 0.95), "$l$", radius=0.3)
    text(ax, (9.0, 0.4), r"$D = \sigma(l)$", size=8, color=PALETTE["muted"])
    for a, b, start, end, colour in (
        ("z", "generator", z, g, PALETTE["muted"]),
        ("generator", "fake", g, fake, PALETTE["changed"]),
        ("fake", "discriminator", fake, d, PALETTE["changed"]),
        ("real", "discriminator", real, d, PALETTE["kept"]),
        ("discriminator", "logit", d, logit, PALETTE["net"]),
    ):
        arrow(ax, start, end, color=colour, gid=("edge", a, b))
    d_loss, _ = LOSSES["discriminator"]
    g_loss, _ = LOSSES[generator_loss]
    text(ax, (10.2, 1.75), "discriminator minimizes " + d_loss, size=8,
         ha="right", color=PALETTE["net"], gid=("loss", "discriminator",
                                                "discriminator"))
    text(ax, (10.2, -0.35), f"generator minimizes ({generator_loss}) " + g_loss,
         size=8, ha="right", color=PALETTE["changed"],
         gid=("loss", "generator", generator_loss))
    frame(ax, -0.45, 10.25, -1.0, 2.7, pad=0.05)
    note(ax, "both losses read the logits $l$: the generator's flows back "
             "through the discriminator into $g$")
    fig.structure = {"generator": g_widths, "discriminator": d_widths,
                     "generator_loss": generator_loss}
    return fig


def loss_formula(key: str):
    """The code of the formula the diagram writes for a loss (``discriminator``
    or a generator loss), a function of the real and fake logits."""
    return LOSSES[key][1]

