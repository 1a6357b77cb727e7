"""Every schematic diagram shows the structure of the model it was drawn from.

A diagram tags each piece of structure it draws (an edge, a kernel cell, a
tensor shape); ``drawn`` reads those pieces back from the figure's artists. Each
test compares them with the model, measured here independently where it can be:
by autograd (which outputs depend on which inputs), by running the model, or by
reading its masks and parameters."""

import copy
import math

import numpy as np
import pytest
import torch

from lecturecode.autoregressive import (
    FVSBN,
    MADE,
    GatedPixelCNN,
    PixelCNN,
    allowed_inputs,
    channel_groups,
    receptive_field,
)
from lecturecode.autoregressive.base import strictly_before
from lecturecode.diagrams import (
    coupling_diagram,
    drawn,
    fvsbn_diagram,
    gan_diagram,
    lstm_diagram,
    made_diagram,
    multiscale_diagram,
    pixelcnn_kernel_diagram,
    pixelcnn_stacks_diagram,
    rnn_diagram,
    show_diagram,
    svg,
    volume_diagram,
)
from lecturecode.diagrams.flows import shoelace_area
from lecturecode.diagrams.gan import loss_formula
from lecturecode.experiments.flows import alternating_flow
from lecturecode.flows import (
    AdditiveCoupling,
    AffineCoupling,
    FlowModel,
    Squeeze,
    checkerboard_mask,
    flow_jacobian,
    half_mask,
    multiscale_flow,
)
from lecturecode.gan import GENERATOR_LOSSES, GANConfig, discriminator_loss
from lecturecode.runtime import perturb_parameters
from lecturecode.sequence import LSTM, rnn_language_model


def generic(module, seed=0):
    """``module`` in float64 with its weights moved away from any special
    start (zero output layers, identity maps), in place."""
    return perturb_parameters(module.double(), 0.5, torch.Generator().manual_seed(seed))


def graph(edges):
    """``{node: successors}`` from ``(a, b)`` pairs."""
    successors = {}
    for a, b in edges:
        successors.setdefault(a, set()).add(b)
    return successors


def reaches(successors, start, goal) -> bool:
    seen, todo = set(), [start]
    while todo:
        here = todo.pop()
        if here == goal:
            return True
        if here not in seen:
            seen.add(here)
            todo += successors.get(here, ())
    return False


def tagged(fig, kind):
    """``(parts, artist)`` of every artist tagged ``kind``."""
    return [(tuple(a.get_gid().split("|")[1:]), a) for a in fig.findobj()
            if isinstance(a.get_gid(), str) and a.get_gid().split("|")[0] == kind]


# Coupling layers -----------------------------------------------------------------

COUPLINGS = {
    "affine, half": lambda: AffineCoupling(half_mask(6)),
    "affine, checkerboard": lambda: AffineCoupling(checkerboard_mask(2, 3)),
    "additive, other half": lambda: AdditiveCoupling(half_mask(5, first=False)),
}


@pytest.mark.parametrize("build", COUPLINGS.values(), ids=COUPLINGS.keys())
def test_coupling_diagram_keeps_what_the_layer_copies(build):
    layer = generic(build())
    x = torch.randn(layer.dim, generator=torch.Generator().manual_seed(1),
                    dtype=torch.float64)
    J = flow_jacobian(layer, x)
    eye = torch.eye(layer.dim, dtype=J.dtype)
    copied = {i for i in range(layer.dim) if torch.allclose(J[i], eye[i])}
    fig = coupling_diagram(layer)
    for direction in ("forward", "inverse"):
        cells = [p for p in drawn(fig, "mask") if p[0] == direction]
        assert sorted(int(i) for _, i, _ in cells) == list(range(layer.dim))
        assert {int(i) for _, i, role in cells if role == "kept"} == copied
        blocks = {name: part for d, name, part in drawn(fig, "block")
                  if d == direction}
        source = "x" if direction == "forward" else "z"
        assert {int(i) for i in blocks[f"{source}A"].split(",")} == copied
        assert {int(i) for i in blocks[f"{source}B"].split(",")} == (
            set(range(layer.dim)) - copied
        )


