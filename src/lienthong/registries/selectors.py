"""Reads of the registries app for pages and the API, with their access checks.

The data subject's own view ("Dữ liệu của tôi") reads here, without the gateway: a
person looking at their own data is not a processing by another party. Everything an
agency reads goes through ``gateway``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import agencies_with, can
from lienthong.core.errors import InvalidInput, InvalidParam, NotFound, PermissionDenied
from lienthong.core.paging import LazySlices
from lienthong.directory import selectors as directory
from lienthong.geo import selectors as geo
from lienthong.registries import gateway
from lienthong.registries.adapters import BuiltinAdapter, Found
from lienthong.registries.constants import Outcome
from lienthong.registries.datasets import DATASETS, Dataset, dataset
from lienthong.registries.gateway import Caller
from lienthong.registries.models import (
    AccessGrant,
    AccessLog,
    AddressReview,
    Alert,
    QualityFinding,
    QualityRun,
    Record,
    RecordVersion,
    Registry,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency

__all__ = [
    "Holding",
    "Line",
    "QualityChange",
    "accesses_of",
    "alerts_of",
    "caller_for",
    "consumer_grants",
    "get_registry",
    "grants_of",
    "holdings_of",
    "lines_of",
    "owned_registries",
    "quality_changes",
    "reading_agencies",
    "record_versions",
]


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Holding:
    """One record a registry holds about someone, as they read it."""

    registry: str
    registry_name: str
    key: str
    version: int
    valid_from: dt.datetime
    lines: list[Line]


def lines_of(
    ds: Dataset, data: dict[str, Any], fields: tuple[str, ...] | None = None
) -> list[Line]:
    """The fields of a record in the schema's order, as a person reads them (unit codes
    as the unit's name)."""
    names = fields if fields is not None else tuple(f.name for f in ds.fields)
    units = {
        str(data[f.name])
        for f in ds.fields
        if f.kind == "unit" and f.name in names and data.get(f.name)
    }
    unit_names = geo.unit_labels(units)
    lines = []
    for f in ds.fields:
        if f.name not in names:
            continue
        value = data.get(f.name)
        if value in (None, "", []):
            continue
        shown = unit_names.get(str(value), str(value)) if f.kind == "unit" else f.display(value)
        lines.append(Line(str(f.label), shown))
    return lines


def _subjects_of(user: User) -> list[str]:
    return [s for s in (user.pin, user.tax_code) if s]


def holdings_of(user: User) -> list[Holding]:
    """What every registry holds about ``user`` (as subject or party), registry by registry."""
    subjects = _subjects_of(user)
    if not subjects:
        return []
    records = (
        Record.objects.filter(Q(subject__in=subjects) | Q(parties__pin__in=subjects))
        .select_related("registry")
        .distinct()
        .order_by("registry_id", "key")
    )
    return [
        Holding(
            r.registry.code,
            r.registry.name,
            r.key,
            r.version,
            r.valid_from,
            lines_of(dataset(r.registry.code), r.data),
        )
        for r in records
        if r.registry.code in DATASETS
    ]


