"""Writes of the registries app: grants, alerts, reports of unexpected reads, corrections.

Every write checks its permission first, runs in one transaction and appends to the
audit chain.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import authorize
from lienthong.core import audit
from lienthong.core.errors import Conflict, InvalidInput, InvalidParam, NotFound
from lienthong.registries.constants import AlertKind, Source
from lienthong.registries.datasets import RECORD, dataset, services_of
from lienthong.registries.models import (
    AccessGrant,
    AccessLog,
    Alert,
    Record,
    RecordVersion,
    Registry,
)

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency

__all__ = ["close_alert", "correct_record", "grant_access", "report_read", "revoke_grant"]


def _text(name: str, value: str, *, required: bool = True, limit: int = 500) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise InvalidInput(
            invalid_params=[InvalidParam(name, "required", _("Không được để trống."))]
        )
    if len(value) > limit:
        raise InvalidInput(
            invalid_params=[
                InvalidParam(name, "too_long", _("Quá dài (tối đa %(n)d ký tự).") % {"n": limit})
            ]
        )
    return value


def grant_access(
    *,
    actor: User,
    registry: Registry,
    consumer: Agency,
    services: list[str],
    fields: list[str],
    purpose: str,
    legal_basis: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    client_id: str = "",
    per_minute: int = 600,
) -> AccessGrant:
    """The registry's owner lets ``consumer`` use ``services`` for ``fields``."""
    authorize(actor, Perm.REGISTRY_GRANT, agency=registry.owner)
    known = {s.code for s in services_of(registry.code)} | {RECORD}
    params = []
    services = sorted(set(services))
    fields = sorted(set(fields))
    if not services:
        params.append(InvalidParam("services", "required", _("Chọn ít nhất một dịch vụ dữ liệu.")))
    elif unknown := [s for s in services if s not in known]:
        params.append(
            InvalidParam(
                "services", "unknown", _("Dịch vụ không có: %(s)s.") % {"s": ", ".join(unknown)}
            )
        )
    names = dataset(registry.code).names
    if not fields:
        params.append(InvalidParam("fields", "required", _("Chọn ít nhất một trường dữ liệu.")))
    elif unknown := [f for f in fields if f not in names]:
        params.append(
            InvalidParam(
                "fields", "unknown", _("Trường không có: %(f)s.") % {"f": ", ".join(unknown)}
            )
        )
    if valid_to is not None and valid_to < valid_from:
        params.append(
            InvalidParam("valid_to", "before_start", _("Ngày hết hiệu lực trước ngày bắt đầu."))
        )
    if not 1 <= per_minute <= 100_000:
        params.append(InvalidParam("per_minute", "range", _("Từ 1 đến 100.000 lượt mỗi phút.")))
    if params:
        raise InvalidInput(invalid_params=params)
    purpose = _text("purpose", purpose)
    legal_basis = _text("legal_basis", legal_basis)
    with transaction.atomic():
        grant = AccessGrant.objects.create(
            registry=registry,
            consumer=consumer,
            client_id=client_id.strip()[:100],
            services=services,
            fields=fields,
            purpose=purpose,
            legal_basis=legal_basis,
            valid_from=valid_from,
            valid_to=valid_to,
            per_minute=per_minute,
            created_by=actor,
        )
        audit.record(
            "registry.grant_created",
            actor=actor,
            object_type="registry_grant",
            object_id=grant.pk,
            data={
                "registry": registry.code,
                "consumer": consumer.code,
                "client_id": grant.client_id,
                "services": services,
                "fields": fields,
                "purpose": purpose,
                "legal_basis": legal_basis,
                "valid_from": valid_from,
                "valid_to": valid_to,
            },
        )
    return grant


def revoke_grant(*, actor: User, grant_id: int) -> AccessGrant:
    grant = AccessGrant.objects.select_related("registry__owner").filter(pk=grant_id).first()
    if grant is None:
        raise NotFound(_("Không có quyền khai thác này."))
    authorize(actor, Perm.REGISTRY_GRANT, agency=grant.registry.owner)
    with transaction.atomic():
        updated = AccessGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
        if not updated:
            raise Conflict(_("Quyền khai thác này đã bị thu hồi trước đó."), code="already-revoked")
        audit.record(
            "registry.grant_revoked", actor=actor, object_type="registry_grant", object_id=grant.pk
        )
    grant.refresh_from_db()
    return grant


