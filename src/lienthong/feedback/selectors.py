"""Reads of reports: who may see which (docs/access.md), the author's list, the
officials' queues, the public answers, the Front's view of its area."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from django.db.models import Avg, Count, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import agencies_with, can, reach
from lienthong.core import memo
from lienthong.core.errors import NotFound
from lienthong.directory import selectors as directory
from lienthong.feedback.constants import Category, Status
from lienthong.feedback.models import Report, ReportEvent
from lienthong.feedback.table import TABLE
from lienthong.geo import selectors as geo
from lienthong.geo.text import fold

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

    from lienthong.accounts.models import User
    from lienthong.core.workflow import Step
    from lienthong.directory.models import Agency

__all__ = [
    "QUEUES",
    "area_agencies",
    "area_communes",
    "area_of",
    "area_reports",
    "area_summary",
    "committee_of",
    "communes_of_posts",
    "counted_reports",
    "get_public_report",
    "get_report_for",
    "handlers_of",
    "history",
    "indicators",
    "may_read",
    "merged_count",
    "mine",
    "public_page",
    "public_reports",
    "queue",
    "steps_for",
    "transfer_targets",
]


def _base() -> QuerySet[Report]:
    return Report.objects.select_related(
        "handling_agency", "commune", "province", "author", "assignee", "raised_by_agency"
    )


def area_of(user: User | AnonymousUser) -> tuple[set[int], set[int]] | None:
    """The communes and provinces a Front supervisor watches (their committee's unit:
    a commune, or a whole province); None: everywhere (a platform administrator)."""
    r = reach(user, Perm.FEEDBACK_SUPERVISE)
    if r.everywhere:
        return None
    communes: set[int] = set()
    provinces: set[int] = set()
    for agency in directory.agencies_by_ids(agencies_with(user, Perm.FEEDBACK_SUPERVISE)):
        unit = agency.unit
        if unit is None:
            continue
        if unit.level == "province":
            provinces.add(unit.pk)
        else:
            communes.add(unit.pk)
    return communes, provinces


def _in_area(area: tuple[set[int], set[int]] | None) -> Q:
    if area is None:
        return Q()
    communes, provinces = area
    return Q(commune_id__in=communes) | Q(province_id__in=provinces)


def may_read(user: User | AnonymousUser, report: Report) -> bool:
    """The author; an official who may see the reports of the handling agency; a Front
    supervisor of the report's area; a platform administrator."""
    return report.pk in _readable(user, [report])


def _readable(user: User | AnonymousUser, reports: list[Report]) -> set[int]:
    """The ids of ``reports`` that ``user`` may read (``may_read``), for many at once;
    the supervisor's area is read only when the other rules leave some undecided."""
    viewing = {
        a.pk
        for a in {r.handling_agency for r in reports}
        if can(user, Perm.FEEDBACK_VIEW, agency=a)
    }
    out = {
        r.pk
        for r in reports
        if (user.pk is not None and user.pk == r.author_id) or r.handling_agency_id in viewing
    }
    if len(out) == len(reports):
        return out
    area = area_of(user)
    if area is None:
        return {r.pk for r in reports}
    communes, provinces = area
    return out | {r.pk for r in reports if r.commune_id in communes or r.province_id in provinces}


@dataclass(frozen=True)
class CountedReport:
    """A report behind a figure of the service index (group 5): what a steering viewer
    may see of it — never its author or text; the title only once published."""

    code: str
    category: str
    title: str
    handling_agency: str
    submitted_at: dt.datetime
    answered_at: dt.datetime | None
    status: str
    late: bool
    readable: bool  # the viewer may open the report itself (or it is published)


def counted_reports(user: User | AnonymousUser, ids: list[int]) -> list[CountedReport]:
    """The reports ``ids`` (the caller checked the viewer may see that they are counted)
    in the order given; each marked readable as ``may_read`` says, in a few queries."""
    rows = {r.pk: r for r in Report.objects.filter(pk__in=ids).select_related("handling_agency")}
    readable = _readable(user, list(rows.values()))
    out = []
    for pk in ids:
        r = rows.get(pk)
        if r is None:
            continue
        out.append(
            CountedReport(
                code=r.code,
                category=r.get_category_display(),
                title=r.public_title if r.published else "",
                handling_agency=r.handling_agency.name,
                submitted_at=r.submitted_at,
                answered_at=r.answered_at,
                status=r.get_status_display(),
                late=bool(r.late),
                readable=r.published or pk in readable,
            )
        )
    return out


