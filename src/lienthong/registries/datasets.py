"""What each registry holds: its fields (a versioned schema) and its data services.

A registry is an owned data set (``Registry`` rows name the owner agency and where the
data lives); its schema is code, here, so that the gateway, the pages, the generator and
the quality rules read one definition. A schema change is a new ``version`` with the
fields it adds; records keep the version they were written with.

Field kinds say how a value is shown and checked: ``pin`` values are personal
identification numbers, and every ``pin`` value a read returns is a person whose data
was read (one access-log row each, so the tracker of that person shows it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

__all__ = [
    "DATASETS",
    "SERVICES",
    "WRITE_SERVICES",
    "Dataset",
    "Field",
    "Service",
    "WriteService",
    "dataset",
    "service",
]

Kind = Literal["text", "date", "pin", "tax_code", "unit", "int", "money", "enum", "list"]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: StrPromise
    kind: Kind = "text"
    #: The schema version that added the field.
    since: int = 1
    #: Labels of an ``enum`` field's values.
    choices: tuple[tuple[str, StrPromise], ...] = ()

    def display(self, value: object) -> str:
        """The value as a person reads it (an enum's label, a date as dd/mm/yyyy)."""
        if value is None or value == "":
            return ""
        if self.kind == "enum":
            return str(dict(self.choices).get(str(value), value))
        if self.kind == "date" and isinstance(value, str) and len(value) == 10:
            y, m, d = value.split("-")
            return f"{d}/{m}/{y}"
        if self.kind == "money" and isinstance(value, int):
            return f"{value:,}".replace(",", ".") + " đồng"
        if self.kind == "list" and isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)


@dataclass(frozen=True, slots=True)
class Dataset:
    """One registry's schema."""

    code: str
    name: StrPromise
    #: The electronic identifier code of the owner agency (directory).
    owner: str
    version: int
    key_label: StrPromise
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    @property
    def pin_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.kind == "pin")


@dataclass(frozen=True, slots=True)
class Service:
    """A data service of the gateway: one question, the fields its answer may carry."""

    code: str
    registry: str
    name: StrPromise
    description: StrPromise
    #: What the caller gives: ``pin``, ``tax_code``, ``key``; ``full_name`` and
    #: ``birth_date`` for identity verification; ``kind`` for a civil-status extract.
    lookup: Literal["pin", "tax_code", "key"]
    fields: tuple[str, ...]
    #: The looked-up value is the record's key (a person in the population registry,
    #: an enterprise); otherwise the records whose subject or party it is.
    by_key: bool = False
    #: The answer is every member of the looked-up person's household.
    household: bool = False
    #: The answer says only whether the given facts match the record.
    verify: bool = False


SEX: Final = (("male", _("Nam")), ("female", _("Nữ")))
LIFE: Final = (("alive", _("Còn sống")), ("dead", _("Đã chết")))
RELATION: Final = (
    ("head", _("Chủ hộ")),
    ("spouse", _("Vợ, chồng")),
    ("child", _("Con")),
    ("parent", _("Cha, mẹ")),
    ("grandchild", _("Cháu")),
    ("sibling", _("Anh, chị, em")),
    ("other", _("Khác")),
)
CIVIL_KIND: Final = (
    ("birth", _("Khai sinh")),
    ("marriage", _("Kết hôn")),
    ("death", _("Khai tử")),
)
ENTERPRISE_FORM: Final = (
    ("tnhh", _("Công ty trách nhiệm hữu hạn")),
    ("cp", _("Công ty cổ phần")),
    ("dntn", _("Doanh nghiệp tư nhân")),
    ("hkd", _("Hộ kinh doanh")),
)
ENTERPRISE_STATUS: Final = (
    ("active", _("Đang hoạt động")),
    ("suspended", _("Tạm ngừng kinh doanh")),
    ("dissolved", _("Đã giải thể, chấm dứt hoạt động")),
)
INSURED_KIND: Final = (
    ("employee", _("Người lao động có hợp đồng")),
    ("voluntary", _("Tham gia tự nguyện")),
    ("household", _("Hộ gia đình")),
    ("child_under_6", _("Trẻ em dưới 6 tuổi")),
    ("pensioner", _("Người hưởng lương hưu")),
    ("student", _("Học sinh, sinh viên")),
)
CARD_STATUS: Final = (
    ("active", _("Còn hiệu lực")),
    ("expired", _("Hết hạn")),
    ("stopped", _("Đã dừng")),
)
SOCIAL_CATEGORY: Final = (
    ("elderly_80", _("Người cao tuổi từ đủ 80 tuổi")),
    ("disabled_severe", _("Người khuyết tật nặng")),
    ("disabled_extreme", _("Người khuyết tật đặc biệt nặng")),
    ("orphan", _("Trẻ em mồ côi, không nơi nương tựa")),
    ("single_parent_poor", _("Người đơn thân nghèo nuôi con")),
)

