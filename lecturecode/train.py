"""One training loop and one evaluation for every likelihood model.

Every likelihood model in the book has ``log_prob(x) -> Tensor[batch]`` in nats
(CONTRIBUTING.md, "Shared conventions"), so maximum likelihood is the same loop
for all of them: minimize the average negative log-likelihood with Adam, watch it
on a validation split, and keep the parameters of the best validation step.
"""

import copy
import math
import time
from dataclasses import dataclass, field

import torch
from tqdm import tqdm

from .runtime import check_positive_int


@dataclass
class FitResult:
    """What a run of :func:`fit` measured. NLLs are in nats per example."""

    steps: list[int] = field(default_factory=list)
    train_nll: list[float] = field(default_factory=list)
    val_nll: list[float] = field(default_factory=list)
    best_step: int = 0
    best_val_nll: float = math.inf
    seconds: float = 0.0
    settings: dict = field(default_factory=dict)


def negative_log_likelihood(model, batch: torch.Tensor) -> torch.Tensor:
    """The maximum-likelihood loss: the mean of ``-log p(x)`` over the batch."""
    return -model.log_prob(batch).mean()


def _device_of(model) -> torch.device:
    tensor = next(iter(model.parameters()), None)
    return tensor.device if tensor is not None else torch.device("cpu")


@torch.no_grad()
def mean_nll(model, data: torch.Tensor, batch_size: int = 1024) -> float:
    """Average ``-log p(x)`` over ``data`` in nats per example (eval mode)."""
    was_training = model.training
    model.eval()
    device = _device_of(model)
    total = 0.0
    for start in range(0, len(data), batch_size):
        total -= (
            model.log_prob(data[start : start + batch_size].to(device)).sum().item()
        )
    model.train(was_training)
    return total / len(data)


def bits_per_dim(nats: float, dim: int) -> float:
    """Convert an NLL in nats per example into bits per dimension."""
    return nats / (dim * math.log(2))


def fit(
    model,
    train: torch.Tensor,
    *,
    steps: int,
    val: torch.Tensor | None = None,
    batch_size: int = 128,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    clip_grad_norm: float | None = None,
    cosine_schedule: bool = True,
    eval_every: int | None = None,
    loss_fn=negative_log_likelihood,
    seed: int = 0,
    progress: bool = False,
) -> FitResult:
    """Fit ``model`` to ``train``: ``steps`` Adam steps on ``loss_fn``.

    Minibatches come from reshuffling ``train`` every epoch with a generator seeded
    by ``seed``. Every ``eval_every`` steps the validation NLL is measured; with
    ``val`` given, the parameters of the best validation step are restored at the
    end. A progress bar shows when ``progress`` is true (a job passes its
    context's ``progress``). ``FitResult.settings`` keeps the optimizer's
    settings, for the record's recipe card (:func:`lecturecode.records.recipe`).
    """
    check_positive_int(steps, "steps")
    if len(train) == 0:
        raise ValueError("train is empty")
    eval_every = eval_every or max(1, steps // 25)
    generator = torch.Generator().manual_seed(seed)
    device = _device_of(model)
    optimizer = torch.optim.Adam(
        model.parameters(), lr=lr, weight_decay=weight_decay
    )
    scheduler = (
        torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
        if cosine_schedule
        else None
    )
    settings = dict(steps=steps, batch_size=batch_size, lr=lr,
                    weight_decay=weight_decay, clip_grad_norm=clip_grad_norm,
                    schedule="cosine" if cosine_schedule else "constant")
    result, best_state = FitResult(settings=settings), None
    order, cursor, window = torch.randperm(len(train), generator=generator), 0, []
    start = time.perf_counter()
    model.train()
    for step in tqdm(range(1, steps + 1), disable=not progress, leave=False):
        if cursor + batch_size > len(train):
            order, cursor = torch.randperm(len(train), generator=generator), 0
        batch = train[order[cursor : cursor + batch_size]].to(device)
        cursor += batch_size
        loss = loss_fn(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if clip_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        window.append(loss.item())
        if step % eval_every == 0 or step == steps:
            result.steps.append(step)
            result.train_nll.append(sum(window) / len(window))
            window = []
            if val is not None:
                val_nll = mean_nll(model, val)
                result.val_nll.append(val_nll)
                if val_nll < result.best_val_nll:
                    result.best_val_nll, result.best_step = val_nll, step
                    best_state = copy.deepcopy(model.state_dict())
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    result.seconds = time.perf_counter() - start
    return result
