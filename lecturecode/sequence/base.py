"""Autoregressive models over sequences of tokens (lecture 18.2.1 and 18.3).

A sequence ``x = (x_1, ..., x_T)`` of tokens from ``{0, ..., V-1}`` has, by the
chain rule,

    log p(x) = sum_i log p(x_i | x_<i)                                 (eq. chain)

and each model here computes all ``T`` conditionals as ``logits(x)``, shape
``(batch, T, V)``: position ``i`` holds the unnormalized log-probabilities of
``x_i`` and may depend on ``x_<i`` only (the autoregressive property).

The first token is conditioned on a *start symbol*, an extra token with id ``V``
that never occurs in the data: the input at position ``i`` is ``x_{i-1}``, with
``x_0 = V``. Tokens enter the networks as one-hot vectors of length ``V + 1``.
"""

import torch
import torch.nn.functional as F
from torch import nn

from ..runtime import check_positive_int, values_trusted


def check_tokens(x, vocab_size: int, name: str = "x") -> torch.Tensor:
    """Validate a batch of token sequences: an integer tensor ``(batch, T)`` with
    ``T >= 1`` and every entry in ``{0, ..., vocab_size - 1}``."""
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.dtype.is_floating_point or x.dtype.is_complex or x.dtype == torch.bool:
        raise ValueError(f"{name} must hold integer token ids, got {x.dtype}")
    if x.dim() != 2 or x.shape[1] == 0:
        raise ValueError(
            f"{name} must have shape (batch, length) with length >= 1, "
            f"got {tuple(x.shape)}"
        )
    if (x.numel() and not values_trusted()
            and (x.min() < 0 or x.max() >= vocab_size)):
        raise ValueError(
            f"{name} must hold token ids in 0..{vocab_size - 1}, found values in "
            f"{x.min().item()}..{x.max().item()}"
        )
    return x


class SequenceModel(nn.Module):
    """An autoregressive model ``p(x) = prod_i p(x_i | x_<i)`` over token
    sequences, with the start-symbol convention of the module docstring."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.start = vocab_size  # the start symbol's id, x_0
        # An empty buffer that follows .to(device, dtype).
        self.register_buffer("_anchor", torch.zeros(0))

    def one_hot(self, tokens: torch.Tensor) -> torch.Tensor:
        """Tokens ``(batch, T)`` -> one-hot vectors ``(batch, T, V + 1)``
        (a scatter: ``F.one_hot`` on the CPU reads the ids' range back, which
        a training step has no need for; :func:`check_tokens` checks it)."""
        vectors = torch.zeros(*tokens.shape, self.vocab_size + 1,
                              dtype=self._anchor.dtype, device=tokens.device)
        return vectors.scatter_(-1, tokens.unsqueeze(-1), 1.0)

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        """The network's inputs ``(x_0, ..., x_{T-1})``, one-hot: ``x`` shifted
        right by one, the start symbol in front."""
        start = torch.full_like(x[:, :1], self.start)
        # teacher forcing: step i reads the true x_{i-1}, never a sample
        return self.one_hot(torch.cat([start, x[:, :-1]], dim=1))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, T, V)``: position ``i`` parametrizes ``p(x_i | x_<i)``."""
        return self.conditionals(self.inputs(x))

    def conditionals(self, inputs: torch.Tensor) -> torch.Tensor:
        """The network: one-hot inputs ``x_0..x_{T-1}`` -> logits ``(batch, T, V)``
        in which position ``i`` may depend on ``inputs[:, :i+1]`` only."""
        raise NotImplementedError  # abstract: each network computes its own

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """``log p(x)`` in nats, one value per sequence (eq. chain)."""
        check_tokens(x, self.vocab_size)
        log_p = F.log_softmax(self.logits(x), dim=-1)
        return log_p.gather(-1, x.unsqueeze(-1)).squeeze(-1).sum(dim=1)

    @torch.no_grad()
    def sample(
        self,
        n: int,
        length: int,
        generator: torch.Generator | None = None,
        temperature: float = 1.0,
    ) -> torch.Tensor:
        """Draw ``n`` sequences of ``length`` tokens, one position at a time:
        ``x_i ~ softmax(logits_i / temperature)``.

        This generic sampler recomputes all logits for every position (quadratic
        in ``length``); recurrent models override it with an O(length) one.
        """
        check_positive_int(n, "n")
        check_positive_int(length, "length")
        x = torch.zeros(n, length, dtype=torch.long, device=self._anchor.device)
        for i in range(length):
            # Positions >= i are still zero; logits[:, i] cannot see them.
            x[:, i] = draw(self.logits(x)[:, i], temperature, generator)
        return x


def draw(logits, temperature: float, generator=None) -> torch.Tensor:
    """One token per row from ``softmax(logits / temperature)``."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}")
    probs = F.softmax(logits.double() / temperature, dim=-1)
    device = generator.device if generator is not None else probs.device
    return torch.multinomial(probs.to(device), 1, generator=generator).squeeze(
        1
    ).to(logits.device)
