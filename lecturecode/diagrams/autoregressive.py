"""Diagrams of the autoregressive models (lecture 18.2), each drawn from a model
object: the FVSBN's dependency graph and mask, MADE's masked network, and the
PixelCNN's kernel masks and receptive fields."""

import copy

import torch

from ..autoregressive import (
    FVSBN,
    MADE,
    GatedPixelCNN,
    MADENet,
    PixelCNN,
    allowed_inputs,
    channel_groups,
    receptive_field,
)
from ..autoregressive.base import ranks
from .style import (
    COLOUR_INKS,
    COLOUR_NAMES,
    PALETTE,
    arrow,
    canvas,
    caption,
    cell,
    frame,
    node,
    note,
    tag,
    text,
)

# The chain rule: the FVSBN ---------------------------------------------------


def fvsbn_diagram(model: FVSBN):
    """The chain rule under the model's ordering as a dependency graph (left):
    the coordinates in the order they are generated, an arrow ``j -> i`` for
    every ``theta_ij`` the mask keeps; and the mask itself, rows and columns in
    the ordering (right), where it is the lower triangle. Both read
    ``model.mask`` and ``model.ordering``. Tagged structure: ``edge (j, i)``
    arrows and ``cell (i, j)`` squares, coordinates counted from 0."""
    if not isinstance(model, FVSBN):
        raise ValueError(f"expected an FVSBN, got {type(model).__name__}")
    dim = model.dim
    if dim > 12:
        raise ValueError(f"a diagram shows up to 12 coordinates, got {dim}")
    ordering = model.ordering.cpu().tolist()
    mask = model.mask.detach().cpu()
    position = ranks(torch.tensor(ordering)).tolist()
    order_text = ", ".join(f"x_{o + 1}" for o in ordering)
    fig, (graph, matrix) = canvas(
        10, 3.4, panels=2, ratios=[1.7, 1], notes=True,
        titles=[f"chain rule in the ordering ({order_text})",
                r"mask $M_{ij}$ in the ordering"],
    )
    gap = 1.1
    for k, i in enumerate(ordering):
        node(graph, (k * gap, 0), rf"$x_{{{i + 1}}}$", radius=0.3)
        text(graph, (k * gap, -0.55), f"{k + 1}.", size=7, color=PALETTE["muted"])
    for i, j in mask.nonzero().tolist():  # x_j enters the conditional of x_i
        a, b = position[j] * gap, position[i] * gap
        if i == j:  # a coordinate that sees itself: a loop above it
            arrow(graph, (a - 0.15, 0.28), (a + 0.15, 0.28), curve=-2.2,
                  color=PALETTE["alert"], gid=("edge", j, i))
        else:
            arrow(graph, (a, 0.3), (b, 0.3), curve=-0.45 if a < b else 0.45,
                  color=PALETTE["kept"], lw=0.9, gid=("edge", j, i))
    frame(graph, -0.4, (dim - 1) * gap + 0.4, -0.8, 0.32 * (dim - 1) * gap + 0.5,
          pad=0.1)
    note(graph, r"$p(x) = \prod_k\, p(x_{o_k} \mid x_{o_1}, \dots, x_{o_{k-1}})$:"
                " an arrow for every input of a conditional")

    for i in range(dim):
        for j in range(dim):
            row, column = position[i], position[j]
            kept = bool(mask[i, j])
            square = cell(matrix, (column, -row), size=0.94,
                          fill=PALETTE["kept"] if kept else PALETTE["faint"])
            if kept:
                tag(square, "cell", i, j)
    for k, i in enumerate(ordering):
        text(matrix, (-0.9, -k), rf"$x_{{{i + 1}}}$", size=8)
        text(matrix, (k, 0.9), rf"$x_{{{i + 1}}}$", size=8)
    frame(matrix, -1.3, dim - 0.5, -dim + 0.5, 1.3, pad=0.05)
    note(matrix, r"row $i$: the conditional of $x_i$; column $j$: its input $x_j$")
    fig.structure = {"ordering": ordering, "mask": mask}
    return fig


# MADE -----------------------------------------------------------------------


