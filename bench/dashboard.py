"""The service index of Decision 766 from the rollups, at a nation's volume.

On a scratch PostgreSQL database (``PG_ADMIN_URL``, default the local server; the database
``bench_dashboard``, made anew unless ``--reuse``):

1. reference data, then ``--dossiers`` generated dossiers (``lienthong seed --dossiers``: a
   year of history over the provinces' communes; ``--reuse`` keeps the previous run's and
   adds only what is missing), then the rollups recomputed from them
   (``steering.rollup.rebuild``, after ``ANALYZE`` of the dossier tables) and ``ANALYZE``
   — ``rebuild_s``, ``rebuild_held_s`` (how long of it the events waited), ``cells``
   (``--no-rebuild`` with ``--reuse`` keeps the rollups);
2. the dashboard's API as a national viewer (the role ``steering_viewer`` at a central
   agency) sees it, in-process through Django's test client: ``GET
   /api/v1/steering/index`` of the nation, of Ninh Bình (``province:37``) and of Bộ Công
   an (``agency:000.00.00.G01``, its 3,355 police offices added up) and ``GET
   /api/v1/steering/ranking`` of the nation's provinces and of its ministries
   (``of=agencies``), for the current quarter and the current year, ``--requests`` each
   after warm-up — p50 / p95;
3. the naive way: the same counters (received, late, finished and their handling time,
   online, fees and fees paid online, results and electronic results, e-ID) counted from
   the dossiers, one ``GROUP BY`` province over ``dossiers_dossier`` for the period
   (median of ``--naive-runs``) — ``naive_ms``; its national totals must equal the API's;
4. freshness, over an outbox that already holds ``--history`` events taken by the
   rollups (as months of work leave it; added once, ``history_s``), after the
   dispatcher's cursors have passed them: ``--writers`` threads change random received
   dossiers of the current quarter (their ``overdue`` flag flipped) with a
   ``dossier.overdue`` outbox event in the same transaction, ``--rate`` events/s for
   ``--seconds``, while the outbox dispatcher runs in another process
   (``run_dispatcher``, as ``lienthong worker`` runs it); each event's delay from its
   commit until the ``steering.rollup`` consumer's delivery is visible —
   ``freshness_p50_s`` / ``freshness_p95_s``; afterwards the touched dossiers' facts are
   checked against their measures and their cells against their facts.

Progress goes to stderr; stdout gets one line, a JSON object: ``dossiers``, ``cells``,
``generate_s``, ``rebuild_s``, ``rebuild_held_s``, ``analyze_s``, ``national_p50_ms``,
``national_p95_ms``, ``province_p50_ms``, ``province_p95_ms``, ``ranking_p50_ms``,
``ranking_p95_ms``, ``agencies_p95_ms``, ``ministry_p95_ms``, ``naive_ms``, ``speedup``
(``naive_ms`` ÷ ``national_p95_ms``),
``freshness_p50_s``, ``freshness_p95_s``, ``events``, ``events_per_s``, ``unseen``,
``consistent``, and ``by_period`` (the same figures for the quarter and the year). The
headline figures are the current year's (the most cells and dossiers to add up).

    .venv/bin/python bench/dashboard.py --dossiers 2000000 [--reuse]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import pct, recreate_database

LIENTHONG = str(Path(sys.executable).parent / "lienthong")
NAME = "bench_dashboard"
CENTRAL = "000.00.00.G22"  # a central agency: its steering viewer watches the nation
PUBLIC_SECURITY = "000.00.00.G01"  # Bộ Công an: its index adds up 3,355 police offices
NINH_BINH = "37"
ROLLUP = "steering.rollup"
#: Outbox ids the freshness poller looks back over (see ``_poller``).
MARGIN = 1000


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lienthong.settings"
    import django

    django.setup()


def _database(admin: str, name: str, reuse: bool) -> str:
    """The bench's own database: made anew, or kept with ``reuse`` (made when missing)."""
    if name in ("postgres", "template0", "template1") or name == "test" or name.startswith("test_"):
        raise SystemExit(f"refusing to use the database {name!r}: it is not the bench's")
    if not reuse:
        return recreate_database(admin, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    return admin.rsplit("/", 1)[0] + "/" + name


def _prepare(env: dict[str, str]) -> None:
    """Instance keys, schema and reference data (kept as they are when loaded before)."""
    for command in (["init"], ["migrate", "-v0"], ["load-reference-data"]):
        _say(f"lienthong {' '.join(command)} …")
        subprocess.run([LIENTHONG, *command], env=env, check=True, stdout=sys.stderr)


def _generate(wanted: int) -> tuple[int, float]:
    """At least ``wanted`` dossiers; (how many there are, seconds spent generating)."""
    from lienthong.dossiers.generator import generate
    from lienthong.dossiers.models import Dossier

    have = Dossier.objects.count()
    if have >= wanted:
        return have, 0.0
    _say(f"generating {wanted - have} dossiers ({have} already) …")
    started = time.perf_counter()
    result = generate(wanted - have, seed=20250701 + have)
    took = time.perf_counter() - started
    _say(f"  {result.summary}")
    return Dossier.objects.count(), took


def _rebuild() -> tuple[float, float, int, float]:
    """The rollups recomputed, then ANALYZE; (rebuild seconds, analyze seconds, cells)."""
    from django.db import connection

    from lienthong.steering import rollup

    # Statistics of the freshly loaded tables first (this server may run without
    # autovacuum): without them the planner answers the measures' "first submit event of
    # the dossier" subquery by walking the events' primary key, millions of rows per
    # dossier, and the rebuild of 2,000,000 dossiers does not end.
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE dossiers_dossier, dossiers_dossierevent, dossiers_dossierfile, dossiers_rating"
        )
    _say("rebuilding the rollups …")
    started = time.perf_counter()
    done = rollup.rebuild(progress=True)
    rebuild_s = time.perf_counter() - started
    _say(
        f"  {done.dossiers} dossiers, {done.reports} reports, {done.cells} cells: {rebuild_s:.1f} s"
        f" (events held {done.held_s:.1f} s)"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return rebuild_s, time.perf_counter() - started, done.cells, done.held_s


def _viewer() -> Any:
    """An official holding ``steering_viewer`` at a central agency: sees the nation."""
    from lienthong.accounts.constants import Role
    from lienthong.accounts.models import RoleAssignment
    from lienthong.accounts.services import ensure_user
    from lienthong.directory import selectors as directory

    user = ensure_user(
        username="bench-dieu-hanh",
        password=None,
        kind="official",
        full_name="Người theo dõi (đo hiệu năng)",
    )
    agency = directory.search_agencies().get(code=CENTRAL)
    RoleAssignment.objects.get_or_create(
        user=user, agency=agency, role=Role.STEERING_VIEWER, revoked_at=None
    )
    return user


def _periods() -> dict[str, str]:
    from django.utils import timezone

    today = timezone.localdate()
    return {"quarter": f"{today.year}-Q{(today.month - 1) // 3 + 1}", "year": str(today.year)}


def _api(user: Any, periods: dict[str, str], requests: int, warmup: int) -> dict[str, Any]:
    """p50 / p95 of each endpoint and period; the national bodies, to check the naive
    query against."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    paths = {
        "national": "/api/v1/steering/index?scope=nation&period={}",
        "province": f"/api/v1/steering/index?scope=province:{NINH_BINH}&period={{}}",
        "ranking": "/api/v1/steering/ranking?scope=nation&period={}",
        "agencies": "/api/v1/steering/ranking?scope=nation&of=agencies&period={}",
        "ministry": f"/api/v1/steering/index?scope=agency:{PUBLIC_SECURITY}&period={{}}",
    }
    out: dict[str, Any] = {}
    for which, period in periods.items():
        for name, path in paths.items():
            url = path.format(period)
            times = []
            for i in range(warmup + requests):
                t0 = time.perf_counter()
                response = client.get(url, HTTP_HOST="127.0.0.1")
                took = (time.perf_counter() - t0) * 1000
                assert response.status_code == 200, (url, response.status_code, response.content)
                if i >= warmup:
                    times.append(took)
            body = response.json()
            if name == "ranking":
                assert len(body["rows"]) == 34, len(body["rows"])
            elif name == "agencies":
                assert body["rows"], body
            elif name != "ministry":  # the generator may give the police nothing
                assert body["dossiers"] > 0, body
            out[f"{which}.{name}"] = {
                "p50": pct(times, 50),
                "p95": pct(times, 95),
                "body": body if name == "national" else None,
            }
            _say(
                f"  {name:8s} {period:7s}: p50 {pct(times, 50):7.1f} ms, "
                f"p95 {pct(times, 95):7.1f} ms"
            )
    return out


#: The counters the scorecard adds up from the cells, counted from the dossiers
#: directly (``dossiers.measures`` in SQL, without its subqueries on files, ratings and
#: events: a lower bound of the naive query's work).
NAIVE_SQL = """
SELECT d.province_id,
  count(*) AS dossiers,
  count(*) FILTER (WHERE d.overdue
    OR (d.status IN ('result_issued', 'returned', 'refused', 'cancelled')
        AND d.finished_at IS NOT NULL AND d.due_at IS NOT NULL AND d.finished_at > d.due_at)
    OR d.supplement_count > 1) AS late,
  count(*) FILTER (WHERE d.overdue
    AND NOT (d.status IN ('result_issued', 'returned', 'refused', 'cancelled')
             AND d.finished_at IS NOT NULL)) AS overdue_open,
  count(*) FILTER (WHERE d.status IN ('result_issued', 'returned', 'refused', 'cancelled')
    AND d.finished_at IS NOT NULL) AS finished,
  coalesce(sum(greatest(0, round(extract(epoch FROM d.finished_at - d.received_at)
    - 3600 * d.supplement_hours)))
    FILTER (WHERE d.status IN ('result_issued', 'returned', 'refused', 'cancelled')
            AND d.finished_at IS NOT NULL), 0) AS handling_seconds,
  count(*) FILTER (WHERE d.channel = 'online') AS filed_online,
  count(*) FILTER (WHERE d.channel = 'online'
    AND (d.electronic_result OR d.status NOT IN ('result_issued', 'returned'))) AS online,
  count(*) FILTER (WHERE d.fee_total > 0) AS fee_dossiers,
  count(*) FILTER (WHERE d.fee_total > 0 AND d.paid_online) AS paid_online,
  count(*) FILTER (WHERE d.status IN ('result_issued', 'returned')) AS with_result,
  count(*) FILTER (WHERE d.status IN ('result_issued', 'returned')
    AND d.electronic_result) AS electronic_result,
  count(*) FILTER (WHERE d.eid_authenticated) AS eid
FROM dossiers_dossier d
WHERE d.received_at >= %s AND d.received_at < %s
GROUP BY d.province_id
"""


def _naive(period_text: str, runs: int) -> tuple[float, dict[str, int]]:
    """Median milliseconds of the naive query; its national totals."""
    from django.db import connection
    from django.utils import timezone

    from lienthong.steering import scorecard

    period = scorecard.parse_period(period_text)
    start = timezone.make_aware(dt.datetime.combine(period.start, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(period.end, dt.time()))
    times = []
    rows: list[tuple[Any, ...]] = []
    names: list[str] = []
    for _i in range(runs):
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(NAIVE_SQL, [start, end])
            rows = cursor.fetchall()
            names = [c.name for c in cursor.description]
        times.append((time.perf_counter() - t0) * 1000)
    totals = {n: sum(int(r[i]) for r in rows) for i, n in enumerate(names) if i}
    return statistics.median(times), totals


def _same_totals(body: dict[str, Any], naive: dict[str, int]) -> list[str]:
    """Where the API's national figures and the naive query's totals differ."""
    figures = {i["code"]: i for g in body["groups"] for i in g["indicators"]}
    d = naive["dossiers"]
    expected = {
        "2.1": (d - naive["late"], d),
        "3.3": (naive["online"], d),
        "3.6": (naive["paid_online"], naive["fee_dossiers"]),
        "4.1": (naive["electronic_result"], naive["with_result"]),
        "4.5": (naive["eid"], d),
    }
    wrong = []
    if body["dossiers"] != d:
        wrong.append(f"dossiers {body['dossiers']} ≠ {d}")
    for code, (num, den) in expected.items():
        got = (figures[code]["numerator"], figures[code]["denominator"])
        if got != (num, den):
            wrong.append(f"{code} {got} ≠ {(num, den)}")
    finished = {x["name"]: x["value"] for x in figures["2.2"]["inputs"]}
    if list(finished.values()) != [naive["finished"]]:
        wrong.append(f"2.2 {finished} ≠ {naive['finished']}")
    return wrong


# --- Freshness -------------------------------------------------------------------------


def _dispatcher(env: dict[str, str], ready: Any, stop: Any) -> None:
    """The outbox dispatcher, in a process of its own, until ``stop`` is set."""
    sys.stdout = sys.stderr  # a consumer's console output must not reach the JSON line
    _django(env)
    from lienthong.core.outbox import run_dispatcher

    done = threading.Event()

    def watch() -> None:
        stop.wait()
        done.set()

    threading.Thread(target=watch, daemon=True).start()
    ready.set()
    run_dispatcher(done)


def _candidates(limit: int) -> list[tuple[int, str, str, str, Any]]:
    """(id, code, handling agency code, province code, due) of random received dossiers of
    the current quarter."""
    from django.db import connection
    from django.utils import timezone

    from lienthong.steering import scorecard

    period = scorecard.parse_period(_periods()["quarter"])
    start = timezone.make_aware(dt.datetime.combine(period.start, dt.time()))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.id, d.code, a.code, u.code, d.due_at FROM dossiers_dossier d"
            " JOIN directory_agency a ON a.id = d.handling_agency_id"
            " JOIN geo_administrativeunit u ON u.id = d.province_id"
            " WHERE d.received_at >= %s ORDER BY random() LIMIT %s",
            [start, limit],
        )
        return list(cursor.fetchall())


class Stream:
    """Events emitted (id → monotonic time of the commit) and seen applied (id → time)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.emitted: dict[int, float] = {}
        self.seen: dict[int, float] = {}
        self.touched: set[int] = set()
        self.errors = 0
        self.mark_back = 0


def _writer(
    stream: Stream,
    candidates: list[tuple[int, str, str, str, Any]],
    rate: float,
    seconds: float,
    seed: int,
) -> None:
    """Flip a random dossier's ``overdue`` with its ``dossier.overdue`` event, one
    transaction each, ``rate`` times a second for ``seconds``."""
    from django.db import connection, transaction

    from lienthong.core import outbox

    rng = random.Random(seed)
    started = time.perf_counter()
    i = 0
    try:
        while True:
            due = started + i / rate
            now = time.perf_counter()
            if due - started >= seconds:
                break
            if due > now:
                time.sleep(due - now)
            i += 1
            pk, code, agency, province, due_at = rng.choice(candidates)
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "UPDATE dossiers_dossier SET overdue = NOT overdue WHERE id = %s"
                            " RETURNING overdue",
                            [pk],
                        )
                        overdue = cursor.fetchone()[0]
                    event = outbox.emit(
                        "dossier.overdue",
                        aggregate_type="dossier",
                        aggregate_id=code,
                        payload={
                            "code": code,
                            "handling_agency": agency,
                            "province": province,
                            "due_at": due_at.isoformat() if due_at else None,
                            "overdue": overdue,
                        },
                    )
                at = time.perf_counter()
            except Exception as exc:  # counted; the stream goes on
                with stream.lock:
                    stream.errors += 1
                    if stream.errors == 1:
                        _say(f"  first writer error: {exc}")
                continue
            with stream.lock:
                stream.emitted[event.pk] = at
                stream.touched.add(pk)
    finally:
        connection.close()


