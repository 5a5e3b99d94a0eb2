"""Logged lookups through the data-sharing gateway, against a direct query.

On a scratch PostgreSQL database (``PG_ADMIN_URL``, default the local server):

1. ``lienthong seed --registries --persons N`` (timed: ``generate_s``);
2. a system of a commune with a grant of the population registry's ``person`` service
   gets a token with client credentials; ``lienthong serve`` (2 processes × 4 threads)
   answers ``GET /api/v1/data-services/person?id=<PIN>&purpose=…`` for random persons
   from keep-alive clients for ``--seconds``: each answer checked the grant and wrote
   its access-log row before it left (``single_lookups_per_s``); then the same with
   ``POST /api/v1/data-services/person/batch`` calls of ``--batch`` persons, each person
   logged as a single call would be (``logged_lookups_per_s``: persons answered and
   logged per second);
3. the same table read directly by primary key (``SELECT data … WHERE registry_id = …
   AND key = …``) from as many client connections, no gateway, no log
   (``direct_per_s``); ``ratio`` is the gateway's share of the direct rate;
4. the citizen's tracker page ``/du-lieu-cua-toi/nhat-ky/`` p95 for persons with reads.

The last line is one JSON object: ``persons``, ``generate_s``, ``logged_lookups_per_s``,
``direct_per_s``, ``ratio``, ``batch_size``, ``batch_p50_ms``, ``batch_p99_ms``,
``single_lookups_per_s``, ``single_ratio``, ``lookup_p50_ms``, ``lookup_p99_ms``,
``tracker_p95_ms``.

    .venv/bin/python bench/registry_lookup.py --persons 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import psycopg

from _setup import Connection, free_port, pct, recreate_database, served

LIENTHONG = str(Path(sys.executable).parent / "lienthong")


def _prepare(env: dict[str, str], persons: int, reuse: bool) -> float:
    """Schema, reference data and N persons; the seconds the generation took."""
    subprocess.run([LIENTHONG, "migrate", "-v0"], env=env, check=True)
    if reuse:
        return 0.0
    subprocess.run(
        [LIENTHONG, "load-reference-data"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    started = time.perf_counter()
    subprocess.run(
        [LIENTHONG, "seed", "--registries", "--persons", str(persons)], env=env, check=True
    )
    return time.perf_counter() - started


def _consumer(env: dict[str, str]) -> tuple[str, str, list[str], list[str]]:
    """A system of the demo commune with a grant; (client id, secret, sample of PINs,
    citizens' usernames for the tracker)."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lienthong.settings"
    import django

    django.setup()
    import datetime as dt

    from lienthong.accounts.constants import Role
    from lienthong.accounts.services import add_official, create_api_client, ensure_user
    from lienthong.directory import selectors as directory
    from lienthong.registries.models import Record, Registry
    from lienthong.registries.services import grant_access

    admin = ensure_user(
        username="bench-admin", password=None, kind="official", is_staff=True, is_superuser=True
    )
    commune = directory.agencies_of_unit("13786").get(kind="people_committee")
    owner = Registry.objects.get(code="population").owner
    official = add_official(
        actor=admin,
        agency=owner,
        pin="001085007890",
        full_name="Chủ quản",
        roles=[Role.REGISTRY_OWNER],
    )
    creds = create_api_client(actor=admin, agency=commune, name="Một cửa điện tử (bench)")
    grant_access(
        actor=official,
        registry=Registry.objects.get(code="population"),
        consumer=commune,
        client_id=creds.client_id,
        services=["person"],
        fields=["pin", "full_name", "birth_date", "sex", "status"],
        purpose="Giải quyết thủ tục hành chính",
        legal_basis="Nghị định 47/2020/NĐ-CP",
        valid_from=dt.date(2025, 1, 1),
        per_minute=100_000,
    )
    total = Record.objects.filter(registry__code="population").count()
    rng = random.Random(7)
    ids = sorted(rng.sample(range(total), min(20_000, total)))
    pins = list(
        Record.objects.filter(registry__code="population")
        .order_by("id")
        .values_list("key", flat=True)[: ids[-1] + 1]
    )
    sample = [pins[i] for i in ids]
    return creds.client_id, creds.client_secret, sample, sample[:200]


def _token(port: int, client_id: str, secret: str) -> str:
    import urllib.request

    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/oidc/token/",
        data=b"grant_type=client_credentials",
        headers={"Authorization": f"Basic {basic}"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return str(json.loads(response.read())["access_token"])


async def _lookups(
    port: int, token: str, pins: list[str], clients: int, seconds: float, batch: int = 1
) -> tuple[int, int, list[float], float]:
    """Lookups answered (each logged) and failed, latencies of the calls, elapsed
    seconds; ``batch`` > 1: that many persons per ``POST …/batch`` call."""
    ok = errors = 0
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    purpose = "Giải quyết thủ tục hành chính"
    quoted = urllib.parse.quote(purpose)
    headers = {"Authorization": f"Bearer {token}"}
    posted = {**headers, "Content-Type": "application/json"}

    async def client(c: int) -> None:
        nonlocal ok, errors
        conn = Connection("127.0.0.1", port)
        i = c * batch
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            answered = 0
            try:
                if batch == 1:
                    pin = pins[i % len(pins)]
                    status, body = await conn.get(
                        f"/api/v1/data-services/person?id={pin}&purpose={quoted}", headers
                    )
                    answered = 1 if status == 200 else 0
                else:
                    ids = [pins[(i + k) % len(pins)] for k in range(batch)]
                    payload = json.dumps({"ids": ids, "purpose": purpose}).encode()
                    status, body = await conn.post(
                        "/api/v1/data-services/person/batch", payload, posted
                    )
                    if status == 200:
                        results = json.loads(body)["results"]
                        answered = sum(1 for r in results if r["answer"] is not None)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status, body = 0, b""
            i += clients * batch
            latencies.append((time.perf_counter() - t0) * 1000)
            ok += answered
            if answered < batch:
                errors += batch - answered
                if errors <= batch:
                    print(f"  first error: {status} {body[:200]!r}")
        await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in range(clients)))
    return ok, errors, latencies, time.perf_counter() - started


