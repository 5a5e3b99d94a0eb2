# ruff: noqa: S608  the SQL below is built from this file's constants only
"""Where the index's rollups should live: PostgreSQL, or an embedded columnar engine
(DuckDB) beside it — measured on the database ``bench/dashboard.py`` left
(``bench_dashboard``, its 2,000,000 dossiers and their rollups; run that first).

1. PostgreSQL: the national ranking's one query over the rollups (sums per province for
   a year, the query ``steering.scorecard.ranking`` issues), and the whole ranking as
   the API computes it (34 provinces, this period and the one before) — p50 / p95;
   the naive ``GROUP BY`` over the dossiers (``bench/dashboard.py``'s) — median;
2. DuckDB (in memory): the time to copy the rollups and the dossiers' columns out of
   PostgreSQL (what keeping it beside PostgreSQL costs each time it is refreshed), then
   the same sums over the copied rollups and the naive query over the copied dossiers —
   p50 / p95.

Progress goes to stderr; stdout gets one JSON line: ``dossiers``, ``cells``,
``pg_rollup_p50_ms``, ``pg_rollup_p95_ms``, ``pg_ranking_p50_ms``, ``pg_ranking_p95_ms``,
``pg_naive_ms``, ``duckdb_load_s``, ``duckdb_rollup_p50_ms``, ``duckdb_rollup_p95_ms``,
``duckdb_naive_p50_ms``, ``duckdb_naive_p95_ms``.

    .venv/bin/python bench/dashboard_duckdb.py [--runs 30] [--period 2026]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import pct
from dashboard import NAIVE_SQL

COLUMNS = (
    "dossiers",
    "late",
    "overdue_open",
    "finished",
    "handling_seconds",
    "filed_online",
    "online",
    "fee_dossiers",
    "paid_online",
    "with_result",
    "electronic_result",
    "eid",
)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _timed(fn: object, runs: int) -> list[float]:
    out = []
    for _i in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _copy_out(connection: object, select: str, path: Path) -> None:
    """``select``'s rows as CSV in ``path`` (PostgreSQL's COPY, streamed)."""
    sql = f"COPY ({select}) TO STDOUT (FORMAT csv, HEADER)"
    with (
        connection.cursor() as cursor,  # type: ignore[attr-defined]
        path.open("wb") as out,
        cursor.copy(sql) as copy,
    ):
        for chunk in copy:
            out.write(chunk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--period", default=str(dt.date.today().year))
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bench_dashboard"
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("LIENTHONG_VAR_DIR", tempfile.mkdtemp(prefix="lienthong-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "lienthong.settings"
    from lienthong.core import instance

    instance.initialise(os.environ)
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Q
    from django.utils import timezone

    from lienthong.steering import scorecard
    from lienthong.steering.models import Cell

    period = scorecard.parse_period(args.period)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dossiers_dossier")
        dossiers = cursor.fetchone()[0]
    cells = Cell.objects.count()
    _say(f"{dossiers:,} dossiers, {cells:,} cells; period {period.text}")

    # 1. PostgreSQL.
    def pg_rollup() -> None:
        scorecard._grouped("province_id", Q(), period)

    def pg_ranking() -> None:
        scorecard.ranking(scorecard.NATION, period)

    pg_rollup()
    rollup_ms = _timed(pg_rollup, args.runs)
    pg_ranking()
    ranking_ms = _timed(pg_ranking, max(5, args.runs // 3))
    start = timezone.make_aware(dt.datetime.combine(period.start, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(period.end, dt.time()))

    def pg_naive() -> None:
        with connection.cursor() as cursor:
            cursor.execute(NAIVE_SQL, [start, end])
            cursor.fetchall()

    naive_ms = _timed(pg_naive, 3)
    _say(
        f"PostgreSQL: rollup query p95 {pct(rollup_ms, 95):.1f} ms, ranking p95 "
        f"{pct(ranking_ms, 95):.0f} ms, naive {statistics.median(naive_ms):.0f} ms"
    )

    # 2. DuckDB beside it: copy out, then the same questions.
    db = duckdb.connect()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        cell_csv = Path(tmp) / "cells.csv"
        dossier_csv = Path(tmp) / "dossiers.csv"
        cols = ", ".join(("month", "province_id", "commune_id", "procedure_code", *COLUMNS))
        dossier_cols = (
            "province_id, received_at, status, channel, due_at, finished_at, overdue, "
            "supplement_count, supplement_hours, fee_total, paid_online, electronic_result, "
            "eid_authenticated"
        )
        _copy_out(connection, f"SELECT {cols} FROM steering_cell", cell_csv)
        _copy_out(
            connection,
            f"SELECT {dossier_cols} FROM dossiers_dossier WHERE received_at IS NOT NULL",
            dossier_csv,
        )
        db.execute(f"CREATE TABLE cell AS SELECT * FROM read_csv_auto('{cell_csv}')")
        db.execute(f"CREATE TABLE dossier AS SELECT * FROM read_csv_auto('{dossier_csv}')")
    load_s = time.perf_counter() - t0
    _say(f"DuckDB: copied out and loaded in {load_s:.1f} s")
    sums = ", ".join(f"sum({c})" for c in COLUMNS)
    rollup_sql = (
        f"SELECT province_id, {sums}, count(DISTINCT procedure_code) FILTER (filed_online > 0) "
        "FROM cell WHERE month >= ? AND month < ? GROUP BY province_id"
    )
    naive_sql = (
        NAIVE_SQL.replace("%s", "?")
        .replace("d.province_id", "province_id")
        .replace("dossiers_dossier d", "dossier d")
        .replace(
            "extract(epoch FROM d.finished_at - d.received_at)",
            "epoch(d.finished_at) - epoch(d.received_at)",
        )
    )

    def duck_rollup() -> None:
        db.execute(rollup_sql, [period.start, period.end]).fetchall()

    def duck_naive() -> None:
        db.execute(naive_sql, [start.replace(tzinfo=None), end.replace(tzinfo=None)]).fetchall()

    duck_rollup()
    duck_rollup_ms = _timed(duck_rollup, args.runs)
    duck_naive()
    duck_naive_ms = _timed(duck_naive, max(5, args.runs // 3))
    _say(
        f"DuckDB: rollup query p95 {pct(duck_rollup_ms, 95):.1f} ms, naive p95 "
        f"{pct(duck_naive_ms, 95):.0f} ms"
    )
    print(
        json.dumps(
            {
                "dossiers": dossiers,
                "cells": cells,
                "period": period.text,
                "pg_rollup_p50_ms": round(pct(rollup_ms, 50), 1),
                "pg_rollup_p95_ms": round(pct(rollup_ms, 95), 1),
                "pg_ranking_p50_ms": round(pct(ranking_ms, 50), 1),
                "pg_ranking_p95_ms": round(pct(ranking_ms, 95), 1),
                "pg_naive_ms": round(statistics.median(naive_ms), 1),
                "duckdb_load_s": round(load_s, 1),
                "duckdb_rollup_p50_ms": round(pct(duck_rollup_ms, 50), 1),
                "duckdb_rollup_p95_ms": round(pct(duck_rollup_ms, 95), 1),
                "duckdb_naive_p50_ms": round(pct(duck_naive_ms, 50), 1),
                "duckdb_naive_p95_ms": round(pct(duck_naive_ms, 95), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
