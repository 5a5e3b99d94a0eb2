"""The workflow engine every stateful app runs its transition table on.

An app describes its cases to the engine once (a :class:`Machine`): the table of a case,
which agency of a case a row's ``where`` names, who acts for the case's author, its
effects and inputs, and how a step is recorded (history row, outbox event, audit entry).
:func:`run` then carries out a step the same way for every app:

1. the row of the action (NotFound), the actor's permission at the row's agency or that
   they act for the author (PermissionDenied / NotFound), the current state
   (IllegalTransition), the inputs (InvalidInput naming the input);
2. the row's effects, small functions that check their inputs and say what changes
   (columns, what the history records, rows to write, work to do in the transaction);
3. in one transaction: what must precede the update (a register number), the case under
   its optimistic lock (of two concurrent steps one wins, the other gets Conflict), the
   rows the effects asked for, the files they staged, and the step's records.

The dossiers (``dossiers.workflow``) and feedback (``feedback.services``) run on it.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from lienthong.core import files as stored_files
from lienthong.core.errors import Conflict, IllegalTransition, InvalidInput, InvalidParam, NotFound
from lienthong.core.text import clean_param
from lienthong.core.workcalendar import get_calendar
from lienthong.core.workflow import APPLICANT, Step, Table

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency

__all__ = ["Context", "Machine", "Unchanged", "bad", "clean_inputs", "file_writes", "run"]


C = TypeVar("C", bound=models.Model)
R = TypeVar("R", bound=models.Model)


class Unchanged(Exception):
    """The step has already had its effect (a payment recorded twice): nothing to write."""


@dataclass
class Context(Generic[C]):
    """One step under way: what the effects read and what they say to write."""

    case: C
    step: Step
    actor: User | None
    agency: Agency
    role: str
    now: dt.datetime
    inputs: dict[str, Any]
    #: Columns of the case to set.
    fields: dict[str, Any] = field(default_factory=dict)
    #: What the history row, the event and the audit entry record.
    data: dict[str, Any] = field(default_factory=dict)
    #: Rows to write after the case's update, in its transaction.
    writes: list[Callable[[stored_files.Staging], None]] = field(default_factory=list)
    #: What must happen in the step's transaction before the case's update (taking a
    #: register number: a step refused by the optimistic lock leaves no gap).
    in_transaction: list[Callable[[Context[C]], None]] = field(default_factory=list)


class Machine(ABC, Generic[C]):
    """What the engine needs to know of one app's cases. Subclasses set ``model``,
    ``effects``, ``inputs`` and ``conflict_message`` and implement the hooks."""

    model: type[C]
    effects: Mapping[str, Callable[[Context[C]], None]]
    #: Input name → (stable code, Vietnamese message) when a required one is missing.
    inputs: Mapping[str, tuple[str, StrOrPromise]]
    #: What a step refused by the optimistic lock says (``%(code)s``: the case's code).
    conflict_message: StrOrPromise
    #: The text inputs (cleaned: control characters refused, blank dropped).
    texts: tuple[str, ...] = ("note", "comment")
    #: The column the engine stamps a row's own deadline in ("" when the app has none).
    step_due_column: str = ""

    @abstractmethod
    def table(self, case: C) -> Table: ...

    @abstractmethod
    def place(self, case: C, where: str) -> Agency | None:
        """The agency of ``case`` a row's ``where`` names."""

    @abstractmethod
    def authorize(self, actor: User, permission: str, agency: Agency) -> str:
        """Raise PermissionDenied unless ``actor`` holds ``permission`` at ``agency``;
        the role they act in (``accounts.permissions.RoleChecked``)."""

    @abstractmethod
    def for_author(self, actor: User | None, case: C) -> Agency:
        """The agency an author's step is recorded at; raise NotFound unless ``actor``
        acts for the case's author."""

    @abstractmethod
    def record(self, ctx: Context[C], before: str) -> None:
        """Write the step's history row, outbox event and audit entry."""

    def conflict(self, case: C) -> Conflict:
        return Conflict(str(self.conflict_message) % {"code": getattr(case, "code", "")})


def file_writes(
    rows: list[R], contents: list[Any], name: Callable[[R, str], str]
) -> Callable[[stored_files.Staging], None]:
    """The write of a step's new file rows (``rows[i]`` holds ``contents[i]``, an
    upload's ``.file``): each file staged under ``name(row, original name)``, the rows
    inserted — in the step's transaction, the files settled with it or removed."""

    def write(staged: stored_files.Staging) -> None:
        for row, content in zip(rows, contents, strict=True):
            row.file = staged.add(name(row, row.original_name), content)  # type: ignore[attr-defined]
        if rows:
            type(rows[0])._default_manager.bulk_create(rows)

    return write


