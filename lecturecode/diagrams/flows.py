"""Diagrams of the flows (lecture 18.1.2), each drawn from a flow object: a
coupling layer's data flow, the volume change of the change of variables, and
the shapes of a multi-scale flow."""

import math

import numpy as np
import torch

from ..flows import (
    AdditiveCoupling,
    AffineCoupling,
    FactorOut,
    FlowModel,
    MultiScaleFlow,
    Squeeze,
)
from .style import (
    PALETTE,
    arrow,
    box,
    canvas,
    cell,
    frame,
    node,
    note,
    polygon,
    text,
)

# Coupling layers --------------------------------------------------------------


def coupling_diagram(layer):
    """The data flow of one coupling layer, forward (``x -> z``) and inverse
    (``z -> x``): the kept half ``A`` is copied and feeds the networks, the
    other half ``B`` is shifted (and, for an affine coupling, scaled) by them.
    Which coordinates are kept is read from ``layer.mask``; which networks
    there are (``s_theta`` and ``t_theta``, or ``t_theta`` alone) from the
    layer's class. Tagged structure: ``mask`` cells, ``block`` labels with the
    coordinates of each half, ``net`` boxes and ``edge`` arrows per panel."""
    if not isinstance(layer, AdditiveCoupling | AffineCoupling):
        raise ValueError(
            f"expected an AdditiveCoupling or AffineCoupling, got "
            f"{type(layer).__name__}"
        )
    mask = layer.mask.detach().cpu().flatten()
    if mask.numel() > 16:
        raise ValueError(
            f"a diagram shows up to 16 coordinates, got {mask.numel()}"
        )
    affine = isinstance(layer, AffineCoupling)
    kept = [i for i, m in enumerate(mask.tolist()) if m == 1]
    changed = [i for i, m in enumerate(mask.tolist()) if m == 0]
    name = "RealNVP affine coupling" if affine else "NICE additive coupling"
    fig, axes = canvas(
        10, 3.6, panels=2,
        titles=[rf"forward, $z = f_\theta(x)$ ({name})",
                r"inverse, $x = f_\theta^{-1}(z)$"],
    )
    for ax, direction in zip(axes, ("forward", "inverse"), strict=True):
        _coupling_panel(ax, direction, mask, kept, changed, affine)
    fig.structure = {"kept": kept, "changed": changed,
                     "networks": ["s", "t"] if affine else ["t"]}
    return fig


def _coordinates(indices):
    return ", ".join(f"{i + 1}" for i in indices)


def _coupling_panel(ax, direction, mask, kept, changed, affine):
    source, target = ("x", "z") if direction == "forward" else ("z", "x")
    d = len(mask)
    # the mask as a strip of cells: which coordinates each half holds
    width = min(0.42, 4.2 / d)
    for i, m in enumerate(mask.tolist()):
        role = "kept" if m == 1 else "changed"
        centre = (2.9 + (i - (d - 1) / 2) * width, 3.55)
        cell(ax, centre, size=width * 0.92, fill=PALETTE[role],
             gid=("mask", direction, i, role))
        text(ax, (centre[0], 3.55 - width * 0.95), f"{i + 1}", size=7,
             color=PALETTE["muted"])
    text(ax, (2.9 - (d / 2) * width - 0.15, 3.55), "mask", size=8, ha="right",
         color=PALETTE["muted"])

    boxes = {}
    for half, y, role, indices in (("A", 2.2, "kept", kept),
                                   ("B", 0.0, "changed", changed)):
        for name, x in ((source, 0.0), (target, 5.8)):
            label = rf"${name}_{half}$"
            boxes[f"{name}{half}"] = box(ax, (x, y), 0.9, 0.6, label,
                                         color=PALETTE[role])
            text(ax, (x, y - 0.5), f"({_coordinates(indices)})", size=7,
                 color=PALETTE["muted"],
                 gid=("block", direction, f"{name}{half}",
                      ",".join(map(str, indices))))
    # The networks, read on the kept half; the operations on the other half.
    if direction == "forward":
        nets = [("s", 2.2), ("t", 3.6)] if affine else [("t", 2.9)]
        ops = [("mul", 2.2, r"$\odot$", "s"), ("add", 3.6, "+", "t")]
        if not affine:
            ops = [("add", 2.9, "+", "t")]
        edge_labels = {"s": r"$e^{s}$", "t": "$t$"}
    else:
        nets = [("t", 2.2), ("s", 3.6)] if affine else [("t", 2.9)]
        ops = [("sub", 2.2, "\u2212", "t"), ("mul", 3.6, r"$\odot$", "s")]
        if not affine:
            ops = [("sub", 2.9, "\u2212", "t")]
        edge_labels = {"s": r"$e^{-s}$", "t": "$t$"}
    net_boxes = {
        n: box(ax, (x, 1.15), 0.85, 0.5, rf"${n}_\theta$", fill=PALETTE["net"],
               color=PALETTE["net"], text_color="white",
               gid=("net", direction, n))
        for n, x in nets
    }
    op_nodes = {op: node(ax, (x, 0.0), label, radius=0.22)
                for op, x, label, _ in ops}

    def edge(a, b, start, end, **kw):
        arrow(ax, start, end, gid=("edge", direction, a, b), **kw)

    kept_in, kept_out = boxes[f"{source}A"], boxes[f"{target}A"]
    edge(f"{source}A", f"{target}A", kept_in, kept_out, color=PALETTE["kept"])
    text(ax, (2.9, 2.35), "copy", size=7, color=PALETTE["kept"])
    for n, net in net_boxes.items():
        edge(f"{source}A", n, kept_in, net, color=PALETTE["kept"])
    previous, previous_name = boxes[f"{source}B"], f"{source}B"
    for op, x, _, n in ops:
        edge(previous_name, op, previous, op_nodes[op], color=PALETTE["changed"])
        edge(n, op, net_boxes[n], op_nodes[op], color=PALETTE["net"])
        text(ax, (x + 0.2, 0.58), edge_labels[n], size=8, ha="left",
             color=PALETTE["net"])
        previous, previous_name = op_nodes[op], op
    edge(previous_name, f"{target}B", previous, boxes[f"{target}B"],
         color=PALETTE["changed"])
    frame(ax, -0.5, 6.3, -0.5, 3.8, pad=0.1)


