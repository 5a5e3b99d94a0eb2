"""Text that people type, made safe before it is stored.

Every text a person or another system sends (a name, a summary, a note, a file name, the
values of a dossier's form data) goes through :func:`clean_text` before a service writes
it:

* it is normalised to NFC (a name typed as NFD "Nguyễn" is stored as the NFC one, so it
  compares, sorts and is found like any other);
* a lone surrogate (which JSON can carry as ``"\\ud800"``) is refused: ``text_invalid_unicode``;
* a control character is refused (``text_control_character``): NUL (which PostgreSQL
  cannot store), the other C0 and C1 controls and DEL; a multi-line text keeps ``\\n`` and
  ``\\t`` (``\\r\\n`` and a lone ``\\r`` become ``\\n``), a single-line text keeps neither;
* a bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069) is refused
  (``text_bidi_control``): "Trojan Source" text shows one thing and stores another;
* whitespace and invisible characters (zero-width space and joiners, BOM, soft hyphen,
  fillers) around the text are removed, and a text with nothing visible left but which
  was not empty is refused (``text_empty``), as is an empty required text.

Numbers travel inside JSON only; :func:`clean_json` refuses ``NaN``, ``Infinity`` (also
``1e999``, which parses as infinity: ``number_not_finite``) and integers beyond ±(2⁵³−1)
(``number_too_large``, what RFC 7493 I-JSON lets every reader represent exactly).

Errors are :class:`UnsafeText`, a :class:`ValueError` with a stable ``code`` and a
Vietnamese ``reason``. The same rules are offered as

* pydantic types for the API's schemas: :data:`Line`, :data:`RequiredLine`, :data:`Name`,
  :data:`Text`, :data:`FileName`, :data:`JsonObject` (errors come back as a 422 naming the
  field, with the code above);
* Django form fields for the pages: :class:`LineField`, :class:`NameField`,
  :class:`TextField`;
* :func:`clean_param` for services and views: an :class:`~lienthong.core.errors.InvalidInput`
  naming the field;
* :class:`RefuseNulMiddleware`, which refuses a NUL anywhere in a request's path, query
  string or form before any view (or the session) reads it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Annotated, Any, Final

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponseBadRequest, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, Field, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from lienthong.core.errors import InvalidInput, InvalidParam, printable, problem_response

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http.response import HttpResponseBase
    from django_stubs_ext import StrOrPromise

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_SAFE_INTEGER",
    "FileName",
    "JsonObject",
    "Line",
    "LineField",
    "Name",
    "NameField",
    "RefuseNulMiddleware",
    "RequiredLine",
    "Text",
    "TextField",
    "UnsafeText",
    "clean_filename",
    "clean_json",
    "clean_name",
    "clean_param",
    "clean_text",
    "unsafe_character",
]

#: The largest integer every JSON reader holds exactly (RFC 7493, I-JSON §2.2).
MAX_SAFE_INTEGER: Final = 2**53 - 1
#: How deep objects and arrays of a JSON value (a dossier's form data) may nest.
MAX_JSON_DEPTH: Final = 16

#: Bidirectional embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
BIDI_CONTROLS: Final = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
#: Characters that show nothing though their category says letter, symbol or mark.
FILLERS: Final = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0"
)
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")

_MESSAGES: Final[dict[str, StrOrPromise]] = {
    "text_invalid_unicode": _("Văn bản có ký tự Unicode không hợp lệ (nửa cặp thay thế)."),
    "text_control_character": _("Văn bản có ký tự điều khiển %(char)s không được phép."),
    "text_line_break": _("Trường này chỉ được có một dòng."),
    "text_bidi_control": _(
        "Văn bản có ký tự điều khiển chiều viết %(char)s (có thể làm hiển thị sai nội dung)."
    ),
    "text_empty": _("Không được để trống (hoặc chỉ có ký tự không nhìn thấy)."),
    "text_too_long": _("Giá trị quá dài (tối đa %(max)d ký tự)."),
    "file_name_invalid": _("Tên tệp không hợp lệ."),
    "number_not_finite": _("Số không hợp lệ (NaN, Infinity hoặc vượt quá giới hạn)."),
    "number_too_large": _("Số nguyên vượt quá giới hạn ±9.007.199.254.740.991."),
    "json_too_deep": _("Dữ liệu lồng nhau quá sâu (tối đa %(max)d cấp)."),
    "json_type": _("Kiểu dữ liệu không hợp lệ."),
}


class UnsafeText(ValueError):
    """A text (or a JSON value) that may not be stored.

    Attributes:
        code: stable machine code (see the module's docstring).
        reason: Vietnamese explanation (a lazy translation, formatted).
        path: where inside a JSON value the bad part is (keys and indexes), else ``()``.
    """

    def __init__(self, code: str, *, path: tuple[str | int, ...] = (), **params: str | int) -> None:
        self.code = code
        self.params = params
        self.path = path
        super().__init__(code)

    @property
    def reason(self) -> str:
        message = str(_MESSAGES[self.code])
        return message % self.params if self.params else message

    def __str__(self) -> str:
        return self.reason


def _codepoint(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def _visible(ch: str) -> bool:
    category = unicodedata.category(ch)
    return (category[0] in "LNPS" or category in ("Mc", "Co")) and ch not in FILLERS


def _invisible_edge(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Cf" or ch in FILLERS


def unsafe_character(value: str, *, multiline: bool = False) -> UnsafeText | None:
    """The first reason ``value`` may not be stored as it is, without changing it."""
    for ch in value:
        if "\ud800" <= ch <= "\udfff":
            return UnsafeText("text_invalid_unicode")
    for ch in value:
        if ch in BIDI_CONTROLS:
            return UnsafeText("text_bidi_control", char=_codepoint(ch))
        if unicodedata.category(ch) == "Cc":
            if multiline and ch in "\n\t\r\x85":
                continue
            if ch in "\n\r\x85":
                return UnsafeText("text_line_break")
            return UnsafeText("text_control_character", char=_codepoint(ch))
        if not multiline and ch in "\u2028\u2029":
            return UnsafeText("text_line_break")
    return None


def clean_text(
    value: str,
    *,
    multiline: bool = False,
    required: bool = False,
    max_length: int | None = None,
) -> str:
    """``value`` as it may be stored, or :class:`UnsafeText` (see the module's docstring).

    A text that is empty or only whitespace is ``""`` (refused when ``required``); one
    that had characters but none visible is refused in any case.
    """
    problem = unsafe_character(value, multiline=multiline)
    if problem is not None:
        raise problem
    text = unicodedata.normalize("NFC", value)
    if multiline:
        text = _LINE_BREAKS.sub("\n", text)
    start, end = 0, len(text)
    while start < end and _invisible_edge(text[start]):
        start += 1
    while end > start and _invisible_edge(text[end - 1]):
        end -= 1
    stripped = text[start:end]
    if not any(_visible(ch) for ch in stripped):
        if required or (text and not text.isspace()):
            # Required, or something was sent but nothing a reader can see.
            raise UnsafeText("text_empty")
        return ""
    if max_length is not None and len(stripped) > max_length:
        raise UnsafeText("text_too_long", max=max_length)
    return stripped


def clean_name(value: str, *, max_length: int | None = 200) -> str:
    """A person's or a system's name: one line, required, inner whitespace runs as one
    space (``"  Trần  Thị Bình "`` is ``"Trần Thị Bình"``)."""
    text = clean_text(value, required=True)
    text = " ".join(text.split())
    if max_length is not None and len(text) > max_length:
        raise UnsafeText("text_too_long", max=max_length)
    return text


def clean_filename(value: str, *, max_length: int = 255) -> str:
    """The name an uploaded file is kept under: its last path part, NFC, one line, without
    controls or bidirectional overrides (a ``"hoadon\\u202efdp.exe"`` would show as
    ``hoadonexe.pdf``), not ``.`` or ``..``; cut to ``max_length`` keeping the extension."""
    text = clean_text(value.replace("\\", "/").rsplit("/", 1)[-1], required=True)
    if text in (".", ".."):
        raise UnsafeText("file_name_invalid")
    if len(text) > max_length:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            text = stem[: max_length - len(ext) - 1].rstrip() + "." + ext
        else:
            text = text[:max_length].rstrip()
    return text


def clean_json(value: Any, *, path: tuple[str | int, ...] = (), depth: int = 0) -> Any:
    """A JSON value (as :func:`json.loads` returns it) with every key and string cleaned
    (keys one line, strings multi-line) and every number checked.

    Raises :class:`UnsafeText` whose ``path`` locates the bad key or value.
    """
    if depth > MAX_JSON_DEPTH:
        raise UnsafeText("json_too_deep", path=path, max=MAX_JSON_DEPTH)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise UnsafeText("number_too_large", path=path)
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise UnsafeText("number_not_finite", path=path)
        return value
    if isinstance(value, str):
        try:
            return clean_text(value, multiline=True)
        except UnsafeText as exc:
            exc.path = path
            raise
    if isinstance(value, list):
        return [clean_json(v, path=(*path, i), depth=depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, v in value.items():
            if not isinstance(key, str):
                raise UnsafeText("json_type", path=path)
            try:
                clean_key = clean_text(key, required=True)
            except UnsafeText as exc:
                exc.path = (*path, key)
                raise
            out[clean_key] = clean_json(v, path=(*path, clean_key), depth=depth + 1)
        return out
    raise UnsafeText("json_type", path=path)


def clean_param(name: str, value: str, **options: Any) -> str:
    """:func:`clean_text` for a service or a view: a refusal is an
    :class:`~lienthong.core.errors.InvalidInput` whose ``invalid_params`` names ``name``."""
    try:
        return clean_text(value, **options)
    except UnsafeText as exc:
        raise InvalidInput(
            exc.reason, invalid_params=[InvalidParam(name, exc.code, exc.reason)]
        ) from exc


# --------------------------------------------------------------------------- pydantic


def _pydantic_error(exc: UnsafeText) -> PydanticCustomError:
    return PydanticCustomError(exc.code, "{reason}", {"reason": exc.reason})


def _validator(**options: Any) -> AfterValidator:
    def validate(value: str) -> str:
        try:
            return clean_text(value, **options)
        except UnsafeText as exc:
            raise _pydantic_error(exc) from None

    return AfterValidator(validate)


def _name(value: str) -> str:
    try:
        return clean_name(value, max_length=None)
    except UnsafeText as exc:
        raise _pydantic_error(exc) from None


def _filename(value: str) -> str:
    try:
        return clean_filename(value)
    except UnsafeText as exc:
        raise _pydantic_error(exc) from None


def _json_object(value: dict[str, Any]) -> dict[str, Any]:
    try:
        cleaned: dict[str, Any] = clean_json(value)
    except UnsafeText as exc:
        raise ValidationError.from_exception_data(
            "JsonObject",
            [InitErrorDetails(type=_pydantic_error(exc), loc=exc.path, input=None)],
        ) from None
    return cleaned


#: One line that may be empty: a code, a reference, an optional label.
Line = Annotated[str, _validator()]
#: One line that must have something visible.
RequiredLine = Annotated[str, _validator(required=True)]
#: A person's or a system's name: one required line, whitespace runs as one space.
Name = Annotated[str, AfterValidator(_name), Field(max_length=200)]
#: Several lines that may be empty: a summary, a note, a comment.
Text = Annotated[str, _validator(multiline=True)]
#: The name of an uploaded file (see :func:`clean_filename`).
FileName = Annotated[str, AfterValidator(_filename), Field(max_length=1000)]
#: A JSON object of free data (a dossier's form data), every key and value checked.
JsonObject = Annotated[dict[str, Any], AfterValidator(_json_object)]


# --------------------------------------------------------------------------- Django forms


class LineField(forms.CharField):
    """A one-line text of a form, cleaned by :func:`clean_text`: a refusal is the field's
    error with the same code."""

    multiline = False

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = self.clean_value(value)
            except UnsafeText as exc:
                raise DjangoValidationError(exc.reason, code=exc.code) from exc
        return super().to_python(value)

    def clean_value(self, value: str) -> str:
        return clean_text(value, multiline=self.multiline)


class NameField(LineField):
    """A name (see :func:`clean_name`); the form's ``max_length`` still applies."""

    def clean_value(self, value: str) -> str:
        if not value.strip() and not self.required:
            return ""
        return clean_name(value, max_length=None)


class TextField(LineField):
    """A multi-line text of a form (a textarea)."""

    multiline = True

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea)
        super().__init__(**kwargs)


# --------------------------------------------------------------------------- middleware


class RefuseNulMiddleware:
    """A NUL in a request's path, query string or form is refused before any view, the
    session or a search sees it (PostgreSQL can neither store nor compare it): the API
    answers a 422 problem naming the parameter, a page a 400. A cookie carrying one is
    dropped, as if the browser had not sent it (a damaged session cookie would otherwise
    keep its owner out). Install it first in ``MIDDLEWARE``, after ``SecurityMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if any("\x00" in value for value in request.COOKIES.values()):
            request.COOKIES = {k: v for k, v in request.COOKIES.items() if "\x00" not in v}
        name = _nul_field(request)
        if name is None:
            return self.get_response(request)
        exc = UnsafeText("text_control_character", char="U+0000")
        if request.path_info.startswith("/open311/"):  # Open311 clients read its error list
            return JsonResponse(
                [{"code": 400, "description": f"{name}: {exc.reason}"}], safe=False, status=400
            )
        if request.path_info.startswith("/api/"):
            return problem_response(
                request,
                status=422,
                code=InvalidInput.code,
                title=InvalidInput.title,
                detail=exc.reason,
                invalid_params=[InvalidParam(name, exc.code, exc.reason)],
            )
        message = _("Yêu cầu không hợp lệ: «%(name)s» có ký tự NUL (U+0000).") % {
            "name": escape(printable(name))
        }
        return HttpResponseBadRequest(
            f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{message}</title>'
            f'<p>{message} <a href="/">{_("Về trang chủ")}</a></p></html>'
        )


def _nul_field(request: HttpRequest) -> str | None:
    if "\x00" in request.path_info and not request.path_info.startswith("/api/"):
        return "path"  # the API names the path parameter itself (lienthong/api.py)
    sources = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        sources.append(request.POST)
    for data in sources:
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in v for v in values if isinstance(v, str)):
                return str(key)
    return None
