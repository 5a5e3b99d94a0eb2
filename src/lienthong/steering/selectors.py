"""Reads of the steering app: Plan 02's tasks, with where each stands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import can, reach
from lienthong.core.errors import DomainError, NotFound, PermissionDenied
from lienthong.steering import scorecard
from lienthong.steering.constants import AlertStatus, TaskStatus
from lienthong.steering.models import (
    Alert,
    DossierFact,
    ReportFact,
    Task,
    TaskEvidence,
    TaskReport,
)
from lienthong.steering.table import ALERT_TABLE, TABLE

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lienthong.accounts.models import User
    from lienthong.core.workflow import Step

__all__ = [
    "DRILLS",
    "DUE_SOON_DAYS",
    "STALE_DAYS",
    "Drill",
    "TaskRow",
    "alert_steps",
    "alerts_for",
    "default_scope",
    "drill_for",
    "get_alert",
    "get_task",
    "index_for",
    "may_see_tasks",
    "ranking_for",
    "reports_of",
    "steps_for",
    "task_rows",
    "this_quarter",
]

#: A task due within this many days is "sắp đến hạn".
DUE_SOON_DAYS: Final = 14
#: A task in progress without a report for this long is "chưa báo cáo".
STALE_DAYS: Final = 30


def may_see_tasks(user: User | AnonymousUser) -> bool:
    """Plan 02 is the whole political system's: whoever watches a dashboard, and the
    leaders who report for a lead agency."""
    r = reach(user, Perm.STEERING_VIEW)
    return (
        r.everywhere
        or bool(r.provinces or r.agencies)
        or bool(reach(user, Perm.TASK_REPORT).agencies)
    )


def get_task(code: str) -> Task:
    task = Task.objects.select_related("lead").filter(code=code.strip()[:20]).first()
    if task is None:
        raise NotFound(_("Không tìm thấy nhiệm vụ %(code)s.") % {"code": code})
    return task


@dataclass(frozen=True)
class TaskRow:
    task: Task
    overdue: bool
    due_soon: bool
    stale: bool


def task_rows(*, pillar: str = "", phase: str = "", today: dt.date | None = None) -> list[TaskRow]:
    """Every task with where it stands: overdue (past its deadline, not done), due soon,
    or without a report for ``STALE_DAYS``."""
    today = today or timezone.localdate()
    rows: QuerySet[Task] = Task.objects.select_related("lead").prefetch_related("supporting")
    if pillar:
        rows = rows.filter(pillar=pillar)
    if phase:
        rows = rows.filter(phase=phase)
    out = []
    for task in rows:
        open_ = task.status != TaskStatus.DONE
        last = timezone.localdate(task.last_report_at) if task.last_report_at else None
        out.append(
            TaskRow(
                task,
                overdue=open_ and task.deadline < today,
                due_soon=open_
                and today <= task.deadline <= today + dt.timedelta(days=DUE_SOON_DAYS),
                stale=open_ and (last is None or (today - last).days > STALE_DAYS),
            )
        )
    return out


def reports_of(task: Task) -> QuerySet[TaskReport]:
    return task.reports.select_related("author", "agency").prefetch_related("evidence")


def steps_for(user: User | AnonymousUser, task: Task) -> list[Step]:
    return [s for s in TABLE.open_to(task.status) if can(user, s.permission, agency=task.lead)]


def evidence_of(task: Task, evidence_id: int) -> TaskEvidence | None:
    return TaskEvidence.objects.filter(pk=evidence_id, report__task=task).first()


def _provinces(user: User | AnonymousUser) -> set[int] | None:
    """The provinces ``user`` may watch (None: all); PermissionDenied for nobody."""
    from lienthong.accounts import selectors as accounts

    provinces = accounts.steering_province_ids(user)
    if provinces is not None and not provinces:
        raise PermissionDenied(_("Trang dành cho người theo dõi, điều hành."))
    return provinces


def default_scope(user: User | AnonymousUser) -> str:
    """The scope a viewer's dashboard opens on: the nation, or their (first) province."""
    from lienthong.geo import selectors as geo

    provinces = _provinces(user)
    if provinces is None:
        return "nation"
    codes = sorted(geo.unit_codes(provinces))
    return f"province:{codes[0]}"


def index_for(
    user: User | AnonymousUser, *, scope: str, period: str, procedure: str = ""
) -> scorecard.Card:
    """The index of ``scope`` in ``period`` (of one procedure) for a viewer who may
    watch it."""
    provinces = _provinces(user)
    where = scorecard.parse_scope(scope)
    scorecard.check_scope(where, provinces)
    return scorecard.card(where, scorecard.parse_period(period), procedure=procedure[:30])


def ranking_for(
    user: User | AnonymousUser, *, scope: str, period: str, agencies: bool = False
) -> tuple[scorecard.Scope, scorecard.Period, list[scorecard.RankRow]]:
    """The units below ``scope`` ranked (or, with ``agencies``, its ministries or
    departments) for a viewer who may watch it."""
    provinces = _provinces(user)
    where = scorecard.parse_scope(scope)
    scorecard.check_scope(where, provinces)
    when = scorecard.parse_period(period)
    ranked = scorecard.agency_ranking if agencies else scorecard.ranking
    return where, when, ranked(where, when)


