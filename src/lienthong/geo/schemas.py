from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from lienthong.core.text import Text


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    unit_type: str
    level: str
    parent_code: str | None
    province_code: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None

    @staticmethod
    def resolve_parent_code(obj: object) -> str | None:
        parent = getattr(obj, "parent", None)
        return parent.code if parent is not None else getattr(obj, "parent_code", None)

    @staticmethod
    def resolve_province_code(obj: object) -> str | None:
        province = getattr(obj, "province", None)
        return province.code if province is not None else getattr(obj, "province_code", None)


class LineageOut(Schema):
    code: str
    name: str
    level: str
    context: str = Field(description="Đơn vị cấp trên, ví dụ 'Huyện Vụ Bản, Tỉnh Nam Định'")
    partial: bool = Field(description="Đơn vị cũ bị chia cho nhiều đơn vị mới")
    is_default: bool


class UnitDetailOut(UnitOut):
    children_count: int
    predecessors: list[LineageOut]
    successors: list[LineageOut]


class ConvertIn(Schema):
    addresses: list[Annotated[Text, Field(max_length=1000)] | None] = Field(
        ..., max_length=1000, description="Tối đa 1.000 địa chỉ"
    )


class CandidateOut(Schema):
    ward_code: str
    ward_name: str
    province_code: str
    province_name: str
    is_default: bool


class LegacyOut(Schema):
    ward_code: str
    ward_name: str
    district_code: str
    district_name: str
    province_code: str
    province_name: str


class ConversionOut(Schema):
    input: str
    status: str = Field(description="converted | already_new | ambiguous | unresolved")
    reason: str = Field(description="Mã lý do khi ambiguous/unresolved, ví dụ unknown_province")
    street: str
    address: str = Field(description="Địa chỉ mới theo tên chính thức")
    ward_code: str
    ward_name: str
    province_code: str
    province_name: str
    confidence: float
    candidates: list[CandidateOut]
    legacy: LegacyOut


class ConvertOut(Schema):
    results: list[ConversionOut]