def get_report_for(user: User | AnonymousUser, code: str) -> Report:
    """The report if ``user`` may read it; the same NotFound whether missing or not."""
    report = _base().filter(code=code.strip()[:30]).first()
    if report is None or not may_read(user, report):
        raise NotFound(_("Không tìm thấy phản ánh %(code)s.") % {"code": code})
    return report


def mine(user: User) -> QuerySet[Report]:
    return _base().filter(author=user).order_by("-submitted_at")


@dataclass(frozen=True)
class Queue:
    key: str
    label: StrOrPromise
    perm: str
    states: frozenset[str]


QUEUES: Final = (
    Queue(
        "tiep-nhan",
        gettext_lazy("Chờ tiếp nhận"),
        Perm.FEEDBACK_RECEIVE,
        frozenset({Status.RECEIVED}),
    ),
    Queue(
        "phan-cong",
        gettext_lazy("Chờ phân công"),
        Perm.FEEDBACK_PUBLISH,
        frozenset({Status.ACCEPTED}),
    ),
    Queue(
        "xu-ly",
        gettext_lazy("Đang xử lý"),
        Perm.FEEDBACK_HANDLE,
        frozenset({Status.ACCEPTED, Status.ASSIGNED}),
    ),
    Queue(
        "cong-bo",
        gettext_lazy("Chờ duyệt, công bố"),
        Perm.FEEDBACK_PUBLISH,
        frozenset({Status.ANSWERED}),
    ),
    Queue(
        "bo-sung",
        gettext_lazy("Chờ người gửi bổ sung"),
        Perm.FEEDBACK_VIEW,
        frozenset({Status.SUPPLEMENT}),
    ),
    Queue("qua-han", gettext_lazy("Quá hạn"), Perm.FEEDBACK_VIEW, frozenset()),
    Queue(
        "da-xong",
        gettext_lazy("Đã xong"),
        Perm.FEEDBACK_VIEW,
        frozenset({Status.CLOSED, Status.REFUSED, Status.MERGED, Status.WITHDRAWN}),
    ),
)


def queue(user: User, key: str) -> QuerySet[Report]:
    """One tab of the officials' reports: the agencies where ``user`` holds the tab's
    permission (a specialist's "Đang xử lý": theirs and those nobody holds yet)."""
    tab = next((q for q in QUEUES if q.key == key), QUEUES[0])
    r = reach(user, tab.perm)
    rows = _base()
    if not r.everywhere:
        rows = rows.filter(
            Q(handling_agency_id__in=r.agencies)
            | Q(handling_agency__parent_id__in=r.under)
            | Q(handling_agency__province_id__in=r.provinces)
        )
    rows = rows.filter(Q(overdue=True) if tab.key == "qua-han" else Q(status__in=tab.states))
    if tab.key == "xu-ly" and not r.everywhere:
        rows = rows.filter(Q(assignee=user) | Q(assignee__isnull=True))
    return rows.order_by("submitted_at", "id")


def steps_for(user: User | AnonymousUser, report: Report) -> list[Step]:
    """The steps ``user`` may take on ``report`` now (the engine checks them again)."""
    from lienthong.core.workflow import APPLICANT

    steps = []
    for step in TABLE.open_to(report.status):
        if step.permission == APPLICANT:
            if user.pk is not None and user.pk == report.author_id:
                steps.append(step)
        elif can(user, step.permission, agency=report.handling_agency):
            steps.append(step)
    return steps


def history(report: Report) -> list[tuple[ReportEvent, StrOrPromise, StrOrPromise]]:
    """The report's steps, each with its name and the name of the state it led to."""
    rows = []
    for event in report.events.select_related("actor", "agency").order_by("at", "id"):
        step = TABLE.step(event.action)
        label = (
            step.label
            if step
            else (_("Gửi phản ánh") if event.action == "submit" else event.action)
        )
        rows.append((event, label, TABLE.label(event.to_status)))
    return rows


