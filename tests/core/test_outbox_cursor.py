"""Each consumer's cursor: a pass reads only the outbox after it, however long the
outbox grows, and never passes an event that may still commit (PostgreSQL takes ids
before commit: an event committed late, below newer ones, is still delivered)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from lienthong.core import outbox
from lienthong.core.models import OutboxCursor, OutboxDelivery, OutboxEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _emit(topic: str = "test.created") -> int:
    with transaction.atomic():
        return outbox.emit(topic, aggregate_type="test", aggregate_id="1", payload={}).pk


def _drain(until=lambda: True, seconds: float = 30) -> None:
    """Dispatch until nothing is left and ``until()`` holds. On PostgreSQL a horizon is
    noted on one pass and taken on a later one, once every transaction of the server
    that ran when it was noted has ended (other tests' too)."""
    deadline = time.monotonic() + seconds
    while outbox.dispatch() or not until():
        assert time.monotonic() < deadline, "the outbox did not settle"
        time.sleep(0.05)


def _cursor(name: str) -> int:
    return OutboxCursor.objects.filter(consumer=name).values_list("after", flat=True).first() or 0


def _taken(name: str) -> set[int]:
    return set(OutboxDelivery.objects.filter(consumer=name).values_list("event_id", flat=True))


def test_the_cursor_follows_the_taken_events_and_restarts_when_topics_change(
    temporary_consumer, monkeypatch
):
    monkeypatch.setattr(outbox, "HORIZON_WAIT", outbox.timedelta(0))
    seen: list[int] = []

    @temporary_consumer("test.cursor", topics=["test."])
    def take(event):
        seen.append(event.pk)

    ids = [_emit() for _ in range(5)]
    other = _emit("other.created")
    _drain(until=lambda: _cursor("test.cursor") == other)  # past all, "other" included
    assert seen == ids
    # The same name with another topic: the cursor starts over, the new topic's old
    # events are taken, the others are not taken twice.
    outbox._consumers.pop("test.cursor")
    temporary_consumer("test.cursor", topics=["test.", "other."])(take)
    _drain()
    assert seen == [*ids, other]


def test_an_event_committed_late_below_newer_ones_is_still_taken(temporary_consumer, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes and commits an id under one write lock")
    monkeypatch.setattr(outbox, "HORIZON_WAIT", outbox.timedelta(0))

    @temporary_consumer("test.late", topics=["test."])
    def take(event):
        pass

    emitted, release = threading.Event(), threading.Event()
    late: list[int] = []
    failures: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                late.append(_emit())  # its id taken now ...
                emitted.set()
                assert release.wait(timeout=30)
            # ... committed only now
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert emitted.wait(timeout=30)
    newer = _emit()
    _drain(until=lambda: _taken("test.late") == {newer})
    for _ in range(20):  # however long it waits, the cursor stays below the open one
        outbox.dispatch()
        time.sleep(0.02)
    assert _cursor("test.late") < late[0]
    release.set()
    writer.join(timeout=30)
    assert not failures
    _drain(until=lambda: _cursor("test.late") >= newer)
    assert _taken("test.late") == {newer, late[0]}
    assert OutboxEvent.objects.count() == 2
