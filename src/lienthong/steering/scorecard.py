"""The service index of one scope (the nation, a province, a commune, an agency) and
period (a month, a quarter, a year), and the rankings, from the rollups only
(docs/steering.md, "What each figure counts"). Reads: no page that uses this module
reads a dossier.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.catalog import selectors as catalog
from lienthong.core.errors import DomainError, NotFound, PermissionDenied
from lienthong.directory import selectors as directory
from lienthong.feedback.constants import Category
from lienthong.geo import selectors as geo
from lienthong.steering import index as idx
from lienthong.steering.models import Cell, NationCell, ProvinceCell
from lienthong.steering.rollup import CELL_COUNTERS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "Card",
    "Figure",
    "LateRow",
    "Period",
    "RankRow",
    "Scope",
    "agency_ranking",
    "card",
    "check_scope",
    "most_late",
    "parse_period",
    "parse_scope",
    "period_choices",
    "rank_of",
    "ranking",
    "this_quarter",
    "worst",
]

ScopeKind = Literal["nation", "province", "commune", "agency"]


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    code: str
    name: str
    province_id: int | None = None
    unit_id: int | None = None
    agency_id: int | None = None
    #: Catalogue levels whose procedures are the scope's to provide (1.3, 3.1, 3.2, 3.5).
    levels: tuple[str, ...] = ("central", "province", "commune")
    #: An agency's scope: it and the agencies under it (a ministry's provincial and
    #: commune offices), whose dossiers and reports it answers for.
    agency_ids: tuple[int, ...] = ()
    #: The procedures an agency provides: those of its level handled by its kind of
    #: agency (and department), or, for a ministry, those of the fields it manages.
    agency_kind: str = ""
    department: str = ""
    ministry: bool = False

    @property
    def text(self) -> str:
        return "nation" if self.kind == "nation" else f"{self.kind}:{self.code}"

    def facts(self) -> Q:
        """Which dossiers' and reports' facts (and agencies' cells) are the scope's."""
        if self.kind == "province":
            return Q(province_id=self.province_id)
        if self.kind == "commune":
            return Q(commune_id=self.unit_id)
        if self.kind == "agency":
            return Q(agency_id__in=self.agency_ids or (self.agency_id or 0,))
        return Q()

    def cells(self) -> QuerySet[Cell] | QuerySet[ProvinceCell] | QuerySet[NationCell]:
        """The rollup rows the scope adds up: the coarsest that has it (the nation's
        hundreds of rows a year, a province's, or its agencies' cells)."""
        if self.kind == "province":
            return ProvinceCell.objects.filter(province_id=self.province_id)
        if self.kind == "commune":
            return Cell.objects.filter(commune_id=self.unit_id)
        if self.kind == "agency" and self.ministry:
            return Cell.objects.filter(branch_id=self.agency_id or 0)  # its offices' rows
        if self.kind == "agency":
            return Cell.objects.filter(self.facts())
        return NationCell.objects.all()

    @property
    def catalogue(self) -> tuple[object, ...]:
        """What decides the procedures the scope provides (scopes alike share them)."""
        if self.kind != "agency":
            return (self.levels,)
        if self.ministry:
            return ("ministry", self.code)
        return (self.levels, self.agency_kind, self.department)


def agency_scope(agency: Any, agency_ids: Iterable[int] = ()) -> Scope:
    """The scope of ``agency`` (a directory row) and the agencies under it (their ids,
    itself among them; only itself when not given)."""
    return Scope(
        "agency",
        agency.code,
        agency.name,
        province_id=agency.province_id,
        agency_id=agency.pk,
        levels=(str(agency.level),),
        agency_ids=tuple(sorted(set(agency_ids) | {agency.pk})),
        agency_kind=str(agency.kind),
        department=directory.department_key(agency),
        ministry=directory.is_ranked_central(agency),
    )


NATION: Final = Scope("nation", "", "Toàn quốc")


def parse_scope(text: str) -> Scope:
    """``nation``, ``province:<code>``, ``commune:<code>`` or ``agency:<code>``; a
    ``DomainError`` (code ``bad-scope``) or ``NotFound`` otherwise."""
    text = (text or "nation").strip()
    if text in ("nation", "toan-quoc"):
        return NATION
    kind, _sep, code = text.partition(":")
    code = code.strip()
    if kind in ("province", "commune") and code:
        unit = geo.current_unit(code, level=kind)
        levels = ("province", "commune") if kind == "province" else ("commune",)
        return Scope(
            kind,  # type: ignore[arg-type]
            unit.code,
            unit.name,
            province_id=unit.province_id or unit.pk,
            unit_id=unit.pk,
            levels=levels,
        )
    if kind == "agency" and code:
        agency = directory.get_agency(code)
        return agency_scope(agency, directory.agency_branches([agency.pk]))
    raise DomainError(
        _(
            "Phạm vi «%(scope)s» không hợp lệ: dùng nation, province:<mã>, commune:<mã> hoặc "
            "agency:<mã>."
        )
        % {"scope": text[:40]},
        code="bad-scope",
    )


@dataclass(frozen=True)
class Period:
    text: str
    kind: Literal["month", "quarter", "year"]
    start: dt.date  # first month
    end: dt.date  # the month after the last

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("Tháng %(m)s/%(y)s") % {"m": f"{self.start.month:02d}", "y": self.start.year}
        if self.kind == "quarter":
            return _("Quý %(q)s/%(y)s") % {
                "q": (self.start.month - 1) // 3 + 1,
                "y": self.start.year,
            }
        return _("Năm %(y)s") % {"y": self.start.year}

    def previous(self) -> Period:
        if self.kind == "month":
            d = self.start - dt.timedelta(days=1)
            return parse_period(f"{d.year}-{d.month:02d}")
        if self.kind == "quarter":
            d = self.start - dt.timedelta(days=1)
            return parse_period(f"{d.year}-Q{(d.month - 1) // 3 + 1}")
        return parse_period(str(self.start.year - 1))

    def months(self) -> Q:
        return Q(month__gte=self.start, month__lt=self.end)


def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


_PERIOD = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$")


def parse_period(text: str | None) -> Period:
    """``2026-09`` (a month), ``2026-Q3`` (a quarter) or ``2026`` (a year); the current
    month when empty; a ``DomainError`` (code ``bad-period``) otherwise."""
    text = (text or "").strip().upper()
    if not text:
        today = timezone.localdate()
        text = f"{today.year}-{today.month:02d}"
    m = _PERIOD.match(text)
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise DomainError(
            _("Kỳ «%(period)s» không hợp lệ: dùng năm-tháng (2026-09), năm-quý (2026-Q3) hoặc năm.")
            % {"period": text[:20]},
            code="bad-period",
        )
    year = int(m.group(1))
    if m.group(2):
        start = dt.date(year, int(m.group(2)), 1)
        return Period(text, "month", start, _add_months(start, 1))
    if m.group(3):
        start = dt.date(year, 3 * (int(m.group(3)) - 1) + 1, 1)
        return Period(text, "quarter", start, _add_months(start, 3))
    return Period(text, "year", dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


def check_scope(scope: Scope, provinces: set[int] | None) -> None:
    """Refuse a scope outside the provinces a viewer may watch (None: all)."""
    if provinces is None:
        return
    if scope.kind == "nation" or scope.province_id not in provinces:
        raise PermissionDenied(_("Bạn chỉ được xem chỉ số của tỉnh, thành phố mình theo dõi."))


# --- The figures -------------------------------------------------------------------------

#: Why an indicator is N/A whatever the unit does (the platform lacks the input).
NOT_RECORDED: Final = {
    "1.1": gettext_lazy(
        "Danh mục chưa ghi ngày ký quyết định công bố và ngày văn bản có hiệu lực."
    ),
    "1.2": gettext_lazy("Danh mục chưa ghi ngày ký quyết định công bố."),
    "1.4": gettext_lazy("Nền tảng chưa đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia."),
}

#: The counters an indicator's figures are made of (its numerator, its denominator),
#: and the dossier flag a number drills down to.
DRILL: Final = {
    "2.1": "late",
    "2.2": "finished",
    "3.3": "online",
    "3.6": "paid_online",
    "4.1": "electronic_result",
    "4.2": "digital_and_result",
    "4.3": "reused",
    "4.4": "from_store",
    "4.5": "eid",
    "5.2": "reports_on_time",
    "5.3": "reports_unhappy",
    "5.4": "complained",
}


@dataclass(frozen=True)
class Figure:
    score: idx.Score
    #: Named inputs, as shown beside the formula.
    inputs: tuple[tuple[StrOrPromise, int], ...] = ()
    note: StrOrPromise = ""
    #: A value shown rather than scored (2.2: days).
    value: Decimal | None = None
    drill: str = ""

    @property
    def indicator(self) -> idx.Indicator:
        return self.score.indicator


@dataclass(frozen=True)
class GroupTotal:
    group: idx.Group
    total: Decimal | None
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Card:
    scope: Scope
    period: Period
    total: Decimal | None
    band: idx.Band | None
    groups: tuple[GroupTotal, ...]
    sums: Mapping[str, int]
    distribution: tuple[tuple[StrOrPromise, int, Decimal | None], ...] = field(default=())

    def figure(self, code: str) -> Figure:
        for g in self.groups:
            for f in g.figures:
                if f.indicator.code == code:
                    return f
        raise KeyError(code)


def _entries(
    scope: Scope, every: list[catalog.IndexEntry] | None = None
) -> list[catalog.IndexEntry]:
    """The published procedures ``scope`` provides (docs/steering.md, "Indicators")."""
    every = catalog.index_entries() if every is None else every
    if scope.kind == "agency" and scope.ministry:
        return [e for e in every if e.ministry == scope.code]
    wanted = set(scope.levels)
    out = [e for e in every if wanted.intersection(e.levels)]
    if scope.kind == "agency":
        out = [
            e
            for e in out
            if e.agency_kind == scope.agency_kind and e.department == scope.department
        ]
    return out


@dataclass(frozen=True)
class Provided:
    """What the catalogue says of the procedures a scope provides (1.3, 3.1, 3.2, 3.5)."""

    procedures: int
    complete: int
    online: int
    fee: int
    fee_online: int


def _provided(entries: list[catalog.IndexEntry]) -> Provided:
    fee = [e for e in entries if e.has_fee]
    return Provided(
        len(entries),
        sum(e.complete for e in entries),
        sum(e.online for e in entries),
        len(fee),
        sum(e.online for e in fee),
    )


@functools.lru_cache(maxsize=4)
def _by_code(index: idx.Index) -> dict[str, idx.Indicator]:
    return {i.code: i for i in index.indicators}


#: Aggregates named apart from the columns (a filter on a column must not meet a sum).
_SUMS: Final = {f"sum_{c}": Sum(c, default=0) for c in CELL_COUNTERS}


def _named(got: Mapping[str, object]) -> dict[str, int]:
    return {k.removeprefix("sum_"): int(v or 0) for k, v in got.items()}  # type: ignore[call-overload]


def _figures(index: idx.Index, s: Mapping[str, int], provided: Provided) -> list[Figure]:
    # Labels stay lazy: a ranking makes hundreds of cards and prints one or none.
    _ = gettext_lazy
    indicators = _by_code(index)
    p = provided
    d = s["dossiers"]
    lbl = {
        "dossiers": _("hồ sơ tiếp nhận"),
        "late": _("hồ sơ trễ hạn"),
        "reports": _("phản ánh, kiến nghị"),
    }
    out: list[Figure] = []

    def add(
        code: str, num: int, den: int, inputs: list[tuple[StrOrPromise, int]], **kw: object
    ) -> None:
        out.append(Figure(idx.score(indicators[code], num, den), tuple(inputs), **kw))  # type: ignore[arg-type]

    for code in ("1.1", "1.2"):
        add(code, 0, 0, [], note=NOT_RECORDED[code])
    add(
        "1.3",
        p.complete,
        p.procedures,
        [(_("thủ tục công khai đủ bộ phận"), p.complete), (_("thủ tục"), p.procedures)],
    )
    add("1.4", 0, 0, [], note=NOT_RECORDED["1.4"])
    add(
        "2.1",
        d - s["late"],
        d,
        [(_("hồ sơ đúng hạn"), d - s["late"]), (lbl["late"], s["late"]), (lbl["dossiers"], d)],
        drill="late",
    )
    finished = s["finished"]
    days = (
        (Decimal(s["handling_seconds"]) / Decimal(86400 * finished)).quantize(idx.CENT)
        if finished
        else None
    )
    add("2.2", 0, 0, [(_("hồ sơ đã giải quyết"), finished)], value=days, drill="finished")
    add(
        "3.1",
        p.online,
        p.procedures,
        [(_("thủ tục có dịch vụ trực tuyến"), p.online), (_("thủ tục"), p.procedures)],
    )
    used = min(s["online_procedures"], p.online)
    add(
        "3.2",
        used,
        p.online,
        [(_("dịch vụ có hồ sơ trực tuyến"), used), (_("dịch vụ trực tuyến"), p.online)],
    )
    add(
        "3.3",
        s["online"],
        d,
        [(_("hồ sơ trực tuyến"), s["online"]), (lbl["dossiers"], d)],
        drill="online",
    )
    add(
        "3.5",
        p.fee_online,
        p.fee,
        [
            (_("thủ tục có phí thanh toán trực tuyến"), p.fee_online),
            (_("thủ tục có phí, lệ phí"), p.fee),
        ],
    )
    add(
        "3.6",
        s["paid_online"],
        s["fee_dossiers"],
        [
            (_("hồ sơ thanh toán trực tuyến"), s["paid_online"]),
            (_("hồ sơ có phí, lệ phí"), s["fee_dossiers"]),
        ],
        drill="paid_online",
    )
    add(
        "4.1",
        s["electronic_result"],
        s["with_result"],
        [
            (_("hồ sơ có kết quả điện tử"), s["electronic_result"]),
            (_("hồ sơ đã có kết quả"), s["with_result"]),
        ],
        drill="electronic_result",
    )
    for code, name, label in (
        ("4.2", "digital_and_result", _("hồ sơ số hóa và có kết quả điện tử")),
        ("4.3", "reused", _("hồ sơ tái sử dụng dữ liệu")),
        ("4.4", "from_store", _("hồ sơ lấy giấy tờ từ kho dữ liệu")),
        ("4.5", "eid", _("hồ sơ xác thực định danh điện tử, dùng dữ liệu dân cư")),
    ):
        add(code, s[name], d, [(label, s[name]), (lbl["dossiers"], d)], drill=name)
    r = s["reports"]
    add("5.1", 0, 0, [(lbl["reports"], r)], drill="reports")
    add(
        "5.2",
        s["reports_on_time"],
        r,
        [(_("phản ánh xử lý đúng hạn"), s["reports_on_time"]), (lbl["reports"], r)],
        drill="reports_on_time",
    )
    add(
        "5.3",
        r - s["reports_unhappy"],
        r,
        [
            (_("phản ánh không hài lòng, quá hạn, phản ánh lại"), s["reports_unhappy"]),
            (lbl["reports"], r),
        ],
        drill="reports_unhappy",
    )
    add(
        "5.4",
        d - s["late"] - s["complained"],
        d,
        [
            (lbl["late"], s["late"]),
            (_("hồ sơ có phản ánh hoặc không hài lòng"), s["complained"]),
            (lbl["dossiers"], d),
        ],
        drill="complained",
    )
    return out


def _card(
    scope: Scope,
    period: Period,
    s: Mapping[str, int],
    distribution: dict[str, int],
    provided: Provided,
) -> Card:
    index = idx.definition()
    figures = _figures(index, s, provided)
    scores = [f.score for f in figures]
    groups = tuple(
        GroupTotal(
            g,
            idx.total(index, scores, group=g.code),
            tuple(f for f in figures if f.indicator.group == g.code),
        )
        for g in index.groups
    )
    total = idx.total(index, scores)
    reports = s["reports"]
    shares = tuple(
        (
            c.label,
            distribution.get(c.value, 0),
            idx.rate(distribution.get(c.value, 0), reports),
        )
        for c in Category
    )
    return Card(scope, period, total, idx.band_of(index, total), groups, s, shares)


def card(scope: Scope, period: Period, *, procedure: str = "") -> Card:
    """The index of ``scope`` in ``period`` (of one procedure's dossiers and reports when
    ``procedure`` is given): every indicator with its inputs, the groups' and the total
    points, the band."""
    qs = scope.cells().filter(period.months())
    if procedure:
        qs = qs.filter(procedure_code=procedure)
    # The reports' share by category in the same scan as the sums.
    shares = {
        f"share_{c.value}": Sum("reports", default=0, filter=Q(category=c.value)) for c in Category
    }
    got = qs.aggregate(
        **_SUMS,
        **shares,
        online_procedures=Count("procedure_code", distinct=True, filter=Q(filed_online__gt=0)),
    )
    distribution = {c.value: int(got.pop(f"share_{c.value}") or 0) for c in Category}
    entries = _entries(scope)
    if procedure:
        entries = [e for e in entries if e.code == procedure]
    return _card(scope, period, _named(got), distribution, _provided(entries))


@dataclass(frozen=True)
class RankRow:
    rank: int | None
    scope: Scope
    card: Card
    previous: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.card.total is None or self.previous is None:
            return None
        return self.card.total - self.previous


def _grouped(
    by: str, cells: QuerySet[Cell] | QuerySet[ProvinceCell], period: Period
) -> dict[int, dict[str, int]]:
    rows = (
        cells.filter(period.months())
        .values(by)
        .annotate(
            **_SUMS,
            online_procedures=Count("procedure_code", distinct=True, filter=Q(filed_online__gt=0)),
        )
    )
    return {r[by]: _named({k: v for k, v in r.items() if k != by}) for r in rows if r[by]}


def _empty() -> dict[str, int]:
    return dict.fromkeys((*CELL_COUNTERS, "online_procedures"), 0)


def ranking(within: Scope, period: Period) -> list[RankRow]:
    """The units one level below ``within`` (the provinces of the nation, the communes of
    a province), ranked by their total (N/A last), with the change since the period
    before."""
    cells: QuerySet[Cell] | QuerySet[ProvinceCell]
    if within.kind == "nation":
        by, cells = "province_id", ProvinceCell.objects.all()
        units = [
            Scope(
                "province",
                u.code,
                u.name,
                province_id=u.pk,
                unit_id=u.pk,
                levels=("province", "commune"),
            )
            for u in geo.current_units("province")
        ]
        key = "province_id"
    elif within.kind == "province":
        by, cells = "commune_id", Cell.objects.filter(province_id=within.province_id)
        units = [
            Scope(
                "commune",
                u.code,
                u.name,
                province_id=within.province_id,
                unit_id=u.pk,
                levels=("commune",),
            )
            for u in geo.current_units("commune").filter(province_id=within.province_id)
        ]
        key = "unit_id"
    else:
        raise NotFound(_("Không có đơn vị cấp dưới để xếp hạng."))
    return _ranked(units, key, cells, by, period)


def agency_ranking(within: Scope, period: Period) -> list[RankRow]:
    """The agencies ranked beside the units (docs/steering.md): the ministries and
    government agencies of the nation, or a province's departments, by their own cells."""
    if within.kind not in ("nation", "province"):
        raise NotFound(_("Không có cơ quan để xếp hạng."))
    nation = within.kind == "nation"
    agencies = directory.ranked_agencies(None if nation else within.province_id)
    branches = directory.agency_branches(a.pk for a in agencies)
    under: dict[int, list[int]] = defaultdict(list)
    for agency_id, root in branches.items():
        under[root].append(agency_id)
    units = [agency_scope(a, under[a.pk]) for a in agencies]
    ids = [a.pk for a in agencies]
    if nation:  # the ministries' rows by the branch each cell names
        return _ranked(
            units, "agency_id", Cell.objects.filter(branch_id__in=ids), "branch_id", period
        )
    return _ranked(units, "agency_id", Cell.objects.filter(agency_id__in=ids), "agency_id", period)


def _ranked(
    units: list[Scope],
    key: str,
    cells: QuerySet[Cell] | QuerySet[ProvinceCell],
    by: str,
    period: Period,
) -> list[RankRow]:
    """``units`` ranked by their totals of ``period``, their cells grouped ``by`` the
    column that names them (``key`` of each unit)."""
    now = _grouped(by, cells, period)
    before = _grouped(by, cells, period.previous())
    every = catalog.index_entries()
    provided: dict[tuple[object, ...], Provided] = {}
    cards = []
    for u in units:
        uid = getattr(u, key)
        if u.catalogue not in provided:
            provided[u.catalogue] = _provided(_entries(u, every))
        c = _card(u, period, now.get(uid) or _empty(), {}, provided[u.catalogue])
        p = _card(u, period.previous(), before.get(uid) or _empty(), {}, provided[u.catalogue])
        cards.append((u, c, p.total))
    cards.sort(key=lambda t: (t[1].total is None, -(t[1].total or 0), t[0].name))
    return [
        RankRow(i + 1 if c.total is not None else None, u, c, prev)
        for i, (u, c, prev) in enumerate(cards)
    ]


@dataclass(frozen=True)
class LateRow:
    procedure_code: str
    name: str
    dossiers: int
    late: int
    overdue_open: int


def most_late(scope: Scope, period: Period, *, limit: int = 10) -> list[LateRow]:
    """The procedures with the most late dossiers in ``scope`` and ``period``."""
    rows = list(
        scope.cells()
        .filter(period.months(), category="")
        .values("procedure_code")
        .annotate(
            n=Sum("dossiers", default=0),
            late_n=Sum("late", default=0),
            open_n=Sum("overdue_open", default=0),
        )
        .filter(late_n__gt=0)
        .order_by("-late_n", "procedure_code")[:limit]
    )
    names = catalog.procedure_names({r["procedure_code"] for r in rows})
    return [
        LateRow(
            r["procedure_code"],
            names.get(r["procedure_code"], ""),
            r["n"],
            r["late_n"],
            r["open_n"],
        )
        for r in rows
    ]


def worst(card: Card, *, limit: int = 3) -> list[Figure]:
    """The scored indicators that lose the most points (N/A left out)."""
    lost = [
        (f.indicator.points - f.score.points, f)
        for g in card.groups
        for f in g.figures
        if f.score.points is not None and f.indicator.points > f.score.points
    ]
    lost.sort(key=lambda t: (-t[0], t[1].indicator.code))
    return [f for _lost, f in lost[:limit]]


def rank_of(scope: Scope, period: Period) -> tuple[int | None, int]:
    """Where ``scope`` (a province or a commune) stands among its peers: (rank, how many)."""
    if scope.kind == "province":
        rows = ranking(NATION, period)
    elif scope.kind == "commune":
        province = geo.unit_codes([scope.province_id]) if scope.province_id else []
        if not province:
            return None, 0
        rows = ranking(parse_scope(f"province:{province[0]}"), period)
    else:
        return None, 0
    mine = next((r.rank for r in rows if r.scope.code == scope.code), None)
    return mine, len(rows)


def this_quarter() -> str:
    """The current quarter (``2026-Q4``): what the dashboards open on."""
    today = timezone.localdate()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def period_choices(current: Period) -> list[Period]:
    """Periods to pick from: the last 12 months, this year's and last year's quarters,
    this year and last (``current`` kept among them)."""
    today = timezone.localdate().replace(day=1)
    months = [_add_months(today, -i) for i in range(12)]
    out = [parse_period(f"{m.year}-{m.month:02d}") for m in months]
    for year in (today.year, today.year - 1):
        out += [
            parse_period(f"{year}-Q{q}")
            for q in range(4, 0, -1)
            if dt.date(year, 3 * q - 2, 1) <= today
        ]
        out.append(parse_period(str(year)))
    if all(p.text != current.text for p in out):
        out.insert(0, current)
    return out
