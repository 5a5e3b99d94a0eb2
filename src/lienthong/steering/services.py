"""Writes of the steering app: Plan 02's tasks loaded and imported, their progress
reported through the workflow engine (``steering/table.py``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import RoleChecked, authorize
from lienthong.core import audit, engine, outbox
from lienthong.core import files as stored_files
from lienthong.core.engine import bad
from lienthong.core.errors import NotFound
from lienthong.core.reference import StepResult, register_loader, register_seeder
from lienthong.core.text import UnsafeText, clean_text
from lienthong.core.workflow import Table
from lienthong.directory import selectors as directory
from lienthong.dossiers import services as dossier_services
from lienthong.steering.constants import Phase, Pillar
from lienthong.steering.index import definition
from lienthong.steering.models import Task, TaskEvidence, TaskReport, evidence_file_name
from lienthong.steering.table import INPUTS, TABLE

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency

__all__ = [
    "COLUMNS",
    "MACHINE",
    "ImportReport",
    "Task",
    "Upload",
    "act",
    "import_tasks",
    "load_plan02",
]

Upload = dossier_services.Upload
Context = engine.Context[Task]

#: The columns of a task in a CSV or XLSX file (header → field), in this order.
COLUMNS: Final = (
    ("Mã", "code"),
    ("Nhiệm vụ", "title"),
    ("Trụ cột", "pillar"),
    ("Giai đoạn", "phase"),
    ("Cơ quan chủ trì (mã định danh)", "lead"),
    ("Cơ quan phối hợp (các mã định danh)", "supporting"),
    ("Thời hạn (dd/mm/yyyy)", "deadline"),
    ("Sản phẩm", "output"),
    ("Chỉ số đo", "indicator"),
    ("Nguồn", "source"),
)


@dataclass
class ImportReport:
    """What an import did: tasks created or updated, and each bad row with why."""

    saved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _same(task: Task, fields: Mapping[str, Any], supporting: list[Agency]) -> bool:
    mine = {a.pk for a in task.supporting.all()}
    return mine == {a.pk for a in supporting} and all(
        getattr(task, name) == value for name, value in fields.items()
    )


def _choice(value: str, choices: type[Pillar] | type[Phase], what: str) -> str:
    """A pillar or phase by its code or its Vietnamese name (as a spreadsheet has it)."""
    text = value.strip()
    for code, label in choices.choices:
        if text in (code, str(label)) or str(label).lower().startswith(text.lower()):
            return str(code)
    raise ValueError(_("%(what)s «%(v)s» không có trong danh mục.") % {"what": what, "v": text})


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("Thời hạn «%(v)s» không phải ngày (dd/mm/yyyy).") % {"v": text})


def _agency(code: str) -> Agency:
    try:
        return directory.get_agency(code.strip())
    except NotFound as exc:
        raise ValueError(_("Không có cơ quan mã «%(c)s» trong danh bạ.") % {"c": code}) from exc


def _task_of(row: Mapping[str, Any]) -> tuple[dict[str, Any], list[Agency]]:
    """A row's fields, checked; raises ValueError with a Vietnamese reason."""

    def text(name: str, limit: int) -> str:
        try:
            return clean_text(str(row.get(name) or ""), max_length=limit, multiline=True)
        except UnsafeText as exc:
            raise ValueError(f"{name}: {exc.reason}") from exc

    code, title = text("code", 20), text("title", 500)
    if not code or not title:
        raise ValueError(_("Thiếu mã hoặc tên nhiệm vụ."))
    indicator = text("indicator", 10)
    if indicator:
        try:
            definition().indicator(indicator)
        except KeyError as exc:
            raise ValueError(
                _("Chỉ số «%(i)s» không có trong Bộ chỉ số 766.") % {"i": indicator}
            ) from exc
    raw = row.get("supporting") or ""
    # A list (the seed), or codes separated by spaces, commas or semicolons (a cell).
    codes = raw if isinstance(raw, list) else str(raw).replace(",", " ").replace(";", " ").split()
    supporting = [_agency(str(c)) for c in codes if str(c).strip()]
    return (
        {
            "title": title,
            "pillar": _choice(str(row.get("pillar") or ""), Pillar, _("Trụ cột")),
            "phase": _choice(str(row.get("phase") or ""), Phase, _("Giai đoạn")),
            "lead": _agency(str(row.get("lead") or "")),
            "deadline": _date(row.get("deadline") or ""),
            "output": text("output", 5000),
            "indicator": indicator,
            "source": text("source", 2000),
            "code": code,
        },
        supporting,
    )


def import_tasks(*, actor: User | None, rows: Iterable[Mapping[str, Any]]) -> ImportReport:
    """Create or update tasks from rows (``COLUMNS``' fields): each good row in its own
    transaction, each bad one reported with its number and why; the others go on. The
    progress reported on a task is kept. ``actor`` None: the platform's own seed."""
    if actor is not None:
        authorize(actor, Perm.TASK_MANAGE)
    report = ImportReport()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            fields, supporting = _task_of(row)
        except ValueError as exc:
            report.errors.append((number, str(exc)))
            continue
        code = fields.pop("code")
        existing = Task.objects.filter(code=code).first()
        if existing is not None and _same(existing, fields, supporting):
            report.unchanged.append(code)
            continue
        with transaction.atomic():
            task, created = Task.objects.update_or_create(code=code, defaults=fields)
            task.supporting.set(supporting)
            audit.record(
                "task.import",
                actor=actor or "system:seed",
                object_type="task",
                object_id=code,
                data={"created": created, "lead": task.lead.code, "deadline": str(task.deadline)},
            )
        report.saved.append(code)
    return report


