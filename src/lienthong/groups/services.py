"""Filing an interconnected group once, and moving it as its procedures settle.

The applicant fills the group's one electronic form. The procedures that wait for
nothing are filed at once as ordinary dossiers (the first goes through the one-stop
intake of the commune); each of the others is filed by the platform when every
procedure it waits for has its result, with its declaration taken from the group's form
and from what those results passed on (the newborn's identification number), received
at once (its data came complete) and handled in its agency's own queue with its own
deadline. A refused procedure stops those that wait for it, never those already done:
their results (and what they wrote to the registries) stay valid, and the application
says what to do next.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.catalog import eforms
from lienthong.catalog import selectors as catalog
from lienthong.core import audit, outbox
from lienthong.core.errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    InvalidInput,
    InvalidParam,
    NotFound,
)
from lienthong.dossiers import services as dossiers
from lienthong.geo import selectors as geo
from lienthong.groups.constants import SETTLED, Status, StepStatus
from lienthong.groups.models import GroupApplication, GroupEvent, GroupStep
from lienthong.groups.table import TABLE

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from lienthong.accounts.models import User
    from lienthong.catalog.models import GroupMember, ProcedureGroup
    from lienthong.geo.models import AdministrativeUnit

__all__ = ["TOPICS", "apply", "member_declaration", "on_dossier_event"]

#: The key of the sources of prefilled values in a declaration (as on a dossier).
_SOURCES: Final = "_nguon"


def member_declaration(
    member: GroupMember,
    form: eforms.FormDefinition,
    group_data: Mapping[str, Any],
    results: Mapping[str, Any],
) -> dict[str, Any]:
    """One procedure's declaration from the group's: each item of its form from the
    member's mapping (``form:``, ``result:``, ``const:``), else the group's item of the
    same key."""
    out: dict[str, Any] = {}
    for f in form.fields:
        source = str(member.fields.get(f.key, ""))
        kind, _sep, name = source.partition(":")
        if kind == "form":
            value = group_data.get(name)
        elif kind == "result":
            value = results.get(name)
        elif kind == "const":
            value = name
        else:
            value = group_data.get(f.key)
        if value not in (None, ""):
            out[f.key] = value
    return out


def _members(group: ProcedureGroup) -> list[GroupMember]:
    return list(group.members.all())


def _new_code(group: ProcedureGroup) -> str:
    """ "LT01-261207-3FA2B1": the group, the day, six random hexadecimal digits."""
    day = f"{timezone.localdate():%y%m%d}"
    return f"{group.code.replace('-', '')}-{day}-{secrets.token_hex(3).upper()}"


def apply(
    *,
    actor: User,
    group_code: str,
    commune_code: str,
    form_data: dict[str, Any],
    prefilled_from: dict[str, dict[str, Any]] | None = None,
    idempotency_key: str = "",
) -> GroupApplication:
    """File an application for the group: the declaration checked on the group's form
    (each problem named ``form_data.<key>``), the procedures that wait for nothing filed
    as dossiers, all in one transaction (nothing is left when one cannot be filed).

    Filing again under the same ``idempotency_key`` (a double click, a retried request)
    returns the application the first attempt filed, with nothing filed twice, also when
    both attempts race (the key is unique per applicant).

    Raises NotFound (no such group), InvalidInput (the declaration, the commune, a
    procedure's own checks; ``key_reused`` when the key filed a different application),
    PermissionDenied.
    """
    idempotency_key = idempotency_key.strip()[:100]
    group = catalog.get_group(group_code)
    form = catalog.group_form_of(group)
    if form is None:
        raise NotFound(_("Nhóm thủ tục này chưa nộp được một lần (chưa có tờ khai chung)."))
    data = {k: v for k, v in form_data.items() if not str(k).startswith("_")}
    cleaned, problems = eforms.clean(form, data)
    problems += eforms.identity_problems(form, cleaned, actor.pin or "")
    if problems:
        raise InvalidInput(_("Tờ khai chưa đầy đủ hoặc chưa đúng."), invalid_params=problems)
    try:
        unit = geo.current_unit(commune_code, level="commune")
    except NotFound as exc:
        raise InvalidInput(
            invalid_params=[
                InvalidParam("commune", "unknown_unit", _("Chọn xã, phường nơi giải quyết."))
            ]
        ) from exc
    first = _filed_before(actor, idempotency_key, group, unit, cleaned)
    if first is not None:
        return first
    if prefilled_from:
        cleaned[_SOURCES] = {k: s for k, s in prefilled_from.items() if k in cleaned}
    members = _members(group)
    now = timezone.now()
    for _attempt in range(3):
        try:
            # One transaction: a procedure that cannot be filed leaves nothing behind.
            with transaction.atomic():
                app = GroupApplication.objects.create(
                    code=_new_code(group),
                    group=group,
                    applicant=actor,
                    submitted_by=actor,
                    competent_unit=unit,
                    form_data=cleaned,
                    submitted_at=now,
                    idempotency_key=idempotency_key,
                )
                GroupStep.objects.bulk_create(
                    GroupStep(
                        application=app,
                        order=m.order,
                        procedure_code=m.procedure.code,
                        procedure_name=m.procedure_name[:500],
                        after=list(m.after or []),
                    )
                    for m in members
                )
                _event(app, "file", "", _("Nộp hồ sơ liên thông"), {"group": group.code}, actor)
                for step in app.steps.order_by("order"):
                    if not step.after:
                        _file(app, step, members, strict=True)
            return app
        except IntegrityError:
            # A retry that raced its first attempt (the key's constraint refused the row;
            # nothing of this attempt is kept): the first application. Otherwise the same
            # random code was drawn twice: draw again.
            first = _filed_before(actor, idempotency_key, group, unit, cleaned)
            if first is not None:
                return first
            continue
    raise Conflict(_("Chưa tạo được mã hồ sơ liên thông; hãy thử lại."))


def _filed_before(
    actor: User,
    idempotency_key: str,
    group: ProcedureGroup,
    unit: AdministrativeUnit,
    declared: Mapping[str, Any],
) -> GroupApplication | None:
    """The application ``actor`` already filed under ``idempotency_key``, if it is the
    same one (group, commune, declaration); None if there is none. Raises InvalidInput
    (``key_reused``) when the key filed a different one: going back to the page and
    filing for a second child must not be told it is done."""
    if not idempotency_key:
        return None
    first = (
        GroupApplication.objects.select_related("group", "applicant")
        .filter(applicant=actor, idempotency_key=idempotency_key)
        .first()
    )
    if first is None:
        return None

    def answers(data: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k != _SOURCES}

    if (
        first.group_id == group.pk
        and first.competent_unit_id == unit.pk
        and answers(first.form_data) == answers(declared)
    ):
        return first
    raise InvalidInput(
        invalid_params=[
            InvalidParam(
                "idempotency_key",
                "key_reused",
                _(
                    "Khoá chống gửi trùng đã dùng cho hồ sơ %(code)s có nội dung khác; hồ sơ "
                    "này chưa được nộp, hãy gửi lại."
                )
                % {"code": first.code},
            )
        ]
    )


def _file(
    app: GroupApplication, step: GroupStep, members: list[GroupMember], *, strict: bool
) -> None:
    """File one procedure as a dossier. The first ones go through the one-stop intake;
    one the platform files after a result is received at once, with the time the group
    gives it (the member's ``days``, when set) rather than its procedure's own.
    ``strict``: a procedure that cannot be filed raises (the application is not made);
    otherwise the step says why and the rest goes on."""
    member = next(m for m in members if m.order == step.order)
    version = catalog.get_procedure(step.procedure_code)
    form = catalog.form_of(version)
    declared = member_declaration(member, form, app.form_data, app.results) if form else {}
    sources = app.form_data.get(_SOURCES) or {}
    try:
        with transaction.atomic():
            dossier = dossiers.submit(
                actor=app.submitted_by,
                applicant=app.applicant,
                procedure_code=step.procedure_code,
                competent_unit_code=app.competent_unit.code,
                summary=_("Hồ sơ liên thông %(code)s (%(group)s), bước %(n)d")
                % {"code": app.code, "group": app.group.code, "n": step.order},
                form_data=declared,
                idempotency_key=f"{app.code}-{step.order}",
                eid_authenticated=bool(app.applicant.pin),
                prefilled_from={k: s for k, s in sources.items() if k in declared},
                platform_filed=True,
            )
            if step.after:
                dossier = dossiers.receive_by_platform(
                    code=dossier.code,
                    note=_("Tiếp nhận liên thông: dữ liệu chuyển từ hồ sơ %(code)s")
                    % {"code": app.code},
                    days=member.days,
                )
            step.dossier = dossier
            step.status = StepStatus.FILED
            step.save(update_fields=["dossier", "status"])
    except DomainError as exc:
        if strict:
            raise
        reasons = "; ".join(str(p.reason) for p in exc.invalid_params) or str(exc.detail)
        step.status = StepStatus.FAILED
        step.note = _(
            "Chưa chuyển được sang cơ quan giải quyết: %(r)s. Cán bộ một cửa sẽ liên hệ để "
            "bổ sung; bạn cũng có thể nộp riêng thủ tục này."
        ) % {"r": reasons}
        step.save(update_fields=["status", "note"])


# --------------------------------------------------------------------------- engine


def _event(
    app: GroupApplication,
    action: str,
    before: str,
    note: str,
    data: dict[str, Any],
    actor: User | None = None,
) -> None:
    now = timezone.now()
    GroupEvent.objects.create(
        application=app,
        action=action,
        from_status=before,
        to_status=app.status,
        at=now,
        note=note,
        data=data,
    )
    # Deferred into the chain (sealed within seconds), as dossier steps are: appending
    # to the head at once would make every filing wait on one lock.
    audit.defer(
        audit.pending_row(
            f"group.{action}",
            actor=actor if actor is not None else "system:worker",
            object_type="group_application",
            object_id=app.code,
            at=now,
            data={"from_status": before, "to_status": app.status, **data},
        )
    )
    outbox.emit(
        f"group.{action}",
        aggregate_type="group_application",
        aggregate_id=app.code,
        payload={
            "code": app.code,
            "group": app.group.code,
            "status": app.status,
            "from": before,
            "applicant": app.applicant.pin,
            "at": now.isoformat(),
            "data": data,
        },
    )


def _file_ready(app: GroupApplication) -> dict[str, Any]:
    """File every waiting procedure whose predecessors all have their results, and stop
    those that wait for a refused (or stopped, or unfiled) one, whatever their orders:
    a member may wait for one listed after it. Repeated until nothing changes, so a stop
    reaches every procedure that waits for it, directly or not. When nothing is under
    way any more, what still waits never will (its predecessors wait for one another):
    it is stopped too, so the application settles."""
    steps = {s.order: s for s in app.steps.select_related("dossier")}
    members = _members(app.group)
    filed: list[int] = []
    blocked: list[int] = []
    changed = True
    while changed:
        changed = False
        for step in steps.values():
            if step.status != StepStatus.WAITING:
                continue
            before = [steps[o] for o in step.after if o in steps]
            stopped = [b for b in before if b.status in _STOPPED]
            if stopped:
                _block(step, stopped[0])
                blocked.append(step.order)
                changed = True
            elif all(b.status == StepStatus.DONE for b in before):
                _file(app, step, members, strict=False)
                filed.append(step.order)
                changed = True
    if not any(s.status == StepStatus.FILED for s in steps.values()):
        for step in steps.values():
            if step.status == StepStatus.WAITING:
                waits_for = next(
                    (
                        steps[o]
                        for o in step.after
                        if o in steps and steps[o].status != StepStatus.DONE
                    ),
                    step,
                )
                _block(step, waits_for)
                blocked.append(step.order)
    return {"filed": filed, "blocked": blocked}


#: A procedure that will give no result: those waiting for it are stopped.
_STOPPED: Final = frozenset({StepStatus.REFUSED, StepStatus.BLOCKED, StepStatus.FAILED})


def _block(step: GroupStep, because: GroupStep) -> None:
    step.status = StepStatus.BLOCKED
    step.note = _(
        "Không thực hiện được vì «%(p)s» chưa có kết quả. Khi có kết quả, bạn có thể "
        "nộp riêng thủ tục này."
    ) % {"p": because.procedure_name}
    step.save(update_fields=["status", "note"])


def _finish(app: GroupApplication) -> dict[str, Any]:
    app.finished_at = timezone.now()
    return {}


_EFFECTS: Final[Mapping[str, Callable[[GroupApplication], dict[str, Any]]]] = {
    "file_ready": _file_ready,
    "finish": _finish,
}


def _perform(app: GroupApplication, action: str, note: str = "") -> None:
    """Take a step of the application's table (the platform's), in the caller's
    transaction, the application locked."""
    step = TABLE.step(action)
    if step is None:
        raise NotFound(action)
    if app.status not in step.sources:
        raise IllegalTransition(
            _("Không thể «%(a)s» hồ sơ liên thông đang «%(s)s».")
            % {"a": step.label, "s": TABLE.label(app.status)}
        )
    before = app.status
    data: dict[str, Any] = {}
    for effect in step.effects:
        data.update(_EFFECTS[effect](app))
    if step.target is not None:
        app.status = step.target
    GroupApplication.objects.filter(pk=app.pk).update(
        status=app.status,
        finished_at=app.finished_at,
        results=app.results,
        lock_version=F("lock_version") + 1,
    )
    _event(app, action, before, note, data)


def on_dossier_event(topic: str, code: str, payload: Mapping[str, Any]) -> None:
    """A dossier of an application moved: record its outcome, file what waited for it,
    and settle the application when every procedure is settled."""
    step = (
        GroupStep.objects.select_related("application__group", "application__applicant")
        .filter(dossier__code=code)
        .first()
    )
    if step is None or step.status in SETTLED:
        return
    if topic == "dossier.refuse":  # the reason, until the refusal notice is issued
        step.note = str(_REFUSED) % {"n": payload.get("note") or "—"}
        step.save(update_fields=["note"])
        return
    app = GroupApplication.objects.select_for_update().get(pk=step.application_id)
    app.group = step.application.group
    app.applicant = step.application.applicant
    if topic == "dossier.issue_result" and payload.get("from") != "refused":
        step.status = StepStatus.DONE
        passed = {k: v for k, v in (payload.get("data") or {}).items() if k in _PASSED_ON}
        app.results = {**app.results, **passed}
    elif topic == "dossier.issue_result":
        step.status = StepStatus.REFUSED
        step.note = step.note or str(_REFUSED) % {"n": _("xem văn bản trả lời trong hồ sơ")}
    elif topic in _ENDED:
        step.status = StepStatus.REFUSED
        step.note = str(_ENDED[topic]) % {"n": payload.get("note") or "—"}
    else:
        return
    step.save(update_fields=["status", "note"])
    if app.status != Status.IN_PROGRESS:
        return
    _perform(app, "advance", note=step.procedure_name)
    steps = list(app.steps.all())
    if all(s.status in SETTLED for s in steps):
        if all(s.status == StepStatus.DONE for s in steps):
            _perform(app, "complete")
        elif all(s.status != StepStatus.DONE for s in steps):
            _perform(app, "stop")
        else:
            _perform(app, "complete_partly")


#: What a result passes on to the procedures after it (from its step's history).
_PASSED_ON: Final = frozenset({"new_pin", "insurance_code"})

#: A dossier ended without a result.
_ENDED: Final[dict[str, StrPromise]] = {
    "dossier.refuse_intake": gettext_lazy("Không được tiếp nhận: %(n)s"),
    "dossier.withdraw": gettext_lazy("Người nộp đã rút hồ sơ: %(n)s"),
    "dossier.cancel": gettext_lazy("Hồ sơ đã bị hủy: %(n)s"),
}
_REFUSED: Final = gettext_lazy("Cơ quan giải quyết từ chối: %(n)s")

#: The dossier events an application listens to.
TOPICS: Final = ("dossier.issue_result", "dossier.refuse", *_ENDED)
