"""Backpropagation through time, measured: how strongly the last hidden state
``h_T`` depends on an earlier one ``h_t``.

For the RNN of lecture 18.3, ``h_j = tanh(a_j)`` with ``a_j = W_hh h_{j-1} +
W_hx x_j``, and the chain rule gives

    d h_T / d h_t = prod_{j=T}^{t+1} diag(1 - h_j^2) W_hh                (eq. bptt)

a product of ``T - t`` matrices. Its norm is at most ``||W_hh||^(T - t)``, which
vanishes with the lag when ``||W_hh|| < 1``; when ``W_hh`` has eigenvalues larger
than one in modulus it can explode (Bengio et al., 1994; Pascanu et al., 2013).
"""

import numpy as np
import torch

from ..runtime import check_positive, check_positive_int


def hidden_jacobians(recurrence, inputs: torch.Tensor) -> torch.Tensor:
    """``J[b, t] = d h_T / d h_t`` for each sequence ``b`` of ``inputs``
    ``(batch, T, input_size)`` and each step ``t = 1..T``: ``(batch, T, H, H)``.

    ``recurrence`` has ``hidden_size``, ``initial_state(batch, like)`` and
    ``step(x_t, state) -> state`` with the hidden state first in the tuple (the
    lecture's :class:`~lecturecode.sequence.rnn.RNN` and
    :class:`~lecturecode.sequence.lstm.LSTM`). A zero *probe* is added to every
    ``h_t``; the gradient of ``h_T`` with respect to the probe is the total
    derivative through everything that follows ``h_t``, the LSTM's internal state
    included. All ``H`` rows come from one batched backward pass.
    """
    batch, T, _ = inputs.shape
    H = recurrence.hidden_size
    state = recurrence.initial_state(batch, inputs)
    probes = []
    for t in range(T):
        state = recurrence.step(inputs[:, t], state)
        probe = inputs.new_zeros(batch, H, requires_grad=True)
        probes.append(probe)
        state = (state[0] + probe, *state[1:])
    rows = torch.eye(H, dtype=inputs.dtype, device=inputs.device)
    rows = rows.unsqueeze(1).expand(H, batch, H)  # row j of every J[b, t]
    grads = torch.autograd.grad(state[0], probes, rows, is_grads_batched=True)
    return torch.stack(grads, dim=2).permute(1, 2, 0, 3)  # (batch, T, H, H)


def jacobian_norms_by_lag(recurrence, inputs: torch.Tensor) -> torch.Tensor:
    """``norms[k]`` = geometric mean over the batch of ``||d h_T / d h_{T-k}||_2``
    (largest singular value) for lags ``k = 0..T-1``."""
    J = hidden_jacobians(recurrence, inputs)
    norms = torch.linalg.matrix_norm(J, ord=2)  # (batch, T)
    return norms.clamp(min=1e-300).log().mean(0).exp().flip(0).detach()


def bptt_product(rnn, inputs: torch.Tensor) -> torch.Tensor:
    """(eq. bptt) written out for the lecture's RNN: ``(batch, T, H, H)`` with
    ``J[:, t] = prod_{j > t} diag(1 - h_j^2) W_hh``, built backwards from
    ``J[:, T] = I``."""
    with torch.no_grad():
        hidden, _ = rnn(inputs)
        batch, T, H = hidden.shape
        J = torch.eye(H, dtype=inputs.dtype).expand(batch, H, H)
        out = [J]
        for j in range(T - 1, 0, -1):  # J_t = J_{t+1} diag(1 - h_{t+1}^2) W_hh
            J = J @ ((1 - hidden[:, j] ** 2).unsqueeze(-1) * rnn.W_hh)
            out.append(J)
        return torch.stack(out[::-1], dim=1)


def scaled_orthogonal(size: int, radius: float, generator=None) -> torch.Tensor:
    """``radius * Q`` for a random orthogonal ``Q``: every eigenvalue has modulus
    ``radius``, and so does every singular value (spectral radius = norm)."""
    check_positive_int(size, "size")
    check_positive(radius, "radius")
    A = torch.randn(size, size, generator=generator, dtype=torch.float64)
    Q, R = torch.linalg.qr(A)
    return radius * Q * torch.sign(torch.diagonal(R))  # Haar-distributed Q


def log_slope(lags, norms) -> float:
    """Least-squares slope of ``ln ||d h_T / d h_t||`` against the lag: the
    per-step growth rate (``ln rho`` for a linear RNN with ``W_hh = rho Q``)."""
    norms = torch.as_tensor(norms, dtype=torch.float64).cpu().numpy()
    return float(np.polyfit(np.asarray(lags, dtype=float), np.log(norms), 1)[0])


def critical_radius(rnn, Q: torch.Tensor, inputs: torch.Tensor, lo: float = 1.0,
                    hi: float = 2.0, xtol: float = 1e-3, skip: int = 10) -> float:
    """The radius ``rho*`` at which ``W_hh = rho* Q`` makes the fitted growth rate
    of ``||d h_T / d h_t||`` zero (neither vanishing nor exploding) for these
    ``inputs``: bisection on :func:`log_slope` between ``lo`` and ``hi``, which
    must bracket the sign change. ``rnn.W_hh`` is overwritten."""

    def rate(rho):
        with torch.no_grad():
            rnn.W_hh.copy_(rho * Q)
        norms = jacobian_norms_by_lag(rnn, inputs)
        lags = torch.arange(len(norms))
        return log_slope(lags[skip:], norms[skip:])

    if not rate(lo) < 0 < rate(hi):
        raise ValueError(
            f"the growth rate does not change sign between {lo} and {hi}"
        )
    while hi - lo > xtol:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if rate(mid) < 0 else (lo, mid)
    return (lo + hi) / 2
