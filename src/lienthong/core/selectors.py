"""Read queries of the shared kernel: readiness and platform health."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django_tasks_db.models import DBTaskResult

from lienthong.core.models import AuditHead, DeliveryStatus, OutboxDelivery, OutboxEvent

__all__ = [
    "PlatformHealth",
    "Readiness",
    "last_audit_verification",
    "platform_health",
    "readiness",
]


@dataclass(frozen=True)
class Readiness:
    ready: bool
    database: str  # "ok" | "unreachable"
    migrations: str  # "ok" | "pending" | "unknown"
    detail: str = ""


def readiness() -> Readiness:
    """Is the database reachable and fully migrated?"""
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        return Readiness(False, "unreachable", "unknown", str(exc).splitlines()[0][:200])
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return Readiness(False, "ok", "unknown", str(exc).splitlines()[0][:200])
    if plan:
        return Readiness(False, "ok", "pending", f"{len(plan)} migrations not applied")
    return Readiness(True, "ok", "ok")


@dataclass(frozen=True)
class PlatformHealth:
    events: int
    undelivered_failures: int
    dead_deliveries: int
    audit_entries: int


def platform_health() -> PlatformHealth:
    head = AuditHead.objects.filter(pk=1).first()
    return PlatformHealth(
        events=OutboxEvent.objects.count(),
        undelivered_failures=OutboxDelivery.objects.filter(status=DeliveryStatus.RETRY).count(),
        dead_deliveries=OutboxDelivery.objects.filter(status=DeliveryStatus.DEAD).count(),
        audit_entries=head.last_seq if head else 0,
    )


def last_audit_verification() -> DBTaskResult[[], dict[str, Any]] | None:
    """The most recent background verification of the audit chain, if any."""
    from lienthong.core.tasks import verify_audit_chain

    return (
        DBTaskResult.objects.filter(task_path=verify_audit_chain.module_path)
        .order_by("-enqueued_at")
        .first()
    )


def last_event_id() -> int:
    """The id of the newest outbox event (0 when there is none)."""
    return OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def aggregates_since(after: int, types: Iterable[str]) -> dict[str, set[str]]:
    """The ids of the objects of ``types`` that outbox events after the event ``after``
    are about, by type."""
    out: dict[str, set[str]] = {t: set() for t in types}
    rows = OutboxEvent.objects.filter(pk__gt=after, aggregate_type__in=list(out)).values_list(
        "aggregate_type", "aggregate_id"
    )
    for kind, pk in rows.iterator(chunk_size=5000):
        out[kind].add(pk)
    return out


def audit_entries(object_type: str, object_id: object) -> list[Any]:
    """The audit entries of one object (sealed and still pending), oldest first."""
    from lienthong.core.models import AuditEntry, AuditPending

    sealed = list(
        AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("seq")
    )
    pending = list(
        AuditPending.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
            "id"
        )
    )
    return [*sealed, *pending]
