"""Lecture 18.3: recurrent networks as autoregressive models over sequences, and
their baselines (n-grams, a causal convolution)."""

from .adding import TOLERANCE, SequenceRegressor, adding_problem, solved
from .base import SequenceModel, check_tokens
from .conv import CausalConv1d, CausalConvLanguageModel
from .gradients import (
    bptt_product,
    critical_radius,
    hidden_jacobians,
    jacobian_norms_by_lag,
    log_slope,
    scaled_orthogonal,
)
from .lstm import LSTM, lstm_from_torch, lstm_language_model, lstm_to_torch
from .ngram import NGramModel, fit_ngram
from .rnn import (
    RNN,
    RecurrentLanguageModel,
    rnn_from_torch,
    rnn_language_model,
    rnn_to_torch,
)

__all__ = [
    "LSTM",
    "RNN",
    "TOLERANCE",
    "CausalConv1d",
    "CausalConvLanguageModel",
    "NGramModel",
    "RecurrentLanguageModel",
    "SequenceModel",
    "SequenceRegressor",
    "adding_problem",
    "bptt_product",
    "check_tokens",
    "critical_radius",
    "fit_ngram",
    "hidden_jacobians",
    "jacobian_norms_by_lag",
    "log_slope",
    "lstm_from_torch",
    "lstm_language_model",
    "lstm_to_torch",
    "rnn_from_torch",
    "rnn_language_model",
    "rnn_to_torch",
    "scaled_orthogonal",
    "solved",
]
