"""Pages of the registries app: "Dữ liệu của tôi" for people, the lookup for officials,
and the registry owner's desk (alerts, grants, records)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lienthong.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from lienthong.core.pdf import render_pdf
from lienthong.core.spreadsheets import xlsx_bytes
from lienthong.directory import selectors as directory
from lienthong.registries import gateway, selectors, services
from lienthong.registries.constants import Outcome
from lienthong.registries.datasets import dataset
from lienthong.registries.forms import GrantForm, LookupForm, TrackerFilter

if TYPE_CHECKING:
    from django import forms

    from lienthong.accounts.auth import AuthenticatedRequest
    from lienthong.registries.models import AccessLog, Registry


def _ip(request: AuthenticatedRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def _error_text(exc: DomainError) -> str:
    """What went wrong, in the words of each invalid field when there are some."""
    if isinstance(exc, InvalidInput) and exc.invalid_params:
        return " ".join(str(p.reason) for p in exc.invalid_params)
    return str(exc.detail)


def _form_errors(form: forms.Form, exc: DomainError) -> None:
    if isinstance(exc, InvalidInput) and exc.invalid_params:
        for p in exc.invalid_params:
            form.add_error(p.name if p.name in form.fields else None, str(p.reason))
    else:
        form.add_error(None, str(exc.detail))


# ------------------------------------------------------------------------ the citizen


@login_required
def my_data(request: AuthenticatedRequest) -> HttpResponse:
    holdings = selectors.holdings_of(request.user)
    groups: dict[str, list[selectors.Holding]] = {}
    for h in holdings:
        groups.setdefault(h.registry_name, []).append(h)
    return render(
        request,
        "registries/my_data.html",
        {"groups": groups, "has_identity": bool(request.user.pin or request.user.tax_code)},
    )


def _tracker_rows(logs: list[AccessLog]) -> list[dict[str, Any]]:
    return [
        {
            "log": log,
            "fields": ", ".join(selectors.field_labels(log.registry.code, list(log.fields))),
            "who": log.user.get_full_name()
            if log.user
            else (log.client_id and _("Hệ thống %(c)s") % {"c": log.client_id}),
            "service": gateway.service_label(log.service),
        }
        for log in logs
    ]


@login_required
def my_accesses(request: AuthenticatedRequest) -> HttpResponse:
    form = TrackerFilter(request.GET or None)
    filters: dict[str, Any] = {}
    status = 200
    if form.is_bound:
        if form.is_valid():
            filters = {k: v for k, v in form.cleaned_data.items() if v}
        else:
            status = 422
    rows = selectors.accesses_of(request.user, **filters)
    export = request.GET.get("xuat", "")
    if export in ("xlsx", "pdf") and status == 200:
        return _export(request, list(rows[:10_000]), export)
    page = Paginator(rows, 50).get_page(request.GET.get("trang"))
    return render(
        request,
        "registries/my_accesses.html",
        {
            "form": form,
            "page": page,
            "rows": _tracker_rows(list(page.object_list)),
            "query": request.GET.urlencode(),
        },
        status=status,
    )


def _export(request: AuthenticatedRequest, logs: list[AccessLog], kind: str) -> HttpResponse:
    rows = _tracker_rows(logs)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if kind == "xlsx":
        header = [
            _("Thời điểm"),
            _("Cơ sở dữ liệu"),
            _("Dịch vụ"),
            _("Cơ quan"),
            _("Người, hệ thống"),
            _("Trường dữ liệu"),
            _("Mục đích"),
            _("Mã hồ sơ"),
            _("Kết quả"),
        ]
        body = xlsx_bytes(
            _("Nhật ký truy cập"),
            [str(h) for h in header],
            (
                [
                    timezone.localtime(r["log"].at).strftime("%d/%m/%Y %H:%M:%S"),
                    r["log"].registry.name,
                    r["service"],
                    r["log"].consumer.name if r["log"].consumer else "",
                    r["who"] or "",
                    r["fields"],
                    r["log"].purpose,
                    r["log"].dossier,
                    str(Outcome(r["log"].outcome).label),
                ]
                for r in rows
            ),
        )
        response = HttpResponse(
            body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        body = render_pdf(
            "registries/pdf/accesses.html",
            {"rows": rows, "person": request.user, "today": timezone.localdate()},
        )
        response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="nhat-ky-truy-cap-{stamp}.{kind}"'
    return response


@login_required
@require_POST
def report_access(request: AuthenticatedRequest, access_id: int) -> HttpResponse:
    try:
        services.report_read(
            actor=request.user, access_id=access_id, reason=request.POST.get("reason", "")
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, _("Lý do phản ánh: %(e)s") % {"e": _error_text(exc)})
    else:
        messages.success(request, _("Đã gửi phản ánh tới cơ quan chủ quản cơ sở dữ liệu."))
    return redirect("registries:my-accesses")


# ------------------------------------------------------------------------ officials


@login_required
def lookup(request: AuthenticatedRequest) -> HttpResponse:
    agencies = selectors.reading_agencies(request.user)
    if not agencies:
        return render(request, "403.html", status=403)
    form = LookupForm(request.POST or None, agencies=[(a.code, a.name) for a in agencies])
    answer = None
    lines: list[list[selectors.Line]] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                caller = selectors.caller_for(request.user, data["agency"], _ip(request))
                answer = gateway.consult(
                    caller,
                    data["service"],
                    data["id"],
                    purpose=data["purpose"],
                    dossier=data["dossier"],
                    facts={
                        "full_name": data["full_name"],
                        "birth_date": data["birth_date"].isoformat() if data["birth_date"] else "",
                    },
                )
            except DomainError as exc:
                _form_errors(form, exc)
                status = exc.status
            else:
                ds = dataset(answer.registry)
                lines = [selectors.lines_of(ds, r, answer.fields) for r in answer.records]
        else:
            status = 422
    grants = [u for a in agencies for u in selectors.consumer_grants(a)]
    return render(
        request,
        "registries/lookup.html",
        {"form": form, "answer": answer, "lines": lines, "grants": grants},
        status=status,
    )


@login_required
def owned(request: AuthenticatedRequest) -> HttpResponse:
    registries = selectors.owned_registries(request.user)
    if not registries:
        return render(request, "403.html", status=403)
    return render(request, "registries/owned.html", {"registries": registries})


def _owned(request: AuthenticatedRequest, code: str) -> Registry | HttpResponse:
    """The registry if the official's agency owns it; 404 for no such registry, the
    403 page otherwise."""
    try:
        return selectors.owned_registry(request.user, code)
    except NotFound as exc:
        raise Http404 from exc
    except PermissionDenied:
        return render(request, "403.html", status=403)


@login_required
def registry_page(request: AuthenticatedRequest, code: str) -> HttpResponse:
    registry = _owned(request, code)
    if isinstance(registry, HttpResponse):
        return registry
    reading = request.method == "POST" and request.POST.get("action") == "record"
    form = GrantForm(
        request.POST if request.method == "POST" and not reading else None,
        registry=registry.code,
        initial={"valid_from": timezone.localdate()},
    )
    status = 200
    if request.method == "POST" and not reading:
        if form.is_valid():
            data = form.cleaned_data
            try:
                consumer = directory.get_agency(data.pop("consumer").strip())
                data["fields"] = data.pop("data_fields")
                services.grant_access(
                    actor=request.user, registry=registry, consumer=consumer, **data
                )
            except NotFound:
                form.add_error("consumer", _("Không có cơ quan với mã định danh này."))
                status = 422
            except DomainError as exc:
                _form_errors(form, exc)
                status = exc.status
            else:
                messages.success(
                    request, _("Đã cấp quyền khai thác cho %(a)s.") % {"a": consumer.name}
                )
                return redirect("registries:registry", code=registry.code)
        else:
            status = 422
    record = _owner_record(request, registry)
    return render(
        request,
        "registries/registry.html",
        {
            "registry": registry,
            "alerts": selectors.alerts_of(registry)[:100],
            "grants": selectors.grants_of(registry),
            "form": form,
            **record,
        },
        status=status,
    )


def _owner_record(request: AuthenticatedRequest, registry: Any) -> dict[str, Any]:
    """The record the owner's official asked for (a POST with a purpose: a logged read of
    the owner's own registry; a link with ``?ma=`` only fills in the form)."""
    if request.method != "POST" or request.POST.get("action") != "record":
        return {"key": request.GET.get("ma", "").strip()[:40]}
    key = request.POST.get("ma", "").strip()
    purpose = request.POST.get("purpose", "")
    caller = gateway.Caller(registry.owner, request.user, "", _ip(request))
    try:
        answer = gateway.read_record(caller, registry.code, key, purpose=purpose)
    except DomainError as exc:
        return {"key": key, "purpose": purpose, "record_error": _error_text(exc)}
    if not answer.records:
        return {"key": key, "record_error": _("Không có bản ghi với mã này.")}
    ds = dataset(registry.code)
    versions = selectors.record_versions(request.user, registry, key)
    reasons = selectors.version_reasons(registry, key)
    return {
        "key": key,
        "record_lines": selectors.lines_of(ds, answer.records[0]),
        "versions": [
            {
                "v": v,
                "lines": selectors.lines_of(ds, v.data),
                "by": reasons.get(v.version, ("", "")),
            }
            for v in versions[1:]
        ],
        "current": versions[0] if versions else None,
    }


