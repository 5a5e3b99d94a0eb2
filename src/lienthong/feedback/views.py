"""Pages of feedback: the public answers, sending a report, the author's list and
report page with its steps, the officials' queues and counter intake, the Front's
supervision of its area. Thin: services write, selectors read."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import agencies_with
from lienthong.accounts.selectors import user_by_pin
from lienthong.core.errors import DomainError, NotFound
from lienthong.directory import selectors as directory
from lienthong.dossiers import selectors as dossiers
from lienthong.feedback import selectors, services
from lienthong.feedback.constants import Category, Channel
from lienthong.feedback.table import TABLE
from lienthong.geo import selectors as geo
from lienthong.geo.maps import located, vietnam_map

if TYPE_CHECKING:
    from lienthong.accounts.auth import AuthenticatedRequest
    from lienthong.feedback.models import Report

PAGE_SIZE: Final = 20
#: The categories a person chooses from (a supervision case is the Front's).
PUBLIC_CATEGORIES: Final = [c for c in Category if c != Category.SUPERVISION]


def _forbidden(request: HttpRequest, detail: str) -> HttpResponse:
    return render(request, "403.html", {"detail": detail}, status=403)


def _uploads(request: HttpRequest) -> list[services.Upload]:
    return [services.Upload(_("Ảnh, tài liệu"), f) for f in request.FILES.getlist("files")]


def _posted(request: HttpRequest, names: tuple[str, ...]) -> dict[str, str]:
    return {k: request.POST.get(k, "").strip() for k in names}


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("trang", "1")
    return max(1, min(int(raw), 500)) if raw.isdigit() else 1


def public_list(request: HttpRequest) -> HttpResponse:
    """The published answers: search in everyday words, by commune and category."""
    q = request.GET.get("q", "").strip()[:200]
    commune = request.GET.get("xa", "").strip()[:5]
    category = request.GET.get("linh-vuc", "").strip()[:20]
    page = _page(request)
    rows = selectors.public_page(
        q=q,
        commune=commune,
        category=category,
        start=(page - 1) * PAGE_SIZE,
        stop=page * PAGE_SIZE + 1,  # one more: is there a next page
    )
    return render(
        request,
        "feedback/public_list.html",
        {
            "reports": rows[:PAGE_SIZE],
            "map": vietnam_map(
                located(r.latitude, r.longitude, r.code, r.public_title) for r in rows[:PAGE_SIZE]
            ),
            "more": len(rows) > PAGE_SIZE,
            "page": page,
            "q": q,
            "commune": commune,
            "commune_name": geo.unit_labels([commune]).get(commune, "") if commune else "",
            "category": category,
            "categories": PUBLIC_CATEGORIES,
        },
    )


def _error_text(exc: DomainError) -> str:
    reasons = "; ".join(str(p.reason) for p in exc.invalid_params)
    return f"{exc.detail} {reasons}".strip() if reasons else str(exc.detail)


@login_required
def send(request: AuthenticatedRequest) -> HttpResponse:
    """Send a report: what about (a dossier of one's own, a procedure, a place), where,
    what happened, files and photos; anonymous or private if the author wishes."""
    provinces = geo.search_units(level="province")
    province = request.GET.get("tinh") or request.POST.get("tinh") or ""
    communes = geo.search_units(level="commune", parent=province) if province else []
    own_dossiers = dossiers.dossiers_visible_to(request.user).filter(applicant=request.user)[:50]
    idem = request.POST.get("idem") or secrets.token_hex(8)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "category": request.GET.get("linh-vuc", ""),
        "dossier": request.GET.get("ho-so", ""),
    }
    if request.method == "POST":
        values = _posted(request, _SEND_FIELDS)
        try:
            report = services.submit(
                actor=request.user,
                category=values["category"] or (Category.PROCEDURE if values["dossier"] else ""),
                title=values["title"],
                text=values["text"],
                commune_code=values["xa"],
                dossier_code=values["dossier"],
                anonymous=request.POST.get("anonymous") == "1",
                private=request.POST.get("private") == "1",
                contact_phone=values["phone"],
                latitude=values["lat"] or None,
                longitude=values["lon"] or None,
                address=values["address"],
                uploads=_uploads(request),
                idempotency_key=idem,
            )
        except DomainError as exc:
            errors = {p.name.split("[")[0]: str(p.reason) for p in exc.invalid_params}
            if not errors:
                errors["form"] = str(exc.detail)
            idem = secrets.token_hex(8)
        else:
            messages.success(
                request,
                _("Đã gửi phản ánh %(code)s. Cơ quan xem xét tiếp nhận trong 2 ngày làm việc.")
                % {"code": report.code},
            )
            return redirect("feedback:detail", code=report.code)
    return render(
        request,
        "feedback/send.html",
        {
            "provinces": provinces,
            "province": province,
            "communes": communes,
            "categories": PUBLIC_CATEGORIES,
            "own_dossiers": own_dossiers,
            "values": values,
            "errors": errors,
            "idem": idem,
        },
        status=422 if errors else 200,
    )


_SEND_FIELDS: Final = (
    "category",
    "title",
    "text",
    "xa",
    "dossier",
    "phone",
    "lat",
    "lon",
    "address",
)


@login_required
def mine(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "feedback/mine.html", {"reports": selectors.mine(request.user)[:200]})


def detail(request: HttpRequest, code: str) -> HttpResponse:
    """The report for whoever may read it (author, officials, the Front); the public
    page of a published answer for anyone else."""
    try:
        report = selectors.get_report_for(request.user, code)
    except NotFound:
        try:
            report = selectors.get_public_report(code)
        except NotFound as exc:
            raise Http404 from exc
        return render(
            request,
            "feedback/public_detail.html",
            {"r": report, "also": selectors.merged_count(report)},
        )
    return render(request, "feedback/detail.html", _context(request, report))


def _context(request: HttpRequest, report: Report) -> dict[str, Any]:
    user = request.user
    is_author = user.pk is not None and user.pk == report.author_id
    steps = selectors.steps_for(user, report)
    handlers = []
    if any("assignee" in s.inputs for s in steps):
        handlers = selectors.handlers_of(report.handling_agency)
    q = request.GET.get("q", "")[:100]  # the agency search without JavaScript
    transfer = any(s.action == "transfer" for s in steps)
    return {
        "r": report,
        "transfer_targets": selectors.transfer_targets(report, q) if transfer else [],
        "searched": bool(q.strip()) and transfer,
        "is_author": is_author,
        # The author's identity to officials only when not anonymous.
        "show_author": is_author or not report.anonymous,
        "steps": steps,
        "handlers": handlers,
        "history": selectors.history(report),
        "files": report.files.all(),
        "state": TABLE.label(report.status),
    }


def _inputs(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    inputs: dict[str, Any] = {}
    for name in ("note", "answer", "public_text", "into", "comment"):
        if name in post:
            inputs[name] = post[name]
    if "to_agency" in post:  # chosen in the agency search
        inputs["agency"] = post["to_agency"]
    if "assignee" in post:
        # An unknown number is refused as a non-handler, as a known one would be: nobody
        # learns from the answer which numbers have accounts.
        inputs["assignee"] = user_by_pin(post["assignee"]) or AnonymousUser()
    if post.get("score", "").isdigit():
        inputs["score"] = int(post["score"])
    files = request.FILES.getlist("files")
    if files:
        inputs["files"] = [services.Upload(_("Bổ sung"), f) for f in files]
    return inputs


@login_required
@require_POST
def act(request: AuthenticatedRequest, code: str, action: str) -> HttpResponse:
    expected = request.POST.get("version", "")
    try:
        report = services.act(
            actor=request.user,
            code=code,
            action=action,
            expected_version=int(expected) if expected.isdigit() else None,
            **_inputs(request),
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return redirect("feedback:detail", code=code)
    step = TABLE.step(action)
    messages.success(request, _("Đã thực hiện: %(a)s.") % {"a": step.label if step else action})
    if not selectors.may_read(request.user, report):  # transferred to another agency
        return redirect("feedback:queue")
    return redirect("feedback:detail", code=code)


@login_required
def transfer_targets(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The agencies matching what the official types (HTMX), for a transfer."""
    try:
        report = selectors.get_report_for(request.user, code)
    except NotFound as exc:
        raise Http404 from exc
    if not any(s.action == "transfer" for s in selectors.steps_for(request.user, report)):
        raise Http404  # only for whoever may transfer it now
    q = request.GET.get("q", "")[:100]
    return render(
        request,
        "dossiers/partials/agency_choices.html",
        {"agencies": selectors.transfer_targets(report, q), "searched": bool(q.strip())},
    )


@login_required
def file(request: AuthenticatedRequest, code: str, file_id: int) -> FileResponse:
    try:
        report = selectors.get_report_for(request.user, code)
    except NotFound as exc:
        raise Http404 from exc
    row = report.files.filter(pk=file_id).first()
    if row is None:
        raise Http404
    return FileResponse(
        row.file.open("rb"),
        as_attachment=row.content_type == "application/pdf",
        filename=row.original_name or f"tep-{row.pk}",
        content_type=row.content_type,
    )


@login_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    """The officials' tabs; a tab shows the reports of the agencies where they hold its
    permission."""
    tabs = [t for t in selectors.QUEUES if agencies_with(request.user, t.perm)]
    if not tabs and not request.user.is_superuser:
        return _forbidden(request, _("Trang dành cho cán bộ xử lý phản ánh."))
    key = request.GET.get("hang", "") or (tabs[0].key if tabs else "tiep-nhan")
    page = _page(request)
    rows = list(selectors.queue(request.user, key)[(page - 1) * 50 : page * 50 + 1])
    return render(
        request,
        "feedback/queue.html",
        {
            "tabs": tabs,
            "key": key,
            "reports": rows[:50],
            "more": len(rows) > 50,
            "page": page,
            "takes_reports": bool(agencies_with(request.user, Perm.FEEDBACK_RECEIVE)),
        },
    )


@login_required
def counter(request: AuthenticatedRequest) -> HttpResponse:
    """A clerk types a report told at the counter (the person's account by their
    identification number if they have one; else their contact)."""
    if not agencies_with(request.user, Perm.FEEDBACK_RECEIVE):
        return _forbidden(request, _("Trang dành cho cán bộ tiếp nhận."))
    communes = selectors.communes_of_posts(request.user)
    errors: dict[str, str] = {}
    values = _posted(request, ("category", "title", "text", "xa", "pin", "name", "phone"))
    idem = request.POST.get("idem") or secrets.token_hex(8)
    if request.method == "POST":
        author = user_by_pin(values["pin"]) if values["pin"] else None
        try:
            report = services.submit(
                actor=request.user,
                author=author,
                channel=Channel.COUNTER,
                category=values["category"],
                title=values["title"],
                text=values["text"],
                commune_code=values["xa"],
                contact_name=values["name"],
                contact_phone=values["phone"],
                uploads=_uploads(request),
            )
        except DomainError as exc:
            errors = {p.name.split("[")[0]: str(p.reason) for p in exc.invalid_params}
            if not errors:
                errors["form"] = str(exc.detail)
        else:
            messages.success(request, _("Đã ghi phản ánh %(code)s.") % {"code": report.code})
            return redirect("feedback:detail", code=report.code)
    return render(
        request,
        "feedback/counter.html",
        {
            "communes": communes,
            "categories": PUBLIC_CATEGORIES,
            "values": values,
            "errors": errors,
            "idem": idem,
        },
        status=422 if errors else 200,
    )


@login_required
def supervision(request: AuthenticatedRequest) -> HttpResponse:
    """The Front's view of its area: how many reports, how many late, how satisfied;
    the reports; a supervision case addressed to an agency."""
    fronts = list(directory.agencies_by_ids(agencies_with(request.user, Perm.FEEDBACK_SUPERVISE)))
    if not fronts and not request.user.is_superuser:
        return render(
            request,
            "403.html",
            {"detail": _("Trang dành cho Ủy ban Mặt trận Tổ quốc.")},
            status=403,
        )
    errors: dict[str, str] = {}
    values = _posted(request, ("front", "agency", "xa", "title", "text"))
    if request.method == "POST":
        try:
            report = services.open_supervision(
                actor=request.user,
                front_agency_code=values["front"],
                agency_code=values["agency"],
                commune_code=values["xa"],
                title=values["title"],
                text=values["text"],
            )
        except DomainError as exc:
            errors = {p.name.split("[")[0]: str(p.reason) for p in exc.invalid_params}
            if not errors:
                errors["form"] = str(exc.detail)
        else:
            messages.success(
                request, _("Đã gửi kiến nghị giám sát %(code)s.") % {"code": report.code}
            )
            return redirect("feedback:detail", code=report.code)
    page = _page(request)
    now = timezone.now()
    year_start = timezone.localtime(now).replace(
        month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )
    rows = list(selectors.area_reports(request.user)[(page - 1) * 50 : page * 50 + 1])
    return render(
        request,
        "feedback/supervision.html",
        {
            "fronts": fronts,
            "summary": selectors.area_summary(request.user),
            "indicators": selectors.indicators(request.user, start=year_start, end=now),
            "year": year_start.year,
            "reports": rows[:50],
            "more": len(rows) > 50,
            "page": page,
            "agencies": selectors.area_agencies(request.user),
            "communes": selectors.area_communes(request.user),
            "values": values,
            "errors": errors,
        },
        status=422 if errors else 200,
    )
