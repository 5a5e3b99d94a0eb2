"""API of the administrative geography."""

import datetime as dt

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.params.functions import Query

from lienthong.core.paging import Page
from lienthong.geo import selectors
from lienthong.geo.constants import Level
from lienthong.geo.models import AdministrativeUnit, Succession
from lienthong.geo.schemas import ConvertIn, ConvertOut, LineageOut, UnitDetailOut, UnitOut

router = Router(tags=["Địa giới hành chính"])


def _context(u: AdministrativeUnit) -> str:
    parents = [p.name for p in (u.parent, u.province) if p is not None]
    return ", ".join(dict.fromkeys(parents))


def _lineage(s: Succession, unit: AdministrativeUnit) -> LineageOut:
    return LineageOut(
        code=unit.code,
        name=unit.name,
        level=unit.level,
        context=_context(unit),
        partial=s.partial,
        is_default=s.is_default,
    )


@router.get("/geo/units", response=list[UnitOut], summary="Tra cứu đơn vị hành chính")
@paginate(Page)
def list_units(
    request: HttpRequest,
    level: Level | None = None,
    parent: str | None = Query(None, description="Mã đơn vị cấp trên"),
    q: str | None = Query(None, description="Tên (có hoặc không dấu) hoặc mã"),
    as_of: dt.date | None = Query(None, description="Ngày hiệu lực; mặc định hôm nay"),
) -> list[UnitOut]:
    """Đơn vị hành chính còn hiệu lực vào ngày `as_of` (mặc định hôm nay; trước 1/7/2025 là
    bản đồ cũ 63 tỉnh có cấp huyện)."""
    return selectors.search_units(level=level, parent=parent, q=q, as_of=as_of)  # type: ignore[return-value]  # rows; ninja serialises


@router.get("/geo/units/{code}", response=UnitDetailOut, summary="Một đơn vị và lịch sử sắp xếp")
def get_unit(
    request: HttpRequest,
    code: str,
    as_of: dt.date | None = Query(None, description="Ngày hiệu lực; mặc định hôm nay"),
    level: Level | None = None,
) -> UnitDetailOut:
    """Đơn vị theo mã, với các đơn vị cũ đã hợp thành nó (predecessors) hoặc các đơn vị mới
    kế thừa nó (successors)."""
    detail = selectors.get_unit(code, as_of=as_of, level=level)
    base = UnitOut.from_orm(detail.unit)
    return UnitDetailOut(
        **base.dict(),
        children_count=detail.children_count,
        predecessors=[_lineage(s, s.predecessor) for s in detail.predecessors],
        successors=[_lineage(s, s.successor) for s in detail.successors],
    )


@router.post("/geo/convert", response=ConvertOut, summary="Chuyển đổi địa chỉ cũ sang địa chỉ mới")
def convert(request: HttpRequest, payload: ConvertIn) -> ConvertOut:
    """Chuyển đổi tối đa 1.000 địa chỉ; kết quả theo đúng thứ tự gửi lên. Xã cũ bị chia được
    trả `ambiguous` kèm mọi xã mới có thể (đánh dấu mặc định), không tự đoán."""
    index = selectors.address_index()
    return ConvertOut(results=[index.convert(a).as_dict() for a in payload.addresses])  # type: ignore[misc]  # dicts; ninja validates
