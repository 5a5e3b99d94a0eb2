"""Resolve free-text addresses against the legacy and the new map, and convert.

Pure in-memory logic: an ``AddressIndex`` is built once from unit and
succession records (see ``selectors.address_index()``) and then answers
``convert(text)`` with dictionary lookups only. Never raises on bad input:
every address gets a status and, when it cannot be resolved, a reason code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from lienthong.geo.constants import Level, Reason, Status
from lienthong.geo.parser import (
    COMMUNE,
    DISTRICT,
    PROVINCE,
    Segment,
    accented_key,
    hyphenated_names,
    name_key,
    parse_segments,
)

__all__ = [
    "AddressIndex",
    "Candidate",
    "ConversionResult",
    "EdgeRecord",
    "LegacyParts",
    "UnitRecord",
]

# Extra names people write for provinces (compact keys), by official code.
LEGACY_PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "01": ("hn", "tphn"),
    "79": ("hcm", "tphcm", "hochiminhcity", "saigon", "sg", "tpsaigon"),
    "46": ("hue", "tth"),
    "77": ("brvt", "vungtau", "bariavt"),
    "66": ("daclac",),
    "67": ("dacnong",),
    "48": ("dn",),
    "31": ("hp",),
    "92": ("ct",),
}
NEW_PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "01": ("hn", "tphn"),
    "79": ("hcm", "tphcm", "hochiminhcity", "saigon", "sg", "tpsaigon"),
    "46": ("thuathienhue", "tth"),
    "66": ("daclac",),
    "48": ("dn",),
    "31": ("hp",),
    "92": ("ct",),
}
PROVINCE_ALIASES = {True: NEW_PROVINCE_ALIASES, False: LEGACY_PROVINCE_ALIASES}
_IGNORED_TAIL = {"vietnam", "vn", "vietnamese"}


@dataclass(frozen=True, slots=True)
class UnitRecord:
    code: str
    level: str
    name: str
    short_name: str
    unit_type: str
    parent: str | None  # code of the parent unit in the same map
    province: str | None  # code of the province in the same map (None for provinces)
    current: bool
    aliases: tuple[str, ...] = ()  # extra compact keys: former names, other spellings


@dataclass(frozen=True, slots=True)
class EdgeRecord:
    old: str
    new: str
    level: str
    partial: bool = False
    default: bool = False


@dataclass(frozen=True, slots=True)
class Candidate:
    ward_code: str
    ward_name: str
    province_code: str
    province_name: str
    is_default: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "ward_code": self.ward_code,
            "ward_name": self.ward_name,
            "province_code": self.province_code,
            "province_name": self.province_name,
            "is_default": self.is_default,
        }


@dataclass(frozen=True, slots=True)
class LegacyParts:
    ward_code: str = ""
    ward_name: str = ""
    district_code: str = ""
    district_name: str = ""
    province_code: str = ""
    province_name: str = ""


@dataclass(frozen=True, slots=True)
class ConversionResult:
    input: str
    status: str
    reason: str = ""
    street: str = ""
    address: str = ""
    ward_code: str = ""
    ward_name: str = ""
    province_code: str = ""
    province_name: str = ""
    confidence: float = 0.0
    candidates: tuple[Candidate, ...] = ()
    legacy: LegacyParts = field(default_factory=LegacyParts)

    @property
    def reason_label(self) -> str:
        return str(Reason(self.reason).label) if self.reason in Reason.values else self.reason

    def as_dict(self) -> dict[str, object]:
        return {
            "input": self.input,
            "status": self.status,
            "reason": self.reason,
            "street": self.street,
            "address": self.address,
            "ward_code": self.ward_code,
            "ward_name": self.ward_name,
            "province_code": self.province_code,
            "province_name": self.province_name,
            "confidence": self.confidence,
            "candidates": [c.as_dict() for c in self.candidates],
            "legacy": {
                "ward_code": self.legacy.ward_code,
                "ward_name": self.legacy.ward_name,
                "district_code": self.legacy.district_code,
                "district_name": self.legacy.district_name,
                "province_code": self.legacy.province_code,
                "province_name": self.legacy.province_name,
            },
        }


@dataclass(slots=True)
class _Entry:
    code: str
    unit_type: str
    accented: str


def _pick(entries: list[_Entry], seg: Segment) -> list[_Entry]:
    """Narrow same-key entries by the written type word, then by diacritics."""
    if len(entries) > 1 and seg.unit_type:
        typed = [e for e in entries if e.unit_type == seg.unit_type]
        entries = typed or entries
    if len(entries) > 1 and seg.accented:
        exact = [e for e in entries if e.accented == seg.accented]
        entries = exact or entries
    return entries


def _allows(seg: Segment, level: str) -> bool:
    return not seg.levels or level in seg.levels


def _find(table: dict[str, list[_Entry]], seg: Segment, level: str) -> list[_Entry]:
    """Entries of ``table`` named by ``seg``: by its name if its type word allows ``level``,
    else by its whole text (a name that begins like a type word: "Quan Hóa", "Xà Bang")."""
    if _allows(seg, level):
        found = _pick(table.get(seg.key, []), seg)
        if found:
            return found
    if seg.whole_key:
        return table.get(seg.whole_key, [])
    return []


class AddressIndex:
    """Lookup tables of both maps, keyed by compact names."""

    def __init__(self, units: Iterable[UnitRecord], edges: Iterable[EdgeRecord]) -> None:
        self.new: dict[tuple[str, str], UnitRecord] = {}
        self.old: dict[tuple[str, str], UnitRecord] = {}
        self.new_provinces: dict[str, list[_Entry]] = defaultdict(list)
        self.old_provinces: dict[str, list[_Entry]] = defaultdict(list)
        self.new_communes: dict[str, dict[str, list[_Entry]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.new_communes_all: dict[str, list[_Entry]] = defaultdict(list)
        self.old_districts: dict[str, dict[str, list[_Entry]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.old_districts_all: dict[str, list[_Entry]] = defaultdict(list)
        self.old_communes_by_district: dict[str, dict[str, list[_Entry]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.old_communes_by_province: dict[str, dict[str, list[_Entry]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.successors: dict[tuple[str, str], list[EdgeRecord]] = defaultdict(list)
        dashed: list[str] = []
        for u in units:
            if "-" in u.short_name or "–" in u.short_name:
                dashed.append(u.short_name)
            (self.new if u.current else self.old)[(u.level, u.code)] = u
            self._add(
                u, name_key(u.short_name), _Entry(u.code, u.unit_type, accented_key(u.short_name))
            )
            extra = PROVINCE_ALIASES[u.current].get(u.code, ()) if u.level == Level.PROVINCE else ()
            for alias in (*u.aliases, *extra):
                self._add(u, alias, _Entry(u.code, u.unit_type, ""))
        # Names with a dash of their own ("Bà Rịa - Vũng Tàu"): " - " inside them is no cut.
        self.hyphenated = hyphenated_names(dashed)
        for e in edges:
            self.successors[(e.level, e.old)].append(e)
        for lst in self.successors.values():
            lst.sort(key=lambda e: (not e.default, e.new))

    def _table(self, u: UnitRecord) -> list[dict[str, list[_Entry]]]:
        """The lookup tables a unit belongs in."""
        if u.current:
            if u.level == Level.PROVINCE:
                return [self.new_provinces]
            if u.level == Level.COMMUNE and u.province:
                return [self.new_communes[u.province], self.new_communes_all]
            return []
        if u.level == Level.PROVINCE:
            return [self.old_provinces]
        if u.level == Level.DISTRICT and u.province:
            return [self.old_districts[u.province], self.old_districts_all]
        if u.level == Level.COMMUNE and u.province:
            tables = [self.old_communes_by_province[u.province]]
            if u.parent:
                tables.append(self.old_communes_by_district[u.parent])
            return tables
        return []

    def _add(self, u: UnitRecord, key: str, entry: _Entry) -> None:
        if not key:
            return
        for table in self._table(u):
            entries = table[key]
            if not any(e.code == entry.code for e in entries):
                entries.append(entry)

    # -- public ------------------------------------------------------------------
    def convert(self, text: object) -> ConversionResult:
        """Resolve one address; never raises."""
        raw = text if isinstance(text, str) else ("" if text is None else str(text))
        try:
            return self._convert(raw)
        except Exception:  # a parser bug must not stop a bulk job
            return ConversionResult(input=raw, status=Status.UNRESOLVED, reason="internal_error")

    def convert_many(self, texts: Iterable[object]) -> Iterator[ConversionResult]:
        for text in texts:
            yield self.convert(text)

    # -- resolution --------------------------------------------------------------
    def _convert(self, raw: str) -> ConversionResult:
        segs = parse_segments(raw, self.hyphenated)
        result = self._resolve(raw, segs)
        if result.status == Status.UNRESOLVED and self.hyphenated is not None:
            # Read with a hyphenated name kept whole, the address led nowhere; the dash may
            # have separated two units after all ("Xã Xuân Trường - Đà Lạt - Lâm Đồng": the
            # old commune Xuân Trường of Đà Lạt, not the new Phường Xuân Trường - Đà Lạt).
            plain = parse_segments(raw)
            if len(plain) != len(segs):
                other = self._resolve(raw, plain)
                if other.status != Status.UNRESOLVED:
                    return other
        return result

    def _resolve(self, raw: str, segs: list[Segment]) -> ConversionResult:
        while segs and segs[-1].key in _IGNORED_TAIL:
            segs.pop()
        while segs and segs[-1].key.isdigit() and len(segs[-1].key) >= 5:  # postal code
            segs.pop()
        if not segs:
            return ConversionResult(input=raw, status=Status.UNRESOLVED, reason=Reason.EMPTY)
        p_idx, new_p, old_p = self._find_province(segs)
        if p_idx is None:
            return self._without_province(raw, segs)
        rest = segs[:p_idx]
        if not rest:
            return self._province_only(raw, new_p, old_p)
        as_new = self._as_new(raw, rest, new_p) if new_p else None
        has_district = self._has_district(rest, old_p)
        if as_new is not None and has_district:
            as_new = None
        as_old = self._as_legacy(raw, rest, old_p) if old_p else None
        if as_old is None or as_old.status == Status.UNRESOLVED:
            if as_new is not None:
                return as_new
            if as_old is not None:
                return as_old
            return ConversionResult(
                input=raw,
                status=Status.UNRESOLVED,
                reason=Reason.UNKNOWN_COMMUNE,
                province_code=new_p or "",
                province_name=self._new_name(Level.PROVINCE, new_p),
            )
        if as_new is None:
            return as_old
        return self._new_or_old(as_new, as_old)

    def _new_or_old(self, as_new: ConversionResult, as_old: ConversionResult) -> ConversionResult:
        """Written without a district, the address reads as new and as old: fine when both
        readings lead to the same commune, otherwise every candidate is returned."""
        old_targets = {c.ward_code for c in as_old.candidates} or {as_old.ward_code}
        if old_targets == {as_new.ward_code}:
            return as_new
        new_ward = self.new[(Level.COMMUNE, as_new.ward_code)]
        candidates = (
            Candidate(
                ward_code=new_ward.code,
                ward_name=new_ward.name,
                province_code=new_ward.province or "",
                province_name=as_new.province_name,
                is_default=True,
            ),
            *(
                replace(c, is_default=False)
                for c in (as_old.candidates or self._candidates_of([as_old.ward_code]))
                if c.ward_code != new_ward.code
            ),
        )
        return replace(
            as_new,
            status=Status.AMBIGUOUS,
            reason=Reason.OLD_OR_NEW,
            confidence=0.5,
            candidates=candidates,
            legacy=as_old.legacy,
        )

    def _find_province(self, segs: list[Segment]) -> tuple[int | None, str | None, str | None]:
        for i in range(len(segs) - 1, -1, -1):
            seg = segs[i]
            new = _find(self.new_provinces, seg, PROVINCE)
            old = _find(self.old_provinces, seg, PROVINCE)
            if new or old:
                return i, (new[0].code if new else None), (old[0].code if old else None)
            if i < len(segs) - 2:  # only the last two segments may name the province
                break
        return None, None, None

    def _has_district(self, rest: list[Segment], old_p: str | None) -> bool:
        last = rest[-1]
        if last.levels == (DISTRICT,) and not last.whole_key:
            return True
        if last.levels == (DISTRICT,) and old_p:
            return bool(_find(self.old_districts[old_p], last, DISTRICT))
        if old_p and len(rest) >= 2:
            return bool(_find(self.old_districts[old_p], last, DISTRICT))
        return False

    def _as_new(self, raw: str, rest: list[Segment], new_p: str) -> ConversionResult | None:
        seg = rest[-1]
        found = _find(self.new_communes[new_p], seg, COMMUNE)
        if seg.unit_type and COMMUNE in seg.levels:
            # In the new map a written type must match: "Phường Lam Sơn" is not "Xã Lam Sơn".
            found = [e for e in found if e.unit_type == seg.unit_type]
        if len(found) != 1:
            return None
        street = _street(rest[:-1])
        return self._new_result(raw, Status.ALREADY_NEW, found[0].code, street, confidence=1.0)

    def _as_legacy(self, raw: str, rest: list[Segment], old_p: str) -> ConversionResult:
        province = self.old[(Level.PROVINCE, old_p)]
        last = rest[-1]
        districts = _find(self.old_districts[old_p], last, DISTRICT)
        if districts and len(rest) >= 2:
            # Several districts may share a name (Huyện and Thị xã Kỳ Anh): keep those
            # that hold the commune.
            seg = rest[-2]
            hits = [
                (d, _find(self.old_communes_by_district[d.code], seg, COMMUNE)) for d in districts
            ]
            hits = [(d, found) for d, found in hits if found]
            if len(hits) == 1:
                confidence = 1.0 if len(districts) == 1 else 0.95
                return self._succeed(raw, hits[0][1], rest[:-2], province, confidence)
            if len(hits) > 1:
                found = [e for _, f in hits for e in f]
                return self._succeed(raw, found, rest[:-2], province, 0.9)
        if districts and len(rest) == 1:
            return self._district_only(raw, province, self.old[(Level.DISTRICT, districts[0].code)])
        if last.levels == (DISTRICT,) and not last.whole_key:
            reason = Reason.UNKNOWN_COMMUNE if districts else Reason.UNKNOWN_DISTRICT
            return self._unresolved_old(raw, reason, province)
        found = _find(self.old_communes_by_province[old_p], last, COMMUNE)
        if not found:
            reason = Reason.UNKNOWN_COMMUNE
            if districts:
                reason = Reason.UNKNOWN_COMMUNE
            return self._unresolved_old(raw, reason, province)
        return self._succeed(raw, found, rest[:-1], province, 0.9)

    def _without_province(self, raw: str, segs: list[Segment]) -> ConversionResult:
        last = segs[-1]
        # A legacy district whose name is unique in the country names its province.
        if len(segs) >= 2:
            districts = _find(self.old_districts_all, last, DISTRICT)
            provinces = {self.old[(Level.DISTRICT, d.code)].province for d in districts}
            if len(provinces) == 1 and (p := provinces.pop()):
                result = self._as_legacy(raw, segs, p)
                if result.status != Status.UNRESOLVED:
                    return _with_confidence(result, 0.8)
        found = _find(self.new_communes_all, last, COMMUNE)
        if len(found) == 1:
            return self._new_result(
                raw, Status.ALREADY_NEW, found[0].code, _street(segs[:-1]), confidence=0.7
            )
        return ConversionResult(input=raw, status=Status.UNRESOLVED, reason=Reason.UNKNOWN_PROVINCE)

    def _province_only(self, raw: str, new_p: str | None, old_p: str | None) -> ConversionResult:
        target = new_p or self._new_province_of_old(old_p)
        return ConversionResult(
            input=raw,
            status=Status.UNRESOLVED,
            reason=Reason.MISSING_COMMUNE,
            province_code=target or "",
            province_name=self._new_name(Level.PROVINCE, target),
            confidence=0.0,
            legacy=LegacyParts(
                province_code=old_p or "", province_name=self._old_name(Level.PROVINCE, old_p)
            ),
        )

    def _district_only(
        self, raw: str, province: UnitRecord, district: UnitRecord
    ) -> ConversionResult:
        # Island districts without communes became special zones (đặc khu).
        edges = self.successors.get((Level.DISTRICT, district.code), [])
        if len(edges) == 1:
            return self._new_result(
                raw,
                Status.CONVERTED,
                edges[0].new,
                "",
                confidence=1.0,
                legacy=LegacyParts(
                    district_code=district.code,
                    district_name=district.name,
                    province_code=province.code,
                    province_name=province.name,
                ),
            )
        return self._unresolved_old(raw, Reason.MISSING_COMMUNE, province, district)

    def _succeed(
        self,
        raw: str,
        found: list[_Entry],
        street_segs: list[Segment],
        province: UnitRecord,
        confidence: float,
    ) -> ConversionResult:
        street = _street(street_segs)
        if len(found) > 1:
            # Same name in several districts: fine only if they all went to the same place.
            targets = {
                tuple(e.new for e in self.successors.get((Level.COMMUNE, f.code), []))
                for f in found
            }
            if len(targets) != 1:
                candidates = self._candidates(
                    [e for f in found for e in self.successors.get((Level.COMMUNE, f.code), [])]
                )
                return ConversionResult(
                    input=raw,
                    status=Status.AMBIGUOUS,
                    reason=Reason.DUPLICATE_NAME,
                    street=street,
                    candidates=candidates,
                    confidence=0.3,
                    legacy=LegacyParts(province_code=province.code, province_name=province.name),
                )
        old_ward = self.old[(Level.COMMUNE, found[0].code)]
        district = self.old.get((Level.DISTRICT, old_ward.parent or ""))
        legacy = LegacyParts(
            ward_code=old_ward.code,
            ward_name=old_ward.name,
            district_code=district.code if district else "",
            district_name=district.name if district else "",
            province_code=province.code,
            province_name=province.name,
        )
        edges = self.successors.get((Level.COMMUNE, old_ward.code), [])
        if not edges:
            return ConversionResult(
                input=raw,
                status=Status.UNRESOLVED,
                reason=Reason.NO_SUCCESSOR,
                street=street,
                legacy=legacy,
            )
        if len(edges) == 1:
            return self._new_result(
                raw, Status.CONVERTED, edges[0].new, street, confidence, legacy=legacy
            )
        default = next((e for e in edges if e.default), edges[0])
        base = self._new_result(raw, Status.AMBIGUOUS, default.new, street, 0.5, legacy=legacy)
        return ConversionResult(
            input=raw,
            status=Status.AMBIGUOUS,
            reason=Reason.SPLIT_COMMUNE,
            street=street,
            address=base.address,
            ward_code=base.ward_code,
            ward_name=base.ward_name,
            province_code=base.province_code,
            province_name=base.province_name,
            confidence=0.5,
            candidates=self._candidates(edges),
            legacy=legacy,
        )

    # -- helpers -----------------------------------------------------------------
    def _candidates_of(self, codes: list[str]) -> tuple[Candidate, ...]:
        return self._candidates([EdgeRecord(old="", new=c, level=Level.COMMUNE) for c in codes])

    def _candidates(self, edges: list[EdgeRecord]) -> tuple[Candidate, ...]:
        seen: dict[str, Candidate] = {}
        for e in edges:
            ward = self.new.get((Level.COMMUNE, e.new))
            if ward is None or e.new in seen:
                continue
            seen[e.new] = Candidate(
                ward_code=ward.code,
                ward_name=ward.name,
                province_code=ward.province or "",
                province_name=self._new_name(Level.PROVINCE, ward.province),
                is_default=e.default,
            )
        return tuple(seen.values())

    def _new_result(
        self,
        raw: str,
        status: str,
        ward_code: str,
        street: str,
        confidence: float,
        legacy: LegacyParts | None = None,
    ) -> ConversionResult:
        ward = self.new[(Level.COMMUNE, ward_code)]
        province_name = self._new_name(Level.PROVINCE, ward.province)
        address = ", ".join(p for p in (street, ward.name, province_name) if p)
        return ConversionResult(
            input=raw,
            status=status,
            street=street,
            address=address,
            ward_code=ward.code,
            ward_name=ward.name,
            province_code=ward.province or "",
            province_name=province_name,
            confidence=confidence,
            legacy=legacy or LegacyParts(),
        )

    def _unresolved_old(
        self, raw: str, reason: str, province: UnitRecord, district: UnitRecord | None = None
    ) -> ConversionResult:
        target = self._new_province_of_old(province.code)
        return ConversionResult(
            input=raw,
            status=Status.UNRESOLVED,
            reason=reason,
            province_code=target or "",
            province_name=self._new_name(Level.PROVINCE, target),
            legacy=LegacyParts(
                district_code=district.code if district else "",
                district_name=district.name if district else "",
                province_code=province.code,
                province_name=province.name,
            ),
        )

    def _new_province_of_old(self, old_code: str | None) -> str | None:
        edges = self.successors.get((Level.PROVINCE, old_code or ""), [])
        return edges[0].new if edges else None

    def _new_name(self, level: str, code: str | None) -> str:
        unit = self.new.get((level, code or ""))
        return unit.name if unit else ""

    def _old_name(self, level: str, code: str | None) -> str:
        unit = self.old.get((level, code or ""))
        return unit.name if unit else ""


def _street(segs: list[Segment]) -> str:
    return ", ".join(s.text for s in segs)


def _with_confidence(result: ConversionResult, cap: float) -> ConversionResult:
    return replace(result, confidence=min(result.confidence, cap))
