"""Reads of the catalogue for the portal, the back office, the API and other apps."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.catalog import eforms, search
from lienthong.catalog.constants import LIFE_EVENTS, ServiceLevel, VersionStatus
from lienthong.catalog.eforms import FormDefinition
from lienthong.catalog.models import (
    CatalogState,
    Component,
    GroupMember,
    Procedure,
    ProcedureGroup,
    ProcedureVersion,
    SearchQuery,
    SearchTerm,
)
from lienthong.catalog.results import result_document_of
from lienthong.core import memo
from lienthong.core.errors import NotFound
from lienthong.core.paging import LazySlices
from lienthong.directory import selectors as directory
from lienthong.geo import selectors as geo
from lienthong.geo.constants import Level as GeoLevel
from lienthong.geo.text import fold

if TYPE_CHECKING:
    from lienthong.directory.models import Agency

__all__ = [
    "Advice",
    "Found",
    "HelpDesk",
    "IndexEntry",
    "catalog_revision",
    "draft_of",
    "facets",
    "field_ministries",
    "find_procedures",
    "form_component",
    "form_of",
    "get_group",
    "get_procedure",
    "get_version",
    "group_form_of",
    "groups_of",
    "help_desk",
    "index_entries",
    "ministry_of_field",
    "published_groups",
    "published_versions",
    "search_procedures",
    "search_report",
    "search_terms",
    "versions_for_admin",
    "versions_with_own_workflow",
]


def catalog_revision() -> int:
    return CatalogState.objects.filter(pk=1).values_list("revision", flat=True).first() or 0


def _documents() -> list[tuple[search.Entry, dict[str, str]]]:
    components: dict[int, list[str]] = {}
    for version_id, name in Component.objects.filter(
        version__status=VersionStatus.PUBLISHED
    ).values_list("version_id", "name"):
        components.setdefault(version_id, []).append(name)
    docs = []
    for v in ProcedureVersion.objects.published().values(
        "pk",
        "procedure__code",
        "name",
        "field",
        "levels",
        "life_events",
        "service_level",
        "boundary_free",
        "business_related",
        "results",
    ):
        entry = search.Entry(
            version_id=v["pk"],
            code=v["procedure__code"],
            name_key=" ".join(search.words(v["name"])),
            field=v["field"],
            levels=tuple(v["levels"]),
            life_events=tuple(v["life_events"]),
            service_level=v["service_level"],
            boundary_free=v["boundary_free"],
            business_related=v["business_related"],
            name=v["name"],
        )
        docs.append(
            (
                entry,
                {
                    "name": f"{v['name']} {v['procedure__code']}",
                    "field": v["field"],
                    "event": " ".join(str(LIFE_EVENTS.get(e, e)) for e in v["life_events"]),
                    "other": " ".join([*v["results"], *components.get(v["pk"], [])]),
                },
            )
        )
    return docs


def _terms() -> list[search.Term]:
    return [
        search.Term(phrase, means)
        for phrase, means in SearchTerm.objects.values_list("phrase", "means")
    ]


def _index() -> search.CatalogIndex:
    return search.index_for(catalog_revision(), _documents, _terms)


def search_terms(q: str = "") -> QuerySet[SearchTerm]:
    """The lexicon's entries, those whose words or meaning hold ``q`` when given."""
    terms = SearchTerm.objects.all()
    key = " ".join(search.words(q))
    if key:
        terms = terms.filter(Q(key__contains=key) | Q(means__icontains=q.strip()))
    return terms.order_by("key")


def find_procedures(
    q: str = "",
    *,
    field: str | None = None,
    level: str | None = None,
    life_event: str | None = None,
    service_level: str | None = None,
    boundary_free: bool | None = None,
    business_related: bool | None = None,
) -> Found:
    """Published procedures best matching ``q`` (all of them, ordered by field and name,
    when ``q`` is empty), filtered. Diacritics and small typos do not matter. Rows are
    read from the database only for the slice a page asks for."""
    index = _index()
    hits = index.search(
        q,
        filters={
            "field": field,
            "level": level,
            "life_event": life_event,
            "service_level": service_level,
            "boundary_free": boundary_free,
            "business_related": business_related,
        },
    )
    ids = [h.entry.version_id for h in hits]

    def fetch(start: int, stop: int) -> list[ProcedureVersion]:
        chunk = ids[start:stop]
        by_id = ProcedureVersion.objects.select_related("procedure").in_bulk(chunk)
        return [by_id[i] for i in chunk if i in by_id]

    return Found(
        len(ids),
        fetch,
        first_code=hits[0].entry.code if hits else "",
        advise=lambda: _advice(index, q, hits),
    )


