"""Experiments of the recurrent-network chapters (lecture 18.3): the character
language model on the Python documentation, the adding problem, and gradient
clipping. Sizes come from ``by_scale``; the full-scale job calls the same
functions under ``LECTURE_SCALE=full``.
"""

import math
import statistics
import time
from dataclasses import dataclass

import torch

from .. import budget
from ..data.text import TextData, chunk, load_python_docs
from ..records import recipe_card
from ..runtime import (
    check_positive_int,
    count_parameters,
    default_device,
    dropout_rate,
    to_device,
)
from ..scale import by_scale, current_scale
from ..sequence import (
    LSTM,
    RNN,
    SequenceRegressor,
    adding_problem,
    fit_ngram,
    lstm_language_model,
    lstm_to_torch,
    rnn_language_model,
    rnn_to_torch,
    scaled_orthogonal,
    solved,
)
from ..train import fit, mean_nll
from .base import ModelResult, evaluate, register
from .cache import cached, train_ahead

# The character language model ------------------------------------------------


@dataclass
class CharData:
    """The corpus cut into rows of ``length`` characters for each split, and the
    training text as one stream (``train_text``)."""

    text: TextData
    length: int
    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    train_text: torch.Tensor


def char_data(length: int | None = None, fraction: float | None = None) -> CharData:
    """The Python documentation in rows of ``length`` characters (training rows
    overlap by half, so that every character is also seen late in a row).

    ``fraction`` keeps only the start of each split: the smoke scale's small
    corpus.
    """
    # rows of 64 at full scale too: on rows of 256 the n-grams gain more than
    # the LSTM does (fewer cold starts, which the LSTM pays less for), and the
    # full job's bar (LSTM at most 0.9 x the best n-gram) would be out of reach
    length = length or by_scale(smoke=64, quick=64, full=64)
    fraction = fraction or by_scale(smoke=0.15, quick=1.0, full=1.0)
    text = load_python_docs()

    def part(tokens):
        return tokens[: int(len(tokens) * fraction)]

    train = part(text.train)
    rows = torch.cat([chunk(train, length), chunk(train[length // 2 :], length)])
    return CharData(text, length, rows, chunk(part(text.val), length),
                    chunk(part(text.test), length), train)


def bits_per_char(model, rows: torch.Tensor) -> float:
    """Average ``-log2 p(x)`` per character over rows of characters."""
    return mean_nll(model, rows, batch_size=256) / (rows.shape[1] * math.log(2))


def ngram_baselines(data: CharData, orders=tuple(range(1, 10))):
    """Kneser-Ney n-grams fitted to the training text, for each order ``n``:
    their :class:`ModelResult` records (bits per character in ``bits_per_dim``,
    scored on the same rows as the recurrent models) and the fitted models.

    The counts come from the text as one stream, each m-gram once: the training
    rows overlap by half, so counting them would count almost every n-gram twice,
    and the top order (the one with raw counts) would see few n-grams once and
    estimate too small a discount ``D_n`` in (eq. kn)."""
    results, models = [], []
    for n in orders:
        start = time.perf_counter()
        model = fit_ngram(data.train_text.unsqueeze(0), data.text.vocab_size, n)
        seconds = time.perf_counter() - start
        test_bpc = bits_per_char(model, data.test)
        results.append(
            ModelResult(
                model=f"{n}-gram",
                dataset="python docs",
                test_nll=test_bpc * data.length * math.log(2),
                bits_per_dim=test_bpc,
                parameters=model.stored_counts,
                train_seconds=seconds,
                device="cpu",
                seed=0,
                scale=current_scale(),
                extra={"val_bpc": bits_per_char(model, data.val), "n": n,
                       "recipe": {"context": f"{n - 1} characters",
                                  "smoothing": "interpolated Kneser-Ney",
                                  "counted_on": "the training text"}},
            )
        )
        models.append(model)
    return results, models


def char_model_settings(kind: str) -> dict:
    """Size and optimiser settings of the ``"rnn"`` or ``"lstm"`` character model
    at the current scale (one place for the chapter and the job). Both start their
    input weights at ``U(-1, 1)`` (:func:`~lecturecode.sequence.rnn.one_hot_start`);
    the learning rates were chosen on the validation split (with 256 units)."""
    if kind not in ("rnn", "lstm"):
        raise ValueError(f"kind must be 'rnn' or 'lstm', got {kind!r}")
    # Full scale: a GPU runs a batch of 128 rows in about the time of 32, and a
    # wider LSTM with more dropout (the quick scale's best lever: 320 -> 512
    # units with dropout 0.4 took the ratio to the n-gram from 0.947 to 0.907)
    return {
        "hidden": by_scale(smoke=32, quick=320,
                           full={"rnn": 512, "lstm": 1024}[kind]),
        "steps": by_scale(smoke=150, quick=1200, full=6000),
        "batch_size": by_scale(smoke=32, quick=32, full=128),
        "lr": by_scale(smoke=1e-2, quick={"rnn": 4e-3, "lstm": 1.2e-2}[kind],
                       full={"rnn": 2e-3, "lstm": 3e-3}[kind]),
        # on h_i, before W_hy; at the quick scale (1,200 steps) 0.3 gave the LSTM
        # a lower validation bpc than 0.2 or 0.4
        "dropout": by_scale(smoke=0.0, quick={"rnn": 0.0, "lstm": 0.3}[kind],
                            full={"rnn": 0.0, "lstm": 0.5}[kind]),
        "input_bound": 1.0,
    }


def char_seeds() -> tuple:
    """The seeds every character model is trained with (a ranking needs three)."""
    return by_scale(smoke=(0,), quick=(0, 1, 2), full=(0, 1, 2))


def char_models(kind: str, data: CharData) -> list[tuple]:
    """:func:`train_char_model` of ``kind`` with each seed of :func:`char_seeds`,
    trained side by side (:func:`train_ahead`): ``(model, record)`` pairs."""
    train_ahead(train_char_model, [dict(kind=kind, data=data, seed=seed)
                                   for seed in char_seeds()])
    return [train_char_model(kind, data, seed=seed) for seed in char_seeds()]


@cached
def train_char_model(kind: str, data: CharData, *, seed: int = 0, device=None,
                     progress: bool = False, **overrides):
    """Train an ``"rnn"`` or ``"lstm"`` character model (PyTorch's recurrences,
    the ones shown equal to the lecture's) with :func:`char_model_settings`
    (``overrides`` replace entries) on ``device`` (the default device when None)
    and return it with its :class:`ModelResult`: bits per character in
    ``bits_per_dim`` (test) and ``extra["val_bpc"]``."""
    settings = {**char_model_settings(kind), **overrides}
    make = {"rnn": rnn_language_model, "lstm": lstm_language_model}[kind]
    torch.manual_seed(seed)
    model = make(data.text.vocab_size, settings["hidden"],
                 dropout=settings["dropout"], input_bound=settings["input_bound"])
    model = model.to(device or default_device())
    result = fit(
        model,
        data.train,
        val=data.val,
        steps=settings["steps"],
        batch_size=settings["batch_size"],
        lr=settings["lr"],
        clip_grad_norm=1.0,
        seed=seed,
        progress=progress,
    )
    record = evaluate(
        model,
        name=kind.upper(),
        dataset="python docs",
        test=data.test,
        fit_result=result,
        seed=seed,
        dim=data.length,
        val_bpc=bits_per_char(model, data.val),
        **settings,
        recipe={"hidden_units": settings["hidden"],
                "BPTT_length": data.length,
                "input_weights": "U(-{0:g}, {0:g})".format(
                    settings["input_bound"])},
        curve_steps=result.steps,
        curve_val_bpc=[v / (data.length * math.log(2)) for v in result.val_nll],
    )
    return model, record


def _spread(values, digits: int = 3) -> str:
    """'mean ± sd' over seeds (the value alone for one seed)."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    mean, sd = statistics.mean(values), statistics.stdev(values)
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


def _orders(rows) -> str:
    """'the 5- to 9-grams' for the n-gram records ``rows`` (ascending n)."""
    ns = [r.extra["n"] for r in rows]
    if len(ns) == 1:
        return f"the {ns[0]}-gram"
    if len(ns) > 2 and ns == list(range(ns[0], ns[-1] + 1)):
        return f"the {ns[0]}- to {ns[-1]}-grams"
    return "the " + ", ".join(f"{n}-" for n in ns[:-1]) + f" and {ns[-1]}-grams"


def char_model_table(ngrams: list, runs: dict) -> dict:
    """The character models' table and claims as values to glue, from the
    :func:`ngram_baselines` records (orders 1, 2, ...) and ``runs`` (``"rnn"``,
    ``"lstm"`` -> one :func:`train_char_model` record per seed): each row's
    validation and test bits per character (mean ± sd over seeds), size and
    recipe; the best n-gram on validation; what one more order of context gains;
    and where each recurrent row's test bpc sits among the n-grams."""
    table = {}
    for r in ngrams:
        n = r.extra["n"]
        table |= {f"ngram_{n}_val": r.extra["val_bpc"], f"ngram_{n}_test":
                  r.bits_per_dim, f"ngram_{n}_counts": r.parameters,
                  f"ngram_{n}_recipe": recipe_card([r])}
    best = min(ngrams, key=lambda r: r.extra["val_bpc"])  # chosen on validation
    table |= {"best_ngram": best.model, "best_ngram_val": best.extra["val_bpc"],
              "best_ngram_test": best.bits_per_dim, "ngram_max": ngrams[-1].model}
    val = [r.extra["val_bpc"] for r in ngrams]
    gains = [a - b for a, b in zip(val, val[1:], strict=False)]  # one order more
    step = max(range(len(gains)), key=gains.__getitem__)
    gain_5 = gains[3]  # 4 -> 5
    tail = (val[4] - val[-1]) / (len(val) - 5)  # 5 -> the last, per order
    table |= {
        "gain_best": gains[step], "gain_best_from": ngrams[step].model,
        "gain_best_to": ngrams[step + 1].model, "gain_4_5": abs(gain_5),
        "gain_4_5_word": "improves" if gain_5 > 0 else "worsens",
        "gain_tail": abs(tail),
        "gain_tail_word": "improves" if tail > 0 else "worsens",
        "gain_tail_clause": "less than that one step: longer contexts are seen "
        "too rarely to be counted reliably" if tail < gain_5 else "no less than "
        "that one step: on this much text longer contexts still pay"}
    test = {k: [r.bits_per_dim for r in rs] for k, rs in runs.items()}
    for name, rs in runs.items():
        table |= {f"{name}_val": _spread([r.extra["val_bpc"] for r in rs]),
                  f"{name}_test": _spread(test[name]),
                  f"{name}_params": rs[0].parameters,
                  f"{name}_recipe": recipe_card(rs),
                  f"{name}_lr": rs[0].extra["recipe"]["lr"],
                  f"{name}_dropout": rs[0].extra["recipe"]["dropout"]}
        under = [r for r in ngrams if max(test[name]) < r.bits_per_dim]
        over = [r for r in ngrams if min(test[name]) > r.bits_per_dim]
        parts = ([f"lower than that of {_orders(under)}"] if under else []) + (
            [f"higher than that of {_orders(over)}"] if over else [])
        between = len(ngrams) - len(under) - len(over)
        table[f"{name}_against_ngrams"] = (
            "on every seed " + " and ".join(parts)
            + (f" (against {between} order(s) the seeds disagree)" if between
               else "") if parts
            else "not on the same side of any n-gram's on every seed")
    lstm = runs["lstm"][0].extra
    ratio = statistics.mean(test["lstm"]) / best.bits_per_dim
    rnn_loses_to = [r for r in ngrams if min(test["rnn"]) > r.bits_per_dim]
    table |= {
        "lm_seeds": len(runs["lstm"]), "lm_hidden": lstm["hidden"],
        "lm_steps": lstm["steps"], "lstm_ngram_ratio": ratio,
        "lstm_ngram_word": "below" if ratio < 1 else "above",
        "lstm_rnn_wins": sum(a < b for a, b in zip(test["lstm"], test["rnn"],
                                                   strict=True)),
        "rnn_loses_clause": "So in this run the RNN loses to "
        f"{_orders(rnn_loses_to)}, the best n-gram among them"
        if best in rnn_loses_to else
        "So in this run the RNN does not lose to the best n-gram on every seed"}
    return table


@torch.no_grad()
def context_ablation(model, rows: torch.Tensor, context: int,
                     batch_size: int = 4096) -> tuple[float, float]:
    """Bits per character of ``model`` on the positions ``context + 1`` to ``T``
    of ``rows`` (each with at least ``context`` characters before it in its row),
    scored twice: with the whole row before each position, as the model is
    trained and evaluated, and with only the last ``context`` characters (the
    model restarted from its start symbol ``context`` characters back), the
    context an ``(context + 1)``-gram sees. Returns ``(whole row, last context)``.
    """
    def cost(logits, targets):
        log_p = torch.log_softmax(logits.double(), -1)
        return -log_p.gather(-1, targets.unsqueeze(-1)).sum().item()

    device = next(model.parameters()).device
    rows = rows.to(device)
    whole = cost(model.logits(rows)[:, context:], rows[:, context:])
    windows = rows.unfold(1, context + 1, 1).reshape(-1, context + 1)
    last = sum(cost(model.logits(w)[:, -1], w[:, -1])
               for w in windows.split(batch_size))
    return (whole / (len(windows) * math.log(2)),
            last / (len(windows) * math.log(2)))


def ngram_bpc_after(model, rows: torch.Tensor, context: int) -> float:
    """Bits per character of an n-gram ``model`` on the same positions as
    :func:`context_ablation` (where an ``(context + 1)``-gram has its full
    context)."""
    log_p = torch.log_softmax(model.logits(rows)[:, context:].double(), -1)
    targets = rows[:, context:].unsqueeze(-1)
    return -log_p.gather(-1, targets).mean().item() / math.log(2)


# The adding problem --------------------------------------------------------------


def adding_model(kind: str, hidden: int, forget_bias: float = 3.0):
    """The adding problem's regressor, each recurrence with its standard start.

    ``"rnn"``: the lecture's bias-free tanh RNN with ``W_hh`` orthogonal (spectral
    radius 1: at the start gradients neither vanish nor explode). ``"lstm"``: the
    forget gate starts open, ``b_f = forget_bias``, so ``f = sigma(3) = 0.95`` is
    close to the original LSTM's constant carousel (``f = 1``). Both then run as
    PyTorch's ``nn.RNN`` / ``nn.LSTM``, shown equal to the lecture's.
    """
    check_positive_int(hidden, "hidden")
    if kind == "rnn":
        rnn = RNN(2, hidden)
        with torch.no_grad():
            rnn.W_hh.copy_(scaled_orthogonal(hidden, 1.0))
        recurrence = rnn_to_torch(rnn)
    elif kind == "lstm":
        lstm = LSTM(2, hidden)
        with torch.no_grad():
            lstm.b_f.fill_(forget_bias)
        recurrence = lstm_to_torch(lstm)
    else:
        raise ValueError(f"kind must be 'rnn' or 'lstm', got {kind!r}")
    return SequenceRegressor(recurrence)


@torch.no_grad()
def adding_test(model, T: int, n: int, seed: int) -> tuple[float, float]:
    """Success rate and mean squared error on ``n`` fresh test sequences (a
    few in a dry run)."""
    n = budget.evaluation_count(n)
    generator = torch.Generator().manual_seed(10_000 + seed)
    device = next(model.parameters()).device
    hits, squared, done = 0, 0.0, 0
    while done < n:
        x, y = adding_problem(min(500, n - done), T, generator)
        prediction = model(x.to(device)).cpu()
        hits += solved(prediction, y).sum().item()
        squared += (prediction - y).pow(2).sum().item()
        done += len(y)
    return hits / n, squared / n


@cached
def train_adding(
    kind: str,
    T: int,
    seed: int = 0,
    *,
    hidden: int | None = None,
    max_steps: int | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
    test_size: int | None = None,
    forget_bias: float = 3.0,
    device=None,
    check_every: int | None = None,
):
    """Train on freshly generated batches (Adam, gradient clipping at norm 1)
    until the 2,000 most recent training sequences are all solved (the first of
    the paper's two stopping conditions; its mean-error one is not used), or
    ``max_steps``; then test on new sequences. The rule is checked after every
    ``check_every`` steps (by default every step on the CPU, every 10th on a
    GPU, where reading it back waits for the device).
    Returns the model and its :class:`ModelResult`, which has no likelihood (the
    task is a regression): ``extra`` holds ``T``, the ``success_rate`` (share of
    test sequences with ``|error| < 0.04``), ``test_mse`` and the ``steps`` taken
    (training stops early once solved), and the ``recipe`` it ran with (for
    :func:`lecturecode.records.recipe_card`)."""
    hidden = hidden or by_scale(smoke=16, quick=32, full=64)
    max_steps = max_steps or by_scale(smoke=400, quick=2500, full=3000)
    batch_size = batch_size or by_scale(smoke=32, quick=32, full=128)
    lr = lr or by_scale(smoke=1e-2, quick=3e-3, full=3e-3)
    test_size = test_size or by_scale(smoke=500, quick=1000, full=2560)
    torch.manual_seed(seed)
    device = torch.device(device or default_device())
    # reading the stopping rule back waits for a GPU: there, every few steps
    check_every = check_every or (1 if device.type == "cpu" else 10)
    # [start-adding-training]
    model = adding_model(kind, hidden, forget_bias).to(device)
    optimizer, clip = torch.optim.Adam(model.parameters(), lr=lr), 1.0
    generator = torch.Generator().manual_seed(seed)
    needed = math.ceil(2000 / batch_size)  # batches of the 2,000 latest sequences
    recent = torch.zeros(needed, dtype=torch.bool, device=device)  # solved?
    run = budget.start("adding", max_steps, identity=(
        model, kind, T, seed, lr, batch_size, check_every))
    steps = resume_adding(run, model, optimizer, generator, recent)
    start = time.perf_counter()
    while steps < run.steps:
        x, y = adding_problem(batch_size, T, generator)
        x, y = to_device(x, device), to_device(y, device)
        prediction = model(x)
        loss = (prediction - y).pow(2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        recent[steps % needed] = solved(prediction.detach(), y).all()
        steps += 1
        if steps >= needed and steps % check_every == 0 and recent.all():
            break
        if run.expired(steps):
            break
    seconds = time.perf_counter() - start
    run.finish(steps, lambda: {"model": model.state_dict(),
                               "optimizer": optimizer.state_dict(),
                               "generator": generator.get_state(),
                               "recent": recent.cpu(), "steps": steps})
    success, mse = adding_test(model.eval(), T, test_size, seed)
    # [end-adding-training]
    recipe = {  # what this run trained with, read from the optimizer and model
        "batch_size": batch_size,
        "lr": optimizer.defaults["lr"],
        "weight_decay": optimizer.defaults["weight_decay"],
        "dropout": dropout_rate(model),
        "clip_grad_norm": clip,
        "schedule": "constant",
        "step_budget": max_steps,
        "stop": f"once the last {needed * batch_size:,} training sequences "
        "are all solved",
        "hidden_units": hidden,
        "start": "orthogonal W_hh" if kind == "rnn"
        else f"forget-gate bias {forget_bias:g}",
    }
    if budget.placement_unchecked(model):  # the same at every length
        x, y = adding_problem(2, 8, torch.Generator().manual_seed(0))
        meta = budget.on_meta(model).train()
        budget.check_placement(
            lambda: (meta(x.to("meta")) - y.to("meta")).pow(2).mean().backward(),
            f"adding problem, {kind}")
    return model, ModelResult(
        model=kind.upper(),
        dataset=f"adding problem, T = {T}",
        test_nll=None,
        bits_per_dim=None,
        parameters=count_parameters(model),
        train_seconds=seconds,
        device=str(device),
        seed=seed,
        scale=current_scale(),
        extra={"T": T, "success_rate": success, "test_mse": mse, "steps": steps,
               "sequences_seen": steps * batch_size, "hidden": hidden, "lr": lr,
               "recipe": recipe},
    )


def resume_adding(run, model, optimizer, generator, recent) -> int:
    """Load what an earlier call of :func:`train_adding` left (a budget
    stopped it); the steps it had taken, 0 when there is nothing."""
    if run.state is None:
        return 0
    model.load_state_dict(run.state["model"])
    optimizer.load_state_dict(run.state["optimizer"])
    generator.set_state(run.state["generator"])
    recent.copy_(run.state["recent"])
    return run.state["steps"]


def adding_sweep(lengths=None, seeds=None, kinds=("rnn", "lstm"), device=None):
    """:func:`train_adding` for every model, minimal length and seed. Returns the
    results and, for the longest length, the trained models of seed ``seeds[0]``
    (for the gradient measurements)."""
    lengths = lengths or by_scale(smoke=(5, 10, 20), quick=(10, 25, 50),
                                  full=(50, 100, 200))
    seeds = seeds or adding_seeds()
    train_ahead(train_adding, [dict(kind=kind, T=T, seed=seed, device=device)
                               for kind in kinds for T in lengths
                               for seed in seeds])
    results, models = [], {}
    for kind in kinds:
        for T in lengths:
            for seed in seeds:
                model, result = train_adding(kind, T, seed, device=device)
                results.append(result)
                if T == lengths[-1] and seed == seeds[0]:
                    models[kind] = model
    return results, models


def adding_seeds() -> tuple:
    """The seeds of every adding-problem run (a ranking needs three)."""
    return by_scale(smoke=(0,), quick=(0, 1, 2), full=(0, 1, 2))


def adding_table(results: list, solved_share: float = 0.9) -> dict:
    """The adding problem's table and claims from :func:`adding_sweep` records,
    as values to glue: per length ``k``, ``adding_T{k}``, each model's per-seed
    success rates in per cent with their mean ± sd (``adding_RNN_{k}``,
    ``adding_LSTM_{k}``) and the LSTM's mean training sequences
    (``adding_seen_{k}``); the recipes; and where each model reached
    ``solved_share`` on every seed (LSTM) or on some seed (RNN)."""
    lengths = sorted({r.extra["T"] for r in results})

    def rates(model, T):
        return [r.extra["success_rate"] for r in results
                if r.model == model and r.extra["T"] == T]

    def per_seed(values):
        listed = ", ".join(f"{100 * v:.0f}" for v in values)
        if len(values) == 1:
            return listed
        return (f"{listed} ({100 * statistics.mean(values):.0f} ± "
                f"{100 * statistics.stdev(values):.0f})")

    def where(found):
        if len(found) == len(lengths):
            return "at every tested length"
        return ("only at T = " + ", ".join(map(str, found)) if found
                else "at none of the tested lengths")

    table = {"adding_seeds": len({r.seed for r in results}),
             "adding_hidden": results[0].extra["hidden"],
             "adding_budget": max(r.extra["sequences_seen"] for r in results)}
    for k, T in enumerate(lengths):
        table[f"adding_T{k}"] = T
        for model in ("RNN", "LSTM"):
            table[f"adding_{model}_{k}"] = per_seed(rates(model, T))
        seen = [r.extra["sequences_seen"] for r in results
                if r.model == "LSTM" and r.extra["T"] == T]
        table[f"adding_seen_{k}"] = f"{sum(seen) / len(seen):,.0f}"
    for model in ("RNN", "LSTM"):
        table[f"adding_recipe_{model}"] = recipe_card(
            [r for r in results if r.model == model])
    lstm = [T for T in lengths if min(rates("LSTM", T)) >= solved_share]
    rnn = [T for T in lengths if max(rates("RNN", T)) >= solved_share]
    table["adding_lstm_where"] = where(lstm)
    table["adding_rnn_where"] = (
        "reaches 90 per cent on some seed " + where(rnn) if rnn
        else "reaches 90 per cent on no seed at any tested length")
    means = [100 * statistics.mean(rates("RNN", T)) for T in lengths]
    steps = list(zip(means, means[1:], strict=False))
    table["adding_rnn_trend"] = ("falls" if all(a > b for a, b in steps) else
                                 "rises" if all(a < b for a, b in steps) else
                                 "goes up and down")
    table["adding_rnn_mean_first"] = means[0]
    table["adding_rnn_mean_last"] = means[-1]
    short = lengths[0]
    table["adding_shortest_clause"] = (
        "The difference is there already at the shortest length (at most "
        f"{short + short // 10} steps), so it is not specific to long lags"
        if short in lstm and short not in rnn
        else "At the shortest length the two models are not separated")
    return table


def chance_success_rate(T: int, n: int = 100_000, seed: int = 0) -> float:
    """Success rate of the best constant answer, 0.5, the mean target: what a
    model that has learnt nothing about the marked values scores."""
    _, y = adding_problem(n, T, torch.Generator().manual_seed(seed))
    return solved(torch.full_like(y, 0.5), y).double().mean().item()


# Gradient clipping ---------------------------------------------------------------


@dataclass
class ClippingRun:
    """Per-step training loss (nats per character) and gradient norm (before
    clipping) of one SGD run."""

    clip: float | None
    losses: list[float]
    grad_norms: list[float]


@cached
def clipping_run(
    data: CharData,
    *,
    clip: float | None,
    radius: float = 1.0,
    lr: float | None = None,
    hidden: int | None = None,
    steps: int | None = None,
    seed: int = 0,
) -> ClippingRun:
    """Plain SGD on the RNN character model, ``W_hh`` started orthogonal with
    spectral radius ``radius``, the gradient clipped to norm ``clip`` (Pascanu et
    al., 2013) or not (``clip=None``).

    (:func:`lecturecode.train.fit` uses Adam, whose per-parameter step sizes
    mask exploding gradients; plain SGD shows them.)
    """
    hidden = hidden or by_scale(smoke=32, quick=64, full=64)
    steps = steps or by_scale(smoke=80, quick=300, full=1000)
    lr = lr or by_scale(smoke=2.0, quick=1.0, full=1.0)
    torch.manual_seed(seed)
    model = rnn_language_model(data.text.vocab_size, hidden)
    with torch.no_grad():
        model.recurrence.weight_hh_l0.copy_(
            scaled_orthogonal(hidden, radius, torch.Generator().manual_seed(seed))
        )
    # [start-clipping-loop]
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    run = ClippingRun(clip, [], [])
    for _ in range(steps):
        rows = torch.randint(len(data.train), (32,), generator=generator)
        loss = -model.log_prob(data.train[rows]).mean() / data.length
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(
            model.parameters(), math.inf if clip is None else clip
        )
        optimizer.step()
        run.losses.append(loss.item())
        run.grad_norms.append(norm.item())
    # [end-clipping-loop]
    return run


# Figures of the chapters ----------------------------------------------------------


def plot_norms_by_lag(norms: dict, slopes: dict | None = None, *, reference=None,
                      ylim=None, shade=None, title: str = ""):
    """``||dh_T / dh_t||_2`` (eq. bptt) against the lag ``T - t`` on a log scale:
    one line per entry of ``norms`` (label -> norm at each lag), its fitted slope
    per step in the legend where ``slopes`` is given; ``reference`` (label ->
    values) adds a dotted line of the same colour, ``shade`` a grey band of lags
    ``(first, last, label)``. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6))
    for k, (name, values) in enumerate(norms.items()):
        label = name if slopes is None else f"{name} (slope {slopes[name]:+.3f})"
        ax.semilogy(torch.arange(len(values)), values, color=f"C{k}", label=label)
        if reference is not None:
            ax.semilogy(reference[name], color=f"C{k}", ls=":", lw=1)
    if shade is not None:
        ax.axvspan(shade[0], shade[1], color="0.9", label=shade[2])
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel("lag $T - t$")
    ax.set_ylabel(r"$\|\partial h_T / \partial h_t\|_2$")
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    return fig


def plot_clipping(runs: dict):
    """The training loss and the gradient norm before clipping at every SGD step
    of :func:`clipping_run` runs (threshold -> run). Returns the figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
    for clip, run in runs.items():
        label = f"clipped at {clip}" if clip else "no clipping"
        axes[0].plot(run.losses, label=label)
        axes[1].semilogy(run.grad_norms, label=label)
    axes[0].set_ylabel("training loss (nats / character)")
    axes[1].set_ylabel(r"gradient norm $\|g\|$ before clipping")
    for ax in axes:
        ax.set_xlabel("SGD step")
        ax.legend(frameon=False)
    return fig


def plot_char_curves(runs: dict, ngrams: list):
    """Validation bits per character against the training step of every seed's
    :func:`train_char_model` record (``runs``: kind -> records), beside the
    validation bpc of the n-gram records ``ngrams`` as horizontal lines.
    Returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for k, (name, records) in enumerate(runs.items()):
        for j, r in enumerate(records):
            ax.plot(r.extra["curve_steps"], r.extra["curve_val_bpc"], "o-",
                    ms=2, color=f"C{k}", alpha=0.8,
                    label=name.upper() if j == 0 else None)
    for r, style in zip(ngrams, (":", "--", "-."), strict=False):
        ax.axhline(r.extra["val_bpc"], color="0.4", ls=style, label=r.model)
    ax.set_xlabel("training step")
    ax.set_ylabel("validation bits per character")
    ax.legend(frameon=False)
    return fig


def plot_adding_success(results: list, chance: float):
    """Share of the adding problem's test sequences solved against the minimal
    length ``T``, for the RNN and LSTM records of :func:`adding_sweep`: each
    seed's run a dot, the mean over the seeds a line, ``chance`` (a share)
    dotted. Returns the figure."""
    import matplotlib.pyplot as plt

    lengths = sorted({r.extra["T"] for r in results})
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for k, model in enumerate(("RNN", "LSTM")):
        rates = [[100 * r.extra["success_rate"] for r in results
                  if r.model == model and r.extra["T"] == T] for T in lengths]
        for T, values in zip(lengths, rates, strict=True):
            ax.plot([T] * len(values), values, "o", color=f"C{k}", alpha=0.6)
        ax.plot(lengths, [sum(v) / len(v) for v in rates], "-", color=f"C{k}",
                label=model)
    ax.axhline(100 * chance, color="0.5", ls=":", label="chance")
    ax.axhline(90, color="0.5", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks(lengths, [str(T) for T in lengths])
    ax.set_xlabel("minimal sequence length $T$")
    ax.set_ylabel("test sequences solved (%)")
    ax.legend(frameon=False)
    return fig


# The full-scale job ---------------------------------------------------------------


@register(
    "sequence",
    chapter="book/sequence/char_language_model",
    description="n-grams, RNN and LSTM character models on the Python docs; "
    "the adding problem for RNN and LSTM; lecture's LSTM vs nn.LSTM speed",
)
def full_scale_job(context) -> list:
    """Train what the character-model and LSTM chapters train, at the runner's
    scale, and time the lecture's LSTM against ``nn.LSTM`` on the job's device.
    Saves the validation curves, the adding-problem success rates and samples."""
    import matplotlib.pyplot as plt

    from ..sequence.speed import training_step_seconds

    seed, device = context.seed, context.device
    data = char_data()
    ngrams, _ = ngram_baselines(data)
    seeds_lm = tuple(seed + k for k in char_seeds())
    runs = {k: [train_char_model(k, data, seed=s, device=device,
                                 progress=context.progress) for s in seeds_lm]
            for k in ("rnn", "lstm")}
    records = [*ngrams, *(r for pairs in runs.values() for _, r in pairs)]
    trained = {k: pairs[0] for k, pairs in runs.items()}  # the first seed's

    lstm_model = trained["lstm"][0].cpu().eval()
    generator = torch.Generator().manual_seed(seed)
    samples = {
        str(t): data.text.decode(lstm_model.sample(1, 400, generator, t)[0])
        for t in (0.5, 0.8, 1.0)
    }
    trained["lstm"][1].extra["samples"] = samples
    best_ngram = min(ngrams, key=lambda r: r.extra["val_bpc"])
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for name, (_, r) in trained.items():
        ax.plot(r.extra["curve_steps"], r.extra["curve_val_bpc"], "o-", ms=3,
                label=f"{name.upper()}, test {r.bits_per_dim:.3f} bpc")
    ax.axhline(best_ngram.extra["val_bpc"], color="0.4", ls="--",
               label=f"{best_ngram.model}, test {best_ngram.bits_per_dim:.3f} bpc")
    ax.set_xlabel("training step")
    ax.set_ylabel("validation bits per character")
    ax.legend(frameon=False)
    context.savefig(fig, "char_model_curves")
    plt.close(fig)

    # the chapter's seeds (0, 1, ...), shifted by the job's seed
    results, _ = adding_sweep(seeds=tuple(seed + k for k in adding_seeds()),
                              device=device)
    records += results
    lengths = sorted({r.extra["T"] for r in results})
    fig = plot_adding_success(
        results, chance_success_rate(lengths[-1], n=20_000))
    context.savefig(fig, "adding_success")
    plt.close(fig)

    # The lecture's LSTM against nn.LSTM: one training step, batch 32, T = 100.
    batch, T, H = 32, 100, 128
    ours = LSTM(101, H).to(context.device)
    literal = training_step_seconds(ours, batch, T)
    compiled = training_step_seconds(lstm_to_torch(ours), batch, T)
    timing = ModelResult(
        model="LSTM: the lecture's loop against nn.LSTM",
        dataset=f"timing, batch {batch}, T = {T}, H = {H}",
        test_nll=None,
        bits_per_dim=None,
        parameters=count_parameters(ours),
        train_seconds=None,
        device=str(device),
        seed=seed,
        scale=current_scale(),
        extra={"literal_ms": 1000 * literal, "torch_ms": 1000 * compiled,
               "ratio": literal / compiled},
    )
    return [*records, timing]
