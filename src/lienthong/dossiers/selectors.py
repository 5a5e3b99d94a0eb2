"""Reads of dossiers with the access rules of docs/access.md ("Reading dossiers"): the
applicant (and whoever filed for them), officials whose ``dossier.view`` reaches the
receiving or handling agency, a platform administrator — nobody else. ``steering.view``
opens the dashboard's aggregates, never a dossier. A dossier one may not read is "not
found", like an unknown code, and is left out of every list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.accounts import selectors as accounts
from lienthong.accounts.constants import Perm, Role
from lienthong.accounts.permissions import Reach, agencies_with, can, reach
from lienthong.catalog import selectors as catalog
from lienthong.core.errors import DomainError, NotFound, PermissionDenied
from lienthong.core.workcalendar import get_calendar
from lienthong.core.workflow import APPLICANT, Step
from lienthong.directory import selectors as directory
from lienthong.dossiers import bulk
from lienthong.dossiers.constants import CLOSED, SOURCE_KEY, Channel, Status
from lienthong.dossiers.declarations import Answers, answer_text, source_label
from lienthong.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierFile,
    Notification,
    Rating,
    WalletDocument,
)
from lienthong.dossiers.table import npsp_status, states_left_by, table_for
from lienthong.geo import selectors as geo
from lienthong.registries import gateway
from lienthong.registries import selectors as registries

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

    from lienthong.accounts.models import User
    from lienthong.catalog.eforms import FormDefinition
    from lienthong.directory.models import Agency
    from lienthong.dossiers.prefill import Prefilled

__all__ = [
    "COUNT_EXACT_UP_TO",
    "QUEUES",
    "QUEUE_COUNT_CAP",
    "CountedRow",
    "DossierPage",
    "Tracking",
    "actions_for",
    "acts_for_applicant",
    "counted_rows",
    "dossier_page",
    "dossiers_visible_to",
    "get_dossier_for",
    "get_dossier_for_platform",
    "history_of",
    "hours_left",
    "own_dossiers",
    "queue",
    "queue_counts",
    "queue_page",
    "specialists_of",
    "track",
]


#: What a workflow step reads of a dossier and of what it names (and the API's answer
#: after it): not the applicant's and assignee's accounts, which a page shows.
_TO_ACT: Final = (
    "procedure_version__procedure",
    "receiving_agency",
    "handling_agency",
    "consulted_agency",
    "province",
    "competent_unit",
)


def _base() -> QuerySet[Dossier]:
    """A dossier with what its pages show: a step's joins and the people it names."""
    return Dossier.objects.select_related(*_TO_ACT, "applicant", "assignee")


def _within(where: Reach, field: str) -> Q:
    """Dossiers whose ``field`` agency (``receiving_agency``, ``handling_agency``) is one
    ``where`` reaches; ``where`` must not be everywhere (an empty Q would match all)."""
    q = Q(pk__in=[])
    if where.agencies:
        q |= Q(**{f"{field}_id__in": sorted(where.agencies)})
    if where.under:
        q |= Q(**{f"{field}__parent_id__in": sorted(where.under)})
    if where.provinces:
        q |= Q(**{f"{field}__province_id__in": sorted(where.provinces)})
    return q


def _on_agency(qs: QuerySet[Dossier], user: User, perm: str, side: str) -> QuerySet[Dossier]:
    """``qs`` narrowed to the dossiers whose ``side`` agency (``receiving``, ``handling``,
    ``either``) ``user``'s ``perm`` reaches."""
    where = reach(user, perm)
    if where.everywhere:
        return qs
    if side == "either":
        return qs.filter(_within(where, "receiving_agency") | _within(where, "handling_agency"))
    return qs.filter(_within(where, f"{side}_agency"))


def _readable(user: User | AnonymousUser) -> Q | None:
    """The dossiers ``user`` may read as a filter; None: every dossier."""
    where = reach(user, Perm.DOSSIER_VIEW)
    if where.everywhere:
        return None
    pk = user.pk if getattr(user, "is_authenticated", False) else None
    # A clerk who typed a counter intake files it in their role, not as the applicant's
    # proxy: their reads and actions come from the matrix (see acts_for_applicant).
    own = (
        (Q(applicant_id=pk) | (Q(submitted_by_id=pk) & ~Q(channel=Channel.COUNTER)))
        if pk is not None
        else Q(pk__in=[])
    )
    return (
        own
        | _within(where, "receiving_agency")
        | _within(where, "handling_agency")
        | _within(where, "consulted_agency")
    )


