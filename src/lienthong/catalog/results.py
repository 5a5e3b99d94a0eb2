"""The registry of result documents: which paper a procedure issues, in which legal
layout, entered in which register book, and what the applicant declares for it.

A procedure's ``result_document`` configuration names a layout of :data:`LAYOUTS`
(``{"layout": "giay_khai_sinh"}``), or the generic one with its own title and symbol
(``{"layout": "chung", "title": "Giấy phép xây dựng", "symbol": "GPXD"}``); an empty
configuration is the generic layout titled after the procedure's first result. The
layouts' fields are the declaration (tờ khai) the filing page asks for and the
result is filled from; the dossier app renders each layout
(``dossiers/templates/dossiers/pdf/results/<layout>.html``) and numbers it in the
handling agency's register book, one sequence per book and year (docs/results.md).

Civil-status layouts follow the forms of the Ministry of Justice (Circular
04/2020/TT-BTP, as amended by Circular 04/2024/TT-BTP) and the contents the Law on
Civil Status 2014 sets for each event (articles 14, 17, 34).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "GENERIC",
    "LAYOUTS",
    "WRITE_RECIPES",
    "Field",
    "Layout",
    "ResultDocument",
    "check_result_document",
    "result_document_of",
]

Kind = Literal["text", "date", "year", "choice"]


@dataclass(frozen=True)
class Field:
    """One item of the declaration: ``key`` in the dossier's form data."""

    key: str
    label: StrOrPromise
    kind: Kind = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    default: str = ""
    #: The heading of the group it starts (a person of the document).
    group: StrOrPromise = ""


@dataclass(frozen=True)
class Layout:
    key: str
    #: The printed title (upper case on the paper).
    title: str
    #: The register book it is entered in (one numbering per agency, book and year).
    book: str
    fields: tuple[Field, ...] = ()
    #: The legal source of the layout, printed nowhere, shown to catalogue editors.
    source: str = ""


def _person(prefix: str, group: StrOrPromise, *, required: bool = True) -> tuple[Field, ...]:
    """A parent or spouse as the civil-status forms list them."""
    return (
        Field(f"{prefix}_ho_ten", _("Họ, chữ đệm, tên"), required=required, group=group),
        Field(f"{prefix}_nam_sinh", _("Năm sinh"), "year", required=required),
        Field(f"{prefix}_dan_toc", _("Dân tộc"), required=required, default="Kinh"),
        Field(f"{prefix}_quoc_tich", _("Quốc tịch"), required=required, default="Việt Nam"),
        Field(f"{prefix}_noi_cu_tru", _("Nơi cư trú"), required=required),
    )


def _spouse(prefix: str, group: StrOrPromise) -> tuple[Field, ...]:
    """A husband or wife as the marriage certificate lists them."""
    return (
        Field(f"{prefix}_ho_ten", _("Họ, chữ đệm, tên"), group=group),
        Field(f"{prefix}_ngay_sinh", _("Ngày, tháng, năm sinh"), "date"),
        Field(f"{prefix}_dan_toc", _("Dân tộc"), default="Kinh"),
        Field(f"{prefix}_quoc_tich", _("Quốc tịch"), default="Việt Nam"),
        Field(f"{prefix}_noi_cu_tru", _("Nơi cư trú")),
        Field(f"{prefix}_giay_to", _IDENTITY),
    )


_SEX: Final = ("Nam", "Nữ")


def _subject(group: StrOrPromise) -> tuple[Field, ...]:
    """The person a death or marital-status paper is about, as those forms list them."""
    return (
        Field("ho_ten", _("Họ, chữ đệm, tên"), group=group),
        Field("ngay_sinh", _("Ngày, tháng, năm sinh"), "date"),
        Field("gioi_tinh", _("Giới tính"), "choice", choices=_SEX),
        Field("dan_toc", _("Dân tộc"), default="Kinh"),
        Field("quoc_tich", _("Quốc tịch"), default="Việt Nam"),
    )


_IDENTITY: Final = _("Giấy tờ tùy thân (loại, số)")

GENERIC: Final = "chung"

