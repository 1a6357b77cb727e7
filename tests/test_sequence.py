"""Recurrent networks (lecture 18.3): the RNN and LSTM against PyTorch's, the
likelihood of every sequence model sums to one, the autoregressive property, the
gradient-norm measurement against cases with a known answer, the adding problem's
definition, the n-gram baseline against a plain reference, the text split, and
input validation."""

import itertools
import math
from collections import Counter

import pytest
import torch
from torch import nn

from lecturecode.data.text import (
    BLOCK,
    TextData,
    chunk,
    load_python_docs,
    python_docs_text,
    split_text,
    verbatim_share,
)
from lecturecode.experiments.sequence import (
    CharData,
    bits_per_char,
    context_ablation,
    ngram_baselines,
    ngram_bpc_after,
    train_adding,
    train_char_model,
)
from lecturecode.records import recipe_card
from lecturecode.runtime import count_parameters, perturb_parameters
from lecturecode.sequence import (
    LSTM,
    RNN,
    CausalConvLanguageModel,
    NGramModel,
    RecurrentLanguageModel,
    SequenceModel,
    SequenceRegressor,
    adding_problem,
    bptt_product,
    critical_radius,
    fit_ngram,
    hidden_jacobians,
    jacobian_norms_by_lag,
    lstm_from_torch,
    lstm_language_model,
    lstm_to_torch,
    rnn_from_torch,
    rnn_language_model,
    rnn_to_torch,
    scaled_orthogonal,
    solved,
)

F64 = torch.float64


def gen(seed):
    return torch.Generator().manual_seed(seed)


# The recurrences against PyTorch's ----------------------------------------------

SHAPES = [(1, 1, 1, 1), (3, 5, 7, 11), (4, 17, 2, 1), (2, 3, 33, 40)]


@pytest.mark.parametrize("batch, input_size, hidden, T", SHAPES)
def test_lstm_from_torch_computes_what_torch_computes(batch, input_size, hidden, T):
    torch.manual_seed(batch + input_size + hidden)
    theirs = nn.LSTM(input_size, hidden, batch_first=True)
    with torch.no_grad():  # both biases nonzero: the lecture's bias is their sum
        theirs.bias_hh_l0.normal_()
    ours = lstm_from_torch(theirs)
    x = torch.randn(batch, T, input_size)
    state = (torch.randn(1, batch, hidden), torch.randn(1, batch, hidden))
    for initial in (None, state):
        expected, (h_T, s_T) = theirs(x, initial)
        got, (h, s) = ours(x, initial)
        for a, b in ((got, expected), (h, h_T), (s, s_T)):
            torch.testing.assert_close(a, b, atol=2e-6, rtol=1e-5)


@pytest.mark.parametrize("batch, input_size, hidden, T", SHAPES)
def test_lstm_to_torch_computes_what_ours_computes(batch, input_size, hidden, T):
    ours = perturb_parameters(LSTM(input_size, hidden).double(), 0.5, gen(T))
    theirs = lstm_to_torch(ours)
    assert theirs.weight_ih_l0.dtype == F64
    x = torch.randn(batch, T, input_size, generator=gen(1), dtype=F64)
    torch.testing.assert_close(ours(x)[0], theirs(x)[0], atol=1e-12, rtol=1e-12)
    round_trip = lstm_from_torch(theirs)
    for name, p in ours.named_parameters():
        torch.testing.assert_close(getattr(round_trip, name), p)


def test_lstm_gate_layout_is_i_f_g_o():
    """Only the input node g gets a huge bias: PyTorch must see it in block 2."""
    ours = LSTM(2, 3)
    with torch.no_grad():
        ours.b_g.fill_(100.0)
    bias = lstm_to_torch(ours).bias_ih_l0.detach()
    assert (bias[6:9] == 100).all() and (bias[:6].abs() < 1).all()
    assert (bias[9:].abs() < 1).all()


