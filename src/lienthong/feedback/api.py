"""API of reports and petitions (phản ánh, kiến nghị): send (idempotent), the author's
list, the officials' queues, read, history, the steps, and the published answers."""

# No ``from __future__ import annotations``: django-ninja reads the endpoints' parameter
# types at import time, and a string "Category | None" does not resolve there.
import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate
from ninja.params.functions import Header, Query

from lienthong.accounts.auth import ApiRequest, SystemPrincipal, api_auth
from lienthong.accounts.selectors import user_by_pin
from lienthong.core.errors import InvalidInput, InvalidParam, PermissionDenied
from lienthong.core.paging import LazySlices, Page
from lienthong.dossiers.services import MAX_FILE_BYTES
from lienthong.feedback import selectors, services
from lienthong.feedback.constants import Category, Channel
from lienthong.feedback.constants import Status as ReportStatus
from lienthong.feedback.schemas import (
    FeedbackActionIn,
    FeedbackDetailOut,
    FeedbackEventOut,
    FeedbackFileIn,
    FeedbackFileOut,
    FeedbackIn,
    FeedbackOut,
    FeedbackPublicOut,
    FeedbackStepOut,
    QueueTab,
)
from lienthong.feedback.table import TABLE

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.feedback.models import Report

router = Router(tags=["Phản ánh, kiến nghị"], auth=api_auth)

#: The services' names of inputs → the body's fields, so that a 422 names what was sent.
_FIELDS: Final = {"lat": "latitude", "assignee": "assignee_pin", "agency": "to_agency"}
#: The steps' inputs → the fields of FeedbackActionIn that carry them.
_INPUT_FIELDS: Final = {"assignee": "assignee_pin", "agency": "to_agency"}


@contextmanager
def _named_as_sent() -> Iterator[None]:
    """A refusal of the services names the body's field, not the service's argument."""
    try:
        yield
    except InvalidInput as exc:
        exc.invalid_params = [
            InvalidParam(_FIELDS.get(p.name, p.name), p.code, p.reason) for p in exc.invalid_params
        ]
        raise


def _person(request: ApiRequest) -> "User":
    if isinstance(request.auth, SystemPrincipal):
        raise PermissionDenied(code="people-only")
    return request.auth


