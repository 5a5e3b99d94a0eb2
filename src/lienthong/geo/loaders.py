"""Load the administrative units of both maps and their succession.

Sources (see data/SOURCES.md):
- new units (34 provinces, 3,321 communes): the installed ``vietnam-provinces`` package;
- legacy units (63 provinces, their districts and communes) and the official
  old → new commune table of the General Statistics Office: CSV files in
  ``geo/data`` derived from ``vietnam-provinces`` 2026 (GPL-3.0-or-later);
- which new commune is the default for a split old commune: the installed
  ``vietnamadminunits`` package's 2025 converter data.

Idempotent: units and edges are matched on their codes and updated in place.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from django.db import transaction

from lienthong.core.reference import StepResult, register_loader
from lienthong.geo.constants import LEGACY_END, REFORM_DATE, Level
from lienthong.geo.models import AdministrativeUnit, GeoDataVersion, Succession
from lienthong.geo.text import compact

DATA_DIR = Path(__file__).resolve().parent / "data"
OFFICIAL_SOURCE = "TCTK: BangChuyendoiĐVHCmoi_cu_khong_merge.csv (1/7/2025)"


@dataclass(frozen=True)
class UnitRow:
    level: str
    code: str
    name: str
    short_name: str
    unit_type: str
    parent: str | None
    province: str | None
    current: bool
    aliases: tuple[str, ...] = ()


_PREFIXES = ("Thành phố", "Tỉnh", "Thị xã", "Thị trấn", "Huyện", "Quận", "Xã", "Phường", "Đặc khu")


def _short(name: str) -> str:
    for prefix in _PREFIXES:
        if name.lower().startswith(prefix.lower() + " "):
            return name[len(prefix) + 1 :]
    return name


def _type_of(name: str) -> str:
    return next((p for p in _PREFIXES if name.lower().startswith(p.lower() + " ")), "")


def _normal_name(name: str) -> str:
    """The official capitalisation of the type word ("Thành Phố Đồng Hới" → "Thành phố …")."""
    utype = _type_of(name)
    return f"{utype} {_short(name)}" if utype else name


def new_units() -> list[UnitRow]:
    """The 34 provinces and 3,321 communes since 1/7/2025 (data/new_units.csv)."""
    rows: list[UnitRow] = []
    with (DATA_DIR / "new_units.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["level"] == Level.PROVINCE:
                utype = "Thành phố" if r["type"].startswith("Thành phố") else "Tỉnh"
                name = r["name"] if r["name"].startswith(utype) else f"{utype} {r['name']}"
                rows.append(
                    UnitRow(Level.PROVINCE, r["code"], name, _short(name), utype, None, None, True)
                )
            else:
                name = r["name"]
                utype = _type_of(name) or r["type"]
                province = r["province_code"]
                rows.append(
                    UnitRow(
                        Level.COMMUNE,
                        r["code"],
                        name,
                        _short(name),
                        utype,
                        province,
                        province,
                        True,
                    )
                )
    return rows


def _official_legacy_names() -> dict[tuple[str, str], str]:
    with (DATA_DIR / "legacy_units.csv").open(encoding="utf-8", newline="") as f:
        return {(r["level"], r["code"]): r["name"] for r in csv.DictReader(f)}


def _keys(value: str | None) -> list[str]:
    return [str(k) for k in json.loads(value)] if value else []


def legacy_units() -> list[UnitRow]:
    """Units in force until 30/6/2025, from vietnamadminunits (it has every commune of the
    official table); the names of the official legacy list become extra search aliases."""
    base = resources.files("vietnamadminunits") / "data" / "dataset.db"
    con = sqlite3.connect(f"file:{base}?mode=ro", uri=True)
    try:
        records = con.execute(
            "SELECT provinceCode, province, provinceAlias, districtCode, district, districtType,"
            " districtAlias, wardCode, ward, wardType, wardAlias FROM admin_units_legacy"
            " ORDER BY provinceCode, districtCode, wardCode"
        ).fetchall()
    finally:
        con.close()
    official = _official_legacy_names()

    def aliases(level: str, code: str, name: str, keys: list[str]) -> tuple[str, ...]:
        extra = set(keys)
        other = official.get((level, code))
        if other:
            extra.add(compact(_short(other)))
        extra.discard(compact(_short(name)))
        return tuple(sorted(extra))

    rows: list[UnitRow] = []
    seen: set[tuple[str, str]] = set()
    for pcode, pname, palias, dcode, dname, dtype, dalias, wcode, wname, wtype, walias in records:
        pname, dname = _normal_name(pname), _normal_name(dname)
        wname = _normal_name(wname) if wname else wname
        if (Level.PROVINCE, pcode) not in seen:
            seen.add((Level.PROVINCE, pcode))
            ptype = _type_of(pname) or "Tỉnh"
            rows.append(
                UnitRow(
                    Level.PROVINCE,
                    pcode,
                    pname,
                    _short(pname),
                    ptype,
                    None,
                    None,
                    False,
                    aliases(Level.PROVINCE, pcode, pname, _keys(palias)),
                )
            )
        if (Level.DISTRICT, dcode) not in seen:
            seen.add((Level.DISTRICT, dcode))
            rows.append(
                UnitRow(
                    Level.DISTRICT,
                    dcode,
                    dname,
                    _short(dname),
                    dtype,
                    pcode,
                    pcode,
                    False,
                    aliases(Level.DISTRICT, dcode, dname, _keys(dalias)),
                )
            )
        if wcode and (Level.COMMUNE, wcode) not in seen:
            seen.add((Level.COMMUNE, wcode))
            rows.append(
                UnitRow(
                    Level.COMMUNE,
                    wcode,
                    wname,
                    _short(wname),
                    wtype or _type_of(wname),
                    dcode,
                    pcode,
                    False,
                    aliases(Level.COMMUNE, wcode, wname, _keys(walias)),
                )
            )
    return rows


def _default_new_wards() -> dict[str, str]:
    """Old commune code → default new commune code, from vietnamadminunits."""
    try:
        base = resources.files("vietnamadminunits") / "data"
        converter = json.loads((base / "converter_2025.json").read_text(encoding="utf-8"))
        db_path = str(base / "dataset.db")
    except (ModuleNotFoundError, FileNotFoundError):
        return {}
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        old_codes = {
            f"{p}_{d}_{w}": code
            for p, d, w, code in con.execute(
                "SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy"
            )
        }
        new_codes = {
            (p, w): code
            for p, w, code in con.execute("SELECT provinceKey, wardKey, wardCode FROM admin_units")
        }
    finally:
        con.close()
    defaults: dict[str, str] = {}
    for new_province, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, wards in divided.items():
            old = old_codes.get(old_key)
            chosen = next((w["newWardKey"] for w in wards if w.get("isDefaultNewWard")), None)
            new = new_codes.get((new_province, chosen)) if chosen else None
            if old and new:
                defaults[old] = new
    return defaults


def _edges(
    units: dict[tuple[str, str, bool], AdministrativeUnit],
) -> tuple[list[tuple[AdministrativeUnit, AdministrativeUnit, bool, bool]], int]:
    """(old, new, partial, is_default) for provinces, communes and island districts."""
    edges: list[tuple[AdministrativeUnit, AdministrativeUnit, bool, bool]] = []
    with (DATA_DIR / "province_conversion_2025.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            old_province = units[(Level.PROVINCE, r["old_province_code"], False)]
            new_province = units[(Level.PROVINCE, r["new_province_code"], True)]
            edges.append((old_province, new_province, False, True))
    by_old: dict[str, list[tuple[str, bool]]] = {}
    with (DATA_DIR / "ward_conversion_2025.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            by_old.setdefault(r["old_ward_code"], []).append(
                (
                    r["new_ward_code"],
                    r["partly_merged"] == "1" or r["partly_merged"].lower() == "true",
                )
            )
    defaults = _default_new_wards()
    fallback_defaults = 0
    for old_code, targets in by_old.items():
        old = units.get((Level.COMMUNE, old_code, False))
        if old is None:
            continue  # not in the legacy list (never happens with vietnamadminunits 1.0.4)
        new_codes = [code for code, _ in targets]
        partial = len(new_codes) > 1
        default = defaults.get(old_code)
        if partial and default not in new_codes:
            # No usable default from the converter: prefer the new commune that kept the
            # old commune's code or name, else the lowest code. Marked, never silent.
            fallback_defaults += 1
            same_name = [
                c for c in new_codes if units[(Level.COMMUNE, c, True)].short_name == old.short_name
            ]
            default = old_code if old_code in new_codes else (same_name or sorted(new_codes))[0]
        for code in new_codes:
            new = units[(Level.COMMUNE, code, True)]
            edges.append((old, new, partial, (not partial) or code == default))
    # Island districts without communes became special zones (đặc khu) of the same name.
    zones = {
        u.search_key: u
        for (level, _, current), u in units.items()
        if current and level == Level.COMMUNE and u.unit_type == "Đặc khu"
    }
    with_communes = {
        u.parent_id
        for (level, _, current), u in units.items()
        if level == Level.COMMUNE and not current
    }
    for (level, _, current), u in units.items():
        if level == Level.DISTRICT and not current and u.pk not in with_communes:
            zone = zones.get(u.search_key)
            if zone is not None:
                edges.append((u, zone, False, True))
    return edges, fallback_defaults


@register_loader(
    "geo.units", order=10, description="Đơn vị hành chính cũ và mới, bảng chuyển đổi 2025"
)
@transaction.atomic
def load_units() -> StepResult:
    rows = legacy_units() + new_units()
    existing = {(u.level, u.code, u.valid_to is None): u for u in AdministrativeUnit.objects.all()}
    created = updated = 0
    fields = [
        "name",
        "short_name",
        "unit_type",
        "valid_from",
        "valid_to",
        "search_key",
        "aliases",
        "parent",
        "province",
    ]
    # Level by level, so parents already have primary keys when their children are written.
    for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE):
        to_create: list[AdministrativeUnit] = []
        to_update: list[AdministrativeUnit] = []
        for r in (r for r in rows if r.level == level):
            parent_level = (
                Level.DISTRICT if (level == Level.COMMUNE and not r.current) else Level.PROVINCE
            )
            parent = existing.get((parent_level, r.parent, r.current)) if r.parent else None
            province = existing.get((Level.PROVINCE, r.province, r.current)) if r.province else None
            values = {
                "name": r.name,
                "short_name": r.short_name,
                "unit_type": r.unit_type,
                "valid_from": REFORM_DATE if r.current else None,
                "valid_to": None if r.current else LEGACY_END,
                "search_key": compact(r.short_name),
                "aliases": list(r.aliases),
                "parent": parent,
                "province": province,
            }
            unit = existing.get((r.level, r.code, r.current))
            if unit is None:
                unit = AdministrativeUnit(level=r.level, code=r.code, **values)
                to_create.append(unit)
                existing[(r.level, r.code, r.current)] = unit
            elif _differs(unit, values):
                for k, v in values.items():
                    setattr(unit, k, v)
                to_update.append(unit)
        AdministrativeUnit.objects.bulk_create(to_create, batch_size=1000)
        AdministrativeUnit.objects.bulk_update(to_update, fields, batch_size=500)
        created += len(to_create)
        updated += len(to_update)

    edges, fallback_defaults = _edges(existing)
    current_edges = {(s.predecessor_id, s.successor_id): s for s in Succession.objects.all()}
    new_edges: list[Succession] = []
    changed_edges: list[Succession] = []
    for old, new, partial, is_default in edges:
        s = current_edges.get((old.pk, new.pk))
        if s is None:
            new_edges.append(
                Succession(
                    predecessor=old,
                    successor=new,
                    partial=partial,
                    is_default=is_default,
                    effective=REFORM_DATE,
                    source=OFFICIAL_SOURCE,
                )
            )
        elif (s.partial, s.is_default) != (partial, is_default):
            s.partial, s.is_default = partial, is_default
            changed_edges.append(s)
    Succession.objects.bulk_create(new_edges, batch_size=1000)
    Succession.objects.bulk_update(changed_edges, ["partial", "is_default"], batch_size=1000)

    counts = {
        "new_provinces": sum(1 for r in rows if r.current and r.level == Level.PROVINCE),
        "new_communes": sum(1 for r in rows if r.current and r.level == Level.COMMUNE),
        "legacy_provinces": sum(1 for r in rows if not r.current and r.level == Level.PROVINCE),
        "legacy_districts": sum(1 for r in rows if not r.current and r.level == Level.DISTRICT),
        "legacy_communes": sum(1 for r in rows if not r.current and r.level == Level.COMMUNE),
        "successions": len(edges),
        "split_without_package_default": fallback_defaults,
    }
    sources = {
        "vietnamadminunits": _version("vietnamadminunits"),
        "vietnam-provinces (data/new_units.csv, ward_conversion_2025.csv)": "2026.9.0",
        "official_table": OFFICIAL_SOURCE,
    }
    latest = GeoDataVersion.objects.order_by("-loaded_at").first()
    if latest is None or latest.sources != sources or latest.counts != counts:
        GeoDataVersion.objects.create(sources=sources, counts=counts)
    from lienthong.geo.selectors import address_index

    address_index.cache_clear()
    return StepResult(
        f"{counts['new_provinces']} tỉnh, {counts['new_communes']} xã mới; "
        f"{counts['legacy_provinces']} tỉnh, {counts['legacy_districts']} huyện, "
        f"{counts['legacy_communes']} xã cũ; {counts['successions']} quan hệ kế thừa "
        f"({created} đơn vị thêm, {updated} cập nhật)"
    )


def _differs(unit: AdministrativeUnit, values: Mapping[str, object]) -> bool:
    for key, value in values.items():
        if key in ("parent", "province"):
            current = getattr(unit, f"{key}_id")
            if current != (value.pk if isinstance(value, AdministrativeUnit) else None):
                return True
        elif getattr(unit, key) != value:
            return True
    return False


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
