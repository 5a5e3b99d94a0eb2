"""The declaration made on an electronic form, printed as its paper.

The seeded procedures' declarations have their official layouts (``LAYOUTS``: the
birth, death and marriage declarations of Circular 04/2020/TT-BTP, form CT01 of the
police, form TK1-TS of social insurance), each a template of
``dossiers/pdf/declarations/`` that places the answers where the paper has them; any
other form prints with the generic layout (its sections in order).

A layout reads the answers by key from :class:`Answers`: ``{{ v.ho_ten }}`` prints the
answer (a dotted blank when none), with the footnote number of the registry it was read
from; ``{{ v.ngay_sinh.words }}`` a date in words; ``{{ v.so_dinh_danh.boxes }}`` the
characters of a number for its boxes. Whatever the layout does not place is printed
after it, under "Thông tin khác" (``others``), so nothing declared is lost when the
catalogue adds an item to a form; the footnotes follow (``notes``). Both are read at the
end of the rendering, when every placed answer has been read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lienthong.dossiers.constants import SOURCE_KEY
from lienthong.dossiers.results import date_in_words

if TYPE_CHECKING:
    from lienthong.catalog.eforms import FormDefinition, FormField

__all__ = ["LAYOUTS", "Answer", "Answers", "answer_text", "source_label", "template_of"]

#: Official layouts by the form's code (``FormDefinition.code``).
LAYOUTS: Final[dict[str, str]] = {
    "TK-KS": "khai_sinh",
    "TK-KT": "khai_tu",
    "TK-KH": "ket_hon",
    "CT01": "ct01",
    "TK1-TS": "tk1_ts",
}

_BLANK: Final = mark_safe('<span class="blank">……………………</span>')


def template_of(form: FormDefinition) -> str:
    """The template printing ``form``: its official layout, else the generic one."""
    layout = LAYOUTS.get(form.code, "chung")
    return f"dossiers/pdf/declarations/{layout}.html"


def answer_text(item: FormField, raw: Any, communes: dict[str, str]) -> str:
    """An answer as the paper prints it: dates dd/mm/yyyy, communes by name."""
    value = str(raw or "").strip()
    if item.kind == "date" and value:
        with contextlib.suppress(ValueError):
            value = dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    elif item.kind == "commune":
        value = communes.get(value, value)
    return value


def source_label(source: Any) -> str:
    """ "đã lấy từ CSDL quốc gia về dân cư, phiên bản 3" ("" when typed)."""
    if not isinstance(source, dict):
        return ""
    return _("đã lấy từ %(r)s, phiên bản %(v)s") % {
        "r": source.get("registry_name") or source.get("registry", ""),
        "v": source.get("version") or "—",
    }


@dataclass
class Answer:
    """One answer as a layout prints it."""

    value: str = ""
    #: A date in words ("Ngày mười lăm tháng ba năm …"), else "".
    words: str = ""
    #: The footnote number of the registry it was read from (0: typed).
    note: int = 0

    def __bool__(self) -> bool:
        return bool(self.value)

    def __str__(self) -> str:
        return self._html(self.value)

    def _html(self, text: str) -> SafeString:
        if not text:
            return _BLANK
        if not self.note:
            return format_html("{}", text)
        return format_html('{}<sup class="note">[{}]</sup>', text, self.note)

    @property
    def upper(self) -> SafeString:
        """The answer in capitals (names on civil-status papers)."""
        return self._html(self.value.upper())

    @property
    def boxes(self) -> list[str]:
        """The characters of a 12-digit number, one per box (blank boxes when none)."""
        chars = list(self.value.replace(" ", ""))
        return chars + [""] * max(0, 12 - len(chars))


@dataclass
class Answers:
    """The answers of a declaration by key, remembering which a layout has placed."""

    form: FormDefinition
    data: dict[str, Any]
    communes: dict[str, str]
    _placed: set[str] = field(default_factory=set)
    _notes: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Answer:
        self._placed.add(key)
        item = self.form.field(key)
        if item is None or key not in self.data:
            return Answer()
        return self._answer(item)

    def _answer(self, item: FormField) -> Answer:
        text = answer_text(item, self.data.get(item.key), self.communes)
        words = ""
        if item.kind == "date" and text:
            with contextlib.suppress(ValueError):
                words = date_in_words(dt.date.fromisoformat(str(self.data[item.key])))
        sources = self.data.get(SOURCE_KEY) or {}
        label = source_label(sources.get(item.key)) if isinstance(sources, dict) else ""
        note = self._notes.setdefault(label, len(self._notes) + 1) if label and text else 0
        return Answer(text, words, note)

    def sections(self) -> list[tuple[str, list[tuple[str, Answer]]]]:
        """Every declared item by the form's sections (the generic layout)."""
        rows = [
            (str(s.title), [(str(f.label), self[f.key]) for f in s.fields if f.key in self.data])
            for s in self.form.sections
        ]
        return [(title, items) for title, items in rows if items]

    def others(self) -> list[tuple[str, Answer]]:
        """The items answered that the layout has not placed (label, answer), in form order."""
        return [
            (str(item.label), self._answer(item))
            for item in self.form.fields
            if item.key not in self._placed and str(self.data.get(item.key) or "").strip()
        ]

    def notes(self) -> list[tuple[int, str]]:
        """The footnotes: each registry source with its number."""
        return [(n, label) for label, n in self._notes.items()]
