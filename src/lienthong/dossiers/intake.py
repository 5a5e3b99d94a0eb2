"""Writing a new dossier: its number, the dossier, its components, the history row, the
outbox event and the audit entry — all or nothing.

On PostgreSQL it is one statement (a chain of ``INSERT … RETURNING`` in a ``WITH``):
one round trip, one commit, and the centre's day counter is locked only while that
statement runs, so submissions to one centre do not queue behind each other's
transactions. Elsewhere (SQLite, which has no data-modifying ``WITH``) the same rows
are written by consecutive inserts in one transaction. Measured in docs/performance.md.
"""

# ruff: noqa: S608  (the SQL is built from model metadata only; values are parameters)
from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Sequence

import psycopg
from django.db import connection, transaction

from lienthong.core import fastsql, outbox
from lienthong.core.models import AuditPending, OutboxEvent, PendingFile
from lienthong.dossiers.models import Dossier, DossierEvent, DossierFile, DossierSequence

__all__ = ["code", "insert_new", "prefix"]


def prefix(agency_code: str, day: dt.date) -> str:
    """``<receiving agency code>-<yymmdd>-``: a dossier code without its number."""
    return f"{agency_code}-{day:%y%m%d}-"


def code(agency_code: str, day: dt.date, last: int) -> str:
    """The dossier code with the day's number ``last``: four digits, more past 9,999
    (the statement in ``_statement`` formats it the same way)."""
    return f"{prefix(agency_code, day)}{last:04d}"


def _take_number() -> str:
    """Upsert of the centre's day counter, returning the number taken."""
    table = connection.ops.quote_name(DossierSequence._meta.db_table)
    return (
        f"INSERT INTO {table} (agency_id, day, last) VALUES (%s, %s, 1) "
        f"ON CONFLICT (agency_id, day) DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )


def _next(agency_id: int, day: dt.date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_take_number(), [agency_id, day])
        return int(cursor.fetchone()[0])


@functools.cache
def _statement(files: int, pending: bool = False) -> str:
    q = connection.ops.quote_name
    linked = {"dossier_id": "d.id"}
    parts = [
        f"seq AS ({_take_number()})",
        f"d AS (INSERT INTO {q(Dossier._meta.db_table)} ({fastsql.column_list(Dossier)}) "
        "SELECT "
        + fastsql.placeholders(
            Dossier,
            {
                "code": "%s || CASE WHEN seq.last < 10000 THEN lpad(seq.last::text, 4, '0') "
                "ELSE seq.last::text END"
            },
        )
        + " FROM seq RETURNING id, code)",
        f"e AS (INSERT INTO {q(DossierEvent._meta.db_table)} "
        f"({fastsql.column_list(DossierEvent)}) "
        f"SELECT {fastsql.placeholders(DossierEvent, linked)} FROM d)",
        f"o AS (INSERT INTO {q(OutboxEvent._meta.db_table)} ({fastsql.column_list(OutboxEvent)}) "
        "SELECT "
        + fastsql.placeholders(
            OutboxEvent,
            {
                "aggregate_id": "d.code",
                "payload": "%s::jsonb || jsonb_build_object('code', d.code)",
            },
        )
        + " FROM d)",
        f"a AS (INSERT INTO {q(AuditPending._meta.db_table)} "
        f"({fastsql.column_list(AuditPending)}) "
        f"SELECT {fastsql.placeholders(AuditPending, {'object_id': 'd.code'})} FROM d)",
    ]
    if files:
        # VALUES rows without the dossier column, which the select takes from ``d``.
        row = f"({fastsql.placeholders(DossierFile, {}, skip=frozenset({'dossier_id'}))})"
        names = [f"c{i}" for i in range(len(fastsql.columns(DossierFile)))]
        select = ", ".join(
            "d.id" if f.column == "dossier_id" else f"v.{n}"
            for f, n in zip(fastsql.columns(DossierFile), names, strict=True)
        )
        others = ", ".join(
            n
            for f, n in zip(fastsql.columns(DossierFile), names, strict=True)
            if f.column != "dossier_id"
        )
        parts.append(
            f"f AS (INSERT INTO {q(DossierFile._meta.db_table)} "
            f"({fastsql.column_list(DossierFile)}) "
            f"SELECT {select} FROM d, (VALUES {', '.join([row] * files)}) AS v ({others}))"
        )
    if pending:
        # The stored files stop being pending in the statement that names them.
        parts.append(f"p AS (DELETE FROM {q(PendingFile._meta.db_table)} WHERE name = ANY(%s))")
    sql = "WITH " + ",\n".join(parts) + "\nSELECT id, code FROM d"
    # PostgreSQL's own $n placeholders: psycopg rewrites %s for every execution of a
    # statement this long (its cache stops at 4 KB and 50 parameters), which cost a
    # third of a submission's Python time.
    numbers = itertools.count(1)
    return re.sub(r"%s", lambda _: f"${next(numbers)}", sql)


def insert_new(
    dossier: Dossier,
    files: Sequence[DossierFile],
    event: DossierEvent,
    outbox_event: OutboxEvent,
    audit_row: AuditPending,
    *,
    day: dt.date,
    pending: Sequence[str] = (),
) -> None:
    """Number ``dossier`` (receiving centre, ``day``) and write it with its rows.

    ``pending`` names the files stored for it (core/files.py): they stop being pending
    in the same commit.

    Sets ``dossier.pk`` and ``dossier.code``. Raises IntegrityError (nothing written,
    no number taken on PostgreSQL) when a unique constraint refuses the dossier.
    """
    if connection.vendor != "postgresql":
        with transaction.atomic():
            dossier.code = code(
                dossier.receiving_agency.code, day, _next(dossier.receiving_agency_id, day)
            )
            fastsql.insert([dossier], returning_pk=True)
            rows: tuple[DossierFile | DossierEvent, ...] = (*files, event)
            for row in rows:
                row.dossier = dossier
            fastsql.insert(list(files))
            fastsql.insert([event])
            outbox_event.aggregate_id = dossier.code
            outbox_event.payload = {**outbox_event.payload, "code": dossier.code}
            outbox.record(outbox_event)
            audit_row.object_id = dossier.code
            fastsql.insert([audit_row])
            if pending:
                PendingFile.objects.filter(name__in=list(pending)).delete()
        return
    dossier.code = prefix(dossier.receiving_agency.code, day)  # the statement adds the number
    params: list[object] = [dossier.receiving_agency_id, day]
    params += fastsql.values(dossier)
    params += fastsql.values(event, skip=frozenset({"dossier_id"}))
    params += fastsql.values(outbox_event, skip=frozenset({"aggregate_id"}))
    params += fastsql.values(audit_row, skip=frozenset({"object_id"}))
    for row in files:
        params += fastsql.values(row, skip=frozenset({"dossier_id"}))
    if pending:
        params.append(list(pending))
    # psycopg's own cursor binds on the server and prepares the statement once per
    # pooled connection: parsing and planning a hundred-parameter statement on every
    # submission cost more than running it. (Django's query log does not see it.)
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.RawCursor(connection.connection) as cursor:
        cursor.execute(_statement(len(files), bool(pending)), params, prepare=True)
        inserted = cursor.fetchone()
    if inserted is None:  # INSERT … RETURNING gives the row, or raises
        raise RuntimeError("the dossier insert returned no row")
    dossier.pk, dossier.code = inserted
    audit_row.object_id = dossier.code
    dossier._state.adding = False
    dossier._state.db = connection.alias
