"""The autoregressive chapters' exercise checks accept the reference solutions and
reject plausible wrong answers, saying what is wrong."""

import math

import pytest
import torch
import torch.nn.functional as F
from course_cases import references

from lecturecode.exercises import ExerciseFailed, chain_rule, made, maf, nade

ref = references()  # the chapters' reference solutions


def bernoulli(logits, x):
    return (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(1)


# The chain rule and the FVSBN ----------------------------------------------------


def test_fvsbn_log_prob_check():
    assert chain_rule.check_fvsbn_log_prob(ref.solution_fvsbn_log_prob)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda t, b, x: bernoulli(x @ torch.tril(t).T + b, x), "j < i"),
        (lambda t, b, x: bernoulli(x @ t.T + b, x), "all of theta"),
        (lambda t, b, x: bernoulli(x @ torch.tril(t, -1) + b, x), "not x_i in"),
        (
            lambda t, b, x: (x * F.logsigmoid(x @ torch.tril(t, -1).T + b)).sum(1),
            "left out",
        ),
        (
            lambda t, b, x: ref.solution_fvsbn_log_prob(t, b, x).sum(),
            "one log-probability per row",
        ),
        (
            lambda t, b, x: ref.solution_fvsbn_log_prob(t, b, x) + 0.1,
            "differ",
        ),
    ],
)
def test_fvsbn_log_prob_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        chain_rule.check_fvsbn_log_prob(wrong)


def sigmoid(v):
    return 1 / (1 + math.exp(-v))


def test_hand_probability_check():
    assert chain_rule.check_hand_probability(sigmoid(0.5) * (1 - sigmoid(2.0)))


@pytest.mark.parametrize(
    "value, message",
    [
        (sigmoid(0.5) * sigmoid(2.0), "that is p\\(x_1 = 1, x_2 = 1\\)"),
        (sigmoid(0.5) * (1 - sigmoid(-1.0)), "must include theta_21"),
        (1 - sigmoid(1.0), "only p\\(x_2 = 0 | x_1 = 1\\)"),
        (0.3, "multiply"),
    ],
)
def test_hand_probability_check_rejects(value, message):
    with pytest.raises(ExerciseFailed, match=message):
        chain_rule.check_hand_probability(value)


# NADE --------------------------------------------------------------------------


def test_nade_loop_check():
    assert nade.check_nade_logits_loop(ref.solution_nade_logits_loop)


def update_first(W, c, alpha, b, x):
    a, logits = c.expand(len(x), -1), []
    for i in range(x.shape[1]):
        a = a + x[:, i : i + 1] * W[:, i]
        logits.append(torch.sigmoid(a) @ alpha[i] + b[i])
    return torch.stack(logits, 1)


def no_sigmoid(W, c, alpha, b, x):
    a, logits = c.expand(len(x), -1), []
    for i in range(x.shape[1]):
        logits.append(a @ alpha[i] + b[i])
        a = a + x[:, i : i + 1] * W[:, i]
    return torch.stack(logits, 1)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (update_first, "sees itself"),
        (no_sigmoid, "sigmoid is missing"),
        (
            lambda W, c, alpha, b, x: torch.sigmoid(c + x @ W.T) @ alpha.T + b,
            "used all of x",
        ),
        (
            lambda W, c, alpha, b, x: ref.solution_nade_logits_loop(
                W, c, alpha, b, x
            )[:, 0],
            "shape",
        ),
        (
            lambda W, c, alpha, b, x: ref.solution_nade_logits_loop(
                W, c, alpha, b, x.flip(1)
            ),
            "differ",
        ),
    ],
)
def test_nade_loop_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        nade.check_nade_logits_loop(wrong)


# MADE --------------------------------------------------------------------------


def test_made_masks_check():
    assert made.check_made_masks(ref.solution_made_masks)


def masks_from(m_in, m, strict_w=False, loose_v=False):
    M_W = (m.unsqueeze(1) > m_in) if strict_w else (m.unsqueeze(1) >= m_in)
    M_V = (m_in.unsqueeze(1) >= m) if loose_v else (m_in.unsqueeze(1) > m)
    return M_W.float(), M_V.float()


def true_degrees(ordering):
    m_in = torch.empty_like(ordering)
    m_in[ordering] = torch.arange(1, len(ordering) + 1)
    return m_in


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda o, m: masks_from(torch.arange(1, len(o) + 1), m), "natural order"),
        (lambda o, m: masks_from(true_degrees(o) - 1, m), "count from 1"),
        (lambda o, m: masks_from(true_degrees(o), m, loose_v=True), "strict"),
        (lambda o, m: masks_from(true_degrees(o), m, strict_w=True), "loses"),
        (lambda o, m: tuple(t.T for t in ref.solution_made_masks(o, m)), "shape"),
        (lambda o, m: ref.solution_made_masks(o, m)[0], "pair"),
    ],
)
def test_made_masks_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        made.check_made_masks(wrong)


# MAF ---------------------------------------------------------------------------


def test_maf_inverse_check():
    assert maf.check_maf_inverse(ref.solution_maf_inverse)


def one_pass(layer, z):
    mu, alpha = layer.shift_and_log_scale(z)
    return z * torch.exp(alpha) + mu


@pytest.mark.parametrize(
    "wrong, message",
    [
        (one_pass, "one pass is not enough"),
        (maf._natural_order, "natural order"),
        (maf._wrong_sign, "exp\\(\\+alpha\\)"),
        (lambda layer, z: z, "differs"),
        (lambda layer, z: z[:, :3], "shape"),
    ],
)
def test_maf_inverse_check_rejects(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        maf.check_maf_inverse(wrong)
