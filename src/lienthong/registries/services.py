"""Writes of the registries app: grants, alerts, reports of unexpected reads, corrections.

Every write checks its permission first, runs in one transaction and appends to the
audit chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import authorize
from lienthong.core import audit, memo
from lienthong.core.errors import Conflict, InvalidInput, InvalidParam, NotFound
from lienthong.geo import selectors as geo
from lienthong.registries.constants import AlertKind, Source
from lienthong.registries.datasets import RECORD, WRITE_SERVICES, dataset, services_of
from lienthong.registries.models import (
    AccessGrant,
    AccessLog,
    AddressReview,
    Alert,
    QualityRun,
    Record,
    Registry,
)
from lienthong.registries.records import new_version
from lienthong.registries.selectors import record_chunks

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency

__all__ = [
    "choose_address",
    "close_alert",
    "convert_addresses",
    "correct_record",
    "grant_access",
    "report_read",
    "revoke_grant",
    "start_quality_run",
]


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
    known = (
        {s.code for s in services_of(registry.code)}
        | {RECORD}
        | {w.code for w in WRITE_SERVICES.values() if w.registry == registry.code}
    )
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
        # An update sends no signal: the gateway's memory of grants is emptied here.
        memo.clear()
        transaction.on_commit(memo.clear)
        audit.record(
            "registry.grant_revoked", actor=actor, object_type="registry_grant", object_id=grant.pk
        )
    grant.refresh_from_db()
    return grant


def report_read(*, actor: User, access_id: int, reason: str) -> Alert:
    """The data subject says a read of their data was unexpected: the owner is told."""
    reason = _text("reason", reason, limit=1000)
    log = AccessLog.objects.select_related("registry", "consumer").filter(pk=access_id).first()
    if log is None or log.subject not in {s for s in (actor.pin, actor.tax_code) if s}:
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
        if all(record.data.get(n) == v for n, v in changes.items()):
            raise InvalidInput(_("Giá trị mới trùng giá trị hiện tại."), code="no-change")
        new_version(record, changes, actor, reason, Source.CORRECTION)
    return record


def start_quality_run(*, actor: User, registry: Registry) -> QualityRun:
    """Queue a pass of the quality rules over ``registry`` (the worker carries it out)."""
    authorize(actor, Perm.REGISTRY_PUBLISH, agency=registry.owner)
    return _start_run(actor, registry, QualityRun.Kind.QUALITY)


def start_conversion(*, actor: User, registry: Registry) -> QualityRun:
    """Queue the conversion of ``registry``'s legacy addresses (the worker carries it
    out, its progress shown like a quality run's; one at a time)."""
    authorize_conversion(actor=actor, registry=registry)
    return _start_run(actor, registry, QualityRun.Kind.ADDRESSES)


_BUSY: Final = {
    QualityRun.Kind.QUALITY: (
        gettext_lazy("Đang có một lượt kiểm tra chưa xong; hãy đợi lượt đó hoàn thành."),
        "quality-run-pending",
    ),
    QualityRun.Kind.ADDRESSES: (
        gettext_lazy("Đang có một lượt chuyển đổi địa chỉ chưa xong; hãy đợi lượt đó hoàn thành."),
        "conversion-pending",
    ),
}


def _start_run(actor: User, registry: Registry, kind: str) -> QualityRun:
    from lienthong.registries.tasks import check_quality, convert_legacy_addresses

    with transaction.atomic():
        list(Registry.objects.select_for_update().filter(pk=registry.pk).values_list("pk"))
        open_runs = QualityRun.objects.filter(
            registry=registry,
            kind=kind,
            status__in=[QualityRun.Status.PENDING, QualityRun.Status.RUNNING],
        )
        # A run the worker left (killed, restarted) is failed after an hour without end.
        open_runs.filter(started_at__lt=timezone.now() - dt.timedelta(hours=1)).update(
            status=QualityRun.Status.FAILED,
            finished_at=timezone.now(),
            error="không hoàn thành sau 1 giờ (tiến trình nền dừng?)",
        )
        if open_runs.exists():
            message, code = _BUSY[QualityRun.Kind(kind)]
            raise Conflict(message, code=code)
        job = QualityRun.objects.create(registry=registry, kind=kind, started_by=actor)
        audit.record(
            "registry.quality_run_started"
            if kind == QualityRun.Kind.QUALITY
            else "registry.conversion_started",
            actor=actor,
            object_type="registry_quality_run",
            object_id=job.pk,
            data={"registry": registry.code},
        )
        task = check_quality if kind == QualityRun.Kind.QUALITY else convert_legacy_addresses
        transaction.on_commit(lambda: task.enqueue(job.pk))
    return job


def run_conversion(run_id: int) -> QualityRun:
    """Carry out a queued conversion, its progress on the run's row; a failure is
    recorded on the run (what was converted stays: each record is its own version)."""
    job = QualityRun.objects.select_related("registry", "started_by").get(pk=run_id)
    total = Record.objects.filter(registry=job.registry).count()
    QualityRun.objects.filter(pk=job.pk).update(status=QualityRun.Status.RUNNING, total=total)

    def step(done: int) -> None:
        QualityRun.objects.filter(pk=job.pk).update(processed=done)

    try:
        summary = convert_addresses(actor=job.started_by, registry=job.registry, progress=step)
    except Exception as exc:  # the page says it failed and why
        job.status = QualityRun.Status.FAILED
        job.error = f"{type(exc).__name__}: {exc}"[:2000]
    else:
        job.status = QualityRun.Status.DONE
        job.processed = total
        job.results = {
            "converted": summary.converted,
            "queued": summary.queued,
            "unresolved": summary.unresolved,
        }
    job.total = total
    job.finished_at = timezone.now()
    job.save(update_fields=["results", "status", "error", "processed", "total", "finished_at"])
    return job


