"""The JSON API at /api/v1/ (django-ninja): one instance, every app adds a router.

All errors leave as RFC 9457 problem+json (see ``lienthong.core.errors``).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from pydantic import BaseModel

from lienthong import __version__
from lienthong.core.errors import (
    DomainError,
    InvalidInput,
    InvalidParam,
    from_domain_error,
    problem_response,
)
from lienthong.core.openapi import ProblemDocumentedAPI
from lienthong.core.selectors import readiness
from lienthong.core.text import MAX_SAFE_INTEGER, UnsafeText

logger = logging.getLogger(__name__)


class MalformedBody(ValueError):
    """The body is not JSON, or not UTF-8."""


class _Parser(Parser):
    """JSON bodies as :func:`json.loads` reads them (a parse failure is a 422 naming
    ``body``); query strings and forms normalised to NFC, so a search typed in NFD finds
    what an NFC one finds."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(request.body)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise MalformedBody(str(exc)) from exc
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        return {key: _nfc(value) for key, value in parsed.items()}


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


api = ProblemDocumentedAPI(
    title="LiênThông API",
    version="1",
    description=(
        "API liên thông của nền tảng LiênThông. Lỗi trả về theo RFC 9457 "
        "(application/problem+json) với `type` ổn định; ghi (POST) chấp nhận tiêu đề "
        "`Idempotency-Key`."
    ),
    urls_namespace="api-v1",
    parser=_Parser(),
)

_REASONS = {
    "missing": gettext_lazy("Thiếu trường bắt buộc."),
    "string_too_long": gettext_lazy("Giá trị quá dài."),
    "string_too_short": gettext_lazy("Giá trị quá ngắn."),
    "int_parsing": gettext_lazy("Phải là số nguyên."),
    "date_from_datetime_parsing": gettext_lazy("Ngày không hợp lệ (định dạng YYYY-MM-DD)."),
    "date_parsing": gettext_lazy("Ngày không hợp lệ (định dạng YYYY-MM-DD)."),
    "json_invalid": gettext_lazy("Nội dung JSON không hợp lệ."),
    "int_from_float": gettext_lazy("Phải là số nguyên."),
    "int_type": gettext_lazy("Phải là số nguyên."),
    "float_parsing": gettext_lazy("Phải là số."),
    "float_type": gettext_lazy("Phải là số."),
    "finite_number": gettext_lazy("Số không hợp lệ (NaN, Infinity hoặc vượt quá giới hạn)."),
    "string_type": gettext_lazy("Phải là chuỗi ký tự."),
    "string_unicode": gettext_lazy("Văn bản có ký tự Unicode không hợp lệ (nửa cặp thay thế)."),
    "string_pattern_mismatch": gettext_lazy("Giá trị không đúng định dạng."),
    "bool_parsing": gettext_lazy("Phải là true hoặc false."),
    "bool_type": gettext_lazy("Phải là true hoặc false."),
    "list_type": gettext_lazy("Phải là một danh sách."),
    "dict_type": gettext_lazy("Phải là một đối tượng JSON."),
    "model_attributes_type": gettext_lazy("Phải là một đối tượng JSON."),
    "too_long": gettext_lazy("Quá nhiều phần tử."),
    "greater_than_equal": gettext_lazy("Giá trị quá nhỏ."),
    "less_than_equal": gettext_lazy("Giá trị quá lớn."),
    "enum": gettext_lazy("Giá trị không nằm trong danh sách cho phép."),
    "literal_error": gettext_lazy("Giá trị không nằm trong danh sách cho phép."),
    "date_type": gettext_lazy("Ngày không hợp lệ (định dạng YYYY-MM-DD)."),
}

