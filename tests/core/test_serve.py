"""`lienthong serve`: the real web server (Granian, WSGI) answers over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import REPO


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(server: subprocess.Popen[bytes]) -> str:
    server.terminate()
    try:
        out, _ = server.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        server.kill()
        out, _ = server.communicate()
    return out.decode(errors="replace")


def test_serve_answers_with_two_processes_and_stops_cleanly(tmp_path):
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["LIENTHONG_VAR_DIR"] = str(tmp_path)
    lienthong = str(Path(sys.executable).parent / "lienthong")
    subprocess.run([lienthong, "migrate", "-v0"], env=env, cwd=REPO, check=True, timeout=120)
    server = subprocess.Popen(
        [lienthong, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = b""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    body = r.read()
                    break
            except OSError:
                time.sleep(0.2)
        assert json.loads(body) == {"status": "ready", "database": "ok", "migrations": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/thu-tuc/", timeout=10) as r:
            page = r.read().decode()
        assert r.status == 200
        assert "<h1>Thủ tục hành chính</h1>" in page
    finally:
        out = _stop(server)
    assert server.returncode == 0, out[-2000:]


def test_a_person_logs_in_through_the_development_issuer_of_the_same_server(tmp_path):
    """The login callback calls the token endpoint of the server it runs on: with the
    default threads a single process must answer both (it hung with one thread)."""
    import html
    import re

    import requests

    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["LIENTHONG_VAR_DIR"] = str(tmp_path)
    lienthong = str(Path(sys.executable).parent / "lienthong")
    subprocess.run([lienthong, "migrate", "-v0"], env=env, cwd=REPO, check=True, timeout=120)
    subprocess.run(
        [lienthong, "load-reference-data", "--only", "accounts.portal_client"],
        env=env,
        cwd=REPO,
        check=True,
        timeout=60,
    )
    subprocess.run(
        [
            lienthong,
            "shell",
            "-c",
            "from lienthong.accounts.models import User; "
            "u = User(username='037090009999', pin='037090009999', full_name='Lê Thị Thu'); "
            "u.set_password('LienThong@2026'); u.save()",
        ],
        env=env,
        cwd=REPO,
        check=True,
        timeout=60,
    )
    server = subprocess.Popen(
        [lienthong, "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        browser = requests.Session()
        page = browser.get(f"{base}/dang-nhap/oidc/thu-nghiem/?next=/api/v1/me", timeout=20)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        nxt = html.unescape(re.search(r'name="next" value="([^"]*)"', page.text)[1])
        done = browser.post(
            page.url,
            data={
                "csrfmiddlewaretoken": csrf,
                "next": nxt,
                "username": "037090009999",
                "password": "LienThong@2026",
            },
            headers={"Referer": page.url},
            timeout=20,
        )
        assert done.status_code == 200, done.text[:300]
        assert done.json()["pin"] == "037090009999"
    finally:
        out = _stop(server)
    assert server.returncode == 0, out[-2000:]
