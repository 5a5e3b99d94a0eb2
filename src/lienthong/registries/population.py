"""A synthetic population for the registries: ``lienthong seed --registries --persons N``.

:func:`generate` writes N persons into the ``population`` registry, in households, with
the records the other registries hold about them: ``civil-status`` (births, marriages,
deaths), ``insurance`` (health-insurance cards, contribution months),
``social-protection`` (monthly allowances) and ``enterprises`` (companies and household
businesses whose legal representative they are). Everything is drawn from a
``random.Random(seed)`` and the reference day (today unless given), so the same seed
and day give the same people, PINs and keys.

How people are drawn (tables in ``registries/data``, sources in ``data/SOURCES.md``):

* where: new communes (the 34/3,321 map, ``geo.selectors``) weighted by the
  population of their province; wards count twice a commune, special zones a third;
  households are made commune by commune, in code order;
* households of ~3.4 people (the 2019 census: 3.5): single people, couples, parents
  with children, single parents, three generations (the head's parents, or a married
  son with his wife and children) and grandparents raising grandchildren; one head each;
  parents are 18–45 years older than their children, husbands 20 and wives 18 or older
  when they marry; ``father_pin``/``mother_pin``/``spouse_pin`` point at members of the
  household (a parent living elsewhere is named on the birth record only); a few die;
* names from frequency tables of surnames, middle and given names by sex, region
  (north, centre, south) and generation; ethnic minorities (Tày, Thái, Mường, H'Mông,
  Khmer, Ê Đê, Gia Rai, …) in their provinces with their own names; religions by
  province; ages close to the 2019 census pyramid;
* PINs: the birth province (the old province of the commune the birth was registered
  in; the new one after 1/7/2025), the century/sex digit, the birth year and a
  six-digit tail unique per prefix (a keyed permutation of a counter, so no set of
  used numbers is kept);
* some people carry ``legacy_address``: their address written with the units in force
  until 30/6/2025 (an old commune their commune took over, its district and province),
  for the address-conversion job;
* ``civil-status``: a birth record for everyone born from 2016 (and some older people
  born where they live), a marriage record per couple (the wife a ``spouse`` party), a
  death record per dead person; keys ``KS|KH|KT.{commune}.{year}.{number}`` numbered per
  commune and year; ``insurance`` for ~93 % (children under 6, pupils, employees,
  pensioners …); ``social-protection`` for people of 80 and over without a pension,
  some disabled people, orphans and poor single parents; ``enterprises``: about 4 % of
  adults represent a household business or a company (valid tax codes).

Seeded defects, so the quality rules (``registries/quality.py``, same codes) have
something to find: each kind in ``DEFECT_RATE`` of the persons, at fixed places of the
draw; :attr:`GenerationResult.defects` (or :func:`seeded_defects`, without writing)
lists every one as ``(registry, key, kind)``. Each is made so that its own rule finds
it and no other rule does; people without parents on record never share a name, birth
date and sex by chance, so the duplicates are only the seeded ones.

``duplicate_person``
    a second population record of a household member: same name, birth date, sex and
    parents, another PIN (both records of the pair are listed).
``impossible_date``
    a population record whose death date is before its birth date, whose birth date is
    in the future (later this year, someone without children), or a child born before
    one of its parents (the child's record; its PIN matches the wrong date, the other
    registries keep the right one).
``missing_field``
    a population record with an empty ``full_name`` or ``birth_date`` (the latter only
    for someone whose parents are on record).
``dead_unit``
    ``permanent_unit`` is the code of a commune abolished on 1/7/2025.
``pin_mismatch``
    the PIN's century/sex digit does not match the sex, or its year the birth date.
``dead_insured``
    a person who died lately (dead in the population registry, with a death record)
    whose health-insurance card is still active (the ``insurance`` key).

Running again clears first: every record of the five registries written by a seed
(``source='seed'``, or a later version of a seeded record) is deleted with its parties
and versions, then the population is generated anew; the demo family of
:func:`seed_demo_population` is put back when it was there.

Rows go straight to ``registries_record`` and ``registries_recordparty`` with ids taken
after the current maximum (the sequences are moved on at the end), in batches of
``BATCH`` persons: ``executemany`` on SQLite and ``COPY`` on PostgreSQL, a transaction
per batch. From ``BULK`` persons on PostgreSQL (outside a transaction) one transaction
on a connection of its own takes every batch while the next ones are drawn, with the
tables' secondary indexes and foreign keys dropped at its start and made again (and
checked) at its end (see ``_BulkCopyWriter``). Memory does not grow with N: one
household, the batches in flight, per-commune counters and fixed-size tables.

:func:`seed_demo_population` (``lienthong seed``) makes ``DEMO_PERSONS`` people once and
the demo accounts' people every time: Nguyễn Văn An's family in Xã Liên Minh, the
officials, and the demo business.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import json
import queue
import random
import re
import threading
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final, Generic, NamedTuple, TypeVar

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from lienthong.core.identifiers import PROVINCE_CODES, tax_code_check_digit
from lienthong.core.reference import StepResult, register_generator, register_seeder
from lienthong.geo import selectors as geo
from lienthong.registries.constants import Source
from lienthong.registries.models import Record, RecordParty, Registry
from lienthong.registries.seeds import load_registries

__all__ = [
    "DEFECT_KINDS",
    "DEFECT_RATE",
    "Defect",
    "GenerationResult",
    "age_pyramid",
    "generate",
    "seed_demo_population",
    "seeded_defects",
]

DATA: Final = Path(__file__).resolve().parent / "data"
REGISTRIES: Final = ("population", "civil-status", "insurance", "social-protection", "enterprises")
DEFECT_KINDS: Final = (
    "duplicate_person",
    "impossible_date",
    "missing_field",
    "dead_unit",
    "pin_mismatch",
    "dead_insured",
)
#: Share of the persons that carries each kind of defect.
DEFECT_RATE: Final = 0.002
#: Persons per batch (a transaction, or a COPY of the bulk load).
BATCH: Final = 5_000
#: From this many persons on PostgreSQL, one transaction loads everything without the
#: secondary indexes and foreign keys (``_BulkCopyWriter``).
BULK: Final = 50_000
#: Persons of ``make demo`` (``lienthong seed``).
DEMO_PERSONS: Final = 3_000

#: The first day of the two-level local government (as ``geo.constants``): births from
#: then on are registered with the new province's code.
REFORM: Final = dt.date(2025, 7, 1)
YEAR_DAYS: Final = 365.2425
#: Monthly base of social allowances from 1/7/2024 (Decree 76/2024/NĐ-CP); the
#: coefficients are those of Decree 20/2021/NĐ-CP.
SOCIAL_BASE: Final = 500_000
#: Share of a province's adults born in another province (big cities attract more).
MIGRANTS: Final = {"79": 0.35, "01": 0.25, "75": 0.25, "24": 0.2, "48": 0.2, "92": 0.15}
MIGRANTS_ELSEWHERE: Final = 0.1


class Defect(NamedTuple):
    registry: str
    key: str
    kind: str


@dataclass
class GenerationResult(StepResult):
    """What :func:`generate` wrote: counts per registry and every seeded defect."""

    persons: int = 0
    households: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    defects: list[Defect] = field(default_factory=list)
    cleared: int = 0


# ----------------------------------------------------------------------------- tables

T = TypeVar("T")


class _Pick(Generic[T]):
    """A weighted choice, drawn with one random number and a bisection."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        if not pairs:
            raise ValueError("nothing to choose from")
        self.values = [v for v, _w in pairs]
        self.cum: list[float] = []
        total = 0.0
        for _v, w in pairs:
            total += w
            self.cum.append(total)
        self.total = total

    def __call__(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


_PLAIN: Final = re.compile(r'[^"\\\x00-\x1f]*')


def _safe(text: str) -> str:
    """``text`` as it goes between the quotes of a JSON string (escaped if it must be:
    the records' JSON is written out by hand)."""
    return text if _PLAIN.fullmatch(text) else json.dumps(text, ensure_ascii=False)[1:-1]


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return [{k: _safe(v) for k, v in r.items()} for r in csv.DictReader(f)]


@dataclass(frozen=True)
class _Province:
    code: str
    name: str
    region: str
    population: int


@cache
def _provinces() -> dict[str, _Province]:
    return {
        r["code"]: _Province(r["code"], r["name"], r["region"], int(r["population"]))
        for r in _rows("provinces.csv")
    }


@cache
def age_pyramid() -> list[tuple[int, int, int, int]]:
    """``(age_from, age_to, male, female)`` of the 2019 census (thousands), the shape the
    generated ages follow."""
    return [
        (int(r["age_from"]), int(r["age_to"]), int(r["male"]), int(r["female"]))
        for r in _rows("age_pyramid_2019.csv")
    ]


NameKey = tuple[str, str, str, str, str]


class _Names:
    """Name parts by group (kinh, tay, thai, …, place), region, part, sex and era."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], list[tuple[str, str, str, str, float]]] = defaultdict(list)
        for r in _rows("names.csv"):
            self.rows[(r["group"], r["part"])].append(
                (r["region"], r["sex"], r["era"], r["value"], float(r["weight"]))
            )
        self.picks: dict[NameKey, _Pick[str]] = {}

    def pick(self, key: NameKey) -> _Pick[str]:
        found = self.picks.get(key)
        if found is None:
            group, region, part, sex, era = key
            weights: dict[str, float] = defaultdict(float)
            for r, s, e, value, w in self.rows.get((group, part), ()):
                if r in ("*", region) and s in ("*", sex) and e in ("*", era):
                    weights[value] += w
            if not weights:  # a minority without its own middle or given names
                if group == "kinh":
                    raise KeyError(key)
                return self.pick(("kinh", "south" if group == "hoa" else region, part, sex, era))
            found = self.picks[key] = _Pick(list(weights.items()))
        return found


@cache
def _ethnicities() -> dict[str, _Pick[tuple[str, str]]]:
    shares: dict[str, list[tuple[tuple[str, str], float]]] = defaultdict(list)
    for r in _rows("ethnicities.csv"):
        shares[r["province"]].append(((r["ethnicity"], r["names"]), float(r["percent"])))
    out = {}
    for code in _provinces():
        pairs = shares.get(code, [])
        kinh = 100.0 - sum(w for _e, w in pairs)
        out[code] = _Pick([(("Kinh", "kinh"), kinh), *pairs])
    return out


@cache
def _religions() -> dict[str, _Pick[str]]:
    shares: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in _rows("religions.csv"):
        shares[r["province"]].append((r["religion"], float(r["percent"])))
    out = {}
    for code in _provinces():
        pairs = shares.get(code) or shares["*"]
        out[code] = _Pick([("Không", 100.0 - sum(w for _r, w in pairs)), *pairs])
    return out


@dataclass(frozen=True)
class _Line:
    code: str
    trade: str
    shop: str


@cache
def _vsic() -> tuple[_Pick[_Line], _Pick[_Line]]:
    """(every line, household-business lines)."""
    lines = [
        (_Line(r["code"], r["trade"], r["shop"]), float(r["weight"])) for r in _rows("vsic.csv")
    ]
    return _Pick(lines), _Pick([(ln, w) for ln, w in lines if ln.shop])


# ------------------------------------------------------------------------------ units


@dataclass(frozen=True)
class _Old:
    """An old commune (in force until 30/6/2025) with the names of its district and
    province, and the province's three-digit PIN code."""

    code: str
    name: str
    district: str
    province: str
    pin_code: str


@dataclass
class _Commune:
    code: str
    name: str
    kind: str
    province: str
    region: str
    weight: float
    preds: tuple[_Old, ...]
    facilities: tuple[str, str, str]
    dead: tuple[str, ...]


@dataclass
class _Map:
    communes: list[_Commune]
    national: _Pick[_Commune]
    in_province: dict[str, _Pick[_Commune]]
    wards: dict[str, _Pick[_Commune]]
    #: Old commune codes that are no current commune's code (for ``dead_unit``).
    dead: list[str]


def _load_map() -> _Map | None:
    index = geo.address_index()
    provinces = _provinces()
    new = sorted(
        (u for (level, _c), u in index.new.items() if level == "commune"), key=lambda u: u.code
    )
    if not new:
        return None
    preds: dict[str, list[str]] = defaultdict(list)
    for (level, old), edges in index.successors.items():
        if level == "commune":
            for e in edges:
                preds[e.new].append(old)
    current = {u.code for u in new}

    def old_unit(code: str) -> _Old | None:
        u = index.old.get(("commune", code))
        if u is None or u.province is None:
            return None
        district = index.old.get(("district", u.parent or ""))
        province = index.old.get(("province", u.province))
        pin_code = f"0{u.province}"
        return _Old(
            code,
            _safe(u.name),
            _safe(district.name) if district else "",
            _safe(province.name) if province else "",
            pin_code if pin_code in PROVINCE_CODES else "",
        )

    factor = {"Phường": 2.0, "Đặc khu": 0.3}
    totals: dict[str, float] = defaultdict(float)
    for u in new:
        totals[u.province or ""] += factor.get(u.unit_type, 1.0)
    communes: list[_Commune] = []
    for u in new:
        p = provinces[u.province or ""]
        olds = tuple(
            o for o in (old_unit(c) for c in sorted(preds.get(u.code, ()))) if o and o.pin_code
        )
        if not olds:  # special zones without communes before: the province's own code
            olds = (_Old("", "", "", "", f"0{p.code}"),)
        communes.append(
            _Commune(
                code=u.code,
                name=_safe(u.name),
                kind=u.unit_type,
                province=p.code,
                region=p.region,
                weight=p.population * factor.get(u.unit_type, 1.0) / totals[p.code],
                preds=olds,
                facilities=(
                    f"Trạm Y tế {_safe(u.name)}",
                    f"Trung tâm Y tế khu vực {_safe(u.short_name)}",
                    f"Bệnh viện Đa khoa {p.name}",
                ),
                dead=tuple(o.code for o in olds if o.code and o.code not in current),
            )
        )
    by_province: dict[str, list[_Commune]] = defaultdict(list)
    for c in communes:
        by_province[c.province].append(c)
    dead = sorted(code for (level, code) in index.old if level == "commune" and code not in current)
    return _Map(
        communes=communes,
        national=_Pick([(c, c.weight) for c in communes]),
        in_province={k: _Pick([(c, c.weight) for c in v]) for k, v in by_province.items()},
        wards={
            k: _Pick([(c, c.weight) for c in v if c.kind == "Phường"] or [(c, 1.0) for c in v])
            for k, v in by_province.items()
        },
        dead=dead,
    )


# --------------------------------------------------------------------------- identifiers


class _Feistel:
    """A keyed permutation of 0 … 10^(2·half)−1 (a balanced Feistel network on two
    halves of ``half`` digits): counters become random-looking, never repeated tails."""

    def __init__(self, rng: random.Random, half: int, rounds: int = 3) -> None:
        self.mod: int = 10**half
        self.keys = [[rng.randrange(self.mod) for _ in range(self.mod)] for _ in range(rounds)]

    def __call__(self, x: int) -> int:
        mod = self.mod
        left, right = divmod(x % (mod * mod), mod)
        for table in self.keys:
            left, right = right, (left + table[right]) % mod
        return left * mod + right


# ------------------------------------------------------------------------------ people


def _q(value: str | None) -> str:
    """A JSON string (the value needs no escaping) or null."""
    return "null" if value is None else f'"{value}"'


class _P:
    """One person while their household is made."""

    __slots__ = (
        "birth",
        "birth_unit",
        "clone",
        "cur_addr",
        "cur_unit",
        "dead_insured",
        "death",
        "defect",
        "eth",
        "father",
        "married_on",
        "mother",
        "name",
        "perm_unit",
        "pin",
        "pin_defect",
        "prov3",
        "rel",
        "sex",
        "shown_birth",
        "shown_name",
        "social",
        "spouse",
        "style",
        "surname",
    )

    def __init__(self, sex: int, birth: int, rel: str, eth: str, style: str) -> None:
        self.sex = sex  # 0 male, 1 female
        self.birth = birth  # date ordinal
        self.rel = rel
        self.eth = eth
        self.style = style
        self.surname = ""
        self.name = ""
        self.father: _P | None = None
        self.mother: _P | None = None
        self.spouse: _P | None = None
        self.married_on: int | None = None
        self.death: int | None = None
        self.prov3 = ""
        self.birth_unit = ""
        self.pin = ""
        self.cur_unit: str | None = None
        self.cur_addr = ""
        self.perm_unit: str | None = None
        self.defect: str | None = None
        self.pin_defect: str | None = None
        self.shown_birth: int | None = None  # -1: left empty
        self.shown_name: str | None = None
        self.dead_insured = False
        self.clone = False
        self.social: str | None = None


@dataclass
class _Household:
    commune: _Commune
    group: str
    kind: str
    religion: str
    address: str
    legacy: str
    members: list[_P]


_HOUSEHOLD_KINDS: Final = (
    ("single", 9.0),
    ("couple", 10.0),
    ("nuclear", 45.0),
    ("single_parent", 6.0),
    ("three_up", 14.0),
    ("three_down", 13.0),
    ("skip", 3.0),
)
_KIDS: Final = ((1, 20.0), (2, 48.0), (3, 23.0), (4, 7.0), (5, 2.0))
_MINORITY_RELIGION: Final = {
    "khmer": (("Phật giáo", 0.9),),
    "hoa": (("Phật giáo", 0.35),),
    "hmong": (("Tin lành", 0.25),),
    "ede": (("Tin lành", 0.3), ("Công giáo", 0.15)),
    "giarai": (("Tin lành", 0.25), ("Công giáo", 0.15)),
    "bana": (("Công giáo", 0.3),),
}
_MOUNTAIN: Final = frozenset({"thai", "hmong", "dao", "ede", "giarai", "bana", "highland"})
_MATRILINEAL: Final = frozenset({"ede", "giarai"})


_SEEN_BYTES: Final = 1 << 24  # 134 million bits: few false alarms up to 10 million people


class _Counters:
    """Register numbers of the commune being made (reset for the next commune)."""

    def __init__(self) -> None:
        self.commune = ""
        self.numbers: dict[tuple[str, int], int] = defaultdict(int)
        self.households = 0
        self.social = 0

    def at(self, commune: str) -> None:
        if commune != self.commune:
            self.commune = commune
            self.numbers.clear()
            self.households = 0
            self.social = 0


class _Generator:
    """The whole drawing; ``rows()`` yields each household's rows, with ids."""

    def __init__(
        self,
        persons: int,
        *,
        seed: int,
        today: dt.date,
        units: _Map,
        registries: dict[str, int],
        record_id: int,
        party_id: int,
        reserved: frozenset[str],
        valid_from: str,
        text: bool,
        now: str,
    ) -> None:
        self.n = persons
        self.rng = random.Random(seed)  # noqa: S311  reproducible demo data, not secrets
        self.rand = self.rng.random
        self.today = today.toordinal()
        self.today_date = today
        self.units = units
        self.reg = registries
        self.record_id = record_id
        self.party_id = party_id
        self.reserved = reserved
        #: What follows a day in ``valid_from`` (08:00 in Việt Nam, as the column takes it).
        self.valid_from = valid_from
        #: Records as lines of COPY text (else as rows).
        self.text = text
        self.now = now
        self.names = _Names()
        self.ethnicities = _ethnicities()
        self.religions = _religions()
        self.lines, self.shop_lines = _vsic()
        keyrng = random.Random(seed ^ 0x5EED)  # noqa: S311
        self.tail = _Feistel(keyrng, 3)
        self.salt = seed
        self.pin_next: dict[str, list[int]] = {}
        self.ins_next: dict[str, int] = defaultdict(int)
        self.tax_next: dict[str, int] = defaultdict(int)
        self.kinds = _Pick(list(_HOUSEHOLD_KINDS))
        self.kids = _Pick(list(_KIDS))
        self.counters = _Counters()
        self.dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        base = dt.date(1880, 1, 1).toordinal()
        self.base = base
        last = self.today + 3000  # cards of small children run to their 6th birthday
        days = [dt.date.fromordinal(o) for o in range(base, last)]
        self.iso = [d.isoformat() for d in days]
        self.year = [d.year for d in days]
        self.defects: list[Defect] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.households = 0
        period = max(1, round(1 / DEFECT_RATE))
        self.period = period
        self.due = {k: 11 + 15 * i for i, k in enumerate(DEFECT_KINDS)}
        # Month starts of the last year, for insurance cards valid twelve months.
        first = today.replace(day=1)
        self.card_starts: list[int] = []
        for back in range(12):
            y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
            self.card_starts.append(dt.date(y, m + 1, 1).toordinal())
        self.card_ends = [self.years_later(start, 1) - 1 for start in self.card_starts]
        self.made = 0
        #: (name, birth date, sex) of people without parents on record, as bits of a
        #: fixed-size filter: two such people never look like one person twice.
        self.seen = bytearray(_SEEN_BYTES)

    # ---------------------------------------------------------------- small helpers
    def d(self, ordinal: int) -> str:
        return self.iso[ordinal - self.base]

    def year_of(self, ordinal: int) -> int:
        return self.year[ordinal - self.base]

    def age(self, p: _P, on: int | None = None) -> float:
        return ((self.today if on is None else on) - p.birth) / YEAR_DAYS

    def born(self, age: float) -> int:
        return self.today - int(age * YEAR_DAYS) - 1

    def ri(self, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high`` (faster than ``randint``)."""
        return low + int(self.rand() * (high - low + 1))

    def rb(self, n: int) -> int:
        """A whole number below ``n``."""
        return int(self.rand() * n)

    def one(self, options: Sequence[T]) -> T:
        return options[int(self.rand() * len(options))]

    def years_later(self, ordinal: int, years: int) -> int:
        d = dt.date.fromordinal(ordinal)
        try:
            return d.replace(year=d.year + years).toordinal()
        except ValueError:  # 29 February
            return d.replace(year=d.year + years, day=28).toordinal()

    # ------------------------------------------------------------------ names
    def full_name(self, p: _P, region: str) -> str:
        rng = self.rng
        sx = "m" if p.sex == 0 else "f"
        era = "old" if self.year_of(p.birth) < 1985 else "young"
        style = p.style
        names = self.names
        given = names.pick((style, region, "given", sx, era))(rng)
        if style == "ede":
            return f"Y {given} {p.surname}" if p.sex == 0 else f"H'{given} {p.surname}"
        middle = names.pick((style, region, "middle", sx, era))(rng)
        if middle == "-":
            return f"{p.surname} {given}"
        if middle.endswith("'"):
            return f"{p.surname} {middle}{given}"
        if style == "kinh":
            chance = (0.15 if era == "old" else 0.45) if p.sex else (0.0 if era == "old" else 0.08)
            if chance and rng.random() < chance:
                second = names.pick(("kinh", region, "middle2", sx, "*"))(rng)
                if second != middle and second != given:
                    middle = f"{middle} {second}"
        return f"{p.surname} {middle} {given}"

    def surname(self, style: str, region: str) -> str:
        return self.names.pick((style, region, "surname", "*", "*"))(self.rng)

    def person(
        self, sex: int, birth: int, rel: str, eth: str, style: str, region: str, surname: str = ""
    ) -> _P:
        p = _P(sex, birth, rel, eth, style)
        p.surname = surname or self.surname(style, region)
        p.name = self.full_name(p, region)
        return p

    def parent_name(self, sex: int, style: str, region: str, surname: str, year: int) -> str:
        """A parent known only by name (not in the population registry)."""
        p = _P(sex, dt.date(max(1890, year), 6, 1).toordinal(), "", "", style)
        p.surname = surname or self.surname(style, region)
        return self.full_name(p, region)

    # ------------------------------------------------------------------ households
    def couple(
        self, age: float, eth: str, style: str, region: str, rel: str = "head"
    ) -> tuple[_P, _P, float]:
        """A husband of ``age`` and his wife; the wife's age when they married."""
        rng = self.rng
        gap = min(12.0, max(-4.0, rng.gauss(3.5, 3.0)))
        wife_age = max(18.5, age - gap)
        gap = age - wife_age
        husband = self.person(0, self.born(age), rel, eth, style, region)
        w_eth, w_style = (eth, style) if rng.random() < 0.9 else ("Kinh", "kinh")
        wife = self.person(1, self.born(wife_age), "spouse", w_eth, w_style, region)
        husband.spouse, wife.spouse = wife, husband
        lo = max(18.0, 20.0 - gap)
        hi = max(lo, min(wife_age - 0.2, 33.0))
        at = rng.triangular(lo, hi, min(hi, lo + 4.0))
        husband.married_on = min(self.today - 1, wife.birth + int(at * YEAR_DAYS))
        return husband, wife, at

    def children(
        self,
        father: _P | None,
        mother: _P,
        first_at: float,
        count: int,
        region: str,
        rel: str,
    ) -> list[_P]:
        """Up to ``count`` children of the couple (or of the mother alone), born when the
        parents were 18–45 and the wife had married at ``first_at``; grown-up ones have
        often left (they are not drawn)."""
        rng = self.rng
        kids: list[_P] = []
        at = first_at + rng.uniform(0.8, 3.0)
        mother_age = self.age(mother)
        gap = (self.age(father) - mother_age) if father else 0.0
        style = (father or mother).style
        eth = (father or mother).eth
        for _ in range(count):
            if at >= mother_age - 0.05 or at > 44 or at + gap > 45 or at + gap < 18.5:
                break
            birth = mother.birth + int(at * YEAR_DAYS) + self.rb(30)
            if birth >= self.today:
                break
            age = (self.today - birth) / YEAR_DAYS
            at += rng.uniform(1.8, 6.0)
            sex = 0 if rng.random() < 0.527 else 1  # sex ratio at birth ~111.5
            # grown up and moved out: daughters when they marry, sons later or never
            if sex and age >= 23 and rng.random() < (0.85 if age >= 28 else 0.5):
                continue
            if not sex and age >= 25 and rng.random() < (0.6 if age >= 30 else 0.3):
                continue
            surname = mother.surname if style in _MATRILINEAL or father is None else father.surname
            kid = self.person(sex, birth, rel, eth, style, region, surname)
            kid.father, kid.mother = father, mother
            kids.append(kid)
        return kids

    def household(self, c: _Commune, room: int) -> _Household:
        rng = self.rng
        region = c.region
        eth, style = self.ethnicities[c.province](rng)
        kind = self.kinds(rng)
        members: list[_P] = []
        tri = rng.triangular
        if kind == "single":
            r = rng.random()
            if r < 0.4:
                age, sex = rng.uniform(19, 35), 0 if rng.random() < 0.6 else 1
            elif r < 0.55:
                age, sex = rng.uniform(35, 60), self.rb(2)
            else:
                age, sex = tri(60, 100, 76), 1 if rng.random() < 0.75 else 0
            members.append(self.person(sex, self.born(age), "head", eth, style, region))
        elif kind == "couple":
            r = rng.random()
            if r < 0.4:  # old couples
                age = tri(60, 95, 70)
            elif r < 0.65:  # their children have left
                age = tri(45, 65, 56)
            else:  # no children yet
                age = tri(21, 34, 25)
            h, w, _at = self.couple(age, eth, style, region)
            members += [h, w] if rng.random() < 0.85 else [self._swap_head(h, w), h]
        elif kind in ("nuclear", "three_up"):
            age = tri(23, 66, 40) if kind == "nuclear" else tri(25, 55, 36)
            h, w, at = self.couple(age, eth, style, region)
            kids = self.children(h, w, at, self.kids(rng), region, "child")
            head_first = rng.random() < 0.85 or kind == "three_up"
            members += [h, w] if head_first else [self._swap_head(h, w), h]
            if kind == "three_up":
                members += self.grandparents(h, eth, style, region)
            elif rng.random() < 0.03:
                members.append(self.sibling(h, region))
            members += kids
        elif kind == "single_parent":
            age = tri(26, 62, 40)
            h, w, at = self.couple(age, eth, style, region)
            parent, other = (w, h) if rng.random() < 0.78 else (h, w)
            kids = self.children(
                h, w, at, self.kids(rng) if rng.random() < 0.5 else 1, region, "child"
            )
            parent.rel, parent.spouse, parent.married_on = "head", None, None
            for k in kids:  # the other parent lives elsewhere: known by name only
                if other is h:
                    k.father = None
                else:
                    k.mother = None
            if parent.sex == 1 and kids and rng.random() < 0.06:
                parent.social = "single_parent_poor"
            members += [parent, *kids]
        elif kind == "three_down":
            age = tri(48, 82, 62)
            h, w, at = self.couple(age, eth, style, region)
            members += [h, w] if rng.random() < 0.75 else [h]
            if len(members) == 1:
                h.spouse, w.spouse = None, None
            kids = self.children(h, w, at, self.one((1, 2, 2, 3)), region, "child")
            married = [k for k in kids if k.sex == 0 and self.age(k) >= 21]
            if married:
                son = married[0]
                son_age = self.age(son)
                d_age = max(18.5, son_age - min(10.0, max(-3.0, rng.gauss(3.0, 2.5))))
                d_eth, d_style = (eth, style) if rng.random() < 0.9 else ("Kinh", "kinh")
                dil = self.person(1, self.born(d_age), "other", d_eth, d_style, region)
                son.spouse, dil.spouse = dil, son
                lo = max(18.0, 20.0 - (son_age - d_age))
                hi = max(lo, min(d_age - 0.2, 33.0))
                wed = rng.triangular(lo, hi, min(hi, lo + 4.0))
                son.married_on = min(self.today - 1, dil.birth + int(wed * YEAR_DAYS))
                grandkids = self.children(son, dil, wed, self.kids(rng), region, "grandchild")
                members += [son, dil, *grandkids]
                members += [k for k in kids if k is not son and self.age(k) < 30][:2]
            else:
                members += kids[:2]
        else:  # skip generation: grandparents raising grandchildren
            age = tri(55, 88, 66)
            h, w, _at = self.couple(age, eth, style, region)
            members += [h, w] if rng.random() < 0.7 else [self._widow(h, w)]
            for _ in range(self.one((1, 1, 2))):
                g = self.person(
                    self.rb(2),
                    self.born(rng.uniform(0.5, 16)),
                    "grandchild",
                    eth,
                    style,
                    region,
                    h.surname,
                )
                if rng.random() < 0.35:
                    g.social = "orphan"
                members.append(g)
        if len(members) > room:
            members = self._trim(members, room)
        return self._finish(c, kind, members, eth, style)

    def _swap_head(self, husband: _P, wife: _P) -> _P:
        wife.rel, husband.rel = "head", "spouse"
        return wife

    def _widow(self, husband: _P, wife: _P) -> _P:
        """Keep one of the couple (more often the wife), head of the household."""
        keep = wife if self.rng.random() < 0.75 else husband
        keep.rel, keep.spouse = "head", None
        husband.married_on = None
        return keep

    def _trim(self, members: list[_P], room: int) -> list[_P]:
        kept = members[:room]
        if not any(m.rel == "head" for m in kept) and kept:
            kept[0].rel = "head"
        return kept

    @staticmethod
    def _prune(members: list[_P]) -> None:
        """Links point only at members of the household."""
        inside = {id(m) for m in members}
        for m in members:
            if m.father is not None and id(m.father) not in inside:
                m.father = None
            if m.mother is not None and id(m.mother) not in inside:
                m.mother = None
            if m.spouse is not None and id(m.spouse) not in inside:
                m.spouse = None
            if m.spouse is None:
                m.married_on = None

    def grandparents(self, head: _P, eth: str, style: str, region: str) -> list[_P]:
        """The head's parents (relation ``parent``), one or both."""
        rng = self.rng
        head_age = self.age(head)
        at = rng.triangular(22, 40, 27)
        if head_age + at > 98:
            return []
        gf, gm, _wed = self.couple(head_age + at + rng.uniform(0, 0.9), eth, style, region)
        heir = gm if style in _MATRILINEAL else gf  # whose family name the head has
        heir.surname = head.surname
        heir.name = self.full_name(heir, region)
        gf.rel, gm.rel = "parent", "parent"
        # the head was born when the parents were 18–45 years old
        if not (18.5 < self.age(gm) - head_age < 44.5 and 18.5 < self.age(gf) - head_age < 45):
            return []
        earliest = max(self.years_later(gm.birth, 18), self.years_later(gf.birth, 20))
        gf.married_on = max(earliest, head.birth - self.ri(200, 899))
        head.father, head.mother = gf, gm
        r = rng.random()
        if r < 0.55:
            return [gf, gm]
        if r < 0.9:
            head.father = None
            gm.spouse, gf.married_on = None, None
            return [gm]
        head.mother = None
        gf.spouse, gf.married_on = None, None
        return [gf]

    def sibling(self, head: _P, region: str) -> _P:
        rng = self.rng
        age = max(16.0, self.age(head) + rng.uniform(-10, 10))
        return self.person(
            self.rb(2), self.born(age), "sibling", head.eth, head.style, region, head.surname
        )

    def _finish(
        self, c: _Commune, kind: str, members: list[_P], eth: str, style: str
    ) -> _Household:
        rng = self.rng
        counters = self.counters
        counters.at(c.code)
        counters.households += 1
        group = f"{c.code}{counters.households:07d}"
        religion = self.religions[c.province](rng)
        for name, share in _MINORITY_RELIGION.get(style, ()):
            if rng.random() < share:
                religion = name
                break
        address = self.address(c, style)
        legacy = ""
        if rng.random() < 0.2 and c.preds[0].code:
            old = c.preds[self.rb(len(c.preds))]
            legacy = f"{address}, {old.name}, {old.district}, {old.province}"
        migrants = MIGRANTS.get(c.province, MIGRANTS_ELSEWHERE)
        self._prune(members)
        for m in members:
            if m.father is None and m.mother is None:
                self.unique(m, c.region)
            self.place_of_birth(m, c, migrants)
            age = self.age(m)
            if m.rel != "head" and rng.random() < self.death_chance(age):
                # after their marriage and their children's births, within eight years
                after = max(
                    m.birth + 1,
                    m.married_on or 0,
                    (m.spouse.married_on or 0) if m.spouse else 0,
                    self.today - int(8 * YEAR_DAYS),
                    *(k.birth for k in members if k.father is m or k.mother is m),
                )
                if after < self.today - 1:
                    m.death = self.ri(after + 1, self.today - 1)
            elif (18 <= age < 45 and rng.random() < 0.1) or rng.random() < 0.015:
                other = (
                    self.units.in_province[c.province](rng)
                    if rng.random() < 0.6
                    else self.units.national(rng)
                )
                if other.code != c.code:
                    m.cur_unit = other.code
                    m.cur_addr = self.address(other, style)
        return _Household(c, group, kind, religion, address, legacy, members)

    def claim(self, name: str, birth: int, sex: int) -> bool:
        """Take (name, birth date, sex) for someone without parents on record; False
        when someone already has it (or, rarely, a false alarm of the filter)."""
        h = zlib.crc32(f"{name}|{birth}|{sex}".encode()) & (_SEEN_BYTES * 8 - 1)
        byte, bit = h >> 3, 1 << (h & 7)
        if self.seen[byte] & bit:
            return False
        self.seen[byte] |= bit
        return True

    def unique(self, m: _P, region: str) -> None:
        """Another name when someone without parents on record already has this
        name, birth date and sex (the duplicate rule would take them for one person)."""
        for _ in range(8):
            if self.claim(m.name, m.birth, m.sex):
                return
            m.name = self.full_name(m, region)

    def death_chance(self, age: float) -> float:
        if age < 50:
            return 0.002
        if age < 65:
            return 0.015
        if age < 80:
            return 0.05
        return 0.12

    def place_of_birth(self, m: _P, c: _Commune, migrants: float) -> None:
        """The commune the birth was registered in and the PIN's province code."""
        rng = self.rng
        local = m.rel in ("child", "grandchild") and self.age(m) < 18
        if local or rng.random() >= migrants:
            where = c if local or rng.random() < 0.6 else self.units.in_province[c.province](rng)
        else:
            where = self.units.national(rng)
        m.birth_unit = where.code
        if m.birth >= self.reform:
            m.prov3 = f"0{where.province}"
        else:
            m.prov3 = where.preds[self.rb(len(where.preds))].pin_code

    @property
    def reform(self) -> int:
        return REFORM.toordinal()

    def address(self, c: _Commune, style: str) -> str:
        rng = self.rng
        names = self.names
        if c.kind == "Phường":
            street = names.pick(("place", "*", "street", "*", "*"))(rng)
            n = self.ri(1, 300)
            if c.region == "north":
                r = rng.random()
                if r < 0.4:
                    return f"Số {n} ngõ {self.ri(1, 150)} phố {street}"
                if r < 0.8:
                    return f"Số {n} phố {street}"
                return f"Tổ dân phố {self.ri(1, 30)}"
            if rng.random() < 0.35:
                return f"Số {n}/{self.ri(1, 60)} đường {street}"
            return f"Số {n} đường {street}"
        if style in _MOUNTAIN and c.region != "south":
            place = f"bản {names.pick(('place', 'mountain', 'village', '*', '*'))(rng)}"
        elif c.region == "south":
            place = (
                f"ấp {names.pick(('place', 'south', 'village', '*', '*'))(rng)}"
                if rng.random() < 0.6
                else f"ấp {self.ri(1, 12)}"
            )
        elif rng.random() < 0.65:
            place = f"thôn {names.pick(('place', 'north', 'village', '*', '*'))(rng)}"
        else:
            place = f"xóm {self.ri(1, 15)}"
        if rng.random() < 0.35:
            return f"Số {self.ri(1, 150)}, {place}"
        return place[0].upper() + place[1:]

    # --------------------------------------------------------------------- defects
    def seed_defects(self, h: _Household, room: int) -> None:
        """Give this household the defects that are due (``due`` counts persons)."""
        upto = self.made + len(h.members)
        for kind in DEFECT_KINDS:
            if upto > self.due[kind] and self.apply(kind, h, room):
                self.due[kind] += self.period

    def apply(self, kind: str, h: _Household, room: int) -> bool:
        """Give one member of ``h`` this defect (False: nobody fits, try the next
        household). Each is made so that only its own rule finds it."""
        rng = self.rng
        free = [m for m in h.members if m.defect is None and not m.clone]
        parents = {id(k.father) for k in h.members} | {id(k.mother) for k in h.members}
        childless = [m for m in free if id(m) not in parents]
        if not free:
            return False
        victim = free[self.rb(len(free))]
        if kind == "duplicate_person":
            living = [
                m for m in free if m.rel != "head" and m.death is None and m.shown_name is None
            ]
            if not living or room <= len(h.members):
                return False
            m = living[self.rb(len(living))]
            twin = _P(m.sex, m.birth, m.rel, m.eth, m.style)
            twin.surname, twin.name = m.surname, m.name
            twin.father, twin.mother = m.father, m.mother
            twin.prov3, twin.birth_unit = m.prov3, m.birth_unit
            twin.clone = True
            h.members.append(twin)
            m.defect = twin.defect = kind
            return True
        if kind == "impossible_date":
            kids = [m for m in free if m.father is not None or m.mother is not None]
            days_left = (dt.date(self.today_date.year, 12, 31) - self.today_date).days
            r = rng.random()
            if kids and r < 0.4:  # born before a parent
                victim = kids[self.rb(len(kids))]
                parent = victim.mother or victim.father
                if parent is None:  # pragma: no cover - kids have a parent
                    return False
                victim.shown_birth = parent.birth - self.ri(30, 3650)
            elif days_left > 0 and childless and r < 0.7 and self.later(childless, days_left):
                victim = next(m for m in childless if m.shown_birth is not None)
            else:  # dead before being born
                victim.death = victim.birth - self.ri(1, 3650)
        elif kind == "missing_field":
            with_parents = [m for m in free if m.father is not None and m.mother is not None]
            if with_parents and rng.random() < 0.5:  # (no nameless twins without parents)
                victim = with_parents[self.rb(len(with_parents))]
                victim.shown_birth = -1
            else:
                victim.shown_name = ""
        elif kind == "dead_unit":
            pool = h.commune.dead or tuple(self.units.dead)
            if not pool:
                return False
            victim.perm_unit = pool[self.rb(len(pool))]
        elif kind == "pin_mismatch":
            victim.pin_defect = "sex" if rng.random() < 0.5 else "year"
        else:  # dead_insured: died lately, after their children were born
            adults = [m for m in free if m.rel != "head" and self.age(m) >= 20 and m.death is None]
            if not adults:
                return False
            victim = adults[self.rb(len(adults))]
            after = max(
                [self.today - 700]
                + [k.birth for k in h.members if k.father is victim or k.mother is victim]
            )
            if after >= self.today - 30:
                return False
            victim.death = self.ri(after + 1, self.today - 30)
            victim.dead_insured = True
        victim.defect = kind
        return True

    def later(self, people: list[_P], days_left: int) -> bool:
        """Give one of ``people`` a birth date later this year, on a day no namesake
        without parents on record has (else the duplicate rule would find them too)."""
        victim = people[self.rb(len(people))]
        orphan = victim.father is None and victim.mother is None
        for _ in range(8):
            day = self.today + self.ri(1, days_left)
            if not orphan or self.claim(victim.name, day, victim.sex):
                victim.shown_birth = day
                return True
        return False

    # ---------------------------------------------------------------------- PINs
    def assign_pin(self, m: _P) -> None:
        birth = m.birth if m.shown_birth is None or m.shown_birth < 0 else m.shown_birth
        year = self.year_of(birth)
        sex = m.sex
        if m.pin_defect == "sex":
            sex ^= 1
        elif m.pin_defect == "year":
            year -= self.ri(1, 3)
        prefix = f"{m.prov3}{(0 if year < 2000 else 2) + sex}{year % 100:02d}"
        bucket = self.pin_next.get(prefix)
        if bucket is None:  # [next counter, salt]
            bucket = self.pin_next[prefix] = [0, zlib.crc32(prefix.encode()) ^ self.salt]
        while True:
            k = bucket[0]
            if k >= 1_000_000:
                raise ValueError(f"more than a million people with the PIN prefix {prefix}")
            bucket[0] = k + 1
            pin = f"{prefix}{self.tail(k + bucket[1]):06d}"
            if pin not in self.reserved:
                m.pin = pin
                return

    def next_code(self, counters: dict[str, int], prefix: str, digits: int, step: int) -> str:
        """A random-looking, never repeated code of ``prefix`` and ``digits`` digits: an
        affine permutation of a counter (``step`` is prime to 10)."""
        mod = 10**digits
        offset = zlib.crc32(prefix.encode()) ^ self.salt
        while True:
            k = counters[prefix]
            counters[prefix] = k + 1
            code = f"{prefix}{(k * step + offset) % mod:0{digits}d}"
            if code not in self.reserved:
                return code

    def tax_code(self, prefix: str) -> str:
        while True:
            nine = self.next_code(self.tax_next, prefix, 7, 7_654_321)
            check = tax_code_check_digit(nine)
            if check is not None and f"{nine}{check}" not in self.reserved:
                return f"{nine}{check}"

    # -------------------------------------------------------------------- records
    def rows(self) -> Iterator[tuple[list[Any], list[Any], int]]:
        """Per household: its record rows, party rows and number of persons."""
        total = sum(c.weight for c in self.units.communes)
        cum = 0.0
        n = self.n
        for c in self.units.communes:
            cum += c.weight
            target = n if c is self.units.communes[-1] else min(n, round(n * cum / total))
            while self.made < target:
                room = n - self.made
                h = self.household(c, room)
                self.seed_defects(h, room)
                records: list[Any] = []
                parties: list[Any] = []
                self.emit(h, records, parties)
                self.made += len(h.members)
                self.households += 1
                yield records, parties, len(h.members)

    def record(
        self,
        out: list[Any],
        registry: str,
        key: str,
        subject: str,
        group: str,
        valid_from: str,
        data: str,
    ) -> int:
        """Add one record (``data`` is its JSON), as a line of COPY text or a row."""
        rid = self.record_id
        self.record_id += 1
        if self.text:
            if "\\" in data:
                data = data.replace("\\", "\\\\")
            reg = self.reg[registry]
            out.append(f"{rid}\t{reg}\t{key}\t{subject}\t{group}\t1\t{valid_from}\t1\t{data}\tseed")
        else:
            out.append(
                (rid, self.reg[registry], key, subject, group, 1, valid_from, 1, data, "seed")
            )
        self.counts[registry] += 1
        return rid

    def party(self, out: list[Any], record: int, pin: str, role: str) -> None:
        if self.text:
            out.append(f"{self.party_id}\t{record}\t{pin}\t{role}")
        else:
            out.append((self.party_id, record, pin, role))
        self.party_id += 1

    def emit(self, h: _Household, records: list[Any], parties: list[Any]) -> None:
        """The household's records. The JSON is written out by hand: every string in it
        comes from the tables and the unit names, checked to need no escaping."""
        for m in h.members:
            self.assign_pin(m)
        c = h.commune
        d = self.d
        legacy = f'"{h.legacy}"' if h.legacy else "null"
        for m in h.members:
            shown = m.shown_birth
            birth = "" if shown == -1 else d(m.birth if shown is None else shown)
            death = m.death
            name = m.name if m.shown_name is None else m.shown_name
            data = (
                f'{{"pin":"{m.pin}","full_name":"{name}","birth_date":"{birth}",'
                f'"sex":"{"female" if m.sex else "male"}","ethnicity":"{m.eth}",'
                f'"religion":"{h.religion}","nationality":"Việt Nam",'
                f'"birth_place":"{m.birth_unit}","permanent_unit":"{m.perm_unit or c.code}",'
                f'"permanent_address":"{h.address}","current_unit":"{m.cur_unit or c.code}",'
                f'"current_address":"{m.cur_addr or h.address}","household":"{h.group}",'
                f'"relation":"{m.rel}","father_pin":{_q(m.father.pin if m.father else None)},'
                f'"mother_pin":{_q(m.mother.pin if m.mother else None)},'
                f'"spouse_pin":{_q(m.spouse.pin if m.spouse else None)},'
                f'"status":"{"alive" if death is None else "dead"}",'
                f'"death_date":{_q(None if death is None else d(death))},'
                f'"legacy_address":{legacy}}}'
            )
            self.record(records, "population", m.pin, m.pin, h.group, self.now, data)
            if m.defect in DEFECT_KINDS and m.defect != "dead_insured":
                self.defects.append(Defect("population", m.pin, m.defect))
        for m in h.members:
            if m.clone:
                continue
            self.civil_status(h, m, records, parties)
            self.insurance(h, m, records)
            self.social(h, m, records)
            self.enterprise(h, m, records, parties)

    def civil_key(self, kind: str, commune: str, year: int) -> tuple[str, int]:
        counters = self.counters.numbers
        while True:
            counters[(kind, year)] += 1
            number = counters[(kind, year)]
            key = f"{kind}.{commune}.{year}.{number}"
            if key not in self.reserved:
                return key, number

    def civil(
        self,
        records: list[Any],
        kind: str,
        prefix: str,
        on: int,
        event: int,
        person: _P,
        *,
        father: tuple[str | None, str | None] = (None, None),
        mother: tuple[str | None, str | None] = (None, None),
        spouse: tuple[str | None, str | None] = (None, None),
    ) -> int:
        commune = self.counters.commune
        year = self.year_of(on)
        key, number = self.civil_key(prefix, commune, year)
        registered = self.d(on)
        data = (
            f'{{"kind":"{kind}","book":"01/{year}","number":{number},'
            f'"registered_on":"{registered}","registered_at":"{commune}",'
            f'"pin":"{person.pin}","full_name":"{person.name}","event_date":"{self.d(event)}",'
            f'"sex":"{"female" if person.sex else "male"}",'
            f'"father_pin":{_q(father[0])},"father_name":{_q(father[1])},'
            f'"mother_pin":{_q(mother[0])},"mother_name":{_q(mother[1])},'
            f'"spouse_pin":{_q(spouse[0])},"spouse_name":{_q(spouse[1])}}}'
        )
        valid_from = f"{registered}{self.valid_from}"
        return self.record(records, "civil-status", key, person.pin, "", valid_from, data)

    def civil_status(self, h: _Household, m: _P, records: list[Any], parties: list[Any]) -> None:
        rand = self.rng.random
        today = self.today
        year = self.year_of(m.birth)
        if m.birth_unit == h.commune.code and (year >= 2016 or rand() < 0.12):
            region = h.commune.region
            father, mother = m.father, m.mother
            father_name = (
                father.name
                if father
                else self.parent_name(0, m.style, region, m.surname, year - 30)
            )
            mother_name = (
                mother.name if mother else self.parent_name(1, m.style, region, "", year - 27)
            )
            on = min(today, m.birth + 3 + int(rand() * 58))
            rid = self.civil(
                records,
                "birth",
                "KS",
                on,
                m.birth,
                m,
                father=(father.pin if father else None, father_name),
                mother=(mother.pin if mother else None, mother_name),
            )
            if father:
                self.party(parties, rid, father.pin, "father")
            if mother:
                self.party(parties, rid, mother.pin, "mother")
        if m.married_on is not None and m.spouse is not None:
            wife = m.spouse
            on = min(today, m.married_on + int(rand() * 21))
            rid = self.civil(
                records, "marriage", "KH", on, m.married_on, m, spouse=(wife.pin, wife.name)
            )
            self.party(parties, rid, wife.pin, "spouse")
        death = m.death
        if death is not None:
            on = min(today, death + 1 + int(rand() * 15))
            f, mo = m.father, m.mother
            self.civil(
                records,
                "death",
                "KT",
                on,
                death,
                m,
                father=(f.pin, f.name) if f else (None, None),
                mother=(mo.pin, mo.name) if mo else (None, None),
            )

    def insured_kind(self, m: _P, age: float) -> tuple[str, int]:
        rng = self.rng
        if age < 6:
            return "child_under_6", 0
        if age < 18:
            return ("student" if rng.random() < 0.95 else "household"), 0
        r = rng.random()
        if age < 23:
            if r < 0.4:
                return "student", 0
            if r < 0.6:
                return "employee", self.ri(1, max(1, int((age - 18) * 12)))
            return "household", 0
        retired = 60.5 if m.sex == 0 else 56.5
        if age < retired:
            if r < 0.38:
                return "employee", self.ri(6, max(6, int((age - 18) * 12 * 0.85)))
            if r < 0.43:
                return "voluntary", self.ri(6, max(6, min(180, int((age - 18) * 12))))
            return "household", 0
        if r < 0.28:
            return "pensioner", self.ri(240, 420)
        return "household", 0

    def insurance(self, h: _Household, m: _P, records: list[Any]) -> None:
        rng = self.rng
        dead = m.death is not None
        if not m.dead_insured and rng.random() >= (0.5 if dead else 0.93):
            return
        age = self.age(m, m.death if dead and not m.dead_insured else None)
        kind, months = self.insured_kind(m, max(0.0, age))
        if kind == "child_under_6":
            start = m.birth
            end = self.years_later(m.birth, 6) - 1
        else:
            month = self.rb(12)
            start, end = self.card_starts[month], self.card_ends[month]
            if rng.random() < 0.04:  # not renewed
                start = self.years_later(start, -self.ri(1, 3))
                end = self.years_later(start, 1) - 1
        status = "active" if end >= self.today else "expired"
        if m.dead_insured:
            status = "active"
            end = max(end, self.today + 30)
        elif dead and m.death is not None:
            end = m.death
            start = min(start, self.years_later(end, -1) + 1)
            status = "stopped"
        code = self.next_code(self.ins_next, h.commune.province, 8, 9_876_543)
        facility = h.commune.facilities[bisect.bisect_right((0.6, 0.85), rng.random())]
        data = (
            f'{{"insurance_code":"{code}","pin":"{m.pin}","full_name":"{m.name}",'
            f'"insured_kind":"{kind}","card_from":"{self.d(start)}","card_to":"{self.d(end)}",'
            f'"facility":"{facility}","contribution_months":{months},"card_status":"{status}"}}'
        )
        self.record(records, "insurance", code, m.pin, "", self.now, data)
        if m.dead_insured:
            self.defects.append(Defect("insurance", code, "dead_insured"))
        elif kind == "pensioner":
            m.social = m.social or "pensioner"

    def social(self, h: _Household, m: _P, records: list[Any]) -> None:
        rng = self.rng
        age = self.age(m)
        category = m.social if m.social not in (None, "pensioner") else None
        coefficient = 1.0
        since = 0
        if category is None and age >= 80 and m.social != "pensioner" and rng.random() < 0.85:
            category = "elderly_80"
            coefficient = 1.5
            since = self.years_later(m.birth, 80) + self.ri(20, 120)
        elif category is None and age >= 1 and rng.random() < 0.008:
            child_or_old = age < 16 or age >= 60
            if rng.random() < 0.7:
                category, coefficient = "disabled_severe", 2.0 if child_or_old else 1.5
            else:
                category, coefficient = "disabled_extreme", 2.5 if child_or_old else 2.0
        elif category == "orphan":
            coefficient = 2.5 if age < 4 else 1.5
        elif category == "single_parent_poor":
            coefficient = float(
                max(1, sum(1 for k in h.members if k.mother is m and self.age(k) < 16))
            )
        if category is None:
            return
        if not since:
            first = min(max(m.birth + 30, dt.date(2010, 1, 1).toordinal()), self.today - 1)
            since = self.ri(first, self.today - 1)
        self.counters.social += 1
        key = f"BTXH.{h.commune.code}.{self.counters.social:05d}"
        alive = m.death is None
        data = {
            "pin": m.pin,
            "full_name": m.name,
            "category": category,
            "allowance": int(SOCIAL_BASE * coefficient),
            "paying_unit": h.commune.code,
            "since": self.d(min(since, self.today - 1)),
            "status": "active" if alive else "stopped",
        }
        self.record(records, "social-protection", key, m.pin, "", self.now, self.dumps(data))

    def enterprise(self, h: _Household, m: _P, records: list[Any], parties: list[Any]) -> None:
        rng = self.rng
        if m.death is not None:
            return
        age = self.age(m)
        if not 25 <= age < 70:
            return
        r = rng.random()
        if r >= 0.044:
            return
        c = h.commune
        household_business = r < 0.035
        if household_business:
            line = self.shop_lines(rng)
            where, address = c, h.address
            form = "hkd"
            given = m.name.rsplit(" ", 1)[-1]
            brand = (
                given
                if rng.random() < 0.5
                else self.names.pick(("place", "*", "brand", "*", "*"))(rng)
            )
            name = f"Hộ kinh doanh {line.shop} {brand}"
        else:
            line = self.lines(rng)
            where = c if rng.random() < 0.6 else self.units.wards[c.province](rng)
            address = self.address(where, "kinh")
            form = ("tnhh", "cp", "dntn")[bisect.bisect_right((0.62, 0.8), rng.random())]
            brand = self.names.pick(("place", "*", "brand", "*", "*"))(rng)
            trade = line.trade if rng.random() < 0.7 else f"{line.trade} và Dịch vụ"
            prefix = {
                "tnhh": "Công ty TNHH",
                "cp": "Công ty Cổ phần",
                "dntn": "Doanh nghiệp tư nhân",
            }
            name = f"{prefix[form]} {trade} {brand}"
        lines = [line.code]
        more = self.shop_lines if household_business else self.lines
        for _ in range(self.one((0, 0, 1, 1, 2) if household_business else (0, 1, 1, 2, 3))):
            extra = more(rng).code
            if extra not in lines:
                lines.append(extra)
        start = max(self.years_later(m.birth, 22), dt.date(1995, 1, 1).toordinal())
        registered = self.ri(min(start, self.today - 31), self.today - 30)
        status = ("active", "suspended", "dissolved")[
            bisect.bisect_right((0.85, 0.91), rng.random())
        ]
        tax = self.tax_code(c.province)
        data = {
            "tax_code": tax,
            "name": name,
            "form": form,
            "representative_pin": m.pin,
            "representative_name": m.name,
            "unit": where.code,
            "address": address,
            "lines": lines,
            "registered_on": self.d(registered),
            "status": status,
        }
        valid_from = f"{self.d(registered)}{self.valid_from}"
        rid = self.record(records, "enterprises", tax, tax, "", valid_from, self.dumps(data))
        self.party(parties, rid, m.pin, "representative")


# ------------------------------------------------------------------------- writing


_RECORD_COLUMNS: Final = (
    "id",
    "registry_id",
    "key",
    "subject",
    "group",
    "version",
    "valid_from",
    "schema_version",
    "data",
    "source",
)
_PARTY_COLUMNS: Final = ("id", "record_id", "pin", "role")


def _insert_sql(model: type[Record] | type[RecordParty], columns: Sequence[str]) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608


def _copy_sql(model: type[Record] | type[RecordParty], columns: Sequence[str]) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    return f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"


def _copy_text(lines: list[str]) -> bytes:
    """Lines of COPY text (``_Generator.record`` made them) as one block."""
    lines.append("")
    return "\n".join(lines).encode()


class _Writer:
    """Where the batches go. A dry run keeps nothing."""

    def write(self, records: list[Any], parties: list[Any]) -> None:
        """Write one batch."""

    def close(self, *, ok: bool = True) -> None:
        """Wait until everything is written (``ok``), or give up what can be."""


class _InsertWriter(_Writer):
    """``executemany`` in a transaction per batch (SQLite)."""

    def write(self, records: list[Any], parties: list[Any]) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(_insert_sql(Record, _RECORD_COLUMNS), records)
            if parties:
                cursor.executemany(_insert_sql(RecordParty, _PARTY_COLUMNS), parties)


def _copy(records: bytes, parties: bytes) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(_copy_sql(Record, _RECORD_COLUMNS)) as copy:
            copy.write(records)
        if parties:
            with raw.copy(_copy_sql(RecordParty, _PARTY_COLUMNS)) as copy:
                copy.write(parties)


class _CopyWriter(_Writer):
    """``COPY`` in a transaction per batch, on this connection (inside a transaction:
    the tests')."""

    def write(self, records: list[Any], parties: list[Any]) -> None:
        _copy(_copy_text(records), _copy_text(parties) if parties else b"")


_SECONDARY_SQL: Final = """
SELECT 'DROP INDEX ' || quote_ident(n.nspname) || '.' || quote_ident(i.relname),
       pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = i.relnamespace
WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary
UNION ALL
SELECT 'ALTER TABLE ' || %s || ' DROP CONSTRAINT ' || quote_ident(c.conname),
       'ALTER TABLE ' || %s || ' ADD CONSTRAINT ' || quote_ident(c.conname) || ' '
       || pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.conrelid = %s::regclass AND c.contype = 'f'
"""


class _Aborted(Exception):
    """The drawing failed: roll the bulk load back."""


_ABORT: Final = (b"", b"")


class _BulkCopyWriter(_Writer):
    """A large load on PostgreSQL: one transaction on a connection of its own (a
    thread), so that the database takes the rows while the next batches are drawn.

    In that transaction the non-unique indexes and the foreign keys of the record and
    party tables are dropped first and made again (the keys checked again, over every
    row) at the end: maintaining them row by row is most of the database's work. The
    primary keys and the unique constraints stay. Nothing of this is seen outside the
    transaction, and a failure or an interruption rolls all of it back (the tables
    are locked for other writers and readers until the commit)."""

    def __init__(self) -> None:
        #: Batches; None ends the load, ``_ABORT`` rolls it back.
        self.queue: queue.Queue[tuple[bytes, bytes] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="population-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                again: list[str] = []
                for model in (RecordParty, Record):
                    table = connection.ops.quote_name(model._meta.db_table)
                    cursor.execute(_SECONDARY_SQL, [table, table, table, table])
                    for drop, create in cursor.fetchall():
                        cursor.execute(drop)
                        again.append(create)
                # sort the rebuilt indexes in memory (this transaction only)
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                while (item := self.queue.get()) is not None:
                    if item is _ABORT:
                        raise _Aborted
                    records, parties = item
                    with cursor.cursor.copy(_copy_sql(Record, _RECORD_COLUMNS)) as copy:
                        copy.write(records)
                    if parties:
                        with cursor.cursor.copy(_copy_sql(RecordParty, _PARTY_COLUMNS)) as copy:
                            copy.write(parties)
                for sql in again:
                    cursor.execute(sql)
        except _Aborted:
            pass
        except BaseException as exc:  # handed to the drawing thread
            self.error = exc
            while self.queue.get() not in (None, _ABORT):  # let the producer finish
                pass
        finally:
            connection.close()

    def _check(self) -> None:
        if self.error is not None:
            raise self.error

    def write(self, records: list[Any], parties: list[Any]) -> None:
        self._check()
        self.queue.put((_copy_text(records), _copy_text(parties) if parties else b""))

    def close(self, *, ok: bool = True) -> None:
        self.queue.put(None if ok else _ABORT)
        self.thread.join()
        if ok:
            self._check()


def _writer(persons: int, *, dry: bool) -> _Writer:
    if dry:
        return _Writer()
    if connection.vendor != "postgresql":
        return _InsertWriter()
    if connection.in_atomic_block or persons < BULK:
        return _CopyWriter()
    return _BulkCopyWriter()


def _registries() -> dict[str, Registry]:
    found = {r.code: r for r in Registry.objects.filter(code__in=REGISTRIES)}
    if len(found) < len(REGISTRIES):
        load_registries()
        found = {r.code: r for r in Registry.objects.filter(code__in=REGISTRIES)}
    return found


def _next_ids() -> tuple[int, int]:
    out = []
    with connection.cursor() as cursor:
        for model in (Record, RecordParty):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            row = cursor.fetchone()
            out.append((row[0] if row else 0) + 1)
    return out[0], out[1]


def _clear(registry_ids: Sequence[int]) -> int:
    """Delete the seeded records of these registries (and everything pointing at them:
    parties, versions, address reviews). Returns how many records went.

    When every record in the table is such a record (a database holding only generated
    data), PostgreSQL empties the tables at once (``TRUNCATE``, in this transaction)
    instead of deleting millions of rows one by one."""
    quote = connection.ops.quote_name
    record_table = quote(Record._meta.db_table)
    relations = [r for r in Record._meta.related_objects if not r.many_to_many]
    version_table = quote(Record.versions.rel.related_model._meta.db_table)
    marks = ", ".join(["%s"] * len(registry_ids))
    seeded = (
        f"SELECT id FROM {record_table} WHERE registry_id IN ({marks}) AND (source = %s "  # noqa: S608
        f"OR id IN (SELECT record_id FROM {version_table} WHERE source = %s))"
    )
    params: list[int | str] = [*registry_ids, Source.SEED.value, Source.SEED.value]
    temp = quote("registries_seeded_ids")
    # (not inside a caller's transaction: rows written in it may have checks pending)
    fast = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if fast and not any(r.field.null for r in relations):
            cursor.execute(f"SELECT COUNT(*) FROM {record_table}")  # noqa: S608
            total = cursor.fetchone()[0]
            cursor.execute(f"SELECT COUNT(*) FROM ({seeded}) AS s", params)  # noqa: S608
            count = int(cursor.fetchone()[0])
            if count == total:
                tables = [record_table] + [quote(r.related_model._meta.db_table) for r in relations]
                cursor.execute(f"TRUNCATE {', '.join(tables)}")
                return count
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} AS {seeded}", params)
        for rel in relations:
            table = quote(rel.related_model._meta.db_table)
            column = quote(rel.field.column or "")
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM {temp})")  # noqa: S608
        cursor.execute(f"DELETE FROM {record_table} WHERE id IN (SELECT id FROM {temp})")  # noqa: S608
        deleted = cursor.rowcount
        cursor.execute(f"DROP TABLE {temp}")
    return max(0, int(deleted))


def _valid_from() -> str:
    """What follows the day of a record's ``valid_from``: 08:00 in Việt Nam, written as
    the column takes it (SQLite: UTC without a zone, as Django writes it)."""
    return " 08:00:00+07:00" if connection.vendor == "postgresql" else " 01:00:00"


def _stored(moment: dt.datetime) -> str:
    value = connection.ops.adapt_datetimefield_value(moment)
    return str(value)


def _n(value: int) -> str:
    """A count as Vietnamese write it: 1.000.000."""
    return f"{value:,}".replace(",", ".")


def _run(
    persons: int,
    *,
    seed: int,
    today: dt.date | None,
    progress: bool,
    dry: bool,
) -> GenerationResult:
    units = _load_map()
    if units is None:
        return GenerationResult("chưa có đơn vị hành chính: chạy load-reference-data trước")
    day = today or timezone.localdate()
    if dry:
        registries = {code: i for i, code in enumerate(REGISTRIES, 1)}
        record_id, party_id, cleared, had_demo = 1, 1, 0, False
    else:
        found = _registries()
        registries = {code: r.pk for code, r in found.items()}
        had_demo = Record.objects.filter(
            registry_id=registries["population"], key=DEMO_CITIZEN
        ).exists()
        cleared = _clear(list(registries.values()))
        record_id, party_id = _next_ids()
    copy = not dry and connection.vendor == "postgresql"  # the PostgreSQL writers COPY text
    gen = _Generator(
        persons,
        seed=seed,
        today=day,
        units=units,
        registries=registries,
        record_id=record_id,
        party_id=party_id,
        reserved=_reserved(day, units),
        valid_from=_valid_from(),
        text=copy,
        now=_stored(timezone.now()),
    )
    records: list[Any] = []
    parties: list[Any] = []
    made = 0
    writer = _writer(persons, dry=dry)
    ok = False
    try:
        with tqdm(total=persons, unit=" người", desc="Sinh dân cư", disable=not progress) as bar:
            for household_records, household_parties, count in gen.rows():
                records += household_records
                parties += household_parties
                made += count
                if made >= BATCH:
                    writer.write(records, parties)
                    records, parties = [], []
                    bar.update(made)
                    made = 0
            if records:
                writer.write(records, parties)
            bar.update(made)
        ok = True
    finally:
        writer.close(ok=ok)
    if not dry and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Record, RecordParty]):
                cursor.execute(sql)
    counts = dict(gen.counts)
    by_kind: dict[str, int] = defaultdict(int)
    for defect in gen.defects:
        by_kind[defect.kind] += 1
    labels = {
        "duplicate_person": "trùng người",
        "impossible_date": "ngày vô lý",
        "missing_field": "thiếu trường bắt buộc",
        "dead_unit": "đơn vị hành chính không còn",
        "pin_mismatch": "số định danh sai cấu trúc",
        "dead_insured": "người đã chết còn thẻ BHYT",
    }
    summary = (
        f"{_n(gen.made)} người dân trong {_n(gen.households)} hộ; "
        f"hộ tịch {_n(counts.get('civil-status', 0))}, "
        f"bảo hiểm {_n(counts.get('insurance', 0))}, "
        f"bảo trợ xã hội {_n(counts.get('social-protection', 0))}, "
        f"doanh nghiệp và hộ kinh doanh {_n(counts.get('enterprises', 0))} bản ghi; "
        "lỗi cài sẵn: " + ", ".join(f"{labels[k]} {_n(by_kind.get(k, 0))}" for k in DEFECT_KINDS)
    )
    if cleared:
        summary += f" (đã xoá {_n(cleared)} bản ghi khởi tạo trước)"
    result = GenerationResult(
        summary,
        persons=gen.made,
        households=gen.households,
        counts=counts,
        defects=gen.defects,
        cleared=cleared,
    )
    if had_demo:
        _ensure_demo_family(day, units)
    return result


