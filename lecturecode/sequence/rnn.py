"""The recurrent neural network of lecture 18.3, written from its equations,

    h_i = tanh(W_hh h_{i-1} + W_hx x_i)                                 (eq. rnn)
    o_i = W_hy h_i + b_y                                                 (eq. out)

and used as an autoregressive model: ``o_i`` are the logits of
``p(x_i | x_<i)``. The same three matrices serve every position (weight tying),
so the number of parameters does not depend on the length of the sequence.

For ``h_i`` to see only ``x_<i`` the input at step ``i`` is the previous token
(the start symbol at step 1), see :mod:`lecturecode.sequence.base`. With one-hot
inputs ``W_hx x_i`` is column ``x_i`` of ``W_hx``, so a bias in (eq. rnn) would
add nothing; the output gets one, ``b_y`` (the lecture leaves it out).
"""

import math

import torch
from torch import nn

from ..nets import Dropout
from ..runtime import check_positive, check_positive_int, check_rate
from .base import SequenceModel, draw


def uniform_(tensor: torch.Tensor, hidden_size: int) -> torch.Tensor:
    """PyTorch's initialization of recurrent weights: U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1 / math.sqrt(hidden_size)
    return nn.init.uniform_(tensor, -bound, bound)


def one_hot_start(W_x: torch.Tensor, bound: float) -> torch.Tensor:
    """Redraw input weights uniform on ``[-bound, bound]``, in place.

    A one-hot input ``x_i`` selects one column of ``W_x``, so that column is the
    whole input signal. PyTorch's recurrent default, ``U(-1/sqrt(H), 1/sqrt(H))``,
    makes it tiny for a wide ``H`` (the scale suits dense inputs, whose columns
    add up), and Adam's steps of about ``lr`` per weight then take hundreds of
    steps to grow it; a bound near one starts it at the scale it needs.
    """
    if not bound > 0:
        raise ValueError(f"bound must be positive, got {bound!r}")
    with torch.no_grad():
        return nn.init.uniform_(W_x, -bound, bound)


class RNN(nn.Module):
    """The lecture's recurrence (eq. rnn), one step at a time.

    Same calling convention as ``torch.nn.RNN(..., bias=False, batch_first=True)``:
    ``forward(x, h_0)`` takes inputs ``(batch, T, input_size)`` and an optional
    ``h_0`` of shape ``(1, batch, H)`` (zeros when left out) and returns all hidden
    states ``(batch, T, H)`` and the last one, ``(1, batch, H)``.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.W_hh = nn.Parameter(uniform_(torch.empty(hidden_size, hidden_size),
                                          hidden_size))
        self.W_hx = nn.Parameter(uniform_(torch.empty(hidden_size, input_size),
                                          hidden_size))

    def cell(self, x_i: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """``h_i = tanh(W_hh h_{i-1} + W_hx x_i)`` for a batch of row vectors."""
        return torch.tanh(h @ self.W_hh.T + x_i @ self.W_hx.T)

    def initial_state(self, batch: int, like: torch.Tensor) -> tuple:
        return (like.new_zeros(batch, self.hidden_size),)

    def step(self, x_i: torch.Tensor, state: tuple) -> tuple:
        """One step on the state tuple ``(h,)``; see :func:`hidden_jacobians`."""
        return (self.cell(x_i, state[0]),)

    def forward(self, x: torch.Tensor, h_0: torch.Tensor | None = None):
        h = x.new_zeros(x.shape[0], self.hidden_size) if h_0 is None else h_0[0]
        hidden = []
        for i in range(x.shape[1]):  # sequential: h_i needs h_{i-1}
            h = self.cell(x[:, i], h)
            hidden.append(h)
        return torch.stack(hidden, dim=1), h.unsqueeze(0)


def rnn_to_torch(rnn: RNN) -> nn.RNN:
    """A ``torch.nn.RNN`` computing exactly what ``rnn`` computes."""
    torch_rnn = nn.RNN(rnn.input_size, rnn.hidden_size, bias=False,
                       batch_first=True).to(rnn.W_hh)
    with torch.no_grad():
        torch_rnn.weight_ih_l0.copy_(rnn.W_hx)
        torch_rnn.weight_hh_l0.copy_(rnn.W_hh)
    return torch_rnn


def rnn_from_torch(torch_rnn: nn.RNN) -> RNN:
    """The lecture's :class:`RNN` with the weights of a one-layer, bias-free,
    tanh ``torch.nn.RNN``."""
    if (torch_rnn.num_layers, torch_rnn.bias, torch_rnn.nonlinearity) != (
        1, False, "tanh"
    ) or torch_rnn.bidirectional:
        raise ValueError("expected a one-layer, one-way, bias-free tanh nn.RNN")
    rnn = RNN(torch_rnn.input_size, torch_rnn.hidden_size)
    rnn = rnn.to(torch_rnn.weight_hh_l0)
    with torch.no_grad():
        rnn.W_hx.copy_(torch_rnn.weight_ih_l0)
        rnn.W_hh.copy_(torch_rnn.weight_hh_l0)
    return rnn


class RecurrentLanguageModel(SequenceModel):
    """An autoregressive model over tokens whose conditionals come from a
    recurrence: ``h_i`` from the inputs ``x_0..x_{i-1}``, then (eq. out).

    ``recurrence`` is the lecture's :class:`RNN` or
    :class:`~lecturecode.sequence.lstm.LSTM`, or PyTorch's ``nn.RNN`` / ``nn.LSTM``
    with ``batch_first=True`` (same weights, same numbers, faster; see the book).
    """

    def __init__(self, recurrence: nn.Module, vocab_size: int,
                 dropout: float = 0.0):
        super().__init__(vocab_size)
        check_rate(dropout, "dropout")
        if recurrence.input_size != vocab_size + 1:
            raise ValueError(
                f"the recurrence takes {recurrence.input_size} inputs; one-hot "
                f"tokens with a start symbol need vocab_size + 1 = {vocab_size + 1}"
            )
        self.recurrence = recurrence
        self.dropout = Dropout(dropout)  # on h_i, in training only
        self.W_hy = nn.Linear(recurrence.hidden_size, vocab_size)  # W_hy, b_y

    def conditionals(self, inputs: torch.Tensor) -> torch.Tensor:
        hidden, _ = self.recurrence(inputs)
        return self.W_hy(self.dropout(hidden))

    @torch.no_grad()
    def sample(self, n, length, generator=None, temperature=1.0):
        """Ancestral sampling in O(length): carry the recurrent state forward."""
        check_positive_int(n, "n")
        check_positive_int(length, "length")
        token = torch.full((n, 1), self.start, device=self._anchor.device)
        state, x = None, []
        for _ in range(length):
            hidden, state = self.recurrence(self.one_hot(token), state)
            token = draw(self.W_hy(hidden[:, -1]), temperature, generator)
            x.append(token)
            token = token.unsqueeze(1)
        return torch.stack(x, dim=1)


def check_language_model(vocab_size, dropout, input_bound) -> None:
    """The sizes of :func:`rnn_language_model` and
    :func:`~lecturecode.sequence.lstm.lstm_language_model` that the recurrence
    does not check itself."""
    check_positive_int(vocab_size, "vocab_size")
    check_rate(dropout, "dropout")
    if input_bound is not None:
        check_positive(input_bound, "input_bound")


def rnn_language_model(
    vocab_size: int, hidden_size: int, literal: bool = False, dropout: float = 0.0,
    input_bound: float | None = None,
) -> RecurrentLanguageModel:
    """The RNN language model: the lecture's :class:`RNN` when ``literal``, else
    the equivalent ``torch.nn.RNN(bias=False)``. With ``input_bound``, ``W_hx``
    starts uniform on ``[-input_bound, input_bound]`` (:func:`one_hot_start`)."""
    check_language_model(vocab_size, dropout, input_bound)
    recurrence = RNN(vocab_size + 1, hidden_size)
    if input_bound is not None:
        one_hot_start(recurrence.W_hx, input_bound)
    if not literal:
        recurrence = rnn_to_torch(recurrence)
    return RecurrentLanguageModel(recurrence, vocab_size, dropout)
