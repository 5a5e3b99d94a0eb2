"""``lienthong seed --dossiers N``: realistic dossier history in bulk.

Channels, procedures (the essential services of Project 06 five times as often as the
rest), communes (heavy-tailed activity, wards busier; a dossier filed at another commune
only within its province), outcomes (returned, in progress, refused, withdrawn),
lateness, supplements, payments and ratings drawn with a fixed seed, over the last
twelve months. Rows are written in batches with bulk inserts
(no per-row service call), so a million dossiers take minutes; due dates still come
from the working calendar. Applicants are a pool of generated citizens.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
import random
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from lienthong.accounts import selectors as accounts_selectors
from lienthong.accounts import services as accounts
from lienthong.accounts.seeds import DEMO_CITIZEN_PIN
from lienthong.catalog import selectors as catalog
from lienthong.catalog.results import ResultDocument, result_document_of
from lienthong.core import fastsql
from lienthong.core.identifiers import new_tracking_key
from lienthong.core.reference import StepResult, register_generator, register_seeder
from lienthong.core.workcalendar import get_calendar
from lienthong.directory import selectors as directory
from lienthong.dossiers import intake, results
from lienthong.dossiers.constants import Channel, Status
from lienthong.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierSequence,
    Rating,
    RegisterCounter,
)
from lienthong.geo import selectors as geo

#: A drawn batch: dossier rows, their history and ratings, the day counters reached.
_Batch = tuple[list[dict[str, Any]], list[tuple[Any, ...]], list[tuple[Any, ...]], dict[Any, int]]

BATCH = 5_000
#: Batches drawn ahead of the one being written.
AHEAD = 2
#: How much more often one of the 25 essential online services of Project 06 (the
#: catalogue's ``essential_06``: birth, residence, ID card …) is filed than another
#: procedure. No national statistics of filings by procedure ship with the platform.
ESSENTIAL_WEIGHT = 5
#: Without population figures per commune, each commune's activity is drawn heavy-tailed
#: (lognormal, σ = 1, from the run's seed: a few communes far busier than most), urban
#: wards (phường) twice as busy.
URBAN_WEIGHT = 2
#: A dossier still open (in handling, or waiting for the applicant's supplement) was filed
#: in the last ``RECENT_DAYS``, as a real backlog is: of older ones, only ``STUCK`` are.
RECENT_DAYS = 45
STUCK = 0.05
OPEN_OUTCOMES = ("open", "supplement")
#: Generated citizens the history is spread over.
APPLICANTS = 5_000


def _blank() -> dict[str, Any]:
    """A dossier row with every column at its default, keyed by attname (JSON as text)."""
    blank = Dossier()
    row = {}
    for field in Dossier._meta.concrete_fields:
        value = getattr(blank, field.attname)
        row[field.attname] = json.dumps(value) if isinstance(value, dict | list) else value
    return row


def _number_results(dossiers: list[dict[str, Any]], papers: dict[int, ResultDocument]) -> None:
    """Number the issued results of a batch in their register books (a block of numbers
    per book and year, taken in the batch's transaction)."""
    books: dict[tuple[int, str, int], list[dict[str, Any]]] = defaultdict(list)
    for d in dossiers:
        if d["finished_at"] is not None:
            book = results.register_book(papers[d["procedure_version_id"]], refused=False)
            year = timezone.localdate(d["finished_at"]).year
            books[(d["handling_agency_id"], book, year)].append(d)
    # One statement for the batch's books: each counter moved on by its count (taking the
    # rows' locks in key order, as concurrent signatures would), the new last returned.
    keys = sorted(books)
    taken = fastsql.add_rows(
        RegisterCounter,
        [(a, b, y, len(books[(a, b, y)])) for a, b, y in keys],  # agency, book, year, last
        unique=("agency_id", "book", "year"),
        summed=("last",),
        returning=("agency_id", "book", "year", "last"),
    )
    last = {(a, b, y): n for a, b, y, n in taken}
    for key, issued in books.items():
        year = key[2]
        first = last[key] - len(issued) + 1
        for number, d in enumerate(issued, start=first):
            paper = papers[d["procedure_version_id"]]
            d["result_number"] = number
            d["result_reference"] = results.reference(
                number, year, paper, refused=False, issuer="UBND"
            )


def _save_sequences(last: dict[tuple[int, dt.date], int]) -> None:
    """The codes' daily counters and the table's id sequence moved past what was made."""
    if connection.vendor == "postgresql":
        # Three arrays in one statement: the ORM's upsert of thousands of objects spends
        # longer building its SQL than the database spends on it.
        table = connection.ops.quote_name(DossierSequence._meta.db_table)
        agencies, days, numbers = zip(*((a, d, n) for (a, d), n in last.items()), strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (agency_id, day, last) "  # noqa: S608  (the model's table)
                "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::integer[]) "
                "ON CONFLICT (agency_id, day) DO UPDATE SET last = EXCLUDED.last",
                [list(agencies), list(days), list(numbers)],
            )
            # The ids were given explicitly: move the table's sequence on.
            for sql in connection.ops.sequence_reset_sql(no_style(), [Dossier]):
                cursor.execute(sql)
        return
    DossierSequence.objects.bulk_create(
        [DossierSequence(agency_id=a, day=d, last=n) for (a, d), n in last.items()],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["agency", "day"],
        update_fields=["last"],
    )


def _may_skip_triggers() -> bool:
    """Whether this role may set ``session_replication_role`` (asked of PostgreSQL 15+)."""
    if connection.vendor != "postgresql" or connection.pg_version < 150000:  # type: ignore[attr-defined]
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
        return bool(cursor.fetchone()[0])


def _next_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(Dossier._meta.db_table)}"  # noqa: S608
        )
        return int(cursor.fetchone()[0]) + 1