def dossiers_visible_to(
    user: User,
    *,
    status: str | None = None,
    agency_code: str | None = None,
    overdue: bool | None = None,
) -> QuerySet[Dossier]:
    """Dossiers ``user`` may read (see :func:`may_read`), newest first."""
    qs = _base()
    readable = _readable(user)
    if readable is not None:
        qs = qs.filter(readable)
    if status:
        qs = qs.filter(status=status)
    if agency_code:
        qs = qs.filter(Q(handling_agency__code=agency_code) | Q(receiving_agency__code=agency_code))
    if overdue is not None:
        now = timezone.now()
        late = Q(due_at__lt=now) & ~Q(status__in=CLOSED) & Q(finished_at__isnull=True)
        qs = qs.filter(late | Q(overdue=True)) if overdue else qs.exclude(late | Q(overdue=True))
    return qs.order_by("-submitted_at")


#: The most dossiers a list counts exactly; beyond, it says "more than" this many.
COUNT_EXACT_UP_TO: Final = 10_000
#: What a list row does not need (the declaration; the version's texts and forms).
_LIST_DEFERS: Final = (
    "form_data",
    *(
        f"procedure_version__{f}"
        for f in (
            "form",
            "result_document",
            "fees",
            "legal_bases",
            "requirements",
            "steps",
            "sources",
            "results",
            "channels",
            "levels",
            "life_events",
        )
    ),
)


@dataclass(frozen=True)
class DossierPage:
    """One page of a list: its dossiers, the count (exact, or ``COUNT_EXACT_UP_TO`` when
    there are more: ``count_exact`` False), and where the next page starts (None: last)."""

    rows: list[Dossier]
    count: int
    count_exact: bool
    after: tuple[dt.datetime, int] | None


@dataclass(frozen=True)
class _Branch:
    """One condition of what a reader may see: a dossier column among ``ids`` (an
    agency, a province), or any other condition ``where`` (their own dossiers)."""

    column: str = ""
    ids: tuple[int, ...] = ()
    where: Q | None = None

    @property
    def q(self) -> Q:
        return self.where if self.where is not None else Q(**{f"{self.column}__in": self.ids})


def _visible_branches(user: User) -> list[_Branch] | None:
    """The dossiers ``user`` may read (as :func:`_readable`) as a few conditions each an
    index answers in ``submitted_at`` order (None: every dossier). A province's readers
    take its dossiers by their own ``province`` column: intake and transfer keep every
    agency a dossier names, but a central one, in the dossier's province, and the
    receiving centre always is."""
    where = reach(user, Perm.DOSSIER_VIEW)
    if where.everywhere:
        return None
    branches: list[_Branch] = []
    if getattr(user, "is_authenticated", False):
        branches += [
            _Branch(where=Q(applicant_id=user.pk)),
            _Branch(where=Q(submitted_by_id=user.pk) & ~Q(channel=Channel.COUNTER)),
        ]
    if where.provinces:
        branches.append(_Branch("province_id", tuple(sorted(where.provinces))))
    agencies = tuple(sorted(set(where.agencies) | directory.agency_ids_under(where.under)))
    if agencies:
        branches += [
            _Branch(column, agencies)
            for column in ("receiving_agency_id", "handling_agency_id", "consulted_agency_id")
        ]
    return branches


def dossier_page(
    user: User,
    *,
    status: str | None = None,
    agency_code: str | None = None,
    overdue: bool | None = None,
    limit: int = 20,
    after: tuple[dt.datetime, int] | None = None,
) -> DossierPage:
    """A page of the dossiers ``user`` may read (see :func:`may_read`), newest first, from
    the position ``after`` (the submission time and id of the last row of the page
    before): keyset pagination, so page 50,000 costs what page 1 does. Each condition of
    what the reader may see (and the agency asked for) is read on its own, limited, by an
    index in ``(submitted_at, id)`` order; the ids merged; then the page's rows read."""
    filters = Q()
    if status:
        filters &= Q(status=status)
    if overdue is not None:
        now = timezone.now()
        late = Q(due_at__lt=now) & ~Q(status__in=CLOSED) & Q(finished_at__isnull=True)
        filters &= (late | Q(overdue=True)) if overdue else ~(late | Q(overdue=True))
    branches = _visible_branches(user)
    if agency_code:
        agency_id = directory.agency_id_of(agency_code)
        if agency_id is None:
            return DossierPage([], 0, True, None)
        filters &= _readable_of_agency(user, branches, agency_id)
        branches = [
            _Branch("receiving_agency_id", (agency_id,)),
            _Branch("handling_agency_id", (agency_id,)),
        ]
    if branches == []:
        return DossierPage([], 0, True, None)
    position = _before(*after) if after is not None else Q()
    keys: set[tuple[dt.datetime, int]] = set()
    for branch in branches if branches is not None else [_Branch(where=Q())]:
        keys.update(_newest(branch, filters & position, limit + 1))
    ordered = sorted(keys, reverse=True)
    page, more = ordered[:limit], len(ordered) > limit
    by_id = _base().defer(*_LIST_DEFERS).in_bulk([pk for _at, pk in page])
    count, exact = _count(branches, filters)
    return DossierPage([by_id[pk] for _at, pk in page], count, exact, page[-1] if more else None)