@pytest.mark.parametrize("build", COUPLINGS.values(), ids=COUPLINGS.keys())
def test_coupling_diagram_edges_are_the_jacobians_blocks(build):
    """Drawn paths between the halves exist exactly where the Jacobian (of
    the forward map, and of the inverse) has nonzero blocks, and a scale
    network is drawn exactly when the layer changes volume."""
    layer = generic(build())
    x = torch.randn(layer.dim, generator=torch.Generator().manual_seed(1),
                    dtype=torch.float64)
    fig = coupling_diagram(layer)
    A = [int(i) for d, i, role in drawn(fig, "mask")
         if d == "forward" and role == "kept"]
    B = [i for i in range(layer.dim) if i not in A]
    inverse_J = torch.autograd.functional.jacobian(
        lambda z: layer.inverse(z.unsqueeze(0)).squeeze(0), layer(x[None])[0][0]
    )
    for direction, J, a, b in (("forward", flow_jacobian(layer, x), "x", "z"),
                               ("inverse", inverse_J, "z", "x")):
        paths = graph((e[1], e[2]) for e in drawn(fig, "edge") if e[0] == direction)
        for source, columns in (("A", A), ("B", B)):
            for target, rows in (("A", A), ("B", B)):
                nonzero = bool((J[rows][:, columns] != 0).any())  # d out / d in
                assert reaches(paths, f"{a}{source}", f"{b}{target}") == nonzero
        networks = {n for d, n in drawn(fig, "net") if d == direction}
        scales = not torch.allclose(J.diagonal()[B], torch.ones(len(B), dtype=J.dtype))
        assert ("s" in networks) == scales and "t" in networks
        for n in networks:  # the networks read the kept half only
            assert reaches(paths, f"{a}A", n) and not reaches(paths, f"{a}B", n)


# The change of variables -----------------------------------------------------------


@pytest.mark.parametrize("centre", [(-1.0, 1.5), (0.5, 0.0), (2.0, -1.0)])
def test_volume_diagram_area_ratio_is_det_J(centre):
    flow = alternating_flow(torch.Generator().manual_seed(3))
    fig = volume_diagram(FlowModel(flow), centre)
    squares = dict(tagged(fig, "square"))
    square = squares[("x",)].get_xy()
    image = squares[("z",)].get_xy()
    _, log_abs_det = flow(torch.tensor([centre]))
    det = math.exp(log_abs_det.item())
    side = fig.structure["side"]
    assert shoelace_area(square) == pytest.approx(side**2, rel=1e-9)
    assert np.allclose(square[:-1].mean(0), centre, atol=1e-6)  # closed: [-1] = [0]
    assert shoelace_area(image) / shoelace_area(square) == pytest.approx(det,
                                                                       rel=0.01)
    with torch.no_grad():  # the drawn image is the flow's image of the square
        pushed = flow(torch.as_tensor(square[:-1], dtype=torch.float32))[0]
    assert np.allclose(image[:-1], pushed.numpy(), atol=1e-5)


# The chain rule: FVSBN ---------------------------------------------------------


@pytest.mark.parametrize("include_self", [False, True])
def test_fvsbn_diagram_draws_exactly_the_inputs_of_each_conditional(include_self):
    ordering = torch.tensor([3, 0, 4, 1, 2])
    model = generic(FVSBN(5, ordering=ordering, include_self=include_self))
    x = torch.rand(5, generator=torch.Generator().manual_seed(0),
                   dtype=torch.float64)
    J = torch.autograd.functional.jacobian(lambda v: model.logits(v[None])[0], x)
    reads = {(j, i) for i, j in (J != 0).nonzero().tolist()}  # x_j -> logit i
    fig = fvsbn_diagram(model)
    edges = {(int(j), int(i)) for j, i in drawn(fig, "edge")}
    cells = {(int(j), int(i)) for i, j in drawn(fig, "cell")}
    assert edges == reads == cells
    before = strictly_before(ordering)
    expected = {(j, i) for i in range(5) for j in range(5)
                if before[i, j] or (include_self and i == j)}
    assert edges == expected


# MADE --------------------------------------------------------------------------


@pytest.mark.parametrize("mask_set", [0, 1])
def test_made_diagram_draws_the_masks_and_the_degrees(mask_set):
    made = MADE(4, (6, 5), ordering="random", num_masks=2, seed=3)
    made.set_masks(mask_set)
    fig = made_diagram(made)
    for layer, linear in enumerate(made.net.layers):
        edges = {(int(o), int(i)) for l_, o, i in drawn(fig, "edge")
                 if int(l_) == layer}
        assert edges == {tuple(e) for e in linear.mask.nonzero().tolist()}
    for layer, degrees in enumerate(made.net.unit_degrees, start=1):
        units = {int(k): int(m) for l_, k, m in drawn(fig, "unit")
                 if int(l_) == layer}
        assert units == dict(enumerate(degrees.tolist()))


