"""API of the procedure catalogue."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate
from ninja.params.functions import Query

from lienthong.catalog import selectors, services
from lienthong.catalog.constants import Level, ServiceLevel
from lienthong.catalog.eforms import to_json
from lienthong.catalog.models import ProcedureVersion
from lienthong.catalog.schemas import (
    AdviceOut,
    CentreOut,
    ComponentOut,
    DataSourceOut,
    FormOut,
    GroupOut,
    GroupRefOut,
    MemberOut,
    NamedOut,
    ProcedureDetailOut,
    ProcedureOut,
)
from lienthong.core.errors import NotFound
from lienthong.core.paging import Page

router = Router(tags=["Thủ tục hành chính"])


def summary(v: ProcedureVersion) -> ProcedureOut:
    return ProcedureOut(
        code=v.procedure.code,
        version=v.number,
        name=v.name,
        field=v.field,
        levels=v.levels,
        service_level=v.service_level,
        processing_days=v.processing_days,
        boundary_free=v.boundary_free,
        business_related=v.business_related,
        life_events=v.life_events,
    )


@router.get("/procedures", response=list[ProcedureOut], summary="Tìm thủ tục hành chính")
@paginate(Page)
def list_procedures(
    request: HttpRequest,
    q: str = Query("", description="Từ khoá, có hoặc không dấu, chịu được lỗi gõ"),
    field: str | None = Query(None, description="Lĩnh vực, ví dụ Hộ tịch"),
    level: Level | None = None,
    life_event: str | None = Query(None, description="Sự kiện đời sống, ví dụ khai-sinh"),
    service_level: ServiceLevel | None = None,
    boundary_free: bool | None = None,
) -> list[ProcedureOut]:
    """Thủ tục đang áp dụng, xếp theo mức độ phù hợp với `q` (không có `q`: theo lĩnh vực
    và tên)."""
    found = selectors.find_procedures(
        q,
        field=field,
        level=level,
        life_event=life_event,
        service_level=service_level,
        boundary_free=boundary_free,
    )
    if q.strip() and request.GET.get("offset", "0") in ("", "0"):
        # Kept scrubbed for the catalogue team's report (catalog.scrub); who asked is not.
        services.log_search(text=q, channel="api", results=len(found), first_code=found.first_code)
    return found.map(summary)  # type: ignore[return-value]  # a page at a time


@router.get("/procedures/advice", response=AdviceOut, summary="Gợi ý khi tìm không thấy")
def search_advice(
    request: HttpRequest,
    q: str = Query(..., description="Từ khoá đã tìm"),
    commune: str = Query("", description="Mã xã, phường của người hỏi: trả thêm nơi hỏi"),
) -> AdviceOut:
    """Cho một lần tìm: từ khoá như hệ thống đã hiểu (sửa lỗi gõ), các từ không thủ tục nào
    nhắc đến, kết quả có đủ không; khi không đủ: sự kiện đời sống và thủ tục gần nhất; với
    `commune`: Trung tâm Phục vụ hành chính công của xã và của tỉnh (điện thoại, địa chỉ)."""
    told = selectors.find_procedures(q).advice
    desk = selectors.help_desk(commune_code=commune) if commune.strip() else None
    return AdviceOut(
        corrected=told.corrected,
        unknown=list(told.unknown),
        complete=told.complete,
        life_events=[NamedOut(code=c, name=n) for c, n in told.events],
        nearest=[NamedOut(code=c, name=n) for c, n in told.nearest],
        centres=[
            CentreOut(code=c.code, name=c.name, address=c.address, phone=c.phone)
            for c in (desk.centres if desk else [])
        ],
    )


@router.get("/procedures/{code}", response=ProcedureDetailOut, summary="Một thủ tục hành chính")
def get_procedure(
    request: HttpRequest, code: str, version: int | None = None
) -> ProcedureDetailOut:
    """Phiên bản đang áp dụng của thủ tục (hoặc phiên bản `version`, như phiên bản một hồ sơ
    đã nộp theo): thành phần hồ sơ, giấy tờ được thay bằng dữ liệu, thời hạn, phí."""
    v = selectors.get_version(code, version) if version else selectors.get_procedure(code)
    return ProcedureDetailOut(
        **summary(v).model_dump(),
        status=v.status,
        competent_agency=v.competent_agency,
        agency_kind=v.agency_kind,
        department=v.department,
        channels=v.channels,
        processing_note=v.processing_note,
        pauses_on_supplement=v.pauses_on_supplement,
        fees=v.fees,
        legal_bases=v.legal_bases,
        results=v.results,
        requirements=v.requirements,
        steps=v.steps,
        essential_06=v.essential_06,
        components=[
            ComponentOut(
                name=c.name,
                originals=c.originals,
                copies=c.copies,
                required=c.required,
                condition=c.condition,
                form=c.form,
                data_source=DataSourceOut(
                    registry=c.data_registry, fields=c.data_fields, note=c.data_note
                )
                if c.data_registry
                else None,
            )
            for c in v.components.all()
        ],
        groups=[GroupRefOut(code=g.code, name=g.name) for g in selectors.groups_of(v)],
        decision_number=v.decision_number,
        effective_date=v.effective_date,
        sources=v.sources,
    )


@router.get("/procedures/{code}/form", response=FormOut, summary="Tờ khai điện tử của thủ tục")
def get_form(request: HttpRequest, code: str, version: int | None = None) -> FormOut:
    """Tờ khai điện tử của phiên bản đang áp dụng (hoặc phiên bản `version`): các phần,
    mục khai (loại, bắt buộc, lựa chọn, điều kiện hiện), mục lấy từ cơ sở dữ liệu
    (`prefill`) và mục khóa (`locked`). 404 `no-form` khi thủ tục nộp tờ khai dạng tệp."""
    v = selectors.get_version(code, version) if version else selectors.get_procedure(code)
    form = selectors.form_of(v)
    if form is None:
        raise NotFound(
            _("Thủ tục này chưa có tờ khai điện tử; tờ khai nộp dạng tệp."), code="no-form"
        )
    return FormOut(
        procedure=v.procedure.code, version=v.number, derived=form.derived, definition=to_json(form)
    )


@router.get("/procedure-groups/{code}", response=GroupOut, summary="Nhóm thủ tục liên thông")
def get_group(request: HttpRequest, code: str) -> GroupOut:
    """Các thủ tục thành viên theo thứ tự, cơ quan thực hiện từng bước, dữ liệu chuyển tiếp
    và tổng thời hạn."""
    g = selectors.get_group(code)
    return GroupOut(
        code=g.code,
        name=g.name,
        legal_basis=g.legal_basis,
        total_days=g.total_days,
        sources=g.sources,
        members=[
            MemberOut(
                order=m.order,
                code=m.procedure.code,
                name=m.procedure_name,
                agency=m.agency,
                days=m.days,
                passes_on=m.passes_on,
            )
            for m in g.members.all()
        ],
    )
