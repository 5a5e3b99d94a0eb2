"""Periodic jobs over many rows, set-based: a job takes a batch of rows (thousands),
writes what it does to all of them in a few statements (or one), and commits; then the
next batch. A job killed midway keeps the batches it committed and the next run carries
on (a batch must leave out the rows already done: idempotent). A step that locks its
rows with SKIP LOCKED (``dossiers.bulk``) lets two workers run at once and leaves a row
an official is changing to the next run."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

__all__ = ["repeat"]


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
