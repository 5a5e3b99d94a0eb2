"""API schemas of accounts (parse and serialise only)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from lienthong.core.text import Line, Name, RequiredLine


class RoleOut(Schema):
    id: int
    role: str
    role_label: str
    agency_code: str
    agency_name: str
    granted_at: dt.datetime


class MeOut(Schema):
    kind: str = Field(description="citizen, business, official hoặc system")
    name: str
    pin: str | None = None
    tax_code: str | None = None
    agency_code: str | None = Field(
        default=None, description="Cơ quan của hệ thống (client credentials)"
    )
    roles: list[RoleOut] = []
    second_factor: bool = False


class OfficialOut(Schema):
    name: str
    pin: str | None
    roles: list[RoleOut]


class OfficialIn(Schema):
    pin: Annotated[RequiredLine, Field(max_length=20)] = Field(
        description="Số định danh cá nhân (12 chữ số)"
    )
    full_name: Name
    email: Annotated[Line, Field(max_length=254)] = ""
    roles: list[Annotated[RequiredLine, Field(max_length=30)]] = Field(
        max_length=20, description="clerk, specialist, leader, records_clerk, agency_admin, …"
    )
    position: Annotated[Line, Field(max_length=120)] = Field(
        "", description="Chức vụ, in dưới chữ ký trên giấy tờ kết quả (ví dụ: Phó Chủ tịch)"
    )
