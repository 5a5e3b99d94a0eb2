"""Reads of the administrative geography, for the API, the web pages and other apps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext

from lienthong.core import memo
from lienthong.core.errors import NotFound
from lienthong.geo.address import AddressIndex, ConversionResult, EdgeRecord, UnitRecord
from lienthong.geo.constants import LEGACY_END, Level
from lienthong.geo.models import AdministrativeUnit, ConversionJob, GeoDataVersion, Succession
from lienthong.geo.text import compact

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

__all__ = [
    "UnitDetail",
    "address_index",
    "convert_address",
    "current_unit",
    "current_units",
    "data_version",
    "get_job_for",
    "get_unit",
    "jobs_of",
    "search_former_units",
    "search_units",
    "unit_codes",
    "unit_names",
    "ward_ids",
]


@lru_cache(maxsize=1)
def address_index() -> AddressIndex:
    """The in-memory index of both maps (built once per process from the database)."""
    by_pk: dict[int, tuple[str, str]] = {}
    rows = list(
        AdministrativeUnit.objects.values_list(
            "pk",
            "code",
            "level",
            "name",
            "short_name",
            "unit_type",
            "parent_id",
            "province_id",
            "valid_to",
            "aliases",
        )
    )
    for pk, code, level, *_ in rows:
        by_pk[pk] = (code, level)
    units = [
        UnitRecord(
            code=code,
            level=level,
            name=name,
            short_name=short,
            unit_type=utype,
            parent=by_pk[parent][0] if parent else None,
            province=by_pk[province][0] if province else None,
            current=valid_to is None,
            aliases=tuple(aliases or ()),
        )
        for _, code, level, name, short, utype, parent, province, valid_to, aliases in rows
    ]
    edges = [
        EdgeRecord(
            old=by_pk[old][0],
            new=by_pk[new][0],
            level=by_pk[old][1],
            partial=partial,
            default=default,
        )
        for old, new, partial, default in Succession.objects.values_list(
            "predecessor_id", "successor_id", "partial", "is_default"
        )
    ]
    return AddressIndex(units, edges)


def convert_address(text: str) -> ConversionResult:
    return address_index().convert(text)


def search_units(
    *,
    level: str | None = None,
    parent: str | None = None,
    q: str | None = None,
    as_of: dt.date | None = None,
) -> QuerySet[AdministrativeUnit]:
    """Units valid on ``as_of`` (default: today), filtered; diacritics-insensitive name search."""
    qs = AdministrativeUnit.objects.valid_on(as_of or dt.date.today()).select_related(
        "parent", "province"
    )
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(Q(parent__code=parent) | Q(province__code=parent, level=Level.COMMUNE))
    if q:
        key = compact(q)
        for prefix in (
            "tinh",
            "thanhpho",
            "xa",
            "phuong",
            "thitran",
            "huyen",
            "quan",
            "thixa",
            "dackhu",
        ):
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix) :]
                break
        qs = qs.filter(Q(search_key__startswith=key) | Q(code=q.strip()))
    return qs.order_by("level", "search_key", "code")


def search_former_units(*, q: str, level: str | None = None) -> QuerySet[AdministrativeUnit]:
    """Units of the old map (in force until 30/6/2025) named like ``q``, as ``search_units``,
    each with ``successions`` prefetched: the new units that took it over, default first."""
    successions = Succession.objects.select_related("successor__province").order_by(
        "-is_default", "successor__code"
    )
    return search_units(q=q, level=level, as_of=LEGACY_END).prefetch_related(
        Prefetch("successions", queryset=successions)
    )


@dataclass(frozen=True)
class UnitDetail:
    unit: AdministrativeUnit
    predecessors: list[Succession]
    successors: list[Succession]
    children_count: int


def get_unit(code: str, *, as_of: dt.date | None = None, level: str | None = None) -> UnitDetail:
    """One unit by code as valid on ``as_of``, with its lineage; NotFound otherwise."""
    code = code.strip()
    qs = AdministrativeUnit.objects.valid_on(as_of or dt.date.today()).filter(code=code)
    if level:
        qs = qs.filter(level=level)
    elif len(code) in (2, 3, 5):
        qs = qs.filter(level={2: Level.PROVINCE, 3: Level.DISTRICT, 5: Level.COMMUNE}[len(code)])
    unit = qs.select_related("parent", "province").first()
    if unit is None:
        raise NotFound(
            f"Không có đơn vị hành chính mã {code} vào ngày {(as_of or dt.date.today()):%d/%m/%Y}."
        )
    preds = list(
        unit.predecessions.select_related("predecessor__parent", "predecessor__province").order_by(
            "predecessor__code"
        )
    )
    succs = list(unit.successions.select_related("successor__province").order_by("successor__code"))
    return UnitDetail(unit, preds, succs, unit.children.count())


def current_units(level: str) -> QuerySet[AdministrativeUnit]:
    """The units of one level in force now (the post-2025 map), by code, with their province."""
    return (
        AdministrativeUnit.objects.current()
        .filter(level=level)
        .select_related("province")
        .order_by("code")
    )


def data_version() -> GeoDataVersion | None:
    return GeoDataVersion.objects.order_by("-loaded_at").first()


def jobs_of(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ConversionJob]:
    return ConversionJob.objects.filter(owner_id=user.pk).order_by("-created_at")


def get_job_for(user: AbstractBaseUser | AnonymousUser, job_uuid: object) -> ConversionJob:
    """The user's own conversion job; the same NotFound for missing and for someone else's."""
    job = (
        ConversionJob.objects.filter(uuid=str(job_uuid), owner_id=user.pk).first()
        if job_uuid
        else None
    )
    if job is None or not user.is_authenticated:
        raise NotFound("Không tìm thấy lượt chuyển đổi này.")
    return job


def unit_names(ids: set[int] | list[int]) -> list[str]:
    """Names of the units with these primary keys, sorted (for labels such as a scope)."""
    return sorted(AdministrativeUnit.objects.filter(pk__in=ids).values_list("name", flat=True))


def ward_ids(ids: set[int] | list[int]) -> set[int]:
    """Those of the units with these primary keys that are urban wards (phường)."""
    return set(
        AdministrativeUnit.objects.filter(pk__in=ids, unit_type="Phường").values_list(
            "pk", flat=True
        )
    )


def unit_codes(ids: set[int] | list[int]) -> list[str]:
    """Codes of the units with these primary keys, sorted."""
    return sorted(AdministrativeUnit.objects.filter(pk__in=ids).values_list("code", flat=True))


@memo.memoize(key=lambda code, *, level: (code.strip(), level))
def current_unit(code: str, *, level: str) -> AdministrativeUnit:
    """The unit in force with ``code`` at ``level`` (with its province), one query;
    NotFound otherwise. The light lookup for writes that only need the unit; remembered
    per process for a minute (read-only: shared between requests)."""
    unit = (
        AdministrativeUnit.objects.current()
        .select_related("province")
        .filter(code=code.strip(), level=level)
        .first()
    )
    if unit is None:
        raise NotFound(gettext("Không tìm thấy đơn vị hành chính %(code)s.") % {"code": code})
    return unit


def unit_labels(codes: set[str] | list[str]) -> dict[str, str]:
    """ "Xã Liên Minh, Tỉnh Ninh Bình" for each commune code (the unit in force, else the
    latest one with that code, marked as former), one query; unknown codes are left out."""
    found: dict[str, str] = {}
    rows = (
        AdministrativeUnit.objects.filter(code__in=set(codes))
        .select_related("province")
        .order_by("code")
    )
    for unit in rows:
        label = unit.name
        if unit.province is not None and unit.province_id != unit.pk:
            label = f"{unit.name}, {unit.province.name}"
        if unit.valid_to is not None:
            label = f"{label} (đơn vị cũ, đến {unit.valid_to:%d/%m/%Y})"
        if unit.valid_to is None or unit.code not in found:
            found[unit.code] = label
    return found


@dataclass(frozen=True)
class CommuneMap:
    """Every commune code, current or former, with the current province it lies in, and
    the current communes each former one went to (for data-quality checks and address
    conversion over many records, without a query per record)."""

    current: frozenset[str]
    province_of: dict[str, str]
    successors: dict[str, list[tuple[str, str, bool]]]


def commune_map() -> CommuneMap:
    current = dict(
        AdministrativeUnit.objects.current()
        .filter(level=Level.COMMUNE)
        .values_list("code", "province__code")
    )
    province_of = dict(current)
    successors: dict[str, list[tuple[str, str, bool]]] = {}
    rows = (
        Succession.objects.filter(
            predecessor__level=Level.COMMUNE, successor__valid_to__isnull=True
        )
        .order_by("predecessor__code", "-is_default", "successor__code")
        .values_list("predecessor__code", "successor__code", "successor__name", "is_default")
    )
    for old, new, name, default in rows:
        successors.setdefault(old, []).append((new, name, default))
        province_of.setdefault(old, current.get(new, ""))
    return CommuneMap(frozenset(current), province_of, successors)
