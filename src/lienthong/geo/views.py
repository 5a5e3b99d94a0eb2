"""Web pages: the unit browser, single-address conversion, spreadsheet conversion."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lienthong.core.errors import InvalidInput, NotFound, PermissionDenied
from lienthong.geo import selectors, services
from lienthong.geo.constants import LEGACY_END, Level
from lienthong.geo.models import JobStatus

if TYPE_CHECKING:
    from lienthong.core.views import HtmxHttpRequest

RESULTS_LIMIT = 50


def _as_of(request: HttpRequest) -> dt.date | None:
    return LEGACY_END if request.GET.get("ban_do") == "cu" else None


def browse(request: HtmxHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    level = request.GET.get("cap") or ""
    results = _search(request, q, level)
    context = {
        "q": q,
        "level": level,
        "map": request.GET.get("ban_do", "moi"),
        "levels": Level.choices,
        "results": results,
        "former": _former(request, q, level) if results == [] else None,
        "version": selectors.data_version(),
    }
    template = "geo/partials/found.html" if request.htmx else "geo/browse.html"
    return render(request, template, context)


def _search(request: HttpRequest, q: str, level: str) -> list[object] | None:
    if not q:
        return None
    qs = selectors.search_units(q=q, level=level or None, as_of=_as_of(request))
    return list(qs[:RESULTS_LIMIT])


def _former(request: HttpRequest, q: str, level: str) -> list[object] | None:
    """No unit of the new map has this name: the old units that had it, with what they
    became (a citizen who types the name of a merged commune learns its new one)."""
    if _as_of(request) is not None:  # already searching the old map
        return None
    return list(selectors.search_former_units(q=q, level=level or None)[:RESULTS_LIMIT])


def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    level = request.GET.get("cap") or None
    try:
        detail = selectors.get_unit(code, as_of=_as_of(request), level=level)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return render(request, "geo/unit.html", {"d": detail, "legacy_end": LEGACY_END})


@require_POST
def convert_one(request: HttpRequest) -> HttpResponse:
    text = request.POST.get("address", "")[:500]
    result = selectors.convert_address(text) if text.strip() else None
    return render(request, "geo/partials/conversion.html", {"r": result, "text": text})


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    error, status = "", 200
    if request.method == "POST":
        file = request.FILES.get("file")
        if file is None:
            error, status = "Hãy chọn một tệp .csv hoặc .xlsx.", 422
        else:
            try:
                job = services.start_conversion(
                    actor=request.user, upload=file, column=request.POST.get("column", "")
                )
            except (InvalidInput, PermissionDenied) as exc:
                error, status = str(exc.detail), exc.status
            else:
                return redirect("geo:job", job_uuid=job.uuid)
    return render(
        request,
        "geo/upload.html",
        {"jobs": selectors.jobs_of(request.user)[:20], "error": error},
        status=status,
    )


@login_required
def job(request: HtmxHttpRequest, job_uuid: str) -> HttpResponse:
    try:
        j = selectors.get_job_for(request.user, job_uuid)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    template = "geo/partials/job_status.html" if request.htmx else "geo/job.html"
    return render(request, template, {"job": j, "JobStatus": JobStatus})


@login_required
def job_download(request: HttpRequest, job_uuid: str) -> FileResponse:
    try:
        j = selectors.get_job_for(request.user, job_uuid)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if j.status != JobStatus.DONE or not j.output_file:
        raise Http404("Kết quả chưa sẵn sàng.")
    name = (j.output_file.name or "").rsplit("/", 1)[-1]
    return FileResponse(j.output_file.open("rb"), as_attachment=True, filename=name)
