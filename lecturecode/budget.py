"""How far each training goes: a dry run's two steps, a time budget's share of
the clock, and the checkpoints from which a later call resumes what a budget cut
short.

Every training loop of the package asks :func:`start` for a :class:`Training`,
runs ``training.steps`` steps, calls :meth:`Training.expired` after each one and
:meth:`Training.finish` at the end. Outside a :class:`Plan` (a chapter, a test)
that is all: the loop runs the steps it was asked for. The job runner
(:mod:`lecturecode.jobs`) sets a plan for the length of one job:

- a **dry run** (``figures --dry-run``) caps every training at ``step_cap``
  steps and every evaluation at ``eval_cap`` examples, measures one step of
  each training (seconds, operators, floating-point operations: the cost
  table, :data:`COSTS_FILE`) and runs that step once more with the model and
  its batch on the ``meta`` device, where a tensor made on the CPU inside the
  step fails as it would on a GPU (:func:`check_placement`);
- a **budget** (``figures --budget-minutes M``) gives the job a deadline. Each
  training gets the time left times its estimated cost over the estimated cost
  of the job's trainings still to come, stops when its steps or its share run
  out, and leaves a checkpoint named after what it trains (model, data,
  settings), so that a later call resumes it, and a later job that trains the
  same thing finds it done.
"""

import copy
import hashlib
import json
import math
import time
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

from .runtime import check_positive_int, trusted_values

COSTS_FILE = Path(__file__).with_name("costs.json")
# The GPU side of the cost model (see estimated_seconds): what one operator of
# eager PyTorch costs the host to launch, the arithmetic an H100 sustains on the
# matrix products of these small models (TF32), and what one time step of a
# cuDNN recurrence takes, forward and backward (a chain of small kernels that
# wait for each other).
LAUNCH_SECONDS = 10e-6
GPU_FLOPS = 50e12
RECURRENT_STEP_SECONDS = 30e-6


@dataclass
class Plan:
    """What the runner allows the trainings of one job (see the module's
    docstring). ``trainings`` collects one account per training, in order."""

    step_cap: int | None = None
    eval_cap: int | None = None
    deadline: float | None = None
    costs: list[float] | None = None
    checkpoints: Path | None = None
    measure: bool = False
    clock: Callable[[], float] = time.perf_counter
    trainings: list[dict] = field(default_factory=list)
    placed: set = field(default_factory=set)  # steps whose placement is checked

    @classmethod
    def dry_run(cls, steps: int = 2, examples: int = 8) -> "Plan":
        return cls(step_cap=check_positive_int(steps, "steps"),
                   eval_cap=check_positive_int(examples, "examples"),
                   measure=True)

    @property
    def is_dry_run(self) -> bool:
        return self.step_cap is not None


_plan: ContextVar[Plan | None] = ContextVar("plan", default=None)


@contextmanager
def planned(plan: Plan):
    """Within the block, every training follows ``plan``."""
    token = _plan.set(plan)
    try:
        yield plan
    finally:
        _plan.reset(token)


def current_plan() -> Plan | None:
    return _plan.get()


def dry_run() -> bool:
    """Whether a dry run's plan is in force."""
    plan = _plan.get()
    return plan is not None and plan.is_dry_run


def evaluation_rows(x):
    """``x``, or its first ``eval_cap`` rows in a dry run."""
    plan = _plan.get()
    return x if plan is None or plan.eval_cap is None else x[: plan.eval_cap]


def evaluation_count(n: int) -> int:
    """``n``, or at most ``eval_cap`` in a dry run."""
    plan = _plan.get()
    return n if plan is None or plan.eval_cap is None else min(n, plan.eval_cap)


# What a training is: a key for its checkpoint ----------------------------------


def fingerprint(*parts) -> str:
    """A hash of ``parts``: tensors by dtype, shape and bytes, modules by their
    state, anything else by ``repr``. Two trainings with the same fingerprint
    start from the same weights on the same data with the same settings."""
    digest = hashlib.sha256()

    def add(part):
        if isinstance(part, torch.nn.Module):
            for name, value in part.state_dict().items():
                digest.update(name.encode())
                add(value)
        elif isinstance(part, torch.Tensor):
            data = part.detach().cpu().contiguous()
            digest.update(f"{data.dtype}{tuple(data.shape)}".encode())
            digest.update(data.view(-1).view(torch.uint8).numpy().tobytes()
                          if data.numel() else b"")
        elif isinstance(part, dict):
            for key in sorted(part, key=str):
                digest.update(str(key).encode())
                add(part[key])
        elif isinstance(part, (list, tuple)):
            for item in part:
                add(item)
        else:
            digest.update(repr(part).encode())

    add(parts)
    return digest.hexdigest()


