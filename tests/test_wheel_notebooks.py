"""The exported notebooks run from an installed wheel, with no checkout anywhere.

This is how a reader runs a chapter on Colab or from a downloaded notebook: the package
comes from an install, not from this repository. The test builds the wheel from the
checkout's files (tracked and not ignored), installs it into a fresh virtual environment
outside the checkout, and executes every exported chapter notebook (what the deploy
workflow publishes) at the smoke scale, each from an empty temporary folder, with a
fresh model cache and no ``PYTHONPATH``. Whatever a chapter needs at run time must
ship inside the wheel (the committed results do, see ``setup.py``) or be computed.

The test runs offline: the environment gets the book's dependencies (torch, Jupyter,
...) from the test's own environment through a ``.pth`` file, which puts that
site-packages folder on the path without running its ``.pth`` files, so an editable
install of this checkout there stays invisible. The first test checks exactly that:
the kernel imports ``lecturecode`` from the wheel.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from lecturecode import notebooks
from lecturecode.paths import ROOT

REPO = "https://github.com/lecture18/book"
CHAPTERS = [
    name
    for name in notebooks.toc_chapters()
    if notebooks.is_notebook(ROOT / f"{name}.md")
]


def checkout_files() -> list[str]:
    """The files of the checkout that git tracks or would add (not the ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A virtual environment with the wheel installed; returns its python and the
    environment variables a kernel in it runs with."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    for name in checkout_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(base / "dist"), str(source)],
        check=True,
    )
    (wheel,) = (base / "dist").glob("lecturecode-*.whl")

    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # the wheel first, into an environment that has nothing else yet (pip must not
    # see this checkout, or an editable install of it, as installed already)
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index",
         "--force-reinstall", str(wheel)],
        check=True, env=env,
    )
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, env=env,
    ).stdout.strip()
    assert list(Path(site).glob("lecturecode-*.dist-info")), "the wheel is missing"
    ours = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    (Path(site) / "book_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")

    # The kernel is this environment's python, whatever kernels the machine has.
    kernels = base / "jupyter"
    spec = kernels / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "wheel", "language": "python"})
    )
    env.update(
        JUPYTER_PATH=str(kernels),
        LECTURE_SCALE="smoke",
        LECTURE_MODEL_CACHE=str(base / "models"),
        OMP_NUM_THREADS="1",
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )
    env.pop("LECTURE_RESULTS", None)
    return python, env


def execute(notebook, env: dict, folder: Path, timeout: int = 600):
    """Run ``notebook`` in a kernel of the wheel's environment, in ``folder``."""
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )
    previous = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = env["JUPYTER_PATH"]  # where the spec is looked up
    try:
        client.execute(env=env)
    finally:
        if previous is None:
            os.environ.pop("JUPYTER_PATH")
        else:
            os.environ["JUPYTER_PATH"] = previous
    return notebook


def test_the_kernel_imports_lecturecode_from_the_wheel(installed, tmp_path):
    python, env = installed
    probe = nbformat.v4.new_notebook()
    probe.cells.append(
        nbformat.v4.new_code_cell(
            "import json, os, sys, lecturecode\n"
            "from lecturecode.paths import ROOT\n"
            "from lecturecode.results import results_dir\n"
            "print(json.dumps([sys.executable, lecturecode.__file__, str(ROOT),"
            " str(results_dir()), os.getcwd()]))"
        )
    )
    execute(probe, env, tmp_path)
    executable, module, root, results, cwd = json.loads(
        probe.cells[0].outputs[0]["text"]
    )
    environment = python.parents[1]
    assert Path(executable).parent == python.parent
    assert Path(module).is_relative_to(environment), module
    assert not Path(module).is_relative_to(ROOT)
    assert not (Path(root) / "_toc.yml").exists()
    assert Path(results).is_relative_to(environment), results
    assert Path(cwd) == tmp_path


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_exported_chapter_runs_from_the_wheel(chapter, installed, tmp_path):
    _, env = installed
    exported = notebooks.export_chapter(ROOT / f"{chapter}.md", REPO)
    folder = tmp_path / "run"  # empty: no file of the repository around
    folder.mkdir()
    execute(exported, env, folder)
    errors = [
        output
        for cell in exported.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []


def test_without_a_checkout_the_results_come_from_the_package(tmp_path, monkeypatch):
    """The order of the places: the checkout's full run, the wheel's full run, the
    checkout's quick run, the wheel's quick run."""
    from lecturecode import results

    checkout, package = tmp_path / "book", tmp_path / "committed"
    monkeypatch.setattr(results, "FULL_OUTPUT", checkout / "full")
    monkeypatch.setattr(results, "QUICK_OUTPUT", checkout / "quick")
    monkeypatch.setattr(results, "COMMITTED", package)
    monkeypatch.delenv(results.RESULTS_VARIABLE, raising=False)
    with pytest.raises(FileNotFoundError):
        results.results_dir()
    assert results.full_results() is None
    for folder in (package / "quick", checkout / "quick", package / "full"):
        folder.mkdir(parents=True)
        (folder / "results.json").write_text('{"schema": 1, "jobs": {}}')
        assert results.results_dir() == folder
    assert results.full_results() is not None
