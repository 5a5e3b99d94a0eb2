"""API of the agency directory."""

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.params.functions import Query

from lienthong.core.paging import Page
from lienthong.directory import selectors
from lienthong.directory.constants import AgencyKind, AgencyLevel, Block
from lienthong.directory.schemas import AgencyDetailOut, AgencyOut, AgencyRefOut, CounterOut

router = Router(tags=["Danh bạ cơ quan"])


@router.get("/agencies", response=list[AgencyOut], summary="Tra cứu cơ quan")
@paginate(Page)
def list_agencies(
    request: HttpRequest,
    q: str | None = Query(None, description="Tên (có hoặc không dấu), mã cơ quan hoặc mã đơn vị"),
    province: str | None = Query(None, description="Mã tỉnh, thành phố, ví dụ 37"),
    unit: str | None = Query(None, description="Mã đơn vị hành chính (xã), ví dụ 13786"),
    kind: AgencyKind | None = None,
    block: Block | None = None,
    level: AgencyLevel | None = None,
) -> list[AgencyOut]:
    """Cơ quan của khối Đảng, Nhà nước, Mặt trận: trung ương, 34 tỉnh và 3.321 xã."""
    return selectors.search_agencies(  # type: ignore[return-value]  # rows; ninja serialises
        q=q, province=province, unit=unit, kind=kind, block=block, level=level
    )


@router.get("/agencies/{code}", response=AgencyDetailOut, summary="Một cơ quan")
def get_agency(request: HttpRequest, code: str) -> AgencyDetailOut:
    """Cơ quan theo mã định danh điện tử, với cơ quan cấp trên, các cơ quan trực thuộc và các
    quầy tiếp nhận (trung tâm phục vụ hành chính công). Mã sai định dạng cũng trả 404."""
    agency = selectors.get_agency(code)
    base = AgencyOut.from_orm(agency)
    parent = agency.parent
    return AgencyDetailOut(
        **base.dict(),
        parent=AgencyRefOut.from_orm(parent) if parent is not None else None,
        children=[AgencyRefOut.from_orm(c) for c in selectors.children_of(agency)],
        counters=[
            CounterOut(
                number=c.number,
                name=c.name,
                fields=c.fields,
                active=c.active,
                serves=AgencyRefOut.from_orm(c.serves) if c.serves is not None else None,
            )
            for c in selectors.counters_of(agency)
        ],
        address=agency.address,
        email=agency.email,
        phone=agency.phone,
        website=agency.website,
        valid_from=agency.valid_from,
        valid_to=agency.valid_to,
    )