def report_read(*, actor: User, access_id: int, reason: str) -> Alert:
    """The data subject says a read of their data was unexpected: the owner is told."""
    reason = _text("reason", reason, limit=1000)
    log = AccessLog.objects.select_related("registry", "consumer").filter(pk=access_id).first()
    if log is None or not actor.pin or log.subject != actor.pin:
        raise NotFound(_("Không có lượt truy cập này trong nhật ký dữ liệu của bạn."))
    with transaction.atomic():
        if not AccessLog.objects.filter(pk=log.pk, reported_at__isnull=True).update(
            reported_at=timezone.now()
        ):
            raise Conflict(_("Bạn đã phản ánh lượt truy cập này."), code="already-reported")
        alert = Alert.objects.create(
            registry=log.registry,
            kind=AlertKind.REPORTED_READ,
            access=log,
            consumer=log.consumer,
            last_at=timezone.now(),
            message=_("Công dân phản ánh lượt truy cập ngày %(at)s của %(agency)s: %(reason)s")
            % {
                "at": timezone.localtime(log.at).strftime("%d/%m/%Y %H:%M"),
                "agency": log.consumer.name if log.consumer else "—",
                "reason": reason,
            },
        )
        audit.record(
            "registry.read_reported",
            actor=actor,
            object_type="registry_access",
            object_id=log.pk,
            data={"registry": log.registry.code, "reason": reason},
        )
    return alert


def close_alert(*, actor: User, alert_id: int, answer: str) -> Alert:
    alert = Alert.objects.select_related("registry__owner").filter(pk=alert_id).first()
    if alert is None:
        raise NotFound(_("Không có cảnh báo này."))
    authorize(actor, Perm.REGISTRY_PUBLISH, agency=alert.registry.owner)
    answer = _text("answer", answer, limit=1000)
    with transaction.atomic():
        if not Alert.objects.filter(pk=alert.pk, closed_at__isnull=True).update(
            closed_at=timezone.now(), closed_by=actor, answer=answer
        ):
            raise Conflict(_("Cảnh báo này đã được xử lý."), code="already-closed")
        audit.record(
            "registry.alert_closed",
            actor=actor,
            object_type="registry_alert",
            object_id=alert.pk,
            data={"answer": answer},
        )
    alert.refresh_from_db()
    return alert


def correct_record(
    *, actor: User, registry: Registry, key: str, changes: dict[str, Any], reason: str
) -> Record:
    """The owner corrects a record: the current values become a past version (with who
    and why), the new ones take effect now."""
    authorize(actor, Perm.REGISTRY_PUBLISH, agency=registry.owner)
    reason = _text("reason", reason)
    names = dataset(registry.code).names
    if not changes:
        raise InvalidInput(_("Không có thay đổi nào."), code="no-change")
    if unknown := [n for n in changes if n not in names]:
        raise InvalidInput(
            invalid_params=[
                InvalidParam(n, "unknown", _("Trường không có trong cấu trúc dữ liệu."))
                for n in unknown
            ]
        )
    with transaction.atomic():
        record = Record.objects.select_for_update().filter(registry=registry, key=key).first()
        if record is None:
            raise NotFound(_("Không có bản ghi này."))
        before = {n: record.data.get(n) for n in changes}
        if all(before[n] == v for n, v in changes.items()):
            raise InvalidInput(_("Giá trị mới trùng giá trị hiện tại."), code="no-change")
        now = timezone.now()
        RecordVersion.objects.create(
            record=record,
            version=record.version,
            valid_from=record.valid_from,
            valid_to=now,
            schema_version=record.schema_version,
            data=record.data,
            source=record.source,
            replaced_by=actor,
            reason=reason,
        )
        record.data = {**record.data, **changes}
        record.version += 1
        record.valid_from = now
        record.source = Source.CORRECTION
        record.save(update_fields=["data", "version", "valid_from", "source"])
        audit.record(
            "registry.record_corrected",
            actor=actor,
            object_type="registry_record",
            object_id=f"{registry.code}:{key}",
            data={"before": before, "after": changes, "reason": reason, "version": record.version},
        )
    return record