def _readable_of_agency(user: User, branches: list[_Branch] | None, agency_id: int) -> Q:
    """Which of ``agency_id``'s dossiers ``user`` (who may see ``branches``) may read,
    as a condition cheap beside that agency's own rows: all of them when the reader's
    roles reach the agency; only the reader's own when none of the agencies and
    provinces they reach is in that agency's province (a dossier's agencies are all in
    its province, or central); else the whole rule (an OR over all they reach)."""
    if branches is None:
        return Q()
    agencies = {i for b in branches if b.column != "province_id" for i in b.ids}
    if agency_id in agencies:
        return Q()
    own = Q(pk__in=[])
    for branch in branches:
        if branch.where is not None:
            own |= branch.where
    places = directory.provinces_of(agencies | {agency_id})
    province = places.get(agency_id)
    provinces = {places.get(a) for a in agencies}
    provinces |= {i for b in branches if b.column == "province_id" for i in b.ids}
    if province is not None and province not in provinces and None not in provinces:
        return own
    readable = _readable(user)
    return readable if readable is not None else Q()


def _newest(branch: _Branch, filters: Q, n: int) -> list[tuple[dt.datetime, int]]:
    """The (submitted_at, id) of the ``n`` newest dossiers of one condition of what a
    reader may see. A condition on several agencies or provinces is read, on PostgreSQL,
    as the newest of each by its own index, merged (``dossiers.bulk``): the planner would
    otherwise walk the whole list by date looking for an agency's rows, whenever it
    guesses them more common than they are."""
    qs = Dossier.objects.filter(filters).order_by("-submitted_at", "-pk")
    if len(branch.ids) > 1 and connection.vendor == "postgresql":
        return bulk.newest_of_each(qs, branch.column, list(branch.ids), n)
    return list(qs.filter(branch.q).values_list("submitted_at", "pk")[:n])


def _count(branches: list[_Branch] | None, filters: Q) -> tuple[int, bool]:
    """How many dossiers a list holds, exactly up to ``COUNT_EXACT_UP_TO``: one query,
    the reader's conditions OR-ed (PostgreSQL combines their indexes' bitmaps). A reader
    of many agencies or a province is first counted condition by condition, each by its
    own index and stopping at the cap: one past it puts the list past it, without the
    OR (which reads every matching index entry before it can stop)."""
    cap = COUNT_EXACT_UP_TO
    qs = Dossier.objects.filter(filters).order_by()
    if branches is not None:
        wide = [b for b in branches if len(b.ids) > 1 or b.column == "province_id"]
        if any(qs.filter(b.q)[: cap + 1].count() > cap for b in wide):
            return cap, False
        either = Q(pk__in=[])
        for branch in branches:
            either |= branch.q
        qs = qs.filter(either)
    n = qs[: cap + 1].count()
    return min(n, cap), n <= cap


def filed_with_key(submitter: User, idempotency_key: str) -> Dossier | None:
    """The dossier ``submitter`` filed under ``idempotency_key`` (a client's retry key)."""
    key = idempotency_key.strip()[:100]
    if not key:
        return None
    mine = _base().filter(submitted_by_id=getattr(submitter, "pk", None))
    return mine.filter(idempotency_key=key).first()


def _one(code: str, *, to_act: bool) -> Dossier | None:
    qs = Dossier.objects.select_related(*_TO_ACT) if to_act else _base()
    try:
        # get(), not first(): no ORDER BY on a unique code (first() costs a third more).
        return qs.get(code=code.strip())
    except Dossier.DoesNotExist:
        return None


def get_dossier_for(user: User | AnonymousUser, code: str, *, to_act: bool = False) -> Dossier:
    """The dossier if ``user`` may read it; the same NotFound whether missing or forbidden.
    ``to_act``: read for a workflow step (only what a step needs is joined)."""
    dossier = _one(code, to_act=to_act)
    if dossier is None or not may_read(user, dossier):
        raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code})
    return dossier


def get_dossier_for_platform(code: str) -> Dossier:
    """The dossier for the platform itself (a payment gateway's callback, authenticated
    by its caller); never for a person's request."""
    dossier = _one(code, to_act=True)
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code})
    return dossier


def acts_for_applicant(user: User | AnonymousUser, dossier: Dossier) -> bool:
    """Whether ``user`` is the applicant, or the proxy who filed for them online or by
    post. A clerk who typed a counter intake is not: they filed it in their role, and a
    revoked role takes their access with it."""
    if user.pk is None:
        return False
    if user.pk == dossier.applicant_id:
        return True
    return user.pk == dossier.submitted_by_id and dossier.channel != Channel.COUNTER


