"""The dossier workflow engine: one entry point, driven by the transition table.

``perform(actor, code, action, **inputs)`` carries out every step of a dossier after
its submission — the one-stop path of Decree 118/2025 and Circular 03/2025, transfer,
extension (form 04), supplement, payment, rating — and any step a procedure configures
for itself (docs/workflow.md). Each step is a row of :data:`STANDARD` (or of the
procedure's configuration): who may take it and at which agency, the states it leaves
and enters, the inputs it takes and needs, and its effects, which are the small
functions of :data:`EFFECTS` (stamp a milestone, start or pause the clock, hand the
dossier over…). The engine

1. reads the dossier once, through the one access function of the selectors;
2. checks the actor's permission at the row's agency (or that they act for the
   applicant), the current state, and the inputs;
3. runs the row's effects, which check their inputs and say what changes;
4. writes, in one transaction: the dossier under its optimistic lock (of two
   concurrent steps one wins, the other gets Conflict), its files, the history row,
   the outbox event and the audit entry — each carrying what its readers need
   (note, agencies, due date, role), written once and never updated.

API, web views and the worker all call :func:`perform`; nothing else changes a
dossier's state after its submission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.accounts import selectors as accounts
from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import RoleChecked, can
from lienthong.catalog.results import result_document_of
from lienthong.core import audit, engine, fastsql, outbox
from lienthong.core import files as stored_files
from lienthong.core.errors import IllegalTransition, NotFound
from lienthong.core.workcalendar import get_calendar
from lienthong.core.workflow import ConfigError, Table
from lienthong.directory import selectors as directory
from lienthong.dossiers import intake, results, selectors, writeback
from lienthong.dossiers.constants import Channel, Status
from lienthong.dossiers.models import (
    Dossier,
    DossierEvent,
    Rating,
    RegisterCounter,
    stored_file_name,
)
from lienthong.dossiers.table import EFFECT_NAMES, INPUTS, table_for

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.catalog.models import ProcedureVersion
    from lienthong.core.models import AuditPending, OutboxEvent
    from lienthong.directory.models import Agency

__all__ = ["EFFECTS", "StepRows", "perform", "run", "step_rows", "take_numbers"]

# --------------------------------------------------------------------------- effects


#: One step under way (``core.engine``): ``ctx.case`` is the dossier.
Context = engine.Context[Dossier]
Unchanged = engine.Unchanged


def _due(version: ProcedureVersion, start: dt.datetime) -> dt.datetime:
    hours = float(version.processing_days) * 8 or 4  # "ngay trong ngày": half a day
    return get_calendar().add_working_hours(start, hours)


def _start_clock(ctx: Context) -> None:
    d = ctx.case
    start = get_calendar().next_working_moment(
        d.submitted_at if d.channel != Channel.COUNTER else ctx.now
    )
    ctx.fields.update(
        received_at=ctx.now, clock_start=start, due_at=_due(d.procedure_version, start)
    )


def _pause_clock(ctx: Context) -> None:
    d = ctx.case
    ctx.fields["supplement_count"] = d.supplement_count + 1
    if d.procedure_version.pauses_on_supplement:
        ctx.fields["paused_at"] = ctx.now


def _resume_clock(ctx: Context) -> None:
    d = ctx.case
    if d.paused_at is None:
        return
    cal = get_calendar()
    hours = max(cal.working_hours_between(d.paused_at, ctx.now), 0.0)
    ctx.fields.update(
        paused_at=None,
        supplement_hours=d.supplement_hours + hours,
        due_at=cal.add_working_hours(d.due_at, hours) if d.due_at else None,
    )


def _finish(ctx: Context) -> None:
    ctx.fields["finished_at"] = ctx.now


def _electronic_result(ctx: Context) -> None:
    ctx.fields["electronic_result"] = True


def _number_result(ctx: Context) -> None:
    """Enter the result in the handling agency's register book (the next number of the
    book for the year) and record who signs it, with their position."""
    d = ctx.case
    version = d.procedure_version
    paper = result_document_of(version.result_document, version.results)
    refused = d.status == Status.REFUSED
    # A refusal is a notice in the outgoing-documents book, whatever the paper would be.
    book = results.register_book(paper, refused=refused)
    year = timezone.localtime(ctx.now).year

    def take(ctx: Context) -> None:
        number = take_numbers(ctx.agency.pk, book, year)
        printed = results.reference(
            number, year, paper, refused=refused, issuer=results.issuer_abbreviation(ctx.agency)
        )
        ctx.fields.update(result_number=number, result_reference=printed)
        ctx.data.update(result_number=number, result_reference=printed, book=book)

    ctx.in_transaction.append(take)
    if ctx.actor is not None:
        title = accounts.position_of(ctx.actor, ctx.agency)
        ctx.fields.update(signed_by=ctx.actor, signer_title=title)
        ctx.data["signer_title"] = title


def take_numbers(agency_id: int, book: str, year: int, count: int = 1) -> int:
    """The first of the next ``count`` numbers of ``book`` at an agency for ``year``, in
    the caller's transaction (the counter row stays locked until it ends, so numbers
    never repeat; rolled back with it, so they leave no gap)."""
    rows = RegisterCounter.objects.select_for_update().filter(
        agency_id=agency_id, book=book, year=year
    )
    counter = rows.first()
    if counter is None:
        try:
            with transaction.atomic():  # the first number of the year, maybe taken twice
                RegisterCounter.objects.create(agency_id=agency_id, book=book, year=year)
        except IntegrityError:
            pass
        counter = rows.get()
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return first


def _returned(ctx: Context) -> None:
    ctx.fields["returned_at"] = ctx.now


def _assign(ctx: Context) -> None:
    # An unknown number arrives as None and is refused as "not a specialist", after the
    # caller's own right to act was checked: nobody learns which numbers have accounts.
    assignee = ctx.inputs.get("assignee")
    if assignee is None or not can(assignee, Perm.DOSSIER_PROCESS, agency=ctx.case.handling_agency):
        raise intake.bad(
            "assignee",
            "not_a_specialist",
            _("Người được phân công phải là chuyên viên của cơ quan giải quyết."),
        )
    ctx.fields["assignee"] = assignee
    ctx.data["assignee"] = assignee.get_username()


def _hand_over(ctx: Context) -> None:
    try:
        target = directory.get_agency(ctx.inputs["agency"])
    except NotFound as exc:
        raise intake.bad("agency", "unknown_agency", _("Không tìm thấy cơ quan nhận.")) from exc
    if target.pk == ctx.case.handling_agency_id:
        raise intake.bad("agency", "same_agency", _("Hồ sơ đang ở chính cơ quan này."))
    ctx.fields.update(handling_agency=target, assignee=None)
    ctx.data.update(from_agency=ctx.case.handling_agency.code, to_agency=target.code)


def _new_due(ctx: Context) -> None:
    d = ctx.case
    new_due: dt.datetime = ctx.inputs["new_due"]
    if d.due_at is None or d.finished_at is not None:
        raise IllegalTransition(_("Chỉ gia hạn được hồ sơ đang giải quyết."))
    if new_due <= d.due_at:
        raise intake.bad("new_due", "not_later", _("Ngày hẹn mới phải sau ngày hẹn hiện tại."))
    ctx.fields["due_at"] = new_due
    ctx.data.update(old_due=d.due_at.isoformat(), new_due=new_due.isoformat())


def _paid(ctx: Context) -> None:
    d = ctx.case
    amount = ctx.inputs.get("amount")
    if amount is not None and amount != d.fee_total:
        raise intake.bad("amount", "wrong_amount", _("Số tiền không khớp phí, lệ phí của hồ sơ."))
    if d.paid_at is not None:
        raise Unchanged
    online = bool(ctx.inputs.get("online"))
    ctx.fields.update(paid_at=ctx.now, paid_online=online)
    ctx.data.update(
        online=online, reference=str(ctx.inputs.get("reference", ""))[:100], amount=d.fee_total
    )


def _rate(ctx: Context) -> None:
    score = ctx.inputs["score"]
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise intake.bad("score", "score_range", _("Điểm đánh giá từ 1 đến 5."))
    if Rating.objects.filter(dossier_id=ctx.case.pk).exists():
        raise IllegalTransition(_("Hồ sơ này đã được đánh giá."))
    comment = ctx.inputs.get("comment", "")
    ctx.data.update(score=score, satisfied=score >= 4)

    def write(_staged: stored_files.Staging) -> None:
        Rating.objects.create(dossier=ctx.case, score=score, satisfied=score >= 4, comment=comment)

    ctx.writes.append(write)


def _attach(ctx: Context) -> None:
    d = ctx.case
    uploads: list[intake.Upload] = ctx.inputs.get("files", [])
    checked = [intake.check_upload(u, i) for i, u in enumerate(uploads)]
    intake.check_count(len(uploads) + d.files.count())
    rows = [
        intake.file_row(d, upload, kind, digest, supplement=True)
        for upload, (kind, digest) in zip(uploads, checked, strict=True)
    ]
    ctx.data["files"] = len(rows)
    ctx.writes.append(engine.file_writes(rows, [u.file for u in uploads], stored_file_name))


def _consult(ctx: Context) -> None:
    """Seek a department's opinion (appraisal) on the dossier: the step's
    ``options.department`` names it (a key of the catalogue's departments); the
    department of the dossier's province is found by its code."""
    key = ctx.step.options.get("department", "")
    consulted = directory.department_of(ctx.case.province.code, key)
    if consulted is None:
        raise IllegalTransition(_("Chưa xác định được sở, ngành thẩm định tại tỉnh của hồ sơ."))
    ctx.fields["consulted_agency"] = consulted
    ctx.data["consulted_agency"] = consulted.code


def _end_consult(ctx: Context) -> None:
    ctx.fields["consulted_agency"] = None
    ctx.data["consulted_agency"] = ctx.agency.code


def _write_back(ctx: Context) -> None:
    """Enter the result in the registries (``dossiers.writeback``): permitted before the
    transaction, written in it after the register number is taken; a refusal notice
    writes nothing."""
    dossier = ctx.case
    if dossier.status == Status.REFUSED or not writeback.recipes_of(dossier):
        return
    permits = writeback.permits_for(dossier, ctx.agency, ctx.actor)

    def write(ctx: Context) -> None:
        done = writeback.write_back(
            dossier, permits, {"result_number": ctx.fields.get("result_number")}
        )
        ctx.data.update(done)

    ctx.in_transaction.append(write)


EFFECTS: Final[Mapping[str, Callable[[Context], None]]] = {
    "start_clock": _start_clock,
    "pause_clock": _pause_clock,
    "resume_clock": _resume_clock,
    "finish": _finish,
    "electronic_result": _electronic_result,
    "number_result": _number_result,
    "returned": _returned,
    "assign": _assign,
    "hand_over": _hand_over,
    "new_due": _new_due,
    "paid": _paid,
    "rate": _rate,
    "attach": _attach,
    "consult": _consult,
    "end_consult": _end_consult,
    "write_back": _write_back,
}

if set(EFFECTS) != set(EFFECT_NAMES):  # the table's vocabulary and the engine agree
    raise ImproperlyConfigured("dossiers.table.EFFECT_NAMES and workflow.EFFECTS differ")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class StepRows:
    """What one step writes besides the dossier: its history row, its outbox event and
    its audit entry, each carrying what its readers need (written once, never updated)."""

    event: DossierEvent
    outbox: OutboxEvent
    audit: AuditPending

    def write(self) -> None:
        fastsql.insert([self.event])
        outbox.record(self.outbox)
        audit.defer(self.audit)


def step_rows(
    dossier: Dossier,
    action: str,
    before: str,
    actor: User | None,
    *,
    agency: Agency,
    note: str = "",
    role: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime,
) -> StepRows:
    """The rows of one step of ``dossier`` as it is after the step (not yet written)."""
    data = data or {}
    row = DossierEvent(
        dossier=dossier,
        action=action,
        from_status=before,
        to_status=dossier.status,
        actor=actor if getattr(actor, "pk", None) else None,
        role=role,
        agency=agency,
        at=at,
        note=note,
        data=data,
    )
    due = dossier.due_at.isoformat() if dossier.due_at else None
    event = outbox.event_row(
        f"dossier.{action}",
        aggregate_type="dossier",
        aggregate_id=dossier.code,
        payload={
            "code": dossier.code,
            "status": dossier.status,
            "from": before,
            "procedure": dossier.procedure_version.procedure.code,
            "handling_agency": dossier.handling_agency.code,
            "province": dossier.province.code,
            "agency": agency.code,
            "role": role,
            "note": note,
            "due_at": due,
            "at": at.isoformat(),
            "data": data,
        },
    )
    entry = audit.pending_row(
        f"dossier.{action}",
        actor=actor,
        object_type="dossier",
        object_id=dossier.code,
        at=at,
        data={
            "from_status": before,
            "to_status": dossier.status,
            "agency": agency.code,
            "role": role,
            "due_at": due,
            **data,
        },
    )
    return StepRows(row, event, entry)


# --------------------------------------------------------------------------- the engine


def perform(
    actor: User | None,
    code: str,
    action: str,
    *,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    **inputs: Any,
) -> Dossier:
    """Carry out step ``action`` on dossier ``code`` and return the dossier after it.

    ``actor`` None is the platform itself (a payment gateway's callback, authenticated
    by its caller). ``inputs`` are those of :data:`INPUTS` the step takes: ``note``,
    ``assignee`` (a user), ``files`` (uploads), ``agency`` (a code), ``new_due``,
    ``reference``, ``amount``, ``online``, ``score``, ``comment``.

    Raises NotFound (unknown dossier, one the actor may not see, or no such step),
    PermissionDenied (the actor's role or agency does not allow it), IllegalTransition
    (not in this state), InvalidInput (an input missing or bad, named), Conflict
    (somebody acted first: ``expected_version`` is stale).
    """
    dossier = (
        selectors.get_dossier_for(actor, code, to_act=True)
        if actor is not None
        else selectors.get_dossier_for_platform(code)
    )
    return run(dossier, actor, action, expected_version, now or timezone.now(), inputs)


def run(
    dossier: Dossier,
    actor: User | None,
    action: str,
    expected_version: int | None,
    now: dt.datetime,
    inputs: dict[str, Any],
) -> Dossier:
    """:func:`perform` on a dossier already read (a counter intake's receipt)."""
    return engine.run(
        MACHINE,
        dossier,
        actor,
        action,
        expected_version=expected_version,
        now=now,
        inputs=inputs,
    )


class DossierMachine(RoleChecked, engine.Machine[Dossier]):
    """The dossiers as the engine runs them."""

    model = Dossier
    effects = EFFECTS
    inputs = INPUTS
    conflict_message = gettext_lazy(
        "Hồ sơ %(code)s vừa được người khác cập nhật. Tải lại để xem trạng thái mới."
    )
    step_due_column = "step_due_at"

    def table(self, case: Dossier) -> Table:
        try:
            return table_for(case.procedure_version)
        except ConfigError as exc:
            raise IllegalTransition(
                _("Quy trình riêng của thủ tục này chưa dùng được: %(p)s") % {"p": exc}
            ) from exc

    def place(self, case: Dossier, where: str) -> Agency | None:
        if where == "receiving":
            return case.receiving_agency
        if where == "consulted":
            return case.consulted_agency
        return case.handling_agency

    def for_author(self, actor: User | None, case: Dossier) -> Agency:
        if actor is None or not selectors.acts_for_applicant(actor, case):
            raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": case.code})
        return case.receiving_agency

    def record(self, ctx: Context, before: str) -> None:
        step_rows(
            ctx.case,
            ctx.step.action,
            before,
            ctx.actor,
            agency=ctx.agency,
            note=ctx.inputs.get("note", ""),
            role=ctx.role,
            data=ctx.data,
            at=ctx.now,
        ).write()


MACHINE: Final = DossierMachine()
