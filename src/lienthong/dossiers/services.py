"""Writes on dossiers: submission (online, counter, post), every workflow transition,
transfer, payment, rating. Each is one transaction with an append-only history row
and an outbox event; transitions use an optimistic lock (the loser gets Conflict)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import authorize, can
from lienthong.catalog import selectors as catalog
from lienthong.core import audit, fastsql, outbox, throttle
from lienthong.core import files as stored_files
from lienthong.core.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    InvalidParam,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from lienthong.core.identifiers import IdentifierError, new_tracking_key, normalize_tracking_key
from lienthong.core.models import AuditPending, OutboxEvent
from lienthong.core.text import UnsafeText, clean_filename, clean_param
from lienthong.core.workcalendar import get_calendar
from lienthong.directory import selectors as directory
from lienthong.dossiers import intake, routing, selectors
from lienthong.dossiers.constants import TRANSFER, TRANSFERABLE, TRANSITIONS, Channel, Status
from lienthong.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierFile,
    Rating,
    WalletDocument,
    stored_file_name,
)
from lienthong.geo import selectors as geo

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.catalog.models import ProcedureVersion
    from lienthong.directory.models import Agency
    from lienthong.geo.models import AdministrativeUnit

__all__ = [
    "ALLOWED_TYPES",
    "MAX_FILES_PER_DOSSIER",
    "MAX_FILE_BYTES",
    "Upload",
    "act",
    "confirm_payment",
    "rate",
    "submit",
    "track",
    "transfer",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
#: Files of one dossier, supplements included (a dossier lists a dozen papers at most).
MAX_FILES_PER_DOSSIER = 40
P = ParamSpec("P")
ALLOWED_TYPES = {
    "application/pdf": b"%PDF",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG",
}


@dataclass(frozen=True)
class Upload:
    component: str
    file: UploadedFile[bytes]

    @property
    def name(self) -> str:
        """The file's own name as kept aside (NFC, one line; checked by _check_upload)."""
        try:
            return clean_filename(self.file.name or "tep")
        except UnsafeText:
            return "tep"


def _bad(field: str, code: str, reason: str) -> InvalidInput:
    return InvalidInput(reason, invalid_params=[InvalidParam(field, code, reason)])


def _check_upload(upload: Upload, index: int) -> tuple[str, str]:
    """(content type, sha256) of an upload whose type and size are acceptable."""
    f = upload.file
    field = f"files[{index}]"
    try:
        clean_filename(f.name or "tep")
    except UnsafeText as exc:
        raise _bad(field, exc.code, str(exc.reason)) from exc
    if f.size is None or f.size == 0:
        raise _bad(field, "empty_file", _("Tệp «%(n)s» rỗng.") % {"n": f.name})
    if f.size > MAX_FILE_BYTES:
        raise _bad(field, "file_too_large", _("Tệp «%(n)s» lớn hơn 10 MB.") % {"n": f.name})
    f.seek(0)
    head = f.read(8)
    kind = next((t for t, magic in ALLOWED_TYPES.items() if head.startswith(magic)), None)
    if kind is None:
        raise _bad(field, "file_type", _("Tệp «%(n)s» phải là PDF, JPEG hoặc PNG.") % {"n": f.name})
    f.seek(0)
    digest = hashlib.sha256()
    for chunk in f.chunks():
        digest.update(chunk)
    f.seek(0)
    return kind, digest.hexdigest()


def _check_count(files: int) -> None:
    if files > MAX_FILES_PER_DOSSIER:
        raise _bad(
            "files",
            "too_many_files",
            _("Một hồ sơ có tối đa %(n)s tệp.") % {"n": MAX_FILES_PER_DOSSIER},
        )


def _file_row(
    dossier: Dossier, upload: Upload, kind: str, digest: str, **flags: bool
) -> DossierFile:
    return DossierFile(
        dossier=dossier,
        component_name=upload.component[:500],
        original_name=upload.name,
        content_type=kind,
        size=upload.file.size or 0,
        sha256=digest,
        **flags,
    )


