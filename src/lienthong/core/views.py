"""Probes for the process manager and the load balancer; the request type of HTMX views."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_htmx.middleware import HtmxDetails

from lienthong.core.errors import problem_response
from lienthong.core.selectors import readiness

__all__ = ["HtmxHttpRequest", "healthz", "readyz"]


class HtmxHttpRequest(HttpRequest):
    """A request as ``HtmxMiddleware`` hands it to a view, with ``request.htmx`` (for
    annotations; Django builds plain ``HttpRequest`` objects)."""

    htmx: HtmxDetails


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up (no dependency checked)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The process can serve: database reachable and migrations applied."""
    state = readiness()
    if not state.ready:
        return problem_response(
            request,
            status=503,
            code="not-ready",
            title=_("Hệ thống chưa sẵn sàng"),
            detail=_("Cơ sở dữ liệu: %(db)s; di chuyển dữ liệu (migrations): %(mig)s. %(detail)s")
            % {"db": state.database, "mig": state.migrations, "detail": state.detail},
        )
    return JsonResponse({"status": "ready", "database": "ok", "migrations": "ok"})
