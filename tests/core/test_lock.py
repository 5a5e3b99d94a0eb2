"""The dependency tree is locked: pyproject.toml and uv.lock agree, the environment holds
exactly the locked versions, and the installer itself is pinned by hash."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
UV = str(Path(sys.executable).parent / "uv")
LOCK = tomllib.loads((REPO / "uv.lock").read_text())
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def canonicalize_name(name: str) -> str:
    """PEP 503: the same project whatever its case and separators."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _uv_check(project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_OFFLINE": "1"}
    return subprocess.run(
        [UV, "lock", "--check", "--offline", "--python", sys.executable],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_lock_matches_pyproject():
    result = _uv_check(REPO)
    assert result.returncode == 0, result.stderr


def test_a_pin_changed_in_pyproject_but_not_in_the_lock_is_caught(tmp_path):
    shutil.copy(REPO / "uv.lock", tmp_path / "uv.lock")
    shutil.copy(REPO / "README.md", tmp_path / "README.md")
    shutil.copy(REPO / "LICENSE", tmp_path / "LICENSE")
    text = (REPO / "pyproject.toml").read_text()
    django = re.search(r'"Django==([\d.]+)"', text)
    assert django
    (tmp_path / "pyproject.toml").write_text(text.replace(django.group(0), '"Django==5.2.0"'))
    result = _uv_check(tmp_path)
    assert result.returncode != 0
    err = result.stderr.lower()
    # Offline, uv cannot re-resolve; what it says depends on its cache: it names the
    # requirement the lock does not satisfy, says the lock needs updating (Django 5.2.0 in
    # its cache), or that it found no solution without the network (an empty cache, as on
    # a new machine whose packages came from the lock's wheels).
    assert (
        "django==5.2.0" in err
        or "needs to be updated" in err
        or ("no solution found" in err and "network was disabled" in err)
    ), err
    # What the lock records of the project's requirements names the changed pin, whatever
    # uv's cache holds.
    assert _requirements_differing_from_lock(tmp_path / "pyproject.toml") == {
        ("django", "==5.2.0", f"=={django.group(1)}")
    }


def _requirements_differing_from_lock(pyproject: Path) -> set[tuple[str, str, str]]:
    """(name, declared, locked) for each direct requirement the lock records otherwise."""
    declared = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    project = _locked()["lienthong"]
    recorded = {
        canonicalize_name(r["name"]): r.get("specifier", "")
        for r in project["metadata"]["requires-dist"]
    }
    differing = set()
    for line in declared:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if str(requirement.specifier) != recorded.get(name):
            differing.add((name, str(requirement.specifier), recorded.get(name, "")))
    return differing


def test_the_lock_records_the_declared_requirements():
    assert _requirements_differing_from_lock(REPO / "pyproject.toml") == set()


def _locked() -> dict[str, dict[str, object]]:
    return {canonicalize_name(p["name"]): p for p in LOCK["package"]}


def _locked_versions() -> dict[str, set[str]]:
    """Versions by package: one, or one per Python range (numpy differs for 3.11)."""
    found: dict[str, set[str]] = {}
    for p in LOCK["package"]:
        found.setdefault(canonicalize_name(p["name"]), set()).add(p["version"])
    return found


def test_every_locked_package_comes_from_pypi_with_a_hash_for_each_file():
    for package in LOCK["package"]:
        name = canonicalize_name(package["name"])
        source = package["source"]
        if "editable" in source:  # the project itself
            assert name == "lienthong"
            continue
        assert source == {"registry": "https://pypi.org/simple"}, name
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        assert files, name
        for f in files:
            assert f["hash"].startswith("sha256:"), (name, f["url"])


def test_the_environment_holds_exactly_the_locked_versions():
    """`make` installs from the lock only: a newer release in the index changes nothing."""
    locked = _locked_versions()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    # pip and setuptools come with the virtual environment (pip bootstraps uv).
    for name in ("pip", "setuptools"):
        installed.pop(name, None)
    strays = {n: v for n, v in installed.items() if n not in locked}
    assert not strays, f"installed but not in uv.lock: {strays}"
    wrong = {
        n: (v, locked[n]) for n, v in installed.items() if n != "lienthong" and v not in locked[n]
    }
    assert not wrong, f"installed version differs from uv.lock: {wrong}"


def test_the_direct_dependencies_are_pinned_exactly():
    declared = [*PYPROJECT["project"]["dependencies"], *PYPROJECT["dependency-groups"]["dev"]]
    loose = [d for d in declared if "==" not in d]
    assert not loose


def test_the_bootstrapped_installer_is_the_locked_one():
    bootstrap = (REPO / "scripts" / "uv-requirements.txt").read_text()
    pinned = re.search(r"^uv==([\d.]+)", bootstrap, re.M)
    assert pinned
    assert pinned.group(1) == _locked()["uv"]["version"]
    assert "--hash=sha256:" in bootstrap
    assert f'"uv=={pinned.group(1)}"' in (REPO / "pyproject.toml").read_text()


@pytest.mark.parametrize("requirement", PYPROJECT["build-system"]["requires"])
def test_the_build_backend_is_pinned(requirement):
    assert "==" in requirement
