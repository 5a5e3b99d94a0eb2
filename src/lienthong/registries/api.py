"""API of the data-sharing gateway, and the data subject's own view of it.

No ``from __future__ import annotations``: django-ninja reads the paginated
endpoint's parameter types at import time, outside this module's namespace.
"""

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from lienthong.accounts.auth import ApiRequest, SystemPrincipal, api_auth
from lienthong.core.errors import DomainError, PermissionDenied
from lienthong.core.paging import Page
from lienthong.registries import gateway, selectors, services
from lienthong.registries.constants import Outcome
from lienthong.registries.datasets import DATASETS, services_of
from lienthong.registries.models import AccessLog
from lienthong.registries.schemas import (
    AccessOut,
    AnswerOut,
    BatchIn,
    BatchItemOut,
    BatchOut,
    FieldOut,
    HoldingOut,
    ItemErrorOut,
    RecordMetaOut,
    RegistryOut,
    ReportIn,
    ReportOut,
    ServiceOut,
)

if TYPE_CHECKING:
    from lienthong.accounts.models import User

router = Router(tags=["Chia sẻ dữ liệu"], auth=api_auth)


def _ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def _caller(request: ApiRequest, agency: str) -> gateway.Caller:
    principal = request.auth
    if isinstance(principal, SystemPrincipal):
        return gateway.Caller(principal.agency, None, principal.client_id, _ip(request))
    return selectors.caller_for(principal, agency, _ip(request))


def _answer(a: gateway.Answer) -> AnswerOut:
    return AnswerOut(
        request=a.request,
        registry=a.registry,
        service=a.service,
        fields=list(a.fields),
        records=a.records,
        meta=[
            RecordMetaOut(key=m.key, subject=m.subject, version=m.version, valid_from=m.valid_from)
            for m in a.meta
        ],
        match=a.match,
    )


@router.get("/registries", response=list[RegistryOut], summary="Các cơ sở dữ liệu và dịch vụ")
def list_registries(request: ApiRequest) -> list[RegistryOut]:
    """Cơ sở dữ liệu, cơ quan chủ quản, cấu trúc (trường dữ liệu) và các dịch vụ dữ liệu."""
    out = []
    for registry in selectors.all_registries():
        ds = DATASETS[registry.code]
        out.append(
            RegistryOut(
                code=registry.code,
                name=registry.name,
                owner_code=registry.owner.code,
                owner_name=registry.owner.name,
                schema_version=registry.schema_version,
                key_label=str(ds.key_label),
                fields=[FieldOut(name=f.name, label=str(f.label), kind=f.kind) for f in ds.fields],
                services=[
                    ServiceOut(
                        code=s.code,
                        name=str(s.name),
                        description=str(s.description),
                        lookup=s.lookup,
                        fields=list(s.fields),
                    )
                    for s in services_of(registry.code)
                ],
            )
        )
    return out


@router.get("/registries/{registry}/records/{key}", response=AnswerOut, summary="Đọc một bản ghi")
def read_record(
    request: ApiRequest,
    registry: str,
    key: str,
    purpose: str,
    dossier: str = "",
    on_behalf_of: str = "",
    agency: str = "",
) -> AnswerOut:
    """Một bản ghi theo mã, chỉ gồm các trường được cấp quyền (dịch vụ `record`). Mỗi lượt
    đọc được ghi nhật ký (ai, cơ quan nào, dữ liệu của ai, trường nào, mục đích, mã hồ
    sơ) trước khi dữ liệu được trả về; lượt đọc không có quyền bị từ chối (403
    `no-grant`), ghi nhật ký và báo cơ quan chủ quản. `agency`: mã cơ quan mà cán bộ khai
    thác thay mặt, khi giữ vai trò ở nhiều cơ quan."""
    return _answer(
        gateway.read_record(
            _caller(request, agency),
            registry,
            key,
            purpose=purpose,
            dossier=dossier,
            on_behalf_of=on_behalf_of,
        )
    )


@router.get("/data-services/{service}", response=AnswerOut, summary="Gọi một dịch vụ dữ liệu")
def call_service(
    request: ApiRequest,
    service: str,
    id: str,
    purpose: str,
    dossier: str = "",
    on_behalf_of: str = "",
    agency: str = "",
    full_name: str = "",
    birth_date: str = "",
) -> AnswerOut:
    """Dịch vụ dữ liệu (`verify-identity`, `person`, `residence`, `household`,
    `civil-status-extract`, `enterprise`, `insurance-card`, `social-benefit`) theo số
    định danh cá nhân hoặc mã số thuế `id`. `verify-identity` so `full_name`,
    `birth_date` (YYYY-MM-DD) với CSDL dân cư và chỉ trả về `match`. Cơ sở dữ liệu không
    kết nối được: 503 `registry-unavailable` (tiếp nhận hồ sơ theo bản giấy)."""
    return _answer(
        gateway.consult(
            _caller(request, agency),
            service,
            id,
            purpose=purpose,
            dossier=dossier,
            on_behalf_of=on_behalf_of,
            facts={"full_name": full_name, "birth_date": birth_date},
        )
    )