def may_read(user: User | AnonymousUser, dossier: Dossier) -> bool:
    """Whether ``user`` may see ``dossier`` (its page, files, receipt, result, forms,
    history): its applicant or whoever filed it, or an official whose ``dossier.view``
    reaches its receiving or handling agency (docs/access.md). ``steering.view`` is not
    enough: the dashboard shows aggregates, not dossiers."""
    if not getattr(user, "is_authenticated", False):
        return False
    if acts_for_applicant(user, dossier):
        return True
    return (
        can(user, Perm.DOSSIER_VIEW, agency=dossier.handling_agency)
        or can(user, Perm.DOSSIER_VIEW, agency=dossier.receiving_agency)
        or (
            dossier.consulted_agency_id is not None
            and can(user, Perm.DOSSIER_VIEW, agency=dossier.consulted_agency)
        )
    )


def history_of(dossier: Dossier) -> QuerySet[DossierEvent]:
    return dossier.events.select_related("actor", "agency").order_by("at", "id")


def hours_left(dossier: Dossier, now: dt.datetime | None = None) -> float | None:
    """Working hours until the due date (negative once late); frozen while paused."""
    if dossier.due_at is None or dossier.status in CLOSED or dossier.finished_at:
        return None
    moment = dossier.paused_at or now or timezone.now()
    return round(get_calendar().working_hours_between(moment, dossier.due_at), 1)


@dataclass(frozen=True)
class Tracking:
    code: str
    status: str
    status_label: str
    npsp_status: int
    procedure: str
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None


def track(code: str, key: str) -> Tracking:
    """Public tracking: the status only, no personal data; needs the key on the receipt."""
    dossier = _base().filter(code=code.strip()).first()
    if dossier is None or dossier.tracking_key.upper() != key.strip().upper():
        raise NotFound(_("Không tìm thấy hồ sơ với mã và mã tra cứu đã nhập."))
    return Tracking(
        code=dossier.code,
        status=dossier.status,
        status_label=str(table_for(dossier.procedure_version).label(dossier.status)),
        npsp_status=npsp_status(dossier),
        procedure=dossier.procedure_version.name,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        finished_at=dossier.finished_at,
        returned_at=dossier.returned_at,
    )


QUEUES: dict[str, StrOrPromise] = {
    "tiep-nhan": gettext_lazy("Chờ tiếp nhận"),
    "phan-cong": gettext_lazy("Chờ phân công"),
    "xu-ly": gettext_lazy("Đang xử lý"),
    "phe-duyet": gettext_lazy("Chờ phê duyệt, ký"),
    "tra-ket-qua": gettext_lazy("Chờ trả kết quả"),
    "sap-den-han": gettext_lazy("Sắp đến hạn"),
    "qua-han": gettext_lazy("Quá hạn"),
}
#: The queues of work to do, in the order an official's day takes them.
_WORK: Final = ("tiep-nhan", "phan-cong", "xu-ly", "phe-duyet", "tra-ket-qua", "qua-han")


#: The permission and the dossier's agency each queue is about (docs/access.md).
_QUEUE_RULES: dict[str, tuple[str, str]] = {
    "tiep-nhan": (Perm.DOSSIER_RECEIVE, "receiving"),
    "phan-cong": (Perm.DOSSIER_ASSIGN, "handling"),
    "xu-ly": (Perm.DOSSIER_PROCESS, "handling"),
    "phe-duyet": (Perm.DOSSIER_APPROVE, "handling"),
    "tra-ket-qua": (Perm.DOSSIER_RETURN, "receiving"),
    "sap-den-han": (Perm.DOSSIER_VIEW, "either"),
    "qua-han": (Perm.DOSSIER_VIEW, "either"),
}


#: States that are not "being handled" (their own queues: intake, assignment,
#: approval, return).
_NOT_IN_HANDLING: Final = (
    Status.SUBMITTED,
    Status.RECEIVED,
    Status.AWAITING_SIGNATURE,
    Status.APPROVED,
    Status.REFUSED,
    Status.RESULT_ISSUED,
)


