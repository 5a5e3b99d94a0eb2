"""API schemas of dossiers (parse and serialise only)."""

import datetime as dt

from ninja import Field, Schema


class FileIn(Schema):
    component: str = Field(description="Tên thành phần hồ sơ, như trong danh mục thủ tục")
    name: str = Field(description="Tên tệp, ví dụ to-khai.pdf")
    content_base64: str = Field(description="Nội dung tệp (PDF, JPEG, PNG; tối đa 10 MB), base64")


class SubmitIn(Schema):
    procedure: str = Field(description="Mã thủ tục, ví dụ 1.001193")
    competent_unit: str = Field(description="Mã xã, phường nơi cư trú hoặc có tài sản")
    receiving_unit: str | None = Field(
        None, description="Mã xã, phường nơi nộp (thủ tục không phụ thuộc địa giới)"
    )
    channel: str = Field("online", description="online, counter hoặc post")
    summary: str = ""
    on_behalf_of: str = ""
    form_data: dict = {}
    files: list[FileIn] = []


class ActionIn(Schema):
    note: str = ""
    expected_version: int | None = Field(
        None, description="lock_version đã đọc; khác hiện tại thì trả 409"
    )
    assignee_pin: str | None = Field(None, description="Số định danh của chuyên viên (assign)")
    to_agency: str | None = Field(None, description="Mã cơ quan nhận (transfer)")


class DossierOut(Schema):
    code: str
    status: str
    status_label: str
    npsp_status: int
    lock_version: int
    procedure: str
    procedure_version: int
    procedure_name: str
    channel: str
    receiving_agency: str
    handling_agency: str
    competent_unit: str
    submitted_at: dt.datetime
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    hours_left: float | None
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None
    supplement_count: int
    fee_total: int
    paid: bool
    tracking_key: str


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor: str | None
    role: str
    agency: str | None
    at: dt.datetime
    note: str


class TrackOut(Schema):
    code: str
    status: str
    status_label: str
    npsp_status: int
    procedure: str
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None