def made_diagram(made):
    """A MADE as the masked network it is: inputs at the bottom, each hidden
    unit labelled with its degree ``m(k)``, outputs at the top, and a line for
    every weight the masks keep (none for the others). Inputs and outputs are
    listed in the ordering and the units of a layer by degree, a relabelling
    that changes nothing. Reads the masks, degrees and ordering of the MADE's
    current mask set. Tagged structure: ``edge (layer, out, in)`` lines and
    ``unit (layer, index, degree)`` circles, indices as in the network."""
    net = made.net if isinstance(made, MADE) else made
    if not isinstance(net, MADENet):
        raise ValueError(f"expected a MADE or MADENet, got {type(made).__name__}")
    if net.outputs_per_dim != 1:
        raise ValueError("the diagram draws one output per coordinate")
    ordering = net.ordering.cpu()
    input_degrees = (ranks(ordering) + 1).tolist()
    degrees = [input_degrees, *(m.cpu().tolist() for m in net.unit_degrees),
               input_degrees]
    widest = max(len(m) for m in degrees)
    if widest > 16:
        raise ValueError(f"a diagram shows up to 16 units a layer, got {widest}")
    rows = len(degrees)
    fig, (ax,) = canvas(min(10, 0.62 * widest + 2.0), 1.25 * rows + 0.2)
    spacing, height = 0.9, 1.5
    places = []
    for layer, m in enumerate(degrees):
        order = sorted(range(len(m)), key=lambda k, m=m: (m[k], k))
        offset = (widest - len(m)) * spacing / 2
        places.append({k: (offset + spacing * n, layer * height)
                       for n, k in enumerate(order)})
    for layer, linear in enumerate(net.layers):
        for out, inp in linear.mask.cpu().nonzero().tolist():
            arrow(ax, places[layer][inp], places[layer + 1][out], head=False,
                  color=PALETTE["muted"], lw=0.6, gid=("edge", layer, out, inp))
    last = rows - 1
    for layer, m in enumerate(degrees):
        for k, (x, y) in places[layer].items():
            if layer in (0, last):
                name = (rf"$x_{{{k + 1}}}$" if layer == 0
                        else rf"$\hat x_{{{k + 1}}}$")
                role = "kept" if layer == 0 else "changed"
                node(ax, (x, y), name, radius=0.3, color=PALETTE[role], size=8)
                text(ax, (x, y + (-0.5 if layer == 0 else 0.5)), f"{m[k]}",
                     size=7, color=PALETTE["muted"])
            else:
                node(ax, (x, y), f"{m[k]}", radius=0.26, size=8,
                     gid=("unit", layer, k, m[k]))
    for layer, label in ((0, "inputs, m(d)"), (last, "outputs, m(d)")):
        text(ax, (-0.5, layer * height), label, size=7, ha="right",
             color=PALETTE["muted"])
    for layer in range(1, last):
        text(ax, (-0.5, layer * height), f"layer {layer}, m(k)", size=7,
             ha="right", color=PALETTE["muted"])
    frame(ax, -2.3, (widest - 1) * spacing + 0.4, -0.75, last * height + 0.75,
          pad=0.05)
    fig.structure = {"degrees": degrees,
                     "masks": [layer.mask.cpu() for layer in net.layers]}
    return fig


# PixelCNN ----------------------------------------------------------------------


def _kernel_states(mask: torch.Tensor) -> list[list[str]]:
    """For each kernel position: ``"all"`` channel pairs connected, ``"none"``,
    or ``"some"`` (the centre of a colour model, under the channel rule)."""
    on = mask.flatten(0, 1).bool()
    return [["all" if on[:, u, v].all() else "some" if on[:, u, v].any()
             else "none" for v in range(mask.shape[3])]
            for u in range(mask.shape[2])]


FILLS = {"all": PALETTE["kept"], "some": "white", "none": PALETTE["faint"]}


def _draw_kernel(ax, mask, name, origin=(0.0, 0.0), size=1.0):
    """A kernel mask ``(out, in, kh, kw)`` as a grid of cells, row 0 on top,
    the centre framed."""
    x0, y0 = origin
    states = _kernel_states(mask)
    kh, kw = len(states), len(states[0])
    for u in range(kh):
        for v in range(kw):
            state = states[u][v]
            cell(ax, (x0 + v * size, y0 - u * size), size=size * 0.94,
                 fill=FILLS[state], hatch="////" if state == "some" else None,
                 edge=PALETTE["ink"] if state == "some" else "white",
                 gid=("kernel", name, u, v, state))
    u, v = kh // 2, kw // 2
    cell(ax, (x0 + v * size, y0 - u * size), size=size, fill="none",
         edge=PALETTE["alert"])
    return states


