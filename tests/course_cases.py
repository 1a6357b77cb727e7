"""What the course-kit tests share: the chapters with code exercises, their
reference answers (from the chapters' solution cells), two planted wrong answers
for each exercise, the autograder archives and submissions made from the student
notebooks."""

import ast
import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import nbformat

from lecturecode import grading, student
from lecturecode.notebooks import is_notebook, toc_chapters
from lecturecode.paths import ROOT

REPO = "https://github.com/lecture18/book"
CHAPTERS = [
    name for name in toc_chapters() if is_notebook(ROOT / f"{name}.md")
]
EXERCISES = {
    name: student.chapter_exercises(ROOT / f"{name}.md") for name in CHAPTERS
}
GRADED = [name for name in CHAPTERS if EXERCISES[name]]
BY_LABEL = {e.label: e for name in GRADED for e in EXERCISES[name]}
FUNCTIONS = [label for label, e in BY_LABEL.items() if e.is_function]


@cache
def references() -> SimpleNamespace:
    """Every reference solution function, ``solution_<name>``, as the chapters
    define them (the package holds none)."""
    return SimpleNamespace(
        **{e.reference: e.reference_answer() for e in BY_LABEL.values()
           if e.is_function}
    )


def _body(node) -> str:
    """A function's body as an AST dump, without its docstring: the same code
    under another name, or another docstring, dumps the same."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(
        body[0].value, ast.Constant
    ) and isinstance(body[0].value.value, str):
        body = body[1:]
    return ast.dump(ast.Module(body=body, type_ignores=[]))


@cache
def fingerprints() -> tuple[dict[str, str], dict[str, list[str]]]:
    """What a leaked answer looks like: each reference function's body, and each
    number an exercise asks for (the number exercises' answers and what the
    reference functions return on the public checks' inputs), written to five
    and six significant digits."""
    bodies, numbers = {}, {}
    for e in BY_LABEL.values():
        if e.is_function:
            tree = ast.parse(e.solution)
            node = next(n for n in tree.body
                        if isinstance(n, ast.FunctionDef) and n.name == e.reference)
            bodies[_body(node)] = e.label
        else:
            numbers[e.label] = [e.reference_answer()]
    ref = references()
    numbers["ex-verdict-bits"] = [ref.solution_bits_per_dim(*case) for case in
                                  ((80.9, 64), (96.6, 64), (250.0, 192))]
    written = {
        label: [f"{v:.5g}" for v in values] + [f"{v:.6g}" for v in values]
        for label, values in numbers.items()
    }
    return bodies, written


# The package's own models that compute what an exercise asks a student to write,
# in the same one line: the book trains with them, and the checks compare with
# them ("checking against the package's model is fine").
MODELS = {
    ("lecturecode/gan/objectives.py", "non_saturating_generator_loss"),
    ("lecturecode/train.py", "bits_per_dim"),
}


def leaks(files: dict[str, str]) -> list[tuple[str, str]]:
    """``(file, exercise)`` for every reference answer found in ``files``
    (``{name: text}``): a ``solution_`` name defined, a function whose body is a
    reference solution's (under any name, but for the package's ``MODELS``), or
    an answer's digits."""
    bodies, numbers = fingerprints()
    found = []
    for name, text in files.items():
        for label, written in numbers.items():
            if any(digits in text for digits in written):
                found.append((name, label))
        if not name.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if node.name.startswith("solution_"):
                    found.append((name, node.name))
                model = any(name.endswith(f) and node.name == n for f, n in MODELS)
                if _body(node) in bodies and not model:
                    found.append((name, bodies[_body(node)]))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                if node.id.startswith("solution_"):
                    found.append((name, node.id))
    return found


