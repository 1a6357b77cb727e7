"""The lock: ``constraints.txt`` pins every package that the book and the tests
install, at one exact version each, within the ranges of ``pyproject.toml``; and the
environment the tests run in is the locked one (``make setup`` installs with
``-c constraints.txt``). ``make test LOCK=`` (the drift workflow) installs the newest
allowed versions instead and says so with ``BOOK_LOCK=``, which skips the last check.
"""

import importlib.metadata
import os
import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from lecturecode.paths import ROOT

LOCK = ROOT / "constraints.txt"
SELF = "lecturecode"


def pins() -> dict[str, str]:
    lines = [
        line.strip()
        for line in LOCK.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    found = {}
    for line in lines:
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([0-9][A-Za-z0-9.]*)", line)
        assert match, f"not an exact pin: {line!r}"
        name = canonicalize_name(match.group(1))
        assert name not in found, f"{name} pinned twice"
        found[name] = match.group(2)
    return found


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        listed += extra
    return [Requirement(r) for r in listed if canonicalize_name(
        Requirement(r).name) != SELF]


def test_every_pin_is_exact_and_torch_has_no_local_label():
    locked = pins()
    assert "+" not in locked["torch"]  # the CPU and the PyPI wheels both match
    assert {"pip", "setuptools", "wheel"} <= set(locked)


def test_every_requirement_is_pinned_within_its_range():
    locked = pins()
    for requirement in requirements():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in constraints.txt: make lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{name}=={locked[name]} is outside {requirement.specifier}"
        )


@pytest.mark.skipif(
    os.environ.get("BOOK_LOCK") == "", reason="installed without the lock (LOCK=)"
)
def test_this_environment_is_the_locked_one():
    locked = pins()
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
        if dist.metadata["Name"]
    }
    installed.pop(SELF, None)
    unpinned = sorted(set(installed) - set(locked))
    assert unpinned == [], f"installed but not in constraints.txt: {unpinned}"
    other = {
        name: (version, locked[name])
        for name, version in installed.items()
        if Version(version).public != Version(locked[name]).public
    }
    assert other == {}, f"installed (locked) versions differ: {other}"