@dataclass
class ConversionSummary:
    converted: int = 0
    queued: int = 0
    unresolved: int = 0


_CONVERSION_REASON = "Chuyển đổi địa chỉ theo đơn vị hành chính mới (từ 01/7/2025)"


def authorize_conversion(*, actor: User, registry: Registry) -> None:
    """Raise unless ``actor`` may convert ``registry``'s legacy addresses (its owner, and
    only the population registry names a commune of residence)."""
    authorize(actor, Perm.REGISTRY_PUBLISH, agency=registry.owner)
    if registry.code != "population":
        raise InvalidInput(_("Chỉ chuyển đổi địa chỉ của CSDL dân cư."), code="not-population")


def convert_addresses(
    *, actor: User | None, registry: Registry, progress: Callable[[int], None] | None = None
) -> ConversionSummary:
    """Move population records still on an abolished commune (or with only a legacy
    address) to the new units: one successor → a new version of the record; a split
    commune → an ``AddressReview`` for an official to choose; nothing found → counted."""
    if actor is not None:
        authorize_conversion(actor=actor, registry=registry)
    elif registry.code != "population":
        raise InvalidInput(_("Chỉ chuyển đổi địa chỉ của CSDL dân cư."), code="not-population")
    communes = geo.commune_map()
    summary = ConversionSummary()
    for chunk in record_chunks(registry, "data", progress=progress):
        for record_id, data in chunk:
            for field, legacy_field in _UNIT_FIELDS:
                unit = str(data.get(field) or "")
                legacy = str(data.get(legacy_field) or "") if legacy_field else ""
                if unit in communes.current or (not unit and not legacy):
                    continue
                candidates, source, sure = _candidates(unit, legacy, communes)
                if sure:
                    _convert_one(record_id, field, unit, candidates[0]["ward_code"], actor)
                    summary.converted += 1
                elif candidates:
                    _review, created = AddressReview.objects.get_or_create(
                        record_id=record_id,
                        field=field,
                        decided_at__isnull=True,
                        defaults={"source": source[:500], "candidates": candidates},
                    )
                    summary.queued += created
                else:
                    summary.unresolved += 1
    return summary


#: The commune fields of a population record, each with its legacy free-text address
#: (only the permanent residence has one).
_UNIT_FIELDS: Final = (("permanent_unit", "legacy_address"), ("current_unit", ""))


def _candidates(
    unit: str, legacy: str, communes: geo.CommuneMap
) -> tuple[list[dict[str, Any]], str, bool]:
    """The new communes a record's old commune or legacy address may go to, where it was
    read from, and whether the first is sure (one successor, or an address the reader
    converted); anything else waits for an official, a single best guess included."""
    if unit and unit in communes.successors:
        found = [
            {
                "ward_code": code,
                "ward_name": name,
                "province_code": communes.province_of.get(code, ""),
                "is_default": default,
            }
            for code, name, default in communes.successors[unit]
        ]
        source = _("Mã xã cũ %(code)s") % {"code": unit} + (f" — {legacy}" if legacy else "")
        return found, source, len(found) == 1
    if legacy:
        result = geo.convert_address(legacy)
        if result.ward_code and result.status in ("converted", "already_new"):
            return (
                [
                    {
                        "ward_code": result.ward_code,
                        "ward_name": result.ward_name,
                        "province_code": result.province_code,
                        "is_default": True,
                    }
                ],
                legacy,
                True,
            )
        return (
            [
                {
                    "ward_code": c.ward_code,
                    "ward_name": c.ward_name,
                    "province_code": c.province_code,
                    "is_default": c.is_default,
                }
                for c in result.candidates
            ],
            legacy,
            False,
        )
    return [], unit, False


def _convert_one(record_id: int, field: str, old: str, new: str, actor: User | None) -> None:
    with transaction.atomic():
        record = Record.objects.select_for_update().select_related("registry").get(pk=record_id)
        if str(record.data.get(field) or "") != old:
            return  # changed meanwhile
        new_version(record, {field: new}, actor, _CONVERSION_REASON, Source.CONVERSION)


def choose_address(*, actor: User, review_id: int, ward_code: str) -> AddressReview:
    """An official of the owner settles a queued address with one of its candidates."""
    review = (
        AddressReview.objects.select_related("record__registry__owner").filter(pk=review_id).first()
    )
    if review is None:
        raise NotFound(_("Không có địa chỉ cần chọn này."))
    authorize(actor, Perm.REGISTRY_PUBLISH, agency=review.record.registry.owner)
    if ward_code not in {c["ward_code"] for c in review.candidates}:
        raise InvalidInput(
            invalid_params=[
                InvalidParam(
                    "ward_code",
                    "not_a_candidate",
                    _("Hãy chọn một trong các xã, phường mới được gợi ý."),
                )
            ]
        )
    with transaction.atomic():
        if not AddressReview.objects.filter(pk=review.pk, decided_at__isnull=True).update(
            chosen=ward_code, decided_at=timezone.now(), decided_by=actor
        ):
            raise Conflict(_("Địa chỉ này đã được chọn."), code="already-decided")
        record = (
            Record.objects.select_for_update().select_related("registry").get(pk=review.record_id)
        )
        new_version(
            record,
            {review.field: ward_code},
            actor,
            _CONVERSION_REASON + " — " + _("cán bộ chọn đơn vị mới"),
            Source.CONVERSION,
        )
    review.refresh_from_db()
    return review