def queue(user: User, name: str) -> QuerySet[Dossier]:
    """One back-office queue of ``user``: the dossiers in that step whose agency the
    queue's permission reaches (the agencies where ``user`` holds a role that has it;
    everywhere for a platform administrator)."""
    now = timezone.now()
    perm, side = _QUEUE_RULES.get(name, _QUEUE_RULES["tiep-nhan"])
    qs = _on_agency(_base().defer(*_LIST_DEFERS), user, perm, side)
    if name == "phan-cong":
        qs = qs.filter(status=Status.RECEIVED, finished_at__isnull=True)
    elif name == "xu-ly":
        # Being handled: every state between assignment and decision, a procedure's own
        # steps included; and the dossiers a department is asked to appraise. Both are
        # open ones (said outright, so the open dossiers' index answers either).
        handling = qs.exclude(status__in=[*_NOT_IN_HANDLING, *CLOSED]).filter(
            Q(assignee_id=user.pk) | Q(assignee__isnull=True), finished_at__isnull=True
        )
        consulted = _base().filter(consulted_agency__isnull=False, finished_at__isnull=True)
        where = reach(user, perm)
        if not where.everywhere:
            consulted = consulted.filter(_within(where, "consulted_agency"))
        qs = handling | consulted
    elif name == "phe-duyet":
        qs = qs.filter(status__in=sorted(states_left_by(Perm.DOSSIER_APPROVE)))
    elif name == "tra-ket-qua":
        qs = qs.filter(status=Status.RESULT_ISSUED)
    elif name in ("qua-han", "sap-den-han"):
        open_ = ~Q(status__in=CLOSED) & Q(finished_at__isnull=True) & Q(paused_at__isnull=True)
        if name == "qua-han":
            qs = qs.filter(open_, due_at__lt=now)
        else:
            soon = get_calendar().add_working_hours(now, 8)
            qs = qs.filter(open_, due_at__gte=now, due_at__lte=soon)
    else:
        qs = qs.filter(status=Status.SUBMITTED, finished_at__isnull=True)
    return qs.order_by(*_QUEUE_ORDER)


#: A queue's order: the nearest deadline first (none yet, as before intake: last), then
#: the earliest filed; the id makes it total, so a page starts exactly after another.
_QUEUE_ORDER: Final = (F("due_at").asc(nulls_last=True), "submitted_at", "pk")
#: Dossiers one page of a queue shows.
QUEUE_PAGE: Final = 50

QueueKey = tuple[dt.datetime | None, dt.datetime, int]
OwnKey = tuple[dt.datetime, int]
K = TypeVar("K")


@dataclass(frozen=True)
class KeysetPage(Generic[K]):
    """One page of a list paged by position, and the position (the sort key) after its
    last row (None: the last page)."""

    rows: list[Dossier]
    after: K | None


def _keyset_page(rows: list[Dossier], limit: int, key: Callable[[Dossier], K]) -> KeysetPage[K]:
    """``rows``, read one past ``limit``, as a page: the extra row only says more follow."""
    if len(rows) <= limit:
        return KeysetPage(rows, None)
    return KeysetPage(rows[:limit], key(rows[limit - 1]))


def queue_page(
    user: User, name: str, *, after: QueueKey | None = None, limit: int | None = None
) -> KeysetPage[QueueKey]:
    """A page of one of ``user``'s queues (see :func:`queue`), from the position
    ``after`` (the deadline, submission time and id of the last row of the page before):
    keyset pagination, so the thousandth page of a province's queue costs the first's.
    ``limit``: rows a page (``QUEUE_PAGE``)."""
    limit = limit or QUEUE_PAGE
    qs = queue(user, name)
    if after is None:
        rows = list(qs[: limit + 1])
    else:
        # Read as two ranges an index walks in order, not one OR it cannot: the rows
        # after the position among those with a deadline, then (when the page is not
        # full) those without one (not received yet), which sort last.
        due, at, pk = after
        later = Q(submitted_at__gt=at) | Q(submitted_at=at, pk__gt=pk)
        undated = qs.filter(due_at__isnull=True)
        if due is None:
            rows = list(undated.filter(later)[: limit + 1])
        else:
            rows = list(
                qs.filter(Q(due_at__gt=due) | (Q(due_at=due) & later), due_at__gte=due)[: limit + 1]
            )
            if len(rows) <= limit:
                rows += list(undated[: limit + 1 - len(rows)])
    return _keyset_page(rows, limit, lambda d: (d.due_at, d.submitted_at, d.pk))


#: Dossiers one page of "Hồ sơ của tôi" shows.
OWN_PAGE: Final = 50


def own_dossiers(
    user: User, *, after: OwnKey | None = None, limit: int | None = None
) -> KeysetPage[OwnKey]:
    """The dossiers ``user`` applied for, newest first, a page from the position
    ``after`` (an enterprise's thousands page as one person's dozen do: by the index on
    ``(applicant, submitted_at)``). ``limit``: rows a page (``OWN_PAGE``)."""
    limit = limit or OWN_PAGE
    qs = _base().defer(*_LIST_DEFERS).filter(applicant_id=user.pk)
    if after is not None:
        qs = qs.filter(_before(*after))
    rows = list(qs.order_by("-submitted_at", "-pk")[: limit + 1])
    return _keyset_page(rows, limit, lambda d: (d.submitted_at, d.pk))


def _before(at: dt.datetime, pk: int) -> Q:
    """Rows before ``(at, pk)`` in the newest-first order ``(submitted_at, id)``, with a
    bound an index range starts from."""
    return Q(submitted_at__lte=at) & (Q(submitted_at__lt=at) | Q(pk__lt=pk))