# One wrong answer per code exercise that its public check rejects (the notebook
# says so), with the part of the check's message the tests expect.
F = "import torch\nimport torch.nn.functional as F\n"
WRONG = {
    "ex-gan-nonsat": (F + "non_saturating_loss = lambda a: F.softplus(a).mean()",
                      "wrong term"),
    "ex-gan-count": ('count_covered_modes = lambda s, c, std: "eight"',
                     "not a whole number"),
    "ex-gan-spiral": ("spiral_radius = 1.0", "orbit"),
    "ex-cov-triangular": (F + "log_abs_det_triangular = lambda L: "
                          "torch.diagonal(L).log().sum()", "take |diagonal|"),
    "ex-cov-composed": (
        "import math\n\n"
        "def composed_log_prob(layers, x):\n"
        "    h, total = x, 0.0\n"
        "    for layer in layers:\n"
        "        h, log_abs_det = layer(h)\n"
        "        total = total + log_abs_det\n"
        "    d = x.shape[1]\n"
        "    base = -0.5 * (h.pow(2).sum(1) + d * math.log(2 * math.pi))\n"
        "    return (base + total).sum()\n",
        "one log-density per row",
    ),
    "ex-cov-linear": ("linear_density = 0.5", "is not p_x"),
    "ex-coupling-inverse": ("affine_coupling_inverse = lambda z, m, s, t: z.clone()",
                            "does not map back"),
    "ex-coupling-checkerboard": (
        F + "checkerboard = lambda h, w: torch.ones(h * w // 2)", "expected"
    ),
    "ex-digits-logit": (
        "import math\nimport torch\n\n"
        "def logit_log_det(w, levels, alpha):\n"
        "    y = alpha + (1 - 2 * alpha) * w / levels\n"
        "    log_det = math.log(1 - 2 * alpha) - math.log(levels) - torch.log(y * (1 - y))\n"
        "    return -log_det.sum(1)\n",
        "sign is flipped",
    ),
    "ex-digits-jensen-gap": ("dequantization_gap = lambda p, q: (0.5, 0.5)",
                             "your gap is"),
    "ex-spline-log-derivative": (
        "def bin_log_derivative(xi, s, d0, d1):\n"
        "    between = xi * (1 - xi)\n"
        "    denominator = s + (d1 + d0 - 2 * s) * between\n"
        "    return s**2 * (d1 * xi**2 + 2 * s * between + d0 * (1 - xi) ** 2) "
        "/ denominator**2\n",
        "take its log",
    ),
    "ex-spline-inverse": ("bin_inverse = lambda rise, h, s, d0, d1: rise / h",
                          "only a linear bin"),
    "ex-multiscale-squeeze": (
        "squeeze = lambda x: x.reshape(x.shape[0], 4 * x.shape[1], "
        "x.shape[2] // 2, x.shape[3] // 2)",
        "strips of rows",
    ),
    "ex-multiscale-factor": (
        F + "factor_out_log_density = lambda z, m, s: "
        "(-0.5 * ((z - m) * torch.exp(-s)) ** 2).sum((1, 2, 3))",
        "differ",
    ),
    "ex-verdict-bits": ("bits_per_dim = lambda nats, dim: nats / dim",
                        "nats per dimension"),
    "ex-verdict-passes": ("sampling_passes = lambda n, h, w, c: n * h * w * c",
                          "one batch"),
    "ex-fvsbn-log-prob": (
        F + "def fvsbn_log_prob(theta, b, x):\n"
        "    logits = x @ torch.tril(theta, -1).T + b\n"
        "    return (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits))"
        ".sum(1) + 0.1\n",
        "differ",
    ),
    "ex-fvsbn-hand": ("hand_probability = 0.3", "multiply"),
    "ex-nade-loop": (
        F + "nade_logits_loop = lambda W, c, alpha, b, x: "
        "torch.sigmoid(c + x @ W.T) @ alpha.T + b",
        "used all of x",
    ),
    "ex-made-masks": (
        "def made_masks_for(ordering, m_hidden):\n"
        "    m_inputs = ordering.argsort() + 1\n"
        "    return (m_hidden[:, None] >= m_inputs[None, :]).float()\n",
        "pair",
    ),
    "ex-maf-inverse": ("maf_inverse = lambda layer, z: z", "differs"),
    "ex-pixelcnn-masks": (F + "masks = lambda k: torch.ones(k, k)", "pair"),
    "ex-pixelcnn-channels": (
        F + "centre_mask = lambda kind, o, i: torch.ones(o, i)", "is not right"
    ),
    "ex-rnn-log-prob": (F + "rnn_log_prob = lambda *args: torch.zeros(3)",
                        "one number"),
    "ex-rnn-nonnormal": ("nonnormal_gradient_norm = 1.0", "is not"),
    "ex-rnn-clip": ("clip_by_norm = lambda gs, t: gs[0]", "one tensor per gradient"),
    "ex-lstm-cell": ("lstm_cell = lambda x, h, s, p: h", "the pair"),
    "ex-lstm-weights": ("lecture_weights = lambda torch_lstm: {}", "keys"),
    "ex-lstm-carousel": ("carousel_factor = 0.5**50", "sigma\\(0\\)"),
    "ex-lm-uniform": ("uniform_bits_per_char = 4.0", "not it"),
    "ex-lm-temperature": (
        F + "sample_with_temperature = lambda o, t, g=None: o.argmax(-1)",
        "frequencies",
    ),
    "ex-synthesis-kl": ("kl_both_ways = lambda p, q: (0.0, 0.0)", "expected"),
    "ex-synthesis-gap-mass": ("min_gap_mass = lambda width, lipschitz: 2.0",
                              "\\[0, 1\\]"),
    "ex-synthesis-coupling": (
        "import torch\n\n"
        "coupling_degrees = lambda mask: torch.arange(1, len(mask) + 1)",
        "MAF's own ordering",
    ),
    "ex-synthesis-noise-bits": ("noise_bits_per_dim = 0.0719558", "nats"),
}

