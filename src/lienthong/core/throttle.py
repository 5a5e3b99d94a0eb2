"""Counting attempts per key in fixed windows, in the database.

The counts must hold across server processes (the SQLite default has no cache server),
so they are rows of ``ThrottleCounter``: one atomic ``UPDATE … count = count + 1`` per
attempt, an insert for the first of a window. Used where guessing is the attack:
public dossier tracking (per address and per dossier).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction

from lienthong.core.models import ThrottleCounter

__all__ = ["Limit", "count", "exceeded", "forget_old", "hit"]


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` per ``seconds`` for keys starting with ``scope``."""

    scope: str
    attempts: int
    seconds: int

    def window(self, now: float | None = None) -> int:
        return int((now if now is not None else time.time()) // self.seconds)

    def retry_after(self, now: float | None = None) -> int:
        """Seconds until the current window ends."""
        t = now if now is not None else time.time()
        return max(1, int((self.window(t) + 1) * self.seconds - t))


def _key(limit: Limit, subject: str) -> str:
    return f"{limit.scope}:{subject}"[:200]


def _increment(key: str, window: int, amount: int = 1) -> int | None:
    """``count + amount`` of an existing counter, in one statement (``UPDATE … RETURNING``:
    the gateway counts every read, and two statements per read cost as much as the read
    itself); None when the window has no counter yet."""
    table = connection.ops.quote_name(ThrottleCounter._meta.db_table)
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {q('count')} = {q('count')} + %s "  # noqa: S608  names from the model
            f"WHERE {q('key')} = %s AND {q('window')} = %s RETURNING {q('count')}",
            [amount, key, window],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def hit(limit: Limit, subject: str, now: float | None = None, *, amount: int = 1) -> int:
    """Count ``amount`` attempts of ``subject`` (one by default; a batch of lookups
    counts each); return the count of the window so far."""
    key, window = _key(limit, subject), limit.window(now)
    counted = _increment(key, window, amount)
    if counted is not None:
        return counted
    try:
        with transaction.atomic():
            ThrottleCounter.objects.create(
                key=key, window=window, count=amount, ends=(window + 1) * limit.seconds
            )
    except IntegrityError:  # another process counted the first one meanwhile
        return _increment(key, window, amount) or count(limit, subject, now)
    return amount


def count(limit: Limit, subject: str, now: float | None = None) -> int:
    found = (
        ThrottleCounter.objects.filter(key=_key(limit, subject), window=limit.window(now))
        .values_list("count", flat=True)
        .first()
    )
    return found or 0


def exceeded(limit: Limit, subject: str, now: float | None = None) -> bool:
    return count(limit, subject, now) >= limit.attempts


def forget_old(now: float | None = None) -> int:
    """Delete the counts of windows that have ended; return how many."""
    t = now if now is not None else time.time()
    return ThrottleCounter.objects.filter(ends__lt=int(t)).delete()[0]