#: A queue tab counts its dossiers up to this many, then says "more" ("999+"): a count
#: of a province's late dossiers would otherwise read them all at every page.
QUEUE_COUNT_CAP: Final = 999


def queue_counts(user: User) -> dict[str, int]:
    """The number of dossiers in each queue ``user``'s roles open (the others left out),
    up to ``QUEUE_COUNT_CAP`` + 1 (meaning more than the cap)."""
    counts = {}
    for key, (perm, _side) in _QUEUE_RULES.items():
        where = reach(user, perm)
        if where.everywhere or where.agencies or where.provinces:
            counts[key] = queue(user, key).order_by()[: QUEUE_COUNT_CAP + 1].count()
    return counts


def first_queue_with_work(counts: dict[str, int]) -> str | None:
    """The queue a back-office page opens on: the first of the day's work that holds a
    dossier (not an empty "Chờ tiếp nhận" while the work is elsewhere)."""
    for key in _WORK:
        if counts.get(key):
            return key
    return next(iter(counts), None)


def actions_for(user: User, dossier: Dossier) -> list[Step]:
    """The steps ``user`` may take on ``dossier`` now (for buttons), from its table."""
    found = []
    for step in table_for(dossier.procedure_version).open_to(dossier.status):
        if step.permission == APPLICANT:
            if acts_for_applicant(user, dossier):
                found.append(step)
            continue
        agency = {
            "receiving": dossier.receiving_agency,
            "consulted": dossier.consulted_agency,
        }.get(step.where, dossier.handling_agency)
        if agency is not None and can(user, step.permission, agency=agency):
            found.append(step)
    return found


#: States in which the result paper can be previewed (before it is signed).
_DRAFT_STATES: Final = frozenset(
    {Status.IN_REVIEW, Status.AWAITING_SIGNATURE, Status.APPROVED, Status.REFUSED}
)


def may_preview_result(user: User | AnonymousUser, dossier: Dossier) -> bool:
    """Whether ``user`` may see the draft result paper: the handling agency's specialist
    who submits it and the leader who signs it, before it is issued (in a procedure's
    own states too)."""
    if dossier.electronic_result:
        return False
    if dossier.status not in _DRAFT_STATES and dossier.status in Status.values:
        return False
    agency = dossier.handling_agency
    return can(user, Perm.DOSSIER_APPROVE, agency=agency) or can(
        user, Perm.DOSSIER_PROCESS, agency=agency
    )


def transfer_targets(dossier: Dossier, q: str, *, limit: int = 8) -> list[Agency]:
    """Agencies of the dossier's province a dossier may be transferred to, by name
    (the handling agency itself left out)."""
    if not q.strip():
        return []
    found = directory.search_agencies(q=q, province=dossier.province.code).exclude(
        pk=dossier.handling_agency_id
    )
    return list(found[:limit])


def declaration_of(dossier: Dossier) -> list[tuple[str, str, str]]:
    """The applicant's declaration (tờ khai) as (label, value, source) rows in the order
    of the electronic form (items a condition hid are left out); ``source`` names the
    registry and record version a value was read from ("" when the applicant typed it).
    Empty when nothing was declared on the form."""
    return [row for _title, rows in declaration_sections(dossier) for row in rows]


def declaration_sections(dossier: Dossier) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """:func:`declaration_of` by the form's sections (the printed declaration's)."""
    answers = declared_answers(dossier)
    if answers is None:
        return []
    sources = answers.data.get(SOURCE_KEY) or {}
    sections = []
    for section in answers.form.sections:
        rows = [
            (
                str(f.label),
                answer_text(f, answers.data.get(f.key), answers.communes),
                source_label(sources.get(f.key)) if isinstance(sources, dict) else "",
            )
            for f in section.fields
            if f.key in answers.data
        ]
        if rows:
            sections.append((str(section.title), rows))
    return sections


def declared_answers(dossier: Dossier) -> Answers | None:
    """The answers declared on the dossier's electronic form, communes named (None when
    nothing was declared on it)."""
    form = catalog.form_of(dossier.procedure_version)
    data = dossier.form_data or {}
    if form is None or not any(f.key in data for f in form.fields):
        return None
    communes = geo.unit_labels(
        {str(data[f.key]) for f in form.fields if f.kind == "commune" and data.get(f.key)}
    )
    return Answers(form, data, communes)


def is_rated(dossier: Dossier) -> bool:
    """Whether the applicant has rated the service (once per dossier)."""
    return Rating.objects.filter(dossier_id=dossier.pk).exists()


def specialists_of(agency: Agency) -> list[User]:
    return accounts.holders_of(agency, Role.SPECIALIST)