def accesses_of(
    user: User,
    *,
    registry: str = "",
    agency: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AccessLog]:
    """Every read of ``user``'s data, newest first (only their own: nobody reads another
    person's tracker)."""
    subjects = _subjects_of(user)
    rows = AccessLog.objects.filter(subject__in=subjects).select_related(
        "registry", "consumer", "user"
    )
    if registry:
        rows = rows.filter(registry__code=registry)
    if agency:
        rows = rows.filter(consumer__code=agency)
    if since is not None and until is not None and until < since:
        raise InvalidInput(
            invalid_params=[InvalidParam("until", "before_start", _("Đến ngày trước từ ngày."))]
        )
    tz = timezone.get_current_timezone()
    if since is not None:
        rows = rows.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
    if until is not None:
        rows = rows.filter(
            at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return rows.order_by("-at", "-id")


def field_labels(registry: str, names: list[str]) -> list[str]:
    ds = DATASETS.get(registry)
    if ds is None:
        return names
    labels = []
    for n in names:
        try:
            labels.append(str(ds.field(n).label))
        except KeyError:
            labels.append(n)
    return labels


def get_registry(code: str) -> Registry:
    """The registry with its owner (the gateway's memo: read-only); NotFound otherwise."""
    return gateway.get_registry(code)


def record_chunks(
    registry: Registry,
    *columns: str,
    size: int = 5_000,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[tuple[Any, ...]]]:
    """The registry's records in id order, ``size`` at a time, as ``(id, *columns)``
    rows: memory flat in the registry's size. ``progress`` gets the count read so far
    after each chunk has been dealt with."""
    last = done = 0
    while True:
        chunk = list(
            Record.objects.filter(registry=registry, id__gt=last)
            .order_by("id")
            .values_list("id", *columns)[:size]
        )
        if not chunk:
            return
        last = chunk[-1][0]
        yield chunk
        done += len(chunk)
        if progress is not None:
            progress(done)


def _owns(user: User | AnonymousUser, registry: Registry) -> bool:
    return can(user, Perm.REGISTRY_PUBLISH, agency=registry.owner) or can(
        user, Perm.REGISTRY_GRANT, agency=registry.owner
    )


def owned_registries(user: User | AnonymousUser) -> list[Registry]:
    """The registries whose owner ``user`` works for (all for a platform administrator)."""
    registries = Registry.objects.select_related("owner").annotate(
        open_alerts=Count("alerts", filter=Q(alerts__closed_at__isnull=True), distinct=True),
        live_grants=Count("grants", filter=Q(grants__revoked_at__isnull=True), distinct=True),
    )
    return [r for r in registries if _owns(user, r)]


def owned_registry(user: User | AnonymousUser, code: str) -> Registry:
    registry = get_registry(code)
    if not _owns(user, registry):
        raise PermissionDenied(_("Chỉ cơ quan chủ quản xem được trang này của cơ sở dữ liệu."))
    return registry


def grants_of(registry: Registry) -> QuerySet[AccessGrant]:
    return (
        AccessGrant.objects.filter(registry=registry)
        .select_related("consumer")
        .order_by("revoked_at", "consumer__name", "id")
    )


def alerts_of(registry: Registry, *, closed: bool = False) -> QuerySet[Alert]:
    return (
        Alert.objects.filter(registry=registry, closed_at__isnull=not closed)
        .select_related("consumer", "access", "access__user")
        .order_by("-last_at", "-id")
    )


def reading_agencies(user: User | AnonymousUser) -> list[Agency]:
    """The agencies ``user`` reads registry data for (where they hold ``registry.read``
    or own a registry)."""
    ids = set(agencies_with(user, Perm.REGISTRY_READ)) | set(
        agencies_with(user, Perm.REGISTRY_PUBLISH)
    )
    return list(directory.agencies_by_ids(ids))


def caller_for(user: User, agency_code: str = "", ip: str = "") -> Caller:
    """The agency an official reads for: the one named, or their only one."""
    agencies = reading_agencies(user)
    if agency_code:
        chosen = [a for a in agencies if a.code == agency_code]
        if chosen:
            return Caller(chosen[0], user, "", ip)
        try:
            other = directory.get_agency(agency_code)
        except NotFound:
            raise PermissionDenied(
                _("Tài khoản không khai thác dữ liệu cho cơ quan %(code)s.")
                % {"code": agency_code},
                code="no-role",
            ) from None
        # An agency the official does not read for (a platform administrator may): the
        # gateway refuses the read as ``no-role``, logs it and tells the owner.
        return Caller(other, user, "", ip)
    if len(agencies) == 1:
        return Caller(agencies[0], user, "", ip)
    if not agencies:
        raise PermissionDenied(
            _("Tài khoản không có vai trò khai thác dữ liệu tại cơ quan nào."), code="no-role"
        )
    raise InvalidInput(
        invalid_params=[
            InvalidParam("agency", "required", _("Chọn cơ quan mà bạn khai thác dữ liệu thay mặt."))
        ]
    )


@dataclass(frozen=True, slots=True)
class Usage:
    grant: AccessGrant
    reads_30d: int
    refused_30d: int


def consumer_grants(agency: Agency) -> list[Usage]:
    """The grants an agency holds, with its reads of the last 30 days under each."""
    since = timezone.now() - dt.timedelta(days=30)
    grants = list(
        AccessGrant.objects.filter(consumer=agency).select_related("registry", "registry__owner")
    )
    counts = dict(
        AccessLog.objects.filter(consumer=agency, at__gte=since, outcome=Outcome.ALLOWED)
        .values_list("grant_id")
        .annotate(n=Count("id"))
        .values_list("grant_id", "n")
    )
    refused = (
        AccessLog.objects.filter(consumer=agency, at__gte=since, outcome=Outcome.REFUSED)
        .values_list("registry_id")
        .annotate(n=Count("id"))
    )
    refused_by_registry = dict(refused.values_list("registry_id", "n"))
    return [
        Usage(g, counts.get(g.pk, 0), refused_by_registry.get(g.registry_id, 0)) for g in grants
    ]


def record_versions(user: User, registry: Registry, key: str) -> list[Found]:
    """Every version of a record, for its owner (after a logged read of it)."""
    if not can(user, Perm.REGISTRY_PUBLISH, agency=registry.owner):
        raise PermissionDenied(_("Chỉ cơ quan chủ quản xem được lịch sử bản ghi."))
    return BuiltinAdapter().history(registry, key)


def version_reasons(registry: Registry, key: str) -> dict[int, tuple[str, str]]:
    """Who replaced each past version and why, by version number."""
    rows = RecordVersion.objects.filter(record__registry=registry, record__key=key).select_related(
        "replaced_by"
    )
    return {
        v.version: (v.replaced_by.get_full_name() if v.replaced_by else "", v.reason) for v in rows
    }


def all_registries() -> QuerySet[Registry]:
    return Registry.objects.select_related("owner").filter(code__in=list(DATASETS)).order_by("id")


def lazy(rows: QuerySet[AccessLog], convert: Any) -> LazySlices[Any]:
    """A page of the tracker is read and converted only for the slice shown."""
    return LazySlices(rows.count(), lambda a, b: [convert(r) for r in rows[a:b]])


@dataclass(frozen=True, slots=True)
class QualityRow:
    province: str
    name: str
    records: int
    counts: list[int]
    total: int


@dataclass(frozen=True, slots=True)
class QualityReport:
    run: QualityRun | None
    rules: list[Any]
    rows: list[QualityRow]
    totals: list[int]
    #: The finished runs before this one, oldest first: (when, findings per rule).
    trend: list[tuple[dt.datetime, list[int]]]
    examples: dict[str, list[QualityFinding]]


def quality_report(registry: Registry, *, province: str = "") -> QualityReport:
    """The latest run of the registry's rules: per province × rule, its trend and examples."""
    from lienthong.registries.quality import rules_of

    rules = rules_of(registry.code)
    runs = list(
        QualityRun.objects.filter(registry=registry, kind=QualityRun.Kind.QUALITY).order_by(
            "-started_at", "-id"
        )[:7]
    )
    latest = runs[0] if runs else None
    finished = next((r for r in runs if r.status == QualityRun.Status.DONE), None)
    rows: list[QualityRow] = []
    totals = [0] * len(rules)
    examples: dict[str, list[QualityFinding]] = {}
    if finished is not None:
        names = {u.code: u.name for u in geo.current_units("province")}
        counts = finished.results.get("counts", {})
        records = finished.results.get("records", {})
        provinces = sorted(
            set(records) | {p for c in counts.values() for p in c}, key=lambda p: names.get(p, "~")
        )
        for p in provinces:
            if province and p != province:
                continue
            cells = [int(counts.get(r.code, {}).get(p, 0)) for r in rules]
            totals = [a + b for a, b in zip(totals, cells, strict=True)]
            rows.append(
                QualityRow(
                    p,
                    names.get(p, _("Không xác định được tỉnh")),
                    int(records.get(p, 0)),
                    cells,
                    sum(cells),
                )
            )
        for r in rules:
            found = QualityFinding.objects.filter(run=finished, rule=r.code)
            if province:
                found = found.filter(province=province)
            examples[r.code] = list(found.order_by("id")[:5])
    trend = [
        (
            r.started_at,
            [
                sum(int(v) for v in r.results.get("counts", {}).get(rule.code, {}).values())
                for rule in rules
            ],
        )
        for r in reversed(runs)
        if r.status == QualityRun.Status.DONE
    ]
    return QualityReport(latest, rules, rows, totals, trend, examples)


def latest_conversion(registry: Registry) -> QualityRun | None:
    """The registry's latest conversion of legacy addresses (its progress, its counts)."""
    return (
        QualityRun.objects.filter(registry=registry, kind=QualityRun.Kind.ADDRESSES)
        .order_by("-started_at", "-id")
        .first()
    )


def findings_of(registry: Registry) -> QuerySet[QualityFinding]:
    """Every finding of the latest finished run (for the Excel export)."""
    finished = (
        QualityRun.objects.filter(
            registry=registry, kind=QualityRun.Kind.QUALITY, status=QualityRun.Status.DONE
        )
        .order_by("-started_at", "-id")
        .first()
    )
    if finished is None:
        return QualityFinding.objects.none()
    return QualityFinding.objects.filter(run=finished).order_by("rule", "province", "id")


def shown_of(registry: Registry, keys: list[str]) -> list[tuple[str, str]]:
    """(subject, key) of the records ``keys`` name, for logging a page that shows them
    (a key no longer held is logged with no subject)."""
    subjects: dict[str, str] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 1000):
        subjects.update(
            Record.objects.filter(registry=registry, key__in=unique[start : start + 1000])
            .values_list("key", "subject")
            .iterator()
        )
    return [(subjects.get(k, ""), k) for k in unique]