def generate(
    n: int,
    *,
    seed: int = 20250701,
    communes: set[int] | None = None,
    applicants: list[int] | None = None,
) -> StepResult:
    """``n`` dossiers of the past year, at communes' service centres (those of
    ``communes``, unit ids, when given), filed by generated citizens (or by the accounts
    ``applicants``). On PostgreSQL the planner's statistics are refreshed at the end
    (``ANALYZE``): a bulk load leaves them stale, and lists filter 5–8× slower until then."""
    rng = random.Random(seed)  # noqa: S311  reproducible demo data, not secrets
    versions = list(catalog.published_versions())
    versions = [v for v in versions if "commune" in v.levels] or versions
    if not versions:
        return StepResult("chưa có thủ tục nào được công bố: chạy load-reference-data trước")
    places = directory.commune_service_places()
    if communes is not None:
        places = [p for p in places if p[0] in communes]
    if not places:
        return StepResult("chưa có danh bạ cơ quan: chạy load-reference-data trước")
    version_weights = list(
        itertools.accumulate(ESSENTIAL_WEIGHT if v.essential_06 else 1 for v in versions)
    )
    wards = geo.ward_ids({p[0] for p in places})
    place_weights = list(
        itertools.accumulate(
            rng.lognormvariate(0, 1) * (URBAN_WEIGHT if p[0] in wards else 1) for p in places
        )
    )
    by_province: dict[int, list[tuple[int, int, int, int, str]]] = defaultdict(list)
    for place in places:
        by_province[place[1]].append(place)
    applicants = applicants or accounts.ensure_sample_citizens(APPLICANTS, rng)
    cal = get_calendar()
    now = timezone.now()
    start = now - dt.timedelta(days=365)
    settled = now - dt.timedelta(days=RECENT_DAYS)
    sequences: dict[tuple[int, dt.date], int] = defaultdict(int)
    for agency_id, day, last in DossierSequence.objects.values_list("agency_id", "day", "last"):
        sequences[(agency_id, day)] = last
    outcomes = [
        ("returned", 70),
        ("open", 14),
        ("refused", 3),
        ("withdrawn", 2),
        ("result_issued", 4),
        ("refused_at_intake", 2),
        ("supplement", 5),
    ]
    # Cumulative weights, summed once (``choices`` would sum them at every draw).
    outcome_names = [o for o, _w in outcomes]
    outcome_weights = list(itertools.accumulate(w for _o, w in outcomes))
    channel_names = [Channel.ONLINE, Channel.COUNTER, Channel.POST]
    channel_weights = list(itertools.accumulate([62, 35, 3]))
    fees = {v.pk: sum(int(f["amount"] or 0) for f in v.fees) for v in versions}
    counts: dict[str, int] = defaultdict(int)
    # Issued results are numbered in their agency's register books: each batch takes its
    # numbers from the counters in its own transaction, as a signature does.
    papers = {v.pk: result_document_of(v.result_document, v.results) for v in versions}
    blank = _blank()
    columns = list(blank)
    as_row = operator.itemgetter(*columns)

    # Where the role may (a superuser, or granted it), the batches skip their foreign-key
    # triggers, as ``pg_restore --disable-triggers`` does: every id a row names was read
    # from its table in this run or written by the same batch (a test checks the result
    # for orphans), and the checks cost a fifth of the load.
    unchecked = _may_skip_triggers()
    # Explicit ids, so a batch's history is drawn with it (run on a quiet database).
    ids = itertools.count(_next_id())

    def draw(size: int) -> _Batch:
        """The next ``size`` dossiers drawn (in memory only: run beside the writing)."""
        dossiers: list[dict[str, Any]] = []
        events: list[tuple[Any, ...]] = []
        ratings: list[tuple[Any, ...]] = []
        created_at = timezone.now()
        touched: set[tuple[int, dt.date]] = set()
        for _ in range(size):
            v = rng.choices(versions, cum_weights=version_weights)[0]
            commune, province, committee, centre, centre_code = rng.choices(
                places, cum_weights=place_weights
            )[0]
            if v.boundary_free and rng.random() < 0.15:
                # Filed at another commune of the same province (boundary-free within a
                # province only, as intake allows).
                centre, centre_code = rng.choice(by_province[province])[3:5]
            channel = rng.choices(channel_names, cum_weights=channel_weights)[0]
            submitted = start + dt.timedelta(seconds=rng.randint(0, 365 * 86400))
            outcome = rng.choices(outcome_names, cum_weights=outcome_weights)[0]
            if outcome in OPEN_OUTCOMES and submitted < settled and rng.random() >= STUCK:
                outcome = "returned"
            received = (
                cal.next_working_moment(submitted)
                if outcome != "open" or rng.random() < 0.7
                else None
            )
            hours = float(v.processing_days) * 8 or 4
            due = cal.add_working_hours(received, hours) if received else None
            late = rng.random() < 0.08
            finished = None
            if received and due and outcome in ("returned", "refused", "result_issued"):
                spent = hours * (rng.uniform(1.05, 1.6) if late else rng.uniform(0.2, 0.98))
                finished = cal.add_working_hours(received, spent)
                if finished > now:
                    finished, outcome = None, "open"
            status = STATUS_OF.get(outcome, Status.IN_REVIEW if received else Status.SUBMITTED)
            day = timezone.localdate(submitted)
            sequences[(centre, day)] += 1
            touched.add((centre, day))
            applicant = rng.choice(applicants)
            score = 0
            if status == Status.RETURNED and rng.random() < 0.6:
                bad = 10 if late else 0
                score = rng.choices([5, 4, 3, 2, 1], [55, 30, 8, 4, 3 + bad])[0]
            dossiers.append(
                {
                    **blank,
                    "id": next(ids),
                    "code": intake.code(centre_code, day, sequences[(centre, day)]),
                    "tracking_key": new_tracking_key(),
                    "procedure_version_id": v.pk,
                    "applicant_id": applicant,
                    "submitted_by_id": applicant,
                    "channel": channel,
                    "status": status,
                    "competent_unit_id": commune,
                    "receiving_agency_id": centre,
                    "handling_agency_id": committee,
                    "province_id": province,
                    "submitted_at": submitted,
                    "received_at": received,
                    "clock_start": received,
                    "due_at": due,
                    "finished_at": finished,
                    "returned_at": finished + dt.timedelta(hours=rng.randint(1, 72))
                    if finished and status == Status.RETURNED
                    else None,
                    "overdue": bool(due and (finished or now) > due),
                    "supplement_count": 1 if outcome == "supplement" or rng.random() < 0.06 else 0,
                    "fee_total": fees[v.pk],
                    "paid_at": submitted if fees[v.pk] and rng.random() < 0.9 else None,
                    "paid_online": channel == Channel.ONLINE and rng.random() < 0.7,
                    "eid_authenticated": channel == Channel.ONLINE or rng.random() < 0.3,
                    "electronic_result": status in (Status.RETURNED, Status.RESULT_ISSUED),
                }
            )
            pk = dossiers[-1]["id"]
            events.append((pk, "submit", "", Status.SUBMITTED, submitted, "{}", "", ""))
            if received:
                events.append(
                    (pk, "receive", Status.SUBMITTED, Status.RECEIVED, received, "{}", "", "")
                )
            if score:
                ratings.append((pk, score >= 4, score, "", created_at))
            counts[status] += 1
        return dossiers, events, ratings, {k: sequences[k] for k in touched}

    def write(batch: _Batch) -> None:
        """One batch written in one transaction: numbers, dossiers, history, ratings."""
        dossiers, events, ratings, last = batch
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # A bulk load need not wait for each batch to reach the disk: a crash loses
                # the last batches whole (each is one transaction), and a new run goes on.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    if unchecked:
                        cursor.execute("SET LOCAL session_replication_role TO replica")
            _number_results(dossiers, papers)
            for d in dossiers:
                if d["finished_at"]:
                    issued = {
                        "result_number": d["result_number"],
                        "result_reference": d["result_reference"],
                    }
                    events.append(
                        (
                            d["id"],
                            "issue_result",
                            Status.APPROVED,
                            Status.RESULT_ISSUED,
                            d["finished_at"],
                            json.dumps(issued, ensure_ascii=False),
                            "",
                            "",
                        )
                    )
            # Streamed, not saved one by one: the ORM's per-object work would dominate.
            fastsql.load(Dossier, columns, [as_row(d) for d in dossiers])
            fastsql.load(DossierEvent, EVENT_COLUMNS, events)
            fastsql.load(Rating, RATING_COLUMNS, ratings)
            # Each batch leaves the counters as it found them in use: a run stopped
            # midway, then run again, numbers on without a clash.
            _save_sequences(last)

    # The next batches are drawn (Python) while the last one is written (the database), so
    # the two overlap; two ahead, so a slow write never leaves the drawing idle.
    sizes = [min(BATCH, n - i) for i in range(0, n, BATCH)]
    with (
        tqdm(total=n, unit=" hồ sơ", desc="Sinh hồ sơ") as bar,
        ThreadPoolExecutor(1, thread_name_prefix="generate") as pool,
    ):
        drawn = deque(pool.submit(draw, size) for size in sizes[:AHEAD])
        for i, size in enumerate(sizes):
            batch = drawn.popleft().result()
            if i + AHEAD < len(sizes):
                drawn.append(pool.submit(draw, sizes[i + AHEAD]))
            write(batch)
            bar.update(size)
    made = n
    _analyze()
    summary = ", ".join(f"{Status(s).label}: {c}" for s, c in sorted(counts.items()))
    return StepResult(f"{made} hồ sơ ({summary})")


