"""Transactional outbox for domain events.

``emit()`` writes an event in the caller's transaction. Consumers register with
``@consumer(...)`` (usually in their app's ``ready()``) and are called by
``dispatch()``, which the worker runs in a loop. A consumer's effects and the
record that it handled the event commit together, so each event is handled
once per consumer even if a dispatcher is killed and restarted. Effects outside
the database (e-mail, HTTP) are at-least-once: such consumers must be idempotent
on ``event.uuid``.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models.functions import Greatest
from django.utils import timezone

from lienthong.core import fastsql
from lienthong.core.models import (
    DeliveryStatus,
    OutboxCursor,
    OutboxDelivery,
    OutboxEvent,
    OutboxHorizon,
)

__all__ = [
    "Consumer",
    "batch_consumer",
    "consumer",
    "dispatch",
    "emit",
    "event_row",
    "record",
    "registered_consumers",
    "run_dispatcher",
]

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
BatchHandler = Callable[[list[OutboxEvent]], None]


@dataclass(frozen=True)
class Consumer:
    name: str
    topics: tuple[str, ...]  # exact topics or prefixes ending in "." or "*" for all
    handler: Handler
    #: Takes a batch's events at once (``batch_consumer``); ``handler`` takes them one
    #: by one when the batch fails, so the failing event is found and retried alone.
    batch: BatchHandler | None = None
    #: Events a delivery takes at most (0: ``OUTBOX_BATCH_SIZE``).
    size: int = 0

    def topic_filter(self) -> models.Q:
        if "*" in self.topics:
            return models.Q()
        q = models.Q(pk__in=[])
        for topic in self.topics:
            q |= models.Q(topic__startswith=topic) if topic.endswith(".") else models.Q(topic=topic)
        return q


_consumers: dict[str, Consumer] = {}


def consumer(name: str, *, topics: Iterable[str]) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the consumer ``name`` of the given topics."""

    def register(handler: Handler) -> Handler:
        _consumers[name] = Consumer(name=name, topics=tuple(topics), handler=handler)
        return handler

    return register


def batch_consumer(
    name: str, *, topics: Iterable[str], size: int = 0
) -> Callable[[BatchHandler], BatchHandler]:
    """Register ``handler`` as the consumer ``name`` of the given topics, given each
    batch's new events together, oldest first (one read and one write for many events).
    It must give the same result taken with any split of the events into batches.
    ``size``: the most events a batch takes (0: ``OUTBOX_BATCH_SIZE``); a batch holds what
    is waiting, so it stays small when events are few and grows with a backlog."""

    def register(handler: BatchHandler) -> BatchHandler:
        def one(event: OutboxEvent) -> None:
            handler([event])

        _consumers[name] = Consumer(
            name=name, topics=tuple(topics), handler=one, batch=handler, size=size
        )
        return handler

    return register


def registered_consumers() -> list[Consumer]:
    return list(_consumers.values())


def emit(
    topic: str, *, aggregate_type: str, aggregate_id: object, payload: dict[str, Any]
) -> OutboxEvent:
    """Record a domain event as part of the current transaction.

    Must be called inside ``transaction.atomic()`` so the event commits or rolls
    back with the change it describes.
    """
    return record(
        event_row(topic, aggregate_type=aggregate_type, aggregate_id=aggregate_id, payload=payload)
    )


