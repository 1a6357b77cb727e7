"""Timings the recurrent chapters report, always as ratios or slopes measured in
one run (see :mod:`lecturecode.benchmarks`). On a GPU each timed call waits for
the device to finish, so the times are those of the work, not of its launch."""

import torch

from ..benchmarks import best_seconds


def log_prob_seconds(model, lengths, batch: int = 1, repeats: int = 5,
                     seed: int = 0) -> list[float]:
    """Seconds of one ``model.log_prob`` of ``batch`` random sequences (best of
    ``repeats``, :func:`~lecturecode.benchmarks.best_seconds`), for each length:
    the cost of evaluating a likelihood."""
    generator = torch.Generator().manual_seed(seed)
    device = model._anchor.device
    seconds = []
    with torch.no_grad():
        for T in lengths:
            x = torch.randint(model.vocab_size, (batch, T), generator=generator)
            x = x.to(device)
            seconds.append(
                best_seconds(lambda x=x: model.log_prob(x), repeats, device=device)
            )
    return seconds


def training_step_seconds(recurrence, batch: int, T: int, repeats: int = 5,
                          seed: int = 0) -> float:
    """Seconds of a forward and backward pass of ``recurrence`` over inputs
    ``(batch, T, input_size)`` (best of ``repeats``,
    :func:`~lecturecode.benchmarks.best_seconds`): the cost of one training step."""
    generator = torch.Generator().manual_seed(seed)
    parameter = next(recurrence.parameters())
    x = torch.randn(batch, T, recurrence.input_size, generator=generator)
    x = x.to(parameter)

    def step():
        recurrence.zero_grad(set_to_none=True)
        recurrence(x)[0].square().mean().backward()

    return best_seconds(step, repeats, device=parameter.device)
