"""System packages: installed by scripts/system-deps as root with apt; otherwise one loud
line with the command, tests skipped; under CI=true a missing one fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tests.conftest as root
from tests.conftest import require_tool

REPO = Path(__file__).resolve().parents[2]


def _without_apt(tmp_path: Path) -> str:
    """A PATH with what the script reads, and no apt-get."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "grep", "id", "ldconfig", "fc-list", "pdfsig", "pdftotext"):
        found = shutil.which(tool) or shutil.which(tool, path="/sbin:/usr/sbin")
        if found:
            (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "CI"}
    base.update(
        PATH=_without_apt(tmp_path),
        PLAYWRIGHT_CHROMIUM_EXECUTABLE="/nowhere/chromium",
        PYTHON=sys.executable,
    )
    base.update(env)
    return subprocess.run(
        ["bash", str(REPO / "scripts/system-deps")],
        env=base,
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_apt_a_missing_browser_is_one_line_naming_the_command(tmp_path):
    result = _run(tmp_path)
    assert result.returncode == 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "sudo apt-get install chromium" in lines[0]


def test_under_ci_a_missing_package_fails_the_run(tmp_path):
    result = _run(tmp_path, CI="true")
    assert result.returncode == 1
    assert "CI=true: nothing may be skipped" in result.stderr


def test_a_test_needing_a_missing_tool_is_skipped_outside_ci_and_fails_under_ci(monkeypatch):
    monkeypatch.setitem(
        root.SYSTEM_TOOLS, "nothing", (lambda: False, "nothing-pkg", "tests of nothing")
    )
    monkeypatch.setattr(root, "CI", False)
    with pytest.raises(pytest.skip.Exception, match="sudo apt-get install nothing-pkg"):
        require_tool("nothing")
    monkeypatch.setattr(root, "CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_tool("nothing")
