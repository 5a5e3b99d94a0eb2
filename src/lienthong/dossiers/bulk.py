"""Set-based writes over many dossiers, where a benchmark showed the ORM's way too slow
(``bench/dossier_lists.py``; docs/performance.md). On PostgreSQL each is one statement
per batch: it locks the batch's rows (SKIP LOCKED: two workers never take the same
one), changes them and writes their history rows, outbox events and one audit entry, so
a batch costs the database's work and nothing per row in Python. The embedded SQLite
(one process, small volumes) does the same writes through the ORM, a few statements a
batch.

The overdue sweep took 27 s for 100,000 dossiers through the ORM on PostgreSQL (3,700 a
second: each batch's 10,000 event objects built and adapted in Python, ten statements);
as one statement a batch of 5,000 costs about 0.6 s.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from lienthong.core import audit, fastsql, outbox
from lienthong.core.models import AuditPending, OutboxEvent
from lienthong.dossiers.constants import CLOSED
from lienthong.dossiers.models import Dossier, DossierEvent

__all__ = ["flag_overdue", "newest_of_each"]


@functools.cache
def _overdue_statement() -> str:
    q = connection.ops.quote_name
    table = q(Dossier._meta.db_table)
    agency = q(Dossier._meta.get_field("handling_agency").related_model._meta.db_table)
    unit = q(Dossier._meta.get_field("province").related_model._meta.db_table)
    closed = ", ".join(f"'{s}'" for s in sorted(CLOSED))  # constants, not input
    event = fastsql.placeholders(
        DossierEvent,
        {
            "dossier_id": "u.id",
            "action": "'overdue'",
            "from_status": "u.status",
            "to_status": "u.status",
            "actor_id": "NULL",
            "role": "'system'",
            "agency_id": "NULL",
            "note": "''",
            "data": "jsonb_build_object('due_at', u.due_at)",
        },
    )
    announced = fastsql.placeholders(
        OutboxEvent,
        {
            "uuid": "gen_random_uuid()",
            "topic": "'dossier.overdue'",
            "aggregate_type": "'dossier'",
            "aggregate_id": "u.code",
            "payload": "jsonb_build_object('code', u.code, 'handling_agency', a.code, "
            "'province', p.code, 'due_at', u.due_at)",
        },
    )
    entry = fastsql.placeholders(
        AuditPending,
        {"data": "jsonb_build_object('count', s.n, 'first', s.first, 'last', s.last)"},
    )
    return (
        f"WITH late AS (SELECT id FROM {table} "  # noqa: S608  (names from the models)
        "WHERE NOT overdue AND due_at < %s AND paused_at IS NULL AND finished_at IS NULL "
        f"AND status NOT IN ({closed}) ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED), "
        f"u AS (UPDATE {table} d SET overdue = TRUE FROM late WHERE d.id = late.id "
        "RETURNING d.id, d.code, d.status, d.due_at, d.handling_agency_id, d.province_id), "
        f"e AS (INSERT INTO {q(DossierEvent._meta.db_table)} "
        f"({fastsql.column_list(DossierEvent)}) SELECT {event} FROM u), "
        f"o AS (INSERT INTO {q(OutboxEvent._meta.db_table)} ({fastsql.column_list(OutboxEvent)}) "
        f"SELECT {announced} FROM u JOIN {agency} a ON a.id = u.handling_agency_id "
        f"JOIN {unit} p ON p.id = u.province_id), "
        "s AS (SELECT count(*) AS n, min(code) AS first, max(code) AS last FROM u), "
        f"au AS (INSERT INTO {q(AuditPending._meta.db_table)} "
        f"({fastsql.column_list(AuditPending)}) SELECT {entry} FROM s WHERE s.n > 0) "
        "SELECT n FROM s"
    )


def flag_overdue(now: dt.datetime, batch: int) -> int:
    """Flag up to ``batch`` open dossiers due before ``now`` that are not flagged yet, with
    their history rows, ``dossier.overdue`` events and one audit entry (the count, the
    first and last codes), in the caller's transaction; how many."""
    entry = audit.pending_row(
        "dossiers.overdue_marked", actor="system:worker", object_type="dossier", at=now
    )
    if connection.vendor != "postgresql":
        return _flag_overdue_orm(now, batch, entry)
    params = [
        now,
        batch,
        *fastsql.values(DossierEvent(at=now), skip=_FROM_ROWS[DossierEvent]),
        *fastsql.values(OutboxEvent(), skip=_FROM_ROWS[OutboxEvent]),
        *fastsql.values(entry, skip=frozenset({"data"})),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_overdue_statement(), params)
        return int(cursor.fetchone()[0])


