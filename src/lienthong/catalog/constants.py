"""Vocabularies of the procedure catalogue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from django.db import models
from django.utils.translation import gettext_lazy as _

from lienthong.directory.constants import DEPARTMENT_BODIES

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class ServiceLevel(models.TextChoices):
    """Online service level of Decree 42/2022/NĐ-CP, art. 11."""

    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không trực tuyến")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    PUBLISHED = "published", _("Đang áp dụng")
    SUPERSEDED = "superseded", _("Hết hiệu lực")


class Level(models.TextChoices):
    CENTRAL = "central", _("Trung ương")
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")


class Channel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    COUNTER = "counter", _("Trực tiếp tại bộ phận một cửa")
    POST = "post", _("Qua dịch vụ bưu chính")


#: Life events for citizen navigation, in display order.
LIFE_EVENTS: Final[dict[str, StrPromise]] = {
    "khai-sinh": _("Khai sinh, chăm sóc trẻ em"),
    "ket-hon": _("Kết hôn, gia đình"),
    "khai-tu": _("Khai tử, mai táng"),
    "cu-tru": _("Cư trú"),
    "giay-to-tuy-than": _("Giấy tờ tùy thân"),
    "chung-thuc": _("Chứng thực"),
    "bao-hiem": _("Bảo hiểm y tế, bảo hiểm xã hội"),
    "tro-giup-xa-hoi": _("Trợ giúp xã hội"),
    "viec-lam": _("Việc làm"),
    "kinh-doanh": _("Hộ kinh doanh, kinh doanh"),
    "thanh-lap-doanh-nghiep": _("Thành lập, hoạt động doanh nghiệp"),
    "dat-dai-nha-o": _("Đất đai, nhà ở"),
    "xay-dung": _("Xây dựng"),
    "phuong-tien-giao-thong": _("Phương tiện, giấy phép lái xe"),
    "dien-nuoc": _("Điện, nước"),
    "tu-phap": _("Tư pháp, lý lịch tư pháp"),
    "hoc-tap": _("Học tập, thi cử"),
    "thue": _("Thuế"),
}

#: Registries whose data replaces a paper component (once-only), by code.
REGISTRIES: Final[dict[str, StrPromise]] = {
    "population": _("Cơ sở dữ liệu quốc gia về dân cư"),
    "civil_status": _("Cơ sở dữ liệu hộ tịch điện tử"),
    "enterprise": _("Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp"),
    "household_business": _("Dữ liệu đăng ký hộ kinh doanh"),
    "insurance": _("Cơ sở dữ liệu quốc gia về bảo hiểm"),
    "land": _("Cơ sở dữ liệu đất đai"),
    "health": _("Dữ liệu y tế (giấy chứng sinh, giấy báo tử điện tử)"),
    "judicial_record": _("Cơ sở dữ liệu lý lịch tư pháp"),
    "vehicle": _("Dữ liệu đăng ký xe, giấy phép lái xe"),
    "e_documents": _("Kho dữ liệu, kết quả điện tử của công dân"),
}

AGENCY_KINDS: Final[tuple[str, ...]] = (
    "people_committee",
    "department",
    "police",
    "social_insurance",
    "service_centre",
    "ministry",
)
#: The provincial departments a procedure may name, by key (the directory's list).
DEPARTMENTS: Final[dict[str, str]] = {k: name for k, (_n, name) in DEPARTMENT_BODIES.items()}


class TermKind(models.TextChoices):
    """What a lexicon entry is (catalog.SearchTerm)."""

    EVERYDAY = "everyday", _("Cách gọi thông dụng")
    ABBREVIATION = "abbreviation", _("Viết tắt")
    ENGLISH = "english", _("Tiếng Anh")
    MISSPELLING = "misspelling", _("Lỗi chính tả thường gặp")
