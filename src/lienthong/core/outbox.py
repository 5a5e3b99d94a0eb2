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
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from lienthong.core.models import DeliveryStatus, OutboxDelivery, OutboxEvent

__all__ = ["Consumer", "consumer", "dispatch", "emit", "registered_consumers", "run_dispatcher"]

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]


@dataclass(frozen=True)
class Consumer:
    name: str
    topics: tuple[str, ...]  # exact topics or prefixes ending in "." or "*" for all
    handler: Handler

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


def registered_consumers() -> list[Consumer]:
    return list(_consumers.values())


def emit(
    topic: str, *, aggregate_type: str, aggregate_id: object, payload: dict[str, Any]
) -> OutboxEvent:
    """Record a domain event as part of the current transaction.

    Must be called inside ``transaction.atomic()`` so the event commits or rolls
    back with the change it describes.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must be called inside transaction.atomic()")
    return OutboxEvent.objects.create(
        topic=topic, aggregate_type=aggregate_type, aggregate_id=str(aggregate_id), payload=payload
    )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 2**attempts))


def _pending(cons: Consumer, limit: int) -> list[int]:
    now = timezone.now()
    handled = OutboxDelivery.objects.filter(consumer=cons.name).exclude(
        status=DeliveryStatus.RETRY, next_attempt_at__lte=now
    )
    return list(
        OutboxEvent.objects.filter(cons.topic_filter())
        .exclude(pk__in=handled.values("event_id"))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def _deliver(cons: Consumer, event_id: int) -> bool:
    """Handle one event for one consumer; True if it was handled now."""
    max_attempts: int = settings.OUTBOX_MAX_ATTEMPTS
    with transaction.atomic():
        event = OutboxEvent.objects.get(pk=event_id)
        delivery = (
            OutboxDelivery.objects.select_for_update(skip_locked=True)
            .filter(event_id=event_id, consumer=cons.name)
            .first()
        )
        if delivery is None:
            try:
                with transaction.atomic():
                    delivery = OutboxDelivery.objects.create(
                        event=event, consumer=cons.name, status=DeliveryStatus.DONE
                    )
            except IntegrityError:
                return False  # another dispatcher took it
        elif delivery.status != DeliveryStatus.RETRY:
            return False
        delivery.attempts += 1
        try:
            with transaction.atomic():
                cons.handler(event)
        except Exception as exc:  # a consumer's bug must not stop the others
            logger.warning("outbox consumer %s failed on event %s: %s", cons.name, event_id, exc)
            dead = delivery.attempts >= max_attempts
            delivery.status = DeliveryStatus.DEAD if dead else DeliveryStatus.RETRY
            delivery.last_error = "".join(traceback.format_exception(exc))[-4000:]
            delivery.next_attempt_at = (
                None if dead else timezone.now() + _backoff(delivery.attempts)
            )
            delivery.save()
            return False
        delivery.status = DeliveryStatus.DONE
        delivery.last_error = ""
        delivery.next_attempt_at = None
        delivery.save()
        return True


def dispatch(*, limit: int | None = None) -> int:
    """Deliver pending events to every consumer once; returns how many were handled."""
    batch = limit or settings.OUTBOX_BATCH_SIZE
    handled = 0
    for cons in registered_consumers():
        for event_id in _pending(cons, batch):
            handled += _deliver(cons, event_id)
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
