"""Writes on dossiers: submission (online, counter, post) with its history row, outbox
event and audit entry in one statement or transaction; the steps after it through the
workflow engine (``dossiers.workflow``: ``act``, ``transfer``, ``extend``,
``confirm_payment`` and ``rate`` are its callers' names for them); public tracking."""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import agencies_with, is_platform_admin
from lienthong.catalog import selectors as catalog
from lienthong.core import files as stored_files
from lienthong.core import outbox, throttle
from lienthong.core.errors import (
    InvalidInput,
    InvalidParam,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from lienthong.core.identifiers import IdentifierError, new_tracking_key, normalize_tracking_key
from lienthong.core.text import clean_param
from lienthong.directory import selectors as directory
from lienthong.dossiers import intake, routing, selectors, workflow
from lienthong.dossiers.constants import Channel
from lienthong.dossiers.intake import (
    ALLOWED_TYPES,
    MAX_FILE_BYTES,
    MAX_FILES_PER_DOSSIER,
    Upload,
)
from lienthong.dossiers.models import (
    Dossier,
    DossierFile,
    Rating,
    WalletDocument,
    stored_file_name,
)
from lienthong.geo import selectors as geo

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency
    from lienthong.geo.models import AdministrativeUnit

__all__ = [
    "ALLOWED_TYPES",
    "MAX_FILES_PER_DOSSIER",
    "MAX_FILE_BYTES",
    "Upload",
    "act",
    "confirm_payment",
    "extend",
    "rate",
    "submit",
    "track",
    "transfer",
]


@intake.a_retry_returns_the_first
def submit(
    *,
    actor: User,
    procedure_code: str,
    competent_unit_code: str,
    channel: str = Channel.ONLINE,
    receiving_unit_code: str | None = None,
    uploads: list[Upload] | None = None,
    summary: str = "",
    on_behalf_of: str = "",
    form_data: dict[str, Any] | None = None,
    idempotency_key: str = "",
    eid_authenticated: bool = False,
    applicant: User | None = None,
    reused: list[tuple[str, int]] | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """File a dossier for the published version of ``procedure_code``.

    Online and postal dossiers wait for a one-stop clerk to receive them; a dossier
    filed at a counter by a clerk is received at once. A boundary-free procedure may be
    received by any service centre of the province; the handling agency is the
    competent one for ``competent_unit_code``. Retrying with the same
    ``idempotency_key`` returns the first dossier. Raises InvalidInput naming the bad
    field (unknown procedure or place, a channel the procedure does not offer, a missing
    required component, a file of the wrong type or size), PermissionDenied when a
    counter intake is not made by a clerk of the receiving centre. ``applicant`` is the
    person the dossier is for when a clerk or a proxy files it (default: ``actor``).
    ``reused`` lists (component, document id) pairs taken from the applicant's
    e-document store instead of new uploads.
    """
    now = now or timezone.now()
    uploads = uploads or []
    idempotency_key = idempotency_key.strip()[:100]
    summary = clean_param("summary", summary, multiline=True, max_length=500)
    on_behalf_of = clean_param("on_behalf_of", on_behalf_of, max_length=200)
    try:
        version = catalog.get_procedure(procedure_code)
    except NotFound as exc:
        raise intake.bad("procedure", "unknown_procedure", str(exc.detail)) from exc
    if channel not in Channel.values:
        raise intake.bad("channel", "unknown_channel", _("Kênh nộp không hợp lệ."))
    if channel == Channel.ONLINE and (
        version.service_level == "none" or "online" not in version.channels
    ):
        raise intake.bad("channel", "not_online", _("Thủ tục này chưa nhận hồ sơ trực tuyến."))
    try:
        commune = geo.current_unit(competent_unit_code, level="commune")
    except NotFound as exc:
        raise intake.bad(
            "competent_unit", "unknown_unit", _("Không tìm thấy xã, phường đã chọn.")
        ) from exc
    province = commune.province
    if province is None:  # a commune in force always belongs to a province
        raise intake.bad("competent_unit", "unknown_unit", _("Không tìm thấy xã, phường đã chọn."))
    handling = routing.competent_agency(version, commune)
    if channel == Channel.COUNTER:
        receiving = _clerk_centre(actor, province)
    else:
        place = commune
        if receiving_unit_code and receiving_unit_code != commune.code:
            try:
                place = geo.current_unit(receiving_unit_code, level="commune")
            except NotFound as exc:
                raise intake.bad(
                    "receiving_unit", "unknown_unit", _("Không tìm thấy nơi nộp đã chọn.")
                ) from exc
            if not version.boundary_free:
                raise intake.bad(
                    "receiving_unit",
                    "not_boundary_free",
                    _("Thủ tục này chỉ nộp tại xã, phường có thẩm quyền."),
                )
            if place.province_id != commune.province_id:
                raise intake.bad(
                    "receiving_unit",
                    "other_province",
                    _("Chỉ nộp được tại xã, phường trong cùng tỉnh, thành phố."),
                )
        receiving = routing.receiving_centre(place)
    intake.check_count(len(uploads) + len(reused or []))
    checked = [intake.check_upload(u, i) for i, u in enumerate(uploads)]
    components = list(version.components.all())
    owner = applicant or actor
    wallet = {}
    for i, (component, doc_id) in enumerate(reused or []):
        doc = WalletDocument.objects.filter(pk=doc_id, owner=owner).first()
        if doc is None:
            raise intake.bad(
                f"reused[{i}]",
                "unknown_document",
                _("Không tìm thấy giấy tờ trong kho dữ liệu của người nộp."),
            )
        wallet[component] = doc
    provided = {u.component for u in uploads} | set(wallet)
    missing = [
        c.name for c in components if c.required and not c.data_registry and c.name not in provided
    ]
    if missing and channel == Channel.ONLINE:
        raise InvalidInput(
            _("Còn thiếu giấy tờ bắt buộc."),
            invalid_params=[InvalidParam("files", "missing_component", name) for name in missing],
        )
    fee = sum(int(f["amount"] or 0) for f in version.fees)
    dossier = Dossier(
        tracking_key=new_tracking_key(),
        procedure_version=version,
        applicant=applicant or actor,
        submitted_by=actor,
        on_behalf_of=on_behalf_of.strip()[:200],
        channel=channel,
        competent_unit=commune,
        receiving_agency=receiving,
        handling_agency=handling,
        province=province,
        summary=summary.strip()[:500],
        form_data=form_data or {},
        submitted_at=now,
        fee_total=fee,
        eid_authenticated=eid_authenticated,
        idempotency_key=idempotency_key,
    )
    files = (
        [
            intake.file_row(dossier, upload, kind, digest, digitised=channel == Channel.COUNTER)
            for upload, (kind, digest) in zip(uploads, checked, strict=True)
        ]
        + [
            DossierFile(
                dossier=dossier,
                component_name=component[:500],
                from_wallet=doc,
                original_name=(doc.file.name or "").rsplit("/", 1)[-1][:255],
                content_type="application/pdf",
                sha256=doc.sha256,
                digitised=True,
            )
            for component, doc in wallet.items()
        ]
        + [
            DossierFile(
                dossier=dossier,
                component_name=c.name,
                from_registry=c.data_registry,
                digitised=True,
            )
            for c in components
            if c.data_registry
        ]
    )
    step = workflow.step_rows(
        dossier, "submit", "", actor, agency=receiving, at=now, data={"channel": channel}
    )
    with stored_files.staging() as staged:
        for row, upload in zip(files, uploads, strict=False):
            row.file = staged.add(stored_file_name(row, row.original_name), upload.file)
        return _insert_submitted(
            dossier,
            files,
            step,
            staged,
            actor=actor,
            now=now,
            retry={
                "actor": actor,
                "procedure_code": procedure_code,
                "competent_unit_code": competent_unit_code,
                "idempotency_key": idempotency_key,
                "applicant": applicant,
                "channel": channel,
            },
        )


def _insert_submitted(
    dossier: Dossier,
    files: list[DossierFile],
    step: workflow.StepRows,
    staged: stored_files.Staging,
    *,
    actor: User,
    now: dt.datetime,
    retry: dict[str, Any],
) -> Dossier:
    channel = dossier.channel
    try:
        # Online and postal: one statement, atomic by itself. A counter intake is
        # received at once, so both steps commit together; inside a caller's
        # transaction a savepoint keeps a refused insert from spoiling it.
        together = channel == Channel.COUNTER or connection.in_atomic_block
        with transaction.atomic() if together else nullcontext():
            intake.insert_new(
                dossier,
                files,
                step.event,
                step.outbox,
                step.audit,
                day=timezone.localdate(now),
                pending=staged.names,
            )
            if channel == Channel.COUNTER:
                workflow.run(dossier, actor, "receive", None, now, {})
    except IntegrityError:
        # A retry: the key's unique constraint refused the row (no lookup is made
        # beforehand, so a first submission costs nothing extra). Nothing of this
        # attempt is kept; the first dossier is returned.
        staged.discard()
        first = intake.filed_before(**retry)
        if first is None:
            raise
        return first
    return dossier


def _clerk_centre(actor: User, province: AdministrativeUnit) -> Agency:
    """The service centre where ``actor`` receives dossiers, in ``province``."""
    centres = directory.service_centres(province.code)
    if not is_platform_admin(actor):
        centres = centres.filter(pk__in=agencies_with(actor, Perm.DOSSIER_RECEIVE))
    centre = centres.first()
    if centre is None:
        raise PermissionDenied(
            _("Chỉ cán bộ một cửa của một trung tâm trong tỉnh mới tiếp nhận hồ sơ tại quầy.")
        )
    return centre


def act(
    *,
    actor: User,
    code: str,
    action: str,
    note: str = "",
    expected_version: int | None = None,
    assignee: User | None = None,
    uploads: list[Upload] | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """One step of the one-stop path (:func:`lienthong.dossiers.workflow.perform`)."""
    return workflow.perform(
        actor,
        code,
        action,
        expected_version=expected_version,
        now=now,
        note=note,
        assignee=assignee,
        files=uploads or [],
    )


def transfer(
    *,
    actor: User,
    code: str,
    to_agency_code: str,
    note: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """Hand the dossier to another agency; it keeps its code and its due date."""
    return workflow.perform(
        actor,
        code,
        "transfer",
        expected_version=expected_version,
        now=now,
        agency=to_agency_code.strip(),
        note=note,
    )


def extend(
    *, actor: User, code: str, new_due: dt.datetime, reason: str, now: dt.datetime | None = None
) -> Dossier:
    """Apologise for a dossier that will be late and set a new appointment (form 04)."""
    return workflow.perform(actor, code, "extend", now=now, new_due=new_due, note=reason)


def confirm_payment(
    *,
    actor: User | None,
    code: str,
    online: bool = False,
    reference: str = "",
    amount: int | None = None,
) -> Dossier:
    """Record that the fees were paid: by a clerk (``actor``) at the counter, or by a
    payment gateway (``actor=None``, its callback already authenticated). Idempotent.
    Raises InvalidInput when a gateway reports another amount than the dossier's fees."""
    return workflow.perform(
        actor, code, "payment", online=online, reference=reference, amount=amount
    )


def rate(*, actor: User, code: str, score: int, comment: str = "") -> Rating:
    """The applicant rates the service (1–5) once the result is returned."""
    dossier = workflow.perform(actor, code, "rate", score=score, comment=comment)
    return Rating.objects.get(dossier=dossier)


def mark_overdue(now: dt.datetime | None = None) -> int:
    """Flag open dossiers past their due date (the clock stopped ones are not late) and
    announce each once with a ``dossier.overdue`` event. Returns how many were flagged."""
    from lienthong.dossiers.constants import CLOSED

    now = now or timezone.now()
    late = Dossier.objects.filter(
        overdue=False, due_at__lt=now, paused_at__isnull=True, finished_at__isnull=True
    ).exclude(status__in=CLOSED)
    count = 0
    for pk in late.values_list("pk", flat=True)[:10_000]:
        with transaction.atomic():
            if not Dossier.objects.filter(pk=pk, overdue=False).update(overdue=True):
                continue
            d = Dossier.objects.select_related(
                "procedure_version__procedure", "handling_agency", "province"
            ).get(pk=pk)
            outbox.emit(
                "dossier.overdue",
                aggregate_type="dossier",
                aggregate_id=d.code,
                payload={
                    "code": d.code,
                    "handling_agency": d.handling_agency.code,
                    "province": d.province.code,
                    "due_at": d.due_at.isoformat() if d.due_at else None,  # set: due_at < now
                },
            )
            count += 1
    return count


def mark_notifications_read(*, user: User) -> int:
    """Mark the user's unread notifications read; returns how many."""
    from lienthong.dossiers.models import Notification

    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


#: Public tracking: wrong guesses per address and per dossier, lookups per address.
TRACK_MISSES_PER_ADDRESS = throttle.Limit("track-miss-address", attempts=20, seconds=900)
TRACK_MISSES_PER_DOSSIER = throttle.Limit("track-miss-dossier", attempts=10, seconds=3600)
TRACK_LOOKUPS_PER_ADDRESS = throttle.Limit("track-lookup-address", attempts=120, seconds=600)


def track(*, code: str, key: str, address: str) -> selectors.Tracking:
    """Public tracking by code and key, throttled: a key that fails its check symbol is
    refused without a lookup (InvalidInput naming ``key``); wrong guesses are counted per
    address and per dossier, and past the limits every lookup is TooManyAttempts."""
    code = code.strip().upper()[:40]
    try:
        normalized = normalize_tracking_key(key)
    except IdentifierError as exc:
        raise intake.bad("key", exc.code, str(exc.message)) from exc
    busy = [
        (limit, subject)
        for limit, subject in (
            (TRACK_MISSES_PER_ADDRESS, address),
            (TRACK_MISSES_PER_DOSSIER, code),
        )
        if throttle.exceeded(limit, subject)
    ]
    if throttle.hit(TRACK_LOOKUPS_PER_ADDRESS, address) > TRACK_LOOKUPS_PER_ADDRESS.attempts:
        busy.append((TRACK_LOOKUPS_PER_ADDRESS, address))
    if busy:
        wait = max(limit.retry_after() for limit, _s in busy)
        raise TooManyAttempts(
            _("Đã tra cứu sai quá nhiều lần. Hãy thử lại sau %(m)s phút.")
            % {"m": max(1, round(wait / 60))},
            retry_after=wait,
        )
    try:
        return selectors.track(code, normalized)
    except NotFound:
        throttle.hit(TRACK_MISSES_PER_ADDRESS, address)
        throttle.hit(TRACK_MISSES_PER_DOSSIER, code)
        raise
