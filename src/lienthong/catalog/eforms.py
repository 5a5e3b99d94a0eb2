"""Electronic forms (tờ khai điện tử) as data: what a procedure version asks the
applicant to declare, how it is checked, and which registry field prefills each item.

A form definition is JSON kept on the procedure version (``ProcedureVersion.form``),
versioned with it: a dossier keeps the version it was filed with, so it keeps its form.
A version without its own definition whose result layout lists the declared facts
(``catalog.results``: birth, death, marriage, marital status) gets a form built from
that layout, so every paper the platform issues has its form.

The format (docs/eforms.md)::

    {"code": "CT01", "title": "Tờ khai thay đổi thông tin cư trú",
     "source": "Thông tư 66/2023/TT-BCA, mẫu CT01",
     "sections": [{"title": "Người đề nghị", "fields": [
        {"key": "ho_ten", "label": "Họ, chữ đệm và tên", "kind": "text",
         "prefill": {"service": "person", "field": "full_name"}, "locked": true},
        {"key": "co_cha", "label": "Có thông tin người cha", "kind": "choice",
         "choices": ["Có", "Không"], "default": "Có"},
        {"key": "cha_ho_ten", "label": "Họ, chữ đệm, tên người cha",
         "show_if": {"field": "co_cha", "in": ["Có"]}}]}]}

:func:`parse` checks a definition and names each problem with its place
(``sections[0].fields[2].kind``); :func:`clean` checks what an applicant declared and
names each problem with its field (``form_data.<key>``), in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, cast

from django.utils.translation import gettext as _

from lienthong.core.errors import InvalidParam, NotFound
from lienthong.core.identifiers import IdentifierError, normalize_pin
from lienthong.core.text import UnsafeText, clean_text
from lienthong.geo import selectors as geo

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from lienthong.catalog.results import ResultDocument

__all__ = [
    "KINDS",
    "FormDefinition",
    "FormField",
    "Prefill",
    "Section",
    "clean",
    "form_from_layout",
    "identity_problems",
    "parse",
    "to_json",
]

Kind = Literal[
    "text", "textarea", "date", "year", "choice", "pin", "number", "phone", "email", "commune"
]
KINDS: Final[tuple[str, ...]] = (
    "text",
    "textarea",
    "date",
    "year",
    "choice",
    "pin",
    "number",
    "phone",
    "email",
    "commune",
)

#: The data services a field may be prefilled from, and the person they are asked about.
PREFILL_SERVICES: Final = ("person", "residence", "insurance-card", "enterprise")
_KEY: Final = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_FIELD_NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: ASCII digits only: "¹⁹⁹⁰" or Arabic-Indic digits are digits to Python, not on a paper.
_ISO_DATE: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_YEAR: Final = re.compile(r"^[0-9]{4}$")
_PHONE: Final = re.compile(r"^(?:\+84|0)[0-9]{9,10}$")
_EMAIL: Final = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,}$")
_NUMBER: Final = re.compile(r"^-?[0-9]{1,12}$")
_COMMUNE: Final = re.compile(r"^[0-9]{5}$")
_MAX_FIELDS: Final = 200
_LIMITS: Final = {"textarea": 2000}
_DEFAULT_LIMIT: Final = 300


@dataclass(frozen=True, slots=True)
class Prefill:
    """Where a field's value comes from: a gateway data service's field, about the
    applicant (``of=""``) or about the person whose number another field holds."""

    service: str
    field: str
    of: str = ""
    #: Registry values as the form writes them (``{"male": "Nam", "female": "Nữ"}``).
    values: tuple[tuple[str, str], ...] = ()

    def shown(self, value: object) -> str:
        """A registry value as the form writes it."""
        text = "" if value is None else str(value)
        return dict(self.values).get(text, text)


@dataclass(frozen=True, slots=True)
class ShowIf:
    field: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FormField:
    key: str
    #: A text, or a translatable one for a form a result layout implies.
    label: StrOrPromise
    kind: Kind = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    default: str = ""
    help: str = ""
    max_length: int = _DEFAULT_LIMIT
    #: Bounds of a number, or of a date's year.
    min: int | None = None
    max: int | None = None
    #: A date may be in the future (an appointment), not only in the past.
    future: bool = False
    show_if: ShowIf | None = None
    prefill: Prefill | None = None
    #: A prefilled value the applicant may not change (it is the registry's).
    locked: bool = False


@dataclass(frozen=True, slots=True)
class Section:
    title: StrOrPromise
    fields: tuple[FormField, ...]


@dataclass(frozen=True, slots=True)
class FormDefinition:
    code: str
    title: str
    source: str = ""
    sections: tuple[Section, ...] = ()
    #: Built from the result layout rather than defined on the version.
    derived: bool = False

    @property
    def fields(self) -> Iterator[FormField]:
        for section in self.sections:
            yield from section.fields

    def field(self, key: str) -> FormField | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def prefilled(self) -> list[tuple[FormField, Prefill]]:
        """The fields read from a registry, each with where from."""
        return [(f, f.prefill) for f in self.fields if f.prefill is not None]


@dataclass
class _Problems:
    items: list[str] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


def _text(
    raw: Mapping[str, Any], key: str, where: str, problems: _Problems, *, limit: int = 300
) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        problems.add(f"{where}.{key}", _("phải là chữ"))
        return ""
    value = " ".join(value.split())
    if len(value) > limit:
        problems.add(f"{where}.{key}", _("tối đa %(n)d ký tự") % {"n": limit})
    return value


def _int(raw: Mapping[str, Any], key: str, where: str, problems: _Problems) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(f"{where}.{key}", _("phải là số nguyên"))
        return None
    return value


def _bool(raw: Mapping[str, Any], key: str, where: str, problems: _Problems, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        problems.add(f"{where}.{key}", _("phải là true hoặc false"))
        return default
    return value


_FIELD_KEYS: Final = {
    "key",
    "label",
    "kind",
    "required",
    "choices",
    "default",
    "help",
    "max_length",
    "min",
    "max",
    "future",
    "show_if",
    "prefill",
    "locked",
}


def _field(raw: Any, where: str, problems: _Problems) -> FormField | None:
    if not isinstance(raw, dict):
        problems.add(where, _("phải là một đối tượng JSON"))
        return None
    for unknown in sorted(set(raw) - _FIELD_KEYS):
        problems.add(f"{where}.{unknown}", _("không có mục này"))
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        problems.add(f"{where}.key", _("chữ thường không dấu, số, gạch dưới (tối đa 40)"))
        return None
    label = _text(raw, "label", where, problems)
    if not label:
        problems.add(f"{where}.label", _("không được để trống"))
    kind = raw.get("kind", "text")
    if kind not in KINDS:
        problems.add(f"{where}.kind", _("một trong: %(k)s") % {"k": ", ".join(KINDS)})
        kind = "text"
    choices_raw = raw.get("choices", [])
    choices: tuple[str, ...] = ()
    if not isinstance(choices_raw, list) or not all(
        isinstance(c, str) and 0 < len(c) <= 200 for c in choices_raw
    ):
        problems.add(f"{where}.choices", _("một danh sách chữ"))
    else:
        choices = tuple(" ".join(c.split()) for c in choices_raw)
    if kind == "choice" and len(choices) < 2:
        problems.add(f"{where}.choices", _("cần ít nhất hai lựa chọn"))
    if kind != "choice" and choices:
        problems.add(f"{where}.choices", _("chỉ dùng cho loại choice"))
    default = _text(raw, "default", where, problems)
    if default and kind == "choice" and default not in choices:
        problems.add(f"{where}.default", _("phải là một trong các lựa chọn"))
    limit = _int(raw, "max_length", where, problems) or _LIMITS.get(kind, _DEFAULT_LIMIT)
    if not 1 <= limit <= 5000:
        problems.add(f"{where}.max_length", _("từ 1 đến 5000"))
    show_if = None
    if (cond := raw.get("show_if")) is not None:
        if (
            not isinstance(cond, dict)
            or set(cond) != {"field", "in"}
            or not isinstance(cond["field"], str)
            or not isinstance(cond["in"], list)
            or not all(isinstance(v, str) for v in cond["in"])
        ):
            problems.add(f"{where}.show_if", _('dạng {"field": "khóa", "in": ["giá trị"]}'))
        else:
            show_if = ShowIf(cond["field"], tuple(cond["in"]))
    prefill = None
    if (source := raw.get("prefill")) is not None:
        mapping = source.get("map", {}) if isinstance(source, dict) else None
        if (
            not isinstance(source, dict)
            or not {"service", "field"} <= set(source) <= {"service", "field", "of", "map"}
            or source["service"] not in PREFILL_SERVICES
            or not isinstance(source["field"], str)
            or not _FIELD_NAME.match(source["field"])
            or not isinstance(source.get("of", ""), str)
            or not isinstance(mapping, dict)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())
        ):
            problems.add(
                f"{where}.prefill",
                _(
                    'dạng {"service": "%(s)s", "field": "tên trường", "of": "khóa (tùy chọn)", '
                    '"map": {"giá trị CSDL": "giá trị trên tờ khai"} (tùy chọn)}'
                )
                % {"s": "|".join(PREFILL_SERVICES)},
            )
        else:
            prefill = Prefill(
                source["service"],
                source["field"],
                source.get("of", ""),
                tuple(sorted(mapping.items())),
            )
    locked = _bool(raw, "locked", where, problems, False)
    if locked and prefill is None:
        problems.add(f"{where}.locked", _("chỉ khóa trường lấy từ cơ sở dữ liệu (prefill)"))
    return FormField(
        key=key,
        label=label,
        kind=cast("Kind", kind),
        required=_bool(raw, "required", where, problems, True),
        choices=choices,
        default=default,
        help=_text(raw, "help", where, problems, limit=500),
        max_length=limit,
        min=_int(raw, "min", where, problems),
        max=_int(raw, "max", where, problems),
        future=_bool(raw, "future", where, problems, False),
        show_if=show_if,
        prefill=prefill,
        locked=locked,
    )


def parse(raw: Any) -> tuple[FormDefinition | None, list[str]]:
    """A form definition from its JSON, or None and every problem with its place."""
    problems = _Problems()
    if raw in (None, "", {}):
        return None, []
    if not isinstance(raw, dict):
        return None, ["form: " + _("phải là một đối tượng JSON")]
    for unknown in sorted(set(raw) - {"code", "title", "source", "sections"}):
        problems.add(f"form.{unknown}", _("không có mục này"))
    code = _text(raw, "code", "form", problems, limit=20)
    title = _text(raw, "title", "form", problems)
    if not title:
        problems.add("form.title", _("không được để trống"))
    sections_raw = raw.get("sections")
    sections: list[Section] = []
    if not isinstance(sections_raw, list) or not sections_raw:
        problems.add("form.sections", _("cần ít nhất một phần"))
        sections_raw = []
    keys: set[str] = set()
    for i, s in enumerate(sections_raw):
        where = f"sections[{i}]"
        if not isinstance(s, dict) or not isinstance(s.get("fields"), list):
            problems.add(where, _('dạng {"title": "…", "fields": […]}'))
            continue
        fields = []
        for j, raw_field in enumerate(s["fields"]):
            f = _field(raw_field, f"{where}.fields[{j}]", problems)
            if f is None:
                continue
            if f.key in keys:
                problems.add(f"{where}.fields[{j}].key", _("trùng khóa «%(k)s»") % {"k": f.key})
            keys.add(f.key)
            fields.append(f)
        sections.append(Section(_text(s, "title", where, problems), tuple(fields)))
    definition = FormDefinition(
        code, title, _text(raw, "source", "form", problems, limit=500), tuple(sections)
    )
    if len(keys) > _MAX_FIELDS:
        problems.add("form.sections", _("tối đa %(n)d trường") % {"n": _MAX_FIELDS})
    order = [f.key for f in definition.fields]
    for f in definition.fields:
        if f.show_if is not None and f.show_if.field not in keys:
            problems.add(
                f"{f.key}.show_if.field", _("không có trường «%(k)s»") % {"k": f.show_if.field}
            )
        elif f.show_if is not None and order.index(f.show_if.field) > order.index(f.key):
            problems.add(f"{f.key}.show_if.field", _("phải là một mục đứng trước"))
        if f.prefill is not None and f.prefill.of:
            other = definition.field(f.prefill.of)
            if other is None or other.kind != "pin":
                problems.add(
                    f"{f.key}.prefill.of",
                    _("phải là khóa của một trường số định danh (kind pin)"),
                )
    if problems.items:
        return None, problems.items
    return definition, []


def to_json(definition: FormDefinition) -> dict[str, Any]:
    """The definition as :func:`parse` reads it (export; round-trips)."""

    def one(f: FormField) -> dict[str, Any]:
        out: dict[str, Any] = {"key": f.key, "label": str(f.label), "kind": f.kind}
        if not f.required:
            out["required"] = False
        if f.choices:
            out["choices"] = list(f.choices)
        if f.default:
            out["default"] = f.default
        if f.help:
            out["help"] = f.help
        if f.max_length != _LIMITS.get(f.kind, _DEFAULT_LIMIT):
            out["max_length"] = f.max_length
        for bound in ("min", "max"):
            if getattr(f, bound) is not None:
                out[bound] = getattr(f, bound)
        if f.future:
            out["future"] = True
        if f.show_if:
            out["show_if"] = {"field": f.show_if.field, "in": list(f.show_if.values)}
        if f.prefill:
            out["prefill"] = {"service": f.prefill.service, "field": f.prefill.field}
            if f.prefill.of:
                out["prefill"]["of"] = f.prefill.of
            if f.prefill.values:
                out["prefill"]["map"] = dict(f.prefill.values)
        if f.locked:
            out["locked"] = True
        return out

    out: dict[str, Any] = {"code": definition.code, "title": definition.title}
    if definition.source:
        out["source"] = definition.source
    out["sections"] = [
        {"title": str(s.title), "fields": [one(f) for f in s.fields]} for s in definition.sections
    ]
    return out


def form_from_layout(paper: ResultDocument) -> FormDefinition | None:
    """The form a result layout implies (its declared facts, one section per person it
    names), for a version without its own definition; None for the generic layout."""
    if not paper.fields:
        return None
    sections: list[Section] = []
    title: StrOrPromise = ""
    fields: list[FormField] = []
    for item in paper.fields:
        if item.group and fields:
            sections.append(Section(title, tuple(fields)))
            fields = []
        if item.group:
            title = item.group  # translatable: shown in the reader's language
        fields.append(
            FormField(
                key=item.key,
                label=item.label,
                kind=item.kind,
                required=item.required,
                choices=item.choices,
                default=item.default,
            )
        )
    sections.append(Section(title, tuple(fields)))
    return FormDefinition(
        "", _("Tờ khai %(t)s") % {"t": paper.title.lower()}, "", tuple(sections), True
    )


def visible(definition: FormDefinition, data: Mapping[str, Any]) -> set[str]:
    """The keys of the fields shown for ``data`` (a hidden field is neither asked for
    nor kept): its controlling item is shown and holds one of its values, compared as
    the item is stored (spaces trimmed, composed Unicode)."""
    shown: set[str] = set()
    for f in definition.fields:  # a controlling item comes before the items it shows
        if f.show_if is None:
            shown.add(f.key)
            continue
        value = unicodedata.normalize("NFC", " ".join(str(data.get(f.show_if.field, "")).split()))
        if f.show_if.field in shown and value in f.show_if.values:
            shown.add(f.key)
    return shown


def clean(
    definition: FormDefinition, data: Mapping[str, Any], *, today: dt.date | None = None
) -> tuple[dict[str, Any], list[InvalidParam]]:
    """What the applicant declared, checked against the form: the cleaned values of the
    shown fields (other keys of ``data`` kept as given, hidden fields dropped) and a
    problem per field at fault, named ``form_data.<key>``, in Vietnamese."""
    today = today or dt.date.today()
    cleaned: dict[str, Any] = {k: v for k, v in data.items() if definition.field(k) is None}
    problems: list[InvalidParam] = []
    shown = visible(definition, data)
    for f in definition.fields:
        if f.key not in shown:
            continue
        name = f"form_data.{f.key}"
        raw = data.get(f.key)
        try:
            value = clean_text(
                "" if raw is None else str(raw),
                max_length=f.max_length,
                multiline=f.kind == "textarea",
            )
        except UnsafeText as exc:
            cleaned[f.key] = ""
            problems.append(InvalidParam(name, exc.code, f"«{f.label}»: {exc.reason}"))
            continue
        if not value:
            cleaned[f.key] = ""
            if f.required:
                problems.append(
                    InvalidParam(name, "required", _("Hãy khai «%(f)s».") % {"f": f.label})
                )
            continue
        value, problem = _check(f, value, today)
        cleaned[f.key] = value
        if problem is not None:
            problems.append(InvalidParam(name, problem[0], problem[1]))
    return cleaned, problems


def _check(f: FormField, value: str, today: dt.date) -> tuple[str, tuple[str, str] | None]:
    """The value in its stored form and the (code, message) of its problem, if any."""
    label = {"f": f.label}
    if f.kind == "date":
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError(value)
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value, ("invalid_date", _("«%(f)s» phải là một ngày có thật.") % label)
        if day < dt.date(1900, 1, 1) or (day > today and not f.future):
            return value, (
                "invalid_date",
                _("«%(f)s» phải là một ngày có thật, không sau hôm nay.") % label,
            )
        return day.isoformat(), _year_bounds(f, day.year)
    if f.kind == "year":
        if not (_YEAR.fullmatch(value) and 1900 <= int(value) <= today.year):
            return value, ("invalid_year", _("«%(f)s» phải là năm có bốn chữ số.") % label)
        return value, _year_bounds(f, int(value))
    if f.kind == "choice":
        if value not in f.choices:
            return value, (
                "not_a_choice",
                _("«%(f)s»: chọn một trong %(c)s.") % {**label, "c": ", ".join(f.choices)},
            )
        return value, None
    if f.kind == "pin":
        try:
            return normalize_pin(value), None
        except IdentifierError as exc:
            return value, (exc.code, _("«%(f)s»: %(m)s") % {**label, "m": exc.message})
    if f.kind == "number":
        if not _NUMBER.fullmatch(value):
            return value, ("invalid_number", _("«%(f)s» phải là một số nguyên.") % label)
        n = int(value)
        if (f.min is not None and n < f.min) or (f.max is not None and n > f.max):
            return value, (
                "out_of_range",
                _("«%(f)s» phải từ %(a)s đến %(b)s.")
                % {
                    **label,
                    "a": f.min if f.min is not None else "…",
                    "b": f.max if f.max is not None else "…",
                },
            )
        return str(n), None
    if f.kind == "phone":
        digits = re.sub(r"[\s.\-()]", "", value)
        if not _PHONE.fullmatch(digits):
            return value, (
                "invalid_phone",
                _("«%(f)s» phải là số điện thoại Việt Nam (10 chữ số, bắt đầu bằng 0).") % label,
            )
        return digits, None
    if f.kind == "email":
        if not _EMAIL.fullmatch(value):
            return value, ("invalid_email", _("«%(f)s» phải là địa chỉ thư điện tử.") % label)
        return value, None
    if f.kind == "commune":
        try:
            if not _COMMUNE.fullmatch(value):
                raise NotFound
            geo.current_unit(value, level="commune")
        except NotFound:
            return value, (
                "invalid_commune",
                _("«%(f)s»: chọn một xã, phường đang có hiệu lực trong danh sách.") % label,
            )
    return value, None


def _year_bounds(f: FormField, year: int) -> tuple[str, str] | None:
    """A date's or a year's ``min``/``max``: bounds of the year (a child born from 2020)."""
    if (f.min is None or year >= f.min) and (f.max is None or year <= f.max):
        return None
    if f.max is None:
        message = _("«%(f)s»: năm không trước %(a)s.")
    elif f.min is None:
        message = _("«%(f)s»: năm không sau %(b)s.")
    else:
        message = _("«%(f)s»: năm từ %(a)s đến %(b)s.")
    return "out_of_range", message % {"f": f.label, "a": f.min, "b": f.max}


def check_value(
    f: FormField, value: str, *, today: dt.date | None = None
) -> tuple[str, str] | None:
    """The (code, message) of what is wrong with ``value`` as an answer to ``f`` (None
    when it is right): a value read from a registry is checked as a typed one."""
    try:
        text = clean_text(value, max_length=f.max_length, multiline=f.kind == "textarea")
    except UnsafeText as exc:
        return exc.code, f"«{f.label}»: {exc.reason}"
    if not text:
        return None
    return _check(f, text, today or dt.date.today())[1]


def identity_problems(
    definition: FormDefinition, data: Mapping[str, Any], pin: str
) -> list[InvalidParam]:
    """A locked item that holds the applicant's own identification number (prefilled
    from ``person.pin`` about the applicant) must hold ``pin``: a declaration cannot be
    made in someone else's name, whichever way it is sent."""
    problems = []
    for f, source in definition.prefilled:
        if not f.locked or source.of or source.field != "pin" or f.key not in data:
            continue
        if str(data[f.key]) != (pin or ""):
            problems.append(
                InvalidParam(
                    f"form_data.{f.key}",
                    "not_the_applicant",
                    _("«%(f)s» phải là số định danh của chính người nộp.") % {"f": f.label},
                )
            )
    return problems
