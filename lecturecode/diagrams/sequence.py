"""Diagrams of the recurrent networks (lecture 18.3), each drawn from a module:
the RNN unrolled in time with its shared weights (the lecture's Figure 18.3)
and one step of the LSTM cell (Figure 18.4)."""

import torch

from ..sequence import LSTM, RNN, RecurrentLanguageModel
from .style import PALETTE, arrow, box, canvas, frame, node, note, text

# The RNN ----------------------------------------------------------------------

PRETTY = {"W_hy.weight": "W_hy", "W_hy.bias": "b_y"}


def _math(name: str) -> str:
    """``W_hx`` -> ``$W_{hx}$``, ``b_y`` -> ``$b_{y}$``."""
    symbol, _, index = name.partition("_")
    return f"${symbol}_{{{index}}}$" if index else f"${symbol}$"


def _shape(parameter) -> str:
    return " x ".join(str(n) for n in parameter.shape)


def rnn_diagram(model, steps: int = 4):
    """The lecture's RNN unrolled over ``steps`` positions: the input at step
    ``i`` is the previous token (the start symbol at step 1), ``h_i`` comes
    from ``h_{i-1}`` and that input, and ``o_i`` (the logits of
    ``p(x_i | x_<i)``) from ``h_i``. Every arrow of a kind is labelled with
    the one parameter that serves all steps, and the parameters' names and
    shapes are read from the module (``named_parameters``): none depends on
    the length. ``model`` is a :class:`~lecturecode.sequence.RNN` or a
    :class:`~lecturecode.sequence.RecurrentLanguageModel` over one. Tagged
    structure: ``edge (parameter, step)`` arrows and ``parameter (name,
    shape)`` labels."""
    language_model = model if isinstance(model, RecurrentLanguageModel) else None
    rnn = model.recurrence if language_model is not None else model
    if not isinstance(rnn, RNN):
        raise ValueError(
            "expected the lecture's RNN or a language model over it, got "
            f"{type(rnn).__name__} (build it with literal=True)"
        )
    parameters = dict(rnn.named_parameters())
    if language_model is not None:
        for name, parameter in language_model.W_hy.named_parameters():
            parameters[PRETTY[f"W_hy.{name}"]] = parameter
    fig, (rolled, unrolled) = canvas(
        10, 3.4, panels=2, ratios=[1.2, steps + 1.2], notes=True,
        titles=["the recurrence", f"unrolled over {steps} steps"],
    )
    has_output = language_model is not None

    # rolled up: one cell with a loop
    x_in = node(rolled, (0, 0), r"$x_{i-1}$", radius=0.34, color=PALETTE["kept"])
    h = node(rolled, (0, 1.5), r"$h_i$", radius=0.34)
    arrow(rolled, x_in, h)
    arrow(rolled, (0.3, 1.72), (0.3, 1.28), curve=-2.0)
    text(rolled, (0.95, 1.5), _math("W_hh"), size=8)
    if has_output:
        o = node(rolled, (0, 3.0), r"$o_i$", radius=0.34, color=PALETTE["changed"])
        arrow(rolled, h, o)
    frame(rolled, -0.6, 1.3, -0.5, 3.5, pad=0.05)

    gap = 1.45
    previous = node(unrolled, (0, 1.5), r"$h_0$", radius=0.34,
                    fill=PALETTE["faint"])
    for i in range(1, steps + 1):
        x = gap * i
        label = r"$x_0$" if i == 1 else rf"$x_{{{i - 1}}}$"
        inp = node(unrolled, (x, 0), label, radius=0.34, color=PALETTE["kept"])
        hidden = node(unrolled, (x, 1.5), rf"$h_{{{i}}}$", radius=0.34)
        arrow(unrolled, inp, hidden, gid=("edge", "W_hx", i))
        arrow(unrolled, previous, hidden, gid=("edge", "W_hh", i))
        text(unrolled, (x + 0.18, 0.75), _math("W_hx"), size=7, ha="left",
             color=PALETTE["muted"])
        text(unrolled, (x - gap / 2, 1.72), _math("W_hh"), size=7,
             color=PALETTE["muted"])
        if has_output:
            out = node(unrolled, (x, 3.0), rf"$o_{{{i}}}$", radius=0.34,
                       color=PALETTE["changed"])
            arrow(unrolled, hidden, out, gid=("edge", "W_hy", i))
            text(unrolled, (x + 0.18, 2.25), _math("W_hy"), size=7, ha="left",
                 color=PALETTE["muted"])
            text(unrolled, (x, 3.55), rf"$p(x_{{{i}}} \mid x_{{<{i}}})$", size=7,
                 color=PALETTE["muted"])
        previous = hidden
    text(unrolled, (gap * 0.5, -0.55), r"$x_0$: the start symbol", size=7,
         color=PALETTE["muted"], ha="left")
    # the shared parameters, read from the module
    x_list, y = gap * steps + 0.9, 3.0
    text(unrolled, (x_list, y + 0.45), "shared by every step:", size=8, ha="left")
    for name, parameter in parameters.items():
        text(unrolled, (x_list, y), f"{_math(name)}  {_shape(parameter)}", size=8,
             ha="left", gid=("parameter", name, _shape(parameter)))
        y -= 0.45
    frame(unrolled, -0.5, x_list + 2.4, -0.8, 3.8, pad=0.05)
    count = sum(p.numel() for p in parameters.values())
    note(unrolled, f"{count:,} parameters, whatever the length of the sequence")
    fig.structure = {"parameters": {n: tuple(p.shape) for n, p in
                                    parameters.items()}, "steps": steps}
    return fig


