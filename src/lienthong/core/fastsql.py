"""Inserts for the hottest write paths, without the ORM's per-call SQL compilation.

``QuerySet.bulk_create`` builds its SQL anew on every call, which costs several times
what the database then spends on a one-row insert. ``insert`` builds the statement
once per model and row count and takes each value exactly as the ORM does
(``pre_save`` — defaults, ``auto_now_add``, files saved to storage — then
``get_db_prep_save``), so the rows written are the same.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

__all__ = [
    "add",
    "add_rows",
    "column_list",
    "columns",
    "differences",
    "insert",
    "load",
    "placeholders",
    "values",
]


@functools.cache
def columns(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    """The columns an insert of ``model`` writes (all but an auto-increment key)."""
    return tuple(
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    )


def _column(field: models.Field[Any, Any]) -> str:
    """The column of a concrete field (only a field without one, which ``columns`` never
    returns, has ``column`` None)."""
    if field.column is None:
        raise TypeError(f"{field} has no database column")
    return field.column


@functools.cache
def _statement(model: type[models.Model], rows: int, vendor: str, returning: bool) -> str:
    quote = connection.ops.quote_name
    fields = columns(model)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608  (names from the model)
        f"({', '.join(quote(_column(f)) for f in fields)}) VALUES {', '.join([row] * rows)}"
    )
    return sql + f" RETURNING {quote(_column(model._meta.pk))}" if returning else sql


def values(obj: models.Model, *, skip: frozenset[str] = frozenset()) -> list[Any]:
    """The database values of ``obj``'s columns (but ``skip``), as the ORM would write them."""
    return [
        f.get_db_prep_save(f.pre_save(obj, True), connection=connection)
        for f in columns(type(obj))
        if f.column not in skip
    ]


def placeholders(
    model: type[models.Model], exprs: dict[str, str], *, skip: frozenset[str] = frozenset()
) -> str:
    """A select list for ``INSERT … SELECT`` (or a ``VALUES`` row): ``exprs[column]``
    where given, otherwise a parameter cast to the column's type (PostgreSQL cannot
    infer it there); the columns in ``skip`` left out, as ``values`` leaves them out."""
    return ", ".join(
        exprs.get(_column(f)) or f"%s::{f.db_type(connection)}"
        for f in columns(model)
        if f.column not in skip
    )


def column_list(model: type[models.Model]) -> str:
    return ", ".join(connection.ops.quote_name(_column(f)) for f in columns(model))