def _group_connections(mask, out_groups, in_groups):
    """Colour-group connections at the kernel centre: ``(g_in, g_out)`` pairs
    whose channels are all connected; an error if a group pair is mixed."""
    k = mask.shape[2] // 2, mask.shape[3] // 2
    centre = mask[:, :, k[0], k[1]].bool()
    pairs = []
    for g_out in out_groups.unique().tolist():
        for g_in in in_groups.unique().tolist():
            block = centre[out_groups == g_out][:, in_groups == g_in]
            if block.any() and not block.all():
                raise ValueError("the centre connects part of a colour group")
            if block.all():
                pairs.append((g_in, g_out))
    return pairs


def _draw_centre(ax, pairs, colours, name):
    names = COLOUR_NAMES if colours == 3 else [f"{g}" for g in range(colours)]
    inks = COLOUR_INKS if colours == 3 else [PALETTE["ink"]] * colours
    for g_in, g_out in pairs:
        arrow(ax, (0, -g_in), (1.4, -g_out), color=inks[g_in],
              gid=("centre", name, g_in, g_out), shrink=9)
    for g in range(colours):
        for x in (0, 1.4):
            node(ax, (x, -g), names[g], radius=0.24, color=inks[g], size=8)
    text(ax, (0, 0.55), "in", size=7, color=PALETTE["muted"])
    text(ax, (1.4, 0.55), "out", size=7, color=PALETTE["muted"])
    frame(ax, -0.3, 1.7, -colours + 0.6, 0.8, pad=0.05)


def pixelcnn_kernel_diagram(model: PixelCNN):
    """The kernels of a PixelCNN as built: its first layer's mask A and its
    next layer's mask B (blue: every channel connected; white hatched: the
    centre, where the colour rule decides; grey: cut), each beside the
    connections at its centre from input colour groups to output colour
    groups, the lecture's R -> G -> B (Figure 18.2, right). Read from the
    layers' ``mask`` buffers. Tagged structure: ``kernel (layer, u, v,
    state)`` cells and ``centre (layer, g_in, g_out)`` arrows."""
    if not isinstance(model, PixelCNN):
        raise ValueError(f"expected a PixelCNN, got {type(model).__name__}")
    colours = model.colours
    layers = [("A", model.first, torch.arange(colours))]
    if len(model.hidden):
        groups = channel_groups(model.hidden[0].mask.shape[1], colours)
        layers.append(("B", model.hidden[0], groups))
    first_groups = channel_groups(model.first.mask.shape[0], colours)
    titles, ratios = [], []
    for name, layer, _ in layers:
        k = layer.mask.shape[-1]
        where = "first layer" if name == "A" else "next layers"
        titles += [f"{where}: mask {name}, {k} x {k}", "its centre"]
        ratios += [max(k, 3), 2.2]
    fig, axes = canvas(2.2 * len(titles), 2.9, panels=len(titles), ratios=ratios,
                       titles=titles, notes=True)
    caption(fig, "blue: every channel sees every channel there; grey: cut; "
                 "hatched: the centre (framed), where the colour rule decides")
    structure = {}
    for n, (name, layer, in_groups) in enumerate(layers):
        out_groups = first_groups if name == "A" else in_groups
        grid, centre = axes[2 * n], axes[2 * n + 1]
        states = _draw_kernel(grid, layer.mask.detach().cpu(), name)
        k = len(states)
        frame(grid, -0.5, k - 0.5, -k + 0.5, 0.5, pad=0.1)
        pairs = _group_connections(layer.mask.detach().cpu(), out_groups,
                                   in_groups)
        _draw_centre(centre, pairs, colours, name)
        structure[name] = {"states": states, "centre": pairs}
    fig.structure = structure
    return fig


def _field(model, pixel):
    """Which pixels the conditional of ``pixel`` (its first colour) reads: by
    backpropagation through a float64 copy of ``model``."""
    model = copy.deepcopy(model).double()
    seen = receptive_field(model, pixel, 0, generator=torch.Generator())
    return seen.any(-1)


def _blind(field, allowed):
    """Pixels before the target, inside the box the field spans (the reach of
    the kernels), that the conditional does not read."""
    rows, cols = field.nonzero(as_tuple=True)
    if len(rows) == 0:
        return torch.zeros_like(field)
    box = torch.zeros_like(field)
    box[rows.min():, cols.min():cols.max() + 1] = True
    return allowed & box & ~field


def _draw_field(ax, categories, pixel, name, fills):
    height, width = len(categories), len(categories[0])
    for r in range(height):
        for c in range(width):
            category = categories[r][c]
            cell(ax, (c, -r), size=0.94, fill=fills[category],
                 gid=("field", name, r, c, category))
    cell(ax, (pixel[1], -pixel[0]), size=1.0, fill="none", edge=PALETTE["ink"])
    frame(ax, -0.5, width - 0.5, -height + 0.5, 0.5, pad=0.1)


