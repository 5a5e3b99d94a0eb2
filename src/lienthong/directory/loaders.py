"""Generate the standard agency directory from the administrative units.

What is generated (see docs/directory.md):

- the central agencies of ``data/central_agencies.csv``;
- per province (34): its People's Committee ``000.00.00.Hnn`` (level-1 code from
  ``data/province_codes.csv``) and 15 bodies ``000.00.LL.Hnn`` with fixed numbers;
- per commune (3,321): its People's Committee ``000.CC.GG.Hnn`` and 4 bodies
  ``NNN.CC.GG.Hnn``, numbered provisionally;
- the counters of every public administrative service centre.

Post-merger official codes are not public, so every code LiênThông makes up is marked
``provisional_code``. An agency is matched on its unit and its place in the scheme, not
on its code, so when a code is corrected in the CSV files the same row (and everything
that refers to it) gets the new code. Contact details and ``valid_to`` are left to the
administrators; agencies no longer generated are kept.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

from django.db import transaction

from lienthong.core.identifiers import AgencyCode, IdentifierError, parse_agency_code
from lienthong.core.reference import StepResult, register_loader
from lienthong.directory.constants import DEPARTMENT_BODIES, AgencyKind, AgencyLevel, Block
from lienthong.directory.models import Agency, Counter
from lienthong.directory.selectors import search_key
from lienthong.geo.constants import REFORM_DATE, Level
from lienthong.geo.selectors import current_units

if TYPE_CHECKING:
    from lienthong.geo.models import AdministrativeUnit

DATA_DIR: Final = Path(__file__).resolve().parent / "data"

#: Communes of a province get ``CC.GG`` from their rank by official code: 99 per group.
COMMUNES_PER_GROUP: Final = 99
FIRST_COMMUNE_GROUP: Final = 50

# Central agencies the provincial and commune bodies belong to, by name (codes may change).
MINISTRY_OF_PUBLIC_SECURITY: Final = "Bộ Công an"
SOCIAL_SECURITY: Final = "Bảo hiểm xã hội Việt Nam"
PARTY_CENTRAL_OFFICE: Final = "Văn phòng Trung ương Đảng"
FRONT_CENTRAL_COMMITTEE: Final = "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam"

COMMITTEE = "committee"  # parent: the People's Committee of the same unit


@dataclass(frozen=True)
class Body:
    """A body generated in every province or commune, at a fixed number."""

    number: str
    name: str  # the name before the place ("Sở Tư pháp" + " tỉnh Ninh Bình")
    kind: str
    block: str
    parent: str  # COMMITTEE, a central agency's name, or the provincial body's number
    counter: str = ""  # label of its counter at the provincial service centre


PROVINCE_BODIES: Final[tuple[Body, ...]] = (
    Body(
        "01", "Trung tâm Phục vụ hành chính công", AgencyKind.SERVICE_CENTRE, Block.STATE, COMMITTEE
    ),
    *(
        Body(number, name, AgencyKind.DEPARTMENT, Block.STATE, COMMITTEE, counter=name)
        for number, name in DEPARTMENT_BODIES.values()
    ),
    Body(
        "12",
        "Công an",
        AgencyKind.POLICE,
        Block.STATE,
        MINISTRY_OF_PUBLIC_SECURITY,
        counter="Công an",
    ),
    Body(
        "13",
        "Bảo hiểm xã hội",
        AgencyKind.SOCIAL_INSURANCE,
        Block.STATE,
        SOCIAL_SECURITY,
        counter="Bảo hiểm xã hội",
    ),
    # No name prefix: "Tỉnh ủy Ninh Bình", "Thành ủy Hà Nội" (see _party_committee_name).
    Body("14", "", AgencyKind.PARTY_COMMITTEE, Block.PARTY, PARTY_CENTRAL_OFFICE),
    Body(
        "15",
        "Ủy ban Mặt trận Tổ quốc Việt Nam",
        AgencyKind.FRONT_COMMITTEE,
        Block.FRONT,
        FRONT_CENTRAL_COMMITTEE,
    ),
)

COMMUNE_BODIES: Final[tuple[Body, ...]] = (
    Body(
        "001",
        "Trung tâm Phục vụ hành chính công",
        AgencyKind.SERVICE_CENTRE,
        Block.STATE,
        COMMITTEE,
    ),
    Body("002", "Công an", AgencyKind.POLICE, Block.STATE, "12"),
    Body("003", "Đảng ủy", AgencyKind.PARTY_COMMITTEE, Block.PARTY, "14"),
    Body("004", "Ủy ban Mặt trận Tổ quốc Việt Nam", AgencyKind.FRONT_COMMITTEE, Block.FRONT, "15"),
)

#: The three counters of every commune service centre; each receives for the commune.
COMMUNE_COUNTERS: Final[tuple[str, ...]] = (
    "Tư pháp – Hộ tịch, chứng thực",
    "Đất đai – Xây dựng – Kinh doanh",
    "Lao động – Thương binh – Xã hội, Bảo hiểm",
)


@dataclass(frozen=True)
class AgencySpec:
    """One agency as the loader wants it; ``parent`` is the code of another spec."""

    code: str
    name: str
    block: str
    level: str
    kind: str
    unit_id: int | None
    province_id: int | None
    parent: str | None
    valid_from: dt.date | None
    provisional: bool

    @property
    def key(self) -> tuple[object, ...]:
        """What identifies the agency across code changes: its unit and its number there."""
        if self.unit_id is None:
            return ("central", self.name)
        return _unit_key(self.unit_id, self.level, parse_agency_code(self.code))


@dataclass(frozen=True)
class CounterSpec:
    centre: str
    number: int
    name: str
    serves: str | None
    fields: str = ""


# ------------------------------------------------------------------------ vendored data


@dataclass(frozen=True)
class CentralRow:
    code: str
    name: str
    kind: str
    block: str
    provisional: bool


def central_agencies() -> list[CentralRow]:
    """The rows of ``data/central_agencies.csv``, checked."""
    rows: list[CentralRow] = []
    with (DATA_DIR / "central_agencies.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["kind"] not in AgencyKind.values or r["block"] not in Block.values:
                raise ValueError(f"central_agencies.csv: loại hoặc khối không hợp lệ ở {r['code']}")
            code = parse_agency_code(r["code"]).code
            rows.append(CentralRow(code, r["name"], r["kind"], r["block"], r["provisional"] == "1"))
    return rows


def province_codes() -> dict[str, tuple[str, bool]]:
    """Province unit code → (level-1 agency code ``000.00.00.Hnn``, provisional)."""
    codes: dict[str, tuple[str, bool]] = {}
    with (DATA_DIR / "province_codes.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            parsed = parse_agency_code(r["agency_code"])
            if parsed.depth != 1:
                raise ValueError(f"province_codes.csv: {r['agency_code']} không phải mã cấp 1")
            codes[r["province_code"]] = (parsed.code, r["provisional"] == "1")
    return codes


# ------------------------------------------------------------------------------- naming


def place_in_sentence(unit: AdministrativeUnit) -> str:
    """How a unit's name reads after an agency name: "tỉnh Ninh Bình", "xã Liên Minh".

    "Thành phố" is part of the proper name of Thành phố Hồ Chí Minh, so it keeps its capital.
    """
    if _proper_name(unit) == unit.name or not unit.unit_type:
        return unit.name
    return f"{unit.unit_type.lower()} {unit.short_name}"


def _proper_name(unit: AdministrativeUnit) -> str:
    return unit.name if unit.short_name == "Hồ Chí Minh" else unit.short_name


def _party_committee_name(province: AdministrativeUnit) -> str:
    """The provincial Party committee: "Tỉnh ủy Ninh Bình", "Thành ủy Hà Nội",
    "Thành ủy Thành phố Hồ Chí Minh"."""
    if province.unit_type == "Thành phố":
        return f"Thành ủy {_proper_name(province)}"
    return f"Tỉnh ủy {province.short_name}"


# ------------------------------------------------------------------------------ the plan


def _province_specs(
    province: AdministrativeUnit, level1: str, provisional: bool, central: dict[str, str]
) -> tuple[list[AgencySpec], list[CounterSpec]]:
    place = place_in_sentence(province)
    committee = AgencySpec(
        code=level1,
        name=f"Ủy ban nhân dân {place}",
        block=Block.STATE,
        level=AgencyLevel.PROVINCE,
        kind=AgencyKind.PEOPLE_COMMITTEE,
        unit_id=province.pk,
        province_id=province.pk,
        parent=None,
        valid_from=REFORM_DATE,
        provisional=provisional,
    )
    h = parse_agency_code(level1).level1
    specs = [committee]
    counters: list[CounterSpec] = []
    centre = f"000.00.01.{h}"
    for body in PROVINCE_BODIES:
        code = f"000.00.{body.number}.{h}"
        name = _party_committee_name(province) if not body.name else f"{body.name} {place}"
        parent = committee.code if body.parent == COMMITTEE else central[body.parent]
        specs.append(
            AgencySpec(
                code=code,
                name=name,
                block=body.block,
                level=AgencyLevel.PROVINCE,
                kind=body.kind,
                unit_id=province.pk,
                province_id=province.pk,
                parent=parent,
                valid_from=REFORM_DATE,
                provisional=True,
            )
        )
        if body.counter:
            number = int(body.number)
            counters.append(CounterSpec(centre, number, f"Quầy {number} — {body.counter}", code))
    return specs, counters


def _commune_specs(
    commune: AdministrativeUnit, index: int, h: str
) -> tuple[list[AgencySpec], list[CounterSpec]]:
    cc = f"{index % COMMUNES_PER_GROUP + 1:02d}"
    gg = f"{FIRST_COMMUNE_GROUP + index // COMMUNES_PER_GROUP:02d}"
    place = place_in_sentence(commune)
    committee = AgencySpec(
        code=f"000.{cc}.{gg}.{h}",
        name=f"Ủy ban nhân dân {place}",
        block=Block.STATE,
        level=AgencyLevel.COMMUNE,
        kind=AgencyKind.PEOPLE_COMMITTEE,
        unit_id=commune.pk,
        province_id=commune.province_id,
        parent=f"000.00.00.{h}",
        valid_from=REFORM_DATE,
        provisional=True,
    )
    specs = [committee]
    for body in COMMUNE_BODIES:
        specs.append(
            replace(
                committee,
                code=f"{body.number}.{cc}.{gg}.{h}",
                name=f"{body.name} {place}",
                block=body.block,
                kind=body.kind,
                parent=committee.code if body.parent == COMMITTEE else f"000.00.{body.parent}.{h}",
            )
        )
    centre = f"001.{cc}.{gg}.{h}"
    counters = [
        CounterSpec(centre, number, name, committee.code, fields=name)
        for number, name in enumerate(COMMUNE_COUNTERS, 1)
    ]
    return specs, counters


def plan() -> tuple[list[AgencySpec], list[CounterSpec]]:
    """Every agency and counter the standard directory has, parents before children."""
    provinces = list(current_units(Level.PROVINCE))
    if not provinces:
        raise RuntimeError("Chưa có đơn vị hành chính mới: hãy chạy bộ nạp geo.units trước.")
    codes = province_codes()
    missing = sorted(p.code for p in provinces if p.code not in codes)
    if missing:
        raise ValueError(f"province_codes.csv thiếu mã cơ quan của tỉnh: {', '.join(missing)}")

    central_rows = central_agencies()
    central = {r.name: r.code for r in central_rows}
    parents = {b.parent for b in PROVINCE_BODIES if b.parent != COMMITTEE}
    if parents - central.keys():
        raise ValueError(
            f"central_agencies.csv thiếu: {', '.join(sorted(parents - central.keys()))}"
        )
    specs = [
        AgencySpec(
            code=r.code,
            name=r.name,
            block=r.block,
            level=AgencyLevel.CENTRAL,
            kind=r.kind,
            unit_id=None,
            province_id=None,
            parent=None,
            valid_from=None,
            provisional=r.provisional,
        )
        for r in central_rows
    ]
    counters: list[CounterSpec] = []
    by_province: dict[int | None, list[AdministrativeUnit]] = {}
    for commune in current_units(Level.COMMUNE):
        by_province.setdefault(commune.province_id, []).append(commune)
    for province in provinces:
        level1, provisional = codes[province.code]
        p_specs, p_counters = _province_specs(province, level1, provisional, central)
        specs += p_specs
        counters += p_counters
        h = parse_agency_code(level1).level1
        for index, commune in enumerate(by_province.get(province.pk, [])):
            c_specs, c_counters = _commune_specs(commune, index, h)
            specs += c_specs
            counters += c_counters

    seen: set[str] = set()
    for spec in specs:
        if spec.code in seen:
            raise ValueError(f"Mã cơ quan bị trùng: {spec.code}")
        seen.add(spec.code)
    return specs, counters


# --------------------------------------------------------------------------- the writes

UPDATE_FIELDS: Final = [
    "code",
    "name",
    "block",
    "level",
    "kind",
    "unit",
    "province",
    "parent",
    "valid_from",
    "provisional_code",
    "search_key",
]


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    recoded: int = 0
    conflicts: int = 0


def _depth(spec: AgencySpec, by_code: dict[str, AgencySpec]) -> int:
    depth, parent = 0, spec.parent
    while parent is not None and parent in by_code:
        depth, parent = depth + 1, by_code[parent].parent
    return depth


def _values(spec: AgencySpec, parent_id: int | None) -> dict[str, object]:
    return {
        "code": spec.code,
        "name": spec.name,
        "block": spec.block,
        "level": spec.level,
        "kind": spec.kind,
        "unit_id": spec.unit_id,
        "province_id": spec.province_id,
        "parent_id": parent_id,
        "valid_from": spec.valid_from,
        "provisional_code": spec.provisional,
        "search_key": search_key(spec.name),
    }


def _unit_key(unit_id: int, level: str, code: AgencyCode) -> tuple[object, ...]:
    number = code.level4 if level == AgencyLevel.COMMUNE else code.level2
    return (unit_id, level, code.depth, number)


def _existing_key(agency: Agency) -> tuple[object, ...] | None:
    if agency.unit_id is None:
        return ("central", agency.name)
    try:
        return _unit_key(agency.unit_id, agency.level, parse_agency_code(agency.code))
    except IdentifierError:
        return None


def _match(specs: list[AgencySpec], existing: list[Agency]) -> dict[str, Agency]:
    """Spec code → the existing agency it is, by unit and number first, else by code."""
    by_key: dict[tuple[object, ...], Agency] = {}
    for agency in existing:  # oldest first: a later look-alike added by hand does not win
        if (key := _existing_key(agency)) is not None:
            by_key.setdefault(key, agency)
    by_code = {a.code: a for a in existing}
    matched: dict[str, Agency] = {}
    claimed: set[int] = set()
    for spec in specs:
        found = by_key.get(spec.key)
        if found is not None and found.pk not in claimed:
            matched[spec.code] = found
            claimed.add(found.pk)
    for spec in specs:
        found = by_code.get(spec.code)
        if spec.code not in matched and found is not None and found.pk not in claimed:
            matched[spec.code] = found
            claimed.add(found.pk)
    return matched


def _write_agencies(specs: list[AgencySpec]) -> tuple[dict[str, int], Outcome]:
    """Create or update the agencies wave by wave (parents first); return code → pk."""
    outcome = Outcome()
    existing = list(Agency.objects.order_by("pk"))
    matched = _match(specs, existing)
    claimed = {a.pk for a in matched.values()}
    # A code held by an agency the plan does not cover (added by hand) is left to it.
    foreign = {a.code for a in existing if a.pk not in claimed}

    pk_of = {a.code: a.pk for a in existing}
    spec_by_code = {s.code: s for s in specs}
    waves: dict[int, list[AgencySpec]] = {}
    for spec in specs:
        waves.setdefault(_depth(spec, spec_by_code), []).append(spec)

    for depth in sorted(waves):
        to_create: list[Agency] = []
        to_update: list[Agency] = []
        moved: list[Agency] = []
        for spec in waves[depth]:
            parent_id = pk_of.get(spec.parent) if spec.parent else None
            values = _values(spec, parent_id)
            agency = matched.get(spec.code)
            if agency is None:
                if spec.code in foreign:
                    outcome.conflicts += 1
                    continue
                to_create.append(Agency(**values))
            elif any(getattr(agency, k) != v for k, v in values.items()):
                if agency.code != spec.code:
                    moved.append(agency)
                for k, v in values.items():
                    setattr(agency, k, v)
                to_update.append(agency)
        if moved:
            # Park moving codes first, so two agencies can swap codes in one run.
            parked = [Agency(pk=a.pk, code=f"~{a.pk}") for a in moved]
            Agency.objects.bulk_update(parked, ["code"], batch_size=500)
            outcome.recoded += len(moved)
        Agency.objects.bulk_create(to_create, batch_size=1000)
        Agency.objects.bulk_update(to_update, UPDATE_FIELDS, batch_size=500)
        outcome.created += len(to_create)
        outcome.updated += len(to_update)
        if any(a.pk is None for a in to_create):  # a backend that does not return ids
            pk_of = dict(Agency.objects.values_list("code", "pk"))
        pk_of.update({a.code: a.pk for a in (*to_create, *to_update) if a.pk is not None})
    return pk_of, outcome


def _write_counters(counters: list[CounterSpec], pk_of: dict[str, int]) -> tuple[int, int]:
    existing = {(c.centre_id, c.number): c for c in Counter.objects.all()}
    to_create: list[Counter] = []
    to_update: list[Counter] = []
    for spec in counters:
        centre_id = pk_of.get(spec.centre)
        if centre_id is None:
            continue
        serves_id = pk_of.get(spec.serves) if spec.serves else None
        counter = existing.get((centre_id, spec.number))
        if counter is None:
            to_create.append(
                Counter(
                    centre_id=centre_id,
                    number=spec.number,
                    name=spec.name,
                    serves_id=serves_id,
                    fields=spec.fields,
                )
            )
        elif (counter.name, counter.serves_id, counter.fields) != (
            spec.name,
            serves_id,
            spec.fields,
        ):
            counter.name, counter.serves_id, counter.fields = spec.name, serves_id, spec.fields
            to_update.append(counter)
    Counter.objects.bulk_create(to_create, batch_size=1000)
    Counter.objects.bulk_update(to_update, ["name", "serves", "fields"], batch_size=500)
    return len(to_create), len(to_update)


@register_loader(
    "directory.agencies", order=20, description="Danh bạ cơ quan: trung ương, 34 tỉnh, 3.321 xã"
)
@transaction.atomic
def load_agencies() -> StepResult:
    specs, counters = plan()
    pk_of, outcome = _write_agencies(specs)
    counters_created, counters_updated = _write_counters(counters, pk_of)
    levels = {level: sum(1 for s in specs if s.level == level) for level in AgencyLevel.values}
    provisional = sum(1 for s in specs if s.provisional)
    summary = (
        f"{len(specs)} cơ quan ({levels[AgencyLevel.CENTRAL]} trung ương, "
        f"{levels[AgencyLevel.PROVINCE]} cấp tỉnh, {levels[AgencyLevel.COMMUNE]} cấp xã; "
        f"{provisional} mã tạm), {len(counters)} quầy tiếp nhận "
        f"({outcome.created} cơ quan thêm, {outcome.updated} cập nhật"
        f"{f', {outcome.recoded} đổi mã' if outcome.recoded else ''}; "
        f"{counters_created} quầy thêm, {counters_updated} cập nhật)"
    )
    if outcome.conflicts:
        summary += f"; {outcome.conflicts} cơ quan bỏ qua vì mã đã dùng cho cơ quan khác"
    return StepResult(summary)
