"""Probes: /healthz says the process is up, /readyz that it can serve."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO

PROBE = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.test import Client
    c = Client()
    for path in ("/healthz", "/readyz"):
        r = c.get(path)
        print(json.dumps({"path": path, "status": r.status_code, "body": json.loads(r.content)}))
    """
)


@pytest.mark.django_db
def test_ready_when_the_database_is_reachable_and_migrated(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def _probe(database_url: str) -> tuple[dict, dict]:
    """GET /healthz and /readyz in a fresh process configured with ``database_url``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lienthong.settings_test",
        "DATABASE_URL": database_url,
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    health, ready = (json.loads(line) for line in out.strip().splitlines())
    return health, ready


def test_readyz_fails_when_the_database_is_unreachable():
    health, ready = _probe("postgres://postgres@127.0.0.1:1/nowhere")
    assert health["status"] == 200
    assert ready["status"] == 503
    assert ready["body"]["code"] == "not-ready"
    assert "unreachable" in ready["body"]["detail"]


def test_readyz_fails_when_migrations_are_pending(tmp_path):
    _, ready = _probe(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert ready["status"] == 503
    assert "pending" in ready["body"]["detail"]
