"""Sizes a reader mistypes: every public constructor and builder of lecturecode
refuses a size, count or rate outside its range with a ``ValueError`` that names
the argument, instead of building a model of zero units or failing deep inside
torch. The sweep passes each argument 0, -1 and a float where an integer is
meant (rates: below 0, 1 and above); a second test keeps the table complete."""

import inspect

import pytest
import torch

import lecturecode.autoregressive as autoregressive
import lecturecode.data as data
import lecturecode.flows as flows
import lecturecode.gan as gan
import lecturecode.nets as nets
import lecturecode.sequence as sequence
from lecturecode.experiments import autoregressive as ar_experiments
from lecturecode.experiments import flows as flow_experiments
from lecturecode.experiments import multiscale as multiscale_experiments
from lecturecode.experiments import sequence as sequence_experiments
from lecturecode.flows.multiscale import ResidualBlock, conv_resnet
from lecturecode.train import fit

# What each kind of argument accepts, and the mistakes the sweep makes.
BAD = {
    "count": [0, -1, 2.5],  # an integer >= 1
    "count0": [-1, 2.5],  # an integer >= 0
    "levels": [1, 0, 2.5],  # an integer >= 2
    "shape": [(0, 3), (3, -1), (3.5, 3)],  # sides, positive integers
    "rate": [-0.1, 1.0, 1.5],  # a probability in [0, 1)
    "positive": [0.0, -1.0],  # a number > 0
    "nonnegative": [-0.1, -1.0],  # a number >= 0
    "correlation": [1.0, -1.0, 1.5],  # in (-1, 1)
}


def moons():
    return data.TwoMoons().sample(64, torch.Generator().manual_seed(0))


def lm():
    return sequence.rnn_language_model(5, 4)


