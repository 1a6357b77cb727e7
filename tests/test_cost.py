"""The book's one cost section (the verdict chapter, label ``cost``): every
scaling study runs, and the page shows each measured exponent."""

import math
import re

import pytest

from lecturecode.experiments import verdict
from lecturecode.paths import ROOT

PAGE = ROOT / "book" / "verdict" / "flows_or_autoregressive.md"
STUDIES = {
    "dense_logdet", "triangular_logdet", "step_general", "step_lu",
    "fvsbn_score", "untied_score", "tied_score", "made_score",
    "fvsbn_sample", "tied_sample", "made_sample", "maf_score", "maf_sample",
    "rnn_loop", "rnn_torch", "conv",
}


def test_exponent_is_the_loglog_slope():
    study = verdict.Scaling("cube", "d", 3, [1, 2, 4], [5.0, 40.0, 320.0])
    assert study.exponent == pytest.approx(3)


def test_every_study_runs(monkeypatch):
    tiny = {"dense": [4, 8, 16], "diagonal": [4, 8, 16], "step": [4, 8, 16],
            "score": [4, 8, 16], "sample": [4, 8, 16], "sequence": [4, 8, 16]}
    monkeypatch.setattr(verdict, "cost_sizes", lambda: tiny)
    costs = verdict.scaling_costs(repeats=1)
    assert set(costs) == STUDIES
    for study in costs.values():
        assert study.size in ("d", "D", "T") and study.theory in (1, 2, 3)
        assert study.sizes == [4, 8, 16]
        assert all(0 < s < math.inf for s in study.seconds)
        assert math.isfinite(study.exponent)


def test_sizes_grow_and_repeats_are_checked():
    for sizes in verdict.cost_sizes().values():
        assert len(sizes) == 3 and sizes == sorted(set(sizes))
    with pytest.raises(ValueError, match="repeats"):
        verdict.scaling_costs(repeats=0)


def test_the_cost_table_shows_every_measured_exponent():
    text = PAGE.read_text()
    assert "(cost)=" in text
    shown = set(re.findall(r"\{glue:text\}`k_(\w+):", text))
    assert shown == STUDIES
