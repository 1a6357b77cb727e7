"""One training loop and one evaluation for every likelihood model.

Every likelihood model in the book has ``log_prob(x) -> Tensor[batch]`` in nats
(CONTRIBUTING.md, "Shared conventions"), so maximum likelihood is the same loop
for all of them: minimize the average negative log-likelihood with Adam, watch it
on a validation split, and keep the parameters of the best validation step.
"""

import contextlib
import copy
import math
import time
from dataclasses import dataclass, field

import torch
from tqdm import tqdm

from . import budget
from .budget import current_plan, evaluation_rows
from .runtime import check_positive_int, fast_matmul, to_device, trusted_values


@dataclass
class FitResult:
    """What a run of :func:`fit` measured. NLLs are in nats per example.
    ``training`` is the run's account with the plan
    (:meth:`lecturecode.budget.Training.finish`): steps planned and done, the
    time share, why it stopped, how many calls trained it."""

    steps: list[int] = field(default_factory=list)
    train_nll: list[float] = field(default_factory=list)
    val_nll: list[float] = field(default_factory=list)
    best_step: int = 0
    best_val_nll: float = math.inf
    seconds: float = 0.0
    settings: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)


def negative_log_likelihood(model, batch: torch.Tensor) -> torch.Tensor:
    """The maximum-likelihood loss: the mean of ``-log p(x)`` over the batch."""
    return -model.log_prob(batch).mean()


def _device_of(model) -> torch.device:
    tensor = next(iter(model.parameters()), None)
    return tensor.device if tensor is not None else torch.device("cpu")


