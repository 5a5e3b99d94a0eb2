"""Periodic jobs over many rows, set-based: a job takes a batch of rows (thousands),
writes what it does to all of them in a few statements (or one), and commits; then the
next batch. A job killed midway keeps the batches it committed and the next run carries
on (a batch must leave out the rows already done: idempotent). On PostgreSQL the batch's
rows are locked with SKIP LOCKED, so two workers never take the same row and a row an
official is changing is taken by the next run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models, transaction

__all__ = ["in_batches", "repeat"]


def repeat(step: Callable[[int], int], *, batch: int = 5_000, limit: int | None = None) -> int:
    """Run ``step(size)`` (which does at most ``size`` rows and says how many it did), each
    in its own transaction, until it does fewer (or ``limit`` rows are done); how many."""
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        with transaction.atomic():
            did = step(size)
        done += did
        if did < size:
            break
    return done


def in_batches(
    select: Callable[[], models.QuerySet[Any]],
    apply: Callable[[list[tuple[Any, ...]]], None],
    *,
    fields: Sequence[str],
    batch: int = 5_000,
    limit: int | None = None,
) -> int:
    """:func:`repeat` with the ORM: ``apply`` gets the ``fields`` of up to a batch of the
    rows ``select()`` gives (locked on PostgreSQL)."""

    def step(size: int) -> int:
        qs = select()
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        rows = list(qs.values_list(*fields)[:size])
        if rows:
            apply(rows)
        return len(rows)

    return repeat(step, batch=batch, limit=limit)
