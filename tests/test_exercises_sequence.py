"""The exercise checks of the recurrent-network chapters accept the reference
solutions and reject plausible wrong answers, saying which mistake was made."""

import math

import pytest
import torch
from course_cases import references

from lecturecode.exercises import ExerciseFailed, lstm
from lecturecode.exercises import char_language_model as lm
from lecturecode.exercises import recurrent_networks as rnn

ref = references()  # the chapters' reference solutions

# Recurrent networks ----------------------------------------------------------------


def test_rnn_log_prob_check_accepts_the_solution():
    assert rnn.check_rnn_log_prob(ref.solution_rnn_log_prob)


def _log_prob_variant(shift=True, log=True, softmax=True, bits=False):
    def fn(W_hh, W_hx, W_hy, b_y, x):
        V = W_hy.shape[0]
        h = torch.zeros(W_hh.shape[0], dtype=W_hh.dtype)
        previous, total = V, 0.0
        for token in x.tolist():
            h = torch.tanh(W_hh @ h + W_hx[:, previous if shift else token])
            o = W_hy @ h + b_y
            if softmax:
                p = torch.log_softmax(o, 0) if log else torch.softmax(o, 0)
            else:
                p = o
            total = total + p[token]
            previous = token
        return total / math.log(2) if bits else total

    return fn


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_log_prob_variant(shift=False), "the input at step i is x_\\{i-1\\}"),
        (_log_prob_variant(softmax=False), "raw outputs"),
        (_log_prob_variant(log=False), "summed probabilities"),
        (_log_prob_variant(bits=True), "in bits"),
        (lambda *args: torch.zeros(3), "one number"),
        (lambda *args: "x", "not a number"),
        (lambda *args: 0.0, "expected"),
    ],
)
def test_rnn_log_prob_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        rnn.check_rnn_log_prob(wrong)


def test_nonnormal_check():
    W4 = torch.tensor([[0.9**4, 4 * 0.5 * 0.9**3], [0, 0.9**4]], dtype=torch.float64)
    assert rnn.check_nonnormal_gradient_norm(torch.linalg.svdvals(W4)[0].item())


@pytest.mark.parametrize(
    "wrong, message",
    [
        (0.9**4, "spectral radius"),
        (math.sqrt(2 * 0.9**8 + (2 * 0.9**3) ** 2), "Frobenius"),
        (1.184**4, "upper bound"),
        (1.0, "is not"),
    ],
)
def test_nonnormal_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        rnn.check_nonnormal_gradient_norm(wrong)


def test_clip_check_accepts_the_solution():
    assert rnn.check_clip_by_norm(ref.solution_clip_by_norm)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda gs, t: [g * min(1, t / g.norm().item()) for g in gs], "own norm"),
        (lambda gs, t: [g.clamp(-t, t) for g in gs], "each entry"),
        (
            lambda gs, t: [
                g * t / torch.sqrt(sum(h.pow(2).sum() for h in gs)) for g in gs
            ],
            "already below",
        ),
        (lambda gs, t: gs[0], "one tensor per gradient"),
        (lambda gs, t: gs, "differs"),
    ],
)
def test_clip_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        rnn.check_clip_by_norm(wrong)


# LSTM ------------------------------------------------------------------------------


def test_lstm_cell_check_accepts_the_solution():
    assert lstm.check_lstm_cell(ref.solution_lstm_cell)


def _cell_variant(mistake):
    def fn(x, h, s, p):
        def pre(n):
            return x @ p[f"W_{n}x"].T + h @ p[f"W_{n}h"].T + p[f"b_{n}"]

        act = torch.sigmoid if mistake == "sigmoid g" else torch.tanh
        g = act(pre("g"))
        i, f, o = (torch.sigmoid(pre(n)) for n in "ifo")
        if mistake == "swap":
            i, f = f, i
        s_new = g * i + (s if mistake == "no forget" else s * f)
        if mistake == "no tanh":
            return s_new * o, s_new
        if mistake == "tanh outside":
            return torch.tanh(s_new * o), s_new
        if mistake == "old state":
            return torch.tanh(s * o), s_new
        return torch.tanh(s_new) * o, s_new

    return fn


