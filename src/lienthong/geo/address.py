"""Resolve free-text addresses against the legacy and the new map, and convert.

Pure in-memory logic: an ``AddressIndex`` is built once from unit and
succession records (see ``selectors.address_index()``) and then answers
``convert(text)`` with dictionary lookups only. Never raises on bad input:
every address gets a status and, when it cannot be resolved, a reason code.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from lienthong.geo.constants import Level, Reason, Status
from lienthong.geo.reader import (
    PLACE_WORDS,
    Entry,
    Memory,
    Reading,
    Token,
    accented_key,
    content_end,
    forget_oldest,
    name_key,
    read,
    tokenize,
    unit_words_at,
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

#: A best reading below this is checked again allowing edits in names.
SURE = 0.86
#: Readings within this of the best that lead elsewhere make the address ambiguous.
MARGIN = 0.08
#: How many administrative tails (and their results) an index keeps; then it starts over.
KNOWN_TAILS = 65_536
#: A reading that reads more words as units goes first when it scores within this of the best.
COVERAGE_MARGIN = 0.2
#: Below this, the best reading is offered as a candidate, not converted.
CONVERT = 0.6
#: Longer cells are not addresses (a pasted document, a whole row): refused unread.
MAX_CHARS = 1000

_PARTS = re.compile(r"[,;|\n\r\t]")
_DASHES = re.compile(r"\s+[-–]\s+")
_STREET_SEPARATORS = re.compile(r"\s*(?:[;|\n\r\t]|\s[-–]\s)\s*")
_STREET_TRIM = " ,;-–|/.\n\r\t"
_SPACES = re.compile(r"[ \t]{2,}")


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


class AddressIndex:
    """Lookup tables of both maps, keyed by compact names."""

    def __init__(self, units: Iterable[UnitRecord], edges: Iterable[EdgeRecord]) -> None:
        self.new: dict[tuple[str, str], UnitRecord] = {}
        self.old: dict[tuple[str, str], UnitRecord] = {}
        self.new_provinces: dict[str, list[Entry]] = defaultdict(list)
        self.old_provinces: dict[str, list[Entry]] = defaultdict(list)
        self.new_communes: dict[str, dict[str, list[Entry]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.new_communes_all: dict[str, list[Entry]] = defaultdict(list)
        self.old_districts: dict[str, dict[str, list[Entry]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.old_districts_all: dict[str, list[Entry]] = defaultdict(list)
        self.old_communes_by_district: dict[str, dict[str, list[Entry]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.old_communes_by_province: dict[str, dict[str, list[Entry]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.successors: dict[tuple[str, str], list[EdgeRecord]] = defaultdict(list)
        # A tail's result: its template (shared by the tails that lead to the same result)
        # and the confidence of its reading.
        self._known: dict[tuple[str, bool], tuple[ConversionResult, float]] = {}
        self._templates: dict[ConversionResult, ConversionResult] = {}
        self.memory = Memory()
        self._outcomes: dict[tuple[str, str], frozenset[str]] = {}
        self._succeeded: dict[str, ConversionResult] = {}  # templates by old commune
        self.olds_of_new: dict[str, tuple[str, ...]] = {}
        self.new_of_old: dict[str, str] = {}
        self.province_of_district: dict[str, str] = {}
        communes: dict[str, set[str]] = defaultdict(set)
        for u in units:
            if u.level == Level.DISTRICT and not u.current and u.province:
                self.province_of_district[u.code] = u.province
            elif u.level == Level.COMMUNE and not u.current and u.province:
                communes[u.province].add(u.code)
            (self.new if u.current else self.old)[(u.level, u.code)] = u
            self._add(
                u, name_key(u.short_name), Entry(u.code, u.unit_type, accented_key(u.short_name))
            )
            extra = PROVINCE_ALIASES[u.current].get(u.code, ()) if u.level == Level.PROVINCE else ()
            for alias in (*u.aliases, *extra):
                self._add(u, alias, Entry(u.code, u.unit_type, ""))
        self.old_commune_codes = {p: frozenset(codes) for p, codes in communes.items()}
        for e in edges:
            self.successors[(e.level, e.old)].append(e)
        for lst in self.successors.values():
            lst.sort(key=lambda e: (not e.default, e.new))
        olds: dict[str, list[str]] = defaultdict(list)
        for (level, old), lst in sorted(self.successors.items()):
            if level == Level.PROVINCE and lst:
                self.new_of_old[old] = lst[0].new
                olds[lst[0].new].append(old)
        self.olds_of_new = {new: tuple(codes) for new, codes in olds.items()}

    def _table(self, u: UnitRecord) -> list[dict[str, list[Entry]]]:
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

    def _add(self, u: UnitRecord, key: str, entry: Entry) -> None:
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
        if len(raw) > MAX_CHARS:
            return ConversionResult(input=raw, status=Status.UNRESOLVED, reason=Reason.TOO_LONG)
        text = unicodedata.normalize("NFC", raw).strip()
        tokens = tokenize(text)
        tails = list(self._tails(text, tokens))  # looked up now, kept after reading
        known = self._recall(raw, text, tokens, tails)
        if known is not None:
            return known
        readings = self._read(text, tokens)
        backwards = ""
        if not readings or readings[0].confidence < CONVERT:
            # Written from the province down ("Tỉnh Nam Định, Huyện Vụ Bản, Xã Đại Thắng")?
            parts = [p.strip() for p in _PARTS.split(text) if p.strip()]
            if len(parts) == 1:
                parts = [p.strip() for p in _DASHES.split(text) if p.strip()]
            if len(parts) > 1:
                backwards_text = ", ".join(reversed(parts))
                other = self._read(backwards_text, tokenize(backwards_text))
                if other and other[0].confidence >= CONVERT:
                    backwards, readings = backwards_text, other
        if not readings:
            reason = Reason.UNKNOWN_PROVINCE if _has_words(tokens) else Reason.EMPTY
            return ConversionResult(input=raw, status=Status.UNRESOLVED, reason=reason)
        if backwards:
            return self._decide(raw, backwards, readings)
        result = self._decide(raw, text, readings)
        self._remember(text, tokens, tails, result)
        return result

    # -- the tails already read ----------------------------------------------------
    # Addresses of a file share their administrative part ("…, Xã Đại Thắng, Huyện Vụ Bản,
    # Tỉnh Nam Định") and differ in the street before it. When the words before that part
    # are plainly a street (each part begins with a place word — Số, Thôn, Ấp, Ngõ … — or a
    # house number, and holds no unit word), they change no reading: the tail's result is
    # kept and reused with the new street. The tail has a comma of its own, so it is read
    # the same with or without a street before it.
    def _tails(self, text: str, tokens: list[Token]) -> Iterator[tuple[int, tuple[str, bool]]]:
        """(first token, cache key) of each tail after a street-like beginning. The key holds
        what the reader reads of the whole address beyond the tail's words: whether it is
        written with diacritics ("Việt Nam" and a postal code at the end left out, as the
        reader leaves them); the tail itself holds a comma before those, so it is read with
        separators with or without a street before it."""
        n = content_end(tokens)
        marked = any(t.accented != t.raw for t in tokens[:n])
        last_hard = max((i for i in range(n) if tokens[i].hard), default=0)
        for k, t in enumerate(tokens[:n]):
            if not t.hard:
                continue
            if k and not _street_like(tokens, k - 1):
                return
            if last_hard > k:
                yield k, (text[t.start :], marked)

    def _recall(
        self, raw: str, text: str, tokens: list[Token], tails: list[tuple[int, tuple[str, bool]]]
    ) -> ConversionResult | None:
        """The result of an address whose tail was read before, after a street-like start."""
        for k, key in tails:
            known = self._known.get(key)
            if known is not None:
                street = _street(text, tokens[k].start) if k else ""
                return _placed(known[0], raw, street, known[1])
        return None

    def _remember(
        self,
        text: str,
        tokens: list[Token],
        tails: list[tuple[int, tuple[str, bool]]],
        result: ConversionResult,
    ) -> None:
        if result.status == Status.UNRESOLVED or result.reason not in ("", Reason.SPLIT_COMMUNE):
            return
        for k, key in tails:
            if _street(text, tokens[k].start) == result.street:
                if len(self._known) >= KNOWN_TAILS:
                    forget_oldest(self._known)
                    self._templates.clear()  # those still known keep theirs
                template = _template(result, confidence=0.0)
                template = self._templates.setdefault(template, template)
                self._known[key] = (template, result.confidence)
                return

    def _read(self, text: str, tokens: list[Token]) -> list[Reading]:
        readings = read(self, text, tokens, fuzzy=False)
        if not readings or readings[0].confidence < SURE or _name_left_in_street(readings, tokens):
            # Nothing sure with the names as written: allow a few edits, within the units
            # the other levels allow; then units that start inside a part ("Thôn 3 Đại
            # Thắng, …").
            readings = read(self, text, tokens, fuzzy=True)
            if not readings or readings[0].confidence < CONVERT:
                readings = read(self, text, tokens, fuzzy=True, anywhere=True)
        return readings

    def _decide(self, raw: str, text: str, readings: list[Reading]) -> ConversionResult:
        top = readings[0]
        if top.confidence < CONVERT:
            # Not sure enough to convert, nor to ask between readings: what was read (the
            # province, the district) with the best guesses.
            partial = next((r for r in readings if r.confidence <= 0), None)
            guesses = [r for r in readings if r.confidence > 0 and r.kind in ("old", "new")]
            if partial is None:
                result = ConversionResult(
                    input=raw, status=Status.UNRESOLVED, reason=Reason.UNKNOWN_PROVINCE
                )
            else:
                result = self._partial(raw, partial)
            return replace(result, candidates=self._guesses(guesses))
        for r in readings[1:]:
            if r.confidence < readings[0].confidence - COVERAGE_MARGIN:
                break
            if _explains_more(r, top):
                if r.confidence < CONVERT and self._outcome(r) != self._outcome(top):
                    # Reads more of the address, but too unsure to be taken: neither is.
                    return self._contested(raw, text, [top, r])
                top = r
        contenders: dict[frozenset[str], Reading] = {self._outcome(top): top}
        for r in readings:
            if r.confidence < top.confidence - MARGIN:
                break
            outcome = self._outcome(r)
            if outcome and not _explains_more(top, r):
                contenders.setdefault(outcome, r)
        if len(contenders) > 1:
            return self._contested(raw, text, list(contenders.values()))
        street = _street(text, top.street_end) if top.kind in ("old", "new") else ""
        if top.kind == "new":
            return self._new_result(raw, Status.ALREADY_NEW, top.code, street, top.confidence)
        if top.kind == "old":
            return self._succeed(raw, top.code, street, top.confidence)
        if top.kind == "district":
            return self._district_only(raw, top.code, top.confidence)
        return self._province_only(raw, top.new_province, top.old_province)

    def _outcome(self, r: Reading) -> frozenset[str]:
        """The new communes a reading leads to."""
        key = (r.kind, r.code)
        found = self._outcomes.get(key)
        if found is None:
            found = self._outcomes[key] = self._outcome_of(r)
        return found

    def _outcome_of(self, r: Reading) -> frozenset[str]:
        if r.kind == "new":
            return frozenset((r.code,))
        if r.kind == "old":
            return frozenset(e.new for e in self.successors.get((Level.COMMUNE, r.code), []))
        if r.kind == "district":
            edges = self.successors.get((Level.DISTRICT, r.code), [])
            return frozenset(e.new for e in edges) if len(edges) == 1 else frozenset()
        return frozenset()

    def _contested(self, raw: str, text: str, readings: list[Reading]) -> ConversionResult:
        """Readings that lead to different places score alike: a person must choose."""
        kinds = {r.kind for r in readings}
        if any(r.fuzzy for r in readings):
            reason = Reason.UNCERTAIN
        elif kinds == {"old", "new"}:
            reason = Reason.OLD_OR_NEW
        else:
            reason = Reason.DUPLICATE_NAME
        candidates = self._guesses(readings)
        top = readings[0]
        result = ConversionResult(
            input=raw,
            status=Status.AMBIGUOUS,
            reason=reason,
            street=_street(text, top.street_end),
            confidence=round(min(top.confidence, 0.5), 3),
            candidates=candidates,
        )
        if reason == Reason.OLD_OR_NEW and top.kind == "new":
            # Read as written in the new map first; the old reading is the alternative.
            new = self._new_result(raw, Status.AMBIGUOUS, top.code, result.street, 0.5)
            first = replace(candidates[0], is_default=True) if candidates else None
            ordered = tuple(c for c in (first, *candidates[1:]) if c is not None)
            return replace(new, reason=reason, candidates=ordered)
        provinces = {c.province_code for c in candidates}
        if len(provinces) == 1:
            code = provinces.pop()
            result = replace(
                result, province_code=code, province_name=self._new_name(Level.PROVINCE, code)
            )
        return result

    def _guesses(self, readings: list[Reading]) -> tuple[Candidate, ...]:
        """The new communes the readings lead to, best reading first, none marked default."""
        edges: list[EdgeRecord] = []
        for r in readings:
            if r.kind == "new":
                edges.append(EdgeRecord(old="", new=r.code, level=Level.COMMUNE))
            elif r.kind == "old":
                edges.extend(self.successors.get((Level.COMMUNE, r.code), []))
        return tuple(replace(c, is_default=False) for c in self._candidates(edges[:20]))

    def _partial(self, raw: str, r: Reading) -> ConversionResult:
        """Only the province (and maybe the district) could be read, with words before them
        that name no commune there."""
        return self._unresolved(
            raw, Reason.UNKNOWN_COMMUNE, r.new_province, r.old_province, r.district
        )

    def _province_only(self, raw: str, new_p: str, old_p: str) -> ConversionResult:
        return self._unresolved(raw, Reason.MISSING_COMMUNE, new_p, old_p)

    def _district_only(self, raw: str, district_code: str, confidence: float) -> ConversionResult:
        district = self.old[(Level.DISTRICT, district_code)]
        province = self.old[(Level.PROVINCE, district.province or "")]
        legacy = LegacyParts(
            district_code=district.code,
            district_name=district.name,
            province_code=province.code,
            province_name=province.name,
        )
        # Island districts without communes became special zones (đặc khu).
        edges = self.successors.get((Level.DISTRICT, district.code), [])
        if len(edges) == 1:
            return self._new_result(
                raw, Status.CONVERTED, edges[0].new, "", confidence, legacy=legacy
            )
        return self._unresolved(
            raw, Reason.MISSING_COMMUNE, "", province.code, district_code=district.code
        )

    def _succeed(self, raw: str, old_code: str, street: str, confidence: float) -> ConversionResult:
        """The conversion of an old commune read at ``confidence``."""
        made = self._succeeded.get(old_code)
        if made is None:
            made = self._succeeded[old_code] = _template(self._succeed_at(old_code))
        # The template's confidence is the most its status allows (0.5 for a split commune).
        return _placed(made, raw, street, min(round(confidence, 3), made.confidence))

    def _succeed_at(self, old_code: str) -> ConversionResult:
        """The conversion of an old commune, for any address: no input, no street, and the
        highest confidence its status allows."""
        old_ward = self.old[(Level.COMMUNE, old_code)]
        district = self.old.get((Level.DISTRICT, old_ward.parent or ""))
        province = self.old[(Level.PROVINCE, old_ward.province or "")]
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
                input="", status=Status.UNRESOLVED, reason=Reason.NO_SUCCESSOR, legacy=legacy
            )
        if len(edges) == 1:
            return self._new_result("", Status.CONVERTED, edges[0].new, "", 1.0, legacy=legacy)
        default = next((e for e in edges if e.default), edges[0])
        base = self._new_result("", Status.AMBIGUOUS, default.new, "", 0.5, legacy=legacy)
        return replace(base, reason=Reason.SPLIT_COMMUNE, candidates=self._candidates(edges))

    # -- helpers -----------------------------------------------------------------
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

    def _unresolved(
        self, raw: str, reason: str, new_p: str, old_p: str, district_code: str = ""
    ) -> ConversionResult:
        """Unresolved, with what was read: the new province (from the old one when only it
        is known), the old province and district."""
        target = new_p or self._new_province_of_old(old_p)
        district = self.old.get((Level.DISTRICT, district_code))
        return ConversionResult(
            input=raw,
            status=Status.UNRESOLVED,
            reason=reason,
            province_code=target or "",
            province_name=self._new_name(Level.PROVINCE, target),
            legacy=LegacyParts(
                district_code=district.code if district else "",
                district_name=district.name if district else "",
                province_code=old_p,
                province_name=self._old_name(Level.PROVINCE, old_p),
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


def _street(text: str, end: int) -> str:
    """The words before the administrative part, with its separators tidied."""
    street = _STREET_SEPARATORS.sub(", ", text[:end]).strip(_STREET_TRIM)
    return _SPACES.sub(" ", street)


def _name_left_in_street(readings: list[Reading], tokens: list[Token]) -> bool:
    """Whether the best reading, a commune without its district, leaves just before it a
    part that reads like a unit's name ("Dinê Thạnh, Diên Khánh, Khánh Hòa": the old commune
    Diên Thạnh of Diên Khánh misspelt, not a street of the new Xã Diên Khánh nor of the old
    Thị trấn Diên Khánh)."""
    top = readings[0]
    if top.kind not in ("new", "old") or top.district or not top.street_end:
        return False
    before = [t for t in tokens if t.end <= top.street_end]
    last = len(before) - 1
    while last > 0 and not before[last].hard:
        last -= 1
    part = before[last:]
    return (
        bool(part)
        and part[0].plain not in PLACE_WORDS
        and not any(t.raw[0].isdigit() for t in part)
    )


def _template(result: ConversionResult, confidence: float | None = None) -> ConversionResult:
    """A result without what belongs to one address (its text, its street), to be placed
    with ``_placed``: its new address is the commune and the province alone."""
    address = ""
    if result.address:
        address = ", ".join(p for p in (result.ward_name, result.province_name) if p)
    return ConversionResult(
        input="",
        status=result.status,
        reason=result.reason,
        address=address,
        ward_code=result.ward_code,
        ward_name=result.ward_name,
        province_code=result.province_code,
        province_name=result.province_name,
        confidence=result.confidence if confidence is None else confidence,
        candidates=result.candidates,
        legacy=result.legacy,
    )


def _placed(
    template: ConversionResult, raw: str, street: str, confidence: float
) -> ConversionResult:
    """A template's result for the address ``raw``, with its street before the new address."""
    t = template
    return ConversionResult(
        input=raw,
        status=t.status,
        reason=t.reason,
        street=street,
        address=f"{street}, {t.address}" if street and t.address else t.address,
        ward_code=t.ward_code,
        ward_name=t.ward_name,
        province_code=t.province_code,
        province_name=t.province_name,
        confidence=confidence,
        candidates=t.candidates,
        legacy=t.legacy,
    )


