"""Early warnings (docs/steering.md, "Early warnings").

The rules and their thresholds are configuration (``data/alerts.json``). ``evaluate``
finds what fires now — on a schedule for everything, and as events arrive for the
commune a dossier event touched or the task a report changed — opens an alert for a
subject that has none, refreshes the open ones, and clears those whose condition has
ended. People acknowledge an alert and say when it is handled through the workflow
engine (``ALERT_TABLE``); the responsible agency's leaders are told by e-mail when one
opens, and a daily digest lists the open ones.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.accounts import selectors as accounts
from lienthong.accounts.constants import Role
from lienthong.accounts.permissions import RoleChecked
from lienthong.core import audit, engine, outbox
from lienthong.core.errors import NotFound
from lienthong.core.outbox import consumer
from lienthong.core.periodic import register_periodic
from lienthong.core.workflow import Table
from lienthong.directory import selectors as directory
from lienthong.geo import selectors as geo
from lienthong.registries import selectors as registries
from lienthong.steering import index, scorecard
from lienthong.steering.constants import AlertStatus, TaskStatus
from lienthong.steering.models import Alert, AlertDigest, Cell, ProvinceCell, Task
from lienthong.steering.services import record_step
from lienthong.steering.table import ALERT_INPUTS, ALERT_TABLE

if TYPE_CHECKING:
    from collections.abc import Callable

    from lienthong.accounts.models import User
    from lienthong.core.engine import Context
    from lienthong.core.models import OutboxEvent
    from lienthong.directory.models import Agency

__all__ = ["Evaluated", "Rule", "act", "evaluate", "rules", "send_digests"]


@dataclass(frozen=True)
class Rule:
    code: str
    level: str
    label: str
    why: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.params[name]

    @property
    def explained(self) -> str:
        text = self.why
        for name, value in self.params.items():
            text = text.replace(f"«{name}»", str(value))
        return text


_KNOWN: Final = {
    "task_overdue": (),
    "task_due_soon": ("days", "stale_days"),
    "on_time_low": ("below", "min_dossiers"),
    "commune_overdue": ("more_than", "months"),
    "index_drop": ("points",),
    "registry_quality": ("points",),
}


def load(raw: Mapping[str, Any]) -> dict[str, Rule]:
    """The rules of ``raw`` (as ``data/alerts.json``), checked: known codes, a level, each
    threshold a number; a ``ValueError`` names every fault."""
    problems = []
    out: dict[str, Rule] = {}
    for r in raw.get("rules", []):
        code = str(r.get("code", ""))
        if code not in _KNOWN:
            problems.append(f"rule «{code}»: unknown (one of {', '.join(_KNOWN)})")
            continue
        if r.get("level") not in ("danger", "warning"):
            problems.append(f"{code}.level: danger or warning")
        params = {}
        for name in _KNOWN[code]:
            value = r.get(name)
            if not isinstance(value, int | float) or value < 0:
                problems.append(f"{code}.{name}: a number ≥ 0")
            params[name] = value
        out[code] = Rule(
            code, str(r.get("level")), str(r.get("label", code)), str(r.get("why", "")), params
        )
    if problems:
        raise ValueError("; ".join(problems))
    return out


@functools.cache
def rules() -> dict[str, Rule]:
    """The rules as shipped (``data/alerts.json``)."""
    return load(json.loads((Path(__file__).parent / "data" / "alerts.json").read_text()))


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str
    title: str
    value: str
    agency: Agency
    province_id: int | None


# --- What fires now ----------------------------------------------------------------------


def _tasks(today: dt.date, codes: Iterable[str] | None) -> list[Finding]:
    out: list[Finding] = []
    every = rules()
    qs = Task.objects.select_related("lead").exclude(status=TaskStatus.DONE)
    if codes is not None:
        qs = qs.filter(code__in=list(codes))
    for t in qs:
        subject = f"task:{t.code}"
        if "task_overdue" in every and t.deadline < today:
            days = (today - t.deadline).days
            out.append(
                Finding(
                    "task_overdue",
                    subject,
                    _("Nhiệm vụ %(code)s quá hạn %(days)s ngày: %(title)s")
                    % {"code": t.code, "days": days, "title": t.title[:200]},
                    _("%(days)s ngày") % {"days": days},
                    t.lead,
                    t.lead.province_id,
                )
            )
            continue
        rule = every.get("task_due_soon")
        if rule is None or not today <= t.deadline <= today + dt.timedelta(days=rule["days"]):
            continue
        last = timezone.localdate(t.last_report_at) if t.last_report_at else None
        if last is not None and last >= today - dt.timedelta(days=rule["stale_days"]):
            continue
        out.append(
            Finding(
                "task_due_soon",
                subject,
                _("Nhiệm vụ %(code)s đến hạn %(deadline)s, chưa có báo cáo gần đây: %(title)s")
                % {"code": t.code, "deadline": f"{t.deadline:%d/%m/%Y}", "title": t.title[:200]},
                _("còn %(days)s ngày") % {"days": (t.deadline - today).days},
                t.lead,
                t.lead.province_id,
            )
        )
    return out


def _month(today: dt.date, back: int = 0) -> scorecard.Period:
    first = today.replace(day=1)
    for _i in range(back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return scorecard.parse_period(f"{first.year}-{first.month:02d}")


def _communes(today: dt.date, ids: Iterable[int] | None) -> list[Finding]:
    out: list[Finding] = []
    every = rules()
    where = Q(commune__isnull=False)
    if ids is not None:
        where &= Q(commune_id__in=list(ids))
    units: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    low = every.get("on_time_low")
    if low is not None:
        month = _month(today)
        for r in (
            Cell.objects.filter(where & month.months())
            .values("commune_id")
            .annotate(n=Sum("dossiers"), late_n=Sum("late"))
        ):
            units[r["commune_id"]] = (r["n"] or 0, r["late_n"] or 0)
    overdue: dict[int, int] = {}
    many = every.get("commune_overdue")
    if many is not None:
        since = _month(today, int(many["months"]) - 1).start
        overdue = {
            r["commune_id"]: r["n"] or 0
            for r in Cell.objects.filter(where, month__gte=since)
            .values("commune_id")
            .annotate(n=Sum("overdue_open"))
            if (r["n"] or 0) > many["more_than"]
        }
    firing = {c for c, (n, late) in units.items() if low is not None and _low(low, n, late)} | set(
        overdue
    )
    committees = directory.committees_of_units(firing)
    for commune, committee in committees.items():
        unit = committee.unit
        name = unit.name if unit is not None else committee.name
        code = unit.code if unit is not None else ""
        n, late = units.get(commune, (0, 0))
        if low is not None and _low(low, n, late):
            rate = index.rate(n - late, n)
            out.append(
                Finding(
                    "on_time_low",
                    f"commune:{code}",
                    _("%(name)s: tỷ lệ hồ sơ đúng hạn tháng này %(rate)s %%")
                    % {"name": name, "rate": rate},
                    f"{rate} %",
                    committee,
                    committee.province_id,
                )
            )
        if commune in overdue:
            out.append(
                Finding(
                    "commune_overdue",
                    f"commune:{code}",
                    _("%(name)s: %(n)s hồ sơ quá hạn chưa giải quyết xong")
                    % {"name": name, "n": overdue[commune]},
                    str(overdue[commune]),
                    committee,
                    committee.province_id,
                )
            )
    return out


def _low(rule: Rule, n: int, late: int) -> bool:
    return n >= rule["min_dossiers"] and Decimal(100 * (n - late)) < Decimal(rule["below"]) * n


def _provinces(today: dt.date) -> list[Finding]:
    out: list[Finding] = []
    every = rules()
    provinces = {u.pk: u for u in geo.current_units("province")}
    committees = directory.committees_of_units(provinces)
    low = every.get("on_time_low")
    if low is not None:
        month = _month(today)
        for r in (
            ProvinceCell.objects.filter(month.months())
            .values("province_id")
            .annotate(n=Sum("dossiers"), late_n=Sum("late"))
        ):
            n, late = r["n"] or 0, r["late_n"] or 0
            committee = committees.get(r["province_id"])
            if committee is None or not _low(low, n, late):
                continue
            unit = provinces[r["province_id"]]
            rate = index.rate(n - late, n)
            out.append(
                Finding(
                    "on_time_low",
                    f"province:{unit.code}",
                    _("%(name)s: tỷ lệ hồ sơ đúng hạn tháng này %(rate)s %%")
                    % {"name": unit.name, "rate": rate},
                    f"{rate} %",
                    committee,
                    unit.pk,
                )
            )
    drop = every.get("index_drop")
    if drop is not None:
        last, before = _month(today, 1), _month(today, 2)
        now_rows = {r.scope.code: r for r in scorecard.ranking(scorecard.NATION, last)}
        for code, row in now_rows.items():
            change = row.change
            committee = committees.get(row.scope.unit_id or 0)
            if change is None or committee is None or -change <= drop["points"]:
                continue
            out.append(
                Finding(
                    "index_drop",
                    f"province:{code}",
                    _("%(name)s: chỉ số phục vụ %(month)s giảm %(points)s điểm so với %(before)s")
                    % {
                        "name": row.scope.name,
                        "month": last.label,
                        "points": -change,
                        "before": before.label,
                    },
                    str(change),
                    committee,
                    row.scope.province_id,
                )
            )
    return out


def _registries() -> list[Finding]:
    rule = rules().get("registry_quality")
    if rule is None:
        return []
    out = []
    for q in registries.quality_changes():
        if q.previous - q.latest <= rule["points"]:
            continue
        out.append(
            Finding(
                "registry_quality",
                f"registry:{q.code}",
                _("%(name)s: tỷ lệ bản ghi không có lỗi giảm từ %(before)s %% xuống %(now)s %%")
                % {"name": q.name, "before": q.previous, "now": q.latest},
                f"{q.latest} %",
                q.owner,
                q.owner.province_id,
            )
        )
    return out


# --- Opening, refreshing, clearing -------------------------------------------------------


@dataclass
class Evaluated:
    opened: list[Alert] = field(default_factory=list)
    refreshed: int = 0
    cleared: int = 0


def evaluate(
    now: dt.datetime | None = None,
    *,
    tasks: Iterable[str] | None = None,
    communes: Iterable[int] | None = None,
) -> Evaluated:
    """Evaluate the rules (all of them; or only a few tasks' or communes' when named) and
    bring the alerts up to date, in one transaction."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    partial = tasks is not None or communes is not None
    findings: list[Finding] = []
    covered = Q()
    if not partial:
        findings = [
            *_tasks(today, None),
            *_communes(today, None),
            *_provinces(today),
            *_registries(),
        ]
        covered = Q()
    else:
        parts = Q(pk__in=[])
        if tasks is not None:
            codes = list(tasks)
            findings += _tasks(today, codes)
            parts |= Q(
                rule__in=["task_overdue", "task_due_soon"], subject__in=[f"task:{c}" for c in codes]
            )
        if communes is not None:
            ids = list(communes)
            findings += _communes(today, ids)
            codes = geo.unit_codes(ids)
            parts |= Q(
                rule__in=["on_time_low", "commune_overdue"],
                subject__in=[f"commune:{c}" for c in codes],
            )
        covered = parts
    done = Evaluated()
    with transaction.atomic():
        episodes = {
            (a.rule, a.subject): a
            for a in Alert.objects.select_for_update().filter(covered, cleared_at__isnull=True)
        }
        fired = set()
        for f in findings:
            fired.add((f.rule, f.subject))
            episode = episodes.get((f.rule, f.subject))
            if episode is None:
                done.opened.append(_open(f, now))
            elif episode.status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED):
                # Written when the figure moves, or to say it still holds once a minute
                # (not on each of a busy commune's events).
                if (episode.value, episode.title) != (
                    f.value,
                    f.title[:300],
                ) or now - episode.seen_at >= SEEN_EVERY:
                    Alert.objects.filter(pk=episode.pk).update(
                        seen_at=now, value=f.value, title=f.title[:300]
                    )
                done.refreshed += 1
        for key, episode in episodes.items():
            if key in fired:
                continue
            if episode.status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED):
                engine.run(
                    MACHINE, episode, None, "clear", expected_version=None, now=now, inputs={}
                )
            else:  # resolved by hand earlier: the episode ends with its condition
                Alert.objects.filter(pk=episode.pk).update(cleared_at=now)
            done.cleared += 1
    return done


