"""Load benchmark of dossier submission and workflow actions on PostgreSQL.

Starts ``lienthong serve`` with several worker processes on a scratch PostgreSQL
database and drives it over HTTP from this process (asyncio, a minimal keep-alive client):

1. the highest submission rate with < 1% errors (closed loop, rising concurrency);
2. latency at an offered 300 submissions/s (open loop);
3. workflow actions per second (clerks receiving the submitted dossiers);
4. pgbench's built-in ``simple-update`` on the same server, for scale.

Ends with one JSON line: ``submissions_per_s``, ``p99_ms_at_300_per_s``,
``actions_per_s``, ``pgbench_tps``, ``ratio_to_pgbench``.

    .venv/bin/python bench/dossier_load.py [--workers 2] [--threads 4] [--seconds 15]
        [--storage both|local|s3]
    (PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres by default)
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import Connection as _Connection
from _setup import pct as _pct
from _setup import recreate_database as _recreate
from _setup import s3_store, served

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HOME = "13786"  # Xã Liên Minh, Ninh Bình (the demo commune)


def _body() -> bytes:
    """A birth registration with its declaration form: a PDF unlike any other, so every
    submission stores a file of its own as a real one would."""
    pdf = PDF + b"%" + secrets.token_hex(16).encode() + b"\n"
    return json.dumps(
        {
            "procedure": "1.001193",
            "competent_unit": HOME,
            "channel": "online",
            "files": [
                {
                    "component": "Tờ khai đăng ký khai sinh",
                    "name": "to-khai.pdf",
                    "content_base64": base64.b64encode(pdf).decode(),
                }
            ],
        }
    ).encode()


def _prepare(env: dict[str, str], n_users: int, reuse: bool) -> tuple[list[str], str]:
    """Schema, reference data, demo accounts; bearer tokens for citizens and a clerk."""
    lienthong = str(Path(sys.executable).parent / "lienthong")
    for args in (["migrate", "-v0"], ["load-reference-data"], ["seed"]):
        if not reuse or args[0] == "migrate":
            subprocess.run([lienthong, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lienthong.settings"
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    from lienthong.accounts.models import User

    app, _ = Application.objects.get_or_create(
        name="bench",
        defaults={
            "client_type": "public",
            "authorization_grant_type": "authorization-code",
            "redirect_uris": "http://127.0.0.1/cb",
            "algorithm": "RS256",
        },
    )
    expires = timezone.now() + timedelta(hours=2)
    User.objects.bulk_create(
        (
            User(username=f"tai-{i}", pin=f"0371900{i:05d}", full_name=f"Người nộp {i}")
            for i in range(n_users)
        ),
        ignore_conflicts=True,
    )
    users = User.objects.filter(username__startswith="tai-").order_by("pk")[:n_users]
    tokens = []
    for u in users:
        t = secrets.token_urlsafe(24)
        AccessToken.objects.create(user=u, token=t, application=app, expires=expires, scope="api")
        tokens.append(t)
    clerk = User.objects.get(username="036190002345")
    clerk_token = secrets.token_urlsafe(24)
    AccessToken.objects.create(
        user=clerk, token=clerk_token, application=app, expires=expires, scope="api"
    )
    return tokens, clerk_token


async def _submit(conn: _Connection, token: str, key: bool) -> tuple[bool, str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = secrets.token_hex(8)
    t0 = time.perf_counter()
    try:
        status, content = await conn.post("/api/v1/dossiers", _body(), headers)
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        return False, repr(exc), (time.perf_counter() - t0) * 1000
    elapsed = (time.perf_counter() - t0) * 1000
    if status != 201:
        return False, f"{status} {content[:300]!r}", elapsed
    return True, json.loads(content)["code"], elapsed


async def _closed_loop(
    host: str, port: int, tokens: list[str], concurrency: int, seconds: float, codes: list[str]
) -> tuple[int, int, list[float], float]:
    ok = errors = 0
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker(w: int) -> None:
        nonlocal ok, errors
        conn = _Connection(host, port)
        i = w
        while time.perf_counter() < stop:
            good, result, ms = await _submit(conn, tokens[i % len(tokens)], key=True)
            i += concurrency
            latencies.append(ms)
            if good:
                ok += 1
                codes.append(result)
            else:
                errors += 1
                if errors == 1:
                    print("  first error:", result)
        await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return ok, errors, latencies, time.perf_counter() - started


async def _open_loop(
    host: str, port: int, tokens: list[str], rate: float, seconds: float, codes: list[str]
) -> tuple[int, int, list[float]]:
    """Requests start on schedule whatever the server does (no coordinated omission);
    each takes an idle keep-alive connection or opens a new one."""
    ok = errors = 0
    latencies: list[float] = []
    idle: list[_Connection] = []

    async def one(i: int) -> None:
        nonlocal ok, errors
        conn = idle.pop() if idle else _Connection(host, port)
        good, result, ms = await _submit(conn, tokens[i % len(tokens)], key=False)
        latencies.append(ms)
        idle.append(conn)
        if good:
            ok += 1
            codes.append(result)
        else:
            errors += 1

    tasks = []
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    for conn in idle:
        await conn.close()
    return ok, errors, latencies


async def _actions(
    host: str, port: int, clerk_token: str, codes: list[str], concurrency: int, seconds: float
) -> tuple[int, int, float]:
    ok = errors = 0
    queue = list(codes)
    stop = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {clerk_token}"}

    async def worker() -> None:
        nonlocal ok, errors
        conn = _Connection(host, port)
        while queue and time.perf_counter() < stop:
            code = queue.pop()
            try:
                status, _ = await conn.post(
                    f"/api/v1/dossiers/{code}/actions/receive", b"{}", headers
                )
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status = 0
            if status == 200:
                ok += 1
            else:
                errors += 1
        await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok, errors, time.perf_counter() - started


def _pgbench(admin_url: str, seconds: int) -> float:
    url = _recreate(admin_url, "bench_pgbench")
    subprocess.run(
        ["pgbench", "-i", "-s", "10", "-q", url],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out = subprocess.run(
        ["pgbench", "-b", "simple-update", "-c", "8", "-j", "2", "-T", str(seconds), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    return float(match[1]) if match else 0.0


def _run(args: argparse.Namespace, extra_env: dict[str, str]) -> dict[str, object]:
    """One measurement on a fresh database: closed loop, open loop at 300/s, actions."""
    admin = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = "bench_dossier_load"
    db_url = admin.rsplit("/", 1)[0] + "/" + name if args.reuse else _recreate(admin, name)
    var = tempfile.mkdtemp(prefix="lienthong-load-")
    env = {
        **os.environ,
        **extra_env,
        "DATABASE_URL": db_url,
        "LIENTHONG_VAR_DIR": var,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_MAX_SIZE": str(args.threads + 2),  # a connection for every thread
    }
    tokens, clerk_token = _prepare(env, args.users, args.reuse)
    host = "127.0.0.1"
    codes: list[str] = []
    serve = ("--workers", str(args.workers), "--threads", str(args.threads))
    with (Path(var) / "server.log").open("wb") as log, served(*serve, env=env, log=log) as port:
        asyncio.run(_closed_loop(host, port, tokens, 4, 3, []))  # warm up every worker
        best = (0.0, 0, 0, [], 0)
        for concurrency in (8, 16, 32, 64):
            ok, errors, lat, elapsed = asyncio.run(
                _closed_loop(host, port, tokens, concurrency, args.seconds, codes)
            )
            rate = ok / elapsed
            error_rate = errors / max(ok + errors, 1)
            print(
                f"closed loop, {concurrency} clients: {rate:.0f} submissions/s, "
                f"p50 {_pct(lat, 50):.0f} ms, p99 {_pct(lat, 99):.0f} ms, "
                f"errors {100 * error_rate:.2f}%"
            )
            if error_rate < 0.01 and rate > best[0]:
                best = (rate, concurrency, errors, lat, elapsed)
        ok, errors, lat300 = asyncio.run(_open_loop(host, port, tokens, 300, args.seconds, codes))
        print(
            f"open loop at 300/s: {ok} ok, {errors} errors, p50 {_pct(lat300, 50):.0f} ms, "
            f"p99 {_pct(lat300, 99):.0f} ms"
        )
        done, failed, elapsed = asyncio.run(
            _actions(host, port, clerk_token, codes, 16, args.seconds)
        )
        actions_per_s = done / elapsed
        print(
            f"workflow actions through the engine (receive): {actions_per_s:.0f}/s, {failed} failed"
        )
    return {
        "submissions_per_s": round(best[0], 1),
        "best_concurrency": best[1],
        "p99_ms_at_300_per_s": round(_pct(lat300, 99), 1),
        "errors_at_300_per_s": errors,
        "actions_per_s": round(actions_per_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per server process")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of the previous run"
    )
    parser.add_argument(
        "--storage",
        choices=["both", "local", "s3"],
        default="both",
        help="files on the local disk, on an S3 object store (rclone serve s3), or both "
        "runs one after the other (the default)",
    )
    args = parser.parse_args()
    if args.storage == "both":
        # Each run in its own process: Django is set up once per process and database.
        runs = {}
        for storage in ("local", "s3"):
            print(f"--- files: {storage}", flush=True)
            argv = [a for a in sys.argv[1:] if not a.startswith("--storage")]
            out = subprocess.run(
                [sys.executable, __file__, *argv, "--storage", storage],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            print(out, end="")
            runs[storage] = json.loads(out.strip().splitlines()[-1])
        admin = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        tps = _pgbench(admin, int(args.seconds))
        print(f"pgbench simple-update (8 clients): {tps:.0f} tps")
        print(
            json.dumps(
                {
                    "local_files": runs["local"],
                    "object_store": runs["s3"],
                    "pgbench_tps": round(tps, 1),
                    "ratio_to_pgbench": round(runs["local"]["submissions_per_s"] / tps, 3)
                    if tps
                    else None,
                    "workers": args.workers,
                    "threads": args.threads,
                }
            )
        )
        return
    if args.storage == "s3":
        with s3_store(Path(tempfile.mkdtemp(prefix="lienthong-s3-"))) as store:
            result = _run(args, store)
    else:
        result = _run(args, {})
    print(json.dumps({"storage": args.storage, **result}))


if __name__ == "__main__":
    main()