#: What no view is given, whatever the declared type: NUL (PostgreSQL cannot store it),
#: a lone surrogate (no encoding can), and numbers no column or JSON reader represents.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(value: Any, loc: tuple[str | int, ...]) -> Iterator[InvalidParam]:
    """The parts of a validated value (parameters, schemas, their lists and dicts) that
    cannot be stored; ``loc`` names where they are."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _unstorable(getattr(value, name), (*loc, name))
    elif isinstance(value, str):
        if _UNSTORABLE.search(value):
            yield _param(loc, _unstorable_text(value))
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            yield _param(loc, UnsafeText("number_too_large"))
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield _param(loc, UnsafeText("number_not_finite"))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _unstorable(item, (*loc, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _UNSTORABLE.search(key):
                yield _param((*loc, key), _unstorable_text(key))
            yield from _unstorable(item, (*loc, key))


def _unstorable_text(value: str) -> UnsafeText:
    if "\x00" in value:
        return UnsafeText("text_control_character", char="U+0000")
    return UnsafeText("text_invalid_unicode")


def _param(loc: tuple[str | int, ...], exc: UnsafeText) -> InvalidParam:
    return InvalidParam(_loc_name(loc), exc.code, exc.reason)


#: Where django-ninja says a value came from, before the value's own name.
_SOURCES = frozenset({"body", "query", "path", "payload", "header", "form", "file"})


def _loc_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    while parts and parts[0] in _SOURCES:
        parts.pop(0)
    return ".".join(parts) or "body"


def _refuse_unstorable(view: Callable[..., Any]) -> Callable[..., Any]:
    """Every operation, once its parameters are validated and the caller authenticated:
    whatever a parameter's type, a NUL, a lone surrogate, a non-finite number or an
    integer beyond ±(2⁵³−1) is a 422 naming it, never a 500 from the database."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **values: Any) -> Any:
        params = [p for name, value in values.items() for p in _unstorable(value, (name,))]
        if params:
            raise InvalidInput(
                _("Có %(n)d trường không hợp lệ.") % {"n": len(params)}, invalid_params=params
            )
        return view(request, *args, **values)

    return checked


def _invalid_input(request: HttpRequest, params: list[InvalidParam]) -> HttpResponse:
    return problem_response(
        request,
        status=422,
        code="invalid-input",
        title=_("Dữ liệu không hợp lệ"),
        detail=_("Có %(n)d trường không hợp lệ.") % {"n": len(params)},
        invalid_params=params,
    )


api.add_decorator(_refuse_unstorable, mode="operation")


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return from_domain_error(request, exc)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    params = []
    for err in exc.errors:
        code = str(err.get("type", "invalid"))
        reason = _REASONS.get(code)
        params.append(
            InvalidParam(
                _loc_name(tuple(err.get("loc", ()))),
                code,
                reason if reason is not None else err.get("msg", ""),
            )
        )
    return _invalid_input(request, params)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        request,
        status=401,
        code="unauthenticated",
        title=_("Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ"),
        headers={"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(request, status=404, code="not-found", title=_("Không tìm thấy"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, MalformedBody):
        return _invalid_input(
            request, [InvalidParam("body", "json_invalid", _REASONS["json_invalid"])]
        )
    return problem_response(
        request, status=exc.status_code, code=f"http-{exc.status_code}", title=str(exc)
    )


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled API error on %s", request.path)
    return problem_response(
        request,
        status=500,
        code="internal-error",
        title=_("Lỗi hệ thống"),
        detail=_(
            "Yêu cầu chưa được thực hiện; không có dữ liệu nào bị thay đổi. Vui lòng thử lại."
        ),
    )


api.add_router("/", "lienthong.core.api.router")
api.add_router("/", "lienthong.geo.api.router")
api.add_router("/", "lienthong.directory.api.router")
api.add_router("/", "lienthong.accounts.api.router")
api.add_router("/", "lienthong.catalog.api.router")
api.add_router("/", "lienthong.registries.api.router")
api.add_router("/", "lienthong.dossiers.api.router")
api.add_router("/", "lienthong.groups.api.router")
api.add_router("/", "lienthong.feedback.api.router")
api.add_router("/", "lienthong.steering.api.router")


class StatusOut(Schema):
    name: str
    version: str
    ready: bool


@api.get("/status", response=StatusOut, tags=["Hệ thống"], summary="Trạng thái nền tảng")
def status(request: HttpRequest) -> StatusOut:
    """Tên, phiên bản và trạng thái sẵn sàng (CSDL, migrations) của nền tảng."""
    return StatusOut(name="LiênThông", version=__version__, ready=readiness().ready)
