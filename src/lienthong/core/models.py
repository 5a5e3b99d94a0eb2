"""Shared-kernel tables: the domain-event outbox and the hash-chained audit log."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """A domain event, written in the same transaction as the change it describes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    topic = models.CharField(_("chủ đề"), max_length=120, db_index=True)
    aggregate_type = models.CharField(_("loại đối tượng"), max_length=80)
    aggregate_id = models.CharField(_("mã đối tượng"), max_length=80)
    payload = models.JSONField(_("nội dung"), default=dict)
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)

    class Meta:
        verbose_name = _("sự kiện miền")
        verbose_name_plural = _("sự kiện miền")
        ordering = ["id"]
        indexes = [models.Index(fields=["aggregate_type", "aggregate_id"])]

    def __str__(self) -> str:
        return f"{self.topic} {self.aggregate_type}:{self.aggregate_id}"


class DeliveryStatus(models.TextChoices):
    DONE = "done", _("Đã xử lý")
    RETRY = "retry", _("Chờ thử lại")
    DEAD = "dead", _("Thất bại, cần xem xét")


class OutboxDelivery(models.Model):
    """Which consumer has handled which event.

    The row is written in the consumer's own transaction, together with the
    consumer's effects, so an event is handled exactly once per consumer as far
    as the database is concerned: a dispatcher killed mid-way leaves no row and
    no effect, and the event is picked up again.
    """

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    consumer = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lần chuyển sự kiện")
        verbose_name_plural = _("lần chuyển sự kiện")
        constraints = [
            models.UniqueConstraint(fields=["event", "consumer"], name="outbox_delivery_once"),
        ]
        indexes = [models.Index(fields=["consumer", "status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.consumer} ← #{self.event_id}: {self.status}"


class OutboxCursor(models.Model):
    """How far a consumer has taken the outbox: every event up to ``after`` that its
    topics name has a delivery row (done, dead or waiting for a retry), so a pass reads
    only the events after it (core.outbox, "Cursors"). Reset when its topics change."""

    consumer = models.CharField(max_length=120, primary_key=True)
    after = models.BigIntegerField(default=0)
    topics = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.consumer} → #{self.after}"


class OutboxHorizon(models.Model):
    """The event id up to which every event is committed or gone for good (``horizon``),
    which no cursor passes; and the next one waited for: ``candidate``, settled once
    the transactions running when it was noted (PostgreSQL: those below ``candidate_xmax``)
    have ended and ``candidate_at`` is a few seconds old. One row."""

    horizon = models.BigIntegerField(default=0)
    candidate = models.BigIntegerField(default=0)
    candidate_xmax = models.BigIntegerField(default=0)
    candidate_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"#{self.horizon}"


class AuditPending(models.Model):
    """An audit entry written in its step's transaction, not yet linked into the chain.

    The busiest writes (a dossier's submission and steps, hundreds a second) append
    here without taking the chain's head lock, which would queue every one of them
    behind the others' commits; ``audit.seal`` (the worker, every few seconds) moves
    committed rows into the chain in the order it finds them. A step that rolls back
    leaves no row; ``audit.verify`` reports rows left unsealed too long.
    """

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField()
    actor = models.CharField(max_length=120, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=120)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.CharField(max_length=45, blank=True)

    def __str__(self) -> str:
        return f"pending {self.action} {self.object_id}"


class AuditHead(models.Model):
    """The tip of the audit chain: one row, locked by every append.

    Holding the last sequence number and hash here serialises appends (no fork
    in the chain) and lets verification notice a deleted tail.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single")]

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"


class AuditEntry(models.Model):
    """One append-only audit record, chained to the previous one by SHA-256."""

    seq = models.BigIntegerField(primary_key=True)
    created_at = models.DateTimeField(_("thời điểm"))
    actor = models.CharField(_("người thực hiện"), max_length=120, blank=True)
    actor_label = models.CharField(_("tên người thực hiện"), max_length=200, blank=True)
    action = models.CharField(_("hành động"), max_length=120, db_index=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=80, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=80, blank=True)
    data = models.JSONField(_("chi tiết"), default=dict, blank=True)
    ip = models.CharField(_("địa chỉ IP"), max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("nhật ký kiểm tra")
        verbose_name_plural = _("nhật ký kiểm tra")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit entries are append-only")


class PendingFile(models.Model):
    """A file written to storage whose row is not committed yet.

    Written (and committed) before the file, deleted in the transaction that commits
    the row naming the file: a request that fails or is killed leaves its row here, and
    the sweep (``lienthong files sweep``) removes the file with it. See core/files.py.
    """

    name = models.CharField(max_length=300, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("tệp chờ ghi")
        verbose_name_plural = _("tệp chờ ghi")

    def __str__(self) -> str:
        return self.name


class ThrottleCounter(models.Model):
    """Attempts counted per key (an address, a dossier) in a fixed time window; shared
    by every server process (core/throttle.py)."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)
    #: When the window ends (seconds since the epoch): older rows are deleted.
    ends = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="throttle_key_window")
        ]

    def __str__(self) -> str:
        return f"{self.key} @{self.window}: {self.count}"
