"""The API's error answers in its OpenAPI document.

django-ninja documents the answers an endpoint declares (200, 201). Every error leaves as
RFC 9457 problem+json (``lienthong.core.errors``), and :class:`ProblemDocumentedAPI` writes
them into the document without each endpoint repeating them: each operation lists the
statuses it can answer, with the ``Problem`` schema under ``application/problem+json``.

Which statuses an operation can answer follows from what it is:

==========  ==================================================================
status      when
==========  ==================================================================
401, 403    the operation needs credentials (it has ``security``)
404         a path parameter names something, or it is a write with credentials
409         a write with credentials (a state or version conflict)
413         it takes a body (``lienthong.core.limits``)
422         it takes parameters or a body (validation, domain checks)
500         always (the unexpected error, still problem+json)
==========  ==================================================================

plus :data:`EXTRA_STATUSES`, by operation id, for what the table cannot see (a throttle,
a signature). A status the operation declares itself is left as it is.
"""

from __future__ import annotations

from typing import Any, Final

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from lienthong.core.errors import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_PREFIX

__all__ = [
    "EXTRA_STATUSES",
    "PROBLEM_SCHEMA",
    "ProblemDocumentedAPI",
    "add_problem_responses",
    "problem_statuses",
]

_WRITES: Final = frozenset({"post", "put", "patch", "delete"})
_REF: Final = "#/components/schemas/Problem"

#: Statuses an operation answers beyond what its shape shows, by operation id.
EXTRA_STATUSES: Final[dict[str, frozenset[int]]] = {
    # Public tracking is throttled per address and per dossier (dossiers.services.track).
    "lienthong_dossiers_api_track": frozenset({429}),
    # The payment gateway's callback: a bad signature is 401, an unknown dossier 404, a
    # dossier not waiting for payment 409.
    "lienthong_dossiers_api_payment_callback": frozenset({401, 404, 409}),
}

DESCRIPTIONS: Final[dict[int, str]] = {
    400: "Yêu cầu không thực hiện được",
    401: "Chưa đăng nhập, mã truy cập hoặc chữ ký không hợp lệ",
    403: "Không có quyền thực hiện thao tác này",
    404: "Không tìm thấy",
    409: "Xung đột: trạng thái hoặc phiên bản đã thay đổi",
    413: "Dữ liệu gửi lên quá lớn",
    422: "Dữ liệu không hợp lệ (`invalid_params` nêu từng trường)",
    429: "Quá nhiều yêu cầu; thử lại sau",
    500: "Lỗi hệ thống; không có dữ liệu nào bị thay đổi",
}

INVALID_PARAM_SCHEMA: Final[dict[str, Any]] = {
    "title": "InvalidParam",
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "Trường không hợp lệ, ví dụ `files.0.name`"},
        "code": {"type": "string", "description": "Mã lỗi ổn định của trường"},
        "reason": {"type": "string", "description": "Lý do, bằng tiếng Việt"},
    },
    "required": ["name", "code", "reason"],
}

PROBLEM_SCHEMA: Final[dict[str, Any]] = {
    "title": "Problem",
    "description": "Lỗi theo RFC 9457 (application/problem+json).",
    "type": "object",
    "properties": {
        "type": {
            "type": "string",
            "description": f"URN ổn định của loại lỗi: `{PROBLEM_TYPE_PREFIX}<code>`",
        },
        "code": {"type": "string", "description": "Mã lỗi ổn định"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {
            "type": "string",
            "description": "Mã của lần lỗi này (`urn:uuid:…`), cũng ghi trong nhật ký",
        },
        "invalid_params": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/InvalidParam"},
        },
    },
    "required": ["type", "code", "title", "status", "detail", "instance"],
}


def problem_statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses ``operation`` (``method`` on ``path``) can answer."""
    statuses = {500}
    secured = bool(operation.get("security"))
    has_body = "requestBody" in operation
    if operation.get("parameters") or has_body:
        statuses.add(422)
    if has_body:
        statuses.add(413)
    if secured:
        statuses |= {401, 403}
    if "{" in path or (secured and method in _WRITES):
        statuses.add(404)
    if secured and method in _WRITES:
        statuses.add(409)
    return statuses | EXTRA_STATUSES.get(str(operation.get("operationId", "")), frozenset())


def add_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with the Problem schemas and every operation's problem answers."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Problem", PROBLEM_SCHEMA)
    components.setdefault("InvalidParam", INVALID_PARAM_SCHEMA)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]  # django-ninja's keys are ints
            declared = {str(status) for status in responses}
            for status in problem_statuses(path, method, operation):
                if str(status) not in declared:
                    responses[status] = {
                        "description": DESCRIPTIONS[status],
                        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": _REF}}},
                    }
            operation["responses"] = dict(sorted(responses.items(), key=lambda r: str(r[0])))
    return schema


class ProblemDocumentedAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document lists every operation's problem answers."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        add_problem_responses(schema)
        return schema