def generate(
    persons: int,
    *,
    seed: int = 20250701,
    progress: bool = True,
    today: dt.date | None = None,
) -> GenerationResult:
    """Clear the seeded records of the five registries and write ``persons`` people
    with their households and records (see the module docstring)."""
    if persons < 1:
        raise ValueError("persons must be positive")
    return _run(persons, seed=seed, today=today, progress=progress, dry=False)


register_generator("registries")(generate)


def seeded_defects(
    persons: int, seed: int = 20250701, *, today: dt.date | None = None
) -> list[Defect]:
    """The defects :func:`generate` seeds for these arguments, without writing anything."""
    return _run(persons, seed=seed, today=today, progress=False, dry=True).defects


# --------------------------------------------------------------------------- the demo

#: The demo accounts' people (``accounts/seeds.py``) and their commune.
DEMO_CITIZEN: Final = "037090001234"
DEMO_COMMUNE: Final = "13786"
OTHER_COMMUNE: Final = "13753"
DEMO_BUSINESS: Final = "2701234560"


@dataclass(frozen=True)
class _Demo:
    pin: str
    name: str
    sex: str
    birth: dt.date
    relation: str
    household: str
    commune: str
    birth_place: str
    insurance: str
    kind: str
    months: int = 0
    father: str | None = None
    mother: str | None = None
    spouse: str | None = None