# The change of variables ------------------------------------------------------


def shoelace_area(points) -> float:
    """The area enclosed by a polygon (an ``(n, 2)`` array of its vertices)."""
    x, y = np.asarray(points, dtype=np.float64).T
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _square(centre, side, per_edge=64):
    """The boundary of a square, ``4 * per_edge`` points, counterclockwise."""
    t = torch.linspace(-0.5, 0.5, per_edge + 1, dtype=torch.float64)[:-1]
    one = torch.full_like(t, 0.5)
    edges = [torch.stack(pair, 1) for pair in
             ((t, -one), (one, t), (-t, one), (-one, -t))]
    return torch.as_tensor(centre, dtype=torch.float64) + side * torch.cat(edges)


@torch.no_grad()
def volume_diagram(flow, centre, *, side=0.4, extent=(-3, 3, -2, 2),
                   tolerance=0.01, lines=9):
    """What ``|det J|`` means: a grid of data space and a small square at
    ``centre`` (left), and their images under the flow ``f`` (right). The
    image of the square has ``|det J_x f(centre)|`` times its area, up to
    terms of order ``side^2``: the square is halved from ``side`` until the
    drawn area ratio is within ``tolerance`` (relative) of
    ``exp(log |det J|)`` that the flow returns at ``centre``, so the picture
    holds what it claims. ``flow`` is a 2-D :class:`~lecturecode.flows.Flow` or
    :class:`~lecturecode.flows.FlowModel`. Tagged structure: the two ``square``
    polygons; ``fig.structure`` holds the numbers."""
    flow = flow.flow if isinstance(flow, FlowModel) else flow
    if flow.shape != (2,):
        raise ValueError(
            f"a volume diagram needs a 2-D flow, got shape {flow.shape}"
        )
    parameter = next(flow.parameters(), None)
    dtype = parameter.dtype if parameter is not None else torch.float32
    device = parameter.device if parameter is not None else "cpu"

    def push(points):
        z, _ = flow(points.to(device=device, dtype=dtype))
        return z.double().cpu()

    centre_t = torch.as_tensor(centre, dtype=torch.float64).view(1, 2)
    log_abs_det = flow(centre_t.to(device=device, dtype=dtype))[1].item()
    det = math.exp(log_abs_det)
    for _ in range(8):
        square = _square(centre_t[0], side)
        image = push(square)
        ratio = shoelace_area(image) / shoelace_area(square)
        if abs(ratio / det - 1) <= tolerance:
            break
        side /= 2
    else:
        raise ValueError(
            f"the square's area ratio {ratio:.4g} does not approach |det J| = "
            f"{det:.4g}; is the flow smooth at {tuple(centre_t[0].tolist())}?"
        )

    def grid_lines(x0, x1, y0, y1, count):
        lines_ = []
        for value in np.linspace(x0, x1, count):
            t = torch.linspace(y0, y1, 200, dtype=torch.float64)
            lines_.append(torch.stack([torch.full_like(t, value), t], 1))
        for value in np.linspace(y0, y1, count):
            t = torch.linspace(x0, x1, 200, dtype=torch.float64)
            lines_.append(torch.stack([t, torch.full_like(t, value)], 1))
        return lines_

    x0, x1, y0, y1 = extent
    grid = grid_lines(x0, x1, y0, y1, lines)
    images = [push(line) for line in grid]
    cx, cy = centre_t[0].tolist()
    window = grid_lines(cx - 1.5 * side, cx + 1.5 * side, cy - 1.5 * side,
                        cy + 1.5 * side, 7)
    window_images = [push(line) for line in window]

    fig, axes = canvas(
        11, 3.4, panels=4, ratios=[3, 2, 2, 3], notes=True,
        titles=["data space: $x$", "zoom on the square", "its image, same zoom",
                r"noise space: $z = f_\theta(x)$"],
    )
    panels = ((axes[0], grid, square, "x", "square"),
              (axes[1], window, square, "x", "zoom"),
              (axes[2], window_images, image, "z", "zoom"),
              (axes[3], images, image, "z", "square"))
    for ax, lines_, points, role, kind in panels:
        for line in lines_:
            ax.plot(line[:, 0], line[:, 1], color=PALETTE["muted"], lw=0.6)
        polygon(ax, points.numpy(), fill=PALETTE["changed"], alpha=0.9,
                edge=PALETTE["alert"], gid=(kind, role))
        mark = centre_t[0] if role == "x" else push(centre_t)[0]
        ax.plot(*mark.tolist(), "o", ms=2.5, color=PALETTE["ink"], zorder=4)
    frame(axes[0], x0, x1, y0, y1, pad=0.1)
    # both zooms at one scale, so that the two areas can be compared by eye
    half = 1.2 * max((points - middle).abs().max().item()
                     for points, middle in ((square, centre_t),
                                            (image, push(centre_t))))
    for ax, middle in ((axes[1], centre_t[0]), (axes[2], push(centre_t)[0])):
        mx, my = middle.tolist()
        frame(ax, mx - half, mx + half, my - half, my + half, pad=0.02 * half)
    # the image of the grid, at most [-4, 4]^2, and the square's image in view
    reach = torch.cat(images).clamp(-4, 4)
    low = torch.minimum(reach.min(0).values, image.min(0).values).tolist()
    high = torch.maximum(reach.max(0).values, image.max(0).values).tolist()
    frame(axes[3], low[0], high[0], low[1], high[1], pad=0.1)
    note(axes[0], f"a square of side {side:.3g} at x = ({cx:.2f}, {cy:.2f}):"
                  f" area {side**2:.3g}")
    note(axes[3], f"its image: area {shoelace_area(image):.3g}, "
                  f"{ratio:.3f} times the square's")
    text(axes[1], (1.05, -0.03), rf"$|\det J_x f_\theta|$ at x = {det:.3f}",
         size=8, va="top", color=PALETTE["ink"], transform=axes[1].transAxes)
    fig.structure = {
        "centre": tuple(centre_t[0].tolist()), "side": side,
        "square_area": shoelace_area(square), "image_area": shoelace_area(image),
        "area_ratio": ratio, "log_abs_det": log_abs_det, "det": det,
        "tolerance": tolerance,
    }
    return fig


