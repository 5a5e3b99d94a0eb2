"""The outbox: events commit with their change and reach each consumer exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from django.db import transaction

from lienthong.core import audit, outbox
from lienthong.core.models import AuditEntry, DeliveryStatus, OutboxDelivery, OutboxEvent
from tests.conftest import REPO, database_url_of_current_test_db


def _emit_events(n: int, topic: str = "test.created") -> list[int]:
    ids = []
    with transaction.atomic():
        for i in range(n):
            ids.append(
                outbox.emit(topic, aggregate_type="thing", aggregate_id=i, payload={"i": i}).pk
            )
    return ids


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="atomic"):
        outbox.emit("test.created", aggregate_type="thing", aggregate_id=1, payload={})


@pytest.mark.django_db
def test_an_event_rolls_back_with_the_change_it_describes():
    def change_that_fails() -> None:
        with transaction.atomic():
            outbox.emit("test.created", aggregate_type="thing", aggregate_id=1, payload={})
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_that_fails()
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_each_consumer_gets_only_its_topics_and_each_event_once(temporary_consumer):
    seen: dict[str, list[int]] = {"a": [], "b": []}

    @temporary_consumer("test.a", topics=["test."])
    def a(event):
        seen["a"].append(event.pk)

    @temporary_consumer("test.b", topics=["other.thing"])
    def b(event):
        seen["b"].append(event.pk)

    ids = _emit_events(3)
    other = _emit_events(1, topic="other.thing")
    assert outbox.dispatch() == 4
    assert outbox.dispatch() == 0  # nothing twice
    assert seen == {"a": ids, "b": other}


@pytest.mark.django_db
def test_a_failing_consumer_is_retried_later_and_does_not_block_others(temporary_consumer):
    calls = {"ok": 0, "bad": 0}

    @temporary_consumer("test.ok", topics=["test."])
    def ok(event):
        calls["ok"] += 1

    @temporary_consumer("test.bad", topics=["test."])
    def bad(event):
        calls["bad"] += 1
        audit.record("test.should_roll_back")
        raise ValueError("boom")

    _emit_events(1)
    outbox.dispatch()
    assert calls == {"ok": 1, "bad": 1}
    failed = OutboxDelivery.objects.get(consumer="test.bad")
    assert failed.status == DeliveryStatus.RETRY
    assert "boom" in failed.last_error
    assert failed.next_attempt_at is not None
    # The failed consumer's own writes were rolled back.
    assert not AuditEntry.objects.filter(action="test.should_roll_back").exists()
    # Not retried before its time.
    outbox.dispatch()
    assert calls["bad"] == 1


@pytest.mark.django_db
def test_a_consumer_that_keeps_failing_is_parked_as_dead(temporary_consumer, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2

    @temporary_consumer("test.bad", topics=["test."])
    def bad(event):
        raise ValueError("still broken")

    _emit_events(1)
    outbox.dispatch()
    OutboxDelivery.objects.filter(status=DeliveryStatus.RETRY).update(
        next_attempt_at="2000-01-01T00:00:00Z"
    )
    outbox.dispatch()
    delivery = OutboxDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.attempts == 2


KILLED_DISPATCHER = textwrap.dedent(
    """
    import os, sys, time
    import django
    django.setup()
    from lienthong.core import audit, outbox

    @outbox.consumer("test.kill", topics=["test."])
    def handle(event):
        audit.record("test.handled", object_type="event", object_id=event.pk)
        print(event.pk, flush=True)  # the effect is written but not yet committed
        time.sleep(0.1)

    outbox.dispatch(limit=1000)
    """
)


@pytest.mark.django_db(transaction=True)
def test_each_event_is_delivered_once_when_the_dispatcher_is_killed_and_restarted(
    temporary_consumer, tmp_path
):
    ids = _emit_events(30)
    script = tmp_path / "dispatcher.py"
    script.write_text(KILLED_DISPATCHER)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lienthong.settings_test",
        "DATABASE_URL": database_url_of_current_test_db(),
        "OUTBOX_BATCH_SIZE": "1",  # commit after each event, so the kill lands between commits
    }
    proc = subprocess.Popen(
        [sys.executable, str(script)], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
    )
    printed = 0
    deadline = time.monotonic() + 60
    while printed < 6 and time.monotonic() < deadline:
        if proc.stdout.readline():
            printed += 1
    # Killed while the 6th event's transaction is open (its effect not committed).
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stdout.close()
    assert printed == 6
    handled_before_restart = OutboxDelivery.objects.filter(consumer="test.kill").count()
    assert 4 <= handled_before_restart <= 6

    @temporary_consumer("test.kill", topics=["test."])
    def handle(event):
        audit.record("test.handled", object_type="event", object_id=event.pk)

    outbox.dispatch(limit=1000)

    handled = list(
        AuditEntry.objects.filter(action="test.handled").values_list("object_id", flat=True)
    )
    assert sorted(handled, key=int) == [str(i) for i in ids]  # every event, exactly once
    assert OutboxDelivery.objects.filter(consumer="test.kill", status="done").count() == 30
    assert audit.verify().ok


@pytest.mark.django_db
def test_one_failing_event_in_a_batch_does_not_undo_the_others(temporary_consumer):
    ids = _emit_events(3)

    @temporary_consumer("test.picky", topics=["test."])
    def picky(event):
        audit.record("test.picky", object_id=event.pk)
        if event.pk == ids[1]:
            raise ValueError("cannot handle this one")

    assert outbox.dispatch() == 2
    statuses = dict(OutboxDelivery.objects.values_list("event_id", "status"))
    assert statuses == {ids[0]: "done", ids[1]: "retry", ids[2]: "done"}
    handled = AuditEntry.objects.filter(action="test.picky").values_list("object_id", flat=True)
    assert sorted(handled) == sorted([str(ids[0]), str(ids[2])])
    assert audit.verify().ok


@pytest.mark.django_db
def test_a_batch_consumer_takes_a_batchs_events_together(temporary_consumer):
    ids = _emit_events(5)
    batches: list[list[int]] = []

    @temporary_consumer("test.together", topics=["test."], batch=True)
    def together(events):
        batches.append([e.pk for e in events])

    assert outbox.dispatch() == 5
    assert batches == [ids]  # one call, oldest first
    assert outbox.dispatch() == 0
    assert batches == [ids]
    assert OutboxDelivery.objects.filter(consumer="test.together", status="done").count() == 5


@pytest.mark.django_db
def test_a_batch_holds_what_waits_up_to_the_consumers_size(temporary_consumer, settings):
    settings.OUTBOX_BATCH_SIZE = 2  # the others' batches: not this consumer's
    ids = _emit_events(7)
    batches: list[list[int]] = []

    @temporary_consumer("test.sized", topics=["test."], batch=True, size=3)
    def sized(events):
        batches.append([e.pk for e in events])

    assert outbox.dispatch() == 3  # one pass takes one batch
    while outbox.dispatch():
        pass
    assert batches == [ids[:3], ids[3:6], ids[6:]]
    ids = _emit_events(1)
    outbox.dispatch()
    assert batches[-1] == ids  # one event waiting: a batch of one, at once


@pytest.mark.django_db
def test_a_failing_batch_is_taken_again_event_by_event_and_only_the_bad_one_retried(
    temporary_consumer,
):
    ids = _emit_events(3)
    calls: list[list[int]] = []

    @temporary_consumer("test.picky-batch", topics=["test."], batch=True)
    def picky(events):
        calls.append([e.pk for e in events])
        for event in events:
            audit.record("test.picky-batch", object_id=event.pk)
            if event.pk == ids[1]:
                raise ValueError("cannot handle this one")

    assert outbox.dispatch() == 2
    assert calls == [ids, [ids[0]], [ids[1]], [ids[2]]]
    statuses = dict(OutboxDelivery.objects.values_list("event_id", "status"))
    assert statuses == {ids[0]: "done", ids[1]: "retry", ids[2]: "done"}
    # The failed batch's effects were undone: each good event is recorded once.
    handled = AuditEntry.objects.filter(action="test.picky-batch").values_list(
        "object_id", flat=True
    )
    assert sorted(handled) == sorted([str(ids[0]), str(ids[2])])
    assert audit.verify().ok
