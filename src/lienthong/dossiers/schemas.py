"""API schemas of dossiers (parse and serialise only)."""

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import Json

from lienthong.core.text import (
    MAX_SAFE_INTEGER,
    FileName,
    JsonObject,
    Line,
    RequiredLine,
    Text,
)
from lienthong.dossiers.models import Dossier
from lienthong.dossiers.selectors import hours_left
from lienthong.dossiers.table import npsp_status, table_for

#: A code or a number of the catalogue, the directory, the geography or a person.
Code = Annotated[RequiredLine, Field(max_length=50)]
#: The same, where empty means "none".
OptionalCode = Annotated[Line, Field(max_length=50)]


class FileIn(Schema):
    component: Annotated[RequiredLine, Field(max_length=500)] = Field(
        description="Tên thành phần hồ sơ, như trong danh mục thủ tục"
    )
    name: FileName = Field(description="Tên tệp, ví dụ to-khai.pdf")
    content_base64: str = Field(
        pattern=r"^[A-Za-z0-9+/]*={0,2}$",
        description="Nội dung tệp (PDF, JPEG, PNG; tối đa 10 MB), base64",
    )


class SubmitIn(Schema):
    procedure: Code = Field(description="Mã thủ tục, ví dụ 1.001193")
    competent_unit: Code = Field(description="Mã xã, phường nơi cư trú hoặc có tài sản")
    receiving_unit: OptionalCode | None = Field(
        None, description="Mã xã, phường nơi nộp (thủ tục không phụ thuộc địa giới)"
    )
    channel: Code = Field("online", description="online, counter hoặc post")
    summary: Annotated[Text, Field(max_length=500)] = ""
    on_behalf_of: Annotated[Line, Field(max_length=200)] = ""
    form_data: JsonObject = Field(
        {},
        description="Dữ liệu tờ khai (đối tượng JSON): chuỗi không có ký tự điều khiển, số hữu "
        "hạn trong khoảng ±(2⁵³−1), lồng tối đa 16 cấp",
    )
    files: list[FileIn] = Field([], max_length=50)


class SubmitFormIn(Schema):
    """The fields of ``POST /dossiers/multipart`` (its files are parts of their own)."""

    procedure: Code = Field(description="Mã thủ tục, ví dụ 1.001193")
    competent_unit: Code = Field(description="Mã xã, phường nơi cư trú hoặc có tài sản")
    receiving_unit: OptionalCode = Field(
        "", description="Mã xã, phường nơi nộp (thủ tục không phụ thuộc địa giới)"
    )
    channel: Code = Field("online", description="online, counter hoặc post")
    summary: Annotated[Text, Field(max_length=500)] = ""
    on_behalf_of: Annotated[Line, Field(max_length=200)] = ""
    form_data: Json[JsonObject] = Field(
        default_factory=dict, description="Dữ liệu tờ khai: một đối tượng JSON viết thành chuỗi"
    )
    components: list[Annotated[RequiredLine, Field(max_length=500)]] = Field(
        [],
        max_length=50,
        description="Thành phần hồ sơ của từng tệp `files`, cùng thứ tự",
    )


class ActionIn(Schema):
    note: Annotated[Text, Field(max_length=4000)] = ""
    expected_version: int | None = Field(
        None, ge=0, le=2_147_483_647, description="lock_version đã đọc; khác hiện tại thì trả 409"
    )
    assignee_pin: OptionalCode | None = Field(
        None, description="Số định danh của chuyên viên (assign)"
    )
    to_agency: OptionalCode | None = Field(None, description="Mã cơ quan nhận (transfer)")
    new_due: dt.datetime | None = Field(
        None, description="Ngày hẹn trả mới, sau ngày hẹn hiện tại (extend)"
    )


class PaymentCallbackIn(Schema):
    dossier: Code
    amount: int = Field(ge=0, le=MAX_SAFE_INTEGER)
    reference: Annotated[Line, Field(max_length=100)] = ""


class DossierOut(Schema):
    # Read straight from a Dossier (with what selectors._base selects), field by field.

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

    @staticmethod
    def resolve_status_label(d: Dossier) -> str:
        return str(table_for(d.procedure_version).label(d.status))

    @staticmethod
    def resolve_npsp_status(d: Dossier) -> int:
        return npsp_status(d)

    @staticmethod
    def resolve_procedure(d: Dossier) -> str:
        return d.procedure_version.procedure.code

    @staticmethod
    def resolve_procedure_version(d: Dossier) -> int:
        return d.procedure_version.number

    @staticmethod
    def resolve_procedure_name(d: Dossier) -> str:
        return d.procedure_version.name

    @staticmethod
    def resolve_receiving_agency(d: Dossier) -> str:
        return d.receiving_agency.code

    @staticmethod
    def resolve_handling_agency(d: Dossier) -> str:
        return d.handling_agency.code

    @staticmethod
    def resolve_competent_unit(d: Dossier) -> str:
        return d.competent_unit.code

    @staticmethod
    def resolve_hours_left(d: Dossier) -> float | None:
        return hours_left(d)

    @staticmethod
    def resolve_paid(d: Dossier) -> bool:
        return d.paid_at is not None


class DossierListOut(Schema):
    items: list[DossierOut]
    count: int = Field(description="Số hồ sơ (khi count_exact là false: có hơn ngần ấy)")
    count_exact: bool
    next: str | None = Field(description="Con trỏ của trang sau (tham số cursor); null: hết")


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


class PrefillIn(Schema):
    #: The commune (new code) where the dossier will be decided: its agency reads.
    commune: Annotated[Line, Field(max_length=10)]
    #: Numbers typed in the form's ``pin`` items, for items read about that person.
    pins: JsonObject = {}


class PrefillOut(Schema):
    values: dict[str, str]
    #: ``{key: {"registry", "registry_name", "version", "request"}}``
    sources: dict[str, dict[str, Any]]
    problems: list[str]
