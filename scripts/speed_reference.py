"""Seconds of one reference step on this machine: the unit of the book's budgets.

A chapter's quick-scale budget (CONTRIBUTING.md, "Shared conventions") is stated in
reference steps: its seconds in a cold ``make book`` divided by what this prints,
measured on the same machine in the same session, so that a budget means the same on
a fast and on a slow machine.

    python scripts/speed_reference.py

The step: a small character LSTM (embedding 100, ``nn.LSTM(100, 256)``, a linear
read-out), cross-entropy on a batch of 64 sequences of 128 characters, backward and
an Adam update, with torch's default threads; the best of three rounds of 20 steps.
"""

import time

import torch
from torch import nn

VOCABULARY, EMBEDDING, HIDDEN, BATCH, LENGTH = 100, 100, 256, 64, 128


def reference_step_seconds(steps: int = 20, rounds: int = 3) -> float:
    """Seconds per training step of the reference LSTM, best of ``rounds``."""
    torch.manual_seed(0)
    embed = nn.Embedding(VOCABULARY, EMBEDDING)
    lstm = nn.LSTM(EMBEDDING, HIDDEN, batch_first=True)
    read_out = nn.Linear(HIDDEN, VOCABULARY)
    modules = nn.ModuleList([embed, lstm, read_out])
    optimizer = torch.optim.Adam(modules.parameters(), lr=1e-3)
    text = torch.randint(0, VOCABULARY, (BATCH, LENGTH + 1))

    def step():
        hidden, _ = lstm(embed(text[:, :-1]))
        logits = read_out(hidden)
        loss = nn.functional.cross_entropy(
            logits.reshape(-1, VOCABULARY), text[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step()  # warm-up
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, (time.perf_counter() - start) / steps)
    return best


if __name__ == "__main__":
    seconds = reference_step_seconds()
    print(f"{seconds:.3f} s per reference step with {torch.get_num_threads()} "
          f"threads: a 1,800-step chapter budget is {1800 * seconds:.0f} s here, "
          f"the 12,000-step book {12000 * seconds / 60:.0f} min")