def test_made_diagram_paths_are_what_the_outputs_read():
    """A drawn path from input d' to output d exists exactly where the product
    of the masks counts one, and wherever the output reads the input (a
    nonzero gradient somewhere) there is a drawn path."""
    made = generic(MADE(5, (8, 8), ordering=torch.tensor([2, 4, 0, 1, 3])))
    xs = torch.rand(8, 5, generator=torch.Generator().manual_seed(0),
                    dtype=torch.float64)
    reads = sum(
        torch.autograd.functional.jacobian(lambda v: made.logits(v[None])[0], x)
        .abs() for x in xs
    ) != 0
    masks = [layer.mask for layer in made.net.layers]
    counts = masks[2] @ masks[1] @ masks[0]  # [output, input]
    fig = made_diagram(made)
    paths = graph(((int(l_), int(i)), (int(l_) + 1, int(o)))
                  for l_, o, i in drawn(fig, "edge"))
    for d in range(5):
        for d_in in range(5):
            path = reaches(paths, (0, d_in), (3, d))
            assert path == bool(counts[d, d_in] > 0)
            assert path or not reads[d, d_in]
    assert reads.any()


# PixelCNN ----------------------------------------------------------------------


def kernel_state(mask, u, v):
    on = mask[:, :, u, v].bool()
    return "all" if on.all() else "some" if on.any() else "none"


@pytest.mark.parametrize("colours", [1, 3])
def test_pixelcnn_kernel_diagram_draws_the_masks(colours):
    model = PixelCNN(colours=colours, levels=4, channels=6, layers=2)
    fig = pixelcnn_kernel_diagram(model)
    groups = channel_groups(6, colours)
    for name, layer, in_groups, out_groups in (
        ("A", model.first, torch.arange(colours), groups),
        ("B", model.hidden[0], groups, groups),
    ):
        mask = layer.mask
        cells = {(int(u), int(v)): state for n, u, v, state in drawn(fig, "kernel")
                 if n == name}
        k = mask.shape[-1]
        assert cells == {(u, v): kernel_state(mask, u, v)
                         for u in range(k) for v in range(k)}
        c = k // 2
        centre = {(int(a), int(b)) for n, a, b in drawn(fig, "centre") if n == name}
        expected = {(g_in, g_out) for g_out in range(colours)
                    for g_in in range(colours)
                    if mask[out_groups == g_out][:, in_groups == g_in, c, c].all()}
        assert centre == expected
        rule = (lambda a, b: a < b) if name == "A" else (lambda a, b: a <= b)
        assert centre == {(a, b) for a in range(colours) for b in range(colours)
                          if rule(a, b)}  # R -> G -> B (eq. channel-rule)


def test_pixelcnn_stacks_diagram_draws_the_receptive_fields():
    shape, pixel, layers = (11, 11), (7, 5), 3
    plain = PixelCNN(shape, channels=4, layers=layers, first_kernel=3)
    gated = GatedPixelCNN(shape, channels=4, layers=layers)
    fig = pixelcnn_stacks_diagram(plain, gated, pixel)
    fields = {}
    for name, r, c, category in drawn(fig, "field"):
        fields.setdefault(name, {})[(int(r), int(c))] = category

    def cells(name, *categories):
        return {rc for rc, cat in fields[name].items() if cat in categories}

    def read(model):
        model = copy.deepcopy(model).double()
        seen = receptive_field(model, pixel, generator=torch.Generator())
        return {tuple(rc) for rc in seen[..., 0].nonzero().tolist()}

    allowed = {tuple(rc) for rc in
               allowed_inputs(shape, 1, pixel)[..., 0].nonzero().tolist()}
    assert len(fields["plain"]) == len(fields["gated"]) == shape[0] * shape[1]
    plain_read = read(plain)
    assert cells("plain", "read") == plain_read
    depth = layers + 1  # the proposition of the blind spot: d (d - 1) / 2 missed
    r, c = pixel
    reach = {(r - a, c + b) for a in range(1, depth + 1)
             for b in range(-depth, depth + 1)} | {(r, c - b)
                                                   for b in range(1, depth + 1)}
    assert cells("plain", "blind") == (reach & allowed) - plain_read
    assert len(cells("plain", "blind")) == depth * (depth - 1) // 2
    assert cells("gated", "vertical", "horizontal") == read(gated)
    assert cells("gated", "blind") == set()
    assert cells("gated", "horizontal") == {(r, c - b) for b in range(1, depth + 1)}
    assert all(row < r for row, _ in cells("gated", "vertical"))
    assert cells("plain", "target") == cells("gated", "target") == {pixel}
    for name, mask in (("vertical, first", gated.v_first.mask),
                       ("horizontal, next", gated.hidden[0].h_conv.mask)):
        drawn_cells = {(int(u), int(v)): s for n, u, v, s in drawn(fig, "kernel")
                       if n == name}
        assert drawn_cells == {(u, v): kernel_state(mask, u, v)
                               for u in range(mask.shape[2])
                               for v in range(mask.shape[3])}