POPULATION = Dataset(
    code="population",
    name=_("Cơ sở dữ liệu quốc gia về dân cư"),
    owner="000.00.00.G01",
    version=1,
    key_label=_("Số định danh cá nhân"),
    fields=(
        Field("pin", _("Số định danh cá nhân"), "pin"),
        Field("full_name", _("Họ, chữ đệm và tên")),
        Field("birth_date", _("Ngày, tháng, năm sinh"), "date"),
        Field("sex", _("Giới tính"), "enum", choices=SEX),
        Field("ethnicity", _("Dân tộc")),
        Field("religion", _("Tôn giáo")),
        Field("nationality", _("Quốc tịch")),
        Field("birth_place", _("Nơi đăng ký khai sinh"), "unit"),
        Field("permanent_unit", _("Nơi thường trú (xã, phường)"), "unit"),
        Field("permanent_address", _("Địa chỉ thường trú")),
        Field("current_unit", _("Nơi ở hiện tại (xã, phường)"), "unit"),
        Field("current_address", _("Địa chỉ nơi ở hiện tại")),
        Field("household", _("Số hộ")),
        Field("relation", _("Quan hệ với chủ hộ"), "enum", choices=RELATION),
        Field("father_pin", _("Số định danh của cha"), "pin"),
        Field("mother_pin", _("Số định danh của mẹ"), "pin"),
        Field("spouse_pin", _("Số định danh của vợ, chồng"), "pin"),
        Field("status", _("Tình trạng"), "enum", choices=LIFE),
        Field("death_date", _("Ngày chết"), "date"),
        Field("legacy_address", _("Địa chỉ cũ (trước 01/7/2025)")),
    ),
)

CIVIL_STATUS = Dataset(
    code="civil-status",
    name=_("Cơ sở dữ liệu hộ tịch điện tử"),
    owner="000.00.00.G15",
    version=1,
    key_label=_("Số đăng ký hộ tịch"),
    fields=(
        Field("kind", _("Loại việc hộ tịch"), "enum", choices=CIVIL_KIND),
        Field("book", _("Quyển số")),
        Field("number", _("Số"), "int"),
        Field("registered_on", _("Ngày đăng ký"), "date"),
        Field("registered_at", _("Nơi đăng ký (xã, phường)"), "unit"),
        Field("pin", _("Số định danh của người được đăng ký"), "pin"),
        Field("full_name", _("Họ, chữ đệm và tên")),
        Field("event_date", _("Ngày sinh, ngày kết hôn hoặc ngày chết"), "date"),
        Field("sex", _("Giới tính"), "enum", choices=SEX),
        Field("father_pin", _("Số định danh của cha"), "pin"),
        Field("father_name", _("Họ tên cha")),
        Field("mother_pin", _("Số định danh của mẹ"), "pin"),
        Field("mother_name", _("Họ tên mẹ")),
        Field("spouse_pin", _("Số định danh của vợ, chồng"), "pin"),
        Field("spouse_name", _("Họ tên vợ, chồng")),
    ),
)