@login_required
@require_POST
def revoke_grant(request: AuthenticatedRequest, grant_id: int) -> HttpResponse:
    try:
        grant = services.revoke_grant(actor=request.user, grant_id=grant_id)
    except NotFound as exc:
        raise Http404 from exc
    except PermissionDenied:
        return render(request, "403.html", status=403)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return redirect("registries:owned")
    messages.success(request, _("Đã thu hồi quyền khai thác."))
    return redirect("registries:registry", code=grant.registry.code)


@login_required
@require_POST
def close_alert(request: AuthenticatedRequest, alert_id: int) -> HttpResponse:
    try:
        alert = services.close_alert(
            actor=request.user, alert_id=alert_id, answer=request.POST.get("answer", "")
        )
    except NotFound as exc:
        raise Http404 from exc
    except PermissionDenied:
        return render(request, "403.html", status=403)
    except DomainError as exc:
        messages.error(request, _("Kết quả xử lý: %(e)s") % {"e": _error_text(exc)})
        return redirect("registries:owned")
    messages.success(request, _("Đã đóng cảnh báo."))
    return redirect("registries:registry", code=alert.registry.code)


@login_required
def quality_page(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The quality report of a registry: findings per province × rule, the trend, the
    examples; start a run (progress shown while it works); Excel of every finding."""
    registry = _owned(request, code)
    if isinstance(registry, HttpResponse):
        return registry
    if request.method == "POST":
        try:
            if request.POST.get("action") == "convert":
                services.start_conversion(actor=request.user, registry=registry)
                messages.success(
                    request,
                    _(
                        "Đã bắt đầu chuyển đổi địa chỉ cũ; địa chỉ cần chọn sẽ hiện ở "
                        "trang «Địa chỉ cần chọn»."
                    ),
                )
            else:
                services.start_quality_run(actor=request.user, registry=registry)
                messages.success(request, _("Đã bắt đầu kiểm tra chất lượng dữ liệu."))
        except DomainError as exc:
            messages.error(request, str(exc.detail))
        return redirect("registries:quality", code=registry.code)
    province = request.GET.get("tinh", "")
    report = selectors.quality_report(registry, province=province)
    caller = gateway.Caller(registry.owner, request.user, "", _ip(request))
    if request.GET.get("xuat") == "xlsx":
        labels = {r.code: str(r.label) for r in report.rules}
        findings = list(selectors.findings_of(registry).iterator())
        shown = selectors.shown_of(registry, [f.key for f in findings])
        gateway.log_owner_view(registry, caller, "quality", shown)
        body = xlsx_bytes(
            _("Chất lượng dữ liệu"),
            [_("Quy tắc"), _("Mã bản ghi"), _("Tỉnh"), _("Chi tiết")],
            ([labels.get(f.rule, f.rule), f.key, f.province, f.detail] for f in findings),
        )
        response = HttpResponse(
            body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="chat-luong-{registry.code}.xlsx"'
        return response
    status = request.GET.get("trang-thai") if request.htmx else None
    template = {
        "1": "registries/partials/run_status.html",
        "chuyen-doi": "registries/partials/conversion_status.html",
    }.get(status or "", "registries/quality.html")
    if template == "registries/quality.html":
        examples = [f.key for found in report.examples.values() for f in found]
        gateway.log_owner_view(registry, caller, "quality", selectors.shown_of(registry, examples))
    return render(
        request,
        template,
        {
            "registry": registry,
            "report": report,
            "province": province,
            "reviews": selectors.open_reviews(registry).count(),
            "conversion": selectors.latest_conversion(registry),
        },
    )


@login_required
def addresses_page(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """Legacy addresses waiting for an official to choose their new commune."""
    registry = _owned(request, code)
    if isinstance(registry, HttpResponse):
        return registry
    status = 200
    if request.method == "POST":
        try:
            services.choose_address(
                actor=request.user,
                review_id=int(review)
                if (review := request.POST.get("review", "")).isdigit()
                else 0,
                ward_code=request.POST.get("ward_code", ""),
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            messages.error(
                request,
                str(exc.invalid_params[0].reason)
                if isinstance(exc, InvalidInput) and exc.invalid_params
                else str(exc.detail),
            )
            status = exc.status
        else:
            messages.success(request, _("Đã cập nhật nơi thường trú theo đơn vị mới."))
            return redirect("registries:addresses", code=registry.code)
    page = Paginator(selectors.open_reviews(registry), 25).get_page(request.GET.get("trang"))
    gateway.log_owner_view(
        registry,
        gateway.Caller(registry.owner, request.user, "", _ip(request)),
        "addresses",
        [(review.record.subject, review.record.key) for review in page.object_list],
    )
    return render(
        request, "registries/addresses.html", {"registry": registry, "page": page}, status=status
    )