# Recurrent networks ----------------------------------------------------------------


def test_rnn_diagram_names_the_shared_parameters_of_the_module():
    model = rnn_language_model(5, 7, literal=True)
    fig = rnn_diagram(model, steps=3)
    names = {"recurrence.W_hh": "W_hh", "recurrence.W_hx": "W_hx",
             "W_hy.weight": "W_hy", "W_hy.bias": "b_y"}
    expected = {(names[n], " x ".join(map(str, p.shape)))
                for n, p in model.named_parameters()}
    assert set(drawn(fig, "parameter")) == expected
    edges = drawn(fig, "edge")
    for name in ("W_hh", "W_hx", "W_hy"):  # one parameter serves every step
        assert sorted(int(i) for n, i in edges if n == name) == [1, 2, 3]
    assert {n for n, _ in edges} <= {name for name, _ in expected}


def test_lstm_diagram_draws_the_gates_the_module_computes():
    lstm = generic(LSTM(3, 4))
    fig = lstm_diagram(lstm)
    gates = {name: (activation, shapes)
             for name, activation, shapes in drawn(fig, "gate")}
    assert set(gates) == {n[2] for n, _ in lstm.named_parameters()
                          if n.endswith("x")} == {"g", "i", "f", "o"}
    x = torch.randn(1, 2, 3, generator=torch.Generator().manual_seed(0),
                    dtype=torch.float64)
    trace = lstm.trace(x)
    assert set(trace) == set(gates) | {"s", "h"}
    h_prev = trace["h"][:, 0]  # the gates of step 2 read h_1
    for name, (activation, shapes) in gates.items():
        pre = (x[:, 1] @ getattr(lstm, f"W_{name}x").T
               + h_prev @ getattr(lstm, f"W_{name}h").T + getattr(lstm, f"b_{name}"))
        squash = torch.tanh if activation == "tanh" else torch.sigmoid
        assert torch.allclose(trace[name][:, 1], squash(pre))
        assert shapes == " ".join(
            " x ".join(map(str, getattr(lstm, f"{p}_{name}{e}").shape))
            for p, e in (("W", "x"), ("W", "h"), ("b", ""))
        )


def test_lstm_diagram_edges_are_what_the_cell_computes(monkeypatch):
    """What feeds s_t and h_t in the picture is what feeds them in
    ``LSTM.cell``, by backpropagation with the gates set free."""
    lstm = LSTM(3, 4).double()
    fig = lstm_diagram(lstm)
    paths = graph(drawn(fig, "edge"))
    free = {n: torch.rand(2, 4, dtype=torch.float64, requires_grad=True)
            for n in ("g", "i", "f", "o", "s_prev")}
    monkeypatch.setattr(lstm, "gates", lambda x, h: tuple(
        free[n] for n in ("g", "i", "f", "o")))
    h, s = lstm.cell(torch.zeros(2, 3, dtype=torch.float64),
                     torch.zeros(2, 4, dtype=torch.float64), free["s_prev"])
    for name, value in (("s", s), ("h", h)):
        grads = torch.autograd.grad(value.sum(), list(free.values()),
                                    allow_unused=True, retain_graph=True)
        for source, grad in zip(free, grads, strict=True):
            depends = grad is not None and bool(grad.abs().sum() > 0)
            assert reaches(paths, source, name) == depends, (source, name)
    for gate in ("g", "i", "f", "o"):  # every gate reads x_t and h_{t-1}
        assert reaches(paths, "x", gate) and reaches(paths, "h_prev", gate)


# Multi-scale flows -------------------------------------------------------------