def _direct(db_url: str, pins: list[str], clients: int, seconds: float) -> float:
    """Primary-key reads of the same rows from ``clients`` threads, one connection each."""
    counts = [0] * clients

    def run(c: int) -> None:
        with psycopg.connect(db_url) as conn:
            registry = conn.execute(
                "SELECT id FROM registries_registry WHERE code = 'population'"
            ).fetchone()[0]
            stop = time.perf_counter() + seconds
            i = c
            while time.perf_counter() < stop:
                conn.execute(
                    "SELECT data FROM registries_record WHERE registry_id = %s AND key = %s",
                    (registry, pins[i % len(pins)]),
                    prepare=True,
                ).fetchone()
                conn.commit()
                i += clients
                counts[c] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def _tracker_p95(port: int, usernames: list[str]) -> float:
    """The tracker page of citizens whose data was read, logged in by session."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    # The page is measured in this process against the same database (the served
    # process would need a login flow); the query path is the same.
    del port
    user_model = get_user_model()
    times: list[float] = []
    client = Client()
    for pin in usernames[:100]:
        user, _ = user_model.objects.get_or_create(username=pin, defaults={"pin": pin})
        client.force_login(user)
        t0 = time.perf_counter()
        response = client.get("/du-lieu-cua-toi/nhat-ky/", HTTP_HOST="127.0.0.1")
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    return pct(times, 95)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per server process")
    parser.add_argument("--reuse", action="store_true", help="keep the previous run's persons")
    parser.add_argument("--batch", type=int, default=50, help="persons per batch call")
    args = parser.parse_args()
    admin = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = "bench_registry_lookup"
    db_url = admin.rsplit("/", 1)[0] + "/" + name if args.reuse else recreate_database(admin, name)
    var = tempfile.mkdtemp(prefix="lienthong-registry-")
    port = free_port()
    env = {
        # The platform's token endpoint answers at its public address only.
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        **os.environ,
        "DATABASE_URL": db_url,
        "LIENTHONG_VAR_DIR": var,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_MAX_SIZE": str(args.threads + 2),
    }
    subprocess.run([LIENTHONG, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    generate_s = _prepare(env, args.persons, args.reuse)
    print(f"generated {args.persons} persons in {generate_s:.1f} s", flush=True)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    client_id, secret, pins, citizens = _consumer(env)
    serve = ("--workers", str(args.workers), "--threads", str(args.threads))
    with (Path(var) / "server.log").open("wb") as log, served(*serve, env=env, log=log, port=port):
        token = _token(port, client_id, secret)
        asyncio.run(_lookups(port, token, pins, 4, 3))  # warm every worker
        ok, errors, lat, elapsed = asyncio.run(
            _lookups(port, token, pins, args.clients, args.seconds)
        )
        b_ok, b_errors, b_lat, b_elapsed = asyncio.run(
            _lookups(port, token, pins, args.clients, args.seconds, args.batch)
        )
    single = ok / elapsed
    logged = b_ok / b_elapsed
    print(
        f"single-person calls: {single:.0f} logged lookups/s over {args.clients} clients, "
        f"p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms, {errors} errors",
        flush=True,
    )
    print(
        f"batch calls of {args.batch}: {logged:.0f} logged lookups/s "
        f"({len(b_lat) / b_elapsed:.0f} calls/s), p50 {pct(b_lat, 50):.1f} ms, "
        f"p99 {pct(b_lat, 99):.1f} ms, {b_errors} errors",
        flush=True,
    )
    direct = _direct(db_url, pins, args.clients, min(args.seconds, 10))
    print(f"direct primary-key reads: {direct:.0f}/s", flush=True)
    tracker = _tracker_p95(port, citizens)
    print(f"tracker page p95: {tracker:.1f} ms", flush=True)
    print(
        json.dumps(
            {
                "persons": args.persons,
                "generate_s": round(generate_s, 1),
                "logged_lookups_per_s": round(logged, 1),
                "direct_per_s": round(direct, 1),
                "ratio": round(logged / direct, 3) if direct else None,
                "batch_size": args.batch,
                "batch_p50_ms": round(pct(b_lat, 50), 1),
                "batch_p99_ms": round(pct(b_lat, 99), 1),
                "single_lookups_per_s": round(single, 1),
                "single_ratio": round(single / direct, 3) if direct else None,
                "lookup_p50_ms": round(pct(lat, 50), 1),
                "lookup_p99_ms": round(pct(lat, 99), 1),
                "lookup_errors": errors + b_errors,
                "tracker_p95_ms": round(tracker, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