def test_lstm_cell_follows_the_equations():
    """One step by hand from the lecture's equations, with s_0 = 1 so f matters."""
    lstm = perturb_parameters(LSTM(3, 2).double(), 0.5, gen(4))
    x = torch.randn(1, 3, dtype=F64, generator=gen(5))
    h0 = torch.randn(1, 2, dtype=F64, generator=gen(6))
    s0 = torch.ones(1, 2, dtype=F64)

    def gate(n, act):
        p = lambda name: getattr(lstm, name)  # noqa: E731
        return act(x @ p(f"W_{n}x").T + h0 @ p(f"W_{n}h").T + p(f"b_{n}"))

    g, i = gate("g", torch.tanh), gate("i", torch.sigmoid)
    f, o = gate("f", torch.sigmoid), gate("o", torch.sigmoid)
    s = g * i + s0 * f
    h, s_next = lstm.cell(x, h0, s0)
    torch.testing.assert_close(s_next, s)
    torch.testing.assert_close(h, torch.tanh(s) * o)


@pytest.mark.parametrize("batch, input_size, hidden, T", SHAPES)
def test_rnn_computes_what_torch_rnn_computes(batch, input_size, hidden, T):
    # in float64 from a seeded start: in float32, 40 steps of a 33-unit tanh
    # recurrence parted by 4e-5 for some starting weights
    torch.manual_seed(T)
    ours = perturb_parameters(RNN(input_size, hidden).double(), 0.3, gen(T))
    theirs = rnn_to_torch(ours)
    assert theirs.weight_hh_l0.dtype == F64
    x = torch.randn(batch, T, input_size, generator=gen(2), dtype=F64)
    h0 = torch.randn(1, batch, hidden, generator=gen(3), dtype=F64)
    torch.testing.assert_close(ours(x, h0)[0], theirs(x, h0)[0],
                               atol=1e-12, rtol=1e-12)
    back = rnn_from_torch(theirs)
    torch.testing.assert_close(back(x)[1], theirs(x)[1], atol=1e-12, rtol=1e-12)


def test_rnn_cell_is_the_lecture_equation():
    rnn = RNN(3, 4)
    x, h = torch.randn(2, 3, generator=gen(1)), torch.randn(2, 4, generator=gen(2))
    expected = torch.tanh(rnn.W_hh @ h[0] + rnn.W_hx @ x[0])
    torch.testing.assert_close(rnn.cell(x, h)[0], expected)


# Likelihoods ------------------------------------------------------------------

V, T_SMALL = 3, 4


def tiny_models():
    """Every sequence model of the chapter on vocabulary 3, generic weights."""
    corpus = torch.randint(V, (30, 7), generator=gen(0))
    models = {
        "rnn (lecture)": rnn_language_model(V, 5, literal=True),
        "rnn (torch)": rnn_language_model(V, 5),
        "lstm (lecture)": lstm_language_model(V, 5, literal=True),
        "lstm (torch)": lstm_language_model(V, 5),
        "causal conv": CausalConvLanguageModel(V, 6, layers=2, kernel_size=2),
        "3-gram": fit_ngram(corpus, V, 3),
        "1-gram": fit_ngram(corpus, V, 1),
    }
    return {
        name: perturb_parameters(model.double(), 0.5, gen(len(name)))
        for name, model in models.items()
    }


MODELS = tiny_models()


@pytest.mark.parametrize("name", list(MODELS))
def test_probabilities_of_all_sequences_sum_to_one(name):
    every = torch.tensor(list(itertools.product(range(V), repeat=T_SMALL)))
    total = MODELS[name].log_prob(every).exp().sum().item()
    assert total == pytest.approx(1, abs=1e-12)


def test_the_sum_check_can_fail():
    """Drop the softmax normalization and the same sum is far from one."""
    model = MODELS["lstm (lecture)"]
    every = torch.tensor(list(itertools.product(range(V), repeat=T_SMALL)))
    logits = model.logits(every)
    unnormalized = logits.gather(-1, every.unsqueeze(-1)).squeeze(-1).sum(1)
    assert abs(unnormalized.exp().sum().item() - 1) > 0.1