@pytest.mark.parametrize("options", [
    {"shape": (1, 8, 8)},
    {"shape": (3, 4, 4), "scales": 1, "couplings": 2, "actnorm": True},
])
def test_multiscale_diagram_shows_the_shapes_the_flow_produces(options):
    flow = multiscale_flow(**options, hidden=4)
    fig = multiscale_diagram(flow)
    parts = [*flow.scales, flow.final]
    rows = {}
    for _, row, position, shape in drawn(fig, "tensor"):
        rows.setdefault(int(row), []).append(
            (int(position), tuple(int(n) for n in shape.split(","))))
    assert sorted(rows) == list(range(len(parts)))
    ops = {}
    for row, position, kind in drawn(fig, "op"):
        ops.setdefault(int(row), []).append((int(position), kind))
    for k, part in enumerate(parts):
        shapes = [shape for _, shape in sorted(rows[k])]
        assert shapes[0] == part.shape and shapes[-1] == part.out_shape
        # each box sits between the shapes its layers take and give
        kinds = [kind for _, kind in sorted(ops[k])]
        assert len(kinds) == len(shapes) - 1
        squeezes = [layer for layer in part.layers if isinstance(layer, Squeeze)]
        at = [j for j, kind in enumerate(kinds) if kind == "squeeze"]
        assert len(at) == len(squeezes)
        for j, squeeze in zip(at, squeezes, strict=True):
            assert (shapes[j], shapes[j + 1]) == (squeeze.shape, squeeze.out_shape)
        factor_outs = [j for j, kind in enumerate(kinds) if kind == "factor out"]
        assert factor_outs == ([len(kinds) - 1] if k < len(flow.scales) else [])
    kept = {int(k): tuple(int(n) for n in s.split(",")) for k, s in drawn(fig, "kept")}
    assert kept == {k: parts[k + 1].shape for k in range(len(flow.scales))}
    codes = sorted((int(k), int(values)) for k, _, values in drawn(fig, "code"))
    assert [values for _, values in codes] == flow.sizes
    z, _ = flow(torch.zeros(2, *flow.shape))
    assert drawn(fig, "total") == [(str(z.shape[1]),)]


# The GAN -----------------------------------------------------------------------


@pytest.mark.parametrize("config", [
    GANConfig(), GANConfig(pack=2, generator_loss="saturating", hidden=16,
                           generator_layers=3),
])
def test_gan_diagram_draws_the_networks_and_the_losses(config):
    gan = config.build()
    fig = gan_diagram(config)
    widths = dict(drawn(fig, "network"))
    for name, net in (("generator", gan.generator.net),
                      ("discriminator", gan.discriminator.net)):
        linears = [m for m in net if isinstance(m, torch.nn.Linear)]
        expected = [linears[0].in_features] + [m.out_features for m in linears]
        assert widths[name] == ",".join(map(str, expected))
    losses = dict(drawn(fig, "loss"))
    assert losses == {"discriminator": "discriminator",
                      "generator": config.generator_loss}
    real, fake = torch.randn(2, 50, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(loss_formula("discriminator")(real, fake),
                          discriminator_loss(real, fake), atol=1e-5)
    assert torch.allclose(loss_formula(config.generator_loss)(real, fake),
                          GENERATOR_LOSSES[config.generator_loss](fake), atol=1e-5)


# Output ------------------------------------------------------------------------


def test_diagrams_are_vector_svg_with_their_structure_inside(monkeypatch):
    fig = fvsbn_diagram(FVSBN(3))
    text = svg(fig)
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert "<image" not in text  # no raster inside
    for parts in drawn(fig, "edge"):
        assert 'id="edge|' + "|".join(parts) + '"' in text
    assert svg(fig) == text  # the same bytes run after run
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    show_diagram(fig)
    (image,) = shown
    assert type(image).__name__ == "SVG" and "<svg" in image.data


def test_diagrams_refuse_what_they_cannot_draw():
    with pytest.raises(ValueError, match="AdditiveCoupling or AffineCoupling"):
        coupling_diagram(FVSBN(3))
    with pytest.raises(ValueError, match="up to 12 coordinates"):
        fvsbn_diagram(FVSBN(20))
    with pytest.raises(ValueError, match="literal=True"):
        rnn_diagram(rnn_language_model(3, 4))
    with pytest.raises(ValueError, match="2-D flow"):
        volume_diagram(AffineCoupling(half_mask(4)), (0, 0))