ENTERPRISES = Dataset(
    code="enterprises",
    name=_("Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp và hộ kinh doanh"),
    owner="000.00.00.G12",
    version=1,
    key_label=_("Mã số thuế, mã số doanh nghiệp"),
    fields=(
        Field("tax_code", _("Mã số thuế"), "tax_code"),
        Field("name", _("Tên doanh nghiệp, hộ kinh doanh")),
        Field("form", _("Loại hình"), "enum", choices=ENTERPRISE_FORM),
        Field("representative_pin", _("Số định danh người đại diện theo pháp luật"), "pin"),
        Field("representative_name", _("Người đại diện theo pháp luật")),
        Field("unit", _("Trụ sở (xã, phường)"), "unit"),
        Field("address", _("Địa chỉ trụ sở")),
        Field("lines", _("Ngành, nghề kinh doanh (mã VSIC)"), "list"),
        Field("registered_on", _("Ngày đăng ký lần đầu"), "date"),
        Field("status", _("Tình trạng"), "enum", choices=ENTERPRISE_STATUS),
    ),
)

INSURANCE = Dataset(
    code="insurance",
    name=_("Cơ sở dữ liệu quốc gia về bảo hiểm"),
    owner="000.00.00.G96",
    version=1,
    key_label=_("Mã số bảo hiểm xã hội"),
    fields=(
        Field("insurance_code", _("Mã số bảo hiểm xã hội")),
        Field("pin", _("Số định danh cá nhân"), "pin"),
        Field("full_name", _("Họ, chữ đệm và tên")),
        Field("insured_kind", _("Đối tượng tham gia"), "enum", choices=INSURED_KIND),
        Field("card_from", _("Thẻ BHYT có giá trị từ"), "date"),
        Field("card_to", _("Thẻ BHYT có giá trị đến"), "date"),
        Field("facility", _("Nơi đăng ký khám chữa bệnh ban đầu")),
        Field("contribution_months", _("Số tháng đóng bảo hiểm xã hội"), "int"),
        Field("card_status", _("Tình trạng thẻ"), "enum", choices=CARD_STATUS),
    ),
)

SOCIAL_PROTECTION = Dataset(
    code="social-protection",
    name=_("Cơ sở dữ liệu về đối tượng bảo trợ xã hội"),
    owner="000.00.00.G18",
    version=1,
    key_label=_("Mã đối tượng"),
    fields=(
        Field("pin", _("Số định danh cá nhân"), "pin"),
        Field("full_name", _("Họ, chữ đệm và tên")),
        Field("category", _("Diện hưởng"), "enum", choices=SOCIAL_CATEGORY),
        Field("allowance", _("Trợ cấp hằng tháng"), "money"),
        Field("paying_unit", _("Xã, phường chi trả"), "unit"),
        Field("since", _("Hưởng từ ngày"), "date"),
        Field(
            "status",
            _("Tình trạng"),
            "enum",
            choices=(("active", _("Đang hưởng")), ("stopped", _("Đã thôi hưởng"))),
        ),
    ),
)

DATASETS: Final[dict[str, Dataset]] = {
    d.code: d for d in (POPULATION, CIVIL_STATUS, ENTERPRISES, INSURANCE, SOCIAL_PROTECTION)
}

