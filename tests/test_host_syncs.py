"""No training loop reads the device back every step: on a GPU each such read
(``.item()``, ``float(t)``, ``if t:``, ``.tolist()``, ``.cpu()``) makes the host
wait until the device has done everything queued, and a small model then runs at
the speed of that round trip. On the CPU the reads cost nothing, so they are
counted: every trainer runs ``n`` and ``2 n`` steps with the same evaluations,
and the second may not read more than the first. An optimizer's own step is
left out (on a GPU, Adam runs fused and reads nothing back; on the CPU it reads
its step counts)."""

import functools
import sys

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from lecturecode.autoregressive import (
    FVSBN,
    MADE,
    NADE,
    GatedPixelCNN,
    MADEMixture,
    PixelCNN,
)
from lecturecode.autoregressive.made import mask_cycling_loss
from lecturecode.data import RingOfGaussians, TwoMoons, load_digits, tinted_digits
from lecturecode.data.text import chunk, load_python_docs
from lecturecode.experiments.autoregressive import maf_flow
from lecturecode.experiments.flows import digits_flow, spline_digits_flow
from lecturecode.experiments.multiscale import digit_images, multiscale_digits_flow
from lecturecode.experiments.sequence import train_adding
from lecturecode.flows import FlowModel, coupling_flow
from lecturecode.gan import GANConfig, gradients_as_discriminator_trains, train_gans
from lecturecode.scale import using_scale
from lecturecode.sequence import lstm_language_model, rnn_language_model
from lecturecode.train import fit, negative_log_likelihood

READS = ("tolist", "numpy", "cpu")  # reads that do not go through an operator
# Work done on the host by design, on CPU tensors from CPU generators, whose
# results go to the device without waiting (lecturecode.runtime.to_device): the
# adding problem's batches, MADE's masks. On a GPU their reads wait for nothing.
HOST_SIDE = {"adding_problem", "hidden_degrees"}


def on_the_host() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name in HOST_SIDE:
            return True
        frame = frame.f_back
    return False


class HostReads(TorchDispatchMode):
    """Counts what reads a tensor back to the host, outside optimizer steps."""

    def __init__(self):
        super().__init__()
        self.count, self._paused, self._saved, self._hooks = 0, 0, {}, []

    def __enter__(self):
        from torch.optim import optimizer

        def pause(*_):
            self._paused += 1

        def resume(*_):
            self._paused -= 1

        self._hooks = [optimizer.register_optimizer_step_pre_hook(pause),
                       optimizer.register_optimizer_step_post_hook(resume)]
        for name in READS:
            self._saved[name] = original = getattr(torch.Tensor, name)

            @functools.wraps(original)
            def counted(tensor, *args, _original=original, **kwargs):
                self.count += not (self._paused or on_the_host())
                return _original(tensor, *args, **kwargs)

            setattr(torch.Tensor, name, counted)
        return super().__enter__()

    def __exit__(self, *exc):
        for name, original in self._saved.items():
            setattr(torch.Tensor, name, original)
        for hook in self._hooks:
            hook.remove()
        return super().__exit__(*exc)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if (func is torch.ops.aten._local_scalar_dense.default
                and not (self._paused or on_the_host())):
            self.count += 1  # .item(), bool(), float(), int() of a tensor
        return func(*args, **(kwargs or {}))


def host_reads(train, steps: int) -> int:
    reads = HostReads()
    with reads:
        train(steps)
    return reads.count


def fit_loop(model_factory, data, loss_fn=negative_log_likelihood, batch_size=32):
    def train(steps):
        torch.manual_seed(0)
        fit(model_factory(), data, val=data[:64], steps=steps,
            batch_size=batch_size, eval_every=10**6, loss_fn=loss_fn,
            clip_grad_norm=1.0)

    return train


def binary_digits():
    return load_digits("binary")["train"]


def text_rows():
    text = load_python_docs()
    return chunk(text.train[:20_000], 32), text.vocab_size


MOONS = TwoMoons().sample(512, torch.Generator().manual_seed(0))
TRAINERS = {
    "fit: RealNVP": fit_loop(
        lambda: FlowModel(coupling_flow(2, 4, hidden=16, dropout=0.1)), MOONS),
    "fit: MAF": fit_loop(lambda: FlowModel(maf_flow(2, 2, (8,))), MOONS),
    "fit: spline flow, digits": fit_loop(
        lambda: spline_digits_flow(couplings=2, bins=4, hidden=8,
                                   dequantization="variational"),
        load_digits("grey")["train"]),
    "fit: multi-scale flow": fit_loop(
        lambda: multiscale_digits_flow(couplings=1, hidden=4, blocks=1,
                                       dequantization="variational", seed=0,
                                       actnorm=True, dequantizer_hidden=4),
        digit_images()["train"]),
    "fit: FVSBN": fit_loop(lambda: FVSBN(64), load_digits("binary")["train"]),
    "fit: NADE": fit_loop(lambda: NADE(64, 8), load_digits("binary")["train"]),
    "fit: PixelCNN, tinted": fit_loop(
        lambda: PixelCNN((8, 8), 3, 4, channels=6, layers=1),
        tinted_digits(levels=4)["train"]),
    "fit: dequantized RealNVP, variational": fit_loop(
        lambda: digits_flow(couplings=2, hidden=16, dequantization="variational",
                            actnorm=True),
        load_digits("grey")["train"]),
    "fit: MADE, mask cycling": fit_loop(
        lambda: MADEMixture(MADE(64, (32,), num_masks=4)), binary_digits(),
        loss_fn=mask_cycling_loss),
    "fit: gated PixelCNN, grey": fit_loop(
        lambda: GatedPixelCNN((8, 8), 1, 17, channels=8, layers=2, dropout=0.1),
        load_digits("grey")["train"]),
    "fit: RNN language model": fit_loop(
        lambda: rnn_language_model(text_rows()[1], 16), text_rows()[0],
        batch_size=8),
    "fit: LSTM language model": fit_loop(
        lambda: lstm_language_model(text_rows()[1], 16, dropout=0.2),
        text_rows()[0], batch_size=8),
    "GAN trainer": lambda steps: train_gans(
        RingOfGaussians(), [0, 1],
        GANConfig(hidden=8, steps=steps, batch_size=16, record_every=10**6,
                  eval_samples=50, r1=1.0, r1_every=2), "cpu"),
    "gradient study": lambda steps: gradients_as_discriminator_trains(
        GANConfig(hidden=8).build(), RingOfGaussians(), [0, steps], batch_size=16,
        batches=2),
}


@pytest.mark.parametrize("trainer", TRAINERS)
def test_no_training_step_reads_the_device_back(trainer):
    train = TRAINERS[trainer]
    assert host_reads(train, 40) - host_reads(train, 20) == 0


def test_the_adding_loop_reads_its_stopping_rule_every_few_steps():
    def train(steps):
        with using_scale("smoke"):
            train_adding("lstm", 20, hidden=4, max_steps=steps, batch_size=1000,
                         test_size=10, device="cpu", check_every=10)

    assert host_reads(train, 40) - host_reads(train, 20) <= 20 // 10


def test_the_count_sees_a_read_in_a_step():
    def loss(model, batch):
        value = negative_log_likelihood(model, batch)
        value.item()  # what a loop must not do each step
        return value

    train = fit_loop(lambda: FlowModel(coupling_flow(2, 2, hidden=4)),
                     TwoMoons().sample(256, torch.Generator().manual_seed(0)),
                     loss_fn=loss)
    assert host_reads(train, 40) - host_reads(train, 20) == 20