def test_reading_the_token_itself_is_no_distribution():
    """The chapter's copy RNN sums to one when step i reads x_{i-1} (start symbol
    first), and far more than one when step i reads x_i itself."""
    model = rnn_language_model(V, 8, literal=True).double()
    with torch.no_grad():  # W_hx writes the token into h, W_hy reads it back out
        model.recurrence.W_hh.zero_()
        model.recurrence.W_hx.copy_(3 * torch.eye(8, V + 1))
        model.W_hy.weight.copy_(3 * torch.eye(V, 8))
        model.W_hy.bias.zero_()
    every = torch.tensor(list(itertools.product(range(V), repeat=6)))
    assert model.log_prob(every).exp().sum().item() == pytest.approx(1, abs=1e-12)
    with torch.no_grad():
        peeking = torch.log_softmax(model.conditionals(model.one_hot(every)), -1)
    total = peeking.gather(-1, every[..., None]).sum((1, 2)).exp().sum().item()
    assert total > 10


NEURAL = [name for name in MODELS if "gram" not in name]


@pytest.mark.parametrize("name", NEURAL)
def test_output_i_has_zero_gradient_wrt_inputs_at_positions_from_i(name):
    """``logits[:, i]`` is a function of x_<i: its gradient with respect to the
    one-hot of x_j, j >= i (network input j + 1), is exactly zero, and nonzero
    for some j < i."""
    model, T = MODELS[name], 6
    x = torch.randint(V, (2, T), generator=gen(7))
    inputs = model.inputs(x).requires_grad_()
    logits = model.conditionals(inputs)
    # a random read-out of the logits: their plain sum can have zero gradient
    weights = torch.randn(logits.shape, generator=gen(8), dtype=logits.dtype)
    for i in range(T):
        (grad,) = torch.autograd.grad((logits[:, i] * weights[:, i]).sum(), inputs,
                                      retain_graph=True)
        future = grad[:, i + 1 :]  # inputs[:, j + 1] holds x_j
        assert (future == 0).all(), f"position {i} sees the future"
        assert grad[:, : i + 1].abs().sum() > 0  # and it does see its past


@pytest.mark.parametrize("name", list(MODELS))
def test_changing_later_tokens_leaves_earlier_conditionals_alone(name):
    model, T = MODELS[name], 6
    x = torch.randint(V, (4, T), generator=gen(8))
    before = model.logits(x)
    for i in range(T):
        changed = x.clone()
        changed[:, i:] = (changed[:, i:] + 1) % V
        after = model.logits(changed)
        assert torch.equal(after[:, : i + 1], before[:, : i + 1])


def test_weights_are_tied_across_positions():
    """The same model scores sequences of any length with the same parameters."""
    model = rnn_language_model(V, 8)
    before = count_parameters(model)
    for T in (1, 10, 1000):
        x = torch.randint(V, (2, T), generator=gen(T))
        assert model.log_prob(x).shape == (2,)
    assert count_parameters(model) == before == 8 * 8 + 8 * (V + 1) + V * 8 + V


def test_dropout_acts_in_training_only():
    torch.manual_seed(0)
    model = lstm_language_model(V, 16, dropout=0.5)
    x = torch.randint(V, (3, 9), generator=gen(4))
    model.train()
    assert not torch.equal(model.log_prob(x), model.log_prob(x))
    model.eval()
    plain = RecurrentLanguageModel(model.recurrence, V)
    plain.W_hy = model.W_hy
    torch.testing.assert_close(model.log_prob(x), plain.log_prob(x))


def test_recurrent_sampler_matches_the_generic_one():
    """The O(T) sampler that carries the state draws exactly what the chain rule's
    generic sampler draws from the same random numbers."""
    model = MODELS["lstm (lecture)"]
    fast = model.sample(50, 8, gen(3))
    slow = SequenceModel.sample(model, 50, 8, gen(3))
    assert torch.equal(fast, slow)


def test_sample_frequencies_match_the_probabilities():
    model = MODELS["rnn (torch)"]
    samples = model.sample(40_000, 3, gen(11))
    every = torch.tensor(list(itertools.product(range(V), repeat=3)))
    expected = model.log_prob(every).exp()
    codes = (samples * torch.tensor([9, 3, 1])).sum(1)
    observed = torch.bincount(codes, minlength=27).double() / len(samples)
    assert (observed - expected).abs().max() < 0.01


@pytest.mark.parametrize("name", ["lstm (torch)", "causal conv"])
def test_low_temperature_picks_the_most_likely_token(name):
    """As the temperature goes to zero, sampling becomes greedy decoding."""
    model = MODELS[name]
    samples = model.sample(20, 6, gen(1), temperature=1e-4)
    assert torch.equal(model.logits(samples).argmax(-1), samples)


