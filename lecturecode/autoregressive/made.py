"""Lecture 18.2.4: MADE, the masked autoencoder for distribution estimation
(Germain et al., 2015).

An autoencoder's output ``x_hat_d`` is a valid conditional ``p(x_d | x_<d)`` once
no path through the network joins input ``d'`` to output ``d`` unless ``d'``
comes before ``d``. Masks enforce it. Every unit ``k`` of a hidden layer gets a
degree ``m(k)``: the number of leading coordinates (in the ordering) it may see.
Input ``d`` has degree ``m(d)`` = its position in the ordering, ``1..D``; then

    m(k) uniform in [min of the previous layer's degrees, D - 1]       (eq. degrees)
    M^W_{k,d} = 1[m(k) >= m(d)]        (a unit sees units of no higher degree)
    M^V_{d,k} = 1[m(d) > m(k)]         (output d sees units of lower degree)
                                                                      (eq. masks)
    h(x) = g(b + (W * M^W) x),   x_hat = sigm(c + (V * M^V) h(x))      (eq. made)

With one hidden layer the lower end of (eq. degrees) is 1, as in the lecture.
Training with several orderings and degree draws ("mask sets") and averaging the
resulting distributions at test time gives an ensemble; it must average
probabilities, not logits.
"""

import math

import torch
from torch import nn

from ..nets import MaskedLinear
from ..runtime import check_batch, check_positive_int, to_device
from .base import AutoregressiveModel, check_ordering, ranks


def input_degrees(ordering: torch.Tensor) -> torch.Tensor:
    """``m(d)`` of the inputs: the position of coordinate ``d`` in the ordering,
    counted from 1."""
    return ranks(ordering) + 1


def hidden_degrees(
    size: int, previous: torch.Tensor, dim: int, generator: torch.Generator
) -> torch.Tensor:
    """``m(k)`` for ``size`` hidden units, uniform in ``[min(previous), D - 1]``
    (eq. degrees). No unit gets degree ``D``: it could feed no output."""
    low = int(previous.min())
    if low > dim - 1:
        raise ValueError(f"MADE needs dim >= 2 to have any hidden unit, got {dim}")
    return torch.randint(low, dim, (size,), generator=generator)


def mask_W(m_hidden: torch.Tensor, m_previous: torch.Tensor) -> torch.Tensor:
    """``M^W_{k,d} = 1[m(k) >= m(d)]``, shape ``(hidden, previous)``."""
    return (m_hidden.unsqueeze(1) >= m_previous.unsqueeze(0)).float()


def mask_V(m_output: torch.Tensor, m_hidden: torch.Tensor) -> torch.Tensor:
    """``M^V_{d,k} = 1[m(d) > m(k)]``, shape ``(D, hidden)``."""
    return (m_output.unsqueeze(1) > m_hidden.unsqueeze(0)).float()


def made_degrees(
    ordering: torch.Tensor, hidden_sizes, generator: torch.Generator
) -> list[torch.Tensor]:
    """The degrees of the inputs and of every hidden layer of a (deep) MADE for
    this ordering (eq. degrees): ``[m_inputs, m_1, ..., m_L]``."""
    degrees = [input_degrees(ordering)]
    for size in hidden_sizes:
        degrees.append(hidden_degrees(size, degrees[-1], len(ordering), generator))
    return degrees


def masks_from_degrees(degrees: list[torch.Tensor]) -> list[torch.Tensor]:
    """The masks of every layer (eq. masks): ``M^W`` between consecutive layers
    of degrees, then ``M^V`` from the last hidden layer to the outputs, which
    have the degrees of the inputs."""
    masks = [
        mask_W(m_next, m)
        for m, m_next in zip(degrees[:-1], degrees[1:], strict=True)
    ]
    return [*masks, mask_V(degrees[0], degrees[-1])]


def made_masks(
    ordering: torch.Tensor, hidden_sizes, generator: torch.Generator
) -> list[torch.Tensor]:
    """The masks of a freshly drawn mask set for this ordering (eq. degrees,
    eq. masks)."""
    return masks_from_degrees(made_degrees(ordering, hidden_sizes, generator))


