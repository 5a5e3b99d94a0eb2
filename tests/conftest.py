from __future__ import annotations

import ctypes.util
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from lienthong.core import memo, outbox

REPO = Path(__file__).resolve().parent.parent

# Fixtures shared by the dossier, group and browser tests (people, agencies, procedures).
pytest_plugins = ["tests.dossiers.people", "tests.groups.people", "tests.objectstore"]

#: Under CI nothing may be skipped for a missing system package: it fails instead.
CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
#: axe-core from the npm registry, locked in tests/browser/axe/package-lock.json.
AXE = Path(__file__).parent / "browser" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
#: System tools some tests need, and the Debian package that brings each
#: (scripts/system-deps installs them as root; `make test` runs it).
SYSTEM_TOOLS: dict[str, tuple[Callable[[], bool], str, str]] = {
    "chromium": (
        lambda: Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None,
        "chromium",
        "browser tests",
    ),
    "pdfsig": (lambda: shutil.which("pdfsig") is not None, "poppler-utils", "pdfsig checks"),
    "pdftotext": (
        lambda: shutil.which("pdftotext") is not None,
        "poppler-utils",
        "tests that read PDFs' text",
    ),
    "axe-core": (
        lambda: AXE.exists(),
        "npm (then `make test` runs npm ci in tests/browser/axe)",
        "accessibility checks",
    ),
    "harfbuzz-subset": (
        lambda: ctypes.util.find_library("harfbuzz-subset") is not None,
        "libharfbuzz-subset0",
        "WeasyPrint's font subsetting (its warning is allowed until then)",
    ),
}


@functools.cache
def missing_tools() -> dict[str, tuple[str, str]]:
    """Looked up once per process (finding a library runs ldconfig)."""
    return {
        name: (package, what)
        for name, (present, package, what) in SYSTEM_TOOLS.items()
        if not present()
    }


def require_tool(name: str) -> None:
    """Skip the test when ``name`` is not installed (fail under CI=true)."""
    present, package, _ = SYSTEM_TOOLS[name]
    if present():
        return
    message = f"{name} is not installed: sudo apt-get install {package}"
    if CI:
        pytest.fail(f"{message} (CI=true: nothing may be skipped)")
    pytest.skip(message)


def pytest_configure(config: pytest.Config) -> None:
    if "harfbuzz-subset" in missing_tools() and not CI:
        # WeasyPrint warns that it will need the library; the PDFs are right without it.
        config.addinivalue_line(
            "filterwarnings", "ignore:HarfBuzz-Subset will be required:DeprecationWarning"
        )


def pytest_report_header(config: pytest.Config) -> list[str]:
    missing = missing_tools()
    if not missing:
        return []
    packages = " ".join(sorted({package for package, _ in missing.values()}))
    skipped = ", ".join(what for _, what in missing.values())
    verdict = "FAILING (CI=true)" if CI else "SKIPPING"
    return [
        f"!!! {verdict} {skipped}: missing {', '.join(missing)} — "
        f"run `sudo apt-get install {packages}` (or `make test` as root) !!!"
    ]


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


def _drop_the_test_database_even_if_a_session_is_left() -> None:
    """pytest-django drops each worker's PostgreSQL test database at the end; now and then
    one idle session is still connected (seen since the connection pool came in, never
    tracked down), the drop fails with "being accessed by other users", and that warning
    is now an error. When it happens, the sessions are written to
    var/test-sessions-left.log (application name = ``lienthong-test-<pid>``, start, last
    query) and the database is dropped WITH (FORCE), which ends them."""
    from django.db.backends.postgresql.creation import DatabaseCreation
    from django.db.utils import OperationalError

    drop = DatabaseCreation._destroy_test_db

    def destroy(self: DatabaseCreation, test_database_name: str, verbosity: int) -> None:
        try:
            drop(self, test_database_name, verbosity)
        except OperationalError as exc:
            if "being accessed by other users" not in str(exc):
                raise
            from django.conf import settings

            name = self.connection.ops.quote_name(test_database_name)
            with self._nodb_cursor() as cursor:
                cursor.execute(
                    "SELECT pid, application_name, backend_start, state, left(query, 200) "
                    "FROM pg_stat_activity WHERE datname = %s",
                    [test_database_name],
                )
                with (Path(settings.VAR_DIR) / "test-sessions-left.log").open("a") as log:
                    log.writelines(f"{test_database_name}\t{row}\n" for row in cursor.fetchall())
                cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")

    DatabaseCreation._destroy_test_db = destroy  # type: ignore[method-assign]


_drop_the_test_database_even_if_a_session_is_left()


@pytest.fixture(autouse=True)
def _fresh_memoizes() -> Iterator[None]:
    """Each test starts without lookups remembered from rows another test rolled back."""
    memo.clear()
    yield
    memo.clear()


@pytest.fixture(autouse=True)
def _vietnamese_by_default() -> Iterator[None]:
    """Each test starts in the site's language: a request answered in English (the
    language menu, an Accept-Language header) leaves its thread in English otherwise."""
    from django.utils import translation

    translation.activate("vi")
    yield
    translation.activate("vi")


@pytest.fixture(autouse=True)
def public_url(request: pytest.FixtureRequest, settings: Any) -> str:
    """The site's public address (PUBLIC_URL) and its OpenID provider's issuer: the live
    server's in a test that runs one, else the test client's ``http://testserver``. The
    portal builds no address from a request's Host, so they must name where it answers."""
    if "live_server" in request.fixturenames:
        url = str(request.getfixturevalue("live_server").url)
    else:
        url = "http://testserver"
    settings.PUBLIC_URL = url
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": f"{url}/oidc"}
    return url


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

    def register(
        name: str, *, topics: list[str], batch: bool = False, size: int = 0
    ) -> Callable[..., Callable[..., None]]:
        added.append(name)
        if batch:
            return outbox.batch_consumer(name, topics=topics, size=size)
        return outbox.consumer(name, topics=topics)

    yield register
    for name in added:
        outbox._consumers.pop(name, None)