def _birth_commune(units: _Map | None, old_province: str, fallback: str) -> str:
    """The first current commune (by code) that took over a commune of this old
    province, where the demo people with its PIN code were born."""
    if units is None:
        return fallback
    for c in units.communes:
        if any(o.pin_code == f"0{old_province}" for o in c.preds):
            return c.code
    return fallback


def _demo_people(today: dt.date, units: _Map | None) -> list[_Demo]:
    """Nguyễn Văn An's family in Xã Liên Minh and the officials of the demo accounts.

    Xã Liên Minh took over communes of the old Nam Định province (PIN code 036): the
    children born there before 1/7/2025 carry 036, after it Ninh Bình's 037."""
    ninh_binh = _birth_commune(units, "37", DEMO_COMMUNE)
    year = today.year
    older = dt.date(year - 9, 5, 10)
    younger = dt.date(year - 3, 11, 2)

    def kid_pin(born: dt.date, sex: int, tail: str) -> str:
        province = "037" if born >= REFORM else "036"
        return f"{province}{(0 if born.year < 2000 else 2) + sex}{born.year % 100:02d}{tail}"

    an, mai, thang, lan = DEMO_CITIZEN, "036192004321", "037062003101", "037165003102"
    khoi, han = kid_pin(older, 0, "005001"), kid_pin(younger, 1, "005002")
    home, parents = f"{DEMO_COMMUNE}9000001", f"{DEMO_COMMUNE}9000002"
    people = [
        _Demo(
            an,
            "Nguyễn Văn An",
            "male",
            dt.date(1990, 3, 15),
            "head",
            home,
            DEMO_COMMUNE,
            ninh_binh,
            "3790012340",
            "employee",
            156,
            thang,
            lan,
            mai,
        ),
        _Demo(
            mai,
            "Trần Thị Mai",
            "female",
            dt.date(1992, 8, 20),
            "spouse",
            home,
            DEMO_COMMUNE,
            DEMO_COMMUNE,
            "3790012341",
            "voluntary",
            48,
            spouse=an,
        ),
        _Demo(
            khoi,
            "Nguyễn Minh Khôi",
            "male",
            older,
            "child",
            home,
            DEMO_COMMUNE,
            DEMO_COMMUNE,
            "3790012342",
            "student",
            father=an,
            mother=mai,
        ),
        _Demo(
            han,
            "Nguyễn Ngọc Hân",
            "female",
            younger,
            "child",
            home,
            DEMO_COMMUNE,
            DEMO_COMMUNE,
            "3790012343",
            "child_under_6",
            father=an,
            mother=mai,
        ),
        _Demo(
            thang,
            "Nguyễn Văn Thắng",
            "male",
            dt.date(1962, 2, 10),
            "head",
            parents,
            DEMO_COMMUNE,
            ninh_binh,
            "3790012344",
            "pensioner",
            372,
            spouse=lan,
        ),
        _Demo(
            lan,
            "Phạm Thị Lan",
            "female",
            dt.date(1965, 9, 1),
            "spouse",
            parents,
            DEMO_COMMUNE,
            ninh_binh,
            "3790012345",
            "household",
            spouse=thang,
        ),
    ]
    officials = (
        ("036190002345", "Trần Thị Bình", "female", dt.date(1990, 4, 2), DEMO_COMMUNE),
        ("036190002399", "Vũ Thị Hạnh", "female", dt.date(1990, 10, 12), OTHER_COMMUNE),
        ("036088003456", "Lê Văn Cường", "male", dt.date(1988, 7, 23), DEMO_COMMUNE),
        ("037175004567", "Phạm Thị Dung", "female", dt.date(1975, 1, 30), DEMO_COMMUNE),
        ("037085005678", "Hoàng Văn Hải", "male", dt.date(1985, 6, 5), DEMO_COMMUNE),
        ("037080006789", "Đỗ Văn Giang", "male", dt.date(1980, 12, 1), DEMO_COMMUNE),
    )
    for i, (pin, name, sex, born, commune) in enumerate(officials):
        place = DEMO_COMMUNE if pin.startswith("036") else ninh_binh
        people.append(
            _Demo(
                pin,
                name,
                sex,
                born,
                "head",
                f"{commune}90000{i + 3:02d}",
                commune,
                place,
                f"37900123{i + 46}",
                "employee",
                (year - born.year - 23) * 12,
            )
        )
    return people


