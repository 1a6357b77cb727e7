"""The LSTM of lecture 18.3.1 (Hochreiter & Schmidhuber, 1997, with the forget
gate of Gers et al., 2000), written from its equations with the lecture's names:

    g_t = tanh(W_gx x_t + W_gh h_{t-1} + b_g)        input node        (eq. g)
    i_t = sigma(W_ix x_t + W_ih h_{t-1} + b_i)       input gate        (eq. i)
    f_t = sigma(W_fx x_t + W_fh h_{t-1} + b_f)       forget gate       (eq. f)
    o_t = sigma(W_ox x_t + W_oh h_{t-1} + b_o)       output gate       (eq. o)
    s_t = g_t * i_t + s_{t-1} * f_t                  internal state    (eq. s)
    h_t = tanh(s_t) * o_t                            hidden state      (eq. h)

(``*`` is the element-wise product; the lecture's Phi and phi are both tanh.)

``torch.nn.LSTM`` computes the same function. It stacks the four blocks of weights
in the order (i, f, g, o) and has two bias vectors where the lecture has one;
:func:`lstm_to_torch` and :func:`lstm_from_torch` translate, and the tests check
that both compute the same numbers.
"""

import torch
from torch import nn

from ..runtime import check_positive_int
from .rnn import (
    RecurrentLanguageModel,
    check_language_model,
    one_hot_start,
    uniform_,
)

LECTURE_ORDER = ("g", "i", "f", "o")
TORCH_ORDER = ("i", "f", "g", "o")  # row blocks of nn.LSTM's weight_ih, weight_hh