def public_reports(*, q: str = "", commune: str = "", category: str = "") -> QuerySet[Report]:
    """Published answers, newest first; ``q`` in everyday words (no diacritics needed)."""
    rows = (
        Report.objects.filter(published=True)
        .select_related("commune", "province", "handling_agency")
        .only(
            "code",
            "category",
            "public_title",
            "public_text",
            "public_answer",
            "published_at",
            "submitted_at",
            "status",
            "commune__name",
            "commune__code",
            "province__name",
            "handling_agency__name",
            "latitude",
            "longitude",
            "score",
        )
    )
    for word in fold(q).split()[:8]:
        rows = rows.filter(search_text__contains=word)
    if commune:
        # By the unit's id: the answers of one commune come from their own index.
        try:
            rows = rows.filter(commune_id=geo.current_unit(commune, level="commune").pk)
        except NotFound:
            return rows.none()
    if category in Category.values:
        rows = rows.filter(category=category)
    return rows.order_by("-published_at", "-id")


#: The newest answers a search reads first (see :func:`public_page`).
_RECENT: Final = 5000


def public_page(
    *,
    q: str = "",
    commune: str = "",
    category: str = "",
    start: int = 0,
    stop: int = 20,
    window: int = _RECENT,
) -> list[Report]:
    """Answers ``start``–``stop`` of :func:`public_reports`, found fast whatever the words.

    Words that many answers hold are found among the newest ``window`` answers, walked
    in date order (the words read from an expression no index covers, so the planner,
    which cannot tell common words from rare ones, does not read every match through the
    words' index first); when those hold the page it is the page, since any other match
    is older than all of them. Rare words are found through the words' trigram index
    (PostgreSQL). Two queries at most, and a third for the newest answers' date."""
    words = fold(q).split()[:8]
    rows = public_reports(q=q, commune=commune, category=category)
    if not words or commune or stop > window:
        return list(rows[start:stop])  # the date index, or the commune's own
    since = (
        Report.objects.filter(published=True)
        .order_by("-published_at", "-id")
        .values_list("published_at", flat=True)[window - 1 : window]
    )
    bound = next(iter(since), None)
    if bound is None:  # fewer answers than the window: all of them are recent
        return list(rows[start:stop])
    recent = public_reports(commune=commune, category=category).filter(published_at__gte=bound)
    unindexed = Concat("search_text", Value(""), output_field=TextField())
    found: list[Report] = list(
        recent.alias(_words=unindexed).filter(*(Q(_words__contains=w) for w in words))[start:stop]
    )
    if len(found) == stop - start:
        return found
    return list(rows[start:stop])


def get_public_report(code: str) -> Report:
    report = public_reports().filter(code=code.strip()[:30]).first()
    if report is None:
        raise NotFound(_("Không tìm thấy phản ánh %(code)s.") % {"code": code})
    return report


def merged_count(report: Report) -> int:
    """How many duplicates were merged into ``report`` (their authors follow it here)."""
    return Report.objects.filter(merged_into_id=report.pk).count()


def area_reports(user: User | AnonymousUser) -> QuerySet[Report]:
    """The reports of a Front supervisor's area, newest first."""
    return _base().filter(_in_area(area_of(user))).order_by("-submitted_at")


@dataclass(frozen=True)
class AreaSummary:
    reports: int
    open: int
    overdue: int
    late: int
    answered: int
    rated: int
    average_score: float | None
    reraised: int


def area_summary(user: User | AnonymousUser) -> AreaSummary:
    """What the Front watches in its area: how many, how many late, how satisfied."""
    rows = Report.objects.filter(_in_area(area_of(user)))
    open_states = [
        Status.RECEIVED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.SUPPLEMENT,
        Status.ANSWERED,
    ]
    got = rows.aggregate(
        reports=Count("id"),
        open=Count("id", filter=Q(status__in=open_states)),
        overdue=Count("id", filter=Q(overdue=True)),
        late=Count("id", filter=Q(late=True)),
        answered=Count("id", filter=Q(answered_at__isnull=False)),
        rated=Count("id", filter=Q(score__isnull=False)),
        average=Avg("score"),
        reraised=Count("id", filter=Q(reraised__gt=0)),
    )
    return AreaSummary(
        got["reports"],
        got["open"],
        got["overdue"],
        got["late"],
        got["answered"],
        got["rated"],
        round(float(got["average"]), 2) if got["average"] is not None else None,
        got["reraised"],
    )