#: The dossier flags a figure drills down to, with the list's title.
DRILLS: Final = {
    "dossiers": gettext_lazy("Hồ sơ tiếp nhận"),
    "late": gettext_lazy("Hồ sơ trễ hạn"),
    "overdue_open": gettext_lazy("Hồ sơ quá hạn, chưa giải quyết xong"),
    "finished": gettext_lazy("Hồ sơ đã giải quyết"),
    "online": gettext_lazy("Hồ sơ trực tuyến"),
    "paid_online": gettext_lazy("Hồ sơ thanh toán trực tuyến"),
    "electronic_result": gettext_lazy("Hồ sơ có kết quả điện tử"),
    "digital_and_result": gettext_lazy("Hồ sơ số hóa và có kết quả điện tử"),
    "reused": gettext_lazy("Hồ sơ tái sử dụng dữ liệu số hóa"),
    "from_store": gettext_lazy("Hồ sơ lấy giấy tờ từ kho dữ liệu của người dân"),
    "eid": gettext_lazy("Hồ sơ xác thực định danh điện tử, dùng dữ liệu dân cư"),
    "complained": gettext_lazy("Hồ sơ có phản ánh hoặc bị đánh giá không hài lòng"),
}


#: The report flags a figure of group 5 drills down to, with the list's title.
REPORT_DRILLS: Final = {
    "reports": gettext_lazy("Phản ánh, kiến nghị"),
    "reports_on_time": gettext_lazy("Phản ánh, kiến nghị xử lý đúng hạn"),
    "reports_unhappy": gettext_lazy(
        "Phản ánh, kiến nghị bị đánh giá không hài lòng, quá hạn hoặc bị phản ánh lại"
    ),
}


@dataclass(frozen=True)
class Drill:
    scope: scorecard.Scope
    period: scorecard.Period
    flag: str
    title: str
    procedure: str
    facts: QuerySet[DossierFact] | QuerySet[ReportFact]

    @property
    def reports(self) -> bool:
        """The list is of reports (group 5), not of dossiers."""
        return self.flag in REPORT_DRILLS

    def ids(self) -> QuerySet[DossierFact, int] | QuerySet[ReportFact, int]:
        return self.facts.values_list("pk", flat=True)


def drill_for(
    user: User | AnonymousUser, *, scope: str, period: str, flag: str, procedure: str = ""
) -> Drill:
    """The dossiers counted in a figure (``flag``) of ``scope`` and ``period``, newest
    first, for a viewer who may watch that scope."""
    provinces = _provinces(user)
    where = scorecard.parse_scope(scope)
    scorecard.check_scope(where, provinces)
    when = scorecard.parse_period(period)
    facts: QuerySet[DossierFact] | QuerySet[ReportFact]
    if flag in DRILLS:
        title = DRILLS[flag]
        facts = DossierFact.objects.filter(
            where.facts() & when.months(), **{f"{flag}__gt": 0}
        ).order_by("-month", "-dossier_id")
    elif flag in REPORT_DRILLS:
        title = REPORT_DRILLS[flag]
        facts = ReportFact.objects.filter(
            where.facts() & when.months(), **{f"{flag}__gt": 0}
        ).order_by("-month", "-report_id")
    else:
        raise DomainError(
            _("Không có danh sách hồ sơ «%(flag)s».") % {"flag": flag[:30]}, code="bad-flag"
        )
    if procedure:
        facts = facts.filter(procedure_code=procedure[:30])
    return Drill(where, when, flag, str(title), procedure[:30], facts)


def alerts_for(user: User | AnonymousUser, *, open_only: bool = True) -> QuerySet[Alert]:
    """The early warnings ``user`` may see, red first then newest: those of the provinces
    they watch (all for a national viewer) and, for whoever may see Plan 02's tasks, the
    tasks' own. Empty for anyone else."""
    from lienthong.accounts import selectors as accounts

    provinces = accounts.steering_province_ids(user)
    qs = Alert.objects.select_related("agency", "province")
    if provinces is not None:
        where = Q(province_id__in=provinces)
        if may_see_tasks(user):
            where |= Q(subject__startswith="task:")
        qs = qs.filter(where) if provinces or may_see_tasks(user) else qs.none()
    if open_only:
        qs = qs.filter(status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED])
    return qs.order_by("level", "-opened_at", "-id")


def get_alert(user: User | AnonymousUser, pk: int) -> Alert:
    """An alert ``user`` may see; NotFound otherwise (as for an unknown one)."""
    found = alerts_for(user, open_only=False).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Không tìm thấy cảnh báo."))
    return found


def alert_steps(user: User | AnonymousUser, alert: Alert) -> list[Step]:
    return [
        s
        for s in ALERT_TABLE.open_to(alert.status)
        if s.action != "clear" and can(user, s.permission, agency=alert.agency)
    ]


def this_quarter() -> str:
    return scorecard.this_quarter()
