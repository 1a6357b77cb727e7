"""Trained models kept on disk, so that one build trains each model once.

Several chapters train the same model: the comparison chapter puts the FVSBN of
the chain-rule chapter, the NADE of its own chapter and the MADEs of the MADE
chapter in one table. Each chapter runs in its own kernel, so the models cannot
be shared in memory. :func:`cached` stores what a training function returns
(the model and its record, as trained, training time included) under a key made
of everything that decides the result:

- the function and every argument it is called with (defaults included; a data
  class or an object of a ``lecturecode`` class, such as a density, counts by its
  fields);
- the scale and the device;
- the source of the whole ``lecturecode`` package and the versions of torch and
  Python, so a changed model, loop or data loader is never served stale.

A call leaves torch's global random state as it found it, whether it trained or
loaded, so the cells after it compute the same either way. Every cached function is
listed in :data:`TRAINERS` (the tests check each one's key).

The models go to ``_build/models`` of the checkout, or to the folder named by
``LECTURE_MODEL_CACHE``; setting that variable to ``off`` trains every time, and
so does a plan of the job runner (:mod:`lecturecode.budget`: a dry run, a time
budget), whose models are not those of the scale.
"""

import concurrent.futures
import dataclasses
import functools
import hashlib
import inspect
import multiprocessing
import os
import platform
import signal
import sys
import tempfile
from pathlib import Path

import torch

from ..budget import current_plan
from ..paths import ROOT
from ..runtime import default_device
from ..scale import current_scale, using_scale

CACHE_VAR = "LECTURE_MODEL_CACHE"
# How many calls so far were served from the cache, not trained: the job runner
# records it per job, so that a job's wall time is read with it.
LOADS = [0]
PACKAGE = Path(__file__).resolve().parents[1]
TRAINERS: list = []  # every function decorated with :func:`cached`


def cache_dir() -> Path | None:
    """The folder of the cache, or None when ``LECTURE_MODEL_CACHE=off``."""
    value = os.environ.get(CACHE_VAR, "")
    if value.lower() == "off":
        return None
    return Path(value) if value else ROOT / "_build" / "models"


@functools.cache
def code_fingerprint() -> str:
    """A hash of every file of the package (code and bundled data) and of the
    torch and Python versions."""
    digest = hashlib.sha256(f"{torch.__version__} {platform.python_version()}"
                            .encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _canonical(value) -> str:
    """A text that two equal arguments share (tensors by dtype, shape and bytes)."""
    if isinstance(value, torch.Tensor):
        data = value.detach().cpu().contiguous()
        return f"tensor({data.dtype}, {tuple(data.shape)}, " \
            f"{hashlib.sha256(data.numpy().tobytes()).hexdigest()})"
    if isinstance(value, (list, tuple)):
        return type(value).__name__ + "(" + ", ".join(map(_canonical, value)) + ")"
    if isinstance(value, dict):
        items = sorted((str(k), _canonical(v)) for k, v in value.items())
        return "dict(" + ", ".join(f"{k}={v}" for k, v in items) + ")"
    if isinstance(value, (set, frozenset)):
        return "set(" + ", ".join(sorted(map(_canonical, value))) + ")"
    if isinstance(value, (str, int, float, bool, type(None), torch.device)):
        return repr(value)
    kind = type(value)
    name = f"{kind.__module__}.{kind.__qualname__}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return f"{name}({_canonical(fields)})"
    if kind.__module__.startswith(__package__.split(".")[0] + ".") and not (
        isinstance(value, torch.nn.Module) or callable(value)
    ):
        return f"{name}({_canonical(vars(value))})"  # a density, say: its state
    raise TypeError(f"cannot key a cache on an argument of type {type(value)}")


def cache_key(train, arguments: dict) -> str:
    """The key of one call of ``train`` with the bound ``arguments``: ``device``
    counts as the device it names (the default one when None), ``progress``,
    which only shows a progress bar, not at all."""
    device = arguments.get("device") or default_device()
    kept = {k: v for k, v in arguments.items() if k not in ("progress", "device")}
    text = "\n".join([
        f"{train.__module__}.{train.__qualname__}",
        _canonical(kept),
        f"scale={current_scale()}",
        f"device={torch.device(device)}",
        code_fingerprint(),
    ])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _entry(folder: Path, train, key: str) -> Path:
    """The file of one call of ``train`` with the key ``key``."""
    return folder / f"{train.__name__}-{key}.pt"


def cached(train):
    """Decorate a training function so that a call with a key seen before loads
    the stored result instead of training again."""
    signature = inspect.signature(train)

    def key(*args, **kwargs) -> str:
        """The key of a call with these arguments (nothing is trained)."""
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = {}  # keyword arguments gathered by ``**run`` count one by one
        for name, value in bound.arguments.items():
            if signature.parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
                arguments.update(value)
            else:
                arguments[name] = value
        return cache_key(train, arguments)

    @functools.wraps(train)
    def wrapper(*args, **kwargs):
        folder = cache_dir()
        if current_plan() is not None:
            # a dry run's or a budget's models are not the scale's models; a
            # budget's trainings find each other through their checkpoints
            return train(*args, **kwargs)
        path = folder and _entry(folder, train, key(*args, **kwargs))
        if path and path.exists():
            LOADS[0] += 1
            return torch.load(path, weights_only=False)
        with torch.random.fork_rng():  # the global state as if loaded
            result = train(*args, **kwargs)
        if folder is None:
            return result
        folder.mkdir(parents=True, exist_ok=True)
        # write, then rename: a test worker reading the same key never sees half
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp",
                                         delete=False) as handle:
            torch.save(result, handle)
        os.replace(handle.name, path)
        return result

    wrapper.cache_key = key
    TRAINERS.append(wrapper)
    return wrapper