def _uploads(files: list[FeedbackFileIn]) -> list[services.Upload]:
    out = []
    for i, f in enumerate(files):
        if len(f.content_base64) > MAX_FILE_BYTES * 4 // 3 + 4:
            raise InvalidInput(
                invalid_params=[
                    InvalidParam(f"files[{i}]", "file_too_large", _("Tệp lớn hơn 10 MB."))
                ]
            )
        try:
            content = base64.b64decode(f.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(
                invalid_params=[
                    InvalidParam(f"files[{i}]", "bad_base64", _("Nội dung tệp không phải base64."))
                ]
            ) from exc
        # A report's files belong to no component of a dossier.
        out.append(services.Upload("", SimpleUploadedFile(f.name[:200], content)))
    return out


def _check_email(value: str) -> None:
    try:
        validate_email(value)
    except ValidationError as exc:
        raise InvalidInput(
            invalid_params=[
                InvalidParam(
                    "contact_email",
                    "invalid_email",
                    _("«%(f)s» phải là địa chỉ thư điện tử.") % {"f": "contact_email"},
                )
            ]
        ) from exc


def _is_author(viewer: "User | None", report: "Report") -> bool:
    return viewer is not None and viewer.pk is not None and viewer.pk == report.author_id


def _fields(report: "Report", *, author_shown: bool) -> dict[str, Any]:
    """What ``FeedbackOut`` shows of ``report`` (the author's name and contact only when
    ``author_shown``)."""
    commune = report.commune
    return {
        "code": report.code,
        "category": report.category,
        "category_label": str(report.get_category_display()),
        "title": report.title,
        "text": report.text,
        "status": report.status,
        "status_label": str(TABLE.label(report.status)),
        "lock_version": report.lock_version,
        "channel": report.channel,
        "anonymous": report.anonymous,
        "private": report.private,
        "author": report.author.get_full_name()
        if author_shown and report.author is not None
        else None,
        "contact_name": report.contact_name if author_shown else None,
        "contact_phone": report.contact_phone if author_shown else None,
        "contact_email": report.contact_email if author_shown else None,
        "procedure": report.procedure_code,
        "dossier": report.dossier_code,
        "commune": commune.code if commune is not None else None,
        "commune_name": commune.name if commune is not None else None,
        "province": report.province.code,
        "handling_agency": report.handling_agency.code,
        "handling_agency_name": report.handling_agency.name,
        "assignee": report.assignee.get_full_name() if report.assignee is not None else None,
        "address": report.address,
        "latitude": float(report.latitude) if report.latitude is not None else None,
        "longitude": float(report.longitude) if report.longitude is not None else None,
        "submitted_at": report.submitted_at,
        "decided_at": report.decided_at,
        "answered_at": report.answered_at,
        "published_at": report.published_at,
        "step_due_at": report.step_due_at,
        "due_at": report.due_at,
        "overdue": report.overdue,
        "late": report.late,
        "published": report.published,
        "reraised": report.reraised,
        "score": report.score,
    }


def _summary(viewer: "User", report: "Report") -> FeedbackOut:
    return FeedbackOut(
        **_fields(report, author_shown=not report.anonymous or _is_author(viewer, report))
    )


def _detail(viewer: "User | None", report: "Report", *, sender: bool = False) -> FeedbackDetailOut:
    """The report as ``viewer`` may see it; ``sender``: the system that has just sent it
    (it gave the contact itself; it takes no step)."""
    author = sender or _is_author(viewer, report)
    # The author reads the answer once it is approved and sent to them, not the draft.
    draft = report.published_at is None or report.status == ReportStatus.ANSWERED
    hidden_answer = author and draft and not sender
    steps = selectors.steps_for(viewer, report) if viewer is not None else []
    return FeedbackDetailOut(
        **_fields(report, author_shown=author or not report.anonymous),
        answer=None if hidden_answer else report.answer,
        public_title=report.public_title,
        public_text=report.public_text,
        public_answer=None if hidden_answer else report.public_answer,
        merged_into=report.merged_into.code if report.merged_into is not None else None,
        files=[
            FeedbackFileOut(
                name=f.original_name,
                content_type=f.content_type,
                size=f.size,
                supplement=f.supplement,
                uploaded_at=f.uploaded_at,
            )
            for f in report.files.all()
        ],
        actions=[
            FeedbackStepOut(
                action=s.action,
                label=str(s.label),
                inputs=sorted(_INPUT_FIELDS.get(i, i) for i in s.inputs),
                required=sorted(_INPUT_FIELDS.get(i, i) for i in s.required),
            )
            for s in steps
        ],
    )


def _pages(viewer: "User", rows: "QuerySet[Report]") -> LazySlices[FeedbackOut]:
    return LazySlices(rows.count(), lambda a, b: [_summary(viewer, r) for r in rows[a:b]])


def _public(report: "Report") -> FeedbackPublicOut:
    # Only what public_reports() reads: the published words, never a person's data.
    commune = report.commune
    return FeedbackPublicOut(
        code=report.code,
        category=report.category,
        category_label=str(report.get_category_display()),
        title=report.public_title,
        text=report.public_text,
        answer=report.public_answer,
        commune=commune.code if commune is not None else None,
        commune_name=commune.name if commune is not None else None,
        province_name=report.province.name,
        agency_name=report.handling_agency.name,
        latitude=float(report.latitude) if report.latitude is not None else None,
        longitude=float(report.longitude) if report.longitude is not None else None,
        submitted_at=report.submitted_at,
        published_at=report.published_at,
        score=report.score,
    )


# Fixed paths before "/feedback/{code}", so that "public" and "queue" are not codes.


@router.get(
    "/feedback/public",
    response=list[FeedbackPublicOut],
    auth=None,
    summary="Phản ánh, kiến nghị đã trả lời (công khai)",
)
@paginate(Page)
def public_list(
    request: HttpRequest,
    q: str = Query("", max_length=200, description="Từ khoá, có hoặc không dấu"),
    commune: str = Query("", max_length=10, description="Mã xã, phường"),
    category: Category | None = None,
) -> LazySlices[FeedbackPublicOut]:
    """Các trả lời đã được duyệt và công bố, mới nhất trước: nội dung phản ánh và trả lời
    đã bỏ thông tin cá nhân (tên, số định danh, số điện thoại, thư điện tử); không có
    người gửi. Phản ánh người gửi đề nghị không công khai không có ở đây."""
    rows = selectors.public_reports(q=q, commune=commune.strip(), category=category or "")
    return LazySlices(rows.count(), lambda a, b: [_public(r) for r in rows[a:b]])


@router.get(
    "/feedback/public/{code}",
    response=FeedbackPublicOut,
    auth=None,
    summary="Một trả lời phản ánh đã công bố",
)
def public_detail(request: HttpRequest, code: str) -> FeedbackPublicOut:
    """Phản ánh và trả lời đã công bố, không có thông tin cá nhân; chưa công bố hoặc không
    công khai: 404."""
    return _public(selectors.get_public_report(code))


@router.post("/feedback", response={201: FeedbackDetailOut}, summary="Gửi phản ánh, kiến nghị")
def submit(
    request: ApiRequest,
    payload: FeedbackIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status[FeedbackDetailOut]:
    """Người dân gửi phản ánh, kiến nghị của mình (kênh trực tuyến); một hệ thống khác
    (mã truy cập client credentials) gửi thay người dân qua kênh `api`, khi đó bắt buộc có
    `contact_phone` hoặc `contact_email` để nhận trả lời. Phản ánh về một hồ sơ (`dossier`,
    của chính người gửi) đi tới cơ quan giải quyết hồ sơ đó; còn lại tới cơ quan có thẩm
    quyền của xã `commune` theo lĩnh vực. Cơ quan xem xét tiếp nhận trong 2 ngày làm việc,
    trả lời trong 15 ngày làm việc. Gửi lại với cùng tiêu đề `Idempotency-Key` (người dân
    hoặc hệ thống) nhận lại đúng phản ánh đã tạo (không tạo trùng); dùng lại khóa cho nội
    dung khác bị từ chối (422 `key_reused`)."""
    system = isinstance(request.auth, SystemPrincipal)
    actor = None if isinstance(request.auth, SystemPrincipal) else request.auth
    if payload.contact_email:
        _check_email(payload.contact_email)
    with _named_as_sent():
        report = services.submit(
            actor=actor,
            channel=Channel.API if system else Channel.ONLINE,
            category=payload.category,
            title=payload.title,
            text=payload.text,
            commune_code=payload.commune,
            procedure_code=payload.procedure,
            dossier_code=payload.dossier,
            anonymous=payload.anonymous,
            private=payload.private,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            contact_email=payload.contact_email,
            latitude=payload.latitude,
            longitude=payload.longitude,
            address=payload.address,
            uploads=_uploads(payload.files),
            system=request.auth.client_id if isinstance(request.auth, SystemPrincipal) else "",
            idempotency_key=idempotency_key,
        )
    if actor is None:
        return Status(201, _detail(None, report, sender=True))
    return Status(201, _detail(actor, selectors.get_report_for(actor, report.code)))


@router.get("/feedback", response=list[FeedbackOut], summary="Phản ánh, kiến nghị của tôi")
@paginate(Page)
def mine(request: ApiRequest) -> LazySlices[FeedbackOut]:
    """Phản ánh người đang đăng nhập đã gửi, mới nhất trước."""
    user = _person(request)
    return _pages(user, selectors.mine(user))


@router.get("/feedback/queue", response=list[FeedbackOut], summary="Phản ánh cần xử lý (cán bộ)")
@paginate(Page)
def queue(
    request: ApiRequest,
    tab: QueueTab = Query(
        "tiep-nhan",
        description="tiep-nhan (chờ tiếp nhận), phan-cong (chờ phân công), xu-ly (đang xử "
        "lý), cong-bo (chờ duyệt, công bố), bo-sung (chờ người gửi bổ sung), qua-han (quá "
        "hạn), da-xong (đã xong)",
    ),
) -> LazySlices[FeedbackOut]:
    """Một ngăn hàng đợi của cán bộ: phản ánh của các cơ quan nơi mình có quyền của ngăn
    đó (docs/access.md), cũ nhất trước; chuyên viên thấy ở ngăn `xu-ly` phản ánh được
    phân công cho mình và phản ánh chưa phân công. Tên, liên hệ của người gửi ẩn danh là
    null."""
    user = _person(request)
    return _pages(user, selectors.queue(user, tab))


@router.get("/feedback/{code}", response=FeedbackDetailOut, summary="Một phản ánh, kiến nghị")
def get_report(request: ApiRequest, code: str) -> FeedbackDetailOut:
    """Người gửi, cán bộ cơ quan đang giải quyết và Mặt trận giám sát trên địa bàn xem
    được; người khác: 404. Phản ánh ẩn danh: tên và liên hệ của người gửi là null với mọi
    người trừ chính người gửi. `actions`: các bước người gọi thực hiện được lúc này."""
    user = _person(request)
    return _detail(user, selectors.get_report_for(user, code))


@router.get(
    "/feedback/{code}/history", response=list[FeedbackEventOut], summary="Lịch sử xử lý phản ánh"
)
def history(request: ApiRequest, code: str) -> list[FeedbackEventOut]:
    """Mọi bước đã thực hiện, theo thời gian (người gửi ẩn danh không hiện tên)."""
    user = _person(request)
    report = selectors.get_report_for(user, code)
    hide_author = report.anonymous and not _is_author(user, report)
    return [
        FeedbackEventOut(
            action=e.action,
            label=str(label),
            from_status=e.from_status,
            to_status=e.to_status,
            status_label=str(status_label),
            actor=None
            if e.actor is None or (hide_author and e.actor_id == report.author_id)
            else e.actor.get_full_name(),
            role=e.role,
            agency=e.agency.code if e.agency else None,
            at=e.at,
            note=e.note,
        )
        for e, label, status_label in selectors.history(report)
    ]


@router.post(
    "/feedback/{code}/actions/{action}",
    response=FeedbackDetailOut,
    summary="Thực hiện một bước xử lý phản ánh",
)
def act(
    request: ApiRequest, code: str, action: str, payload: FeedbackActionIn
) -> FeedbackDetailOut:
    """Một bước của quy trình xử lý phản ánh: `accept` (tiếp nhận), `refuse` (không tiếp
    nhận, cần `note`), `transfer` (cần `to_agency` và `note`), `merge` (gộp vào phản ánh
    trùng, cần `into`), `assign` (cần `assignee_pin`), `request_supplement` (cần `note`),
    `answer` (cần `answer`), `publish` (duyệt và công bố; có thể sửa `public_text`,
    `answer`; còn thông tin cá nhân: 422 `personal_data`), `return_answer` (cần `note`);
    của người gửi: `supplement` (cần `note`, có thể kèm `files`), `withdraw`, `rate` (cần
    `score` 1–5, có thể kèm `comment`), `reraise` (cần `note`). Trả về phản ánh sau bước
    đó. Sai trạng thái: 409 `illegal-transition`; phản ánh vừa bị người khác cập nhật
    (`expected_version` cũ): 409 `conflict`; trường thiếu hoặc bước không nhận: 422 nêu
    tên trường; phản ánh người gọi không được xem: 404."""
    user = _person(request)
    inputs: dict[str, Any] = {
        "note": payload.note,
        "answer": payload.answer,
        "public_text": payload.public_text,
        "comment": payload.comment,
        "into": payload.into,
        "agency": payload.to_agency,
        "score": payload.score,
    }
    if payload.assignee_pin:
        # An unknown number is an account with no role: refused as "not a handler" (or
        # "not taken" by another step) after the caller's own right to act and the state
        # were checked, exactly as a known one: nobody learns which numbers exist.
        inputs["assignee"] = user_by_pin(payload.assignee_pin) or AnonymousUser()
    if payload.files:
        inputs["files"] = _uploads(payload.files)
    with _named_as_sent():
        report = services.act(
            actor=user,
            code=code,
            action=action,
            expected_version=payload.expected_version,
            **inputs,
        )
    return _detail(user, report)
