from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class AgencyRefOut(Schema):
    code: str
    name: str
    kind: str


class AgencyOut(Schema):
    code: str = Field(description="Mã định danh điện tử (QCVN 102:2016), ví dụ 000.00.00.G22")
    name: str
    block: str = Field(description="party | state | front")
    level: str = Field(description="central | province | commune")
    kind: str
    provisional: bool = Field(
        description="Mã do LiênThông sinh theo cấu trúc QCVN 102, chưa có trong danh mục chính thức"
    )
    parent_code: str | None
    unit_code: str | None = Field(description="Mã đơn vị hành chính (xã hoặc tỉnh) của cơ quan")
    unit_name: str | None
    province_code: str | None
    province_name: str | None

    # Each resolver reads the model instance, or the value itself when the schema is built
    # again from its own fields (AgencyDetailOut(**AgencyOut.from_orm(a).dict(), ...)).
    @staticmethod
    def resolve_provisional(obj: object) -> bool:
        if isinstance(obj, dict):
            return bool(obj.get("provisional"))
        return bool(getattr(obj, "provisional_code", False))

    @staticmethod
    def resolve_parent_code(obj: object) -> str | None:
        return _related(obj, "parent", "code")

    @staticmethod
    def resolve_unit_code(obj: object) -> str | None:
        return _related(obj, "unit", "code")

    @staticmethod
    def resolve_unit_name(obj: object) -> str | None:
        return _related(obj, "unit", "name")

    @staticmethod
    def resolve_province_code(obj: object) -> str | None:
        return _related(obj, "province", "code")

    @staticmethod
    def resolve_province_name(obj: object) -> str | None:
        return _related(obj, "province", "name")


def _related(obj: object, relation: str, field: str) -> str | None:
    if isinstance(obj, dict):
        return obj.get(f"{relation}_{field}")
    related = getattr(obj, relation, None)
    return getattr(related, field) if related is not None else None


class CounterOut(Schema):
    number: int
    name: str
    fields: str = Field(description="Lĩnh vực tiếp nhận")
    active: bool
    serves: AgencyRefOut | None = Field(description="Cơ quan mà quầy tiếp nhận hồ sơ thay")


class AgencyDetailOut(AgencyOut):
    parent: AgencyRefOut | None
    children: list[AgencyRefOut]
    counters: list[CounterOut]
    address: str
    email: str
    phone: str
    website: str
    valid_from: dt.date | None
    valid_to: dt.date | None
