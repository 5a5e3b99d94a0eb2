"""API of dossiers: submit (idempotent), read, list, act, history, public tracking."""

# No ``from __future__ import annotations``: django-ninja reads the endpoints' parameter
# types at import time, and a string "DossierStatus | None" does not resolve there.
import base64
import binascii
import datetime as dt
import hashlib
import hmac
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile
from ninja.params.functions import Header, Query

from lienthong.accounts.auth import ApiRequest, SystemPrincipal, api_auth
from lienthong.accounts.selectors import user_by_pin
from lienthong.catalog import selectors as catalog
from lienthong.core import paging
from lienthong.core.errors import InvalidInput, InvalidParam, PermissionDenied, Unauthenticated
from lienthong.core.paging import MAX_LIMIT
from lienthong.dossiers import selectors, services, workflow
from lienthong.dossiers.constants import Status as DossierStatus
from lienthong.dossiers.models import Dossier
from lienthong.dossiers.schemas import (
    ActionIn,
    DossierListOut,
    DossierOut,
    EventOut,
    FileIn,
    PaymentCallbackIn,
    PrefillIn,
    PrefillOut,
    SubmitFormIn,
    SubmitIn,
    TrackOut,
)

if TYPE_CHECKING:
    from lienthong.accounts.models import User

router = Router(tags=["Hồ sơ"])


def _uploads(files: list[FileIn]) -> list[services.Upload]:
    out = []
    for i, f in enumerate(files):
        if len(f.content_base64) > services.MAX_FILE_BYTES * 4 // 3 + 4:
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
        out.append(services.Upload(f.component, SimpleUploadedFile(f.name[:200], content)))
    return out


def _person(request: ApiRequest) -> "User":
    if isinstance(request.auth, SystemPrincipal):
        raise PermissionDenied(code="people-only")
    return request.auth