def _due(version: ProcedureVersion, start: dt.datetime) -> dt.datetime:
    hours = float(version.processing_days) * 8 or 4  # "ngay trong ngày": half a day
    return get_calendar().add_working_hours(start, hours)


@dataclass(frozen=True)
class StepRows:
    """What one step writes besides the dossier: its history row, its outbox event and
    its audit entry, each carrying what its readers need (written once, never updated)."""

    event: DossierEvent
    outbox: OutboxEvent
    audit: AuditPending


def _event_rows(
    dossier: Dossier,
    action: str,
    before: str,
    actor: User | None,
    *,
    agency: Agency,
    note: str = "",
    role: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime,
) -> StepRows:
    """The rows of one step (not yet written)."""
    data = data or {}
    row = DossierEvent(
        dossier=dossier,
        action=action,
        from_status=before,
        to_status=dossier.status,
        actor=actor if getattr(actor, "pk", None) else None,
        role=role,
        agency=agency,
        at=at,
        note=note,
        data=data,
    )
    due = dossier.due_at.isoformat() if dossier.due_at else None
    event = outbox.event_row(
        f"dossier.{action}",
        aggregate_type="dossier",
        aggregate_id=dossier.code,
        payload={
            "code": dossier.code,
            "status": dossier.status,
            "from": before,
            "procedure": dossier.procedure_version.procedure.code,
            "handling_agency": dossier.handling_agency.code,
            "province": dossier.province.code,
            "agency": agency.code,
            "role": role,
            "note": note,
            "due_at": due,
            "at": at.isoformat(),
            "data": data,
        },
    )
    entry = audit.pending_row(
        f"dossier.{action}",
        actor=actor,
        object_type="dossier",
        object_id=dossier.code,
        at=at,
        data={
            "from_status": before,
            "to_status": dossier.status,
            "agency": agency.code,
            "role": role,
            "due_at": due,
            **data,
        },
    )
    return StepRows(row, event, entry)


def _event(dossier: Dossier, action: str, before: str, actor: User | None, **kwargs: Any) -> None:
    """Write the history row, the outbox event and the audit entry of one step (inside
    the step's transaction)."""
    rows = _event_rows(dossier, action, before, actor, **kwargs)
    fastsql.insert([rows.event])
    outbox.record(rows.outbox)
    audit.defer(rows.audit)


def _filed_before(
    *,
    actor: User,
    procedure_code: str,
    competent_unit_code: str,
    idempotency_key: str = "",
    applicant: User | None = None,
    channel: str = Channel.ONLINE,
    **_rest: Any,
) -> Dossier | None:
    """The dossier the same submitter already filed under the request's idempotency key,
    if it is for the same applicant, procedure, place and channel; None if there is none.
    Takes ``submit``'s arguments. Raises InvalidInput (``key_reused``) when the key was
    used for a different dossier: a clerk who goes back and files for someone else must
    not be told it is done."""
    first = selectors.filed_with_key(actor, idempotency_key)
    if first is None:
        return None
    applicant = applicant or actor
    if (
        first.applicant_id == getattr(applicant, "pk", None)
        and first.procedure_version.procedure.code == procedure_code.strip()
        and first.competent_unit.code == competent_unit_code.strip()
        and first.channel == channel
    ):
        return first
    raise _bad(
        "idempotency_key",
        "key_reused",
        _(
            "Khoá chống gửi trùng đã dùng cho hồ sơ %(code)s có nội dung khác; hồ sơ này "
            "chưa được nộp, hãy gửi lại."
        )
        % {"code": first.code},
    )


