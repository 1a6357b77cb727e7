"""The results file and the tables the results chapter makes of it."""

import json
import math
import re

import jsonschema
import pytest

from lecturecode import jobs, records, results
from lecturecode.data import TwoMoons
from lecturecode.experiments.base import evaluate, register
from lecturecode.flows import FlowModel, LinearFlow
from lecturecode.paths import FULL_OUTPUT, QUICK_OUTPUT, ROOT
from lecturecode.records import recipe_card
from lecturecode.train import fit

SCHEMA = json.loads(records.SCHEMA_FILE.read_text())


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A real two-job run: one likelihood record, one record without an NLL."""

    def flow_job(context):
        moons = TwoMoons()
        model = FlowModel(LinearFlow(2))
        fitted = fit(model, moons.sample(300), steps=20, seed=context.seed)
        return [
            evaluate(
                model,
                name="linear flow",
                dataset="two moons",
                test=moons.sample(300),
                fit_result=fitted,
                seed=context.seed,
                dim=2,
            )
        ]

    def other_job(context):
        return [{"model": "gradient study", "dataset": "ring", "norms": [1.0]}]

    registry = {
        "t_flow": register("t_flow", chapter="book/flows/coupling", description="")(
            flow_job
        ),
        "t_other": register("t_other", chapter="book/gans/gan_recap", description="")(
            other_job
        ),
    }
    out = tmp_path_factory.mktemp("run")
    jobs.run_jobs(["t_flow", "t_other"], scale="smoke", out=out, registry=registry)
    return out


def test_a_run_matches_the_schema(run):
    jsonschema.validate(json.loads((run / "results.json").read_text()), SCHEMA)


def test_the_schema_rejects_what_it_should(run):
    good = json.loads((run / "results.json").read_text())
    for corrupt in (
        lambda r: r["jobs"]["t_flow"].pop("git_revision"),
        lambda r: r["jobs"]["t_flow"].update(scale="huge"),
        lambda r: r["jobs"]["t_flow"]["records"][0].update(test_nll="low"),
        lambda r: r["jobs"]["t_flow"].update(records=[]),
    ):
        bad = json.loads(json.dumps(good))
        corrupt(bad)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SCHEMA)


@pytest.mark.parametrize("folder", [FULL_OUTPUT, QUICK_OUTPUT])
def test_committed_results_match_the_schema_and_their_figures_exist(folder):
    if not (folder / "results.json").exists():
        pytest.skip(f"no run committed in {folder}")
    committed = json.loads((folder / "results.json").read_text())
    jsonschema.validate(committed, SCHEMA)
    for entry in committed["jobs"].values():
        assert (ROOT / f"{entry['chapter']}.md").exists()
        for figure in entry["figures"]:
            assert (folder / figure).stat().st_size > 0


def test_likelihood_table_has_a_row_per_likelihood_record(run):
    loaded = results.load_results(run)
    rows = results.likelihood_rows(loaded)
    assert [r.model for r in rows] == ["linear flow"]  # no NLL, no row
    lines = results.likelihood_table(rows).splitlines()
    assert len(lines) == 2 + len(rows)
    assert "{doc}`coupling </book/flows/coupling>`" in lines[2]
    assert f"| {rows[0].test_nll:,.2f} | 1 |" in lines[2]  # one seed: no sd


def record(model, nll, seed=0, dataset="digits", **fields):
    return {
        "model": model,
        "dataset": dataset,
        "test_nll": nll,
        "seed": seed,
        **fields,
    }


def fake(**jobs):
    """A results dict with one entry per job, ``job=[records]``."""
    return {
        "schema": 1,
        "jobs": {
            name: {"chapter": f"book/{name}", "seed": 0, "records": records}
            for name, records in jobs.items()
        },
    }


def test_rows_average_seeds_and_show_one_job_of_several():
    rows = results.likelihood_rows(
        fake(
            zeta=[record("baseline", 30.0)],
            alpha=[record("NADE", n, seed=s) for s, n in enumerate((10, 11, 12))]
            + [record("baseline", 31.0), record("GAN", None)],
        )
    )
    nade, baseline = rows
    assert (nade.model, nade.seeds, nade.test_nll) == ("NADE", (0, 1, 2), 11.0)
    assert nade.test_nll_sd == pytest.approx(1.0)  # sample sd of 10, 11, 12
    assert (baseline.job, baseline.test_nll, baseline.also_in) == (
        "alpha",
        31,
        ("zeta",),
    )
    table = results.likelihood_table(rows)
    assert "| NADE | 11.00 ± 1.00 | 3 |" in table
    note = results.duplicates_note(rows)
    assert note.startswith("*baseline* was measured by the jobs alpha and zeta;")
    with pytest.raises(ValueError, match="'NADE' on 'digits' twice with one seed"):
        results.likelihood_rows(fake(a=[record("NADE", 1.0), record("NADE", 2.0)]))


def test_tables_leave_out_the_columns_empty_in_every_row():
    rows = results.likelihood_rows(fake(a=[record("flow", 1.5, gap=None)]))
    header = results.likelihood_table(rows).splitlines()[0]
    assert "gap to entropy" not in header and "bits/dim" not in header
    with_gap = fake(a=[record("flow", 1.5, extra={"gap": 0.25}), record("x", 2.0)])
    table = results.likelihood_table(results.likelihood_rows(with_gap))
    assert "gap to entropy" in table and "| x | 2.00 | 1 | – |" in table
    with pytest.raises(ValueError, match="2 cells"):
        results.markdown_table(["a", "b"], [["only one"]])


def test_difference_phrase_says_the_direction_of_its_sign():
    assert results.difference_phrase(18.09, 18.02) == "0.07 nats higher than"
    assert results.difference_phrase(17.95, 18.02) == "0.07 nats lower than"
    assert results.difference_phrase(18.021, 18.02) == "equal, to two decimals, to"


RECIPE = results.Cited(
    "peer MADE",
    "digits",
    18.0,
    "our test split",
    "karpathy2018made",
    recipe_of="MADE, recipe",
)


BASELINE = results.Cited("peer baseline", "digits", 25.0, "our test split")


def test_a_rerun_recipe_stands_beside_its_cited_number():
    rows = results.likelihood_rows(
        fake(
            a=[
                record("MADE, recipe", n, seed=s)
                for s, n in enumerate((18.1, 18.3))
            ]
        )
    )
    assert results.recipe_pairs(rows, [RECIPE]) == [(RECIPE, rows[0])]
    line = results.references_table([RECIPE], rows).splitlines()[2]
    assert "| 18.00 | 18.20 ± 0.14 (MADE, recipe) |" in line
    assert results.recipe_pairs([], [RECIPE]) == []


def test_figure_puts_cited_numbers_on_the_axis_of_the_rows():
    bits = [
        record(m, n, bits_per_dim=n / 10) for m, n in (("a", 20.0), ("b", 30.0))
    ]
    rows = results.likelihood_rows(
        fake(j=bits + [record("MADE, recipe", 18.5, bits_per_dim=1.85)])
    )
    ax = results.plot_likelihoods(rows, [RECIPE, BASELINE])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "MADE, recipe; cited: peer MADE"  # best at the top
    assert "peer baseline (cited)" in labels
    recipe_row = [
        line.get_xdata()[0] for line in ax.lines if line.get_ydata()[0] == 3
    ]
    assert recipe_row == pytest.approx([1.85, 1.8])  # the cited 18.0 in bits/dim
    assert ax.get_xlabel() == "bits/dim, lower is better"
    with pytest.raises(ValueError, match="one data set"):
        results.plot_likelihoods(rows, [results.PUBLISHED[0]])


def test_gap_figures_place_cited_numbers_only_on_one_entropy():
    def gap(model, nll, entropy):
        return record(model, nll, extra={"gap": nll - entropy})

    one = results.likelihood_rows(fake(j=[gap("a", 1.0, 0.3), gap("b", 2.0, 0.3)]))
    label, value, place = results.figure_axis(one)
    assert label.startswith("gap") and place(1.3) == pytest.approx(1.0)
    assert value(one[0]) == (pytest.approx(0.7), None)
    two = results.likelihood_rows(fake(j=[gap("a", 1.0, 0.3), gap("b", 2.0, 0.4)]))
    results.plot_likelihoods(two)  # the rows' own gaps need no common entropy
    with pytest.raises(ValueError, match="disagree"):
        results.figure_axis(two)[2](1.0)


def test_jobs_table_has_a_row_per_job(run):
    table = results.jobs_table(results.load_results(run)).splitlines()
    assert len(table) == 2 + 2 and table[2].startswith("| t_flow | smoke |")


def test_results_dir_follows_the_environment(run, tmp_path, monkeypatch):
    monkeypatch.setenv(results.RESULTS_VARIABLE, str(run))
    assert results.results_dir() == run
    monkeypatch.setenv(results.RESULTS_VARIABLE, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="figures --scale full"):
        results.results_dir()


def test_cited_numbers_carry_their_provenance_and_convert_units():
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, flags=re.M))
    for ref in (*results.PUBLISHED, *results.PEERS):
        assert ref.cite in keys or (ref.cite is None and ref.kind == "peer"), ref
        assert ref.measured_on and ref.kind in results.STYLES, ref
        assert ref.kind == "published" or ref.code, f"{ref.model}: which code?"
    table = results.references_table(results.PUBLISHED[:1], pixels=784)
    bits = results.PUBLISHED[0].test_nll / (784 * math.log(2))
    assert f"{bits:.3f}" in table.splitlines()[2]
    assert "unpublished" in results.references_table([BASELINE])


def test_every_peer_row_names_its_code_and_is_a_likelihood():
    # A peer's number whose code nobody recorded cannot be checked: no such row.
    # Nor one that averages logits over orderings, which is no likelihood.
    for ref in results.PEERS:
        assert ref.code and "not recorded" not in ref.code, ref.model
        assert "averages logits" not in (ref.note or ""), ref.model


RUN = {"steps": 600, "batch_size": 100, "lr": 0.01, "weight_decay": 0.0,
       "dropout": 0.0, "clip_grad_norm": None, "schedule": "cosine"}


def test_rows_carry_their_recipe_card_or_say_it_was_not_recorded():
    with_recipe = [record("NADE", 10.0 + s, seed=s, parameters=12,
                          extra={"recipe": RUN}) for s in (0, 1)]
    rows = results.likelihood_rows(fake(a=[*with_recipe, record("old", 20.0)]))
    nade, old = rows
    assert nade.recipe == recipe_card(with_recipe)
    assert nade.recipe.endswith("12 parameters; seeds 0, 1")
    assert old.recipe == results.NOT_RECORDED
    assert results.recipes_of(rows).splitlines() == [
        f"- *NADE*: {nade.recipe}", f"- *old*: {results.NOT_RECORDED}"]
    differ = [with_recipe[0], {**with_recipe[1], "extra": {
        "recipe": {**RUN, "lr": 0.1}}}]
    assert "differ" in results.likelihood_rows(fake(a=differ))[0].recipe


def test_recipe_list_is_strict_unless_told_otherwise():
    runs = [{"model": "m", "seed": s, "parameters": 5, "extra": {"recipe": RUN}}
            for s in (0, 1, 2)]
    line = results.recipe_list({"MADE": runs})
    assert line == f"- *MADE*: {recipe_card(runs)}"
    unrecorded = {"old": [{"model": "old", "seed": 0, "parameters": 5}]}
    with pytest.raises(ValueError, match="no recipe"):
        results.recipe_list(unrecorded)
    assert results.NOT_RECORDED in results.recipe_list(unrecorded, strict=False)
    with pytest.raises(ValueError, match="at least one row"):
        results.recipe_list({})


def test_markdown_cells_escape_pipes_and_show_missing_values():
    table = results.markdown_table(["a", "b"], [["x | y", None], ["z", 1]])
    assert table.splitlines()[2] == "| x \\| y | – |"


def test_a_record_may_name_its_own_chapter(run):
    loaded = results.load_results(run)
    loaded["jobs"]["t_flow"]["records"][0]["extra"]["chapter"] = "book/results"
    rows = results.likelihood_rows(loaded)
    assert "{doc}`results </book/results>`" in results.likelihood_table(rows)


def test_other_measurements_list_the_records_without_a_likelihood(run):
    lines = results.other_measurements(results.load_results(run)).splitlines()
    assert len(lines) == 3 and lines[2].startswith("| t_other | ring | gradient")


def _verdict_record(model, seed, nll, likelihood="exact", timed=False):
    extra = {"likelihood": likelihood}
    if timed:
        extra |= {"score_seconds": 0.0123, "sample_seconds": 1.5,
                  "scored_images": 1000, "drawn_samples": 100}
    return {"model": model, "dataset": "grey digits", "test_nll": nll,
            "bits_per_dim": nll / 100, "parameters": 1234, "seed": seed,
            "extra": extra}


def test_verdict_rows_average_seeds_and_keep_the_first_seeds_timings():
    records = [
        _verdict_record("PixelCNN", 0, 80.0, timed=True),
        _verdict_record("PixelCNN", 1, 82.0),
        _verdict_record("spline flow", 0, 90.0, "bound", timed=True),
    ]
    pixel, spline = results.verdict_rows(records)
    assert (pixel.model, pixel.seeds, pixel.test_nll) == ("PixelCNN", (0, 1), 81.0)
    assert pixel.test_nll_sd == pytest.approx(math.sqrt(2))
    assert (pixel.score_seconds, pixel.sample_seconds) == (0.0123, 1.5)
    assert spline.test_nll_sd is None and spline.likelihood == "bound"
    assert pixel.recipe == results.NOT_RECORDED  # these records carry none
    carded = [{**r, "parameters": 1234, "extra": {**r["extra"], "recipe": RUN}}
              for r in records[:2]]
    (carded_row,) = results.verdict_rows(carded)
    assert carded_row.recipe == recipe_card(carded)
    assert results.recipes_of([carded_row]) == f"- *PixelCNN*: {carded_row.recipe}"
    table = results.verdict_table([pixel, spline])
    assert "| PixelCNN | 81.00 ± 1.41 (exact) | 2 | 0.810 | 1,234 | 12.3 | " \
        "1,500.0 |" in table
    assert "90.00 (bound)" in table and "score 1,000 images (ms)" in table
    with pytest.raises(ValueError, match="one timed record, has 0"):
        results.verdict_rows(records[1:2])
    with pytest.raises(ValueError, match="at least one row"):
        results.verdict_table([])
    other = results.verdict_rows([{**records[2], "extra": {
        **records[2]["extra"], "scored_images": 10}}])
    with pytest.raises(ValueError, match="same numbers of images"):
        results.verdict_table([pixel, *other])