#: How often an alert that still holds, its figure unchanged, says so (``seen_at``).
SEEN_EVERY: Final = dt.timedelta(minutes=1)


def _open(f: Finding, now: dt.datetime) -> Alert:
    rule = rules()[f.rule]
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule=f.rule,
                subject=f.subject,
                level=rule.level,
                title=f.title[:300],
                detail=rule.explained,
                value=f.value,
                agency=f.agency,
                province_id=f.province_id,
                opened_at=now,
                seen_at=now,
            )
    except IntegrityError:  # opened meanwhile by another evaluation
        return Alert.objects.get(rule=f.rule, subject=f.subject, cleared_at__isnull=True)
    outbox.emit(
        "alert.open",
        aggregate_type="alert",
        aggregate_id=alert.pk,
        payload={
            "rule": f.rule,
            "subject": f.subject,
            "level": rule.level,
            "agency": f.agency.code,
        },
    )
    audit.defer(
        audit.pending_row(
            "alert.open",
            object_type="alert",
            object_id=alert.pk,
            at=now,
            data={"rule": f.rule, "subject": f.subject, "value": f.value},
        )
    )
    return alert


# --- People's steps ----------------------------------------------------------------------


def _acknowledge(ctx: Context[Alert]) -> None:
    ctx.fields.update(acknowledged_at=ctx.now, acknowledged_by=ctx.actor)
    if ctx.inputs.get("note"):
        ctx.fields["note"] = ctx.inputs["note"]


