"""Reads of the agency directory, for the API, the web pages and other apps."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from lienthong.core.errors import NotFound
from lienthong.core.identifiers import IdentifierError, parse_agency_code
from lienthong.directory.constants import DEPARTMENT_BODIES, AgencyKind, AgencyLevel
from lienthong.directory.models import Agency, Counter
from lienthong.geo.text import fold

if TYPE_CHECKING:  # only named in a signature: geo's rows are read through geo.selectors
    from collections.abc import Iterable

    from lienthong.geo.models import AdministrativeUnit

__all__ = [
    "agencies_of_unit",
    "agency_branches",
    "agency_id_of",
    "agency_ids_under",
    "agency_places",
    "children_of",
    "committees_of_units",
    "counters_of",
    "department_key",
    "department_of",
    "get_agency",
    "is_ranked_central",
    "province_of",
    "ranked_agencies",
    "search_agencies",
    "search_key",
    "service_centre_of",
    "service_centres",
]

_NON_ALNUM: Final = re.compile(r"[^0-9a-z]+")
_CODE_LIKE: Final = re.compile(r"[0-9.]*[A-Za-z]?[0-9.]+")
#: Abbreviations people type for words of agency names.
_ABBREVIATIONS: Final[dict[str, str]] = {
    "ubnd": "uy ban nhan dan",
    "mttq": "mat tran to quoc",
    "bhxh": "bao hiem xa hoi",
    "ttpvhcc": "trung tam phuc vu hanh chinh cong",
    "tp": "thanh pho",
}


def search_key(text: str) -> str:
    """Lower case, no diacritics, words separated by one space: the form names are searched in.

    "Ủy ban nhân dân xã Liên Minh" → "uy ban nhan dan xa lien minh".
    """
    return " ".join(w for w in _NON_ALNUM.split(fold(text)) if w)


def _query_key(q: str) -> str:
    """The search key of a query, abbreviations spelled out."""
    return " ".join(_ABBREVIATIONS.get(w, w) for w in search_key(q).split())


def search_agencies(
    *,
    q: str | None = None,
    province: str | None = None,
    unit: str | None = None,
    kind: str | None = None,
    block: str | None = None,
    level: str | None = None,
) -> QuerySet[Agency]:
    """Agencies matching every filter given, with their unit, province and parent.

    ``q`` matches names with or without diacritics (every word must appear; common
    abbreviations such as "UBND" are expanded), an agency code exactly or in part
    ("H41", "000.00.03.H41") and the code of the agency's administrative unit
    ("13786"). ``province`` is a province code ("37"), ``unit`` a commune or province
    code. Agencies whose whole name contains the query come first, then central before
    provincial before commune agencies, each province and commune grouped, by code.
    """
    qs = Agency.objects.select_related("unit", "province", "parent")
    if province:
        qs = qs.in_province(province.strip())
    if unit:
        qs = qs.filter(unit__code=unit.strip(), unit__valid_to__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if block:
        qs = qs.filter(block=block)
    if level:
        qs = qs.filter(level=level)
    phrase = _query_key(q) if q else ""
    if q and q.strip():
        text = q.strip()
        match = Q()
        for word in phrase.split():
            match &= Q(search_key__contains=word)
        if not phrase:
            match = Q(pk__in=[])
        if _CODE_LIKE.fullmatch(text):
            match |= Q(code__icontains=text) | Q(unit__code=text)
        qs = qs.filter(match)
    return qs.annotate(
        _phrase=Case(
            When(search_key__contains=phrase, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        if phrase
        else Value(0, output_field=IntegerField()),
        _level=Case(
            When(level=AgencyLevel.CENTRAL, then=Value(0)),
            When(level=AgencyLevel.PROVINCE, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
    ).order_by("_phrase", "_level", "province__code", "unit__code", "code")


def get_agency(code: str) -> Agency:
    """One agency by its electronic identifier code, with unit, province and parent.

    Raises:
        NotFound: for an unknown code and for a value that is not an agency code at all,
            so that a caller never has to tell the two apart.
    """
    try:
        normalised = parse_agency_code(code).code
    except IdentifierError:
        normalised = None
    agency = (
        Agency.objects.select_related("unit", "province", "parent", "parent__province")
        .filter(code=normalised)
        .first()
        if normalised
        else None
    )
    if agency is None:
        raise NotFound(f"Không có cơ quan mã {str(code)[:40]}.")
    return agency


def children_of(agency: Agency) -> QuerySet[Agency]:
    """The agencies whose parent is ``agency``, by code."""
    return agency.children.select_related("unit").order_by("code")


def agencies_of_unit(unit_code: str) -> QuerySet[Agency]:
    """The agencies of one current administrative unit (a commune, or a province's own), by code."""
    return (
        Agency.objects.filter(unit__code=unit_code.strip(), unit__valid_to__isnull=True)
        .select_related("unit", "province", "parent")
        .order_by("code")
    )


def agency_ids_under(parents: Iterable[int]) -> set[int]:
    """The ids of the agencies directly under ``parents``."""
    wanted = sorted(set(parents))
    if not wanted:
        return set()
    return set(Agency.objects.filter(parent_id__in=wanted).values_list("pk", flat=True))


def agency_id_of(code: str) -> int | None:
    """The id of the agency with ``code`` (None: no such agency)."""
    return Agency.objects.filter(code=code.strip()).values_list("pk", flat=True).first()


def agencies_by_ids(ids: set[int] | list[int]) -> QuerySet[Agency]:
    return Agency.objects.filter(pk__in=set(ids)).select_related("province").order_by("code")


def province_of(agency: Agency) -> AdministrativeUnit | None:
    """The province an agency belongs to; ``None`` for central agencies."""
    if agency.province is not None:
        return agency.province
    unit = agency.unit
    if unit is None:
        return None
    return unit if unit.province_id is None else unit.province


def service_centres(province_code: str) -> QuerySet[Agency]:
    """The public administrative service centres of a province (its own and its communes')."""
    return (
        Agency.objects.in_province(province_code.strip())
        .filter(kind=AgencyKind.SERVICE_CENTRE)
        .select_related("unit", "province")
        .order_by("code")
    )


def service_centre_of(unit_code: str) -> Agency | None:
    """The public administrative service centre of a current commune or province (its
    own, not its communes'), with its unit; None if the directory has none."""
    return (
        agencies_of_unit(unit_code)
        .filter(kind=AgencyKind.SERVICE_CENTRE, valid_to__isnull=True)
        .first()
    )


def counters_of(centre: Agency) -> QuerySet[Counter]:
    """The counters of a service centre by number, with the agency each receives for."""
    return centre.counters.select_related("serves").order_by("number")


def commune_service_places() -> list[tuple[int, int, int, int, str]]:
    """Every commune with a service centre, as (commune unit id, province unit id, People's
    Committee id, service centre id, centre code): the places generated history is filed at."""
    committees = {
        a["unit_id"]: a
        for a in Agency.objects.filter(kind="people_committee", level="commune").values(
            "pk", "unit_id", "province_id"
        )
    }
    out = []
    for c in Agency.objects.filter(kind="service_centre", level="commune").values(
        "pk", "unit_id", "code"
    ):
        uc = committees.get(c["unit_id"])
        if uc:
            out.append((c["unit_id"], uc["province_id"], uc["pk"], c["pk"], c["code"]))
    return out


def department_of(province_code: str, key: str) -> Agency | None:
    """The department ``key`` (e.g. ``xay_dung``) of a province, found by its code
    ``000.00.<number>.<province>`` rather than by its name; None if there is none."""
    body = DEPARTMENT_BODIES.get(key)
    if body is None:
        return None
    return (
        Agency.objects.filter(
            province__code=province_code,
            kind=AgencyKind.DEPARTMENT,
            code__startswith=f"000.00.{body[0]}.",
        )
        .select_related("unit", "province", "parent")
        .first()
    )


def department_key(agency: Agency) -> str:
    """The key (``tu_phap``…) of a provincial department by the number in its code
    ``000.00.<number>.<province>``; '' for any other agency."""
    if agency.kind != AgencyKind.DEPARTMENT:
        return ""
    parts = agency.code.split(".")
    number = parts[2] if len(parts) == 4 else ""
    return next((key for key, (n, _name) in DEPARTMENT_BODIES.items() if n == number), "")


def provinces_of(ids: Iterable[int]) -> dict[int, int | None]:
    """``{agency id: its province's unit id}`` (None: a central agency)."""
    return dict(Agency.objects.filter(pk__in=list(ids)).values_list("pk", "province_id"))


def agency_places(ids: Iterable[int]) -> dict[int, tuple[int | None, int | None, int | None]]:
    """``{agency id: (province unit id, commune unit id, branch)}``: where each agency
    serves (the commune None above the commune level) and the central agency the index
    ranks that it belongs to by ``parent`` (a ministry, a government agency, Vietnam
    Social Security: Bộ Công an for a commune's police), None for any other."""
    rows = list(
        Agency.objects.filter(pk__in=list(ids)).values_list(
            "pk", "province_id", "unit_id", "level", "parent_id", "kind"
        )
    )
    up: dict[int, int | None] = {}
    ranked: set[int] = set()
    tree = [(pk, parent, level, kind) for pk, _p, _u, level, parent, kind in rows]
    while tree:  # these agencies, then the parents not read yet: a level a query
        for pk, parent, level, kind in tree:
            up[pk] = parent
            if _ranked_central(level, kind):
                ranked.add(pk)
        wanted = {p for p in up.values() if p is not None and p not in up}
        tree = list(
            Agency.objects.filter(pk__in=wanted).values_list("pk", "parent_id", "level", "kind")
            if wanted
            else []
        )

    def branch(pk: int) -> int | None:
        seen: set[int] = set()
        at: int | None = pk
        while at is not None and at not in seen:
            if at in ranked:
                return at
            seen.add(at)
            at = up.get(at)
        return None

    return {
        pk: (province, unit if level == "commune" else None, branch(pk))
        for pk, province, unit, level, _parent, _kind in rows
    }


def agency_branches(roots: Iterable[int]) -> dict[int, int]:
    """``{agency id: the root it belongs to}`` for these agencies and every agency under
    them by ``parent`` (a ministry's provincial and commune offices, say), one query a
    level of the tree; an agency under two roots counts for the first met."""
    branch = {r: r for r in roots}
    frontier = dict(branch)
    while frontier:
        rows = Agency.objects.filter(parent_id__in=list(frontier)).values_list("pk", "parent_id")
        frontier = {pk: frontier[parent] for pk, parent in rows if pk not in branch and parent}
        branch.update(frontier)
    return branch


#: The agencies the service index ranks beside the units: the ministries and government
#: agencies nationally, the departments in a province.
_RANKED_KINDS: Final = {
    None: (AgencyKind.MINISTRY, AgencyKind.GOVERNMENT_AGENCY, AgencyKind.SOCIAL_INSURANCE),
    "province": (AgencyKind.DEPARTMENT,),
}


def is_ranked_central(agency: Agency) -> bool:
    """Whether the index ranks ``agency`` among the central agencies (a ministry, a
    government agency, Vietnam Social Security)."""
    return _ranked_central(agency.level, agency.kind)


def _ranked_central(level: str, kind: str) -> bool:
    return level == AgencyLevel.CENTRAL and kind in _RANKED_KINDS[None]


def ranked_agencies(province_id: int | None) -> list[Agency]:
    """The ministries, government agencies and Vietnam Social Security (``province_id``
    None), or a province's departments, by name."""
    if province_id is None:
        qs = Agency.objects.filter(level=AgencyLevel.CENTRAL, kind__in=_RANKED_KINDS[None])
    else:
        qs = Agency.objects.filter(
            level=AgencyLevel.PROVINCE, province_id=province_id, kind__in=_RANKED_KINDS["province"]
        )
    return list(qs.order_by("name"))


def committees_of_units(unit_ids: Iterable[int]) -> dict[int, Agency]:
    """``{unit id: its People's Committee}`` for these current units (communes or
    provinces), one query; units without one are left out."""
    rows = Agency.objects.filter(unit_id__in=list(unit_ids), kind=AgencyKind.PEOPLE_COMMITTEE)
    return {a.unit_id: a for a in rows.select_related("unit", "province") if a.unit_id}