def _poller(stream: Stream, after: int, stop: threading.Event, every: float) -> None:
    """Note when each event's delivery to the rollups becomes visible."""
    from django.db import connection

    from lienthong.core.models import DeliveryStatus, OutboxDelivery
    from lienthong.steering import rollup

    low = after + 1
    last_mark = rollup.mark()[0]
    try:
        while not stop.is_set():
            got = list(
                OutboxDelivery.objects.filter(
                    consumer=ROLLUP, event_id__gte=low, status=DeliveryStatus.DONE
                ).values_list("event_id", flat=True)
            )
            mark = rollup.mark()[0]
            now = time.perf_counter()
            with stream.lock:
                if mark < last_mark:
                    stream.mark_back += 1
                last_mark = mark
                for event_id in got:
                    stream.seen.setdefault(event_id, now)
                waiting = [e for e in stream.emitted if e not in stream.seen]
                # An event committed but not yet noted by its writer is younger than the
                # last MARGIN ids: keep looking back that far.
                top = max(stream.seen, default=after) + 1
                low = max(after + 1, min([*waiting, top - MARGIN]))
            stop.wait(every)
    finally:
        connection.close()


def _consistent(touched: set[int]) -> list[str]:
    """The touched dossiers' facts equal their measures now, and the cells they count in
    equal the sums of their facts."""
    from django.db.models import Sum

    from lienthong.dossiers import measures as dossier_measures
    from lienthong.dossiers.models import Dossier
    from lienthong.steering.models import Cell, DossierFact
    from lienthong.steering.rollup import DOSSIER_COUNTERS

    wrong: list[str] = []
    codes = list(Dossier.objects.filter(pk__in=touched).values_list("code", flat=True))
    facts = {f.pk: f for f in DossierFact.objects.filter(pk__in=touched)}
    plain = dossier_measures.COUNTERS
    for pk, m in dossier_measures.measures(codes):
        fact = facts.get(pk)
        if m is None or fact is None:
            wrong.append(f"dossier {pk}: measures {m}, fact {fact}")
            continue
        now = dict(zip(plain, m.counts, strict=True))
        held = {c: getattr(fact, c) for c in plain}
        if now != held:
            wrong.append(f"dossier {pk}: fact {held} ≠ measures {now}")
    keys = {(f.month, f.agency_id, f.procedure_code) for f in facts.values()}
    months = {k[0] for k in keys}
    agencies = {k[1] for k in keys}
    sums = {
        (r["month"], r["agency_id"], r["procedure_code"]): r
        for r in DossierFact.objects.filter(month__in=months, agency_id__in=agencies)
        .values("month", "agency_id", "procedure_code")
        .annotate(**{f"s_{c}": Sum(c) for c in DOSSIER_COUNTERS})
    }
    cells = {
        (c["month"], c["agency_id"], c["procedure_code"]): c
        for c in Cell.objects.filter(month__in=months, agency_id__in=agencies, category="").values(
            "month", "agency_id", "procedure_code", *DOSSIER_COUNTERS
        )
    }
    for key in keys:
        cell, total = cells.get(key), sums.get(key)
        if cell is None or total is None:
            wrong.append(f"cell {key}: missing")
            continue
        for c in DOSSIER_COUNTERS:
            if cell[c] != total[f"s_{c}"]:
                wrong.append(f"cell {key}.{c}: {cell[c]} ≠ facts {total[f's_{c}']}")
    procedures = {k[2] for k in keys}
    wrong += _coarse_consistent(months, procedures)
    return wrong