def _a_retry_returns_the_first(fn: Callable[P, Dossier]) -> Callable[P, Dossier]:
    """A retry that the checks now refuse (the applicant's files were already sent, the
    procedure changed since) still returns the dossier its first attempt filed: the
    lookup is made only when a check fails, so a first submission pays nothing for it."""

    @functools.wraps(fn)
    def submit(*args: P.args, **kwargs: P.kwargs) -> Dossier:
        try:
            return fn(*args, **kwargs)
        except (InvalidInput, PermissionDenied) as refused:
            arguments: dict[str, Any] = kwargs  # submit's, keyword-only
            try:
                first = _filed_before(**arguments)
            except InvalidInput:
                first = None  # the key names another dossier: the checks' answer stands
            if first is None:
                raise refused from None
            return first

    return submit


@_a_retry_returns_the_first
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
        raise _bad("procedure", "unknown_procedure", str(exc.detail)) from exc
    if channel not in Channel.values:
        raise _bad("channel", "unknown_channel", _("Kênh nộp không hợp lệ."))
    if channel == Channel.ONLINE and (
        version.service_level == "none" or "online" not in version.channels
    ):
        raise _bad("channel", "not_online", _("Thủ tục này chưa nhận hồ sơ trực tuyến."))
    try:
        commune = geo.current_unit(competent_unit_code, level="commune")
    except NotFound as exc:
        raise _bad(
            "competent_unit", "unknown_unit", _("Không tìm thấy xã, phường đã chọn.")
        ) from exc
    province = commune.province
    if province is None:  # a commune in force always belongs to a province
        raise _bad("competent_unit", "unknown_unit", _("Không tìm thấy xã, phường đã chọn."))
    handling = routing.competent_agency(version, commune)
    if channel == Channel.COUNTER:
        receiving = _clerk_centre(actor, province)
    else:
        place = commune
        if receiving_unit_code and receiving_unit_code != commune.code:
            try:
                place = geo.current_unit(receiving_unit_code, level="commune")
            except NotFound as exc:
                raise _bad(
                    "receiving_unit", "unknown_unit", _("Không tìm thấy nơi nộp đã chọn.")
                ) from exc
            if not version.boundary_free:
                raise _bad(
                    "receiving_unit",
                    "not_boundary_free",
                    _("Thủ tục này chỉ nộp tại xã, phường có thẩm quyền."),
                )
            if place.province_id != commune.province_id:
                raise _bad(
                    "receiving_unit",
                    "other_province",
                    _("Chỉ nộp được tại xã, phường trong cùng tỉnh, thành phố."),
                )
        receiving = routing.receiving_centre(place)
    _check_count(len(uploads) + len(reused or []))
    checked = [_check_upload(u, i) for i, u in enumerate(uploads)]
    components = list(version.components.all())
    owner = applicant or actor
    wallet = {}
    for i, (component, doc_id) in enumerate(reused or []):
        doc = WalletDocument.objects.filter(pk=doc_id, owner=owner).first()
        if doc is None:
            raise _bad(
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
            _file_row(dossier, upload, kind, digest, digitised=channel == Channel.COUNTER)
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
    step = _event_rows(
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
    step: StepRows,
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
                _apply(
                    dossier,
                    TRANSITIONS["receive"].target,
                    actor,
                    "receive",
                    dossier.receiving_agency,
                    now=now,
                    note="",
                    role="clerk",
                )
    except IntegrityError:
        # A retry: the key's unique constraint refused the row (no lookup is made
        # beforehand, so a first submission costs nothing extra). Nothing of this
        # attempt is kept; the first dossier is returned.
        staged.discard()
        first = _filed_before(**retry)
        if first is None:
            raise
        return first
    return dossier


def _clerk_centre(actor: User, province: AdministrativeUnit) -> Agency:
    """The service centre where ``actor`` receives dossiers, in ``province``."""
    from lienthong.accounts.constants import ROLE_PERMISSIONS
    from lienthong.accounts.permissions import grants_of, is_platform_admin

    centres = directory.service_centres(province.code)
    if not is_platform_admin(actor):
        mine = [
            g.agency_id
            for g in grants_of(actor)
            if Perm.DOSSIER_RECEIVE in ROLE_PERMISSIONS[g.role]
        ]
        centres = centres.filter(pk__in=mine)
    centre = centres.first()
    if centre is None:
        raise PermissionDenied(
            _("Chỉ cán bộ một cửa của một trung tâm trong tỉnh mới tiếp nhận hồ sơ tại quầy.")
        )
    return centre


def _apply(
    dossier: Dossier,
    target: str,
    actor: User | None,
    action: str,
    agency: Agency,
    *,
    now: dt.datetime,
    note: str,
    role: str,
    expected: int | None = None,
    extra: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Dossier:
    """Move ``dossier`` to ``target`` if nobody changed it since ``expected``; ``data``
    goes into the step's history row and event."""
    before = dossier.status
    fields: dict[str, Any] = {"status": target, **(extra or {})}
    cal = get_calendar()
    version = dossier.procedure_version
    if action == "receive":
        start = cal.next_working_moment(
            dossier.submitted_at if dossier.channel != Channel.COUNTER else now
        )
        fields.update(received_at=now, clock_start=start, due_at=_due(version, start))
    elif action == "request_supplement":
        fields.update(supplement_count=dossier.supplement_count + 1)
        if version.pauses_on_supplement:
            fields["paused_at"] = now
    elif action == "supplement" and dossier.paused_at is not None:
        hours = max(cal.working_hours_between(dossier.paused_at, now), 0.0)
        fields.update(
            paused_at=None,
            supplement_hours=dossier.supplement_hours + hours,
            due_at=cal.add_working_hours(dossier.due_at, hours) if dossier.due_at else None,
        )
    elif action in ("approve", "refuse", "refuse_intake", "withdraw", "cancel"):
        fields["finished_at"] = now
    elif action == "issue_result":
        fields["electronic_result"] = True
    elif action == "return_result":
        fields["returned_at"] = now
    seen = dossier.lock_version if expected is None else expected
    updated = Dossier.objects.filter(pk=dossier.pk, lock_version=seen).update(
        lock_version=F("lock_version") + 1, **fields
    )
    if not updated:
        raise Conflict(
            _("Hồ sơ %(code)s vừa được người khác cập nhật. Tải lại để xem trạng thái mới.")
            % {"code": dossier.code}
        )
    # The row is what was loaded plus these fields (only ``overdue``, which the sweep
    # sets without a new version so that it never causes a 409, may be newer there).
    if seen == dossier.lock_version:
        dossier.lock_version = seen + 1
        for name, value in fields.items():
            # As the row reads back: times in UTC (the calendar answers in local time).
            if isinstance(value, dt.datetime):
                value = value.astimezone(dt.UTC)
            setattr(dossier, name, value)
    else:
        dossier.refresh_from_db()
    _event(dossier, action, before, actor, agency=agency, note=note, role=role, at=now, data=data)
    return dossier


def _role_for(actor: User, perm: str, agency: Agency) -> str:
    from lienthong.accounts.constants import ROLE_PERMISSIONS
    from lienthong.accounts.permissions import grants_of, is_platform_admin

    for g in grants_of(actor):
        if g.agency_id == agency.pk and perm in ROLE_PERMISSIONS[g.role]:
            return g.role
    return "platform_admin" if is_platform_admin(actor) else ""


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
    """Carry out one workflow ``action`` on dossier ``code``.

    Raises NotFound (unknown dossier, or one the actor may not see), IllegalTransition
    (the action does not apply in the current status), PermissionDenied (the actor's
    role or agency does not allow it), InvalidInput (a required note, assignee or
    file missing or bad), Conflict (somebody acted on the dossier first).
    """
    now = now or timezone.now()
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise NotFound(_("Không có thao tác «%(a)s».") % {"a": action})
    dossier = _load(code, actor)
    if transition.who == "applicant":
        if not selectors.acts_for_applicant(actor, dossier):
            raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code})
        agency, role = dossier.receiving_agency, "applicant"
    else:
        agency = (
            dossier.receiving_agency
            if transition.where == "receiving"
            else (dossier.handling_agency)
        )
        authorize(actor, transition.who, agency=agency)
        role = _role_for(actor, transition.who, agency)
    if dossier.status not in transition.sources:
        raise IllegalTransition(
            _("Không thể «%(action)s» hồ sơ đang ở trạng thái «%(status)s».")
            % {"action": transition.label, "status": dossier.get_status_display()}
        )
    note = clean_param("note", note, multiline=True)
    if transition.note_required and not note:
        raise _bad("note", "note_required", _("Cần ghi rõ lý do."))
    extra: dict[str, Any] = {}
    data: dict[str, Any] = {}
    if action == "assign":
        if assignee is None or not can(
            assignee, Perm.DOSSIER_PROCESS, agency=dossier.handling_agency
        ):
            raise _bad(
                "assignee",
                "not_a_specialist",
                _("Người được phân công phải là chuyên viên của cơ quan giải quyết."),
            )
        extra["assignee"] = assignee
        data["assignee"] = assignee.get_username()
    uploads = uploads or []
    checked = [_check_upload(u, i) for i, u in enumerate(uploads)]
    if action == "supplement" and not uploads:
        raise _bad("files", "missing_component", _("Hãy đính kèm giấy tờ bổ sung."))
    if uploads:
        _check_count(len(uploads) + dossier.files.count())
    rows = [
        _file_row(dossier, upload, kind, digest, supplement=True)
        for upload, (kind, digest) in zip(uploads, checked, strict=True)
    ]
    with stored_files.staging() as staged, transaction.atomic():
        for row, upload in zip(rows, uploads, strict=True):
            row.file = staged.add(stored_file_name(row, row.original_name), upload.file)
        DossierFile.objects.bulk_create(rows)
        staged.settle()
        return _apply(
            dossier,
            transition.target,
            actor,
            action,
            agency,
            now=now,
            note=note,
            role=role,
            expected=expected_version,
            extra=extra,
            data=data or None,
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
    """Hand the dossier to another agency; it keeps its code and its due date.

    The receiving agency's leader assigns it again. Raises as :func:`act`.
    """
    now = now or timezone.now()
    dossier = _load(code, actor)
    authorize(actor, Perm.DOSSIER_PROCESS, agency=dossier.handling_agency)
    if dossier.status not in TRANSFERABLE:
        raise IllegalTransition(
            _("Không thể chuyển hồ sơ đang ở trạng thái «%(s)s».")
            % {"s": dossier.get_status_display()}
        )
    try:
        target = directory.get_agency(to_agency_code)
    except NotFound as exc:
        raise _bad("agency", "unknown_agency", _("Không tìm thấy cơ quan nhận.")) from exc
    if target.pk == dossier.handling_agency_id:
        raise _bad("agency", "same_agency", _("Hồ sơ đang ở chính cơ quan này."))
    note = clean_param("note", note, multiline=True)
    if not note:
        raise _bad("note", "note_required", _("Cần ghi rõ lý do chuyển."))
    source = dossier.handling_agency
    with transaction.atomic():
        return _apply(
            dossier,
            Status.RECEIVED,
            actor,
            TRANSFER,
            source,
            now=now,
            note=note,
            role=_role_for(actor, Perm.DOSSIER_PROCESS, source),
            expected=expected_version,
            extra={"handling_agency": target, "assignee": None},
            data={"from_agency": source.code, "to_agency": target.code},
        )


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
    dossier = _load(code, actor)
    if actor is not None:
        authorize(actor, Perm.DOSSIER_RECEIVE, agency=dossier.receiving_agency)
    if amount is not None and amount != dossier.fee_total:
        raise _bad("amount", "wrong_amount", _("Số tiền không khớp phí, lệ phí của hồ sơ."))
    if dossier.paid_at is not None:
        return dossier
    now = timezone.now()
    with transaction.atomic():
        Dossier.objects.filter(pk=dossier.pk).update(
            paid_at=now, paid_online=online, lock_version=F("lock_version") + 1
        )
        dossier.refresh_from_db(fields=["paid_at", "paid_online", "lock_version"])
        _event(
            dossier,
            "payment",
            dossier.status,
            actor,
            agency=dossier.receiving_agency,
            at=now,
            data={"online": online, "reference": reference[:100], "amount": dossier.fee_total},
        )
    return dossier


def rate(*, actor: User, code: str, score: int, comment: str = "") -> Rating:
    """The applicant rates the service (1–5) once the result is returned."""
    comment = clean_param("comment", comment, multiline=True)
    dossier = _load(code, actor)
    if not selectors.acts_for_applicant(actor, dossier):
        raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code})
    if dossier.status != Status.RETURNED:
        raise IllegalTransition(_("Chỉ đánh giá được sau khi đã nhận kết quả."))
    if not 1 <= int(score) <= 5:
        raise _bad("score", "score_range", _("Điểm đánh giá từ 1 đến 5."))
    with transaction.atomic():
        rating, created = Rating.objects.get_or_create(
            dossier=dossier,
            defaults={"score": score, "satisfied": score >= 4, "comment": comment},
        )
        if not created:
            raise IllegalTransition(_("Hồ sơ này đã được đánh giá."))
        outbox.emit(
            "dossier.rated",
            aggregate_type="dossier",
            aggregate_id=dossier.code,
            payload={"code": dossier.code, "score": score, "province": dossier.province.code},
        )
    return rating


