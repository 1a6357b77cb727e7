"""No typed comparative word beside a glued number (see ``tests/prose.py``)."""

import jupytext
import pytest
from prose import unguarded
from test_chapters import CHAPTERS, code_cells

from lecturecode.paths import ROOT
from lecturecode.records import recipe_card


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_comparisons_beside_glued_numbers_are_glued_or_asserted(path):
    found = unguarded(path.read_text(), "\n".join(code_cells(path)))
    assert found == [], "\n".join(f"{path.name}:{n} '{w}': {s}" for n, w, s in found)


PAGE = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
# A page

The flow reaches {glue:text}`a:.2f` nats, {glue:md}`a_side` than the MADE.

```{code-cell} ipython3
assert a < b
```

% asserted: a < b
The flow's {glue:text}`a:.2f` nats are lower than the MADE's {glue:text}`b:.2f`.

```{code-cell} ipython3
x = "lower than {glue:text}`a`"
```

:::{note}
Typed prose in a note: {glue:text}`a:.2f` is lower than before.
:::

| model | NLL, lower is better |
|---|---|
| flow, better | {glue:text}`a:.2f` |
"""


def test_the_scan_finds_typed_comparisons_and_honours_guards():
    asserts = "\n".join(c.source for c in jupytext.reads(PAGE, "md:myst").cells
                        if c.cell_type == "code")
    found = [(w, s.split()[0]) for _, w, s in unguarded(PAGE, asserts)]
    # The glued word passes; the guarded paragraph passes; code is not prose;
    # the note's sentence and the table row with a number are caught, the
    # header (no number) is not.
    assert found == [("lower", "Typed"), ("better", "|")]
    # A guard whose assert is not in the chapter guards nothing.
    planted = PAGE.replace("assert a < b", "a < b")
    assert len(unguarded(planted, planted)) == 3


def test_recipe_card_says_how_each_row_was_trained():
    run = {"model": "m", "parameters": 1234, "seed": 0, "extra": {"recipe": {
        "steps": 600, "batch_size": 100, "lr": 0.01, "weight_decay": 0.0,
        "dropout": 0.2, "clip_grad_norm": None, "schedule": "cosine",
        "dequantization": "uniform"}}}
    second = {**run, "seed": 1}
    assert recipe_card([run, second]) == (
        "600 steps; batch 100; lr 0.01; weight decay 0; dropout 0.2; cosine "
        "schedule; uniform dequantization; 1,234 parameters; seeds 0, 1")
    with pytest.raises(ValueError, match="no recipe"):
        recipe_card([{**run, "extra": {}}])
    with pytest.raises(ValueError, match="differ"):
        other = {**run, "extra": {"recipe": {**run["extra"]["recipe"], "lr": 1}}}
        recipe_card([run, other])
