"""`lienthong serve`: the real web server (Granian, WSGI) answers over HTTP."""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.conftest import REPO

LIENTHONG = str(Path(sys.executable).parent / "lienthong")


@contextmanager
def _served(tmp_path: Path, *setup: list[str], serve: tuple[str, ...] = ()) -> Iterator[str]:
    """A migrated SQLite database in ``tmp_path``, the ``setup`` commands run on it, then
    ``lienthong serve`` on a free port until the block ends; yields the base URL. The
    server must stop cleanly (exit status 0) when terminated."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["LIENTHONG_VAR_DIR"] = str(tmp_path)
    for args in (["migrate", "-v0"], *setup):
        subprocess.run([LIENTHONG, *args], env=env, cwd=REPO, check=True, timeout=120)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [LIENTHONG, "serve", "--port", str(port), *serve],
        env={**env, "PUBLIC_URL": base},  # where the development issuer answers
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            out, _ = server.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            out, _ = server.communicate()
    assert server.returncode == 0, out.decode(errors="replace")[-2000:]


def test_serve_answers_with_two_processes_and_stops_cleanly(tmp_path):
    with _served(tmp_path, serve=("--workers", "2")) as base:
        ready = requests.get(f"{base}/readyz", timeout=10)
        assert ready.json() == {"status": "ready", "database": "ok", "migrations": "ok"}
        page = requests.get(f"{base}/thu-tuc/", timeout=10)
        assert page.status_code == 200
        assert "<h1>Thủ tục hành chính</h1>" in page.text


def test_a_person_logs_in_through_the_development_issuer_of_the_same_server(tmp_path):
    """The login callback calls the token endpoint of the server it runs on: with the
    default threads a single process must answer both (it hung with one thread)."""
    person = (
        "from lienthong.accounts.models import User; "
        "u = User(username='037090009999', pin='037090009999', full_name='Lê Thị Thu'); "
        "u.set_password('LienThong@2026'); u.save()"
    )
    with _served(
        tmp_path,
        ["load-reference-data", "--only", "accounts.portal_client"],
        ["shell", "-c", person],
    ) as base:
        browser = requests.Session()
        page = browser.get(f"{base}/dang-nhap/oidc/thu-nghiem/?next=/api/v1/me", timeout=20)
        done = browser.post(
            page.url,
            data={
                "csrfmiddlewaretoken": re.search(
                    r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text
                )[1],
                "next": html.unescape(re.search(r'name="next" value="([^"]*)"', page.text)[1]),
                "username": "037090009999",
                "password": "LienThong@2026",
            },
            headers={"Referer": page.url},
            timeout=20,
        )
        assert done.status_code == 200, done.text[:300]
        assert done.json()["pin"] == "037090009999"


def test_a_server_on_a_busy_port_stops_with_one_line(tmp_path):
    """A second instance on a port in use would answer requests at random from another
    database: serve and demo refuse it at once, before preparing anything."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["LIENTHONG_VAR_DIR"] = str(tmp_path)
    subprocess.run([LIENTHONG, "init"], env=env, cwd=REPO, check=True, timeout=120)
    with socket.socket() as other:
        # Another server, bound the way Granian binds (port reuse on).
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = str(other.getsockname()[1])
        for command in (["serve"], ["demo"]):
            done = subprocess.run(
                [LIENTHONG, *command, "--port", port],
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 2, done
            assert done.stdout == "", done.stdout
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1, lines
            assert f"Cổng {port}" in lines[0]
            assert "--port" in lines[0]
    assert not (tmp_path / "lienthong.sqlite3").exists()  # demo prepared nothing