_DemoRow = tuple[str, str, str, str, dict[str, Any], list[tuple[str, str]]]


def _demo_records(today: dt.date, units: _Map | None) -> list[_DemoRow]:
    """``(registry, key, subject, group, data, parties)`` of the demo people."""
    people = _demo_people(today, units)
    by_pin = {p.pin: p for p in people}
    out: list[_DemoRow] = []
    address = {f"{DEMO_COMMUNE}9000001": "Số 15, xóm 3", f"{DEMO_COMMUNE}9000002": "Số 21, xóm 3"}
    for p in people:
        home = address.get(p.household, "Thôn Đông")
        out.append(
            (
                "population",
                p.pin,
                p.pin,
                p.household,
                {
                    "pin": p.pin,
                    "full_name": p.name,
                    "birth_date": p.birth.isoformat(),
                    "sex": p.sex,
                    "ethnicity": "Kinh",
                    "religion": "Không",
                    "nationality": "Việt Nam",
                    "birth_place": p.birth_place,
                    "permanent_unit": p.commune,
                    "permanent_address": home,
                    "current_unit": p.commune,
                    "current_address": home,
                    "household": p.household,
                    "relation": p.relation,
                    "father_pin": p.father,
                    "mother_pin": p.mother,
                    "spouse_pin": p.spouse,
                    "status": "alive",
                    "death_date": None,
                    "legacy_address": f"{home}, Xã Đại Thắng, Huyện Vụ Bản, Tỉnh Nam Định"
                    if p.commune == DEMO_COMMUNE
                    else None,
                },
                [],
            )
        )
        if p.kind == "child_under_6":
            start, end = (
                p.birth,
                dt.date(p.birth.year + 6, p.birth.month, p.birth.day) - dt.timedelta(days=1),
            )
        else:
            start = today.replace(month=1, day=1)
            end = start.replace(year=start.year + 1) - dt.timedelta(days=1)
        out.append(
            (
                "insurance",
                p.insurance,
                p.pin,
                "",
                {
                    "insurance_code": p.insurance,
                    "pin": p.pin,
                    "full_name": p.name,
                    "insured_kind": p.kind,
                    "card_from": start.isoformat(),
                    "card_to": end.isoformat(),
                    "facility": "Trạm Y tế Xã Liên Minh",
                    "contribution_months": p.months,
                    "card_status": "active",
                },
                [],
            )
        )
    an = by_pin[DEMO_CITIZEN]
    mai = by_pin[an.spouse or ""]

    def civil(
        kind: str, prefix: str, event: dt.date, on: dt.date, who: _Demo, where: str, **extra: Any
    ) -> None:
        key = f"{prefix}.{where}.{on.year}.1"
        data = {
            "kind": kind,
            "book": f"01/{on.year}",
            "number": 1,
            "registered_on": on.isoformat(),
            "registered_at": where,
            "pin": who.pin,
            "full_name": who.name,
            "event_date": event.isoformat(),
            "sex": who.sex,
            "father_pin": None,
            "father_name": None,
            "mother_pin": None,
            "mother_name": None,
            "spouse_pin": None,
            "spouse_name": None,
            **extra,
        }
        parties = [
            (v, role) for role in ("father", "mother", "spouse") if (v := extra.get(f"{role}_pin"))
        ]
        out.append(("civil-status", key, who.pin, "", data, parties))

    thang, lan = by_pin[an.father or ""], by_pin[an.mother or ""]
    for child in (p for p in by_pin.values() if p.father == an.pin):
        civil(
            "birth",
            "KS",
            child.birth,
            child.birth + dt.timedelta(days=12),
            child,
            DEMO_COMMUNE,
            father_pin=an.pin,
            father_name=an.name,
            mother_pin=mai.pin,
            mother_name=mai.name,
        )
    civil(
        "birth",
        "KS",
        an.birth,
        an.birth + dt.timedelta(days=20),
        an,
        an.birth_place,
        father_pin=thang.pin,
        father_name=thang.name,
        mother_pin=lan.pin,
        mother_name=lan.name,
    )
    wedding = dt.date(min(p.birth.year for p in people if p.father == an.pin) - 1, 12, 20)
    civil(
        "marriage",
        "KH",
        wedding,
        wedding,
        an,
        DEMO_COMMUNE,
        spouse_pin=mai.pin,
        spouse_name=mai.name,
    )
    out.append(
        (
            "enterprises",
            DEMO_BUSINESS,
            DEMO_BUSINESS,
            "",
            {
                "tax_code": DEMO_BUSINESS,
                "name": "Công ty TNHH Nông sản Liên Minh",
                "form": "tnhh",
                "representative_pin": an.pin,
                "representative_name": an.name,
                "unit": DEMO_COMMUNE,
                "address": "Thôn Đại Thắng",
                "lines": ["4620", "1061", "0111"],
                "registered_on": "2019-04-12",
                "status": "active",
            },
            [(an.pin, "representative")],
        )
    )
    return out


