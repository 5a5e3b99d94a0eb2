"""Load benchmark of dossier submission and workflow actions on PostgreSQL.

Starts ``lienthong serve`` with several worker processes on a scratch PostgreSQL
database and drives it over HTTP from this process (asyncio + httpx):

1. the highest submission rate with < 1% errors (closed loop, rising concurrency);
2. latency at an offered 300 submissions/s (open loop);
3. workflow actions per second (clerks receiving the submitted dossiers);
4. pgbench's built-in ``simple-update`` on the same server, for scale.

Ends with one JSON line: ``submissions_per_s``, ``p99_ms_at_300_per_s``,
``actions_per_s``, ``pgbench_tps``, ``ratio_to_pgbench``.

    .venv/bin/python bench/dossier_load.py [--workers 3] [--seconds 15]
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
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HOME = "13786"  # Xã Liên Minh, Ninh Bình (the demo commune)
BODY = {
    "procedure": "1.001193",
    "competent_unit": HOME,
    "channel": "online",
    "files": [
        {
            "component": "Tờ khai đăng ký khai sinh",
            "name": "to-khai.pdf",
            "content_base64": base64.b64encode(PDF).decode(),
        }
    ],
}


def _pct(values: list[float], p: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=1000)[int(p * 10) - 1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _recreate(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def _prepare(env: dict[str, str], n_users: int) -> tuple[list[str], str]:
    """Schema, reference data, demo accounts; bearer tokens for citizens and a clerk."""
    lienthong = str(Path(sys.executable).parent / "lienthong")
    for args in (["migrate", "-v0"], ["load-reference-data"], ["seed"]):
        subprocess.run([lienthong, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lienthong.settings"
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    from lienthong.accounts.models import User

    app = Application.objects.create(
        name="bench",
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris="http://127.0.0.1/cb",
        algorithm="RS256",
    )
    expires = timezone.now() + timedelta(hours=2)
    users = User.objects.bulk_create(
        User(username=f"tai-{i}", pin=f"0371900{i:05d}", full_name=f"Người nộp {i}")
        for i in range(n_users)
    )
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


async def _closed_loop(
    base: str, tokens: list[str], concurrency: int, seconds: float, codes: list[str]
) -> tuple[int, int, list[float], float]:
    ok = errors = 0
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def worker(w: int) -> None:
            nonlocal ok, errors
            i = w
            while time.perf_counter() < stop:
                token = tokens[i % len(tokens)]
                i += concurrency
                t0 = time.perf_counter()
                try:
                    r = await client.post(
                        "/api/v1/dossiers",
                        json=BODY,
                        headers={
                            "Authorization": f"Bearer {token}",
                            "Idempotency-Key": secrets.token_hex(8),
                        },
                    )
                    good = r.status_code == 201
                except httpx.HTTPError:
                    good = False
                latencies.append((time.perf_counter() - t0) * 1000)
                if good:
                    ok += 1
                    codes.append(r.json()["code"])
                else:
                    errors += 1
                    if errors == 1:
                        print(
                            "  first error:",
                            getattr(r, "status_code", "?"),
                            getattr(r, "text", "")[:300] if "r" in dir() else "",
                        )

        started = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        elapsed = time.perf_counter() - started
    return ok, errors, latencies, elapsed


async def _open_loop(
    base: str, tokens: list[str], rate: float, seconds: float, codes: list[str]
) -> tuple[int, int, list[float]]:
    ok = errors = 0
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=400)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def one(i: int) -> None:
            nonlocal ok, errors
            t0 = time.perf_counter()
            try:
                r = await client.post(
                    "/api/v1/dossiers",
                    json=BODY,
                    headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"},
                )
                good = r.status_code == 201
            except httpx.HTTPError:
                good = False
            latencies.append((time.perf_counter() - t0) * 1000)
            if good:
                ok += 1
                codes.append(r.json()["code"])
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
    return ok, errors, latencies


async def _actions(
    base: str, clerk_token: str, codes: list[str], concurrency: int, seconds: float
) -> tuple[int, int, float]:
    ok = errors = 0
    queue = list(codes)
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def worker() -> None:
            nonlocal ok, errors
            while queue and time.perf_counter() < stop:
                code = queue.pop()
                r = await client.post(
                    f"/api/v1/dossiers/{code}/actions/receive",
                    json={},
                    headers={"Authorization": f"Bearer {clerk_token}"},
                )
                if r.status_code == 200:
                    ok += 1
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return ok, errors, elapsed


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    admin = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    db_url = _recreate(admin, "bench_dossier_load")
    var = tempfile.mkdtemp(prefix="lienthong-load-")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "LIENTHONG_VAR_DIR": var,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_MAX_SIZE": "12",  # per worker process: 3 × 12 stays under max_connections
    }
    tokens, clerk_token = _prepare(env, args.users)
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "lienthong"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(Path(var) / "server.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    codes: list[str] = []
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        asyncio.run(_closed_loop(base, tokens, 4, 3, []))  # warm up every worker
        best = (0.0, 0, 0, [], 0)
        for concurrency in (8, 16, 32, 64):
            ok, errors, lat, elapsed = asyncio.run(
                _closed_loop(base, tokens, concurrency, args.seconds, codes)
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
        ok, errors, lat300 = asyncio.run(_open_loop(base, tokens, 300, args.seconds, codes))
        print(
            f"open loop at 300/s: {ok} ok, {errors} errors, p50 {_pct(lat300, 50):.0f} ms, "
            f"p99 {_pct(lat300, 99):.0f} ms"
        )
        done, failed, elapsed = asyncio.run(_actions(base, clerk_token, codes, 16, args.seconds))
        actions_per_s = done / elapsed
        print(f"workflow actions (receive): {actions_per_s:.0f}/s, {failed} failed")
    finally:
        server.terminate()
        server.wait(timeout=30)
    tps = _pgbench(admin, int(args.seconds))
    print(f"pgbench simple-update (8 clients): {tps:.0f} tps")
    print(
        json.dumps(
            {
                "submissions_per_s": round(best[0], 1),
                "best_concurrency": best[1],
                "p99_ms_at_300_per_s": round(_pct(lat300, 99), 1),
                "errors_at_300_per_s": errors,
                "actions_per_s": round(actions_per_s, 1),
                "pgbench_tps": round(tps, 1),
                "ratio_to_pgbench": round(best[0] / tps, 3) if tps else None,
                "workers": args.workers,
            }
        )
    )


if __name__ == "__main__":
    main()
