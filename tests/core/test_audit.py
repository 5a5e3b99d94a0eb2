"""The audit log is append-only and any tampering is detected."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from lienthong.core import audit
from lienthong.core.models import AuditEntry, AuditPending


def _record_some(n: int = 5) -> list[AuditEntry]:
    return [
        audit.record(
            "test.action",
            actor="system:test",
            object_type="thing",
            object_id=i,
            data={"i": i, "tên": "Hồ sơ"},
        )
        for i in range(n)
    ]


def _disable_guard() -> None:
    """What an attacker with database rights would do first."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("DROP TRIGGER core_auditentry_no_update")
        else:
            cur.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")


@pytest.mark.django_db
def test_an_untouched_chain_verifies(capsys):
    _record_some()
    result = audit.verify()
    assert result.ok
    assert result.checked == 5
    call_command("audit", "verify")
    assert "5 bản ghi" in capsys.readouterr().out


@pytest.mark.django_db
def test_entries_are_chained_by_hash():
    entries = _record_some(3)
    assert entries[0].prev_hash == audit.GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert [e.seq for e in entries] == [1, 2, 3]


@pytest.mark.django_db
def test_the_orm_refuses_to_change_or_delete_an_entry():
    entry = _record_some(1)[0]
    entry.action = "changed"
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()


@pytest.mark.django_db
def test_the_database_refuses_an_update_of_an_entry():
    _record_some(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(action="rewritten")
    assert AuditEntry.objects.get(seq=1).action == "test.action"


@pytest.mark.django_db
def test_verify_catches_an_edited_row():
    _record_some()
    _disable_guard()
    with connection.cursor() as cur:
        cur.execute("UPDATE core_auditentry SET data = %s WHERE seq = 3", ['{"i": 99}'])
    result = audit.verify()
    assert not result.ok
    assert (3, "content does not match its hash (edited)") in result.problems
    with pytest.raises(CommandError, match="bị phá vỡ"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_verify_catches_an_edited_row_even_when_its_hash_is_recomputed():
    entries = _record_some()
    _disable_guard()
    forged = entries[2]
    forged.actor = "user:999"
    forged_hash = audit._hash_entry(forged)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE core_auditentry SET actor = %s, hash = %s WHERE seq = 3",
            ["user:999", forged_hash],
        )
    result = audit.verify()
    assert (4, "link to the previous entry is broken") in result.problems


@pytest.mark.django_db
def test_verify_catches_a_deleted_row_in_the_middle():
    _record_some()
    _disable_guard()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditentry WHERE seq = 2")
    problems = audit.verify().problems
    assert (3, "missing entries 2..2 (deleted)") in problems


@pytest.mark.django_db
def test_verify_catches_a_deleted_tail():
    _record_some()
    _disable_guard()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditentry WHERE seq = 5")
    problems = audit.verify().problems
    assert problems == [(5, "chain head is at #5 but the log ends at #4")]


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain():
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for i in range(15):
                audit.record("test.concurrent", actor=f"system:w{worker}", object_id=i)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = audit.verify()
    assert result.ok, result.problems
    assert result.checked == 45


def _defer(i: int, **kw) -> None:
    audit.defer(audit.pending_row("test.deferred", actor="system:test", object_id=i, **kw))


@pytest.mark.django_db
def test_deferred_entries_are_sealed_into_the_chain_in_order():
    _record_some(2)
    for i in range(3):
        _defer(i, data={"i": i, "tên": "Hồ sơ"})
    _record_some(1)  # a synchronous append meanwhile: the chain stays one chain
    assert audit.seal() == 3
    assert audit.seal() == 0
    assert not AuditPending.objects.exists()
    deferred = AuditEntry.objects.filter(action="test.deferred").order_by("seq")
    assert [e.object_id for e in deferred] == ["0", "1", "2"]
    assert deferred[0].data == {"i": 0, "tên": "Hồ sơ"}
    assert audit.verify().ok


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_no_deferred_entry():
    def failing_step() -> None:
        with transaction.atomic():
            _defer(1)
            raise RuntimeError("the step failed")

    with pytest.raises(RuntimeError):
        failing_step()
    assert audit.seal() == 0
    assert not AuditEntry.objects.filter(action="test.deferred").exists()


@pytest.mark.django_db
def test_verify_reports_entries_left_unsealed(capsys):
    _defer(1, at=timezone.now() - audit.UNSEALED_AFTER - dt.timedelta(seconds=1))
    result = audit.verify()
    assert not result.ok
    assert "wait to be sealed" in result.problems[-1][1]
    call_command("audit", "seal")
    assert "Đã nối 1 bản ghi" in capsys.readouterr().out
    assert audit.verify().ok


@pytest.mark.django_db
def test_the_worker_seals_deferred_entries():
    from lienthong.core.periodic import jobs

    _defer(1)
    job = next(j for j in jobs() if j.name == "core.seal-audit")
    assert job.every_seconds <= 5
    assert job.run() == 1
    assert AuditEntry.objects.filter(action="test.deferred").count() == 1
