"""What the course-kit tests share: the chapters with code exercises, one wrong
answer for each, and submissions made from the student notebooks."""

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

# One wrong answer per code exercise, each one the exercise tests already reject
# (tests/test_exercises*.py, tests/test_coupling_exercises.py), with the part of
# the check's message those tests expect.
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
        "from lecturecode.exercises.change_of_variables import "
        "solution_composed_log_prob as right\n"
        "composed_log_prob = lambda ls, x: right(ls, x).sum()",
        "one log-density per row",
    ),
    "ex-cov-linear": ("linear_density = 0.5", "is not p_x"),
    "ex-coupling-inverse": ("affine_coupling_inverse = lambda z, m, s, t: z.clone()",
                            "does not map back"),
    "ex-coupling-checkerboard": (
        F + "checkerboard = lambda h, w: torch.ones(h * w // 2)", "expected"
    ),
    "ex-digits-logit": (
        "from lecturecode.exercises.coupling import solution_logit_log_det\n"
        "logit_log_det = lambda w, k, a: -solution_logit_log_det(w, k, a)",
        "sign is flipped",
    ),
    "ex-digits-jensen-gap": ("dequantization_gap = lambda p, q: (0.5, 0.5)",
                             "your gap is"),
    "ex-spline-log-derivative": (
        "from lecturecode.exercises.spline_flows import "
        "solution_bin_log_derivative as right\n"
        "bin_log_derivative = lambda xi, s, d0, d1: right(xi, s, d0, d1).exp()",
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
        "from lecturecode.exercises.chain_rule import solution_fvsbn_log_prob\n"
        "fvsbn_log_prob = lambda t, b, x: solution_fvsbn_log_prob(t, b, x) + 0.1",
        "differ",
    ),
    "ex-fvsbn-hand": ("hand_probability = 0.3", "multiply"),
    "ex-nade-loop": (
        F + "nade_logits_loop = lambda W, c, alpha, b, x: "
        "torch.sigmoid(c + x @ W.T) @ alpha.T + b",
        "used all of x",
    ),
    "ex-made-masks": (
        "from lecturecode.exercises.made import solution_made_masks\n"
        "made_masks_for = lambda o, m: solution_made_masks(o, m)[0]",
        "pair",
    ),
    "ex-maf-inverse": ("maf_inverse = lambda layer, z: z", "differs"),
    "ex-pixelcnn-masks": (
        "from lecturecode.exercises.pixelcnn import solution_masks\n"
        "masks = lambda k: solution_masks(k)[0]",
        "pair",
    ),
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
}


def student_notebook(name):
    return student.student_notebook(ROOT / f"{name}.md", REPO)


def submission(name, wrong=None):
    """The student notebook of ``name`` with every answer filled with the
    reference solution, except ``wrong`` (a label), filled with its wrong answer."""
    notebook = student_notebook(name)
    by_label = {e.label: e for e in EXERCISES[name]}
    for cell in notebook.cells:
        label = cell.metadata.get("lecturecode_exercise")
        if label is not None:
            exercise = by_label[label]
            cell.source = (
                exercise.stub().split("\n\n")[0] + "\n" + WRONG[label][0]
                if label == wrong
                else exercise.filled()
            )
    return notebook


def grade(tmp_path, notebook, name):
    path = tmp_path / f"{name.replace('/', '_')}.ipynb"
    nbformat.write(notebook, path)
    return {s.exercise: s for s in grading.grade_notebook(path)}


def all_text(notebook) -> str:
    return "\n".join(cell.source for cell in notebook.cells) + str(
        notebook.metadata
    )


