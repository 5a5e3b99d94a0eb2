from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from lienthong.core import memo, outbox

REPO = Path(__file__).resolve().parent.parent

# Fixtures shared by the dossier and browser tests (people, agencies, procedures).
pytest_plugins = ["tests.dossiers.people"]


def database_url_of_current_test_db() -> str:
    """The URL of the database this test runs on, for a subprocess to share it."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = quote(s.get("USER") or "")
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}{port}/{s['NAME']}"


@pytest.fixture(autouse=True)
def _fresh_memoizes() -> Iterator[None]:
    """Each test starts without lookups remembered from rows another test rolled back."""
    memo.clear()
    yield
    memo.clear()


@pytest.fixture
def run_lienthong() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real ``lienthong`` console script with a given environment."""

    def run(
        *args: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        base = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        }
        base.update(env or {})
        return subprocess.run(
            [str(Path(sys.executable).parent / "lienthong"), *args],
            env=base,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture
def temporary_consumer() -> Iterator[Callable[..., Callable[..., None]]]:
    """Register outbox consumers for one test only."""
    added: list[str] = []

    def register(name: str, *, topics: list[str]) -> Callable[..., Callable[..., None]]:
        added.append(name)
        return outbox.consumer(name, topics=topics)

    yield register
    for name in added:
        outbox._consumers.pop(name, None)
