"""`make lint` keeps the house as it is: the layering between apps (import-linter) and
static types, strict in core (mypy). Each check is run on a copy of the sources with one
fault put in, and must catch it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def copy_of_the_sources(tmp_path: Path) -> Path:
    shutil.copytree(
        REPO / "src",
        tmp_path / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _run(tool: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(PYTHONPATH=str(cwd / "src"), PYTHONWARNINGS="ignore", LIENTHONG_VAR_DIR=str(cwd))
    return subprocess.run(
        [str(BIN / tool), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def test_the_contracts_hold_on_the_sources_as_they_are(copy_of_the_sources):
    result = _run("lint-imports", copy_of_the_sources, "--no-cache")
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("module", "line", "verdict"),
    [
        # a lower app importing a higher one (and its models)
        (
            "catalog/selectors.py",
            "from lienthong.dossiers.models import Dossier",
            "lienthong.catalog is not allowed to import lienthong.dossiers",
        ),
        # a higher app reading a lower app's tables without its selectors
        (
            "dossiers/selectors.py",
            "from lienthong.catalog.models import Procedure",
            "lienthong.dossiers is not allowed to import lienthong.catalog.models",
        ),
    ],
)
def test_a_forbidden_import_fails_the_contracts(copy_of_the_sources, module, line, verdict):
    _append(copy_of_the_sources / "src/lienthong" / module, f"\n{line}  # noqa: E402\n")
    result = _run("lint-imports", copy_of_the_sources, "--no-cache")
    assert result.returncode != 0
    assert verdict in result.stdout


def test_a_type_error_in_core_fails_the_type_check(copy_of_the_sources):
    _append(
        copy_of_the_sources / "src/lienthong/core/identifiers.py",
        "\n\ndef untyped(value):\n    return value\n\n\nWRONG: int = 'not a number'\n",
    )
    result = _run("mypy", copy_of_the_sources, "--cache-dir", str(copy_of_the_sources / ".mypy"))
    assert result.returncode == 1, result.stdout
    assert 'Incompatible types in assignment (expression has type "str"' in result.stdout
    assert "Function is missing a type annotation" in result.stdout  # strict in core