def _load(code: str, actor: User | None) -> Dossier:
    """The dossier to act on; the same NotFound whether it is missing or ``actor`` may
    not see it (an official of another commune learns nothing of it). ``actor`` None is
    the platform itself (a payment gateway's callback, authenticated by its caller)."""
    dossier = (
        Dossier.objects.select_related(
            "procedure_version__procedure",
            "receiving_agency",
            "handling_agency",
            "province",
            "competent_unit",
        )
        .filter(code=code.strip())
        .first()
    )
    if dossier is None or (actor is not None and not selectors.may_read(actor, dossier)):
        raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code})
    return dossier


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


def extend(
    *, actor: User, code: str, new_due: dt.datetime, reason: str, now: dt.datetime | None = None
) -> Dossier:
    """Apologise for a dossier that will be late and set a new appointment (form 04).

    Only the handling agency's leader; only an open dossier; the new date must be later
    than the current one. Recorded in the history (reason, old and new dates) and
    announced like every step; the delay still counts against the agency's on-time rate.
    """
    from lienthong.dossiers.constants import CLOSED, EXTEND

    now = now or timezone.now()
    dossier = _load(code, actor)
    authorize(actor, Perm.DOSSIER_APPROVE, agency=dossier.handling_agency)
    if dossier.status in CLOSED or dossier.finished_at or dossier.due_at is None:
        raise IllegalTransition(_("Chỉ gia hạn được hồ sơ đang giải quyết."))
    reason = clean_param("note", reason, multiline=True)
    if not reason:
        raise _bad("note", "note_required", _("Cần ghi rõ lý do chậm."))
    if new_due <= dossier.due_at:
        raise _bad("new_due", "not_later", _("Ngày hẹn mới phải sau ngày hẹn hiện tại."))
    old_due = dossier.due_at
    with transaction.atomic():
        updated = Dossier.objects.filter(pk=dossier.pk, lock_version=dossier.lock_version).update(
            due_at=new_due, lock_version=F("lock_version") + 1
        )
        if not updated:
            raise Conflict(_("Hồ sơ %(code)s vừa được người khác cập nhật.") % {"code": code})
        dossier.refresh_from_db(fields=["due_at", "lock_version"])
        _event(
            dossier,
            EXTEND,
            dossier.status,
            actor,
            agency=dossier.handling_agency,
            note=reason,
            role=_role_for(actor, Perm.DOSSIER_APPROVE, dossier.handling_agency),
            at=now,
            data={"old_due": old_due.isoformat(), "new_due": new_due.isoformat()},
        )
    return dossier


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
        raise _bad("key", exc.code, str(exc.message)) from exc
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