def _analyze() -> None:
    """Fresh planner statistics for the tables a bulk load filled, and (outside a
    transaction) their visibility maps, so index-only scans need not read the rows."""
    if connection.vendor != "postgresql":
        return  # SQLite plans without them well enough for an embedded instance
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in (Dossier, DossierEvent, Rating, RegisterCounter, DossierSequence):
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


register_generator("dossiers")(generate)

#: A generated outcome's status ("open": in review once received, else submitted).
STATUS_OF: dict[str, str] = {
    "returned": Status.RETURNED,
    "refused": Status.RETURNED,
    "result_issued": Status.RESULT_ISSUED,
    "withdrawn": Status.WITHDRAWN,
    "refused_at_intake": Status.REFUSED_AT_INTAKE,
    "supplement": Status.SUPPLEMENT_REQUESTED,
}
EVENT_COLUMNS = ("dossier_id", "action", "from_status", "to_status", "at", "data", "role", "note")
RATING_COLUMNS = ("dossier_id", "satisfied", "score", "comment", "created_at")


#: Dossiers of history that ``make demo`` (``lienthong seed``) makes sure exist.
DEMO_HISTORY = 3000
#: Of them, the demo citizen's own (``accounts.seeds.DEMO_CITIZEN_PIN``).
DEMO_OWN = 12
#: The demo's province and commune (Ninh Bình, Xã Liên Minh): 400 and 200 of them.
DEMO_PROVINCE = "37"
DEMO_COMMUNE = "13786"