class Found(LazySlices[ProcedureVersion]):
    """The procedures a search found, a page at a time, the code of the first, and what
    to tell when none is good (:class:`Advice`, worked out when first asked for)."""

    def __init__(
        self,
        length: int,
        fetch: Callable[[int, int], list[ProcedureVersion]],
        first_code: str,
        advise: Callable[[], Advice] | None = None,
    ) -> None:
        super().__init__(length, fetch)
        self.first_code = first_code
        self._advise = advise

    @functools.cached_property
    def advice(self) -> Advice:
        return self._advise() if self._advise is not None else Advice()


@dataclass(frozen=True)
class Advice:
    """What a search that found nothing good tells (see :class:`search.Advice`), with the
    life events as (code, label) and the nearest procedures as (code, name)."""

    corrected: str = ""
    unknown: tuple[str, ...] = ()
    complete: bool = True
    events: tuple[tuple[str, str], ...] = ()
    nearest: tuple[tuple[str, str], ...] = ()

    @property
    def dead_end(self) -> bool:
        """The best result does not hold all the query asks for (or there is none)."""
        return not self.complete


def _advice(index: search.CatalogIndex, q: str, hits: list[search.Hit]) -> Advice:
    if not q.strip():
        return Advice()
    told = index.advise(q, hits)
    return Advice(
        corrected=told.corrected,
        unknown=told.unknown,
        complete=told.complete,
        events=tuple((e, str(LIFE_EVENTS.get(e, e))) for e in told.events),
        nearest=tuple((e.code, e.name) for e in told.nearest),
    )


@dataclass(frozen=True)
class HelpDesk:
    """Where to ask in person: the public administrative service centre of a commune and
    of its province (from the directory), or the communes an address may be in."""

    commune_code: str = ""
    commune: str = ""
    centre: Agency | None = None
    province_centre: Agency | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (commune code, "Xã …, Tỉnh …")
    problem: str = ""

    @property
    def centres(self) -> list[Agency]:
        return [c for c in (self.centre, self.province_centre) if c is not None]

    @property
    def has_phone(self) -> bool:
        return any(c.phone for c in self.centres)


def help_desk(*, address: str = "", commune_code: str = "") -> HelpDesk:
    """The service centres for an address as people write it (old or new names) or for a
    commune code; the communes to choose from when the address may be in several."""
    if commune_code:
        try:
            unit = geo.current_unit(commune_code, level=GeoLevel.COMMUNE)
        except NotFound:
            return HelpDesk(problem=_("Không tìm thấy xã, phường này."))
        return _desk(unit.code, unit.name, unit.province.code if unit.province else "")
    if not address.strip():
        return HelpDesk()
    result = geo.convert_address(address)
    if result.ward_code:
        return _desk(result.ward_code, result.ward_name, result.province_code)
    if result.candidates:
        return HelpDesk(
            choices=tuple(
                (c.ward_code, f"{c.ward_name}, {c.province_name}") for c in result.candidates
            )
        )
    return HelpDesk(
        problem=_(
            "Chưa xác định được xã, phường từ địa chỉ này. Hãy ghi tên xã, phường và tỉnh, "
            "ví dụ «Phường Ba Đình, Hà Nội»."
        )
    )


def _desk(commune_code: str, commune: str, province_code: str) -> HelpDesk:
    return HelpDesk(
        commune_code=commune_code,
        commune=commune,
        centre=directory.service_centre_of(commune_code),
        province_centre=directory.service_centre_of(province_code) if province_code else None,
    )


def search_procedures(
    q: str = "", *, limit: int | None = None, **filters: Any
) -> list[ProcedureVersion]:
    """The first ``limit`` (default: all) results of :func:`find_procedures`, as a list."""
    found = find_procedures(q, **filters)
    return found[: len(found) if limit is None else limit]


@dataclass(frozen=True)
class Facet:
    value: str
    label: str
    count: int


def facets() -> dict[str, list[Facet]]:
    """Fields and life events of the published catalogue with their counts."""
    entries = _index().entries
    fields = Tally(e.field for e in entries)
    events = Tally(ev for e in entries for ev in e.life_events)
    return {
        "fields": [Facet(f, f, n) for f, n in sorted(fields.items(), key=lambda x: fold(x[0]))],
        "life_events": [
            Facet(code, str(label), events[code])
            for code, label in LIFE_EVENTS.items()
            if events[code]
        ],
    }