# The n-gram baseline against a plain reference ----------------------------------


def reference_kneser_ney(rows, vocab, n):
    """Interpolated Kneser-Ney written with dictionaries, one order at a time."""
    start = vocab
    padded = [[start] * (n - 1) + row for row in rows]

    def grams(m):
        return [tuple(p[j - m + 1 : j + 1]) for p in padded for j in
                range(n - 1, len(p))]

    a = {n: Counter(grams(n))}
    for m in range(n - 1, 0, -1):
        a[m] = Counter(g[1:] for g in set(grams(m + 1)))
    discount = {}
    for m in range(1, n + 1):
        n1 = sum(1 for c in a[m].values() if c == 1)
        n2 = sum(1 for c in a[m].values() if c == 2)
        discount[m] = n1 / (n1 + 2 * n2) if n1 else 0.5

    def p(w, context, m):
        if m == 0:
            return 1 / vocab
        c = tuple(context[len(context) - (m - 1) :]) if m > 1 else ()
        total = sum(v for g, v in a[m].items() if g[:-1] == c)
        types = sum(1 for g in a[m] if g[:-1] == c)
        lower = p(w, context, m - 1)
        if total == 0:
            return lower
        D = discount[m]
        return (max(a[m].get(c + (w,), 0) - D, 0) + D * types * lower) / total

    def log_prob(row):
        context = [start] * (n - 1)
        total = 0.0
        for w in row:
            total += math.log(p(w, context, n))
            context = context[1:] + [w] if n > 1 else context
        return total

    return log_prob


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_ngram_equals_a_reference_kneser_ney(n):
    rows = torch.randint(4, (12, 9), generator=gen(n))
    rows[:, 3] = 2  # some structure, so that counts of 1 and 2 both occur
    model = NGramModel(4, n).double().fit(rows)
    reference = reference_kneser_ney(rows.tolist(), 4, n)
    test = torch.randint(4, (6, 7), generator=gen(10 + n))
    expected = torch.tensor([reference(row) for row in test.tolist()], dtype=F64)
    torch.testing.assert_close(model.log_prob(test), expected)


def test_ngram_log_prob_of_the_own_tokens_matches_its_full_conditionals():
    rows = torch.randint(5, (20, 12), generator=gen(4))
    model = fit_ngram(rows, 5, 3).double()
    test = torch.randint(5, (4, 9), generator=gen(5))
    torch.testing.assert_close(model.log_prob(test),
                               SequenceModel.log_prob(model, test))


def test_higher_order_ngrams_fit_patterned_text_better():
    pattern = torch.tensor([0, 1, 2, 1] * 20).reshape(8, 10)
    nll = [-fit_ngram(pattern, 3, n).log_prob(pattern).mean() for n in (1, 2, 3)]
    assert nll[0] > nll[1] > nll[2]


# Gradient norms ----------------------------------------------------------------


class LinearRecurrence:
    """h_t = a h_{t-1} + x_t: d h_T / d h_t = a^(T-t) I exactly."""

    def __init__(self, a, hidden_size=3):
        self.a, self.hidden_size = a, hidden_size

    def initial_state(self, batch, like):
        return (like.new_zeros(batch, self.hidden_size),)

    def step(self, x, state):
        return (self.a * state[0] + x,)


@pytest.mark.parametrize("a", [0.5, 0.9, 1.0, 1.3])
def test_gradient_norm_of_a_linear_rnn_is_a_to_the_lag(a):
    x = torch.randn(4, 25, 3, generator=gen(1), dtype=F64)
    norms = jacobian_norms_by_lag(LinearRecurrence(a), x)
    torch.testing.assert_close(norms, a ** torch.arange(25, dtype=F64))


def test_jacobians_of_the_rnn_equal_the_bptt_product():
    rnn = perturb_parameters(RNN(3, 5).double(), 0.5, gen(2))
    x = torch.randn(2, 12, 3, generator=gen(3), dtype=F64)
    torch.testing.assert_close(hidden_jacobians(rnn, x), bptt_product(rnn, x))