# One plausible wrong answer per function exercise that its public check accepts
# and its hidden test rejects, with the part of the hidden test's message the
# tests expect: each is a slip a student makes, which the public inputs happen
# not to show.
SLIP = {
    # log(sigmoid) and log(1 - sigmoid) underflow for confident conditionals
    "ex-fvsbn-log-prob": (
        "import torch\n\n"
        "def fvsbn_log_prob(theta, b, x):\n"
        "    p = torch.sigmoid(x @ torch.tril(theta, -1).T + b)\n"
        "    return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(1)\n",
        "not finite",
    ),
    # a general determinant, O(d^3), reads the whole matrix
    "ex-cov-triangular": (
        "import torch\n\n"
        "def log_abs_det_triangular(L):\n"
        "    return torch.linalg.slogdet(L).logabsdet\n",
        "NaN",
    ),
    # torch.stack of no layers' log-determinants fails
    "ex-cov-composed": (
        "import math\nimport torch\n\n"
        "def composed_log_prob(layers, x):\n"
        "    h, dets = x, []\n"
        "    for layer in layers:\n"
        "        h, log_abs_det = layer(h)\n"
        "        dets.append(log_abs_det)\n"
        "    d = x.shape[1]\n"
        "    base = -0.5 * (h.pow(2).sum(1) + d * math.log(2 * math.pi))\n"
        "    return base + torch.stack(dets).sum(0)\n",
        "no layers",
    ),
    # the kept coordinates taken to be the first half, whatever the mask
    "ex-coupling-inverse": (
        "import torch\n\n"
        "def affine_coupling_inverse(z, mask, s_theta, t_theta):\n"
        "    d = z.shape[1] // 2\n"
        "    kept = torch.cat([z[:, :d], torch.zeros_like(z[:, d:])], 1)\n"
        "    s, t = s_theta(kept), t_theta(kept)\n"
        "    x_B = (z[:, d:] - t[:, d:]) * torch.exp(-s[:, d:])\n"
        "    return torch.cat([z[:, :d], x_B], 1)\n",
        "mask",
    ),
    # alternating in the flat index: a checkerboard only for odd widths
    "ex-coupling-checkerboard": (
        "import torch\n\n"
        "def checkerboard(height, width):\n"
        "    return (torch.arange(height * width) % 2 == 0).float()\n",
        "8 x 8",
    ),
    # the digits' 17 grey levels written in for K
    "ex-digits-logit": (
        "import math\nimport torch\n\n"
        "def logit_log_det(w, levels, alpha):\n"
        "    y = alpha + (1 - 2 * alpha) * w / 17\n"
        "    log_det = math.log(1 - 2 * alpha) - math.log(17) - torch.log(y) "
        "- torch.log1p(-y)\n"
        "    return log_det.sum(1)\n",
        "constants",
    ),
    # the public cells' four sub-intervals written in for m
    "ex-digits-jensen-gap": (
        "import torch\n\n"
        "def dequantization_gap(p_cell, q_cell):\n"
        "    p, q = p_cell.double(), q_cell.double()\n"
        "    probability = (p / 4).sum()\n"
        "    jensen = (q / 4 * (p.log() - q.log())).sum()\n"
        "    kl = (q / 4 * (q * probability / p).log()).sum()\n"
        "    return (probability.log() - jensen).item(), kl.item()\n",
        "8 sub-intervals",
    ),
    # a loop over the bins of a 1-D tensor
    "ex-spline-log-derivative": (
        "import math\nimport torch\n\n"
        "def bin_log_derivative(xi, s_k, delta_k, delta_k1):\n"
        "    values = []\n"
        "    for x, s, d0, d1 in zip(xi.tolist(), s_k.tolist(), delta_k.tolist(),\n"
        "                            delta_k1.tolist()):\n"
        "        between = x * (1 - x)\n"
        "        slope = s**2 * (d1 * x**2 + 2 * s * between + d0 * (1 - x) ** 2)\n"
        "        values.append(math.log(slope) - 2 * math.log(s + (d1 + d0 - 2 * s) "
        "* between))\n"
        "    return torch.tensor(values, dtype=xi.dtype)\n",
        "raised",
    ),
    # the textbook root, with a = 0 special-cased: it cancels when a is small
    "ex-spline-inverse": (
        "import torch\n\n"
        "def bin_inverse(rise, h_k, s_k, delta_k, delta_k1):\n"
        "    curvature = delta_k1 + delta_k - 2 * s_k\n"
        "    a = h_k * (s_k - delta_k) + rise * curvature\n"
        "    b = h_k * delta_k - rise * curvature\n"
        "    c = -s_k * rise\n"
        "    root = (-b + torch.sqrt(b**2 - 4 * a * c)) / (2 * a)\n"
        "    return torch.where(a == 0, -c / b, root)\n",
        "nearly linear",
    ),
    # square images assumed: H used for W
    "ex-multiscale-squeeze": (
        "def squeeze(x):\n"
        "    n, c, h, _ = x.shape\n"
        "    blocks = x.reshape(n, c, h // 2, 2, h // 2, 2)\n"
        "    return blocks.permute(0, 1, 3, 5, 2, 4).reshape(n, 4 * c, h // 2, "
        "h // 2)\n",
        "raised",
    ),
    # squeeze() turns a batch of one into a scalar
    "ex-multiscale-factor": (
        "import math\nimport torch\n\n"
        "def factor_out_log_density(z_out, mu, log_sigma):\n"
        "    eps = (z_out - mu) * torch.exp(-log_sigma)\n"
        "    per_value = -0.5 * eps**2 - 0.5 * math.log(2 * math.pi) - log_sigma\n"
        "    return per_value.sum(dim=(1, 2, 3), keepdim=True).squeeze()\n",
        "one value per image",
    ),
    # log(1 + exp(-l)): exp overflows at l = -1000
    "ex-gan-nonsat": (
        "import torch\n\n"
        "def non_saturating_loss(fake_logits):\n"
        "    return torch.log1p(torch.exp(-fake_logits)).mean()\n",
        "underflowed",
    ),
    # a mode counts when any sample is near it, nearest or not
    "ex-gan-count": (
        "import torch\n\n"
        "def count_covered_modes(samples, centers, std):\n"
        "    distance = torch.cdist(centers, samples).min(dim=1).values\n"
        "    return int((distance < 3 * std).sum())\n",
        "nearest mode",
    ),
    # ordering read as the degrees (right only for an ordering that is its own
    # inverse)
    "ex-made-masks": (
        "def made_masks_for(ordering, m_hidden):\n"
        "    m_inputs = ordering + 1\n"
        "    M_W = (m_hidden[:, None] >= m_inputs[None, :]).float()\n"
        "    M_V = (m_inputs[:, None] > m_hidden[None, :]).float()\n"
        "    return M_W, M_V\n",
        "position",
    ),
    # the coordinates visited in the inverse permutation's order
    "ex-maf-inverse": (
        "import torch\n\n"
        "def maf_inverse(layer, z):\n"
        "    x = torch.zeros_like(z)\n"
        "    for i in torch.argsort(layer.ordering).tolist():\n"
        "        mu, alpha = layer.shift_and_log_scale(x)\n"
        "        x = x.clone()\n"
        "        x[:, i] = z[:, i] * torch.exp(alpha[:, i]) + mu[:, i]\n"
        "    return x\n",
        "layer.ordering",
    ),
    # D read off the wrong side of W (H x D)
    "ex-nade-loop": (
        "import torch\n\n"
        "def nade_logits_loop(W, c, alpha, b, x):\n"
        "    D = W.shape[0]\n"
        "    a = c.expand(len(x), -1)\n"
        "    logits = []\n"
        "    for i in range(D):\n"
        "        logits.append(torch.sigmoid(a) @ alpha[i] + b[i])\n"
        "        a = a + x[:, i : i + 1] * W[:, i]\n"
        "    return torch.stack(logits, dim=1)\n",
        "W is H x D",
    ),
    # the masks of the figures, written out
    "ex-pixelcnn-masks": (
        "import torch\n\n"
        "def masks(k):\n"
        "    A = {3: [[1, 1, 1], [1, 0, 0], [0, 0, 0]],\n"
        "         5: [[1] * 5, [1] * 5, [1, 1, 0, 0, 0], [0] * 5, [0] * 5]}[k]\n"
        "    A = torch.tensor(A, dtype=torch.float32)\n"
        "    B = A.clone()\n"
        "    B[k // 2, k // 2] = 1\n"
        "    return A, B\n",
        "raised",
    ),
    # one group vector for inputs and outputs alike
    "ex-pixelcnn-channels": (
        "import torch\n\n"
        "def centre_mask(kind, out_channels, in_channels):\n"
        "    g = torch.arange(out_channels) // (out_channels // 3)\n"
        "    if kind == 'A':\n"
        "        return (g[None, :] < g[:, None]).float()\n"
        "    return (g[None, :] <= g[:, None]).float()\n",
        "the mask is",
    ),
    # the start symbol's column taken as len(W_hx) - 1 (rows, not columns)
    "ex-rnn-log-prob": (
        "import torch\n\n"
        "def rnn_log_prob(W_hh, W_hx, W_hy, b_y, x):\n"
        "    h = torch.zeros(W_hh.shape[0], dtype=W_hh.dtype)\n"
        "    previous, total = len(W_hx) - 1, 0.0\n"
        "    for token in x.tolist():\n"
        "        h = torch.tanh(W_hh @ h + W_hx[:, previous])\n"
        "        total = total + torch.log_softmax(W_hy @ h + b_y, dim=0)[token]\n"
        "        previous = token\n"
        "    return total\n",
        "raised",
    ),
    # g / ||g|| * min(||g||, threshold): 0 / 0 for a zero gradient
    "ex-rnn-clip": (
        "import torch\n\n"
        "def clip_by_norm(grads, threshold):\n"
        "    norm = torch.sqrt(sum((g**2).sum() for g in grads))\n"
        "    return [g / norm * min(norm.item(), threshold) for g in grads]\n",
        "differs",
    ),
    # s *= f changes the caller's state in place
    "ex-lstm-cell": (
        "import torch\n\n"
        "def lstm_cell(x, h, s, p):\n"
        "    def pre(n):\n"
        "        return x @ p[f'W_{n}x'].T + h @ p[f'W_{n}h'].T + p[f'b_{n}']\n"
        "    g = torch.tanh(pre('g'))\n"
        "    i, f, o = (torch.sigmoid(pre(n)) for n in 'ifo')\n"
        "    s *= f\n"
        "    s += g * i\n"
        "    return torch.tanh(s) * o, s\n",
        "raised",
    ),
    # the block size read from the input size
    "ex-lstm-weights": (
        "def lecture_weights(torch_lstm):\n"
        "    H = torch_lstm.input_size\n"
        "    bias = torch_lstm.bias_ih_l0 + torch_lstm.bias_hh_l0\n"
        "    weights = {}\n"
        "    for k, n in enumerate('ifgo'):\n"
        "        rows = slice(k * H, (k + 1) * H)\n"
        "        weights[f'W_{n}x'] = torch_lstm.weight_ih_l0[rows]\n"
        "        weights[f'W_{n}h'] = torch_lstm.weight_hh_l0[rows]\n"
        "        weights[f'b_{n}'] = bias[rows]\n"
        "    return weights\n",
        "hidden_size rows",
    ),
    # softmax by hand: exp overflows for large logits
    "ex-lm-temperature": (
        "import torch\n\n"
        "def sample_with_temperature(logits, temperature, generator=None):\n"
        "    weights = torch.exp(logits / temperature)\n"
        "    probs = weights / weights.sum(-1, keepdim=True)\n"
        "    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)\n",
        "raised",
    ),
    # bits through the probability: exp(-nats) underflows for a colour image
    "ex-verdict-bits": (
        "import math\n\n"
        "def bits_per_dim(nats, dim):\n"
        "    return -math.log2(math.exp(-nats)) / dim\n",
        "raised",
    ),
    # height * height: right for the square images of the public check
    "ex-verdict-passes": (
        "def sampling_passes(n, height, width, colours):\n"
        "    return height * height * colours\n",
        "not the number of passes",
    ),
    # 0 * log 0 is NaN in floating point: the public vectors have no zeros
    "ex-synthesis-kl": (
        "import torch\n\n"
        "def kl_both_ways(p, q):\n"
        "    return ((p * (p / q).log()).sum().item(),\n"
        "            (q * (q / p).log()).sum().item())\n",
        "NaN",
    ),
    # 2 Phi(x) - 1 cancels for a very steep map
    "ex-synthesis-gap-mass": (
        "from statistics import NormalDist\n\n"
        "def min_gap_mass(width, lipschitz):\n"
        "    return 2 * NormalDist().cdf(width / (2 * lipschitz)) - 1\n",
        "erf keeps them",
    ),
    # arithmetic on the mask: a boolean mask cannot be subtracted from
    "ex-synthesis-coupling": (
        "def coupling_degrees(mask):\n"
        "    return (2 - mask).long()\n",
        "raised",
    ),
}

