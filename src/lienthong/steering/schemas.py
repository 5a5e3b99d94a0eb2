"""API schemas of steering: the service index, the rankings, Plan 02's tasks and the
early warnings (serialise only)."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class BandOut(Schema):
    code: str = Field(description="excellent, good, fair, average, weak")
    label: str


class InputOut(Schema):
    name: str
    value: int


class IndicatorOut(Schema):
    code: str = Field(description="Mã chỉ số theo Quyết định 766/QĐ-TTg, ví dụ 2.1")
    name: str
    points: Decimal = Field(description="Điểm tối đa (0: chỉ số theo dõi, không tính điểm)")
    full_at: Decimal = Field(description="Tỷ lệ (%) đạt điểm tối đa")
    formula: str
    source: str
    rate: Decimal | None = Field(description="Tỷ lệ (%), hai chữ số thập phân; null: N/A")
    score: Decimal | None = Field(description="Điểm đạt; null: N/A hoặc không tính điểm")
    numerator: int
    denominator: int
    inputs: list[InputOut]
    value: Decimal | None = Field(None, description="2.2: số ngày giải quyết trung bình")
    note: str = Field("", description="Vì sao N/A khi nền tảng chưa có dữ liệu đầu vào")
    drill: str = Field("", description="Cờ hồ sơ để xem danh sách hồ sơ phía sau con số")


class GroupOut(Schema):
    code: str
    name: str
    points: Decimal
    total: Decimal | None
    indicators: list[IndicatorOut]


class ShareOut(Schema):
    category: str
    reports: int
    rate: Decimal | None


class IndexOut(Schema):
    scope: str = Field(description="nation, province:<mã>, commune:<mã>, agency:<mã>")
    scope_name: str
    period: str = Field(description="2026-09, 2026-Q3 hoặc 2026")
    period_label: str
    start: dt.date
    end: dt.date = Field(description="Tháng đầu tiên sau kỳ")
    total: Decimal | None = Field(description="Tổng điểm trên 100; null khi không có gì để tính")
    band: BandOut | None
    groups: list[GroupOut]
    distribution: list[ShareOut] = Field(description="5.1: phản ánh, kiến nghị theo lĩnh vực")
    dossiers: int
    revision: int = Field(description="Sự kiện cuối cùng đã được tính vào số liệu")


class RankOut(Schema):
    rank: int | None
    scope: str
    name: str
    total: Decimal | None
    band: BandOut | None
    previous: Decimal | None = Field(description="Tổng điểm kỳ trước")
    change: Decimal | None
    dossiers: int
    late: int


class RankingOut(Schema):
    scope: str
    period: str
    rows: list[RankOut]


class TaskOut(Schema):
    code: str
    title: str
    pillar: str
    phase: str
    lead: str = Field(description="Mã định danh cơ quan chủ trì")
    lead_name: str
    deadline: dt.date
    status: str
    progress: int
    indicator: str
    overdue: bool
    due_soon: bool
    stale: bool


class AlertOut(Schema):
    id: int
    rule: str = Field(description="Quy tắc (data/alerts.json), ví dụ task_overdue")
    subject: str = Field(description="task:<mã>, commune:<mã>, province:<mã>, registry:<mã>")
    level: str = Field(description="danger (đỏ) hoặc warning (vàng)")
    title: str
    detail: str
    value: str
    status: str = Field(description="open, acknowledged, resolved, cleared")
    agency: str = Field(description="Mã cơ quan chịu trách nhiệm")
    opened_at: dt.datetime
    seen_at: dt.datetime
    cleared_at: dt.datetime | None