# The LSTM ---------------------------------------------------------------------

ACTIVATIONS = {"tanh": torch.tanh, "sigma": torch.sigmoid}


@torch.no_grad()
def lstm_activations(lstm: LSTM) -> dict[str, str]:
    """Which squashing function each of the module's gates applies, found by
    running it: ``gates`` on a random input, compared with ``tanh`` and the
    sigmoid of the pre-activation ``W_nx x + W_nh h + b_n``."""
    generator = torch.Generator().manual_seed(0)
    dtype = lstm.W_gx.dtype
    x = torch.randn(3, lstm.input_size, generator=generator, dtype=dtype)
    h = torch.randn(3, lstm.hidden_size, generator=generator, dtype=dtype)
    values = dict(zip(_gate_names(lstm), lstm.gates(x.to(lstm.W_gx),
                                                     h.to(lstm.W_gx)),
                      strict=True))
    found = {}
    for name, value in values.items():
        pre = (x.to(value) @ getattr(lstm, f"W_{name}x").T
               + h.to(value) @ getattr(lstm, f"W_{name}h").T
               + getattr(lstm, f"b_{name}"))
        matches = [a for a, f in ACTIVATIONS.items()
                   if torch.allclose(f(pre), value, atol=1e-5)]
        if len(matches) != 1:
            raise ValueError(
                f"gate {name}: not a tanh or a sigmoid of W x + W h + b"
            )
        found[name] = matches[0]
    return found


def _gate_names(lstm: LSTM) -> list[str]:
    """The gates, in the order of ``LSTM.gates``: the ``n`` of every ``W_nx``."""
    return [name[2:-1] for name, _ in lstm.named_parameters()
            if name.startswith("W_") and name.endswith("x")]


def lstm_dependencies(lstm: LSTM) -> dict[str, set[str]]:
    """Which of the gates and of ``s_{t-1}`` the new ``s_t`` and ``h_t``
    depend on, found by running the module's ``cell`` with ``gates`` replaced by
    free tensors and backpropagating."""
    names = _gate_names(lstm)
    dtype, device = lstm.W_gx.dtype, lstm.W_gx.device
    generator = torch.Generator().manual_seed(0)
    free = {n: torch.rand(2, lstm.hidden_size, generator=generator, dtype=dtype)
            .to(device).requires_grad_(True) for n in [*names, "s_prev"]}
    lstm.gates = lambda x_t, h: tuple(free[n] for n in names)
    try:
        h0 = torch.zeros(2, lstm.hidden_size, dtype=dtype, device=device)
        x0 = torch.zeros(2, lstm.input_size, dtype=dtype, device=device)
        outputs = dict(zip(("h", "s"), lstm.cell(x0, h0, free["s_prev"]),
                           strict=True))
    finally:
        del lstm.gates  # the class's method again
    found = {}
    for name, value in outputs.items():
        grads = torch.autograd.grad(value.sum(), list(free.values()),
                                    retain_graph=True, allow_unused=True)
        found[name] = {n for n, g in zip(free, grads, strict=True)
                       if g is not None and g.abs().sum() > 0}
    return found


# The picture: where each quantity sits, and the operations between them.
LSTM_NODES = {
    "x": (0.0, 0.0), "h_prev": (0.0, 1.0), "s_prev": (0.0, 3.4),
    "f": (2.0, 0.6), "i": (3.2, 0.6), "g": (4.4, 0.6), "o": (5.6, 0.6),
    "mul_f": (2.0, 3.4), "mul_in": (4.4, 2.1), "add": (4.4, 3.4),
    "tanh_s": (6.8, 2.7), "mul_o": (6.8, 1.6), "s": (8.6, 3.4), "h": (8.6, 1.6),
}
LSTM_EDGES = [
    ("s_prev", "mul_f"), ("f", "mul_f"), ("mul_f", "add"),
    ("g", "mul_in"), ("i", "mul_in"), ("mul_in", "add"), ("add", "s"),
    ("add", "tanh_s"), ("tanh_s", "mul_o"), ("o", "mul_o"), ("mul_o", "h"),
]
NAMES = {"f": "forget gate", "i": "input gate", "g": "input node",
         "o": "output gate"}