def _with_components(qs: QuerySet[ProcedureVersion]) -> QuerySet[ProcedureVersion]:
    return qs.select_related("procedure").prefetch_related(
        Prefetch("components", queryset=Component.objects.order_by("order"))
    )


def procedure_names(codes: set[str]) -> dict[str, str]:
    """The names of the published versions of ``codes`` (one query)."""
    return dict(
        published_versions()
        .filter(procedure__code__in=codes)
        .values_list("procedure__code", "name")
    )


@memo.memoize(key=lambda code: code.strip(), ttl=10)
def get_procedure(code: str) -> ProcedureVersion:
    """The published version of procedure ``code`` with its components; NotFound otherwise.

    Remembered for 10 seconds per process (read-only: shared between requests)."""
    version = (
        _with_components(ProcedureVersion.objects.published())
        .filter(procedure__code=code.strip())
        .first()
    )
    if version is None:
        raise NotFound(_("Không tìm thấy thủ tục hành chính %(code)s.") % {"code": code})
    return version


def get_version(code: str, number: int) -> ProcedureVersion:
    """A given version (the one a dossier was filed under), whatever its status."""
    version = (
        _with_components(ProcedureVersion.objects.all())
        .filter(procedure__code=code, number=number)
        .first()
    )
    if version is None:
        raise NotFound(
            _("Không tìm thấy phiên bản %(n)s của thủ tục %(code)s.") % {"n": number, "code": code}
        )
    return version


def draft_of(code: str) -> ProcedureVersion | None:
    return (
        _with_components(ProcedureVersion.objects.all())
        .filter(procedure__code=code, status=VersionStatus.DRAFT)
        .first()
    )


def published_versions() -> QuerySet[ProcedureVersion]:
    return _with_components(ProcedureVersion.objects.published()).order_by("procedure__code")


def versions_with_own_workflow() -> QuerySet[ProcedureVersion]:
    """Published and draft versions that configure their own dossier path."""
    return ProcedureVersion.objects.exclude(workflow={}).exclude(status=VersionStatus.SUPERSEDED)


def versions_for_admin(q: str = "") -> QuerySet[Procedure]:
    """Procedures with their versions, for the back office (code or name contains ``q``)."""
    qs = Procedure.objects.prefetch_related(
        Prefetch("versions", queryset=ProcedureVersion.objects.order_by("-number"))
    ).order_by("code")
    if q:
        ids = {v.procedure_id for v in search_procedures(q, limit=200)}
        qs = qs.filter(pk__in=ids) if ids else qs.filter(code__icontains=q.strip())
    return qs


def groups_of(version: ProcedureVersion) -> list[ProcedureGroup]:
    return list(
        ProcedureGroup.objects.filter(members__procedure_id=version.procedure_id).distinct()
    )


@memo.memoize(key=lambda code: code.strip(), ttl=60)
def get_group(code: str) -> ProcedureGroup:
    """The group with its members in order, each with the name of its published version
    (``procedure_name``; the code when none is published). Remembered per process for a
    minute (reference data; read-only here)."""
    group = (
        ProcedureGroup.objects.prefetch_related(
            Prefetch(
                "members",
                queryset=GroupMember.objects.select_related("procedure").order_by("order"),
            )
        )
        .filter(code=code.strip())
        .first()
    )
    if group is None:
        raise NotFound(_("Không tìm thấy nhóm thủ tục liên thông %(code)s.") % {"code": code})
    names = dict(
        ProcedureVersion.objects.published()
        .filter(procedure__in=[m.procedure_id for m in group.members.all()])
        .values_list("procedure_id", "name")
    )
    for m in group.members.all():
        m.procedure_name = names.get(m.procedure_id, m.procedure.code)
    return group


def form_of(version: ProcedureVersion) -> FormDefinition | None:
    """The electronic form of a procedure version: its own definition, else the one its
    result layout implies (birth, death, marriage…), else None (the applicant attaches
    a declaration). A published version's is remembered (it does not change)."""
    if version.status == VersionStatus.PUBLISHED:
        return _published_form(version)
    return _form_of(version)


