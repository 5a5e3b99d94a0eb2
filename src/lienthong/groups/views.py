"""Pages of interconnected applications: filing a group once, the combined status,
the applicant's list."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lienthong.catalog import selectors as catalog
from lienthong.core.errors import DomainError, NotFound
from lienthong.dossiers import selectors as dossiers
from lienthong.dossiers import services as dossier_services
from lienthong.geo import selectors as geo
from lienthong.groups import selectors, services

if TYPE_CHECKING:
    from lienthong.accounts.auth import AuthenticatedRequest


@login_required
def file_group(request: AuthenticatedRequest, group_code: str) -> HttpResponse:
    """Step 1: the commune where the family lives (its agencies decide); step 2: the
    group's one form, prefilled on consent; submit files every procedure that can be."""
    try:
        group = catalog.get_group(group_code)
    except NotFound as exc:
        raise Http404 from exc
    form = catalog.group_form_of(group)
    if form is None:
        raise Http404
    members = list(group.members.all())
    # The registries are read for the procedure filed at once (it waits for nothing).
    first = catalog.get_procedure(
        next((m for m in members if not m.after), members[0]).procedure.code
    )
    province = request.GET.get("tinh") or request.POST.get("tinh") or ""
    commune = request.GET.get("xa") or request.POST.get("xa") or ""
    step = 2 if commune else 1
    fields = list(form.fields)
    declared = {f.key: request.POST.get(f"tk-{f.key}", "").strip() for f in fields}
    action = request.POST.get("action", "") if request.method == "POST" else ""
    session_key = f"dien-san-nhom:{group.code}:{commune}"
    prefilled = dossier_services.Prefilled.from_session(request.session.get(session_key))
    # The page's one-time key, drawn when the page is first drawn and sent back with it:
    # pressing "Nộp" twice (or the browser sending the form again) files one application.
    idem = request.POST.get("idem") or secrets.token_hex(8)
    errors: list[str] = []
    field_errors: dict[str, str] = {}
    if action == "dien-san" and step == 2:
        prefilled = dossier_services.prefill(
            actor=request.user,
            version=first,
            commune_code=commune,
            typed={f.key: declared[f.key] for f in fields if f.kind == "pin"},
            ip=str(request.META.get("REMOTE_ADDR", "")),
            form=form,
            title=group.name,
        )
        request.session[session_key] = prefilled.as_session()
        declared.update(prefilled.values)
    declared.update(
        {f.key: prefilled.values[f.key] for f in fields if f.locked and f.key in prefilled.values}
    )
    if request.method == "POST" and step == 2 and action not in ("dien-san", "ve-lai"):
        try:
            app = services.apply(
                actor=request.user,
                group_code=group.code,
                commune_code=commune,
                form_data={k: v for k, v in declared.items() if v},
                prefilled_from=dossier_services.sources_kept(prefilled, declared),
                idempotency_key=idem,
            )
        except DomainError as exc:
            params = getattr(exc, "invalid_params", [])
            errors = [str(p.reason) for p in params] or [str(exc.detail)]
            if any(p.code == "key_reused" for p in params):
                # The key filed another application (the page was sent back with other
                # answers): a new key, so that pressing again files this one.
                idem = secrets.token_hex(8)
            field_errors = {
                p.name.removeprefix("form_data."): str(p.reason)
                for p in params
                if p.name.startswith("form_data.")
            }
        else:
            request.session.pop(session_key, None)
            messages.success(
                request,
                _(
                    "Đã nộp hồ sơ liên thông %(code)s. Các cơ quan giải quyết lần lượt; "
                    "kết quả vào kho giấy tờ của bạn."
                )
                % {"code": app.code},
            )
            return redirect("groups:detail", code=app.code)
    communes = geo.search_units(level="commune", parent=province) if province else []
    return render(
        request,
        "groups/file.html",
        {
            "group": group,
            "members": members,
            "step": step,
            "provinces": geo.search_units(level="province"),
            "province": province,
            "communes": communes,
            "commune": commune,
            "commune_name": geo.unit_labels([commune]).get(commune, commune) if commune else "",
            "idem": idem,
            "errors": errors,
            "eform": dossiers.eform_page(
                form,
                declared,
                prefilled,
                field_errors,
                request.method or "GET",
                [(u.code, u.name) for u in communes],
            ),
        },
        status=422 if errors else 200,
    )


@login_required
def detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    try:
        app = selectors.application_for(request.user, code)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "groups/detail.html",
        {
            "app": app,
            "rows": selectors.rows_of(request.user, app),
            "history": selectors.history_of(app),
        },
    )


@login_required
def mine(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "groups/mine.html",
        {
            "apps": selectors.applications_of(request.user)[:100],
            "groups": catalog.published_groups(),
        },
    )
