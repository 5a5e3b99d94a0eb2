"""Append-only, hash-chained audit log.

Each entry's hash covers its own fields and the previous entry's hash, so an
edited, inserted or deleted row breaks the chain from that point on.
``verify()`` (``lienthong audit verify``) recomputes the whole chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from lienthong.core import fastsql
from lienthong.core.models import AuditEntry, AuditHead, AuditPending

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    #: Who did it: a user (an anonymous one is recorded as nobody), a system name such
    #: as ``"system:worker"``, or None.
    Actor = AbstractBaseUser | AnonymousUser | str | None

__all__ = [
    "GENESIS_HASH",
    "UNSEALED_AFTER",
    "VerifyResult",
    "defer",
    "entries_for",
    "pending_row",
    "record",
    "seal",
    "verify",
]

GENESIS_HASH = "0" * 64
#: A pending entry older than this is reported by ``verify`` (the worker seals every
#: few seconds; an old one means the worker is down).
UNSEALED_AFTER = timedelta(minutes=10)


def _canonical(
    *,
    seq: int,
    created_at: datetime,
    actor: str,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
    ip: str,
    prev_hash: str,
) -> bytes:
    body = {
        "seq": seq,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "data": data,
        "ip": ip,
        "prev_hash": prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _hash_entry(entry: AuditEntry) -> str:
    return hashlib.sha256(
        _canonical(
            seq=entry.seq,
            created_at=entry.created_at,
            actor=entry.actor,
            actor_label=entry.actor_label,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            data=entry.data,
            ip=entry.ip,
            prev_hash=entry.prev_hash,
        )
    ).hexdigest()


def _actor_ref(actor: Actor) -> tuple[str, str]:
    if actor is None:
        return "", ""
    if isinstance(actor, str):
        return actor, actor
    if getattr(actor, "is_authenticated", False):
        label = getattr(actor, "get_full_name", lambda: "")() or actor.get_username()
        return f"user:{actor.pk}", label
    return "", ""


def record(
    action: str,
    *,
    actor: Actor = None,
    object_type: str = "",
    object_id: object = "",
    data: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditEntry:
    """Append one entry to the audit chain.

    Runs inside the caller's transaction when there is one (the entry then
    commits or rolls back with the change); appends are serialised on the
    chain head so the chain never forks. ``actor`` is a user, a system name
    such as ``"system:worker"``, or None.
    """
    row = pending_row(
        action, actor=actor, object_type=object_type, object_id=object_id, data=data, ip=ip
    )
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry = _link(head, row)
        entry.save(force_insert=True)
        head.save(update_fields=["last_seq", "last_hash"])
    return entry


def _link(head: AuditHead, row: AuditPending) -> AuditEntry:
    """``row`` as the next entry of the chain after ``head`` (which moves on to it;
    not saved)."""
    entry = AuditEntry(
        seq=head.last_seq + 1,
        created_at=row.created_at,
        actor=row.actor,
        actor_label=row.actor_label,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        # Round-trip through JSON so the hash is computed on what the database returns.
        data=json.loads(json.dumps(row.data, ensure_ascii=False, default=str)),
        ip=row.ip,
        prev_hash=head.last_hash,
    )
    entry.hash = _hash_entry(entry)
    head.last_seq = entry.seq
    head.last_hash = entry.hash
    return entry


def pending_row(
    action: str,
    *,
    actor: Actor = None,
    object_type: str = "",
    object_id: object = "",
    data: dict[str, Any] | None = None,
    ip: str = "",
    at: datetime | None = None,
) -> AuditPending:
    """An entry for ``defer`` or for a caller that writes it in its own statement."""
    actor_ref, actor_label = _actor_ref(actor)
    return AuditPending(
        created_at=at or timezone.now(),
        actor=actor_ref,
        actor_label=actor_label[:200],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
        ip=ip,
    )


def defer(row: AuditPending) -> None:
    """Append ``row`` in the caller's transaction without waiting for the chain's head:
    ``seal`` links it within seconds. For writes too frequent to queue on one lock."""
    fastsql.insert([row])


def seal(*, limit: int = 5000) -> int:
    """Link committed pending entries into the chain, oldest first; how many."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        rows = list(AuditPending.objects.order_by("id")[:limit])
        if not rows:
            return 0
        entries = [_link(head, r) for r in rows]
        AuditEntry.objects.bulk_create(entries, batch_size=500)
        AuditPending.objects.filter(id__in=[r.id for r in rows]).delete()
        head.save(update_fields=["last_seq", "last_hash"])
    return len(rows)


def entries_for(object_type: str, object_id: object) -> Iterator[AuditEntry]:
    return AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id)).iterator()


@dataclass
class VerifyResult:
    checked: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(*, chunk_size: int = 2000) -> VerifyResult:
    """Recompute the whole chain and report every break.

    Detects an edited row (hash mismatch), a deleted or inserted row (sequence
    gap or broken link) and a deleted tail (head points past the last row).
    """
    result = VerifyResult()
    expected_seq = 1
    prev_hash = GENESIS_HASH
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        result.checked += 1
        if entry.seq != expected_seq:
            result.problems.append(
                (entry.seq, f"missing entries {expected_seq}..{entry.seq - 1} (deleted)")
            )
        if entry.prev_hash != prev_hash:
            result.problems.append((entry.seq, "link to the previous entry is broken"))
        if _hash_entry(entry) != entry.hash:
            result.problems.append((entry.seq, "content does not match its hash (edited)"))
        expected_seq = entry.seq + 1
        prev_hash = entry.hash
    head = AuditHead.objects.filter(pk=1).first()
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS_HASH
    if last_seq != expected_seq - 1 or last_hash != prev_hash:
        result.problems.append(
            (last_seq, f"chain head is at #{last_seq} but the log ends at #{expected_seq - 1}")
        )
    stale = AuditPending.objects.filter(created_at__lt=timezone.now() - UNSEALED_AFTER).count()
    if stale:
        result.problems.append((last_seq, f"{stale} entries wait to be sealed (is the worker up?)"))
    return result