@memo.memoize(key=lambda version: version.pk, ttl=600)
def _published_form(version: ProcedureVersion) -> FormDefinition | None:
    return _form_of(version)


def _form_of(version: ProcedureVersion) -> FormDefinition | None:
    if version.form:
        definition, _problems = eforms.parse(version.form)
        if definition is not None:
            return definition
    return eforms.form_from_layout(result_document_of(version.result_document, version.results))


def form_component(version: ProcedureVersion) -> str | None:
    """The component that is the declaration paper itself ("Tờ khai …"), which the
    electronic form replaces when the version has one (None otherwise)."""
    if form_of(version) is None:
        return None
    return next((c.name for c in version.components.all() if c.name.startswith("Tờ khai")), None)


@memo.memoize(key=lambda group: (group.pk, group.code), ttl=60)
def group_form_of(group: ProcedureGroup) -> FormDefinition | None:
    """The one electronic form of an interconnected group (None: not filed as a group;
    remembered per process for a minute, as the group)."""
    if not group.form:
        return None
    definition, _problems = eforms.parse(group.form)
    return definition


def published_groups() -> list[ProcedureGroup]:
    """The groups an applicant can file as one application (with a form)."""
    return [g for g in ProcedureGroup.objects.order_by("code") if g.form]


def form_page(
    form: FormDefinition | None,
    declared: dict[str, str],
    field_errors: dict[str, str],
    method: str,
    communes: list[tuple[str, str]],
    *,
    values: dict[str, str] | None = None,
    sources: dict[str, dict[str, Any]] | None = None,
    problems: list[str] | None = None,
    preview: bool = False,
) -> dict[str, Any] | None:
    """The electronic form as a page draws it (partial ``catalog/partials/eform.html``):
    sections of (field, value, error, source, shown) and whether the applicant may ask
    for it to be prefilled. ``values``/``sources``: what was read from the registries.
    A commune item lists ``communes``, and the one it holds if elsewhere. ``preview``:
    the catalogue team's view of a definition — every item shown, with its condition."""
    if form is None:
        return None
    values, sources = values or {}, sources or {}
    shown = eforms.visible(form, declared)
    known = {code for code, _n in communes}
    elsewhere = {
        v
        for f in form.fields
        if f.kind == "commune" and (v := declared.get(f.key)) and v not in known
    }
    labels = geo.unit_labels(elsewhere) if elsewhere else {}

    def options(value: str) -> list[tuple[str, str]]:
        if value in labels:
            return [(value, labels[value]), *communes]
        return communes

    def condition(f: eforms.FormField) -> str:
        if not preview or f.show_if is None:
            return ""
        other = form.field(f.show_if.field)
        return _("Chỉ hỏi khi «%(f)s» là: %(v)s.") % {
            "f": other.label if other else f.show_if.field,
            "v": ", ".join(f.show_if.values),
        }

    controlling = {o.show_if.field for o in form.fields if o.show_if is not None}
    sections = [
        {
            "title": s.title,
            "fields": [
                {
                    "f": f,
                    "value": declared.get(f.key) or (f.default if method != "POST" else ""),
                    "error": field_errors.get(f.key, ""),
                    "source": sources.get(f.key),
                    "locked": f.locked and f.key in values,
                    "hidden": f.key not in shown and not preview,
                    "condition": condition(f),
                    "options": options(declared.get(f.key, "")) if f.kind == "commune" else [],
                    "controls": not preview and f.key in controlling,
                }
                for f in s.fields
            ],
        }
        for s in form.sections
    ]
    return {
        "form": form,
        "sections": sections,
        "can_prefill": bool(form.prefilled) and not preview,
        "prefilled": bool(values),
        "problems": problems or [],
        "preview": preview,
    }


def form_preview(text: str) -> tuple[dict[str, Any] | None, str]:
    """A form definition typed in the back office, drawn for the catalogue team
    (:func:`form_page` ``preview``), or what is wrong with it (each problem with its
    place, as the catalogue refuses it on saving)."""
    import json

    if not text.strip():
        return None, _("Chưa có tờ khai điện tử để xem trước (ô «Tờ khai điện tử» trống).")
    try:
        raw = json.loads(text)
    except ValueError as exc:
        return None, _("Tờ khai điện tử không phải JSON hợp lệ: %(e)s") % {"e": exc}
    definition, problems = eforms.parse(raw)
    if definition is None:
        return None, _("Tờ khai điện tử không hợp lệ: %(p)s") % {"p": "; ".join(problems[:20])}
    return form_page(definition, {}, {}, "GET", [], preview=True), ""