@pytest.mark.parametrize(
    "mistake, message",
    [
        ("swap", "swapped the gates"),
        ("no tanh", "tanh is missing"),
        ("tanh outside", "squash s_t first"),
        ("old state", "new state"),
        ("sigmoid g", "input node g uses tanh"),
        ("no forget", "forget gate is missing"),
    ],
)
def test_lstm_cell_check_rejects(mistake, message):
    with pytest.raises(ExerciseFailed, match=message):
        lstm.check_lstm_cell(_cell_variant(mistake))


def test_lstm_cell_check_rejects_a_single_output():
    with pytest.raises(ExerciseFailed, match="the pair"):
        lstm.check_lstm_cell(lambda x, h, s, p: h)


def test_lecture_weights_check_accepts_the_solution():
    assert lstm.check_lecture_weights(ref.solution_lecture_weights)


def _weights_variant(order=("i", "f", "g", "o"), both_biases=True):
    def fn(torch_lstm):
        H = torch_lstm.hidden_size
        bias = torch_lstm.bias_ih_l0 + (torch_lstm.bias_hh_l0 if both_biases else 0)
        out = {}
        for k, n in enumerate(order):
            rows = slice(k * H, (k + 1) * H)
            out[f"W_{n}x"] = torch_lstm.weight_ih_l0[rows]
            out[f"W_{n}h"] = torch_lstm.weight_hh_l0[rows]
            out[f"b_{n}"] = bias[rows]
        return out

    return fn


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_weights_variant(order=("g", "i", "f", "o")), "\\(i, f, g, o\\), not"),
        (_weights_variant(both_biases=False), "bias_ih \\+ bias_hh"),
        (_weights_variant(order=("i", "f", "o", "g")), "some blocks are wrong"),
        (lambda torch_lstm: {}, "keys"),
    ],
)
def test_lecture_weights_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        lstm.check_lecture_weights(wrong)


def test_carousel_check():
    assert lstm.check_carousel_factor((1 / (1 + math.exp(-3))) ** 50)


@pytest.mark.parametrize(
    "wrong, message",
    [(0.5**50, "sigma\\(0\\)"), (1 / (1 + math.exp(-3)), "one step"), (0.5, "not it")],
)
def test_carousel_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        lstm.check_carousel_factor(wrong)


# Character language model ------------------------------------------------------------


def test_temperature_check_accepts_the_solution():
    assert lm.check_sample_with_temperature(ref.solution_sample_with_temperature)


def _sampler(transform):
    def fn(logits, temperature, generator=None):
        probs = torch.softmax(transform(logits, temperature), -1)
        return torch.multinomial(probs, 1, generator=generator).squeeze(-1)

    return fn


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_sampler(lambda o, t: o * t), "multiplied by the temperature"),
        (_sampler(lambda o, t: o), "no effect"),
        (_sampler(lambda o, t: o / t**2), "temperature divides the logits, once"),
        (lambda o, t, g=None: o.argmax(-1), "frequencies"),
        (lambda o, t, g=None: torch.zeros(3, dtype=torch.long), "one token per row"),
    ],
)
def test_temperature_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        lm.check_sample_with_temperature(wrong)


def test_uniform_bpc_check():
    from lecturecode.data.text import python_docs_text

    V = len(set(python_docs_text()))
    assert lm.check_uniform_bits_per_char(math.log2(V))
    for wrong, message in [(math.log(V), "nats"), (1 / V, "probability"),
                           (4.0, "not it")]:
        with pytest.raises(ExerciseFailed, match=message):
            lm.check_uniform_bits_per_char(wrong)