class LSTM(nn.Module):
    """The lecture's LSTM over a sequence, one step at a time.

    Parameters ``W_{n}x``, ``W_{n}h``, ``b_{n}`` for each ``n`` in ``g, i, f, o``.
    Same calling convention as ``torch.nn.LSTM(..., batch_first=True)``:
    ``forward(x, (h_0, s_0))`` takes inputs ``(batch, T, input_size)`` and an
    optional state of two ``(1, batch, H)`` tensors (zeros when left out), and
    returns all ``h_t`` ``(batch, T, H)`` and the last ``(h_T, s_T)``.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = H = check_positive_int(hidden_size, "hidden_size")
        for n in LECTURE_ORDER:
            for name, shape in ((f"W_{n}x", (H, input_size)), (f"W_{n}h", (H, H)),
                                (f"b_{n}", (H,))):
                self.register_parameter(
                    name, nn.Parameter(uniform_(torch.empty(shape), H))
                )

    def gates(self, x_t, h):
        """(eq. g) to (eq. o): the input node and the three gates."""
        g = torch.tanh(x_t @ self.W_gx.T + h @ self.W_gh.T + self.b_g)
        i = torch.sigmoid(x_t @ self.W_ix.T + h @ self.W_ih.T + self.b_i)
        f = torch.sigmoid(x_t @ self.W_fx.T + h @ self.W_fh.T + self.b_f)
        o = torch.sigmoid(x_t @ self.W_ox.T + h @ self.W_oh.T + self.b_o)
        return g, i, f, o

    def cell(self, x_t, h, s):
        """One step, (eq. g) to (eq. h), for a batch of row vectors."""
        g, i, f, o = self.gates(x_t, h)
        s = g * i + s * f
        h = torch.tanh(s) * o
        return h, s

    @torch.no_grad()
    def trace(self, x: torch.Tensor) -> dict:
        """Every quantity of (eq. g) to (eq. h) at every step, each
        ``(batch, T, H)``, from a zero state: what the cell does, for plots."""
        h, s = self.initial_state(x.shape[0], x)
        steps = []
        for t in range(x.shape[1]):
            g, i, f, o = self.gates(x[:, t], h)
            h, s = self.cell(x[:, t], h, s)
            steps.append({"g": g, "i": i, "f": f, "o": o, "s": s, "h": h})
        return {k: torch.stack([step[k] for step in steps], 1) for k in steps[0]}

    def initial_state(self, batch: int, like: torch.Tensor) -> tuple:
        zeros = like.new_zeros(batch, self.hidden_size)
        return zeros, zeros

    def step(self, x_t: torch.Tensor, state: tuple) -> tuple:
        """One step on the state tuple ``(h, s)``; see :func:`hidden_jacobians`."""
        return self.cell(x_t, *state)

    def forward(self, x: torch.Tensor, state: tuple | None = None):
        if state is None:
            h, s = self.initial_state(x.shape[0], x)
        else:
            h, s = state[0][0], state[1][0]
        hidden = []
        for t in range(x.shape[1]):
            h, s = self.cell(x[:, t], h, s)
            hidden.append(h)
        return torch.stack(hidden, dim=1), (h.unsqueeze(0), s.unsqueeze(0))


def lstm_to_torch(lstm: LSTM) -> nn.LSTM:
    """A ``torch.nn.LSTM`` computing exactly what ``lstm`` computes: the blocks
    restacked in PyTorch's order (i, f, g, o), the bias in ``bias_ih``, and
    ``bias_hh = 0``."""
    torch_lstm = nn.LSTM(lstm.input_size, lstm.hidden_size, batch_first=True)
    torch_lstm = torch_lstm.to(lstm.W_gx)  # device and dtype first, then copy
    with torch.no_grad():
        for which, suffix in (("ih", "x"), ("hh", "h")):
            weight = getattr(torch_lstm, f"weight_{which}_l0")
            weight.copy_(
                torch.cat([getattr(lstm, f"W_{n}{suffix}") for n in TORCH_ORDER])
            )
        torch_lstm.bias_ih_l0.copy_(
            torch.cat([getattr(lstm, f"b_{n}") for n in TORCH_ORDER])
        )
        torch_lstm.bias_hh_l0.zero_()
    return torch_lstm


def lstm_from_torch(torch_lstm: nn.LSTM) -> LSTM:
    """The lecture's :class:`LSTM` with the weights of a one-layer, one-way
    ``torch.nn.LSTM``: block ``k`` of PyTorch's stacked weights is gate
    ``TORCH_ORDER[k]``, and the lecture's bias is ``bias_ih + bias_hh``."""
    if torch_lstm.num_layers != 1 or torch_lstm.bidirectional or (
        torch_lstm.proj_size
    ):
        raise ValueError("expected a one-layer, one-way nn.LSTM without projection")
    lstm = LSTM(torch_lstm.input_size, torch_lstm.hidden_size)
    lstm = lstm.to(torch_lstm.weight_hh_l0)
    H = lstm.hidden_size
    weights = {
        "x": torch_lstm.weight_ih_l0,
        "h": torch_lstm.weight_hh_l0,
    }
    bias = (
        torch_lstm.bias_ih_l0 + torch_lstm.bias_hh_l0
        if torch_lstm.bias
        else torch.zeros_like(torch_lstm.weight_hh_l0[:, 0])
    )
    with torch.no_grad():
        for k, n in enumerate(TORCH_ORDER):
            block = slice(k * H, (k + 1) * H)
            for suffix, weight in weights.items():
                getattr(lstm, f"W_{n}{suffix}").copy_(weight[block])
            getattr(lstm, f"b_{n}").copy_(bias[block])
    return lstm


def lstm_language_model(
    vocab_size: int, hidden_size: int, literal: bool = False, dropout: float = 0.0,
    input_bound: float | None = None,
) -> RecurrentLanguageModel:
    """The LSTM language model: the lecture's :class:`LSTM` when ``literal``, else
    the equivalent ``torch.nn.LSTM``. With ``input_bound``, the four input weights
    ``W_gx, W_ix, W_fx, W_ox`` start uniform on ``[-input_bound, input_bound]``
    (see :func:`~lecturecode.sequence.rnn.one_hot_start`)."""
    check_language_model(vocab_size, dropout, input_bound)
    recurrence = LSTM(vocab_size + 1, hidden_size)
    if input_bound is not None:
        for n in LECTURE_ORDER:
            one_hot_start(getattr(recurrence, f"W_{n}x"), input_bound)
    if not literal:
        recurrence = lstm_to_torch(recurrence)
    return RecurrentLanguageModel(recurrence, vocab_size, dropout)