# callable, the valid arguments, {argument: kind}
CASES = [
    # flows
    (flows.LinearFlow, dict(dim=2), dict(dim="count")),
    (flows.ElementwiseFlow, dict(dim=2, components=4),
     dict(dim="count", components="count")),
    (flows.DiagonalScaling, dict(dim=2), dict(dim="count")),
    (flows.LULinear, dict(dim=2), dict(dim="count")),
    (flows.ActNorm, dict(dim=2), dict(dim="count")),
    (flows.AdditiveCoupling, dict(mask=flows.half_mask(4), hidden=8, layers=2,
                                  dropout=0.1, context_dim=0),
     dict(hidden="count", layers="count", dropout="rate", context_dim="count0")),
    (flows.AffineCoupling, dict(mask=flows.half_mask(4), hidden=8, layers=2,
                                dropout=0.1, s_max=1.0),
     dict(hidden="count", layers="count", dropout="rate", s_max="positive")),
    (flows.SplineCoupling, dict(mask=flows.half_mask(4), bins=4, bound=3.0,
                                hidden=8, layers=1, dropout=0.1),
     dict(bins="levels", bound="positive", hidden="count", layers="count",
          dropout="rate")),
    (flows.ConvAffineCoupling, dict(mask=flows.channel_mask((2, 4, 4)), hidden=4,
                                    blocks=1, s_max=1.0, dropout=0.1),
     dict(hidden="count", blocks="count0", s_max="positive", dropout="rate")),
    (flows.FactorOut, dict(shape=(4, 4, 4), hidden=4, blocks=1, dropout=0.1),
     dict(hidden="count", blocks="count0", dropout="rate")),
    (flows.Squeeze, dict(shape=(1, 4, 4)), {}),
    (flows.LogitTransform, dict(dim=4, levels=17, alpha=0.05),
     dict(dim="count", levels="levels", alpha="rate")),
    (flows.VariationalDequantizer, dict(dim=4, levels=17, hidden=8, couplings=2),
     dict(dim="count", levels="levels", hidden="count", couplings="count")),
    (flows.DequantizedFlow, dict(flow=flows.LinearFlow(4), levels=17, alpha=0.05),
     dict(levels="levels", alpha="rate")),
    (flows.coupling_flow, dict(dim=4, couplings=2, hidden=8, layers=1,
                               dropout=0.1, s_max=1.0),
     dict(dim="count", couplings="count", hidden="count", layers="count",
          dropout="rate", s_max="positive")),
    (flows.spline_flow, dict(dim=4, couplings=2, bins=4, bound=3.0, hidden=8,
                             layers=1, dropout=0.1),
     dict(dim="count", couplings="count", bins="levels", bound="positive",
          hidden="count", layers="count", dropout="rate")),
    (flows.multiscale_flow, dict(shape=(1, 8, 8), scales=2, couplings=1,
                                 hidden=4, blocks=1, s_max=1.0, dropout=0.1),
     dict(scales="count", couplings="count", hidden="count", blocks="count0",
          s_max="positive", dropout="rate")),
    (flows.half_mask, dict(dim=4), dict(dim="count")),
    (flows.checkerboard_mask, dict(height=4, width=4),
     dict(height="count", width="count")),
    (conv_resnet, dict(channels_in=2, channels_out=4, hidden=4, blocks=1,
                       dropout=0.1),
     dict(channels_in="count", channels_out="count", hidden="count",
          blocks="count0", dropout="rate")),
    (ResidualBlock, dict(width=4, dropout=0.1),
     dict(width="count", dropout="rate")),
    # autoregressive
    (autoregressive.FVSBN, dict(dim=4), dict(dim="count")),
    (autoregressive.NADE, dict(dim=4, hidden=3), dict(dim="count", hidden="count")),
    (autoregressive.UntiedNADE, dict(dim=4, hidden=3),
     dict(dim="count", hidden="count")),
    (autoregressive.IndependentBernoulli, dict(dim=4), dict(dim="count")),
    (autoregressive.IndependentCategorical, dict(dim=4, levels=3),
     dict(dim="count", levels="levels")),
    (autoregressive.MADE, dict(dim=4, hidden_sizes=(8,), num_masks=2),
     dict(dim="count", num_masks="count")),
    (autoregressive.MADENet, dict(dim=4, hidden_sizes=(8,), num_masks=2,
                                  outputs_per_dim=2),
     dict(dim="count", num_masks="count", outputs_per_dim="count")),
    (autoregressive.MAF, dict(dim=2, hidden_sizes=(8,), bound=5.0),
     dict(dim="count", bound="positive")),
    (autoregressive.PixelCNN, dict(shape=(4, 4), colours=1, levels=3, channels=4,
                                   layers=1, kernel=3, first_kernel=3,
                                   dropout=0.1),
     dict(colours="count", levels="levels", channels="count", layers="count0",
          kernel="count", first_kernel="count", dropout="rate")),
    (autoregressive.GatedPixelCNN, dict(shape=(4, 4), colours=1, levels=3,
                                        channels=4, layers=1, kernel=3,
                                        dropout=0.1),
     dict(colours="count", levels="levels", channels="count", layers="count0",
          kernel="count", dropout="rate")),
    (autoregressive.GatedLayer, dict(channels=4, k=3),
     dict(channels="count", k="count")),
    (autoregressive.MaskedLinear, dict(in_features=3, out_features=4),
     dict(in_features="count", out_features="count")),
    (autoregressive.mask_A, dict(k=3), dict(k="count")),
    (autoregressive.mask_B, dict(k=3), dict(k="count")),
    (autoregressive.channel_groups, dict(channels=6, colours=3),
     dict(channels="count", colours="count")),
    # sequences
    (sequence.RNN, dict(input_size=3, hidden_size=4),
     dict(input_size="count", hidden_size="count")),
    (sequence.LSTM, dict(input_size=3, hidden_size=4),
     dict(input_size="count", hidden_size="count")),
    (sequence.rnn_language_model, dict(vocab_size=5, hidden_size=4, dropout=0.1),
     dict(vocab_size="count", hidden_size="count", dropout="rate")),
    (sequence.lstm_language_model, dict(vocab_size=5, hidden_size=4,
                                        dropout=0.1, input_bound=1.0),
     dict(vocab_size="count", hidden_size="count", dropout="rate",
          input_bound="positive")),
    (sequence.RecurrentLanguageModel, dict(recurrence=lm().recurrence,
                                           vocab_size=5, dropout=0.1),
     dict(dropout="rate")),
    (sequence.CausalConvLanguageModel, dict(vocab_size=5, channels=4, layers=2,
                                            kernel_size=3),
     dict(vocab_size="count", channels="count", layers="count",
          kernel_size="count")),
    (sequence.CausalConv1d, dict(in_channels=2, out_channels=3, kernel_size=3,
                                 dilation=1),
     dict(in_channels="count", out_channels="count", kernel_size="count",
          dilation="count")),
    (sequence.NGramModel, dict(vocab_size=5, n=2), dict(vocab_size="count",
                                                        n="count")),
    (sequence.fit_ngram, dict(sequences=torch.zeros(1, 8, dtype=torch.long),
                              vocab_size=5, n=2),
     dict(vocab_size="count", n="count")),
    (sequence.adding_problem, dict(n=4, T=10), dict(n="count", T="count")),
    (sequence.scaled_orthogonal, dict(size=4, radius=1.0),
     dict(size="count", radius="positive")),
    # GANs
    (gan.Generator, dict(z_dim=2, data_dim=2, hidden=4, layers=1, scale=1.0),
     dict(z_dim="count", data_dim="count", hidden="count", layers="count",
          scale="positive")),
    (gan.Discriminator, dict(data_dim=2, hidden=4, layers=1, pack=2, scale=1.0),
     dict(data_dim="count", hidden="count", layers="count", pack="count",
          scale="positive")),
    (gan.GANConfig, dict(hidden=4, steps=2, batch_size=2),
     dict(pack="count", z_dim="count", hidden="count", generator_layers="count",
          discriminator_layers="count", steps="count", batch_size="count",
          r1_every="count", record_every="count", eval_samples="count",
          lr="positive", data_scale="positive")),
    # layers and data
    (nets.mlp, dict(dim_in=2, dim_out=3, hidden=4, layers=1, dropout=0.1),
     dict(dim_in="count", dim_out="count", hidden="count", layers="count",
          dropout="rate")),
    (nets.Dropout, dict(p=0.1), dict(p="rate")),
    (nets.MaskedLinear, dict(in_features=3, out_features=4),
     dict(in_features="count", out_features="count")),
    (data.TwoMoons, dict(noise=0.1), dict(noise="nonnegative")),
    (data.RingOfGaussians, dict(modes=8, radius=2.0, std=0.1),
     dict(modes="count", radius="positive", std="positive")),
    (data.GridOfGaussians, dict(side=3, spacing=2.0, std=0.1),
     dict(side="count", spacing="positive", std="positive")),
    (data.Checkerboard, dict(cells=4, half=2.0),
     dict(cells="count", half="positive")),
    (data.CorrelatedGaussian, dict(rho=0.5), dict(rho="correlation")),
    (data.toy_splits, dict(n_train=16, n_val=8, n_test=8),
     dict(n_train="count", n_val="count", n_test="count")),
    (data.draw_splits, dict(density=data.TwoMoons(), n_train=16, n_val=8,
                            n_test=8),
     dict(n_train="count", n_val="count", n_test="count")),
    (data.tinted_digits, dict(levels=4), dict(levels="levels")),
    (data.channel_entropies, dict(images=torch.full((2, 12), 3), levels=4),
     dict(levels="levels")),
    (data.neighbourhood_entropies, dict(images=torch.zeros(2, 9), shape=(3, 3)),
     dict(shape="shape")),
    (data.chunk, dict(tokens=torch.zeros(20, dtype=torch.long), length=4),
     dict(length="count")),
    (data.monte_carlo_entropy, dict(density=data.RingOfGaussians(), n=16),
     dict(n="count")),
    # the experiments' builders and the training loop
    (flow_experiments.digits_flow, dict(couplings=2, hidden=8, layers=1,
                                        dropout=0.1),
     dict(couplings="count", hidden="count", layers="count", dropout="rate")),
    (flow_experiments.spline_digits_flow, dict(couplings=2, bins=4, hidden=8,
                                               bound=4.0, dropout=0.1),
     dict(couplings="count", bins="levels", hidden="count", bound="positive",
          dropout="rate")),
    (multiscale_experiments.multiscale_digits_flow,
     dict(couplings=1, hidden=4, blocks=1, dequantization="uniform", seed=0,
          dropout=0.1, dequantizer_hidden=4),
     dict(couplings="count", hidden="count", blocks="count0", dropout="rate",
          dequantizer_hidden="count")),
    (ar_experiments.maf_flow, dict(dim=2, layers=2, hidden_sizes=(4,)),
     dict(dim="count", layers="count")),
    (sequence_experiments.adding_model, dict(kind="lstm", hidden=4),
     dict(hidden="count")),
    (fit, dict(model=flows.FlowModel(flows.LinearFlow(2)), train=moons(),
               steps=2, batch_size=8, lr=1e-2, eval_every=1, clip_grad_norm=1.0),
     dict(steps="count", batch_size="count", lr="positive", eval_every="count",
          clip_grad_norm="positive")),
]

