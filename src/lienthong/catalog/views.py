"""Citizen pages (find a procedure, read what to prepare) and back-office pages
(edit drafts, publish, import and export the catalogue)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import can
from lienthong.catalog import files, searchlog, selectors, services
from lienthong.catalog.constants import (
    DEPARTMENTS,
    LIFE_EVENTS,
    REGISTRIES,
    Level,
    ServiceLevel,
    TermKind,
)
from lienthong.catalog.forms import TermForm
from lienthong.catalog.services import TermData
from lienthong.core.errors import DomainError, InvalidInput, NotFound

if TYPE_CHECKING:
    from lienthong.accounts.auth import AuthenticatedRequest
    from lienthong.core.views import HtmxHttpRequest

PAGE_SIZE = 25


class _Filters(TypedDict):
    field: str | None
    level: str | None
    life_event: str | None
    service_level: str | None


def _filters(request: HttpRequest) -> _Filters:
    return {
        "field": request.GET.get("linh-vuc") or None,
        "level": request.GET.get("cap") or None,
        "life_event": request.GET.get("su-kien") or None,
        "service_level": request.GET.get("muc-do") or None,
    }


def index(request: HtmxHttpRequest) -> HttpResponse:
    """Browse by life event and field; search as you type (HTMX swaps the results)."""
    q = request.GET.get("q", "").strip()
    filters = _filters(request)
    results = selectors.find_procedures(q, **filters)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("trang"))
    advice = results.advice if q and page.number == 1 else selectors.Advice()
    context = {
        "q": q,
        "advice": advice,
        "desk": _my_desk(request) if advice.dead_end else None,
        "hotline": settings.PUBLIC_SERVICE_HOTLINE,
        "filters": filters,
        "page": page,
        "total": len(results),
        "facets": selectors.facets(),
        "levels": Level.choices,
        "service_levels": ServiceLevel.choices,
        "life_event_label": LIFE_EVENTS.get(filters["life_event"] or "", ""),
        "query_string": _without_page(request),
    }
    if request.htmx and not request.htmx.boosted:
        response = render(request, "catalog/partials/results.html", context)
    else:
        response = render(request, "catalog/index.html", context)
    if q and not request.GET.get("trang"):
        searchlog.searched(request, response, q=q, channel="portal", found=results)
    return response


#: The cookie that remembers the commune a visitor asked about (its code), so that the next
#: search that finds nothing says at once where to ask.
MY_COMMUNE = "xa-cua-toi"


def _my_desk(request: HttpRequest) -> selectors.HelpDesk | None:
    code = request.COOKIES.get(MY_COMMUNE, "")
    if not code.isdigit():
        return None
    desk = selectors.help_desk(commune_code=code)
    return desk if desk.commune_code else None


def help_desk(request: HtmxHttpRequest) -> HttpResponse:
    """Where to ask in person: the service centre of the commune an address is in (old or
    new names), with its phone from the directory."""
    address = request.GET.get("dia-chi", "").strip()[:300]
    desk = selectors.help_desk(address=address, commune_code=request.GET.get("xa", "").strip()[:20])
    context = {"desk": desk, "address": address, "hotline": settings.PUBLIC_SERVICE_HOTLINE}
    template = (
        "catalog/partials/help_desk.html"
        if request.htmx and not request.htmx.boosted
        else "catalog/help_desk.html"
    )
    response = render(request, template, context)
    if desk.commune_code:
        response.set_cookie(
            MY_COMMUNE,
            desk.commune_code,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("trang", None)
    return params.urlencode()


def detail(request: HttpRequest, code: str) -> HttpResponse:
    """What to prepare, what is filled from data, how long, how much, where."""
    try:
        version = selectors.get_procedure(code)
    except NotFound as exc:
        raise Http404 from exc
    searchlog.opened(request, version.procedure.code)
    components = list(version.components.all())
    return render(
        request,
        "catalog/detail.html",
        {
            "v": version,
            "to_prepare": [c for c in components if not c.data_registry],
            "from_data": [
                (c, REGISTRIES.get(c.data_registry, c.data_registry))
                for c in components
                if c.data_registry
            ],
            "groups": selectors.groups_of(version),
            "department_name": DEPARTMENTS.get(version.department, ""),
            "life_events": [(e, LIFE_EVENTS.get(e, e)) for e in version.life_events],
            "total_fee": sum(f["amount"] or 0 for f in version.fees),
            "fee_by_rule": any(f["amount"] is None for f in version.fees),
        },
    )


def group(request: HttpRequest, code: str) -> HttpResponse:
    try:
        g = selectors.get_group(code)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "catalog/group.html", {"g": g})


# ------------------------------------------------------------------ back office


def _admin_only(request: HttpRequest) -> None:
    if not can(request.user, Perm.CATALOG_PUBLISH):
        raise Http404


@login_required
def manage(request: AuthenticatedRequest) -> HttpResponse:
    _admin_only(request)
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.versions_for_admin(q), 50).get_page(request.GET.get("trang"))
    return render(request, "catalog/manage.html", {"page": page, "q": q})


@login_required
def edit(request: AuthenticatedRequest, code: str | None = None) -> HttpResponse:
    """Edit the draft (created from the published version when there is none)."""
    _admin_only(request)
    source = None
    if code:
        source = selectors.draft_of(code)
        if source is None:
            try:
                source = selectors.get_procedure(code)
            except NotFound as exc:
                raise Http404 from exc
    cells = files.cells_of(source) if source else {}
    errors: dict[str, str] = {}
    preview = None
    if request.method == "POST":
        cells = {k: request.POST.get(k, "") for k, _h in files.COLUMNS}
    if request.method == "POST" and request.POST.get("action") == "xem-truoc":
        # The electronic form drawn as the applicant will see it; nothing is saved.
        preview, problem = selectors.form_preview(cells.get("form", ""))
        if problem:
            errors["form"] = problem
    elif request.method == "POST":
        try:
            draft = services.save_draft(actor=request.user, data=files.row_to_record(cells))
        except InvalidInput as exc:
            errors = {p.name.split("[")[0]: str(p.reason) for p in exc.invalid_params}
        else:
            messages.success(request, _("Đã lưu dự thảo phiên bản %(n)d.") % {"n": draft.number})
            return redirect("catalog:manage-procedure", code=draft.procedure.code)
    return render(
        request,
        "catalog/edit.html",
        {
            "code": code,
            "columns": [(k, h, cells.get(k, ""), errors.get(k, "")) for k, h in files.COLUMNS],
            "errors": errors,
            "eform": preview,
        },
        status=422 if errors else 200,
    )


@login_required
def manage_procedure(request: AuthenticatedRequest, code: str) -> HttpResponse:
    _admin_only(request)
    procedure = selectors.versions_for_admin().filter(code=code).first()
    if procedure is None:
        raise Http404
    return render(
        request,
        "catalog/manage_procedure.html",
        {"procedure": procedure, "draft": selectors.draft_of(code), "today": timezone.localdate()},
    )


@login_required
@require_POST
def publish(request: AuthenticatedRequest, code: str) -> HttpResponse:
    _admin_only(request)
    try:
        effective = dt.date.fromisoformat(request.POST.get("effective_date") or "")
    except ValueError:
        effective = None
    try:
        version = services.publish(
            actor=request.user,
            code=code,
            decision_number=request.POST.get("decision_number", ""),
            effective_date=effective,
        )
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(
            request,
            _("Đã công bố phiên bản %(n)d của thủ tục %(code)s.")
            % {"n": version.number, "code": code},
        )
    return redirect("catalog:manage-procedure", code=code)


@login_required
def import_file(request: AuthenticatedRequest) -> HttpResponse:
    """Upload a CSV/XLSX in the catalogue layout; bad rows are listed, the rest saved."""
    _admin_only(request)
    report = None
    upload = request.FILES.get("file") if request.method == "POST" else None
    if upload and upload.file is not None:  # an upload always has its file and name
        decision = request.POST.get("decision_number", "").strip()
        report = services.import_rows(
            actor=request.user,
            rows=files.read_rows(upload.file, upload.name or ""),
            publish_decision=decision,
        )
    elif request.method == "POST":
        messages.error(request, _("Chọn tệp CSV hoặc XLSX để nhập."))
    return render(
        request,
        "catalog/import.html",
        {"report": report, "columns": files.COLUMNS},
        status=200 if report is None or not report.errors else 207 if report.saved else 422,
    )


@login_required
def export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    _admin_only(request)
    versions = selectors.published_versions()
    return _download(
        fmt,
        "danh-muc-thu-tuc",
        lambda out: files.write_xlsx(versions, out),
        lambda out: files.write_csv(versions, out),
    )


def _download(
    fmt: str,
    name: str,
    write_xlsx: Callable[[IO[bytes]], None],
    write_csv: Callable[[IO[str]], None],
) -> HttpResponse:
    """An Excel or CSV (UTF-8 with BOM, as Excel opens it) file to download, dated."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        out = io.BytesIO()
        write_xlsx(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "csv":
        text = io.StringIO()
        write_csv(text)
        response = HttpResponse(
            ("\ufeff" + text.getvalue()).encode(), content_type="text/csv; charset=utf-8"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response


# -- the search lexicon ------------------------------------------------------------------
def _term_errors(form: TermForm, exc: InvalidInput) -> None:
    for p in exc.invalid_params:
        form.add_error(p.name if p.name in form.fields else None, str(p.reason))


@login_required
def lexicon(request: AuthenticatedRequest) -> HttpResponse:
    """The search lexicon: find, add (the catalogue team's words for citizens' words)."""
    _admin_only(request)
    q = request.GET.get("q", "").strip()
    form = TermForm(request.POST or None, initial={"phrase": request.GET.get("them", "")})
    if request.method == "POST" and form.is_valid():
        try:
            term = services.save_term(actor=request.user, data=TermData(**form.cleaned_data))
        except InvalidInput as exc:
            _term_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm «%(phrase)s».") % {"phrase": term.phrase})
            return redirect("catalog:lexicon")
    page = Paginator(selectors.search_terms(q), 50).get_page(request.GET.get("trang"))
    return render(
        request,
        "catalog/lexicon.html",
        {"page": page, "q": q, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def lexicon_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    term = selectors.search_terms().filter(pk=pk).first()
    if term is None:
        raise Http404
    form = TermForm(
        request.POST or None,
        initial={
            "phrase": term.phrase,
            "means": term.means,
            "kind": term.kind,
            "source": term.source,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_term(
                actor=request.user, data=TermData(**form.cleaned_data), term_id=term.pk
            )
        except InvalidInput as exc:
            _term_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu mục từ điển."))
            return redirect("catalog:lexicon")
    return render(
        request,
        "catalog/lexicon_edit.html",
        {"term": term, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def lexicon_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    try:
        services.delete_term(actor=request.user, term_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, _("Đã xóa mục từ điển."))
    return redirect("catalog:lexicon")


@login_required
def lexicon_import(request: AuthenticatedRequest) -> HttpResponse:
    """Upload a CSV/XLSX of entries: bad rows are listed, the rest saved."""
    _admin_only(request)
    report = None
    upload = request.FILES.get("file") if request.method == "POST" else None
    if upload and upload.file is not None:
        report = services.import_terms(
            actor=request.user, rows=files.read_term_rows(upload.file, upload.name or "")
        )
    elif request.method == "POST":
        messages.error(request, _("Chọn tệp CSV hoặc XLSX để nhập."))
    saved = sum(report.counts[k] for k in ("created", "updated")) if report else 0
    return render(
        request,
        "catalog/lexicon_import.html",
        {"report": report, "columns": files.TERM_COLUMNS, "kinds": TermKind.choices},
        status=200 if report is None or not report.errors else 207 if saved else 422,
    )


@login_required
def lexicon_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    _admin_only(request)
    terms = selectors.search_terms()
    return _download(
        fmt,
        "tu-dien-tim-kiem",
        lambda out: files.write_terms_xlsx(terms, out),
        lambda out: files.write_terms_csv(terms, out),
    )


@login_required
def search_report(request: AuthenticatedRequest) -> HttpResponse:
    """What citizens searched: zero-result and abandoned queries, commonest first, each
    with one click to add a lexicon entry."""
    _admin_only(request)
    return render(
        request, "catalog/search_report.html", {"report": selectors.search_report(_days(request))}
    )


def _days(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("ngay", "30")), 1), 365)
    except ValueError:
        return 30


@login_required
def search_report_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """The same report as a spreadsheet, to file or share (no limit on its rows)."""
    _admin_only(request)
    report = selectors.search_report(_days(request), limit=10_000)
    return _download(
        fmt,
        f"nguoi-dan-tim-gi-{report.days}-ngay",
        lambda out: files.write_search_report_xlsx(report, out),
        lambda out: files.write_search_report_csv(report, out),
    )
