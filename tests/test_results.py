"""The results file and the tables the results chapter makes of it."""

import json
import math
import re
from pathlib import Path

import jsonschema
import pytest

from lecturecode import jobs, results
from lecturecode.data import TwoMoons
from lecturecode.experiments import evaluate
from lecturecode.flows import FlowModel, LinearFlow
from lecturecode.train import fit

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads(results.SCHEMA_FILE.read_text())


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

    jobs.register("t_flow", chapter="book/flows/coupling", description="")(flow_job)
    jobs.register("t_other", chapter="book/gans/gan_recap", description="")(
        other_job
    )
    out = tmp_path_factory.mktemp("run")
    try:
        jobs.run_jobs(["t_flow", "t_other"], scale="smoke", out=out)
    finally:
        del jobs.JOBS["t_flow"], jobs.JOBS["t_other"]
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


@pytest.mark.parametrize("folder", [jobs.FULL_OUTPUT, results.QUICK_OUTPUT])
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
    rows = results.likelihood_records(loaded)
    assert [r["model"] for r in rows] == ["linear flow"]  # no NLL, no row
    lines = results.likelihood_tables(loaded).splitlines()
    assert lines[0] == "**two moons**" and len(lines) == 2 + 2 + len(rows)
    assert "{doc}`coupling </book/flows/coupling>`" in lines[4]
    assert f"{rows[0]['test_nll']:,.2f}" in lines[4]


def test_jobs_table_has_a_row_per_job(run):
    table = results.jobs_table(results.load_results(run)).splitlines()
    assert len(table) == 2 + 2 and table[2].startswith("| t_flow | smoke |")


def test_results_dir_follows_the_environment(run, tmp_path, monkeypatch):
    monkeypatch.setenv(results.ENV_VAR, str(run))
    assert results.results_dir() == run
    monkeypatch.setenv(results.ENV_VAR, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="figures --scale full"):
        results.results_dir()


def test_references_cite_real_entries_and_convert_units():
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, flags=re.M))
    for ref in (*results.PUBLISHED, *results.PEERS):
        assert ref.source == "team" or ref.source in keys, ref
    table = results.references_table(results.PUBLISHED[:1], pixels=784)
    bits = results.PUBLISHED[0].test_nll / (784 * math.log(2))
    assert f"{bits:.3f}" in table.splitlines()[2]


def test_markdown_cells_escape_pipes_and_show_missing_values():
    table = results.markdown_table(["a", "b"], [["x | y", None]])
    assert table.splitlines()[2] == "| x \\| y | – |"


def test_a_record_may_name_its_own_chapter(run):
    loaded = results.load_results(run)
    loaded["jobs"]["t_flow"]["records"][0]["extra"]["chapter"] = "book/results"
    assert "{doc}`results </book/results>`" in results.likelihood_tables(loaded)


def test_other_measurements_list_the_records_without_a_likelihood(run):
    lines = results.other_measurements(results.load_results(run)).splitlines()
    assert len(lines) == 3 and lines[2].startswith("| t_other | ring | gradient")
