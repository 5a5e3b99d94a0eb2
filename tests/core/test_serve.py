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
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert server.returncode == 0, out.decode(errors="replace")[-2000:]