LAYOUTS: Final[Mapping[str, Layout]] = {
    layout.key: layout
    for layout in (
        Layout(
            "giay_khai_sinh",
            "Giấy khai sinh",
            "Sổ đăng ký khai sinh",
            (
                Field("ho_ten", _("Họ, chữ đệm, tên"), group=_("Người được khai sinh")),
                Field("gioi_tinh", _("Giới tính"), "choice", choices=_SEX),
                Field("ngay_sinh", _("Ngày, tháng, năm sinh"), "date"),
                Field("noi_sinh", _("Nơi sinh")),
                Field("que_quan", _("Quê quán")),
                Field("dan_toc", _("Dân tộc"), default="Kinh"),
                Field("quoc_tich", _("Quốc tịch"), default="Việt Nam"),
                *_person("me", _("Mẹ")),
                *_person("cha", _("Cha (nếu có)"), required=False),
                Field(
                    "quan_he",
                    _("Quan hệ của người đi khai sinh với người được khai sinh"),
                    group=_("Người đi khai sinh"),
                ),
            ),
            "Luật Hộ tịch 2014, điều 14; Thông tư 04/2020/TT-BTP (sửa đổi bởi "
            "Thông tư 04/2024/TT-BTP), mẫu Giấy khai sinh",
        ),
        Layout(
            "trich_luc_khai_tu",
            "Trích lục khai tử",
            "Sổ đăng ký khai tử",
            (
                *_subject(_("Người đã chết")),
                Field("so_dinh_danh", _("Số định danh cá nhân"), required=False),
                Field("noi_cu_tru", _("Nơi cư trú cuối cùng")),
                Field("ngay_chet", _("Ngày chết"), "date"),
                Field("gio_chet", _("Giờ, phút chết"), required=False),
                Field("noi_chet", _("Nơi chết")),
                Field("nguyen_nhan", _("Nguyên nhân chết"), required=False),
                Field(
                    "giay_bao_tu",
                    _("Giấy báo tử hoặc giấy tờ thay thế (số, ngày, nơi cấp)"),
                    required=False,
                ),
                Field(
                    "quan_he",
                    _("Quan hệ của người đi khai tử với người đã chết"),
                    group=_("Người đi khai tử"),
                ),
            ),
            "Luật Hộ tịch 2014, điều 34; Thông tư 04/2020/TT-BTP (sửa đổi bởi "
            "Thông tư 04/2024/TT-BTP), mẫu Trích lục khai tử",
        ),
        Layout(
            "giay_chung_nhan_ket_hon",
            "Giấy chứng nhận kết hôn",
            "Sổ đăng ký kết hôn",
            (
                *_spouse("chong", _("Chồng")),
                *_spouse("vo", _("Vợ")),
            ),
            "Luật Hộ tịch 2014, điều 17; Thông tư 04/2020/TT-BTP (sửa đổi bởi "
            "Thông tư 04/2024/TT-BTP), mẫu Giấy chứng nhận kết hôn",
        ),
        Layout(
            "xac_nhan_tinh_trang_hon_nhan",
            "Giấy xác nhận tình trạng hôn nhân",
            "Sổ cấp Giấy xác nhận tình trạng hôn nhân",
            (
                *_subject(_("Người được xác nhận")),
                Field("giay_to", _IDENTITY),
                Field("noi_cu_tru", _("Nơi cư trú")),
                Field(
                    "tinh_trang",
                    _("Tình trạng hôn nhân"),
                    group=_("Nội dung xác nhận"),
                ),
                Field("muc_dich", _("Mục đích sử dụng")),
            ),
            "Nghị định 123/2015/NĐ-CP, điều 21–23; Thông tư 04/2020/TT-BTP (sửa đổi "
            "bởi Thông tư 04/2024/TT-BTP), mẫu Giấy xác nhận tình trạng hôn nhân",
        ),
        Layout(
            GENERIC,
            "Kết quả giải quyết thủ tục hành chính",
            "Sổ đăng ký văn bản đi",
            source="Nghị định 30/2020/NĐ-CP (thể thức văn bản hành chính)",
        ),
    )
}

_KEYS: Final = {"layout", "title", "symbol", "writes"}

#: What a result may enter in the registries when it is issued (``"writes"``: the
#: dossier app carries each out through the data-sharing gateway, docs/eforms.md).
WRITE_RECIPES: Final[Mapping[str, str]] = {
    "birth": "Khai sinh: cấp số định danh cá nhân (CSDL dân cư), ghi việc khai sinh (CSDL hộ tịch)",
    "death": "Khai tử: cập nhật tình trạng đã chết (CSDL dân cư), ghi việc khai tử (CSDL hộ tịch)",
    "residence": "Đăng ký thường trú: cập nhật nơi thường trú, hộ (CSDL dân cư)",
    "remove-residence": "Xóa đăng ký thường trú (CSDL dân cư)",
    "insurance-child": "Cấp thẻ bảo hiểm y tế trẻ em dưới 6 tuổi (CSDL bảo hiểm)",
    "survivor": "Chế độ tử tuất: dừng thẻ bảo hiểm y tế của người đã chết (CSDL bảo hiểm)",
}
_SYMBOL: Final = re.compile(r"^[A-ZĐ0-9]{1,10}$")


@dataclass(frozen=True)
class ResultDocument:
    """A procedure's result document: its layout, printed title and number symbol."""

    layout: Layout
    title: str
    #: The type abbreviation of the number (``12/GPXD-UBND``); generic layout only.
    symbol: str
    #: What issuing it enters in the registries (:data:`WRITE_RECIPES`).
    writes: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.layout.fields


def result_document_of(config: Mapping[str, Any], results: list[str]) -> ResultDocument:
    """The result document a procedure's configuration describes (checked already)."""
    layout = LAYOUTS[str(config.get("layout") or GENERIC)]
    title = str(config.get("title") or "")
    if not title and layout.key == GENERIC and results:
        # The first result in its short form: "Giấy phép xây dựng kèm …" → the paper.
        title = re.split(r"\s*[(;:,]|\s+kèm\s", results[0], maxsplit=1)[0]
    return ResultDocument(
        layout,
        title or layout.title,
        str(config.get("symbol") or "KQ"),
        tuple(str(w) for w in config.get("writes") or ()),
    )


def check_result_document(value: Any) -> list[str]:
    """The problems of a ``result_document`` configuration (none: it can be issued)."""
    if value in (None, "", {}):
        return []
    if not isinstance(value, dict):
        return ["result_document: an object"]
    problems = [f"result_document.{k}: unknown key" for k in sorted(set(value) - _KEYS)]
    layout = value.get("layout", GENERIC)
    if layout not in LAYOUTS:
        problems.append(f"result_document.layout: one of {', '.join(sorted(LAYOUTS))}")
    title = value.get("title", "")
    if not isinstance(title, str) or len(title) > 200:
        problems.append("result_document.title: a text of at most 200 characters")
    symbol = value.get("symbol", "")
    if symbol and (not isinstance(symbol, str) or not _SYMBOL.match(symbol)):
        problems.append("result_document.symbol: 1–10 capital letters or digits (GPXD)")
    writes = value.get("writes", [])
    if not isinstance(writes, list) or any(w not in WRITE_RECIPES for w in writes):
        problems.append("result_document.writes: a list of " + ", ".join(sorted(WRITE_RECIPES)))
    return problems