def _coarse_consistent(months: set[Any], procedures: set[str]) -> list[str]:
    """The province and nation cells of these months and procedures equal the sums of
    the agencies' cells."""
    from django.db.models import Sum

    from lienthong.steering.models import Cell, NationCell, ProvinceCell
    from lienthong.steering.rollup import DOSSIER_COUNTERS

    wrong: list[str] = []
    sums = {f"s_{c}": Sum(c) for c in DOSSIER_COUNTERS}
    fine = Cell.objects.filter(month__in=months, procedure_code__in=procedures, category="")
    for model, by in ((ProvinceCell, ("province_id",)), (NationCell, ())):
        keys = ("month", *by, "procedure_code")
        added = {
            tuple(r[k] for k in keys): r
            for r in (fine.filter(province__isnull=False) if by else fine)
            .values(*keys)
            .annotate(**sums)
        }
        held = {
            tuple(r[k] for k in keys): r
            for r in model.objects.filter(  # type: ignore[attr-defined]
                month__in=months, procedure_code__in=procedures, category=""
            ).values(*keys, *DOSSIER_COUNTERS)
        }
        for key, total in added.items():
            row = held.get(key)
            for c in DOSSIER_COUNTERS:
                if (row[c] if row else 0) != (total[f"s_{c}"] or 0):
                    wrong.append(f"{model.__name__} {key}.{c}: {row and row[c]} ≠ {total}")
                    break
    return wrong


