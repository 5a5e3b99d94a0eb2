"""Every variable the settings read is documented in docs/configuration.md and listed in
.env.example, and neither names a variable that is read nowhere."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: Read before Django's settings by lienthong.core.instance (the same variable there).
READ_BY_THE_INSTANCE = {"LIENTHONG_VAR_DIR"}


def _read_by_settings() -> set[str]:
    source = (REPO / "src/lienthong/settings.py").read_text()
    return set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', source)) | READ_BY_THE_INSTANCE


def _documented() -> set[str]:
    rows = [
        line.split("|")[1]
        for line in (REPO / "docs/configuration.md").read_text().splitlines()
        if line.startswith("| `")
    ]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}


def _in_env_example() -> set[str]:
    text = (REPO / ".env.example").read_text()
    return set(re.findall(r"^# ([A-Z][A-Z0-9_]+)=", text, re.M))


def test_settings_read_only_documented_variables():
    assert _read_by_settings() - _documented() == set()


def test_the_documentation_names_no_variable_that_is_read_nowhere():
    assert _documented() - _read_by_settings() == set()


def test_env_example_lists_every_documented_variable_and_nothing_else():
    assert _in_env_example() == _documented()