#: Steps of a history that no transition table holds.
_OTHER_STEPS: Final = {
    "submit": gettext_lazy("Nộp hồ sơ"),
    "overdue": gettext_lazy("Quá hạn giải quyết (hệ thống ghi nhận)"),
}


def history_rows(dossier: Dossier) -> list[tuple[DossierEvent, str, str]]:
    """History with the names of each step and of the state it led to (in the page's
    language; a procedure's own steps by their configured names)."""
    from lienthong.accounts.constants import Role

    table = table_for(dossier.procedure_version)
    roles: dict[str, StrOrPromise] = {
        **dict(Role.choices),
        "applicant": _("người nộp"),
        "system": _("hệ thống"),
    }
    rows = []
    for e in history_of(dossier):
        step = table.step(e.action)
        label = step.label if step else _OTHER_STEPS.get(e.action, e.action)
        e.role_label = roles.get(e.role, e.role)
        rows.append((e, str(label), str(table.label(e.to_status))))
    return rows


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user.pk).select_related("dossier")


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread (the header's badge)."""
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def keeps_a_register(user: User) -> bool:
    """Whether ``user`` receives dossiers at an agency of their own (the register of
    form 07 is that agency's; a platform administrator has none)."""
    return bool(agencies_with(user, Perm.DOSSIER_RECEIVE))


def register_rows(user: User, start: dt.date, end: dt.date) -> tuple[Agency | None, list[Dossier]]:
    """(agency, dossiers it received between ``start`` and ``end``) for the register;
    the first agency where ``user`` receives dossiers, or (None, [])."""
    ids = agencies_with(user, Perm.DOSSIER_RECEIVE)
    if not ids:
        return None, []
    agency = directory.search_agencies().filter(pk=ids[0]).first()
    rows = list(
        _base()
        .filter(
            receiving_agency_id=ids[0], submitted_at__date__gte=start, submitted_at__date__lte=end
        )
        .order_by("submitted_at")[:5000]
    )
    return agency, rows


def wallet_of(user: User) -> QuerySet[WalletDocument]:
    return WalletDocument.objects.filter(owner_id=user.pk).select_related("dossier")


def stored_result(dossier: Dossier) -> WalletDocument | None:
    return WalletDocument.objects.filter(dossier=dossier, kind="result").first()


#: The catalogue names its data sources; the gateway's services that answer them.
_REGISTRY_SERVICES: Final[dict[str, tuple[str, str]]] = {
    "population": ("population", "residence"),
    "civil_status": ("civil-status", "civil-status-extract"),
    "insurance": ("insurance", "insurance-card"),
    "enterprise": ("enterprises", "enterprise"),
    "household_business": ("enterprises", "enterprise"),
}


@dataclass(frozen=True)
class RegistryLookup:
    """What a registry answered about a dossier's applicant for one of its documents."""

    component: str
    registry: str
    lines: list[list[Any]]
    error: str = ""
    #: The registry did not answer: the paper copy is taken instead.
    unavailable: bool = False


def registry_reader_agency(user: User | AnonymousUser, dossier: Dossier) -> Agency | None:
    """The dossier's agency (handling first, then receiving) for which ``user`` reads
    registry data; None when they read for neither."""
    for agency in (dossier.handling_agency, dossier.receiving_agency):
        if agency is not None and can(user, Perm.REGISTRY_READ, agency=agency):
            return agency
    return None


def registry_components(dossier: Dossier) -> list[DossierFile]:
    """The documents of a dossier the agency takes from a registry the platform serves."""
    return [f for f in dossier.files.all() if f.from_registry in _REGISTRY_SERVICES]


def lookup_registry(user: User, dossier: Dossier, file_id: int, ip: str = "") -> RegistryLookup:
    """Read, for the dossier, the registry data that replaces one of its documents
    (through the gateway: granted fields only, logged with the dossier's code for the
    applicant to see)."""
    component = next((f for f in registry_components(dossier) if f.pk == file_id), None)
    if component is None:
        raise NotFound(_("Hồ sơ không có giấy tờ này lấy từ cơ sở dữ liệu."))
    agency = registry_reader_agency(user, dossier)
    if agency is None:
        raise PermissionDenied(
            _("Tài khoản không khai thác dữ liệu cho cơ quan tiếp nhận, giải quyết hồ sơ này.")
        )
    registry, service = _REGISTRY_SERVICES[component.from_registry]
    applicant = dossier.applicant
    who = applicant.tax_code if service == "enterprise" else applicant.pin
    name = component.component_name
    if not who:
        return RegistryLookup(name, registry, [], _("Người nộp chưa có số định danh, mã số thuế."))
    caller = gateway.Caller(agency, user, "", ip)
    try:
        answer = gateway.consult(
            caller,
            service,
            who,
            purpose=_("Giải quyết hồ sơ %(code)s: %(name)s")
            % {"code": dossier.code, "name": dossier.procedure_version.name},
            dossier=dossier.code,
            on_behalf_of=applicant.pin or "",
        )
    except gateway.RegistryUnavailableError as exc:
        return RegistryLookup(name, registry, [], str(exc.detail), unavailable=True)
    except DomainError as exc:
        reasons = [str(p.reason) for p in exc.invalid_params]
        return RegistryLookup(name, registry, [], " ".join(reasons) or str(exc.detail))
    lines = [registries.lines_of_answer(answer, record) for record in answer.records]
    if not lines:
        return RegistryLookup(
            name, registry, [], _("Cơ sở dữ liệu không có dữ liệu của người nộp.")
        )
    return RegistryLookup(name, registry, lines)


def eform_page(
    form: FormDefinition | None,
    declared: dict[str, str],
    prefilled: Prefilled,
    field_errors: dict[str, str],
    method: str,
    communes: list[tuple[str, str]],
) -> dict[str, Any] | None:
    """:func:`catalog.selectors.form_page` with what was read from the registries."""
    return catalog.form_page(
        form,
        declared,
        field_errors,
        method,
        communes,
        values=prefilled.values,
        sources=prefilled.sources,
        problems=prefilled.problems,
    )


def counter_communes(user: User) -> list[tuple[str, str]]:
    """The communes of the province of the centre where ``user`` receives dossiers (the
    places a counter clerk types in a declaration), by name."""
    agency = directory.agencies_by_ids(agencies_with(user, Perm.DOSSIER_RECEIVE)).first()
    province = directory.province_of(agency) if agency is not None else None
    if province is None:
        return []
    return [(u.code, u.name) for u in geo.search_units(level="commune", parent=province.code)]


@dataclass(frozen=True)
class OnceOnlyRow:
    procedure_code: str
    procedure_name: str
    dossiers: int
    from_registry: int
    from_store: int
    on_form: int

    @property
    def spared(self) -> int:
        return self.from_registry + self.from_store + self.on_form


def once_only(
    provinces: set[int] | None, *, since: dt.date, limit: int = 20
) -> tuple[list[OnceOnlyRow], OnceOnlyRow]:
    """Papers not asked for since the month of ``since``, per procedure (the most spared
    first, ``limit`` of them) and in all, for the provinces watched (None: the nation).
    Read from the tallies: no dossier is scanned."""
    from django.db.models import Sum

    from lienthong.dossiers.models import OnceOnlyTally

    cells = OnceOnlyTally.objects.filter(month__gte=since.replace(day=1))
    if provinces is not None:
        cells = cells.filter(province_id__in=provinces)
    columns = ("dossiers", "from_registry", "from_store", "on_form")
    per = (
        cells.values_list("procedure_code")
        .annotate(*(Sum(c) for c in columns))
        .order_by("procedure_code")
    )
    names = catalog.procedure_names({p[0] for p in per})
    rows = [
        OnceOnlyRow(code, names.get(code, code), *(int(n or 0) for n in sums))
        for code, *sums in per
    ]
    total = OnceOnlyRow(
        "",
        "",
        *(
            sum(getattr(r, k) for r in rows)
            for k in ("dossiers", "from_registry", "from_store", "on_form")
        ),
    )
    rows.sort(key=lambda r: (-r.spared, r.procedure_code))
    return rows[:limit], total


@dataclass(frozen=True)
class CountedRow:
    """A dossier behind a figure of the service index, without the applicant: what a
    steering viewer may see of it (docs/access.md, "Reading dossiers")."""

    pk: int
    code: str
    procedure_code: str
    procedure_name: str
    handling_agency: str
    channel: str
    status: str
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    supplement_count: int
    readable: bool  # the viewer may open the dossier itself


def counted_rows(user: User | AnonymousUser, ids: list[int]) -> list[CountedRow]:
    """The dossiers ``ids`` (the caller checked the viewer may see that they are counted)
    in the order given, each marked openable when ``user`` may read it."""
    rows = {
        d.pk: d
        for d in Dossier.objects.filter(pk__in=ids).select_related(
            "procedure_version", "procedure_version__procedure", "handling_agency"
        )
    }
    readable: set[int] = set()
    if getattr(user, "is_authenticated", False):
        readable = set(
            dossiers_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)  # type: ignore[arg-type]
        )
    out = []
    for pk in ids:
        d = rows.get(pk)
        if d is None:
            continue
        out.append(
            CountedRow(
                pk=d.pk,
                code=d.code,
                procedure_code=d.procedure_version.procedure.code,
                procedure_name=d.procedure_version.name,
                handling_agency=d.handling_agency.name,
                channel=d.get_channel_display(),
                status=d.get_status_display(),
                received_at=d.received_at,
                due_at=d.due_at,
                finished_at=d.finished_at,
                supplement_count=d.supplement_count,
                readable=pk in readable,
            )
        )
    return out
