"""API schemas of reports and petitions (parse and serialise only)."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from lienthong.core.text import FileName, Line, Text

#: A code of the catalogue, the directory, the geography, a report or a person; empty
#: means "none".
OptionalCode = Annotated[Line, Field(max_length=50)]

#: The tabs of the officials' queue (the keys of ``feedback.selectors.QUEUES``).
QueueTab = Literal["tiep-nhan", "phan-cong", "xu-ly", "cong-bo", "bo-sung", "qua-han", "da-xong"]


class FeedbackFileIn(Schema):
    name: FileName = Field(description="Tên tệp, ví dụ anh-hien-truong.jpg")
    content_base64: str = Field(
        pattern=r"^[A-Za-z0-9+/]*={0,2}$",
        description="Nội dung tệp (PDF, JPEG, PNG; tối đa 10 MB), base64",
    )


class FeedbackIn(Schema):
    category: Annotated[Line, Field(max_length=20)] = Field(
        description="Lĩnh vực: procedure (thủ tục, hồ sơ), regulation (quy định hành chính), "
        "conduct (thái độ, hành vi phục vụ của cán bộ), infrastructure (hạ tầng, dịch vụ công "
        "cộng ở địa phương), other (khác)"
    )
    title: Annotated[Line, Field(max_length=200)] = Field(description="Tiêu đề")
    text: Annotated[Text, Field(max_length=5000)] = Field(
        description="Nội dung phản ánh (ít nhất 10 ký tự)"
    )
    commune: OptionalCode = Field(
        "", description="Mã xã, phường nơi xảy ra việc phản ánh (không cần khi có `dossier`)"
    )
    procedure: OptionalCode = Field("", description="Mã thủ tục được phản ánh, ví dụ 1.001193")
    dossier: OptionalCode = Field(
        "",
        description="Mã hồ sơ của chính người gửi được phản ánh: phản ánh gửi tới cơ quan "
        "giải quyết hồ sơ đó",
    )
    anonymous: bool = Field(
        False, description="Ẩn tên và thông tin liên hệ của người gửi với cán bộ xử lý"
    )
    private: bool = Field(False, description="Không công khai phản ánh và trả lời")
    contact_name: Annotated[Line, Field(max_length=200)] = Field(
        "", description="Tên người liên hệ (mặc định: tên tài khoản)"
    )
    contact_phone: Annotated[Line, Field(max_length=20)] = Field(
        "", description="Số điện thoại Việt Nam (10 chữ số, bắt đầu bằng 0, hoặc +84)"
    )
    contact_email: Annotated[Line, Field(max_length=254)] = Field(
        "", description="Thư điện tử (mặc định: của tài khoản)"
    )
    latitude: float | None = Field(None, ge=-90, le=90, description="Vĩ độ (trong Việt Nam)")
    longitude: float | None = Field(None, ge=-180, le=180, description="Kinh độ (trong Việt Nam)")
    address: Annotated[Line, Field(max_length=300)] = Field(
        "", description="Địa chỉ, địa điểm cụ thể"
    )
    files: list[FeedbackFileIn] = Field([], max_length=10, description="Ảnh, tài liệu kèm theo")


class FeedbackActionIn(Schema):
    note: Annotated[Text, Field(max_length=4000)] = ""
    expected_version: int | None = Field(
        None, ge=0, le=2_147_483_647, description="lock_version đã đọc; khác hiện tại thì trả 409"
    )
    answer: Annotated[Text, Field(max_length=10000)] = Field(
        "", description="Nội dung trả lời (answer; publish: sửa bản công bố)"
    )
    public_text: Annotated[Text, Field(max_length=5000)] = Field(
        "", description="Nội dung phản ánh được công bố, đã bỏ thông tin cá nhân (publish)"
    )
    assignee_pin: OptionalCode | None = Field(
        None, description="Số định danh của cán bộ xử lý (assign)"
    )
    to_agency: OptionalCode | None = Field(None, description="Mã cơ quan nhận (transfer)")
    into: OptionalCode | None = Field(None, description="Mã phản ánh được gộp vào (merge)")
    score: int | None = Field(None, ge=1, le=5, description="Mức hài lòng từ 1 đến 5 (rate)")
    comment: Annotated[Text, Field(max_length=2000)] = Field("", description="Nhận xét (rate)")
    files: list[FeedbackFileIn] = Field(
        [], max_length=10, description="Tệp bổ sung (supplement, reraise)"
    )


class FeedbackStepOut(Schema):
    """A step the caller may take now."""

    action: str
    label: str
    #: The fields of ``FeedbackActionIn`` it takes, and those it cannot do without.
    inputs: list[str]
    required: list[str]


class FeedbackFileOut(Schema):
    name: str
    content_type: str
    size: int
    supplement: bool
    uploaded_at: dt.datetime


class FeedbackOut(Schema):
    code: str
    category: str
    category_label: str
    title: str
    text: str
    status: str
    status_label: str
    lock_version: int
    channel: str
    anonymous: bool
    private: bool
    #: The author's name and contact: null to anyone but the author when anonymous.
    author: str | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    procedure: str
    dossier: str
    commune: str | None
    commune_name: str | None
    province: str
    handling_agency: str
    handling_agency_name: str
    assignee: str | None
    address: str
    latitude: float | None
    longitude: float | None
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    answered_at: dt.datetime | None
    published_at: dt.datetime | None
    step_due_at: dt.datetime | None
    due_at: dt.datetime | None
    overdue: bool
    late: bool
    published: bool
    reraised: int
    score: int | None


class FeedbackDetailOut(FeedbackOut):
    #: The answer; the author reads it once it is approved and sent (``publish``).
    answer: str | None
    #: What is (to be) published, personal data removed.
    public_title: str
    public_text: str
    public_answer: str | None
    merged_into: str | None
    files: list[FeedbackFileOut]
    #: The steps the caller may take now (``POST /feedback/{code}/actions/{action}``).
    actions: list[FeedbackStepOut]


class FeedbackEventOut(Schema):
    action: str
    #: The step's name ("Tiếp nhận xử lý").
    label: str
    from_status: str
    to_status: str
    status_label: str
    actor: str | None
    role: str
    agency: str | None
    at: dt.datetime
    note: str


class FeedbackPublicOut(Schema):
    """A published answer: the report and the answer with personal data removed."""

    code: str
    category: str
    category_label: str
    title: str
    text: str
    answer: str
    commune: str | None
    commune_name: str | None
    province_name: str
    agency_name: str
    latitude: float | None
    longitude: float | None
    submitted_at: dt.datetime
    published_at: dt.datetime | None
    score: int | None