def pixelcnn_stacks_diagram(plain: PixelCNN, gated: GatedPixelCNN, pixel):
    """Where the conditional of ``pixel`` looks, by backpropagation through
    the two models (their first colour): the plain PixelCNN reads the blue
    pixels and misses the red wedge up and to the right, its blind spot
    (pixels before ``pixel``, within the reach of its kernels, never read);
    the gated PixelCNN reads the rows above through its vertical stack (blue)
    and the row so far through its horizontal stack (green), whose kernels,
    read from the model's masks, are drawn between the two. The horizontal
    stack's share is what the gated model still reads with every
    vertical-to-horizontal connection (``v_to_h``) set to zero. Tagged
    structure: ``field (model, row, column, category)`` cells and ``kernel``
    cells as in :func:`pixelcnn_kernel_diagram`."""
    if not isinstance(plain, PixelCNN) or not isinstance(gated, GatedPixelCNN):
        raise ValueError("expected a PixelCNN and a GatedPixelCNN")
    if plain.shape != gated.shape:
        raise ValueError(f"the models' images differ: {plain.shape}, {gated.shape}")
    shape = plain.shape
    allowed = allowed_inputs(shape, plain.colours, pixel, 0).any(-1)
    plain_read = _field(plain, pixel)
    blind = _blind(plain_read, allowed)
    gated_read = _field(gated, pixel)
    horizontal_only = copy.deepcopy(gated)
    with torch.no_grad():
        for layer in horizontal_only.hidden:
            layer.v_to_h.weight.zero_()
            layer.v_to_h.bias.zero_()
    row_read = _field(horizontal_only, pixel)
    gated_blind = _blind(gated_read, allowed)

    def categories(read, horizontal, missed):
        table = []
        for r in range(shape[0]):
            row = []
            for c in range(shape[1]):
                if (r, c) == tuple(pixel):
                    row.append("target")
                elif horizontal is not None and horizontal[r, c]:
                    row.append("horizontal")
                elif read[r, c]:
                    row.append("vertical" if horizontal is not None else "read")
                elif missed[r, c]:
                    row.append("blind")
                elif allowed[r, c]:
                    row.append("unread")
                else:
                    row.append("future")
            table.append(row)
        return table

    fills = {"target": PALETTE["changed"], "read": PALETTE["kept"],
             "vertical": PALETTE["kept"], "horizontal": PALETTE["net"],
             "blind": PALETTE["alert"], "unread": "#f6f6f6",
             "future": PALETTE["faint"]}
    depth = len(plain.hidden) + 1
    fig, (left, middle, right) = canvas(
        10, 3.6, panels=3, ratios=[shape[1], 5.2, shape[1]], notes=True,
        titles=[f"plain PixelCNN, {depth} layers", "gated stacks' kernels",
                f"gated PixelCNN, {len(gated.hidden) + 1} layers"],
    )
    plain_table = categories(plain_read, None, blind)
    gated_table = categories(gated_read, row_read, gated_blind)
    _draw_field(left, plain_table, pixel, "plain", fills)
    _draw_field(right, gated_table, pixel, "gated", fills)
    note(left, f"blue: read; red: the blind spot ({int(blind.sum())} pixels)")
    note(right, f"blue: vertical stack; green: horizontal stack "
                f"(blind: {int(gated_blind.sum())})")

    kernels = [("vertical, first", gated.v_first.mask),
               ("horizontal, first", gated.h_first.mask)]
    if len(gated.hidden):
        kernels += [("vertical, next", gated.hidden[0].v_conv.mask),
                    ("horizontal, next", gated.hidden[0].h_conv.mask)]
    size = 0.55
    for n, (name, mask) in enumerate(kernels):
        mask = mask.detach().cpu()
        x0, y0 = (n % 2) * 2.6, -(n // 2) * 2.6
        _draw_kernel(middle, mask, name, origin=(x0, y0), size=size)
        text(middle, (x0 + size * (mask.shape[3] - 1) / 2, y0 + 0.55), name,
             size=7, color=PALETTE["kept"] if name.startswith("v")
             else PALETTE["net"])
    frame(middle, -0.4, 2.6 + 5 * size, -2.6 - 5 * size, 0.9, pad=0.05)
    fig.structure = {"plain": plain_table, "gated": gated_table,
                     "blind": int(blind.sum()),
                     "gated_blind": int(gated_blind.sum())}
    return fig
