"""The gateway's hot read in SQL: one record by registry and key.

``bench/registry_lookup.py`` showed that building the ORM query for this single-row
read cost as much as the rest of a logged lookup (about 1 ms of the ~3 ms a lookup
spends in Python on PostgreSQL). The statement is fixed, so it is written once here;
``tests/registries/test_fastpath.py`` counts the queries of a lookup.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Final

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from lienthong.registries.models import Record

__all__ = ["record_by_key", "records_by_keys"]

_COLUMNS: Final = ("key", "subject", "version", "valid_from", "data", "group")


def _sql() -> str:
    q = connection.ops.quote_name
    cols = ", ".join(q(c) for c in _COLUMNS)  # the fields' own names are their columns
    table = q(Record._meta.db_table)
    return f"SELECT {cols} FROM {table} WHERE {q('registry_id')} = %s AND {q('key')} = %s"  # noqa: S608


def _when(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt.UTC)


def _many_sql(n: int) -> str:
    q = connection.ops.quote_name
    marks = ", ".join(["%s"] * n)
    return _sql().replace(f"{q('key')} = %s", f"{q('key')} IN ({marks})")


def records_by_keys(
    registry_id: int, keys: list[str]
) -> dict[str, tuple[str, str, int, dt.datetime, dict[str, Any], str]]:
    """The current records of ``keys`` (those that exist), by key: one statement for a
    batch of lookups."""
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_many_sql(len(keys)), [registry_id, *keys])
        rows = cursor.fetchall()
    return {row[0]: _row(row) for row in rows}


def _row(row: Any) -> tuple[str, str, int, dt.datetime, dict[str, Any], str]:
    key_, subject, version, valid_from, data, group = row
    if isinstance(data, str | bytes):
        data = json.loads(data)
    return str(key_), str(subject), int(version), _when(valid_from), data, str(group or "")


def record_by_key(
    registry_id: int, key: str
) -> tuple[str, str, int, dt.datetime, dict[str, Any], str] | None:
    """(key, subject, version, valid_from, data, group) of one current record, or None."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [registry_id, key])
        row = cursor.fetchone()
    return None if row is None else _row(row)