@memo.memoize(key=lambda unit_code: unit_code, ttl=60)
def committee_of(unit_code: str) -> Agency | None:
    """The People's Committee of a commune or a province (remembered for a minute)."""
    return directory.agencies_of_unit(unit_code).filter(kind="people_committee").first()


def handlers_of(agency: Agency) -> list[User]:
    """Who a leader may give a report to: the agency's specialists and leaders."""
    from lienthong.accounts.constants import Role
    from lienthong.accounts.selectors import holders_of

    people = holders_of(agency, Role.SPECIALIST) + holders_of(agency, Role.LEADER)
    return list({u.pk: u for u in people}.values())


def _communes_of(agency_ids: list[int]) -> list[tuple[str, str]]:
    """The communes of these agencies' units (a province's: all its communes)."""
    found: dict[str, str] = {}
    for agency in directory.agencies_by_ids(agency_ids):
        unit = agency.unit
        if unit is None:
            continue
        if unit.level == "province":
            found.update(
                (u.code, u.name) for u in geo.search_units(level="commune", parent=unit.code)
            )
        else:
            found[unit.code] = unit.name
    return sorted(found.items(), key=lambda item: item[1])


def communes_of_posts(user: User) -> list[tuple[str, str]]:
    """Where a clerk takes reports: the communes of the agencies they receive for."""
    return _communes_of(agencies_with(user, Perm.FEEDBACK_RECEIVE))


def area_communes(user: User) -> list[tuple[str, str]]:
    """The communes a Front supervisor watches."""
    return _communes_of(agencies_with(user, Perm.FEEDBACK_SUPERVISE))


def area_agencies(user: User) -> list[Agency]:
    """The agencies a Front committee may address a supervision case to: those of its
    communes, or of its province (its People's Committee, departments, police…)."""
    found: dict[int, Agency] = {}
    for front in directory.agencies_by_ids(agencies_with(user, Perm.FEEDBACK_SUPERVISE)):
        unit = front.unit
        if unit is None:
            continue
        if unit.level == "province":
            rows = directory.search_agencies(province=unit.code, level="province")
        else:
            rows = directory.agencies_of_unit(unit.code)
        for agency in rows[:200]:
            if agency.kind != "front_committee" and agency.block != "front":
                found[agency.pk] = agency
    return sorted(found.values(), key=lambda a: a.name)


@dataclass(frozen=True)
class Indicators:
    """Group 5 of Decision 766 as the feedback of an area and a period gives it: the
    share of each category (5.1), the share handled on time (5.2) and the share not
    disliked, late or raised again (5.3); None when there is no report (N/A)."""

    reports: int
    by_category: list[tuple[StrOrPromise, int, float | None]]
    on_time: float | None
    satisfied: float | None


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def indicators(user: User | AnonymousUser, *, start: dt.datetime, end: dt.datetime) -> Indicators:
    """Indicators 5.1–5.3 of the reports received in ``[start, end)`` in the area
    ``user`` supervises (docs/feedback.md, "Indicators"): 5.2 counts a report on time
    when no step of it was taken after its deadline and none is overdue; 5.3 leaves out
    the reports rated 1 or 2, late or overdue, or raised again."""
    rows = Report.objects.filter(
        _in_area(area_of(user)), submitted_at__gte=start, submitted_at__lt=end
    ).exclude(status=Status.MERGED)
    late = Q(late=True) | Q(overdue=True)
    got = rows.aggregate(
        total=Count("id"),
        on_time=Count("id", filter=~late),
        unhappy=Count("id", filter=late | Q(score__lte=2) | Q(reraised__gt=0)),
    )
    per = dict(rows.values_list("category").annotate(n=Count("id")).values_list("category", "n"))
    total = got["total"]
    return Indicators(
        total,
        [(c.label, per.get(c.value, 0), _rate(per.get(c.value, 0), total)) for c in Category],
        _rate(got["on_time"], total),
        _rate(total - got["unhappy"], total),
    )


def transfer_targets(report: Report, q: str, *, limit: int = 8) -> list[Agency]:
    """Agencies a report may go to, by name: those of its province (the commune's, the
    province's departments, the Front for a supervision matter), the one handling it
    left out."""
    if not q.strip():
        return []
    found = directory.search_agencies(q=q, province=report.province.code).exclude(
        pk=report.handling_agency_id
    )
    return list(found[:limit])