@register_seeder("dossiers.history", order=50, description="Lịch sử hồ sơ thử nghiệm")
def seed_history() -> StepResult:
    """A year of dossiers across the provinces, so queues, statistics and the national
    index have something to show; run again, it adds nothing."""
    have = Dossier.objects.count()
    if have >= DEMO_HISTORY:
        return StepResult(f"đã có {have:,} hồ sơ".replace(",", "."))
    if have:
        return generate(DEMO_HISTORY - have)
    # The demo's province (Ninh Bình) and commune (Liên Minh) get a share a provincial
    # leader can steer by; the rest is spread over the country.
    province = {u.pk for u in geo.current_units("commune").filter(province__code=DEMO_PROVINCE)}
    home = {u.pk for u in geo.current_units("commune").filter(code=DEMO_COMMUNE)}
    parts = [
        generate(DEMO_HISTORY - 600 - DEMO_OWN),
        generate(400, seed=37, communes=province),
        generate(200, seed=13786, communes=home),
    ]
    # The demo citizen's own past dossiers, at home: "Hồ sơ của tôi" is not empty.
    citizen = accounts_selectors.user_by_pin(DEMO_CITIZEN_PIN)
    if citizen is not None:
        parts.append(generate(DEMO_OWN, seed=1234, communes=home, applicants=[citizen.pk]))
    return StepResult("; ".join(p.summary for p in parts))
