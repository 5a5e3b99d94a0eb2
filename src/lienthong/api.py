"""The JSON API at /api/v1/ (django-ninja): one instance, every app adds a router.

All errors leave as RFC 9457 problem+json (see ``lienthong.core.errors``).
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from lienthong import __version__
from lienthong.core.errors import (
    DomainError,
    InvalidParam,
    from_domain_error,
    problem_response,
)
from lienthong.core.selectors import readiness

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="LiênThông API",
    version="1",
    description=(
        "API liên thông của nền tảng LiênThông. Lỗi trả về theo RFC 9457 "
        "(application/problem+json) với `type` ổn định; ghi (POST) chấp nhận tiêu đề "
        "`Idempotency-Key`."
    ),
    urls_namespace="api-v1",
)

_REASONS = {
    "missing": gettext_lazy("Thiếu trường bắt buộc."),
    "string_too_long": gettext_lazy("Giá trị quá dài."),
    "string_too_short": gettext_lazy("Giá trị quá ngắn."),
    "int_parsing": gettext_lazy("Phải là số nguyên."),
    "date_from_datetime_parsing": gettext_lazy("Ngày không hợp lệ (định dạng YYYY-MM-DD)."),
    "date_parsing": gettext_lazy("Ngày không hợp lệ (định dạng YYYY-MM-DD)."),
    "json_invalid": gettext_lazy("Nội dung JSON không hợp lệ."),
}


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return from_domain_error(request, exc)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    params = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")]
        code = str(err.get("type", "invalid"))
        reason = _REASONS.get(code)
        params.append(
            InvalidParam(
                ".".join(loc) or "body", code, reason if reason is not None else err.get("msg", "")
            )
        )
    return problem_response(
        request,
        status=422,
        code="invalid-input",
        title=_("Dữ liệu không hợp lệ"),
        detail=_("Có %(n)d trường không hợp lệ.") % {"n": len(params)},
        invalid_params=params,
    )


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
api.add_router("/", "lienthong.dossiers.api.router")


class StatusOut(Schema):
    name: str
    version: str
    ready: bool


@api.get("/status", response=StatusOut, tags=["Hệ thống"], summary="Trạng thái nền tảng")
def status(request: HttpRequest) -> StatusOut:
    """Tên, phiên bản và trạng thái sẵn sàng (CSDL, migrations) của nền tảng."""
    return StatusOut(name="LiênThông", version=__version__, ready=readiness().ready)