@torch.no_grad()
def mean_nll(model, data: torch.Tensor, batch_size: int = 1024) -> float:
    """Average ``-log p(x)`` over ``data`` in nats per example (eval mode),
    summed on the device and read once. A dry run scores its first rows only
    (:func:`lecturecode.budget.evaluation_rows`)."""
    check_positive_int(batch_size, "batch_size")
    data = evaluation_rows(data)
    was_training = model.training
    model.eval()
    device = _device_of(model)
    total = torch.zeros((), dtype=torch.float64, device=device)
    for start in range(0, len(data), batch_size):
        batch = to_device(data[start : start + batch_size], device)
        total -= model.log_prob(batch).sum().double()
    model.train(was_training)
    return total.item() / len(data)


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

    The data go to the model's device once; a step reads nothing back to the
    host (the losses are summed on the device and read at evaluations), so a
    GPU is never kept waiting. The job runner's plan
    (:mod:`lecturecode.budget`) may stop the loop early (a dry run, a spent
    time share) and resume it in a later call.
    """
    check_positive_int(steps, "steps")
    check_positive_int(batch_size, "batch_size")
    if eval_every is not None:
        check_positive_int(eval_every, "eval_every")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
    if clip_grad_norm is not None and not clip_grad_norm > 0:
        raise ValueError(f"clip_grad_norm must be positive, got {clip_grad_norm!r}")
    if len(train) == 0:
        raise ValueError("train is empty")
    eval_every = eval_every or max(1, steps // 25)
    generator = torch.Generator().manual_seed(seed)
    device = _device_of(model)
    train = to_device(train, device)
    if train.is_floating_point() and not torch.isfinite(train).all():
        raise ValueError("train contains NaN or infinite values")
    val = None if val is None else to_device(val, device)
    settings = dict(steps=steps, batch_size=batch_size, lr=lr,
                    weight_decay=weight_decay, clip_grad_norm=clip_grad_norm,
                    schedule="cosine" if cosine_schedule else "constant")
    plan = current_plan()
    run = budget.start(
        type(model).__name__, steps,
        identity=None if plan is None or plan.checkpoints is None else (
            model, train, val, settings, eval_every, seed,
            getattr(loss_fn, "__qualname__", repr(loss_fn))),
    )
    # one call updates every tensor: the fused kernel on a GPU, the multi-tensor
    # one elsewhere (per-tensor Python loops cost small models a fifth of a step)
    parameters = list(model.parameters())
    optimizer = torch.optim.Adam(
        parameters, lr=lr, weight_decay=weight_decay,
        **({"fused": True} if device.type == "cuda" else {"foreach": True}),
    )
    scheduler = (
        torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
        if cosine_schedule
        else None
    )
    result, best_state = FitResult(settings=settings), None
    order, cursor = torch.randperm(len(train), generator=generator), 0
    window = torch.zeros((), dtype=torch.float64, device=device)
    last_eval = step = 0
    if run.state is not None:  # what an earlier call left
        saved = run.state
        model.load_state_dict(saved["model"])
        result = saved["result"]
        if not run.finished_before:
            optimizer.load_state_dict(saved["optimizer"])
            if scheduler is not None:
                scheduler.load_state_dict(saved["scheduler"])
            generator.set_state(saved["generator"])
            budget.set_rng_state(saved["rng"])
            order, cursor = saved["order"], saved["cursor"]
            best_state, last_eval = saved["best_state"], saved["last_eval"]
            window += saved["window"]
        step = run.done_before
    order = to_device(order, device)
    start = time.perf_counter()
    model.train()
    for step in tqdm(range(run.first_step, run.steps + 1), disable=not progress,
                     leave=False):
        if cursor + batch_size > len(train):
            order = to_device(torch.randperm(len(train), generator=generator),
                              device)
            cursor = 0
        batch = train[order[cursor : cursor + batch_size]]
        cursor += batch_size
        # the first step checks its batch the full way; the others trust it
        with (trusted_values() if step > run.first_step
              else contextlib.nullcontext()), fast_matmul(device):
            loss = loss_fn(model, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
        if clip_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(parameters, clip_grad_norm,
                                           foreach=True)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        window += loss.detach().double()
        stop = run.expired(step)
        if (stop or step == run.steps) and budget.placement_unchecked(
                model, tuple(batch.shape[1:]), loss_fn):
            _check_step_placement(model, loss_fn, batch)
        # (a budget's stop is no evaluation: the next call goes on as if
        # there had been no stop)
        if step % eval_every == 0 or step == run.steps:
            result.steps.append(step)
            result.train_nll.append(window.item() / (step - last_eval))
            window.zero_()
            last_eval = step
            if val is not None:
                val_nll = mean_nll(model, val)
                result.val_nll.append(val_nll)
                if val_nll < result.best_val_nll:
                    result.best_val_nll, result.best_step = val_nll, step
                    best_state = copy.deepcopy(model.state_dict())
        if stop:
            break
    result.seconds += time.perf_counter() - start
    done = max(step, run.done_before)

    def state() -> dict:
        saved = {"model": model.state_dict(), "result": result}
        if not run.complete(done):  # what it takes to go on
            saved |= {"optimizer": optimizer.state_dict(),
                      "scheduler": scheduler and scheduler.state_dict(),
                      "generator": generator.get_state(),
                      "rng": budget.rng_state(), "order": order.cpu(),
                      "cursor": cursor, "best_state": best_state,
                      "last_eval": last_eval, "window": window.cpu()}
        return saved

    if best_state is not None and run.complete(done):
        model.load_state_dict(best_state)
    result.training = run.finish(done, state)
    if best_state is not None and not run.complete(done):
        model.load_state_dict(best_state)
    model.eval()
    return result


def _check_step_placement(model, loss_fn, batch) -> None:
    """A dry run's check that the step makes every tensor on the model's device:
    the step once more, with copies of the model and batch on ``meta``."""
    meta_model = budget.on_meta(model).train()
    if batch.dim() == 2 and not batch.is_floating_point():
        batch = batch[:, :8]  # token rows: placement is the same at any length
    meta_batch = batch[:2].to("meta")
    budget.check_placement(lambda: loss_fn(meta_model, meta_batch).backward(),
                           type(model).__name__)