def test_lstm_jacobians_match_finite_differences():
    """The probe measures the total derivative, the path through s included."""
    lstm = perturb_parameters(LSTM(2, 3).double(), 0.5, gen(4))
    x = torch.randn(1, 6, 2, generator=gen(5), dtype=F64)
    J = hidden_jacobians(lstm, x)[0, 2]  # d h_6 / d h_3
    eps, columns = 1e-6, []
    for k in range(3):
        ends = []
        for sign in (1, -1):
            h, s = lstm.initial_state(1, x)
            for t in range(6):
                h, s = lstm.cell(x[:, t], h, s)
                if t == 2:
                    h = h + sign * eps * torch.eye(3, dtype=F64)[k]
            ends.append(h[0])
        columns.append((ends[0] - ends[1]) / (2 * eps))
    torch.testing.assert_close(J, torch.stack(columns, 1), atol=1e-8, rtol=1e-6)


def test_tanh_rnn_gradient_is_bounded_by_the_radius_to_the_lag():
    rho = 0.8
    rnn = RNN(2, 16).double()
    with torch.no_grad():
        rnn.W_hh.copy_(scaled_orthogonal(16, rho, gen(5)))
    x = torch.randn(3, 40, 2, generator=gen(6), dtype=F64)
    norms = jacobian_norms_by_lag(rnn, x)
    assert (norms <= rho ** torch.arange(40, dtype=F64) + 1e-12).all()


def test_scaled_orthogonal_has_the_radius_as_every_singular_value():
    W = scaled_orthogonal(10, 1.7, gen(0))
    torch.testing.assert_close(
        torch.linalg.svdvals(W), torch.full((10,), 1.7, dtype=F64)
    )
    torch.testing.assert_close(
        torch.linalg.eigvals(W).abs(), torch.full((10,), 1.7, dtype=F64)
    )


def test_critical_radius_of_a_linear_regime_is_one():
    # zero inputs keep a bias-free tanh RNN at h = 0, where tanh' = 1: the
    # Jacobian is (rho Q)^k, whose rate ln(rho) vanishes at rho = 1
    rnn = RNN(2, 8).double()
    Q = scaled_orthogonal(8, 1.0, gen(1))
    x = torch.zeros(2, 30, 2, dtype=F64)
    assert critical_radius(rnn, Q, x, lo=0.5, hi=2.0, xtol=1e-4) == pytest.approx(
        1.0, abs=1e-4)


def test_critical_radius_grows_with_saturation_and_needs_a_bracket():
    rnn = RNN(2, 16).double()
    Q = scaled_orthogonal(16, 1.0, gen(2))
    x = torch.randn(2, 40, 2, generator=gen(3), dtype=F64)
    weak = critical_radius(rnn, Q, 0.3 * x, hi=4.0, xtol=1e-2)
    strong = critical_radius(rnn, Q, 3.0 * x, hi=4.0, xtol=1e-2)
    assert 1.0 < weak < strong
    with pytest.raises(ValueError, match="does not change sign"):
        critical_radius(rnn, Q, x, lo=3.5, hi=4.0)


# The adding problem --------------------------------------------------------------