def _street_like(tokens: list[Token], end: int) -> bool:
    """Whether the comma-separated part that ends at token ``end`` is plainly a street: it
    begins with a place word or a house number ("Số 5 Lê Lợi", "Thôn Nhất", "12 Hùng
    Vương"; not a bare "12", which may be a ward — nor "12/3 Hùng Vương", whose slash parts
    it as one) and holds no unit word."""
    start = end
    while start > 0 and not tokens[start].hard:
        start -= 1
    part = tokens[start : end + 1]
    first = part[0]
    begins = first.plain in PLACE_WORDS or (
        first.raw[0].isdigit() and not all(t.raw.isdigit() for t in part)
    )
    return begins and not any(unit_words_at(tokens, i) for i in range(start, end + 1))


def _explains_more(a: Reading, b: Reading) -> bool:
    """Whether ``a`` reads more levels than ``b``, over words that include all of ``b``'s
    (the commune that ``b`` leaves in the street: "Nhơn Phú, Quy Nhơn, Gia Lai" is the old
    commune Nhơn Phú of Quy Nhơn, not the new Phường Quy Nhơn behind a street "Nhơn Phú")."""
    return a.kind in ("old", "new") and a.levels > b.levels and a.street_end <= b.street_end


def _has_words(tokens: list[Token]) -> bool:
    """Whether the text holds any word at all besides "Việt Nam" and a postal code."""
    tail = {"vn", "vietnam", "viet", "nam"}
    return any(t.plain not in tail and not (t.plain.isdigit() and len(t.plain) > 4) for t in tokens)
