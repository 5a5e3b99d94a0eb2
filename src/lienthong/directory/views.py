"""Web pages: the searchable agency directory and one agency's page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from lienthong.core.errors import NotFound
from lienthong.directory import selectors
from lienthong.directory.constants import AgencyKind, Block
from lienthong.geo.constants import Level
from lienthong.geo.selectors import current_units
from lienthong.geo.text import fold

if TYPE_CHECKING:
    from lienthong.core.views import HtmxHttpRequest

PAGE_SIZE = 50


def _choice(value: str, allowed: list[str]) -> str:
    return value if value in allowed else ""


def directory(request: HtmxHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    province = request.GET.get("tinh", "").strip()[:5]
    block = _choice(request.GET.get("khoi", ""), Block.values)
    kind = _choice(request.GET.get("loai", ""), AgencyKind.values)
    agencies = selectors.search_agencies(
        q=q or None, province=province or None, block=block or None, kind=kind or None
    )
    page = Paginator(agencies, PAGE_SIZE).get_page(request.GET.get("trang"))
    context = {
        "q": q,
        "province": province,
        "chosen_block": block,  # not "block": templates reserve it for {{ block.super }}
        "kind": kind,
        "page": page,
        "filtered": bool(q or province or block or kind),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "directory/partials/results.html", context)
    provinces = sorted(current_units(Level.PROVINCE), key=lambda p: fold(p.short_name))
    context |= {"provinces": provinces, "blocks": Block.choices, "kinds": AgencyKind.choices}
    return render(request, "directory/directory.html", context)


def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        agency = selectors.get_agency(code)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    is_centre = agency.kind == AgencyKind.SERVICE_CENTRE
    context = {
        "agency": agency,
        "province": selectors.province_of(agency),
        "children": list(selectors.children_of(agency)),
        "counters": list(selectors.counters_of(agency)) if is_centre else [],
        "is_centre": is_centre,
    }
    return render(request, "directory/agency.html", context)