HISTORY_TOPIC = "dossier.history"


def _history(wanted: int) -> float:
    """An outbox with ``wanted`` old events already taken by the rollups, as a platform
    has after months of work (the generator emits none); seconds spent adding them."""
    from django.db import connection

    from lienthong.core.models import OutboxEvent

    have = OutboxEvent.objects.filter(topic=HISTORY_TOPIC).count()
    if have >= wanted:
        return 0.0
    started = time.perf_counter()
    _say(f"outbox history: adding {wanted - have} taken events …")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_outboxevent (uuid, topic, aggregate_type, aggregate_id, payload,"
            " created_at) SELECT gen_random_uuid(), %s, 'dossier', 'H' || g, '{}'::jsonb,"
            " now() - interval '200 days' FROM generate_series(1, %s) AS g",
            [HISTORY_TOPIC, wanted - have],
        )
        cursor.execute(
            "INSERT INTO core_outboxdelivery (event_id, consumer, status, attempts, last_error,"
            " updated_at) SELECT e.id, %s, 'done', 1, '', now() FROM core_outboxevent e"
            " WHERE e.topic = %s AND NOT EXISTS (SELECT 1 FROM core_outboxdelivery d"
            " WHERE d.event_id = e.id AND d.consumer = %s)",
            [ROLLUP, HISTORY_TOPIC, ROLLUP],
        )
        cursor.execute("ANALYZE core_outboxevent, core_outboxdelivery")
    return time.perf_counter() - started