def insert(objs: Sequence[models.Model], *, returning_pk: bool = False) -> None:
    """Insert ``objs`` (all of one model) in one statement; set their primary keys when
    ``returning_pk`` (PostgreSQL and SQLite ≥ 3.35 return rows in the order given)."""
    if not objs:
        return
    model = type(objs[0])
    params = [value for obj in objs for value in values(obj)]
    sql = _statement(model, len(objs), connection.vendor, returning_pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning_pk:
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


@functools.cache
def _adding(
    model: type[models.Model], rows: int, unique: tuple[str, ...], summed: tuple[str, ...]
) -> str:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    sums = ", ".join(f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in summed)
    return (
        _statement(model, rows, connection.vendor, False)
        + f" ON CONFLICT ({', '.join(quote(c) for c in unique)}) DO UPDATE SET {sums}"
    )


@functools.cache
def _adding_arrays(
    model: type[models.Model], unique: tuple[str, ...], summed: tuple[str, ...]
) -> str:
    """``_adding`` for PostgreSQL with one array parameter per column, whatever the rows'
    count: one statement to plan and no query text growing with the rows (thousands of
    placeholders cost more to send and parse than the rows to write)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = columns(model)
    names = ", ".join(quote(_column(f)) for f in fields)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    sums = ", ".join(f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in summed)
    return (
        f"INSERT INTO {table} ({names}) SELECT {names} "  # noqa: S608  (names from the model)
        f"FROM unnest({arrays}) WITH ORDINALITY AS r({names}, _row) ORDER BY _row "
        f"ON CONFLICT ({', '.join(quote(c) for c in unique)}) DO UPDATE SET {sums}"
    )


def add(
    objs: Sequence[models.Model],
    *,
    unique: Sequence[str],
    summed: Sequence[str],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``objs`` (all of one model, no two with the same ``unique`` columns) in one
    statement; where a row with their ``unique`` columns exists, add their ``summed``
    columns to it instead. Rows are locked in the order given: callers that may run
    concurrently give them in one order (sorted by key), so they never wait in a cycle.
    (The ORM's ``bulk_create(update_conflicts=True)`` can only overwrite, not add.)
    ``returning``: columns of the rows as written, returned (in no particular order)."""
    if not objs:
        return []
    rows = [values(obj) for obj in objs]
    return add_rows(type(objs[0]), rows, unique=unique, summed=summed, returning=returning)


def add_rows(
    model: type[models.Model],
    rows: Sequence[Sequence[Any]],
    *,
    unique: Sequence[str],
    summed: Sequence[str],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """``add`` for rows of values already as the database takes them, in the order of
    ``columns(model)``: for bulk jobs, where building model instances costs more than
    the statement."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        sql = _adding_arrays(model, tuple(unique), tuple(summed))
        params = [list(column) for column in zip(*rows, strict=True)]
    else:
        sql = _adding(model, len(rows), tuple(unique), tuple(summed))
        params = [value for row in rows for value in row]
    if returning:
        quote = connection.ops.quote_name
        sql += " RETURNING " + ", ".join(quote(c) for c in returning)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()] if returning else []


def load(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write many rows of ``model`` at once, for bulk loads: ``names`` are fields (names
    or attnames), each row their values as the database takes them (JSON as text). On
    PostgreSQL the rows are streamed with ``COPY`` (several times faster than inserts);
    elsewhere they go in one prepared statement executed for each row."""
    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    cols = ", ".join(quote(_column(meta.get_field(n))) for n in names)  # type: ignore[arg-type]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapt = connection.ops.adapt_datetimefield_value
        marks = ", ".join(["%s"] * len(names))
        cursor.executemany(
            f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # noqa: S608  (names from the model)
            [tuple(adapt(v) if isinstance(v, dt.datetime) else v for v in row) for row in rows],
        )


def differences(
    target: type[models.Model],
    key: Sequence[str],
    summed: Sequence[str],
    sources: Sequence[tuple[type[models.Model], dict[str, str]]],
) -> list[tuple[Any, ...]]:
    """Where the rows of ``sources`` added up by ``key`` differ from the rows of
    ``target`` (its columns ``key`` and ``summed``): ``(key…, difference…)`` for each such
    key, the difference being what to add to ``target``'s row (a missing row counts 0).
    One statement, so one snapshot of every table: added to the target while others add
    to it too, the differences still make it the sum. ``sources`` give each model with
    an SQL expression for each key column that is not a column of the same name; a
    summed column a source lacks counts 0 (a source's ``where`` may be given as the
    expression of the key ``"__where__"``)."""
    quote = connection.ops.quote_name

    def select(model: type[models.Model], exprs: dict[str, str], sign: str) -> str:
        have = {_column(f) for f in columns(model)}
        keys = [f"{exprs.get(k, quote(k))} AS {quote(k)}" for k in key]
        sums = [f"{sign + quote(c) if c in have else '0'} AS {quote(c)}" for c in summed]
        where = f" WHERE {exprs['__where__']}" if "__where__" in exprs else ""
        table = quote(model._meta.db_table)
        return f"SELECT {', '.join(keys + sums)} FROM {table}{where}"  # noqa: S608  (names)

    parts = [select(model, exprs, "") for model, exprs in sources]
    parts.append(select(target, {}, "-"))
    totals = ", ".join(f"SUM({quote(c)})" for c in summed)
    keys = ", ".join(quote(k) for k in key)
    sql = (
        f"SELECT {keys}, {totals} FROM ({' UNION ALL '.join(parts)}) AS t "  # noqa: S608  (names from the models)
        f"GROUP BY {keys} HAVING " + " OR ".join(f"SUM({quote(c)}) <> 0" for c in summed)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())
