"""What a student installs holds no answer: the wheel that `pip install` builds
from the repository (the student notebooks' first cell) has no reference
solution in any file, and in an environment with only that install no
``solution_`` name can be imported from ``lecturecode``."""

import json
import os
import subprocess
import sys
import zipfile

from course_cases import BY_LABEL, leaks, wheel


def wheel_files() -> dict[str, str]:
    with zipfile.ZipFile(wheel()) as zf:
        return {name: zf.read(name).decode() for name in zf.namelist()}


def test_the_student_wheel_holds_no_answer():
    files = wheel_files()
    assert "lecturecode/exercises/expected.json" in files  # the digests ship
    assert not [name for name in files if "hidden_tests" in name]
    assert leaks(files) == []


def test_an_answer_put_back_into_the_package_is_found():
    """The search above finds an answer however it comes back: a reference
    solution renamed in a check module, or the number of an exercise."""
    files = wheel_files()
    e = BY_LABEL["ex-fvsbn-log-prob"]
    renamed = e.solution.replace(e.reference, "_expected_log_prob")
    renamed = renamed.rsplit("\n", 2)[0]  # without the check call
    module = "lecturecode/exercises/chain_rule.py"
    planted = {**files, module: files[module] + "\n\n" + renamed + "\n"}
    assert (module, "ex-fvsbn-log-prob") in leaks(planted)
    value = BY_LABEL["ex-gan-spiral"].reference_answer()
    planted = {**files, module: files[module] + f"\nRADIUS = {value!r}\n"}
    assert (module, "ex-gan-spiral") in leaks(planted)


FRESH = """
import importlib, json, pkgutil, sys
import lecturecode
found = []
for info in pkgutil.walk_packages(lecturecode.__path__, "lecturecode."):
    if info.name.endswith("__main__"):
        continue  # runs the command line
    module = importlib.import_module(info.name)
    found += [f"{info.name}.{n}" for n in dir(module) if n.startswith("solution_")]
try:
    import hidden_tests
except ImportError:
    hidden = False
else:
    hidden = True
print(json.dumps({"file": lecturecode.__file__, "solutions": found,
                  "hidden_tests": hidden}))
"""


def test_with_only_the_student_install_no_solution_can_be_imported(tmp_path):
    """The wheel unpacked alone on the path (its dependencies from this
    environment), in a folder away from the repository."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel()) as zf:
        zf.extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site), "LECTURE_SCALE": "smoke"}
    run = subprocess.run(
        [sys.executable, "-c", FRESH], cwd=tmp_path, env=env,
        capture_output=True, text=True, check=True,
    )
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["file"].startswith(str(site))
    assert result["solutions"] == []
    assert result["hidden_tests"] is False