class MADENet(nn.Module):
    """The masked network of eq. made, with any number of hidden layers (ReLU),
    ``outputs_per_dim`` outputs per coordinate and ``num_masks`` mask sets:
    output ``d`` depends on the coordinates before ``d`` in the ordering only.

    ``ordering`` is ``None`` (natural order for every mask set), ``"random"`` (a
    fresh random ordering per mask set) or a permutation (kept for every set).
    Mask set ``k`` is drawn from a generator seeded by ``(seed, k)``, so it can
    be rebuilt at will. The network is no distribution: :class:`MADE` reads its
    outputs as Bernoulli logits, :class:`~lecturecode.autoregressive.MAF` as a
    shift and a log-scale.
    """

    def __init__(
        self,
        dim: int,
        hidden_sizes=(500,),
        *,
        ordering=None,
        num_masks: int = 1,
        outputs_per_dim: int = 1,
        seed: int = 0,
    ):
        super().__init__()
        if isinstance(ordering, str) and ordering != "random":
            raise ValueError(
                f"ordering must be None, 'random' or a permutation, "
                f"got {ordering!r}"
            )
        self.dim = check_positive_int(dim, "dim")
        fixed = check_ordering(None if isinstance(ordering, str) else ordering, dim)
        if dim < 2:
            raise ValueError(f"MADE needs dim >= 2, got {dim}")
        check_positive_int(num_masks, "num_masks")
        check_positive_int(outputs_per_dim, "outputs_per_dim")
        if not hidden_sizes:
            raise ValueError("hidden_sizes must name at least one hidden layer")
        for size in hidden_sizes:
            check_positive_int(size, "hidden_sizes")
        self.register_buffer("ordering", fixed)
        self.hidden_sizes = tuple(hidden_sizes)
        self.random_ordering = ordering == "random"
        self.num_masks = num_masks
        self.outputs_per_dim = outputs_per_dim
        self.seed = seed
        self.fixed_ordering = fixed.clone()
        sizes = [dim, *self.hidden_sizes, dim * outputs_per_dim]
        self.layers = nn.ModuleList(
            MaskedLinear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.set_masks(0)

    def set_masks(self, index: int):
        """Install mask set ``index``: its ordering and its degrees (eq. masks)."""
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + index)
        if self.random_ordering:
            ordering = torch.randperm(self.dim, generator=generator)
        else:
            ordering = self.fixed_ordering  # an attribute: stays on the host
        degrees = made_degrees(ordering, self.hidden_sizes, generator)
        masks = masks_from_degrees(degrees)
        masks[-1] = masks[-1].repeat(self.outputs_per_dim, 1)
        device = self.layers[0].weight.device
        # drawn on the host; sent on without waiting (a new set every step of
        # mask cycling)
        for layer, mask in zip(self.layers, masks, strict=True):
            layer.mask = to_device(mask, device)  # new: graphs keep the old one
        self.ordering = to_device(ordering, device)
        self.unit_degrees = [to_device(m, device) for m in degrees[1:]]
        self.mask_index = index

    def zero_output(self):
        """Set the output layer to zero: the network then outputs 0 for every
        input (a MAF layer starts as the identity map)."""
        torch.nn.init.zeros_(self.layers[-1].weight)
        torch.nn.init.zeros_(self.layers[-1].bias)

    def forward(self, x):
        """The network's raw output: ``(batch, D)``, or ``(batch, D, P)`` for
        ``P = outputs_per_dim > 1``. One pass, whatever ``D``."""
        h = x
        for layer in self.layers[:-1]:
            h = torch.relu(layer(h))
        out = self.layers[-1](h)
        if self.outputs_per_dim == 1:
            return out
        return out.view(len(x), self.outputs_per_dim, self.dim).transpose(1, 2)

    def used_entries(self):
        """The weights that some mask set keeps (for ``free_parameters``)."""
        current = self.mask_index
        used = [layer.mask != 0 for layer in self.layers]
        for k in range(self.num_masks):
            self.set_masks(k)
            for entries, layer in zip(used, self.layers, strict=True):
                entries |= layer.mask != 0
        self.set_masks(current)
        layers = self.layers
        return [(layer.weight, u) for layer, u in zip(layers, used, strict=True)]