def rng_state() -> dict:
    """The global random state (CPU and CUDA), for a checkpoint: dropout draws
    from it."""
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# One training ----------------------------------------------------------------


# What an optimizer step launches on a GPU, where Adam runs fused (one kernel
# for all the parameters, and its step counts); on the CPU it takes about ten
# operators per parameter, which the count leaves out.
OPTIMIZER_OPS = 2
# A recurrence (nn.RNN, nn.LSTM) is one cuDNN call on a GPU, its time steps a
# chain inside it (RECURRENT_STEP_SECONDS each); the CPU may split it into
# operators per time step, forward and (about twice as many) backward, which
# the count leaves out.
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class StepCounter(TorchDispatchMode):
    """What one training step does, counted on the CPU for the cost of the
    step on a GPU: operators that do work (views only relabel memory; each is
    about one kernel launch), floating-point operations, and the time steps
    its recurrences chain. The optimizer's step counts as ``OPTIMIZER_OPS``
    operators; a recurrence's own operators are left out of the count, and
    its arithmetic is added where the CPU's kernel hides it from the FLOP
    counter."""

    def __init__(self):
        super().__init__()
        self.ops = self.recurrent_ops = self.sequential = 0
        self.recurrent_flops = 0
        self._paused = self._inside = 0
        self._flops = FlopCounterMode(display=False)
        self._hooks = []

    def __enter__(self):
        from torch.optim import optimizer as optim

        def optimizer_starts(*_):
            self._paused += 1

        def optimizer_ends(*_):
            self._paused -= 1
            self.ops += OPTIMIZER_OPS

        def recurrence_starts(module, args):
            if isinstance(module, torch.nn.RNNBase) and args[0].dim() == 3:
                self._inside += 1
                batch, length = (args[0].shape[:2] if module.batch_first
                                 else args[0].shape[1::-1])
                layers = module.num_layers * (1 + module.bidirectional)
                self.sequential += length * layers
                width = module.input_size + module.hidden_size
                self.recurrent_flops += (  # forward and backward: 3 x forward
                    3 * 2 * GATES[module.mode] * batch * length * layers
                    * module.hidden_size * width)

        def recurrence_ends(module, args, output):
            if isinstance(module, torch.nn.RNNBase) and args[0].dim() == 3:
                self._inside -= 1

        modules = torch.nn.modules.module
        self._hooks = [
            optim.register_optimizer_step_pre_hook(optimizer_starts),
            optim.register_optimizer_step_post_hook(optimizer_ends),
            modules.register_module_forward_pre_hook(recurrence_starts),
            modules.register_module_forward_hook(recurrence_ends),
        ]
        self._flops.__enter__()
        return super().__enter__()

    def __exit__(self, *exc):
        result = super().__exit__(*exc)
        self._flops.__exit__(*exc)
        for hook in self._hooks:
            hook.remove()
        return result

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if not (self._paused or func.is_view
                or func is torch.ops.aten.detach.default):
            if self._inside:
                self.recurrent_ops += 1
            else:
                self.ops += 1
        return func(*args, **(kwargs or {}))

    def counts(self) -> dict:
        counted = self._flops.get_total_flops()
        return {
            # the backward of a split recurrence: about twice its forward
            "ops": max(0, self.ops - 2 * self.recurrent_ops),
            # a recurrence the counter saw has its arithmetic in ``counted``
            "flops": int(counted if counted >= self.recurrent_flops
                         else counted + self.recurrent_flops),
            "sequential": self.sequential,
        }