# Multi-scale flows ------------------------------------------------------------


def _mask_kind(layer) -> str:
    mask = layer.mask
    return "channel" if torch.equal(mask, mask[:, :1, :1].expand_as(mask)) else (
        "checkerboard"
    )


def _segments(layers):
    """Consecutive layers grouped for drawing: a squeeze and a factor-out each
    alone, the layers between them (couplings, ActNorms) together."""
    segments, run = [], []
    for layer in layers:
        if isinstance(layer, Squeeze | FactorOut):
            if run:
                segments.append(run)
                run = []
            segments.append([layer])
        else:
            run.append(layer)
    if run:
        segments.append(run)
    return segments


def _segment_label(segment) -> str:
    first = segment[0]
    if isinstance(first, Squeeze):
        return "squeeze"
    if isinstance(first, FactorOut):
        return "factor out"
    couplings = [layer for layer in segment if hasattr(layer, "mask")]
    kinds = sorted({_mask_kind(layer) for layer in couplings})
    names = sorted({type(layer).__name__ for layer in segment} - {
        type(c).__name__ for c in couplings})
    label = f"{len(couplings)} coupling{'s' * (len(couplings) != 1)}"
    label += "\n" + "/".join(kinds) if kinds else ""
    return label + ("\n+ " + ", ".join(names) if names else "")


def _tensor(ax, xy, shape, gid, kept=None):
    """A ``(C, H, W)`` tensor as up to 8 stacked squares of side ~ ``H``; its
    first ``kept`` channels blue, the others orange (all blue by default)."""
    c, h, w = shape
    size = 0.08 * max(h, w)
    shown = min(c, 8)
    kept = c if kept is None else kept
    x, y = xy
    for k in reversed(range(shown)):
        offset = 0.07 * (k - (shown - 1) / 2)
        role = "kept" if k * c / shown < kept else "changed"
        cell(ax, (x + offset, y + offset), size=size, fill=PALETTE[role],
             edge="white")
    text(ax, (x, y - 0.62), f"({c}, {h}, {w})", size=8, gid=("tensor", *gid,
                                                              f"{c},{h},{w}"))


