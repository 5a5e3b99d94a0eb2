"""Pages of Plan 02's tasks: the list (filters, where each stands, Excel), a task with
its reports and steps, evidence downloads, the import. Thin: services write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import can
from lienthong.core.errors import DomainError, NotFound
from lienthong.core.spreadsheets import SpreadsheetRefused
from lienthong.steering import files, selectors, services
from lienthong.steering.constants import Phase, Pillar
from lienthong.steering.table import TABLE

if TYPE_CHECKING:
    from lienthong.accounts.auth import AuthenticatedRequest


def _forbidden(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "403.html",
        {"detail": _("Trang dành cho người theo dõi, điều hành và cơ quan chủ trì nhiệm vụ.")},
        status=403,
    )


@login_required
def tasks(request: AuthenticatedRequest) -> HttpResponse:
    if not selectors.may_see_tasks(request.user):
        return _forbidden(request)
    pillar = request.GET.get("tru-cot", "")[:20]
    phase = request.GET.get("giai-doan", "")[:20]
    rows = selectors.task_rows(pillar=pillar, phase=phase)
    if request.GET.get("xuat") == "xlsx":
        response = HttpResponse(
            files.tasks_xlsx([r.task for r in rows]),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="nhiem-vu-ke-hoach-02.xlsx"'
        return response
    return render(
        request,
        "steering/tasks.html",
        {
            "rows": rows,
            "pillars": Pillar.choices,
            "phases": Phase.choices,
            "pillar": pillar,
            "phase": phase,
            "overdue": sum(r.overdue for r in rows),
            "due_soon": sum(r.due_soon for r in rows),
            "manages": can(request.user, Perm.TASK_MANAGE),
        },
    )


def _task_or_404(request: AuthenticatedRequest, code: str) -> services.Task:
    if not selectors.may_see_tasks(request.user):
        raise Http404
    try:
        return selectors.get_task(code)
    except NotFound as exc:
        raise Http404 from exc


@login_required
def task(request: AuthenticatedRequest, code: str) -> HttpResponse:
    if not selectors.may_see_tasks(request.user):
        return _forbidden(request)
    item = _task_or_404(request, code)
    row = next(r for r in selectors.task_rows() if r.task.pk == item.pk)
    return render(
        request,
        "steering/task.html",
        {
            "t": item,
            "row": row,
            "reports": selectors.reports_of(item),
            "steps": selectors.steps_for(request.user, item),
            "state": TABLE.label(item.status),
        },
    )


@login_required
@require_POST
def act(request: AuthenticatedRequest, code: str, action: str) -> HttpResponse:
    _task_or_404(request, code)
    inputs: dict[str, Any] = {"note": request.POST.get("note", "")}
    raw = request.POST.get("progress", "")
    if raw.strip():
        inputs["progress"] = int(raw) if raw.strip().isdigit() else -1
    uploads = request.FILES.getlist("files")
    if uploads:
        inputs["files"] = [services.Upload(_("Minh chứng"), f) for f in uploads]
    expected = request.POST.get("version", "")
    try:
        services.act(
            actor=request.user,
            code=code,
            action=action,
            expected_version=int(expected) if expected.isdigit() else None,
            **inputs,
        )
    except DomainError as exc:
        reasons = "; ".join(str(p.reason) for p in exc.invalid_params)
        messages.error(request, f"{exc.detail} {reasons}".strip())
    else:
        step = TABLE.step(action)
        messages.success(request, _("Đã thực hiện: %(a)s.") % {"a": step.label if step else action})
    return redirect("steering:task", code=code)


@login_required
def evidence(request: AuthenticatedRequest, code: str, evidence_id: int) -> FileResponse:
    item = _task_or_404(request, code)
    row = selectors.evidence_of(item, evidence_id)
    if row is None:
        raise Http404
    return FileResponse(
        row.file.open("rb"),
        as_attachment=True,
        filename=row.original_name,
        content_type=row.content_type,
    )


@login_required
def import_tasks(request: AuthenticatedRequest) -> HttpResponse:
    if not can(request.user, Perm.TASK_MANAGE):
        return _forbidden(request)
    result = None
    error = ""
    upload = request.FILES.get("file") if request.method == "POST" else None
    if upload is not None:
        try:
            rows = files.rows_of(upload.name or "", upload)
            result = services.import_tasks(actor=request.user, rows=rows)
        except SpreadsheetRefused as exc:
            error = exc.message
        except DomainError as exc:
            error = str(exc.detail)
    return render(
        request,
        "steering/import.html",
        {"result": result, "error": error, "columns": services.COLUMNS},
        status=422 if error else 200,
    )