def _flag_overdue_orm(now: dt.datetime, batch: int, entry: AuditPending) -> int:
    late = (
        Dossier.objects.filter(
            overdue=False, due_at__lt=now, paused_at__isnull=True, finished_at__isnull=True
        )
        .exclude(status__in=CLOSED)
        .order_by("due_at")
    )
    rows: list[tuple[Any, ...]] = list(  # due_at is set: it is before now
        late.values_list(
            "pk", "code", "status", "due_at", "handling_agency__code", "province__code"
        )[:batch]
    )
    if not rows:
        return 0
    Dossier.objects.filter(pk__in=[r[0] for r in rows]).update(overdue=True)
    events = [
        DossierEvent(
            dossier_id=pk,
            action="overdue",
            from_status=status,
            to_status=status,
            role="system",
            at=now,
            data={"due_at": due.isoformat()},
        )
        for pk, _code, status, due, _agency, _province in rows
    ]
    announced = [
        outbox.event_row(
            "dossier.overdue",
            aggregate_type="dossier",
            aggregate_id=code,
            payload={
                "code": code,
                "handling_agency": agency,
                "province": province,
                "due_at": due.isoformat(),
            },
        )
        for _pk, code, _status, due, agency, province in rows
    ]
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        fastsql.insert(events[start : start + _ROWS_PER_INSERT])
        fastsql.insert(announced[start : start + _ROWS_PER_INSERT])
    codes = [r[1] for r in rows]
    entry.data = {"count": len(rows), "first": min(codes), "last": max(codes)}
    audit.defer(entry)
    return len(rows)


#: Rows per INSERT statement (SQLite takes at most 32,766 parameters in one).
_ROWS_PER_INSERT = 1_000

#: The columns each insert takes from the flagged rows (the rest are parameters).
_FROM_ROWS = {
    DossierEvent: frozenset(
        {
            "dossier_id",
            "action",
            "from_status",
            "to_status",
            "actor_id",
            "role",
            "agency_id",
            "note",
            "data",
        }
    ),
    OutboxEvent: frozenset({"uuid", "topic", "aggregate_type", "aggregate_id", "payload"}),
}


def newest_of_each(
    qs: QuerySet[Any], column: str, ids: list[int], n: int
) -> list[tuple[dt.datetime, int]]:
    """The (submitted_at, id) of the ``n`` newest rows of ``qs`` (ordered newest first)
    whose ``column`` is one of ``ids``: for each id its own ``n`` newest by the index on
    ``(column, submitted_at, id)`` (a LATERAL join over the ids), then the newest of
    those. Its cost grows with the number of ids, never with the rows between pages.

    A list of agencies in one condition was read by walking the whole date index when
    the planner guessed an agency's rows common: 457 ms for a province's 170 service
    centres among 200,000 dossiers, of which none handles a dossier; this, 3 ms."""
    inner = qs.filter(**{column: RawSQL("wanted.id", [])}).values_list("submitted_at", "pk")[:n]
    sql, params = inner.query.sql_with_params()
    statement = (
        f"SELECT s.* FROM unnest(%s::bigint[]) AS wanted(id) CROSS JOIN LATERAL ({sql}) s "  # noqa: S608  (the ORM's own SQL)
        "ORDER BY 1 DESC, 2 DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [ids, *params, n])
        return [(at, pk) for at, pk in cursor.fetchall()]