KINDS = ("reference", "wrong", "slip")


def answer_cell(label: str, kind: str) -> str:
    """The answer cell of ``label`` filled with its reference, its wrong answer or
    its slip (a number exercise has no slip: its reference stands in)."""
    exercise = BY_LABEL[label]
    if kind == "slip" and label not in SLIP:
        kind = "reference"
    if kind == "reference":
        return exercise.filled()
    code = (WRONG if kind == "wrong" else SLIP)[label][0]
    return exercise.stub().split("\n\n")[0] + "\n" + code


def student_notebook(name):
    return student.student_notebook(ROOT / f"{name}.md", REPO)


def submission(name, kinds=None):
    """The student notebook of ``name`` with every answer filled: ``kinds`` maps
    labels to "wrong", "slip" or "stub"; the others get the reference."""
    kinds = kinds or {}
    notebook = student_notebook(name)
    for cell in notebook.cells:
        label = cell.metadata.get("lecturecode_exercise")
        if label is not None and kinds.get(label) != "stub":
            cell.source = answer_cell(label, kinds.get(label, "reference"))
    return notebook


def rotation(name, r: int) -> dict[str, str]:
    """Round ``r`` (0, 1, 2) of a Latin square over the chapter's exercises: each
    exercise is the reference in one round, its wrong answer in another and its
    slip in the third, beside other exercises in other states."""
    return {
        e.label: KINDS[(i + r) % len(KINDS)] for i, e in enumerate(EXERCISES[name])
    }


_WORK = Path(tempfile.mkdtemp(prefix="course-tests-"))
atexit.register(shutil.rmtree, _WORK, ignore_errors=True)


@cache
def wheel() -> Path:
    """The student wheel, built once per test process."""
    return grading.build_wheel(_WORK / "wheel")


@cache
def archive(name) -> Path:
    """The chapter's autograder archive, as `python -m lecturecode autograder`
    writes it, built once per test process."""
    return grading.autograder(name, _WORK / "archives", wheel=wheel())


def grade(tmp_path, notebook, name):
    """``{label: Score}`` of the notebook, graded by otter's local runner on the
    chapter's archive."""
    path = tmp_path / f"{name.replace('/', '_')}.ipynb"
    nbformat.write(notebook, path)
    return {s.exercise: s for s in grading.grade_notebook(path, archive(name))}


def all_text(notebook) -> str:
    return "\n".join(cell.source for cell in notebook.cells) + str(
        notebook.metadata
    )