@torch.no_grad()
def multiscale_diagram(flow: MultiScaleFlow):
    """RealNVP's multi-scale architecture as run: a dummy batch goes through
    ``flow`` with a hook on every layer, and each row of the picture is one
    scale (then the final part) with the tensor shapes the code produced,
    its squeeze and its factor-out, whose factored half leaves as a code on
    the right. Tagged structure: ``tensor`` shape labels
    ``(row, position, C,H,W)``, ``op`` boxes ``(row, position, kind)`` between
    tensors ``position`` and ``position + 1``, ``kept`` and ``code`` labels and
    ``total`` (the length of ``z``)."""
    if not isinstance(flow, MultiScaleFlow):
        raise ValueError(f"expected a MultiScaleFlow, got {type(flow).__name__}")
    parts = [*flow.scales, flow.final]
    shapes, hooks = {}, []
    for part in parts:
        for layer in part.layers:
            hooks.append(layer.register_forward_hook(
                lambda module, inputs, output: shapes.__setitem__(
                    module, (tuple(inputs[0].shape[1:]), tuple(output[0].shape[1:]))
                )
            ))
    was_training = flow.training
    flow.eval()
    parameter = next(flow.parameters())
    try:
        z, _ = flow(torch.zeros(2, *flow.shape, dtype=parameter.dtype,
                                device=parameter.device))
    finally:
        for hook in hooks:
            hook.remove()
        flow.train(was_training)

    rows = []
    for k, part in enumerate(parts):
        segments = _segments(part.layers)
        tensors = [shapes[segments[0][0]][0]]
        tensors += [shapes[segment[-1]][1] for segment in segments]
        if k < len(flow.scales):  # what goes on: the input of the next part
            following = parts[k + 1].layers[0]
            kept = shapes[following][0]
            c, h, w = tensors[-1]
            code = (c - kept[0], h, w)
        else:
            kept, code = None, tensors[-1]
        rows.append((segments, tensors, kept, code))

    step = 2.6
    longest = max(len(tensors) for _, tensors, _, _ in rows)
    codes_x = step * (longest - 1) + 1.9
    fig, (ax,) = canvas(0.62 * (codes_x + 3.2), 1.45 * len(rows) + 0.3)
    for k, (segments, tensors, kept, code) in enumerate(rows):
        y = -2.2 * k
        role = "scale" if kept is not None else "final"
        text(ax, (-0.8, y), f"scale {k + 1}" if kept is not None else "final",
             size=8, color=PALETTE["muted"], ha="right")
        for j, shape in enumerate(tensors):
            last = j == len(tensors) - 1
            split = (kept[0] if kept is not None else 0) if last else None
            _tensor(ax, (step * j, y), shape, (role, k, j), kept=split)
            if j < len(segments):
                label = _segment_label(segments[j])
                kind = label if label in ("squeeze", "factor out") else "layers"
                op = box(ax, (step * (j + 0.5), y), 1.3,
                         0.2 + 0.22 * (label.count("\n") + 1), label, size=7,
                         color=PALETTE["net"], gid=("op", k, j, kind))
                arrow(ax, (step * j + 0.45, y), op)
                arrow(ax, op, (step * (j + 1) - 0.45, y))
        values = math.prod(code)
        end = step * (len(tensors) - 1)
        arrow(ax, (end + 0.55, y), (codes_x - 0.6, y), color=PALETTE["changed"])
        name = f"{k + 1}" if kept is not None else r"\mathrm{final}"
        text(ax, (codes_x, y + 0.18), f"$z_{{{name}}}$", size=9,
             color=PALETTE["changed"])
        text(ax, (codes_x, y - 0.22), f"{code} : {values}", size=7,
             color=PALETTE["changed"],
             gid=("code", k, ",".join(map(str, code)), values))
        if kept is not None:
            text(ax, (end + 0.1, y - 1.05), f"keep {kept}", size=7,
                 color=PALETTE["kept"], gid=("kept", k, ",".join(map(str, kept))))
            arrow(ax, (end, y - 1.2), (0.0, y - 1.65), color=PALETTE["kept"],
                  curve=0.05)
    bottom = -2.2 * (len(rows) - 1)
    text(ax, (codes_x, bottom - 0.85), f"z: all {z.shape[1]} values", size=8,
         gid=("total", z.shape[1]))
    frame(ax, -1.9, codes_x + 1.0, bottom - 1.1, 0.7, pad=0.05)
    fig.structure = {"rows": [(tensors, kept, code)
                              for _, tensors, kept, code in rows],
                     "total": z.shape[1]}
    return fig