def _start_worker() -> None:
    """A worker of :func:`train_ahead` trains on one thread, and leaves an
    interrupt to the process that started it (which cancels what is queued)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(1)


def _train_one(trainer, scale: str, kwargs: dict) -> None:
    """One call in a worker; the cache keeps its result."""
    with using_scale(scale):
        trainer(**kwargs)


@functools.cache
def _workers(count: int) -> concurrent.futures.ProcessPoolExecutor:
    """The worker processes of this process, started once (``spawn``: a fresh
    interpreter, never a fork of a notebook kernel and its threads)."""
    return concurrent.futures.ProcessPoolExecutor(
        count, mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker)


def _workers_can_start() -> bool:
    """Whether a spawned worker starts without running the caller's script
    again: yes under a notebook kernel, in an interactive session and for a
    module run with ``python -m`` (a worker imports it under another name, so
    its ``if __name__ == "__main__"`` block waits); no for ``python script.py``,
    whose top a worker would run."""
    main = sys.modules["__main__"]
    return getattr(main, "__spec__", None) is not None or not hasattr(
        main, "__file__")


def train_ahead(trainer, calls: list[dict]) -> int:
    """Train the calls ``trainer(**kwargs)`` of ``calls`` that the cache does
    not hold yet side by side, one worker process per CPU thread torch may use,
    each on one thread, in whole rounds (with two workers, two of three calls);
    the loop that then makes the same calls only loads the calls trained here.
    Most of the book's models are too small to keep two cores busy from one
    process (a step of the multi-scale flow takes as long on two threads as on
    one), so two side by side train in about the time of one. Nothing happens for a
    ``trainer`` that is not :func:`cached`, without a cache, under a job
    runner's plan, on a GPU, with one thread (``OMP_NUM_THREADS=1``, as the
    tests run) or under a plain script (:func:`_workers_can_start`): the calls
    then train where they are made. Returns the number of calls trained here."""
    folder, threads = cache_dir(), torch.get_num_threads()
    on_cpu = all(torch.device(kwargs.get("device") or default_device()).type
                 == "cpu" for kwargs in calls)
    if (not hasattr(trainer, "cache_key") or folder is None or threads < 2
            or current_plan() is not None or not on_cpu
            or not _workers_can_start()):
        return 0
    pending = [kwargs for kwargs in calls
               if not _entry(folder, trainer, trainer.cache_key(**kwargs)).exists()]
    # whole rounds only: a call left over trains faster on all threads here
    # than on one worker beside idle ones
    pending = pending[:len(pending) - len(pending) % threads]
    if not pending:
        return 0
    pool = _workers(threads)
    futures = [pool.submit(_train_one, trainer, current_scale(), kwargs)
               for kwargs in pending]
    try:
        for future in futures:
            future.result()  # a worker's error is raised here
    except BaseException:  # an error, or an interrupted cell: stop the rest
        for future in futures:
            future.cancel()
        raise
    return len(pending)