_PERSON = ("pin", "full_name", "birth_date", "sex")
SERVICES: Final[dict[str, Service]] = {
    s.code: s
    for s in (
        Service(
            "verify-identity",
            "population",
            _("Xác thực thông tin công dân"),
            _(
                "Cho biết số định danh, họ tên và ngày sinh đã khai có khớp với CSDL dân cư "
                "không; không trả về dữ liệu."
            ),
            "pin",
            ("pin", "full_name", "birth_date", "status"),
            verify=True,
            by_key=True,
        ),
        Service(
            "person",
            "population",
            _("Thông tin công dân"),
            _("Thông tin nhân thân của một công dân."),
            "pin",
            (*_PERSON, "ethnicity", "religion", "nationality", "birth_place", "status"),
            by_key=True,
        ),
        Service(
            "residence",
            "population",
            _("Thông tin cư trú"),
            _("Nơi thường trú, nơi ở hiện tại và hộ của một công dân."),
            "pin",
            (
                "pin",
                "full_name",
                "permanent_unit",
                "permanent_address",
                "current_unit",
                "current_address",
                "household",
                "relation",
            ),
            by_key=True,
        ),
        Service(
            "household",
            "population",
            _("Thông tin hộ gia đình"),
            _("Các thành viên trong hộ của một công dân và quan hệ với chủ hộ."),
            "pin",
            (*_PERSON, "household", "relation"),
            household=True,
            by_key=True,
        ),
        Service(
            "civil-status-extract",
            "civil-status",
            _("Trích lục hộ tịch"),
            _("Các việc hộ tịch (khai sinh, kết hôn, khai tử) đã đăng ký của một người."),
            "pin",
            tuple(f.name for f in CIVIL_STATUS.fields),
        ),
        Service(
            "enterprise",
            "enterprises",
            _("Thông tin doanh nghiệp, hộ kinh doanh"),
            _("Thông tin đăng ký của một doanh nghiệp hoặc hộ kinh doanh theo mã số thuế."),
            "tax_code",
            tuple(f.name for f in ENTERPRISES.fields),
            by_key=True,
        ),
        Service(
            "insurance-card",
            "insurance",
            _("Thông tin thẻ bảo hiểm y tế, quá trình đóng bảo hiểm xã hội"),
            _("Thẻ BHYT (hạn dùng, nơi khám chữa bệnh ban đầu) và số tháng đóng BHXH."),
            "pin",
            tuple(f.name for f in INSURANCE.fields),
        ),
        Service(
            "social-benefit",
            "social-protection",
            _("Thông tin hưởng trợ cấp xã hội"),
            _("Diện hưởng, mức trợ cấp hằng tháng và nơi chi trả."),
            "pin",
            tuple(f.name for f in SOCIAL_PROTECTION.fields),
        ),
    )
}

#: The generic read ``GET /registries/{registry}/records/{key}`` is the service ``record``
#: of each registry: every field of the schema, minimised to the grant.
RECORD: Final = "record"


def dataset(code: str) -> Dataset:
    return DATASETS[code]


def service(code: str) -> Service:
    return SERVICES[code]


def services_of(registry: str) -> list[Service]:
    return [s for s in SERVICES.values() if s.registry == registry]


@dataclass(frozen=True)
class WriteService:
    """A way an agency other than the owner writes a registry, granted like a data
    service (``AccessGrant.services``): the result of a procedure entered in it."""

    code: str
    registry: str
    name: StrPromise
    #: "create": a new record (its key issued by the registry when ``issues`` says so);
    #: "update": changes to the record with the given key.
    kind: Literal["create", "update"]
    #: The fields a write may set.
    fields: tuple[str, ...]
    #: The registry issues the new record's key: "pin" (a personal identification
    #: number), "insurance_code"; "" when the writer gives it (a register reference).
    issues: str = ""


WRITE_SERVICES: Final[dict[str, WriteService]] = {
    w.code: w
    for w in (
        WriteService(
            "new-citizen",
            "population",
            _("Cấp số định danh cá nhân cho trẻ được đăng ký khai sinh"),
            "create",
            (
                "full_name",
                "birth_date",
                "sex",
                "ethnicity",
                "nationality",
                "birth_place",
                "father_pin",
                "mother_pin",
                "status",
            ),
            issues="pin",
        ),
        WriteService(
            "residence-update",
            "population",
            _("Cập nhật nơi thường trú, nơi ở hiện tại"),
            "update",
            (
                "permanent_unit",
                "permanent_address",
                "current_unit",
                "current_address",
                "household",
                "relation",
            ),
        ),
        WriteService(
            "death-update",
            "population",
            _("Cập nhật tình trạng đã chết"),
            "update",
            ("status", "death_date"),
        ),
        WriteService(
            "civil-status-entry",
            "civil-status",
            _("Ghi việc hộ tịch vào CSDL hộ tịch điện tử"),
            "create",
            tuple(f.name for f in CIVIL_STATUS.fields),
        ),
        WriteService(
            "insurance-card-issue",
            "insurance",
            _("Cấp thẻ bảo hiểm y tế"),
            "create",
            ("pin", "full_name", "insured_kind", "card_from", "card_to", "facility", "card_status"),
            issues="insurance_code",
        ),
        WriteService(
            "insurance-card-stop",
            "insurance",
            _("Dừng thẻ bảo hiểm y tế"),
            "update",
            ("card_status",),
        ),
    )
}