@router.post("/dossiers", response={201: DossierOut}, auth=api_auth, summary="Nộp hồ sơ")
def submit(
    request: ApiRequest,
    payload: SubmitIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status[Dossier]:
    """Nộp hồ sơ theo phiên bản đang áp dụng của thủ tục. Gửi lại với cùng tiêu đề
    `Idempotency-Key` trả về đúng hồ sơ đã tạo (không tạo trùng); khoá đã dùng cho hồ sơ
    có nội dung khác (người nộp, thủ tục, xã, kênh): 422 `key_reused`, không nộp gì.
    Giấy tờ được thay bằng dữ liệu thì không cần nộp."""
    return _submit(request, payload, _uploads(payload.files), idempotency_key)


def _submit(
    request: ApiRequest,
    payload: SubmitIn | SubmitFormIn,
    uploads: list[services.Upload],
    idempotency_key: str,
) -> Status[Dossier]:
    user = _person(request)
    dossier = services.submit(
        actor=user,
        procedure_code=payload.procedure,
        competent_unit_code=payload.competent_unit,
        receiving_unit_code=payload.receiving_unit,
        channel=payload.channel,
        summary=payload.summary,
        on_behalf_of=payload.on_behalf_of,
        form_data=payload.form_data,
        uploads=uploads,
        idempotency_key=idempotency_key,
        eid_authenticated=bool(getattr(user, "pin", None)),
    )
    return Status(201, dossier)  # the service returns it with what DossierOut reads


@router.post(
    "/dossiers/multipart",
    response={201: DossierOut},
    auth=api_auth,
    summary="Nộp hồ sơ (multipart/form-data, tệp lớn)",
)
def submit_multipart(
    request: ApiRequest,
    payload: Form[SubmitFormIn],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status[Dossier]:
    """Như `POST /dossiers`, nhưng gửi dạng multipart/form-data: các trường là trường của
    biểu mẫu (`form_data` là một đối tượng JSON dạng chuỗi), mỗi tệp là một phần `files`
    và thành phần hồ sơ của nó là giá trị `components` cùng thứ tự. Tệp được ghi thẳng ra
    đĩa khi nhận, nên mỗi tệp đến 10 MB và cả yêu cầu đến 110 MB (nộp bằng JSON base64
    chỉ đến 15 MB)."""
    sent = list(files or [])
    if len(payload.components) != len(sent):
        raise InvalidInput(
            invalid_params=[
                InvalidParam(
                    "components",
                    "components_mismatch",
                    _(
                        "Cần đúng một thành phần hồ sơ cho mỗi tệp gửi kèm (%(files)d tệp, "
                        "%(components)d thành phần)."
                    )
                    % {"files": len(sent), "components": len(payload.components)},
                )
            ]
        )
    uploads = [
        services.Upload(component, upload)
        for component, upload in zip(payload.components, sent, strict=True)
    ]
    return _submit(request, payload, uploads, idempotency_key)


@router.post(
    "/procedures/{code}/prefill",
    response=PrefillOut,
    auth=api_auth,
    summary="Điền sẵn tờ khai từ cơ sở dữ liệu",
)
def prefill(request: ApiRequest, code: str, payload: PrefillIn) -> PrefillOut:
    """Người nộp (đăng nhập VNeID) đồng ý để cơ quan giải quyết tại xã `commune` lấy các
    mục `prefill` của tờ khai từ cơ sở dữ liệu: về chính người nộp, hoặc về người có số
    định danh trong mục `pins`. Mỗi lần lấy được ghi nhật ký truy cập mà người đó xem
    được; mục không lấy được có lý do trong `problems` (chưa được cấp quyền, CSDL không
    phản hồi, không có dữ liệu)."""
    got = services.prefill(
        actor=_person(request),
        version=catalog.get_procedure(code),
        commune_code=payload.commune,
        typed={str(k): v for k, v in payload.pins.items() if isinstance(v, str)},
        ip=str(request.META.get("REMOTE_ADDR", "")),
    )
    return PrefillOut(values=got.values, sources=got.sources, problems=got.problems)


@router.get("/dossiers", response=DossierListOut, auth=api_auth, summary="Danh sách hồ sơ")
def list_dossiers(
    request: ApiRequest,
    status: DossierStatus | None = None,
    agency: str | None = Query(None, description="Mã cơ quan tiếp nhận hoặc giải quyết"),
    overdue: bool | None = None,
    limit: int = Query(20, ge=1, le=MAX_LIMIT, description="Số hồ sơ một trang (1–100)"),
    cursor: str | None = Query(
        None, max_length=200, description="Trang sau: giá trị `next` của trang trước"
    ),
) -> DossierListOut:
    """Hồ sơ tài khoản được xem: của mình (đứng tên hoặc nộp thay), của cơ quan tiếp nhận
    hoặc giải quyết mà mình có quyền xem (docs/access.md); mới nộp trước. Phân trang bằng
    con trỏ: trang sau lấy bằng `cursor` = `next` của trang trước (`next` null: trang cuối),
    nhanh như nhau ở trang đầu và trang thứ 50.000. `count` đếm chính xác đến 10.000 hồ sơ;
    nhiều hơn thì `count_exact` là false và `count` là 10.000 («hơn 10.000»)."""
    page = selectors.dossier_page(
        _person(request),
        status=status,
        agency_code=agency,
        overdue=overdue,
        limit=limit,
        after=_position(cursor) if cursor else None,
    )
    return DossierListOut(
        items=page.rows,  # type: ignore[arg-type]  # read field by field into DossierOut
        count=page.count,
        count_exact=page.count_exact,
        next=paging.cursor(page.after) if page.after else None,
    )


def _position(cursor: str) -> tuple[dt.datetime, int]:
    try:
        at, pk = paging.position(cursor, "ti")  # the shape: an instant, then an id
        return cast("dt.datetime", at), cast("int", pk)
    except ValueError as exc:
        raise InvalidInput(
            _("Con trỏ trang không hợp lệ."),
            invalid_params=[
                InvalidParam(
                    "cursor",
                    "invalid_cursor",
                    _("Dùng đúng giá trị «next» của trang trước, không sửa."),
                )
            ],
        ) from exc


@router.get("/dossiers/{code}", response=DossierOut, auth=api_auth, summary="Một hồ sơ")
def get_dossier(request: ApiRequest, code: str) -> Dossier:
    return selectors.get_dossier_for(_person(request), code)


@router.post(
    "/dossiers/{code}/actions/{action}",
    response=DossierOut,
    auth=api_auth,
    summary="Thực hiện một bước xử lý",
)
def act(request: ApiRequest, code: str, action: str, payload: ActionIn) -> Dossier:
    """Một bước của quy trình (bảng chuyển trạng thái, docs/workflow.md): `receive`,
    `refuse_intake`, `assign` (cần `assignee_pin`), `start_review`, `request_supplement`,
    `supplement`, `submit_for_signature` (trình lãnh đạo ký), `return_for_review`,
    `approve`, `refuse`, `issue_result` (ký số, vào sổ, ban hành), `return_result`,
    `withdraw` (cần `note`: lý do rút), `cancel`, `transfer` (cần `to_agency`), `extend`
    (cần `new_due` và `note`), `payment`,
    và các bước riêng mà thủ tục cấu hình. Sai trạng thái: 409 `illegal-transition`; hồ sơ
    vừa bị người khác cập nhật (`expected_version` cũ): 409 `conflict`."""
    inputs: dict[str, Any] = {"note": payload.note}
    if payload.to_agency is not None:
        inputs["agency"] = payload.to_agency
    if payload.new_due is not None:
        inputs["new_due"] = payload.new_due
    if payload.assignee_pin is not None:
        # An unknown number arrives as None and is refused as "not a specialist" after
        # the caller's own right to act was checked: nobody learns which numbers exist.
        inputs["assignee"] = user_by_pin(payload.assignee_pin)
    return workflow.perform(
        _person(request), code, action, expected_version=payload.expected_version, **inputs
    )


@router.get(
    "/dossiers/{code}/history", response=list[EventOut], auth=api_auth, summary="Lịch sử xử lý"
)
def history(request: ApiRequest, code: str) -> list[EventOut]:
    dossier = selectors.get_dossier_for(_person(request), code)
    return [
        EventOut(
            action=e.action,
            from_status=e.from_status,
            to_status=e.to_status,
            actor=e.actor.get_full_name() if e.actor else None,
            role=e.role,
            agency=e.agency.code if e.agency else None,
            at=e.at,
            note=e.note,
        )
        for e in selectors.history_of(dossier)
    ]


@router.get("/track/{code}", response=TrackOut, summary="Tra cứu tình trạng hồ sơ (công khai)")
def track(
    request: HttpRequest, code: str, key: str = Query(..., description="Mã tra cứu")
) -> TrackOut:
    """Chỉ trạng thái và các mốc thời gian, không có thông tin cá nhân; cần mã tra cứu in
    trên giấy tiếp nhận (16 ký tự, viết liền hoặc có dấu gạch; gõ nhầm một ký tự: 422
    `tracking_key_check`). Tra sai quá nhiều lần từ một địa chỉ hoặc với một hồ sơ: 429
    kèm tiêu đề `Retry-After`."""
    t = services.track(code=code, key=key, address=request.META.get("REMOTE_ADDR", ""))
    return TrackOut(**t.__dict__)


@router.post(
    "/payments/callback",
    response={200: DossierOut},
    summary="Cổng thanh toán báo đã thu phí (có chữ ký)",
)
def payment_callback(
    request: HttpRequest,
    payload: PaymentCallbackIn,
    signature: str = Header(..., alias="X-Signature"),
) -> Status[Dossier]:
    """Cổng thanh toán gọi khi người nộp đã trả phí, lệ phí. Tiêu đề `X-Signature` là
    HMAC-SHA256 (hex) của thân yêu cầu với khoá `PAYMENT_CALLBACK_SECRET`. Sai chữ ký: 401;
    sai số tiền: 422; gọi lại: trả về hồ sơ, không ghi hai lần."""
    secret = settings.PAYMENT_CALLBACK_SECRET
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    if not secret or not hmac.compare_digest(expected, signature.strip().lower()):
        raise Unauthenticated(_("Chữ ký của cổng thanh toán không hợp lệ."), code="bad-signature")
    dossier = services.confirm_payment(
        actor=None,
        code=payload.dossier,
        online=True,
        reference=payload.reference,
        amount=payload.amount,
    )
    return Status(200, dossier)