def _resolve(ctx: Context[Alert]) -> None:
    ctx.fields.update(resolved_at=ctx.now, resolved_by=ctx.actor, note=ctx.inputs["note"])


def _clear(ctx: Context[Alert]) -> None:
    ctx.fields.update(cleared_at=ctx.now)


class AlertMachine(RoleChecked, engine.Machine[Alert]):
    model = Alert
    effects: Mapping[str, Callable[[Context[Alert]], None]] = {
        "acknowledge": _acknowledge,
        "resolve": _resolve,
        "clear": _clear,
    }
    inputs = ALERT_INPUTS
    conflict_message = gettext_lazy("Cảnh báo vừa được cập nhật. Tải lại trang để xem.")
    texts = ("note",)

    def table(self, case: Alert) -> Table:
        return ALERT_TABLE

    def place(self, case: Alert, where: str) -> Agency | None:
        return case.agency

    def for_author(self, actor: User | None, case: Alert) -> Agency:
        raise NotFound(_("Không tìm thấy cảnh báo."))  # no step of an alert is an author's

    def record(self, ctx: Context[Alert], before: str) -> None:
        record_step(
            ctx,
            before,
            kind="alert",
            key=ctx.case.pk,
            payload={"rule": ctx.case.rule, "subject": ctx.case.subject},
        )