IDS = [f"{f.__module__.rsplit('.', 1)[-1]}.{f.__name__}" for f, _, _ in CASES]


@pytest.mark.parametrize(("build", "valid", "kinds"), CASES, ids=IDS)
def test_a_size_out_of_range_is_refused_by_name(build, valid, kinds):
    build(**valid)  # the valid arguments build
    for name, kind in kinds.items():
        for bad in BAD[kind]:
            with pytest.raises(ValueError, match=rf"\b{name}\b"):
                build(**{**valid, name: bad})


# Public callables that take no size, count or rate (or only tensors, or a
# model); everything else the packages export must be in CASES.
NO_SIZES = {
    "flows": {"Compose", "Flow", "FlowModel", "Knots", "MultiScaleFlow",
              "Permutation", "UniformDequantizer", "autograd_log_abs_det",
              "channel_mask", "flow_jacobian", "image_checkerboard_mask",
              "knots_from", "rational_quadratic_spline",
              "standard_normal_log_prob"},
    "autoregressive": {
        "AutoregressiveModel", "CategoricalModel", "MADEMixture",
        "MaskedConv2d", "PixelCNNBase", "all_binary_vectors", "allowed_inputs",
        "averaged_logits_log_prob", "channel_mask", "check_ordering", "complete",
        "fvsbn_mask", "gate", "hidden_degrees", "horizontal_mask",
        "input_degrees", "made_degrees", "made_masks", "mask_V", "mask_W",
        "mask_cycling_loss", "masks_from_degrees", "pixelcnn_mask", "ranks",
        "receptive_field", "strictly_before", "total_probability",
        "vertical_mask"},
    "sequence": {"SequenceModel", "SequenceRegressor", "bptt_product",
                 "check_tokens", "critical_radius", "hidden_jacobians",
                 "jacobian_norms_by_lag", "log_slope", "lstm_from_torch",
                 "lstm_to_torch", "rnn_from_torch", "rnn_to_torch", "solved"},
    "gan": {"GAN", "GANHistory", "ModeCoverage", "descent_ascent",
            "discriminator_loss", "generator_gradient_norm", "gradient_descent",
            "gradients_as_discriminator_trains", "mode_coverage", "mode_shares",
            "non_saturating_generator_loss", "r1_penalty",
            "saturating_generator_loss", "train_gans", "value_function"},
    "nets": {"MaskedConv2d", "gate", "leaky_relu"},
    "data": {"GaussianMixture", "TextData", "colour_consistency",
             "conditional_entropy", "hue_to_rgb", "load_digit_labels",
             "load_digits", "load_python_docs"},
}
PACKAGES = {"flows": flows, "autoregressive": autoregressive, "sequence": sequence,
            "gan": gan, "nets": nets, "data": data}


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_constructor_is_swept(package):
    module = PACKAGES[package]
    public = {
        name for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", "").startswith(module.__name__)
    }
    swept = {f.__name__ for f, _, _ in CASES}
    assert public - swept - NO_SIZES[package] == set()