def open_reviews(registry: Registry) -> QuerySet[AddressReview]:
    return (
        AddressReview.objects.filter(record__registry=registry, decided_at__isnull=True)
        .select_related("record")
        .order_by("id")
    )


def lines_of_answer(answer: Any, record: dict[str, Any]) -> list[Line]:
    """One record of a gateway answer as a person reads it (its fields only)."""
    return lines_of(dataset(answer.registry), record, tuple(answer.fields))


_LINKS: Final = ("father_pin", "mother_pin", "spouse_pin")


def are_family(a: str, b: str) -> bool:
    """Whether the population registry records ``a`` and ``b`` as one household, or as
    parent and child, or as spouses (the registry answers yes or no; nothing else
    leaves it). A prefill about another person than the applicant needs it."""
    if not a or not b:
        return False
    rows = {
        key: (group, data)
        for key, group, data in Record.objects.filter(
            registry__code="population", key__in=[a, b]
        ).values_list("key", "group", "data")
    }
    if a not in rows or b not in rows:
        return False
    (group_a, data_a), (group_b, data_b) = rows[a], rows[b]
    if group_a and group_a == group_b:
        return True
    return any(data_a.get(f) == b for f in _LINKS) or any(data_b.get(f) == a for f in _LINKS)


@dataclass(frozen=True, slots=True)
class QualityChange:
    """A registry's share of records without a finding (per cent) at its last two
    finished quality runs (the early warnings compare them)."""

    code: str
    name: str
    owner: Agency
    previous: float
    latest: float
    at: dt.datetime


def quality_changes() -> list[QualityChange]:
    out = []
    for registry in all_registries():
        runs = list(
            QualityRun.objects.filter(
                registry=registry, kind=QualityRun.Kind.QUALITY, status=QualityRun.Status.DONE
            ).order_by("-started_at", "-id")[:2]
        )
        if len(runs) < 2:
            continue
        latest, previous = (_clean_share(r) for r in runs)
        if latest is None or previous is None:
            continue
        out.append(
            QualityChange(
                registry.code, registry.name, registry.owner, previous, latest, runs[0].started_at
            )
        )
    return out


def _clean_share(run: QualityRun) -> float | None:
    records = sum(int(v) for v in run.results.get("records", {}).values())
    if not records:
        return None
    findings = sum(int(v) for c in run.results.get("counts", {}).values() for v in c.values())
    return round(100 * max(0, records - min(findings, records)) / records, 2)