class MADE(AutoregressiveModel):
    """eq. made: a :class:`MADENet` with one output per coordinate, read as the
    Bernoulli logits of the conditionals. The arguments are the network's;
    ``set_masks`` and ``next_masks`` move both the network and the model's
    ordering to another mask set.
    """

    def __init__(
        self,
        dim: int,
        hidden_sizes=(500,),
        *,
        ordering=None,
        num_masks: int = 1,
        seed: int = 0,
    ):
        net = MADENet(
            dim, hidden_sizes, ordering=ordering, num_masks=num_masks, seed=seed
        )
        super().__init__(dim, net.ordering)
        self.net = net

    @property
    def num_masks(self) -> int:
        return self.net.num_masks

    @property
    def mask_index(self) -> int:
        return self.net.mask_index

    def set_masks(self, index: int):
        """Install mask set ``index`` (:meth:`MADENet.set_masks`)."""
        self.net.set_masks(index)
        self.ordering = self.net.ordering

    def next_masks(self):
        """Move on to the next mask set, cycling through ``num_masks``."""
        self.set_masks((self.mask_index + 1) % self.num_masks)

    def logits(self, x):
        check_batch(x, self.dim)
        return self.net(x)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None):
        """Ancestral sampling that computes every unit once. A unit of degree
        ``m`` reads the first ``m`` coordinates of the ordering only (eq.
        degrees), so it is computed at step ``m + 1``, just before the first
        output allowed to read it, and kept: ``D`` sequential steps with the
        arithmetic of one forward pass. Draws the same samples as the generic
        sampler for the same generator."""
        x = self._empty_batch(n)
        hidden = [x.new_zeros(n, size) for size in self.net.hidden_sizes]
        *layers, output = self.net.layers
        for step, i in enumerate(self.ordering.tolist()):
            below = x
            degrees = self.net.unit_degrees
            for layer, h, m in zip(layers, hidden, degrees, strict=True):
                k = (m == step).nonzero().squeeze(1)  # the units of degree `step`
                weight = layer.weight[k] * layer.mask[k]
                h[:, k] = torch.relu(below @ weight.T + layer.bias[k])
                below = h
            logit = below @ (output.weight[i] * output.mask[i]) + output.bias[i]
            x[:, i] = self.sample_conditional(logit, generator)
        return x


def mask_cycling_loss(model, batch):
    """Training loss for order- and connectivity-agnostic MADE: move to the next
    mask set, then the NLL of the batch under it. ``model`` is a MADE or a
    :class:`MADEMixture`; use as ``fit(..., loss_fn=mask_cycling_loss)``."""
    made = model.made if isinstance(model, MADEMixture) else model
    made.next_masks()
    return -made.log_prob(batch).mean()


class MADEMixture(nn.Module):
    """The test-time ensemble of a MADE's ``K`` mask sets, a uniform mixture:

        p(x) = (1/K) sum_k p_k(x),  log p(x) = logsumexp_k log p_k(x) - log K

    Every ``p_k`` is normalized, so their average is too.
    """

    def __init__(self, made: MADE):
        super().__init__()
        self.made, self.dim = made, made.dim

    def component_log_probs(self, x) -> torch.Tensor:
        """``log p_k(x)`` for every mask set ``k``, shape ``(K, batch)``."""
        current = self.made.mask_index
        log_probs = []
        for k in range(self.made.num_masks):
            self.made.set_masks(k)
            log_probs.append(self.made.log_prob(x))
        self.made.set_masks(current)
        return torch.stack(log_probs)

    def log_prob(self, x):
        log_p = self.component_log_probs(x)
        return torch.logsumexp(log_p, dim=0) - math.log(self.made.num_masks)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None):
        """Pick a mask set uniformly for each sample, then sample that MADE."""
        counts = torch.bincount(
            torch.randint(self.made.num_masks, (n,), generator=generator),
            minlength=self.made.num_masks,
        )
        current, parts = self.made.mask_index, []
        for k, count in enumerate(counts.tolist()):
            if count:
                self.made.set_masks(k)
                parts.append(self.made.sample(count, generator))
        self.made.set_masks(current)
        samples = torch.cat(parts)
        return samples[torch.randperm(n, generator=generator)]


def averaged_logits_log_prob(made: MADE, x: torch.Tensor) -> torch.Tensor:
    """The *wrong* ensemble: average the logits of all mask sets, then score ``x``
    with the result. With more than one ordering the averaged "conditional" of
    ``x_d`` depends on ``x_d``'s successors in some ordering, and the product no
    longer sums to one over all ``x``."""
    made.check_input(x)
    current = made.mask_index
    total = 0
    for k in range(made.num_masks):
        made.set_masks(k)
        total = total + made.logits(x)
    made.set_masks(current)
    return made.conditional_log_prob(total / made.num_masks, x).sum(dim=1)