MACHINE: Final = AlertMachine()


def act(
    *,
    actor: User,
    alert_id: int,
    action: str,
    note: str = "",
    expected_version: int | None = None,
) -> Alert:
    """A person's step on an alert (acknowledge, resolve); ``expected_version`` refuses
    a step taken on a page older than the alert's last change (Conflict)."""
    from lienthong.steering.selectors import get_alert

    return engine.run(
        MACHINE,
        get_alert(actor, alert_id),
        actor,
        action,
        expected_version=expected_version,
        now=timezone.now(),
        inputs={"note": note},
    )


# --- Telling people ----------------------------------------------------------------------


def _recipients(agency: Agency) -> list[User]:
    people = [
        *accounts.holders_of(agency, Role.LEADER),
        *accounts.holders_of(agency, Role.STEERING_VIEWER),
    ]
    out: dict[int, User] = {}
    for p in people:
        if p.email:
            out.setdefault(p.pk, p)
    return list(out.values())


@consumer("steering.alert-mail", topics=["alert.open"])
def mail_opened(event: OutboxEvent) -> None:
    """The responsible agency's leaders (and its steering viewers) are told of a new
    alert by e-mail, once."""
    alert = Alert.objects.select_related("agency").filter(pk=int(event.aggregate_id)).first()
    if alert is None or alert.notified_at is not None:
        return
    to = [p.email for p in _recipients(alert.agency)]
    if to:
        send_mail(
            subject=f"[LiênThông] {_('Cảnh báo')}: {alert.title}"[:200],
            message=f"{alert.title}\n\n{alert.detail}\n\n{settings.PUBLIC_URL}/dieu-hanh/canh-bao/{alert.pk}/",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=to,
        )
    Alert.objects.filter(pk=alert.pk).update(notified_at=timezone.now())


