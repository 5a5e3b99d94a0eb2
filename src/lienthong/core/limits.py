"""The size of a request body, refused before anything reads it.

Django keeps a JSON or form body in memory up to ``DATA_UPLOAD_MAX_MEMORY_SIZE``
(sized here for the API's largest document: one 10 MB file in base64) and streams the
files of a multipart form to temporary files on disk beyond
``FILE_UPLOAD_MAX_MEMORY_SIZE``; but nothing bounds a multipart body as a whole.
This middleware answers 413 — problem+json under /api/, a page elsewhere — to a body
announced larger than its limit, before anything reads it (the API gave a 500 for a
JSON body over Django's limit). A WSGI body is read up to its Content-Length only, so
the announced length is the one to check.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from lienthong.core.errors import problem_response

__all__ = ["BodySizeLimit", "body_limit"]


def body_limit(request: HttpRequest) -> int:
    """Bytes a body of this request may have."""
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        return int(settings.MAX_MULTIPART_BODY_BYTES)
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    mb = limit // (1024 * 1024)
    detail = _("Dữ liệu gửi lên lớn hơn %(mb)s MB.") % {"mb": mb}
    if request.path.startswith("/open311/"):  # Open311 clients read its error list
        return JsonResponse([{"code": 413, "description": detail}], safe=False, status=413)
    if request.path.startswith("/api/"):
        return problem_response(
            request,
            status=413,
            code="body-too-large",
            title=_("Dữ liệu gửi lên quá lớn"),
            detail=detail,
        )
    return render(request, "413.html", {"detail": detail}, status=413)


class BodySizeLimit:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        try:
            announced = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            announced = 0  # Django reads such a body as empty
        if announced > limit:
            return too_large(request, limit)
        return self.get_response(request)