def run(
    machine: Machine[C],
    case: C,
    actor: User | None,
    action: str,
    *,
    expected_version: int | None,
    now: dt.datetime,
    inputs: Mapping[str, Any],
) -> C:
    """Carry out step ``action`` on ``case`` (read by the caller through its access
    function) and return the case after it. ``actor`` None is the platform itself."""
    table = machine.table(case)
    step = table.step(action)
    if step is None:
        raise NotFound(_("Không có thao tác «%(a)s».") % {"a": action})
    if step.permission == APPLICANT:
        agency, role = machine.for_author(actor, case), "applicant"
    else:
        place = machine.place(case, step.where)
        if place is None:
            raise IllegalTransition(_("Bước này chưa có cơ quan thực hiện."))
        agency = place
        role = "system" if actor is None else machine.authorize(actor, step.permission, place)
    status = str(getattr(case, "status", ""))
    if status not in step.sources:
        raise IllegalTransition(
            _("Không thể «%(action)s» khi đang ở trạng thái «%(status)s».")
            % {"action": step.label, "status": table.label(status)}
        )
    ctx = Context(case, step, actor, agency, role, now, clean_inputs(machine, step, inputs))
    try:
        for name in step.effects:
            machine.effects[name](ctx)
    except Unchanged:
        return case
    if machine.step_due_column:
        if step.deadline_days:
            step_due = get_calendar().add_working_hours(now, step.deadline_days * 8)
            ctx.fields[machine.step_due_column] = step_due
            ctx.data[machine.step_due_column] = step_due.isoformat()
        elif getattr(case, machine.step_due_column) is not None:
            ctx.fields[machine.step_due_column] = None
    with stored_files.staging() as staged, transaction.atomic():
        for prepare in ctx.in_transaction:
            prepare(ctx)
        before = _update(machine, ctx, expected_version)
        for write in ctx.writes:
            write(staged)
        machine.record(ctx, before)
        staged.settle()
    return case


def clean_inputs(machine: Machine[C], step: Step, given: Mapping[str, Any]) -> dict[str, Any]:
    """The step's inputs, cleaned: empty ones dropped, text checked, required ones there."""
    unknown = set(given) - set(machine.inputs)
    if unknown:
        raise TypeError(f"unknown workflow inputs: {sorted(unknown)}")
    inputs = {k: v for k, v in given.items() if v not in (None, "", [])}
    for name in machine.texts:
        if name in inputs:
            inputs[name] = clean_param(name, str(inputs[name]), multiline=True)
            if not inputs[name]:
                del inputs[name]
    for name in sorted(set(inputs) - step.inputs):
        raise bad(
            name,
            "not_accepted",
            _("Bước «%(step)s» không nhận «%(name)s».") % {"step": step.label, "name": name},
        )
    for name in sorted(step.required - set(inputs)):
        code, words = machine.inputs[name]
        raise bad(name, code, str(words))
    return inputs


def bad(name: str, code: str, reason: str) -> InvalidInput:
    """A bad input named ``name``, with a stable code and a message for a person."""
    return InvalidInput(reason, invalid_params=[InvalidParam(name, code, reason)])


def _update(machine: Machine[C], ctx: Context[C], expected: int | None) -> str:
    """Update the case if nobody changed it since ``expected`` (default: as read); the
    state it left."""
    case = ctx.case
    before = str(getattr(case, "status", ""))
    fields = dict(ctx.fields)
    if ctx.step.target is not None:
        fields["status"] = ctx.step.target
    read = int(getattr(case, "lock_version", 0))
    seen = read if expected is None else expected
    updated = machine.model._default_manager.filter(pk=case.pk, lock_version=seen).update(
        lock_version=F("lock_version") + 1, **fields
    )
    if not updated:
        raise machine.conflict(case)
    # The row is what was read plus these fields (a column a sweep sets without a new
    # version, so that it never causes a 409, may be newer there).
    if seen == read:
        case.lock_version = seen + 1  # type: ignore[attr-defined]
        for name, value in fields.items():
            # As the row reads back: times in UTC (the calendar answers in local time).
            if isinstance(value, dt.datetime):
                value = value.astimezone(dt.UTC)
            setattr(case, name, value)
    else:
        case.refresh_from_db()
    return before