@consumer("steering.alert-check", topics=["task."])
def check_task(event: OutboxEvent) -> None:
    """A report on a task may end its warning (or a reopened task start one)."""
    evaluate(tasks=[event.aggregate_id])


def check_communes(ids: Iterable[int]) -> None:
    """Called by the rollups after a dossier event: the communes it touched."""
    ids = [i for i in ids if i]
    if ids:
        evaluate(communes=ids)


@register_periodic("steering.alerts", every_seconds=300)
def evaluate_all() -> str:
    done = evaluate()
    return f"{len(done.opened)} mở, {done.refreshed} còn, {done.cleared} đóng"


DIGEST_HOUR: Final = 7


@register_periodic("steering.digest", every_seconds=900)
def send_digests(now: dt.datetime | None = None) -> int:
    """From 7:00 each day, one e-mail to each person told of open alerts (the responsible
    agencies' leaders and steering viewers) listing them; once a day per person."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < DIGEST_HOUR:
        return 0
    day = local.date()
    by_user: dict[int, tuple[User, list[Alert]]] = {}
    open_ = Alert.objects.filter(
        status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED]
    ).select_related("agency")
    for alert in open_.order_by("level", "-opened_at"):
        for person in _recipients(alert.agency):
            by_user.setdefault(person.pk, (person, []))[1].append(alert)
    sent = 0
    for person, alerts in by_user.values():
        try:
            with transaction.atomic():
                AlertDigest.objects.create(user=person, day=day, alerts=len(alerts))
                lines = [
                    f"- [{a.get_level_display()}] {a.title} ({a.get_status_display()})"
                    for a in alerts
                ]
                title = _("Cảnh báo sớm ngày %(day)s") % {"day": f"{day:%d/%m/%Y}"}
                send_mail(
                    subject=f"[LiênThông] {title}",
                    message="\n".join(
                        [
                            _("Các cảnh báo đang mở:"),
                            *lines,
                            "",
                            f"{settings.PUBLIC_URL}/dieu-hanh/canh-bao/",
                        ]
                    ),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[person.email],
                )
        except IntegrityError:
            continue  # already sent today
        sent += 1
    return sent