def _reserved(today: dt.date, units: _Map | None) -> frozenset[str]:
    """Keys and PINs of the demo people, which the generator never draws."""
    keys: set[str] = set()
    for _registry, key, subject, _group, _data, parties in _demo_records(today, units):
        keys.update((key, subject, *(pin for pin, _role in parties)))
    return frozenset(keys)


def _ensure_demo_family(today: dt.date, units: _Map | None) -> int:
    """Write the demo people's records anew (idempotent). Returns how many."""
    registries = _registries()
    rows = _demo_records(today, units)
    with transaction.atomic():
        for code in REGISTRIES:
            keys = [key for registry, key, *_rest in rows if registry == code]
            Record.objects.filter(registry=registries[code], key__in=keys).delete()
        now = timezone.now()
        records = Record.objects.bulk_create(
            Record(
                registry=registries[registry],
                key=key,
                subject=subject,
                group=group,
                valid_from=now,
                data=data,
                source=Source.SEED,
            )
            for registry, key, subject, group, data, _parties in rows
        )
        RecordParty.objects.bulk_create(
            RecordParty(record=record, pin=pin, role=role)
            for record, (*_r, parties) in zip(records, rows, strict=True)
            for pin, role in parties
        )
    return len(rows)


@register_seeder("registries.demo", order=60, description="Dân cư, hộ tịch, bảo hiểm thử nghiệm")
def seed_demo_population() -> StepResult:
    """A few thousand people (once), and the demo accounts' people with their family,
    records and business (every time, the same)."""
    registries = _registries()
    have = Record.objects.filter(registry=registries["population"], source=Source.SEED).count()
    if have < DEMO_PERSONS:
        result = generate(DEMO_PERSONS, progress=False)
        made = f"{result.summary}; "
    else:
        made = f"đã có {have:,} người dân; ".replace(",", ".")
    count = _ensure_demo_family(timezone.localdate(), _load_map())
    return StepResult(f"{made}{count} bản ghi của công dân, cán bộ thử nghiệm")