@pytest.mark.parametrize("T", [4, 20, 100])
def test_adding_problem_follows_the_paper(T):
    x, y = adding_problem(500, T, gen(T))
    values, markers = x[..., 0], x[..., 1]
    assert T <= x.shape[1] <= T + T // 10
    assert (values.abs() <= 1).all()
    assert ((markers == 1).sum(1) == 2).all()
    marked = (markers == 1).nonzero()[:, 1].reshape(-1, 2)
    assert (marked[:, 1] < max(10, T // 2)).all()  # both early in the sequence
    assert (marked[:, 0] < 10).all()
    others = markers.clone()
    others[markers == 1] = 0
    assert (others[:, 1:-1] == 0).all()
    last_marked = markers[:, -1] == 1  # possible when T < 10
    assert (others[~last_marked, -1] == -1).all()
    first_marked = markers[:, 0] == 1
    assert (values[first_marked, 0] == 0).all()
    assert (others[~first_marked, 0] == -1).all()
    torch.testing.assert_close(
        y, 0.5 + (values * (markers == 1)).sum(1) / 4
    )


def test_adding_problem_lengths_cover_t_to_t_plus_a_tenth():
    generator = gen(2)
    lengths = {adding_problem(2, 100, generator)[0].shape[1] for _ in range(200)}
    assert lengths == set(range(100, 111))


def test_adding_problem_uses_the_whole_range_of_positions():
    x, _ = adding_problem(4000, 40, gen(1))
    marked = (x[..., 1] == 1).nonzero()[:, 1].reshape(-1, 2)
    first = torch.where(marked[:, 0] < 10, marked[:, 0], marked[:, 1])
    assert set(first.tolist()) == set(range(10))
    assert marked.max().item() == 40 // 2 - 1


def test_solved_uses_the_papers_tolerance():
    target = torch.tensor([0.5, 0.5, 0.5])
    assert solved(torch.tensor([0.539, 0.461, 0.541]), target).tolist() == [
        True, True, False,
    ]


@pytest.mark.parametrize("make", [rnn_language_model, lstm_language_model])
def test_one_hot_start_draws_the_input_weights_only(make):
    torch.manual_seed(0)
    model = make(5, 64, input_bound=1.0)
    W_x = model.recurrence.weight_ih_l0
    W_h = model.recurrence.weight_hh_l0
    assert W_x.abs().max() <= 1.0 and W_x.abs().max() > 0.9
    assert W_h.abs().max() <= 1 / math.sqrt(64)  # the recurrent start is PyTorch's
    with pytest.raises(ValueError, match="bound must be positive"):
        make(5, 8, input_bound=0.0)


# The experiments' measurements and records ------------------------------------


def test_context_ablation_changes_nothing_when_the_model_sees_no_further():
    torch.manual_seed(0)
    rows = torch.randint(5, (6, 20), generator=gen(1))
    conv = CausalConvLanguageModel(5, 8, layers=2, kernel_size=2).double()
    assert conv.receptive_field <= 6  # sees at most 6 inputs: x_{i-6}..x_{i-1}
    whole, last = context_ablation(conv, rows, 6, batch_size=7)
    assert whole == pytest.approx(last, rel=1e-12)
    rnn = rnn_language_model(5, 16).double()  # its state reaches the row start
    whole, last = context_ablation(rnn, rows, 1)
    assert abs(whole - last) > 1e-3
    # with no context cut, "whole row" is the model's bits per character
    assert context_ablation(rnn, rows, 0)[0] == pytest.approx(
        bits_per_char(rnn, rows), rel=1e-6)
    ngram = fit_ngram(rows, 5, 3).double()
    assert ngram_bpc_after(ngram, rows, 0) == pytest.approx(
        -ngram.log_prob(rows).mean().item() / (20 * math.log(2)), rel=1e-12)


def test_adding_records_carry_the_recipe_they_ran_with():
    runs = [train_adding(kind, 5, seed, hidden=3, max_steps=2, lr=0.02,
                         batch_size=4, test_size=8, forget_bias=2.0)[1]
            for kind in ("rnn", "lstm") for seed in (0, 1)]
    rnn, lstm = recipe_card(runs[:2]), recipe_card(runs[2:])
    for card in (rnn, lstm):
        assert card.startswith("batch 4; lr 0.02; weight decay 0; dropout 0; "
                               "gradient norm clipped at 1; constant schedule; "
                               "step budget 2; ")
        assert "hidden units 3" in card and card.endswith("seeds 0, 1")
    assert "orthogonal W_hh" in rnn and "forget-gate bias 2" in lstm


def test_character_model_records_carry_their_recipe():
    text = TextData("abc ", torch.tensor([0, 1, 2, 0, 1, 3, 2, 0, 1] * 8),
                    torch.tensor([0, 1, 2, 3] * 4), torch.tensor([2, 1, 0, 3] * 4),
                    "a toy text")
    data = CharData(text, 8, chunk(text.train, 8), chunk(text.val, 8),
                    chunk(text.test, 8), text.train)
    _, record = train_char_model("lstm", data, hidden=6, steps=2, batch_size=3,
                                 lr=0.05, dropout=0.25, device="cpu")
    assert recipe_card([record]).startswith(
        "2 steps; batch 3; lr 0.05; weight decay 0; dropout 0.25; gradient norm "
        "clipped at 1; cosine schedule; hidden units 6; BPTT length 8; "
        "input weights U(-1, 1); ")
    ngrams, _ = ngram_baselines(data, orders=(3,))
    assert recipe_card(ngrams).startswith(
        "context 2 characters; smoothing interpolated Kneser-Ney; ")


# Text data ------------------------------------------------------------------------


def test_text_split_is_interleaved_and_complete():
    text = python_docs_text()
    parts = split_text(text)
    assert sum(len(p) for p in parts.values()) == len(text)
    assert parts["val"][:BLOCK] == text[18 * BLOCK : 19 * BLOCK]
    assert parts["test"][:BLOCK] == text[19 * BLOCK : 20 * BLOCK]
    assert parts["train"][: 18 * BLOCK] == text[: 18 * BLOCK]
    assert 0.04 < len(parts["val"]) / len(text) < 0.06


def test_corpus_keeps_each_paragraph_once():
    raw, text = python_docs_text(deduplicate=False), python_docs_text()
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    assert len(paragraphs) == len(set(paragraphs))
    assert set(paragraphs) == {p.strip() for p in raw.split("\n\n") if p.strip()}
    assert len(text) < 0.9 * len(raw)  # the topics repeat a lot


def test_verbatim_share_counts_copied_windows():
    assert verbatim_share("abcdef", "xbcdx", 2) == pytest.approx(2 / 4)
    assert verbatim_share("abc", "abc", 3) == 1.0
    with pytest.raises(ValueError, match="k must be"):
        verbatim_share("abc", "ab", 3)


def test_deduplication_removes_most_copies_from_the_held_out_text():
    def share(deduplicate):
        parts = split_text(python_docs_text(deduplicate))
        return verbatim_share(parts["train"], parts["test"], 80)

    assert share(False) > 0.3 and share(True) < 0.05


def test_text_data_round_trips_and_chunks():
    data = load_python_docs()
    assert data.vocab_size == len(set(python_docs_text()))
    assert data.decode(data.encode("The with statement")) == "The with statement"
    rows = chunk(data.val, 100)
    assert rows.shape == (len(data.val) // 100, 100)
    assert torch.equal(rows[1], data.val[100:200])


# Bad inputs ------------------------------------------------------------------------

BAD_TOKENS = [
    (torch.tensor([[0.0, 1.0]]), "integer token ids"),
    (torch.tensor([0, 1]), "shape \\(batch, length\\)"),
    (torch.zeros(2, 0, dtype=torch.long), "length >= 1"),
    (torch.tensor([[0, 3]]), "token ids in 0..2"),
    (torch.tensor([[-1, 0]]), "token ids in 0..2"),
    ([[0, 1]], "torch.Tensor"),
]


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("x, message", BAD_TOKENS)
def test_bad_tokens_raise(name, x, message):
    with pytest.raises(ValueError, match=message):
        MODELS[name].log_prob(x)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: MODELS["rnn (torch)"].sample(0, 5), "n must be"),
        (lambda: MODELS["rnn (torch)"].sample(2, 0), "length must be"),
        (lambda: MODELS["lstm (torch)"].sample(2, 3, temperature=0), "temperature"),
        (lambda: MODELS["causal conv"].sample(2, 3, temperature=-1), "temperature"),
        (lambda: NGramModel(3, 2).log_prob(torch.zeros(1, 2, dtype=torch.long)),
         "call fit first"),
        (lambda: NGramModel(3, 0), "n must be"),
        (lambda: NGramModel(10**6, 4), "too large"),
        (lambda: RecurrentLanguageModel(RNN(3, 4), 3), "vocab_size \\+ 1"),
        (lambda: RNN(0, 3), "input_size"),
        (lambda: LSTM(3, 2.5), "hidden_size"),
        (lambda: lstm_from_torch(nn.LSTM(2, 3, num_layers=2)), "one-layer"),
        (lambda: rnn_from_torch(nn.RNN(2, 3)), "bias-free"),
        (lambda: adding_problem(5, 3), "at least 4"),
        (lambda: adding_problem(0, 10), "n must be"),
        (lambda: SequenceRegressor(RNN(2, 3))(torch.zeros(4, 2)), "shape"),
        (lambda: chunk(torch.arange(5), 10), "no chunk"),
        (lambda: chunk(torch.zeros(2, 5), 2), "1-D"),
        (lambda: load_python_docs().encode("\x00"), "outside the alphabet"),
    ],
)
def test_bad_arguments_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()
