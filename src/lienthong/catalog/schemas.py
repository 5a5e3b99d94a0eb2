"""API schemas of the catalogue (parse and serialise only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class FeeOut(Schema):
    name: str
    amount: int | None = Field(None, description="Đồng; null khi tính theo quy tắc")
    rule: str = ""


class LegalBasisOut(Schema):
    number: str
    title: str
    issued: str = ""


class DataSourceOut(Schema):
    registry: str
    fields: list[str]
    note: str = ""


class ComponentOut(Schema):
    name: str
    originals: int
    copies: int
    required: bool
    condition: str
    form: str
    data_source: DataSourceOut | None = Field(
        None, description="Khi có: giấy tờ được thay bằng dữ liệu (không phải nộp)"
    )


class ProcedureOut(Schema):
    code: str
    version: int
    name: str
    field: str
    levels: list[str]
    service_level: str
    processing_days: Decimal
    boundary_free: bool
    business_related: bool
    life_events: list[str]


class GroupRefOut(Schema):
    code: str
    name: str


class ProcedureDetailOut(ProcedureOut):
    status: str
    competent_agency: str
    agency_kind: str
    department: str
    channels: list[str]
    processing_note: str
    pauses_on_supplement: bool
    fees: list[FeeOut]
    legal_bases: list[LegalBasisOut]
    results: list[str]
    requirements: list[str]
    steps: list[str]
    essential_06: bool
    components: list[ComponentOut]
    groups: list[GroupRefOut]
    decision_number: str
    effective_date: dt.date | None
    sources: list[str]


class MemberOut(Schema):
    order: int
    code: str
    name: str
    agency: str
    days: Decimal
    passes_on: list[str]


class GroupOut(Schema):
    code: str
    name: str
    legal_basis: str
    total_days: Decimal
    members: list[MemberOut]
    sources: list[str]


class FormOut(Schema):
    procedure: str
    version: int
    #: Built from the result paper's layout rather than defined on the version.
    derived: bool
    #: The definition (docs/eforms.md), as the catalogue imports and exports it.
    definition: dict[str, Any]


class NamedOut(Schema):
    code: str
    name: str


class CentreOut(Schema):
    code: str
    name: str
    address: str
    phone: str


class AdviceOut(Schema):
    corrected: str = Field(
        description="Từ khoá đã sửa lỗi gõ, như hệ thống đã hiểu; rỗng nếu không sửa"
    )
    unknown: list[str] = Field(description="Các từ không thủ tục nào nhắc đến")
    complete: bool = Field(description="Kết quả đầu tiên có đủ những gì từ khoá hỏi")
    life_events: list[NamedOut] = Field(description="Sự kiện đời sống gần nhất (khi complete sai)")
    nearest: list[NamedOut] = Field(description="Thủ tục có tên gần giống (khi không tìm thấy gì)")
    centres: list[CentreOut] = Field(
        description="Trung tâm Phục vụ hành chính công của xã (tham số commune) và của tỉnh"
    )