@dataclass(frozen=True)
class IndexEntry:
    """A published procedure as the service index's catalogue indicators see it."""

    code: str
    name: str
    levels: tuple[str, ...]
    online: bool  # 3.1: an online service, full-process or partial
    has_fee: bool  # 3.5: a fee or charge greater than 0
    complete: bool  # 1.3: every part the catalogue records is there
    agency_kind: str = ""  # the kind of agency that handles it
    department: str = ""  # the provincial department that handles it (its key)
    ministry: str = ""  # the code of the central agency managing its field ('' unknown)


@functools.cache
def field_ministries() -> dict[str, str]:
    """``{field: code of the ministry or central agency that manages it}``, from
    ``catalog/data/fields.csv`` (each row with its reason; docs/steering.md)."""
    import csv

    with (Path(__file__).resolve().parent / "data" / "fields.csv").open(encoding="utf-8") as f:
        return {row["field"].strip(): row["ministry"].strip() for row in csv.DictReader(f)}


def ministry_of_field(field: str) -> str:
    """The code of the central agency managing ``field`` ('' when the table has none);
    a field written "Đường bộ — Giấy phép lái xe" is looked up whole, then by its part
    before the dash."""
    table = field_ministries()
    field = field.strip()
    return table.get(field) or table.get(field.split(" — ")[0].strip(), "")


_index_entries: dict[int, list[IndexEntry]] = {}


def index_entries() -> list[IndexEntry]:
    """Every published procedure for the index (read again when the catalogue changes)."""
    revision = catalog_revision()
    if revision not in _index_entries:
        _index_entries.clear()
        rows = []
        for v in published_versions():
            parts = (
                v.name.strip(),
                v.steps,
                v.channels,
                list(v.components.all()),
                v.processing_days is not None or v.processing_note.strip(),
                v.competent_agency.strip(),
            )
            rows.append(
                IndexEntry(
                    code=v.procedure.code,
                    name=v.name,
                    levels=tuple(v.levels),
                    online=v.service_level in (ServiceLevel.FULL, ServiceLevel.PARTIAL),
                    has_fee=any(_amount(f) > 0 for f in v.fees),
                    complete=all(bool(p) for p in parts),
                    agency_kind=v.agency_kind,
                    department=v.department or "",
                    ministry=ministry_of_field(v.field),
                )
            )
        _index_entries[revision] = rows
    return _index_entries[revision]


def _amount(fee: Any) -> int:
    try:
        return int(fee.get("amount") or 0) if isinstance(fee, dict) else 0
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class QueryGroup:
    key: str
    text: str  # the commonest way it was written
    count: int


@dataclass(frozen=True)
class SearchReport:
    days: int
    total: int
    without_result: int
    opened: int
    filed: int
    zero: list[QueryGroup]  # found nothing
    abandoned: list[QueryGroup]  # found something, nothing opened


def search_report(days: int = 30, limit: int = 50) -> SearchReport:
    """What citizens searched in the last ``days``: the queries that found nothing and
    those whose results nobody opened, commonest first (for the catalogue team)."""
    since = timezone.now() - dt.timedelta(days=days)
    rows = SearchQuery.objects.filter(created_at__gte=since)
    total = rows.count()

    def groups(qs: QuerySet[SearchQuery]) -> list[QueryGroup]:
        """The commonest keys, each shown as it was most often written (two queries)."""
        counted = list(qs.values("key").annotate(n=Count("id")).order_by("-n", "key")[:limit])
        written: dict[str, tuple[int, str]] = {}
        for row in (
            qs.filter(key__in=[g["key"] for g in counted])
            .values("key", "text")
            .annotate(n=Count("id"))
        ):
            best = written.get(row["key"])
            if best is None or (-row["n"], row["text"]) < (-best[0], best[1]):
                written[row["key"]] = (row["n"], row["text"])
        return [
            QueryGroup(g["key"], written.get(g["key"], (0, g["key"]))[1], g["n"]) for g in counted
        ]

    return SearchReport(
        days=days,
        total=total,
        without_result=rows.filter(results=0).count(),
        opened=rows.exclude(opened_code="").count(),
        filed=rows.filter(filed=True).count(),
        zero=groups(rows.filter(results=0)),
        abandoned=groups(rows.filter(results__gt=0, opened_code="")),
    )