@router.post(
    "/data-services/{service}/batch", response=BatchOut, summary="Tra cứu nhiều người một lượt"
)
def call_service_batch(request: ApiRequest, service: str, payload: BatchIn) -> BatchOut:
    """Một dịch vụ dữ liệu cho tối đa 100 số định danh cá nhân hoặc mã số thuế `ids` một
    lượt (xã đối chiếu danh sách đối tượng, trường học đối chiếu học sinh): một lần kiểm
    tra quyền, mỗi người được ghi nhật ký như một lượt gọi riêng trước khi dữ liệu được
    trả về, mỗi số tính một lượt vào hạn mức. Số sai cấu trúc được báo ở kết quả của nó
    (`error`), các số khác vẫn được tra cứu. Không áp dụng cho `verify-identity`."""
    batch = gateway.consult_batch(
        _caller(request, payload.agency),
        service,
        payload.ids,
        purpose=payload.purpose,
        dossier=payload.dossier,
        on_behalf_of=payload.on_behalf_of,
    )
    return BatchOut(
        request=batch.request,
        registry=batch.registry,
        service=batch.service,
        results=[
            BatchItemOut(
                id=item.id,
                answer=_answer(item.answer) if item.answer else None,
                error=_item_error(item.error) if item.error else None,
            )
            for item in batch.items
        ],
    )


def _item_error(error: DomainError) -> ItemErrorOut:
    """Why one number of a batch was not looked up: the stable code and the message of
    its first problem."""
    if error.invalid_params:
        first = error.invalid_params[0]
        return ItemErrorOut(code=first.code, detail=str(first.reason))
    return ItemErrorOut(code=error.code, detail=str(error.detail))


def _person(request: ApiRequest) -> "User":
    if isinstance(request.auth, SystemPrincipal):
        raise PermissionDenied(code="people-only")
    return request.auth


@router.get("/me/data", response=list[HoldingOut], summary="Dữ liệu của tôi")
def my_data(request: ApiRequest) -> list[HoldingOut]:
    """Những gì các cơ sở dữ liệu lưu về người đang đăng nhập (theo số định danh cá nhân
    hoặc mã số thuế)."""
    return [
        HoldingOut(
            registry=h.registry,
            registry_name=h.registry_name,
            key=h.key,
            version=h.version,
            valid_from=h.valid_from,
            lines=[{"label": line.label, "value": line.value} for line in h.lines],  # type: ignore[misc]
        )
        for h in selectors.holdings_of(_person(request))
    ]


def access_out(log: AccessLog) -> AccessOut:
    return AccessOut(
        id=log.pk,
        at=log.at,
        registry=log.registry.code,
        registry_name=log.registry.name,
        service=log.service,
        service_name=gateway.service_label(log.service),
        agency_code=log.consumer.code if log.consumer else None,
        agency_name=log.consumer.name if log.consumer else None,
        official=log.user.get_full_name() if log.user else None,
        system=log.client_id or None,
        fields=list(log.fields),
        field_labels=selectors.field_labels(log.registry.code, list(log.fields)),
        purpose=log.purpose,
        dossier=log.dossier,
        outcome=log.outcome,
        outcome_label=str(Outcome(log.outcome).label),
        reported=log.reported_at is not None,
    )


@router.get("/me/data-accesses", response=list[AccessOut], summary="Ai đã xem dữ liệu của tôi")
@paginate(Page)
def my_accesses(
    request: ApiRequest,
    registry: str = "",
    agency: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Any:
    """Mọi lượt cơ quan, hệ thống đọc dữ liệu của người đang đăng nhập, mới nhất trước:
    ai, cơ quan nào, trường nào, mục đích, hồ sơ nào; lọc theo CSDL, cơ quan, ngày."""
    rows = selectors.accesses_of(
        _person(request), registry=registry, agency=agency, since=since, until=until
    )
    return selectors.lazy(rows, access_out)


@router.post(
    "/me/data-accesses/{access_id}/report",
    response={201: ReportOut},
    summary="Phản ánh một lượt truy cập",
)
def report(request: ApiRequest, access_id: int, payload: ReportIn) -> Status[ReportOut]:
    """Người dân báo một lượt đọc dữ liệu mà mình không mong đợi; cơ quan chủ quản CSDL
    nhận cảnh báo."""
    alert = services.report_read(actor=_person(request), access_id=access_id, reason=payload.reason)
    return Status(201, ReportOut(access=access_id, alert=alert.pk))