@register_loader("steering.plan02", order=90, description="Nhiệm vụ Kế hoạch 02-KH/BCĐTW")
def load_plan02() -> StepResult:
    data = json.loads((Path(__file__).parent / "data" / "plan02_tasks.json").read_text())
    got = import_tasks(actor=None, rows=data["tasks"])
    if got.errors:
        raise ValueError(f"plan02_tasks.json: {got.errors}")
    return StepResult(f"{len(got.saved)} nhiệm vụ mới hoặc đổi, {len(got.unchanged)} giữ nguyên")


# --------------------------------------------------------------------------- the steps


def act(
    *,
    actor: User,
    code: str,
    action: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    **inputs: Any,
) -> Task:
    """A step of ``steering/table.py`` on task ``code`` (``core.engine.run``)."""
    from lienthong.steering.selectors import get_task

    return engine.run(
        MACHINE,
        get_task(code),
        actor,
        action,
        expected_version=expected_version,
        now=now or timezone.now(),
        inputs=inputs,
    )


def _progress(ctx: Context) -> None:
    value = ctx.inputs["progress"]
    if not isinstance(value, int) or not 0 <= value <= 99:
        raise bad(
            "progress",
            "progress_range",
            _("Tiến độ từ 0 đến 99 %; nhiệm vụ xong thì báo cáo hoàn thành."),
        )
    ctx.fields.update(progress=value, last_report_at=ctx.now)
    ctx.data["progress"] = value
    _evidence(ctx)


def _complete(ctx: Context) -> None:
    ctx.fields.update(progress=100, last_report_at=ctx.now, finished_on=timezone.localdate(ctx.now))
    ctx.data["progress"] = 100
    _evidence(ctx)


def _reopen(ctx: Context) -> None:
    ctx.fields.update(finished_on=None, progress=min(ctx.case.progress, 99))
    ctx.data["progress"] = ctx.fields["progress"]
    _evidence(ctx)


def _evidence(ctx: Context) -> None:
    """The step's report row and its evidence files, written after the task's update
    in the step's transaction (the files staged, settled with it or removed)."""
    uploads: list[Upload] = ctx.inputs.get("files", [])
    checked = [dossier_services.check_upload(u, i) for i, u in enumerate(uploads)]
    ctx.data["evidence"] = len(uploads)

    def write(staged: stored_files.Staging) -> None:
        task = ctx.case
        report = TaskReport.objects.create(
            task=task,
            action=ctx.step.action,
            agency=ctx.agency,
            author=ctx.actor,
            at=ctx.now,
            progress=task.progress,
            status=task.status,
            text=ctx.inputs.get("note", ""),
        )
        rows = [
            TaskEvidence(
                report=report,
                original_name=(u.name or "tep")[:255],
                content_type=kind,
                size=u.file.size or 0,
                sha256=digest,
            )
            for u, (kind, digest) in zip(uploads, checked, strict=True)
        ]
        engine.file_writes(rows, [u.file for u in uploads], evidence_file_name)(staged)

    ctx.writes.append(write)


EFFECTS: Final[Mapping[str, Callable[[Context], None]]] = {
    "progress": _progress,
    "complete": _complete,
    "reopen": _reopen,
}


class TaskMachine(RoleChecked, engine.Machine[Task]):
    model = Task
    effects = EFFECTS
    inputs = INPUTS
    conflict_message = gettext_lazy(
        "Nhiệm vụ %(code)s vừa được cập nhật. Tải lại để xem báo cáo mới nhất."
    )
    texts = ("note",)

    def table(self, case: Task) -> Table:
        return TABLE

    def place(self, case: Task, where: str) -> Agency | None:
        return case.lead

    def for_author(self, actor: User | None, case: Task) -> Agency:
        raise NotFound(_("Không tìm thấy nhiệm vụ %(code)s.") % {"code": case.code})

    def record(self, ctx: Context, before: str) -> None:
        record_step(
            ctx,
            before,
            kind="task",
            key=ctx.case.code,
            payload={
                "code": ctx.case.code,
                "progress": ctx.case.progress,
                "lead": ctx.case.lead.code,
                "at": ctx.now.isoformat(),
            },
        )


def record_step(
    ctx: engine.Context[Any], before: str, *, kind: str, key: object, payload: dict[str, Any]
) -> None:
    """A step of a steering case (a task, an alert) as the engine records it: an outbox
    event ``<kind>.<action>`` and an audit entry, both with the states before and after."""
    outbox.emit(
        f"{kind}.{ctx.step.action}",
        aggregate_type=kind,
        aggregate_id=key,
        payload={**payload, "from": before, "status": ctx.case.status},
    )
    audit.defer(
        audit.pending_row(
            f"{kind}.{ctx.step.action}",
            actor=ctx.actor,
            object_type=kind,
            object_id=key,
            at=ctx.now,
            data={"from_status": before, "to_status": ctx.case.status, **ctx.data},
        )
    )


MACHINE: Final = TaskMachine()


@register_seeder(
    "steering.rollups", order=90, description="Số liệu tổng hợp chỉ số phục vụ, cảnh báo sớm"
)
def seed_rollups() -> StepResult:
    """The index's rollups of the demo's history (generated without events): rebuilt from
    the dossiers and reports; run again, it gives the same cells."""
    from lienthong.steering import alerts, rollup

    done = rollup.rebuild()
    warned = alerts.evaluate()
    return StepResult(
        f"{done.dossiers} hồ sơ, {done.reports} phản ánh, {done.cells} ô số liệu; "
        f"{len(warned.opened)} cảnh báo mới"
    )
