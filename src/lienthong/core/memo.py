"""Per-process memory of read-mostly lookups (units, agencies, procedures, API tokens).

Submitting a dossier needs the procedure's published version, the commune and the
agencies that receive and handle it: rows that change a few times a year. Reading
them once per process instead of once per request takes four queries off every
submission. Each memo forgets its entries after ``ttl`` seconds, so a change made by
another process (``load-reference-data``, an administrator on another worker) is
seen within that time; a change saved through the ORM in this process empties every
memo at once (``forget_on_change``). Entries are shared between threads: callers
must treat the returned objects as read-only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import TTLCache, cached
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

__all__ = ["clear", "forget_on_change", "memoize"]

F = TypeVar("F", bound=Callable[..., Any])

_memos: list[tuple[TTLCache[Hashable, Any], threading.Lock]] = []


def memoize(
    *, key: Callable[..., Hashable], ttl: float = 60, maxsize: int = 8192
) -> Callable[[F], F]:
    """Decorate a lookup whose result depends only on ``key(*args, **kwargs)``.

    Only results are remembered; an exception (say NotFound) is raised again next time.
    """
    cache: TTLCache[Hashable, Any] = TTLCache(maxsize=maxsize, ttl=ttl)
    lock = threading.Lock()
    _memos.append((cache, lock))

    def decorate(fn: F) -> F:
        return cached(cache, key=key, lock=lock)(fn)  # type: ignore[return-value]  # same signature

    return decorate


def clear(*_args: Any, **_kwargs: Any) -> None:
    """Forget every remembered lookup in this process (also a signal receiver)."""
    for cache, lock in _memos:
        with lock:
            cache.clear()


def _clear_now_and_after_commit(*_args: Any, **_kwargs: Any) -> None:
    # A change is saved before its transaction commits: another thread may read and
    # remember the old row in between, so forget once more when the change is final.
    clear()
    transaction.on_commit(clear)


def forget_on_change(*models: type[Model]) -> None:
    """Empty the memos whenever a row of one of ``models`` is saved or deleted here."""
    for model in models:
        uid = model._meta.label
        post_save.connect(_clear_now_and_after_commit, sender=model, dispatch_uid=f"memo-s-{uid}")
        post_delete.connect(_clear_now_and_after_commit, sender=model, dispatch_uid=f"memo-d-{uid}")
