"""The value function (eq. minimax), the discriminator's loss, the two
generator losses, and the R1 gradient penalty, all on the discriminator's logits."""


import torch
import torch.nn.functional as F

# With D = sigmoid(l): log D = -softplus(-l) and log(1 - D) = -softplus(l).


def value_function(
    real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    """``V(D, g) = E log D(x) + E log(1 - D(g(z)))`` on a batch (eq. minimax)."""
    return -F.softplus(-real_logits).mean() - F.softplus(fake_logits).mean()


def discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    """The discriminator maximizes ``V``: it minimizes ``-V``, the cross-entropy
    of telling real (label 1) from generated (label 0)."""
    return -value_function(real_logits, fake_logits)


def saturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The generator's side of the minimax game: minimize
    ``E log(1 - D(g(z)))``. Its slope in ``l`` is ``-D``: nothing when ``D -> 0``.
    """
    return -F.softplus(fake_logits).mean()


def non_saturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Goodfellow et al.'s fix: minimize ``-E log D(g(z))`` instead. Same fixed
    point, but its slope in ``l`` is ``-(1 - D)``: largest when ``D -> 0``."""
    return F.softplus(-fake_logits).mean()


GENERATOR_LOSSES = {
    "saturating": saturating_generator_loss,
    "non-saturating": non_saturating_generator_loss,
}



def r1_penalty(real_logits: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """``(1/2) E_{x~p} ||grad_x l(x)||^2``, Mescheder et al.'s (2018) zero-centred
    gradient penalty on real data (eq. R1), one value per leading index of
    ``real``; the discriminator adds ``gamma`` times it to its loss, which pulls
    its slope on the data, where the game should come to rest, to zero."""
    (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return grad.pow(2).sum(dim=(-2, -1)) / (2 * real_logits.shape[-1])
