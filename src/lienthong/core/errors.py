"""Domain errors and their RFC 9457 problem+json form.

Services raise the exceptions below (never HTTP ones). The API, the web views
and the error handlers turn them into one shape: ``type`` (stable URN built from
``code``), ``title`` and ``detail`` in Vietnamese, ``status``, ``instance`` (an id
also written to the log) and ``invalid_params`` ``[{name, code, reason}]``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from django.http import HttpRequest, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "Conflict",
    "DomainError",
    "IllegalTransition",
    "InvalidInput",
    "InvalidParam",
    "NotFound",
    "PermissionDenied",
    "TooManyAttempts",
    "Unauthenticated",
    "printable",
    "problem_response",
    "problem_type",
]

logger = logging.getLogger("lienthong.errors")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:lienthong:problem:"


def problem_type(code: str) -> str:
    return f"{PROBLEM_TYPE_PREFIX}{code}"


@dataclass(frozen=True)
class InvalidParam:
    name: str
    code: str
    reason: str | Promise

    def as_dict(self) -> dict[str, str]:
        return {
            "name": printable(self.name),
            "code": printable(self.code),
            "reason": printable(str(self.reason)),
        }


def printable(text: str) -> str:
    """``text`` with what cannot be shown or encoded (controls, lone surrogates,
    bidirectional and other format characters) written as escapes (``\\u202e``): a
    problem may name what was sent, never carry it back."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    title: ClassVar[str | Promise] = _("Yêu cầu không thực hiện được")

    def __init__(
        self,
        detail: str | Promise | None = None,
        *,
        invalid_params: list[InvalidParam] | None = None,
        code: str | None = None,
    ) -> None:
        self.detail = detail or self.title
        self.invalid_params = invalid_params or []
        if code:
            self.code = code  # type: ignore[misc]  # a narrower, stable code for this case
        super().__init__(str(self.detail))


class InvalidInput(DomainError):
    code = "invalid-input"
    status = 422
    title = _("Dữ liệu không hợp lệ")


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401
    title = _("Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ")


class PermissionDenied(DomainError):
    code = "permission-denied"
    status = 403
    title = _("Không có quyền thực hiện thao tác này")


class NotFound(DomainError):
    code = "not-found"
    status = 404
    title = _("Không tìm thấy")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = _("Dữ liệu đã bị thay đổi bởi thao tác khác")


class TooManyAttempts(DomainError):
    """Too many attempts from one address or on one object; ``retry_after`` seconds."""

    code = "too-many-attempts"
    status = 429
    title = _("Quá nhiều lần thử")

    def __init__(self, detail: str | Promise | None = None, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class IllegalTransition(Conflict):
    code = "illegal-transition"
    title = _("Thao tác không hợp lệ ở trạng thái hiện tại")


def problem_response(
    request: HttpRequest | None,
    *,
    status: int,
    code: str,
    title: str | Promise,
    detail: str | Promise | None = None,
    invalid_params: list[InvalidParam] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """Build the one problem+json response every API error uses."""
    instance = f"urn:uuid:{uuid.uuid4()}"
    body: dict[str, Any] = {
        "type": problem_type(code),
        "code": code,
        "title": printable(str(title)),
        "status": status,
        "detail": printable(str(detail if detail is not None else title)),
        "instance": instance,
    }
    if invalid_params:
        body["invalid_params"] = [p.as_dict() for p in invalid_params]
    path = request.path if request is not None else ""
    log = logger.error if status >= 500 else logger.info
    log("problem %s %s status=%s path=%s", instance, code, status, path)
    response = JsonResponse(
        body,
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def from_domain_error(request: HttpRequest | None, exc: DomainError) -> JsonResponse:
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        invalid_params=exc.invalid_params,
        headers=getattr(exc, "headers", None),
    )