class Training:
    """One training's account with the plan (see :func:`start`)."""

    def __init__(self, label: str, planned: int, identity=None):
        self.label = label
        self.planned = check_positive_int(planned, "steps")
        self.plan = plan = _plan.get()
        cap = plan.step_cap if plan is not None else None
        self.steps = planned if cap is None else min(planned, cap)
        self.share = self.deadline = None
        self.state, self.done_before, self.calls_before = None, 0, 0
        self.stopped, self.measured, self._modes = None, None, None
        self.stopped_before, self.first_seconds = None, 0.0
        self.key = None
        if plan is None:
            return
        self.index = len(plan.trainings)
        self.started = plan.clock()
        if plan.deadline is not None:
            remaining = max(0.0, plan.deadline - self.started)
            costs = plan.costs or []
            ahead = sum(costs[self.index:]) if self.index < len(costs) else 0.0
            self.share = (remaining * costs[self.index] / ahead if ahead > 0
                          else remaining)
            self.deadline = self.started + self.share
        if plan.checkpoints is not None and identity is not None:
            self.key = fingerprint(label, planned, identity)[:20]
            saved = self.path()
            if saved.exists():
                stored = torch.load(saved, map_location="cpu", weights_only=False)
                account = stored["account"]
                self.state = stored["state"]
                self.done_before = account["steps_done"]
                self.calls_before = account["calls"]
                self.stopped_before = account["stopped"]
                if account["stopped"] != "budget":  # nothing left to do
                    self.steps = self.done_before

    def path(self) -> Path:
        return self.plan.checkpoints / f"{self.label}-{self.key}.pt"

    @property
    def first_step(self) -> int:
        """The step to start from: 1, or one past what an earlier call did."""
        return self.done_before + 1

    @property
    def finished_before(self) -> bool:
        """Whether an earlier call finished this training (then ``state`` holds
        the result, ``steps`` is the steps it took, and the loop has nothing
        left to do)."""
        return self.state is not None and self.done_before >= self.steps

    def expired(self, step: int) -> bool:
        """Called after each step: whether the share is spent (the loop then
        stops after this step). In a dry run it measures the last step."""
        plan = self.plan
        if plan is None:
            return False
        if plan.measure and self.steps >= 2:
            if step == self.steps - 1:
                self.first_seconds = plan.clock() - self.started
                self._start_measuring()
            elif step == self.steps and self._modes is not None:
                self._stop_measuring()
        if self.deadline is not None and plan.clock() >= self.deadline:
            if step < self.steps:
                self.stopped = "budget"
            return True
        return False

    def _start_measuring(self):
        self._modes = (StepCounter(), time.perf_counter())
        self._modes[0].__enter__()

    def _stop_measuring(self):
        (counter, started), self._modes = self._modes, None
        counted_seconds = time.perf_counter() - started
        counter.__exit__(None, None, None)
        # the first step may pay for lazy set-up, the counted one pays for the
        # counting: the lesser is the closer to a step's time
        self.measured = {"cpu_step_seconds": min(self.first_seconds,
                                                 counted_seconds),
                         **counter.counts()}

    def complete(self, done: int) -> bool:
        """Whether the training ended on its own terms after ``done`` steps:
        its steps, or its own stopping rule, not the budget."""
        return self.stopped != "budget"

    def _ended(self, trained_now: bool) -> str:
        if not trained_now and self.stopped_before is not None:
            return self.stopped_before
        capped = self.plan is not None and self.plan.is_dry_run
        return "dry run" if capped and self.steps < self.planned else "done"

    def finish(self, done: int, state: Callable[[], dict] | None = None) -> dict:
        """Close the account after ``done`` steps in all (earlier calls
        included); with checkpoints on, save ``state()`` for the next call.
        Returns the account: steps planned and done, the share, why it
        stopped, and how many calls trained it."""
        if self._modes is not None:  # the loop ended before the measured step
            self._stop_measuring()
        trained_now = done > self.done_before
        account = {
            "label": self.label,
            "steps_planned": self.planned,
            "steps_done": done,
            "share_seconds": None if self.share is None else round(self.share, 3),
            "stopped": self.stopped or self._ended(trained_now),
            "calls": self.calls_before + trained_now,
        }
        plan = self.plan
        if plan is None:
            return account
        account["seconds"] = round(plan.clock() - self.started, 3)
        if self.measured is not None:
            account.update(self.measured)
        if self.key is not None and state is not None and trained_now:
            plan.checkpoints.mkdir(parents=True, exist_ok=True)
            tmp = self.path().with_suffix(".tmp")
            torch.save({"account": account, "state": state()}, tmp)
            tmp.replace(self.path())
        plan.trainings.append(account)
        return account


def start(label: str, planned: int, identity=None) -> Training:
    """Open the account of a training of ``planned`` steps. ``identity`` (the
    model before training, the data, the settings) names its checkpoint; a
    training without one is not resumed."""
    return Training(label, planned, identity)


# Where tensors are made --------------------------------------------------------