def record(event: OutboxEvent) -> OutboxEvent:
    """Insert an event made by ``event_row`` as part of the current transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must be called inside transaction.atomic()")
    fastsql.insert([event], returning_pk=True)
    return event


def event_row(
    topic: str, *, aggregate_type: str, aggregate_id: object, payload: dict[str, Any]
) -> OutboxEvent:
    """An unsaved event, for a write that inserts it in the same statement as its change."""
    return OutboxEvent(
        topic=topic, aggregate_type=aggregate_type, aggregate_id=str(aggregate_id), payload=payload
    )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 2**attempts))


#: How old a noted horizon must be (by the database's clock) before it is taken, beyond
#: the end of the transactions running when it was noted.
HORIZON_WAIT: Final = timedelta(seconds=5)


def _horizon() -> int:
    """The event id up to which every event is committed or rolled back for good: no
    event at or below it can still appear. On PostgreSQL ids are taken before commit,
    so a noted top id becomes the horizon once every transaction running at that moment
    has ended — those with a transaction id (``pg_current_snapshot()``) and, for one that
    had taken an event id but not yet written its row, every transaction of this
    database begun before the moment (``pg_stat_activity``); on SQLite one writer at a
    time takes and commits its id."""
    top = OutboxEvent.objects.aggregate(top=models.Max("id"))["top"] or 0
    if connection.vendor != "postgresql":
        return int(top)
    with connection.cursor() as cursor:  # before any lock here: our own id not counted
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
            "pg_snapshot_xmax(pg_current_snapshot())::text::bigint, statement_timestamp(), "
            "(SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid())"
        )
        xmin, xmax, now, oldest = cursor.fetchone()
    with transaction.atomic():
        row, _made = OutboxHorizon.objects.select_for_update().get_or_create(pk=1)
        changed = False
        if (
            row.candidate_at is not None
            and xmin >= row.candidate_xmax
            and (oldest is None or oldest > row.candidate_at)
            and now - row.candidate_at >= HORIZON_WAIT
        ):
            row.horizon, row.candidate_at, changed = max(row.horizon, row.candidate), None, True
        if row.candidate_at is None and top > row.horizon:
            row.candidate, row.candidate_xmax, row.candidate_at, changed = top, xmax, now, True
        if changed:
            row.save()
        return row.horizon


def _topics_text(cons: Consumer) -> str:
    return "\n".join(sorted(cons.topics))


def _cursor(cons: Consumer) -> int:
    """The event id up to which ``cons`` has a delivery row for every event of its
    topics (0 when its topics changed since: every event is looked at again)."""
    row = OutboxCursor.objects.filter(consumer=cons.name).values_list("after", "topics").first()
    return int(row[0]) if row is not None and row[1] == _topics_text(cons) else 0


def _untaken(cons: Consumer, after: int) -> models.QuerySet[OutboxEvent]:
    """The events of ``cons``'s topics after ``after`` without a delivery row for it,
    oldest first (an index probe each)."""
    taken = OutboxDelivery.objects.filter(consumer=cons.name, event_id=models.OuterRef("pk"))
    return (
        OutboxEvent.objects.filter(cons.topic_filter(), pk__gt=after)
        .exclude(models.Exists(taken))
        .order_by("id")
    )


def _pending(cons: Consumer, limit: int, after: int = 0) -> list[int]:
    """The events ``cons`` has to take now, oldest first: its retries that are due, and
    the events of its topics after its cursor without a delivery row (each an index
    probe, however long the outbox)."""
    due = OutboxDelivery.objects.filter(
        consumer=cons.name, status=DeliveryStatus.RETRY, next_attempt_at__lte=timezone.now()
    ).order_by("event_id")
    ids = {
        *due.values_list("event_id", flat=True)[:limit],
        *_untaken(cons, after).values_list("id", flat=True)[:limit],
    }
    return sorted(ids)[:limit]


def _advance(cons: Consumer, after: int, horizon: int) -> None:
    """Move ``cons``'s cursor up to its first event without a delivery row, never past
    the horizon."""
    first = _untaken(cons, after).filter(pk__lte=horizon).values_list("id", flat=True).first()
    to = first - 1 if first is not None else horizon
    if to <= after:
        return
    topics = _topics_text(cons)
    moved = OutboxCursor.objects.filter(consumer=cons.name, topics=topics).update(
        after=Greatest("after", to)
    )
    if not moved:  # new, or its topics changed
        OutboxCursor.objects.update_or_create(
            consumer=cons.name, defaults={"after": to, "topics": topics}
        )


def _deliver_batch(cons: Consumer, event_ids: list[int]) -> int:
    """Handle a batch of events for one consumer in one transaction.

    Each event runs in its own savepoint together with the insert of its
    delivery row, so one failing event is rolled back alone and recorded for a
    retry, while the batch commits once (one fsync per batch, not per event).
    A process killed mid-batch commits nothing of it; the events are handled
    again, once, by the next dispatcher. A ``batch_consumer`` first takes the batch's
    new events in one savepoint; if that fails, they are taken one by one as above.
    """
    max_attempts: int = settings.OUTBOX_MAX_ATTEMPTS
    handled = 0
    with transaction.atomic():
        events = OutboxEvent.objects.in_bulk(event_ids)
        retries = {
            d.event_id: d
            for d in OutboxDelivery.objects.select_for_update(skip_locked=True).filter(
                event_id__in=event_ids, consumer=cons.name, status=DeliveryStatus.RETRY
            )
        }
        if cons.batch is not None:
            new = [events[i] for i in event_ids if i in events and i not in retries]
            if new and _deliver_together(cons, cons.batch, new):
                handled += len(new)
                event_ids = [i for i in event_ids if i in retries]
        for event_id in event_ids:
            event = events.get(event_id)
            if event is None:
                continue
            delivery = retries.get(event_id)
            try:
                with transaction.atomic():
                    cons.handler(event)
                    if delivery is None:
                        OutboxDelivery.objects.create(
                            event=event, consumer=cons.name, status=DeliveryStatus.DONE, attempts=1
                        )
                    else:
                        delivery.status = DeliveryStatus.DONE
                        delivery.attempts += 1
                        delivery.last_error = ""
                        delivery.next_attempt_at = None
                        delivery.save()
            except IntegrityError:
                continue  # another dispatcher handled it meanwhile; our effects were undone
            except Exception as exc:  # a consumer's bug must not stop the others
                logger.warning(
                    "outbox consumer %s failed on event %s: %s", cons.name, event_id, exc
                )
                _record_failure(cons, event, delivery, exc, max_attempts)
                continue
            handled += 1
    return handled


def _deliver_together(cons: Consumer, handler: BatchHandler, events: list[OutboxEvent]) -> bool:
    """All of ``events`` handled and recorded in one savepoint; False (nothing kept) when
    any fails or another dispatcher took one meanwhile."""
    try:
        with transaction.atomic():
            handler(events)
            OutboxDelivery.objects.bulk_create(
                OutboxDelivery(event=e, consumer=cons.name, status=DeliveryStatus.DONE, attempts=1)
                for e in events
            )
    except IntegrityError:
        return False
    except Exception as exc:  # found again event by event, and retried alone
        logger.info(
            "outbox consumer %s: a batch failed (%s); taking its events one by one", cons.name, exc
        )
        return False
    return True


def _record_failure(
    cons: Consumer,
    event: OutboxEvent,
    delivery: OutboxDelivery | None,
    exc: Exception,
    max_attempts: int,
) -> None:
    if delivery is None:
        delivery = OutboxDelivery(event=event, consumer=cons.name, attempts=0)
    delivery.attempts += 1
    dead = delivery.attempts >= max_attempts
    delivery.status = DeliveryStatus.DEAD if dead else DeliveryStatus.RETRY
    delivery.last_error = "".join(traceback.format_exception(exc))[-4000:]
    delivery.next_attempt_at = None if dead else timezone.now() + _backoff(delivery.attempts)
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        pass  # another dispatcher recorded this event meanwhile


def dispatch(*, limit: int | None = None) -> int:
    """Deliver pending events to every consumer once; returns how many were handled."""
    handled = 0
    horizon = _horizon()
    for cons in registered_consumers():
        batch: int = cons.size or settings.OUTBOX_BATCH_SIZE
        after = _cursor(cons)
        pending = _pending(cons, limit or batch, after)
        for i in range(0, len(pending), batch):
            handled += _deliver_batch(cons, pending[i : i + batch])
        _advance(cons, after, horizon)
    return handled


def run_dispatcher(stop: threading.Event, *, poll_seconds: float | None = None) -> None:
    """Dispatch until ``stop`` is set, sleeping when there is nothing to do."""
    from django.db import close_old_connections

    interval = settings.OUTBOX_POLL_SECONDS if poll_seconds is None else poll_seconds
    while not stop.is_set():
        close_old_connections()
        try:
            handled = dispatch()
        except Exception:
            logger.exception("outbox dispatch failed; retrying")
            handled = 0
        if not handled:
            stop.wait(interval)
    close_old_connections()