def lstm_diagram(model):
    """One step of the lecture's LSTM: ``x_t`` and ``h_{t-1}`` feed the input
    node ``g`` and the gates ``i, f, o`` (each box names its squashing function
    and its parameters with their shapes), the internal state
    ``s_t = g * i + s_{t-1} * f`` runs along the top (the carousel), and
    ``h_t = tanh(s_t) * o``. The gates, their parameters and their functions
    are read from the module (:func:`lstm_activations`); the drawn edges must
    match what its ``cell`` computes (:func:`lstm_dependencies`, checked by
    the tests). ``model``: an :class:`~lecturecode.sequence.LSTM` or a language
    model over one. Tagged structure: ``gate (name, activation, shapes)``
    boxes and ``edge (a, b)`` arrows."""
    lstm = model.recurrence if isinstance(model, RecurrentLanguageModel) else model
    if not isinstance(lstm, LSTM):
        raise ValueError(
            "expected the lecture's LSTM or a language model over it, got "
            f"{type(lstm).__name__} (build it with literal=True)"
        )
    activations = lstm_activations(lstm)
    fig, (ax,) = canvas(9, 3.6, notes=True)
    places = dict(LSTM_NODES)
    patches = {}
    for name, label, role in (("x", r"$x^{(t)}$", "kept"),
                              ("h_prev", r"$h^{(t-1)}$", "kept"),
                              ("s_prev", r"$s^{(t-1)}$", "kept"),
                              ("s", r"$s^{(t)}$", "changed"),
                              ("h", r"$h^{(t)}$", "changed")):
        patches[name] = node(ax, places[name], label, radius=0.36,
                             color=PALETTE[role], size=8)
    legend_y = 0.75
    text(ax, (6.6, legend_y + 0.35), "parameters of each gate:", size=7,
         ha="left", color=PALETTE["muted"])
    for name, activation in activations.items():
        symbol = r"$\sigma$" if activation == "sigma" else "tanh"
        shapes = [_shape(getattr(lstm, f"{kind}_{name}{end}"))
                  for kind, end in (("W", "x"), ("W", "h"), ("b", ""))]
        patches[name] = box(
            ax, places[name], 1.0, 0.72, f"${name}$ = {symbol}\n{NAMES[name]}",
            fill=PALETTE["net"], color=PALETTE["net"], text_color="white",
            size=7, gid=("gate", name, activation, " ".join(shapes)),
        )
        text(ax, (6.6, legend_y),
             rf"${name}$:  $W^{{{name}x}}$ {shapes[0]},  "
             rf"$W^{{{name}h}}$ {shapes[1]},  $b_{{{name}}}$ {shapes[2]}",
             size=7, ha="left", color=PALETTE["muted"],
             gid=("parameters", name, *shapes))
        legend_y -= 0.3
    for name, label in (("mul_f", r"$\odot$"), ("mul_in", r"$\odot$"),
                        ("add", "+"), ("mul_o", r"$\odot$")):
        patches[name] = node(ax, places[name], label, radius=0.2)
    patches["tanh_s"] = box(ax, places["tanh_s"], 0.7, 0.4, "tanh", size=8)
    # x and h_{t-1} feed every gate through a bus along the bottom
    bus = -0.35
    for name in ("x", "h_prev"):
        arrow(ax, patches[name], (0.8, bus), head=False, color=PALETTE["kept"],
              gid=("edge", name, "bus"))
    arrow(ax, (0.8, bus), (max(places[n][0] for n in activations) - 0.3, bus),
          head=False, color=PALETTE["kept"])
    for name in activations:
        x = places[name][0]
        arrow(ax, (x - 0.3, bus), patches[name], color=PALETTE["kept"],
              gid=("edge", "bus", name))
    for a, b in LSTM_EDGES:
        role = "changed" if a in ("add", "mul_f", "s_prev") else "ink"
        arrow(ax, patches[a], patches[b], gid=("edge", a, b),
              color=PALETTE[role])
    text(ax, (5.2, 3.65), "the carousel: $s$ changes only by $\\odot f$ and $+$",
         size=7, color=PALETTE["changed"])
    frame(ax, -0.5, 9.4, -0.6, 3.9, pad=0.05)
    note(ax, r"$s^{(t)} = g \odot i + s^{(t-1)} \odot f$,   "
             r"$h^{(t)} = \tanh(s^{(t)}) \odot o$")
    fig.structure = {"activations": activations, "edges": list(LSTM_EDGES)}
    return fig