def _settle_outbox(seconds: float = 120) -> None:
    """Dispatch until the rollups' cursor has passed every event (the first pass over a
    long history reads it once; the figures are the steady state's)."""
    from lienthong.core import outbox
    from lienthong.core import selectors as core
    from lienthong.core.models import OutboxCursor

    top = core.last_event_id()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        outbox.dispatch()
        after = OutboxCursor.objects.filter(consumer=ROLLUP).values_list("after", flat=True)
        if (after.first() or 0) >= top:
            return
        time.sleep(0.5)
    _say("  the rollups' cursor did not reach the top of the outbox")


def _freshness(
    env: dict[str, str], rate: float, seconds: float, writers: int, drain: float
) -> dict[str, Any]:
    from django.db import connection

    from lienthong.core import outbox
    from lienthong.core import selectors as core

    candidates = _candidates(20_000)
    assert candidates, "no received dossier in the current quarter"
    while outbox.dispatch():  # whatever an earlier run left
        pass
    _settle_outbox()
    after = core.last_event_id()
    connection.close()
    ctx = multiprocessing.get_context("spawn")
    ready, stop_dispatcher = ctx.Event(), ctx.Event()
    dispatcher = ctx.Process(target=_dispatcher, args=(env, ready, stop_dispatcher))
    dispatcher.start()
    if not ready.wait(120):
        raise RuntimeError("the dispatcher did not start")
    time.sleep(1.0)
    stream = Stream()
    stop_polling = threading.Event()
    poller = threading.Thread(target=_poller, args=(stream, after, stop_polling, 0.05))
    poller.start()
    _say(f"freshness: {rate:.0f} events/s for {seconds:.0f} s ({writers} writers) …")
    started = time.perf_counter()
    threads = [
        threading.Thread(target=_writer, args=(stream, candidates, rate / writers, seconds, 31 + i))
        for i in range(writers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wrote_s = time.perf_counter() - started
    deadline = time.perf_counter() + drain
    while time.perf_counter() < deadline:
        with stream.lock:
            if all(e in stream.seen for e in stream.emitted):
                break
        time.sleep(0.1)
    stop_polling.set()
    poller.join()
    stop_dispatcher.set()
    dispatcher.join(timeout=60)
    if dispatcher.is_alive():
        dispatcher.terminate()
    delays = [max(0.0, stream.seen[e] - at) for e, at in stream.emitted.items() if e in stream.seen]
    unseen = sum(1 for e in stream.emitted if e not in stream.seen)
    events = len(stream.emitted)
    # The consumer's pace: the events applied over the time from the first emitted to the
    # last seen applied (below the offered rate, the backlog and the delays grow).
    span = max(stream.seen.values(), default=0.0) - min(stream.emitted.values(), default=0.0)
    out = {
        "events": events,
        "events_per_s": events / wrote_s if wrote_s else 0.0,
        "applied_per_s": len(delays) / span if span > 0 else None,
        "writer_errors": stream.errors,
        "unseen": unseen,
        "freshness_p50_s": pct(delays, 50) if delays else None,
        "freshness_p95_s": pct(delays, 95) if delays else None,
        "freshness_max_s": max(delays) if delays else None,
        "mark_went_back": stream.mark_back,
    }
    _say(
        f"  {events} events ({out['events_per_s']:.0f}/s, {stream.errors} failed), {unseen} unseen;"
        f" applied {out['applied_per_s'] or 0:.0f}/s;"
        f" freshness p50 {out['freshness_p50_s'] or 0:.2f} s,"
        f" p95 {out['freshness_p95_s'] or 0:.2f} s,"
        f" max {out['freshness_max_s'] or 0:.2f} s; rollup mark went back {stream.mark_back} times"
    )
    wrong = _consistent(stream.touched)
    for line in wrong[:10]:
        _say(f"  inconsistent: {line}")
    out["consistent"] = not wrong
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=2_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the previous run's database")
    parser.add_argument("--database", default=NAME)
    parser.add_argument(
        "--no-rebuild",
        action="store_true",
        help="with --reuse and nothing generated: keep the rollups (no rebuild_s)",
    )
    parser.add_argument("--requests", type=int, default=50, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=200, help="events per second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--drain", type=float, default=120, help="seconds to wait for the rest")
    parser.add_argument(
        "--history", type=int, default=2_000_000, help="old events already taken, in the outbox"
    )
    args = parser.parse_args()
    admin = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    db_url = _database(admin, args.database, args.reuse)
    var = tempfile.mkdtemp(prefix="lienthong-dashboard-")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "LIENTHONG_VAR_DIR": var,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    _prepare(env)
    _django(env)
    dossiers, generate_s = _generate(args.dossiers)
    _say(f"{dossiers} dossiers ({generate_s:.1f} s to generate)")
    rebuild_s: float | None = None
    held_s: float | None = None
    analyze_s: float | None = None
    if args.no_rebuild and args.reuse and not generate_s:
        from lienthong.steering.models import Cell

        cells = Cell.objects.count()
        _say(f"rollups kept as the previous run left them: {cells} cells")
    else:
        rebuild_s, analyze_s, cells, held_s = _rebuild()
        _say(f"ANALYZE: {analyze_s:.1f} s")

    periods = _periods()
    _say(f"API, {args.requests} requests each after {args.warmup} of warm-up:")
    api = _api(_viewer(), periods, args.requests, args.warmup)
    by_period: dict[str, dict[str, Any]] = {}
    wrong: list[str] = []
    for which, period in periods.items():
        naive_ms, totals = _naive(period, args.naive_runs)
        _say(f"  naive GROUP BY {period:7s}: {naive_ms:.0f} ms (median of {args.naive_runs})")
        wrong += [f"{period}: {w}" for w in _same_totals(api[f"{which}.national"]["body"], totals)]
        row = {"period": period, "naive_ms": round(naive_ms, 1)}
        for name in ("national", "province", "ranking", "agencies", "ministry"):
            row[f"{name}_p50_ms"] = round(api[f"{which}.{name}"]["p50"], 1)
            row[f"{name}_p95_ms"] = round(api[f"{which}.{name}"]["p95"], 1)
        row["speedup"] = round(naive_ms / api[f"{which}.national"]["p95"], 1)
        row["received"] = totals["dossiers"]
        by_period[which] = row
    for line in wrong:
        _say(f"  the naive totals differ from the API's: {line}")

    history_s = _history(args.history)
    fresh = _freshness(env, args.rate, args.seconds, args.writers, args.drain)
    year = by_period["year"]

    def r(v: float | None, n: int = 2) -> float | None:
        return None if v is None else round(v, n)

    print(
        json.dumps(
            {
                "dossiers": dossiers,
                "cells": cells,
                "generate_s": round(generate_s, 1),
                "rebuild_s": r(rebuild_s, 1),
                "rebuild_held_s": r(held_s, 1),
                "analyze_s": r(analyze_s, 1),
                "period": year["period"],
                "national_p50_ms": year["national_p50_ms"],
                "national_p95_ms": year["national_p95_ms"],
                "province_p50_ms": year["province_p50_ms"],
                "province_p95_ms": year["province_p95_ms"],
                "ranking_p50_ms": year["ranking_p50_ms"],
                "ranking_p95_ms": year["ranking_p95_ms"],
                "agencies_p95_ms": year["agencies_p95_ms"],
                "ministry_p95_ms": year["ministry_p95_ms"],
                "naive_ms": year["naive_ms"],
                "speedup": year["speedup"],
                "naive_matches": not wrong,
                "history_events": args.history,
                "history_s": r(history_s, 1),
                "freshness_p50_s": r(fresh["freshness_p50_s"]),
                "freshness_p95_s": r(fresh["freshness_p95_s"]),
                "freshness_max_s": r(fresh["freshness_max_s"]),
                "events": fresh["events"],
                "events_per_s": r(fresh["events_per_s"], 1),
                "applied_per_s": r(fresh["applied_per_s"], 1),
                "unseen": fresh["unseen"],
                "writer_errors": fresh["writer_errors"],
                "mark_went_back": fresh["mark_went_back"],
                "consistent": fresh["consistent"],
                "by_period": by_period,
            }
        )
    )


if __name__ == "__main__":
    main()