def on_meta(module: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``module`` on the ``meta`` device (shapes, no values)."""
    return copy.deepcopy(module).to("meta")


def placement_unchecked(*what) -> bool:
    """In a dry run, whether a step of this kind (``what``: the model, the
    batch's shape, the loss) has not had its placement checked yet; it counts
    as checked from now on. Outside a dry run: ``False``."""
    plan = _plan.get()
    if plan is None or not plan.is_dry_run:
        return False
    kind = fingerprint(*[
        (type(w).__name__, [(n, tuple(p.shape)) for n, p in w.named_parameters()])
        if isinstance(w, torch.nn.Module) else w for w in what])
    if kind in plan.placed:
        return False
    plan.placed.add(kind)
    return True


def check_placement(step: Callable[[], object], label: str) -> None:
    """Run ``step`` (a training step whose model and batch are on the ``meta``
    device): a tensor that the step makes on the CPU and mixes with the model's
    fails there, as it would on a GPU. Raises ``RuntimeError`` naming
    ``label``."""
    try:
        with trusted_values():
            step()
    except (RuntimeError, NotImplementedError) as error:
        if "item() cannot be called on meta" in str(error):
            raise RuntimeError(
                f"{label}: the training step reads a value back to the host "
                "(.item(), bool, float: on a GPU the host waits for the device "
                f"every step): {error}"
            ) from error
        raise RuntimeError(
            f"{label}: the training step mixes devices (a tensor made on the "
            f"CPU inside the step?): {error}"
        ) from error


# The cost table ------------------------------------------------------------------


def gpu_step_seconds(training: dict) -> float:
    """Estimated seconds of one step on an H100, from what a dry run counted
    on the CPU: the largest of its operators' launches (``LAUNCH_SECONDS``
    each: small models keep the GPU waiting for the host), its arithmetic at
    ``GPU_FLOPS``, and the time steps its recurrences chain
    (``RECURRENT_STEP_SECONDS`` each)."""
    return max(training["ops"] * LAUNCH_SECONDS,
               training["flops"] / GPU_FLOPS,
               training.get("sequential", 0) * RECURRENT_STEP_SECONDS)


def estimated_seconds(training: dict, device_type: str) -> float:
    """Estimated seconds of all the planned steps of a training measured by a
    dry run: on the CPU, the measured step times the steps; on a GPU,
    :func:`gpu_step_seconds` times the steps."""
    steps = training["steps_planned"]
    if device_type == "cpu":
        return steps * training["cpu_step_seconds"]
    return steps * gpu_step_seconds(training)


def read_costs(path: Path = COSTS_FILE) -> dict:
    """The cost table: ``{scale: {job: {"trainings": [...], "other_seconds":
    s}}}``, each training as a dry run measured it (``label``,
    ``steps_planned``, ``cpu_step_seconds``, ``ops``, ``flops``,
    ``sequential``), and the seconds the dry run spent on the job's other work
    (data, evaluation, figures)."""
    return json.loads(path.read_text()) if path.exists() else {}


@dataclass
class JobCost:
    """A job's estimated seconds on a device: each training's, in order, and
    the rest of its work."""

    trainings: list[float]
    other: float

    @property
    def total(self) -> float:
        return sum(self.trainings) + self.other

    def remaining(self, before: dict | None) -> "JobCost":
        """What is left after the incomplete run ``before`` (a results entry):
        each training's cost times its share of steps still to do (none for a
        training that ended), when ``before`` has the same trainings."""
        done = (before or {}).get("trainings") or []
        if len(done) != len(self.trainings):
            return self
        left = [0.0 if t["stopped"] != "budget"
                else cost * max(0.0, 1 - t["steps_done"] / t["steps_planned"])
                for cost, t in zip(self.trainings, done, strict=True)]
        return JobCost(left, self.other)


def job_cost(scale: str, job: str, device_type: str,
             table: dict | None = None) -> JobCost | None:
    """The estimated cost of ``job`` at ``scale`` on a device of
    ``device_type``; ``None`` when the table has no entry."""
    table = read_costs() if table is None else table
    entry = table.get(scale, {}).get(job)
    if entry is None:
        return None
    return JobCost([estimated_seconds(t, device_type)
                    for t in entry["trainings"]], entry["other_seconds"])


def split(total: float, costs: list[float]) -> list[float]:
    """``total`` in proportion to ``costs`` (equal parts when none is known)."""
    known = [c for c in costs if c is not None and math.isfinite(c) and c > 0]
    if not known:
        return [total / len(costs)] * len(costs) if costs else []
    fill = sum(known) / len(known)
    costs = [c if c in known else fill for c in costs]
    return [total * c / sum(costs) for c in costs]
