"""Messy legacy addresses: a labelled test set built from the official data, and its scoring.

Every row is an address written the way people really type it, in one of the classes of
``CLASSES``, labelled with the new commune code(s) of the official old → new table
(``ward_conversion_2025.csv``). About 15 % of the rows of each legacy class are old communes
that were split; their label is every successor, and the only right answer for them is
"ambiguous" with all of those successors among the candidates. The last class, ``mixed``,
combines two or three of the difficulties of the others in each address (``MIXED_FEATURES``).

The generator reads the CSV files of ``lienthong/geo/data`` directly (no database, no Django)
and is deterministic: ``build(seed, per_class)`` always gives the same rows.

    .venv/bin/python tests/geo/messy.py      # rewrites tests/geo/data/messy_{dev,test}.csv

Rows are kept fair: an address that the data itself leaves ambiguous (a commune name shared
in its district, a district omitted where the commune name repeats in the province, a typo
that lands as close to another unit as to the right one, ...) is never generated.
"""

from __future__ import annotations

import csv
import random
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Protocol

from rapidfuzz.distance import OSA

from lienthong.geo import text as geo_text
from lienthong.geo.text import fold

__all__ = [
    "CLASSES",
    "DEV_CSV",
    "TEST_CSV",
    "Row",
    "build",
    "evaluate",
    "main",
    "read_rows",
    "score",
    "telex",
    "vni",
    "write_rows",
]

DATA_DIR = Path(geo_text.__file__).resolve().parent / "data"
OUT_DIR = Path(__file__).resolve().parent / "data"
DEV_CSV = OUT_DIR / "messy_dev.csv"
TEST_CSV = OUT_DIR / "messy_test.csv"
DEV_SEED, TEST_SEED, PER_CLASS = 1, 2, 150
SPLIT_SHARE = 0.15

CLASSES = (
    "new_province_old_units",
    "telex",
    "vni",
    "typo",
    "separators",
    "no_separator",
    "hyphen",
    "abbreviation",
    "missing_province",
    "noise",
    "tidy",
    "new_address",
    "mixed",
)

OUTCOMES = ("right", "wrong_confident", "flagged", "missed")
CONFIDENT = ("converted", "already_new")


@dataclass(frozen=True)
class Row:
    id: str
    cls: str
    address: str
    expected: tuple[str, ...]
    split: bool


# --------------------------------------------------------------------------------------------
# The official data


_PREFIXES = ("Thành phố", "Tỉnh", "Thị xã", "Thị trấn", "Huyện", "Quận", "Xã", "Phường", "Đặc khu")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str  # official full name: "Xã An Bình"
    short: str  # without the type word: "An Bình"
    utype: str  # "Xã", "Phường", "Thành phố", ... ("" when the name has none)

    @property
    def key(self) -> str:
        return _key(self.short)


@dataclass(frozen=True)
class Legacy:
    """An old commune of the official table with its district, province and successors."""

    commune: Unit
    district: Unit
    province: Unit
    successors: tuple[str, ...]
    new_province: Unit

    @property
    def code(self) -> str:
        return self.commune.code

    @property
    def split(self) -> bool:
        return len(self.successors) > 1


@dataclass(frozen=True)
class NewCommune:
    commune: Unit
    province: Unit

    @property
    def code(self) -> str:
        return self.commune.code

    split = False


def _key(name: str) -> str:
    """Folded, single-spaced, numbers without leading zeros ("Phường 04" → "phuong 4")."""
    tokens = re.split(r"[^0-9a-z]+", fold(name))
    return " ".join(t.lstrip("0") or "0" if t.isdigit() else t for t in tokens if t)


def _unit(code: str, name: str) -> Unit:
    for prefix in _PREFIXES:
        if name.lower().startswith(prefix.lower() + " "):
            short = name[len(prefix) + 1 :]
            return Unit(code, f"{prefix} {short}", short, prefix)
    return Unit(code, name, name, "")


@dataclass
class Geo:
    old_provinces: dict[str, Unit] = field(default_factory=dict)
    old_districts: dict[str, Unit] = field(default_factory=dict)
    old_communes: dict[str, Unit] = field(default_factory=dict)
    district_of: dict[str, str] = field(default_factory=dict)  # old commune → old district
    province_of: dict[str, str] = field(default_factory=dict)  # old district → old province
    new_provinces: dict[str, Unit] = field(default_factory=dict)
    new_communes: dict[str, Unit] = field(default_factory=dict)
    new_province_of: dict[str, str] = field(default_factory=dict)  # new commune → province
    old_to_new_province: dict[str, str] = field(default_factory=dict)
    legacy: list[Legacy] = field(default_factory=list)
    new: list[NewCommune] = field(default_factory=list)
    # Derived look-ups for the fairness checks.
    communes_in_district: dict[str, list[Unit]] = field(default_factory=dict)
    districts_in_province: dict[str, list[Unit]] = field(default_factory=dict)
    old_provinces_of_new: dict[str, list[str]] = field(default_factory=dict)
    new_by_key: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    successors: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def load() -> Geo:
    """The official data of ``lienthong/geo/data``, read from its CSV files (no database)."""
    geo = Geo()
    for r in _read("legacy_units.csv"):
        unit = _unit(r["code"], r["name"])
        if r["level"] == "province":
            geo.old_provinces[unit.code] = unit
        elif r["level"] == "district":
            geo.old_districts[unit.code] = unit
            geo.province_of[unit.code] = r["parent_code"]
        else:
            geo.old_communes[unit.code] = unit
            geo.district_of[unit.code] = r["parent_code"]
    for r in _read("new_units.csv"):
        unit = _unit(r["code"], r["name"])
        if r["level"] == "province":
            geo.new_provinces[unit.code] = unit
        else:
            geo.new_communes[unit.code] = unit
            geo.new_province_of[unit.code] = r["province_code"]
    for r in _read("province_conversion_2025.csv"):
        geo.old_to_new_province[r["old_province_code"]] = r["new_province_code"]
    succ: dict[str, set[str]] = defaultdict(set)
    for r in _read("ward_conversion_2025.csv"):
        succ[r["old_ward_code"]].add(r["new_ward_code"])
    geo.successors = {code: tuple(sorted(new)) for code, new in succ.items()}

    for code, d in sorted(geo.district_of.items()):
        geo.communes_in_district.setdefault(d, []).append(geo.old_communes[code])
    for code, p in sorted(geo.province_of.items()):
        geo.districts_in_province.setdefault(p, []).append(geo.old_districts[code])
    for old_p, new_p in sorted(geo.old_to_new_province.items()):
        geo.old_provinces_of_new.setdefault(new_p, []).append(old_p)
    for code, unit in sorted(geo.new_communes.items()):
        geo.new_by_key.setdefault((geo.new_province_of[code], unit.key), []).append(code)

    for code in sorted(geo.old_communes):
        successors = geo.successors.get(code)
        if not successors:
            continue  # a legacy commune the official table does not list
        district = geo.old_districts[geo.district_of[code]]
        province_code = geo.province_of[district.code]
        new_province = geo.new_province_of[successors[0]]
        geo.legacy.append(
            Legacy(
                geo.old_communes[code],
                district,
                geo.old_provinces[province_code],
                successors,
                geo.new_provinces[new_province],
            )
        )
    geo.new = [
        NewCommune(unit, geo.new_provinces[geo.new_province_of[code]])
        for code, unit in sorted(geo.new_communes.items())
    ]
    return geo


def _old_province_code(geo: Geo, leg: Legacy) -> str:
    return geo.province_of[leg.district.code]


@cache
def _dup_in_district() -> frozenset[str]:
    """Old communes whose folded name another commune of the same district shares."""
    geo = load()
    out: set[str] = set()
    for communes in geo.communes_in_district.values():
        counts = Counter(u.key for u in communes)
        out.update(u.code for u in communes if counts[u.key] > 1)
    return frozenset(out)


@cache
def _commune_keys_of_old_provinces(provinces: tuple[str, ...]) -> Counter[str]:
    geo = load()
    counts: Counter[str] = Counter()
    for p in provinces:
        for d in geo.districts_in_province.get(p, []):
            counts.update(u.key for u in geo.communes_in_district.get(d.code, []))
    return counts


@cache
def _district_keys_of_old_provinces(provinces: tuple[str, ...]) -> Counter[str]:
    geo = load()
    return Counter(d.key for p in provinces for d in geo.districts_in_province.get(p, []))


@cache
def _province_keys() -> frozenset[str]:
    geo = load()
    return frozenset(u.key for u in (*geo.old_provinces.values(), *geo.new_provinces.values()))


@cache
def _country_district_keys() -> Counter[str]:
    return Counter(u.key for u in load().old_districts.values())


@cache
def _country_pair_keys() -> Counter[tuple[str, str]]:
    geo = load()
    return Counter(
        (u.key, geo.old_districts[geo.district_of[u.code]].key) for u in geo.old_communes.values()
    )


def _district_can_go(geo: Geo, leg: Legacy, *, new_province: bool) -> bool:
    """The commune alone identifies itself in the province written (old or new one)."""
    provinces = (
        tuple(geo.old_provinces_of_new[leg.new_province.code])
        if new_province
        else (_old_province_code(geo, leg),)
    )
    if _commune_keys_of_old_provinces(provinces)[leg.commune.key] != 1:
        return False
    if (
        leg.commune.key in _province_keys()
        or _district_keys_of_old_provinces(provinces)[leg.commune.key]
    ):
        return False  # "Xã Yên Bình, Tuyên Quang": Yên Bình is also an old district there
    # Without a district, "Xã X, <province>" also reads as a new address: allowed only where
    # that reading gives the same answer (or where the new map has no commune of that name).
    same = geo.new_by_key.get((leg.new_province.code, leg.commune.key), [])
    return not same or (len(same) == 1 and leg.successors == (same[0],))


def _district_unique_in_new_province(geo: Geo, leg: Legacy) -> bool:
    provinces = tuple(geo.old_provinces_of_new[leg.new_province.code])
    return _district_keys_of_old_provinces(provinces)[leg.district.key] == 1


# --------------------------------------------------------------------------------------------
# Telex and VNI

_TONES = {"\u0301": 0, "\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0323": 4}  # sắc huyền hỏi ngã nặng
_TONE_MARKS = tuple(_TONES)
_TELEX_TONES = "sfrxj"
_VNI_TONES = "12345"
_CIRCUMFLEX, _BREVE, _HORN, _STROKE = "\u0302", "\u0306", "\u031b", "stroke"
_LETTERS = re.compile(r"([^\W\d_]+)")


def _decompose(ch: str) -> tuple[str, str, str]:
    """(base letter, modifier, tone mark) of one letter."""
    if ch in "đĐ":
        return ("d" if ch == "đ" else "D"), _STROKE, ""
    nfd = unicodedata.normalize("NFD", ch)
    mod = next((m for m in nfd[1:] if m in (_CIRCUMFLEX, _BREVE, _HORN)), "")
    tone = next((m for m in nfd[1:] if m in _TONES), "")
    return nfd[0], mod, tone


def _syllables(text: str) -> list[str]:
    return _LETTERS.split(unicodedata.normalize("NFC", text))


def telex(text: str, *, tones: bool = True, uow: bool = False, caps: bool = False) -> str:
    """What Telex typing gives when the input method does not convert it.

    Per syllable: đ → dd, â → aa, ê → ee, ô → oo, ă → aw, ơ → ow, ư → uw (ươ → uwow, or uow
    with ``uow``), and the tone as a last letter (sắc s, huyền f, hỏi r, ngã x, nặng j) unless
    ``tones`` is false. ``caps`` doubles a capital as a capital ("DD"), else "Dd".
    """
    out: list[str] = []
    for piece in _syllables(text):
        if not piece or not piece[0].isalpha():
            out.append(piece)
            continue
        shout = piece.isupper() and len(piece) > 1
        letters = [_decompose(c) for c in piece]
        res: list[str] = []
        tone = ""
        for i, (base, mod, mark) in enumerate(letters):
            tone = _TELEX_TONES[_TONES[mark]] if mark else tone
            twin = base if (caps or shout or base.islower()) else base.lower()
            w = "W" if shout else "w"
            if mod in (_STROKE, _CIRCUMFLEX):
                res.append(base + twin)
            elif mod == _BREVE:
                res.append(base + w)
            elif mod == _HORN:
                nxt = letters[i + 1] if i + 1 < len(letters) else ("", "", "")
                horn_follows = nxt[1] == _HORN and nxt[0].lower() == "o"
                res.append(base if (uow and base.lower() == "u" and horn_follows) else base + w)
            else:
                res.append(base)
        if tones and tone:
            res.append(tone.upper() if shout else tone)
        out.append("".join(res))
    return "".join(out)


def vni(text: str, *, mode: str = "inline") -> str:
    """What VNI typing gives when the input method does not convert it.

    Digits: 1 sắc, 2 huyền, 3 hỏi, 4 ngã, 5 nặng, 6 circumflex, 7 horn, 8 breve, 9 đ.
    ``mode``: "inline" puts every digit right after its letter ("Huye65n", "Du7o7ng");
    "tone_end" keeps the shape digits inline and the tone at the syllable's end ("Huye6n5");
    "end" puts all of them at the end ("Huyen65", "Duong7").
    """
    digit = {_CIRCUMFLEX: "6", _HORN: "7", _BREVE: "8", _STROKE: "9"}
    out: list[str] = []
    for piece in _syllables(text):
        if not piece or not piece[0].isalpha():
            out.append(piece)
            continue
        body: list[str] = []
        tail: list[str] = []
        tone = ""
        for ch in piece:
            base, mod, mark = _decompose(ch)
            body.append(base)
            if mod:
                if mode == "end":
                    if not tail or tail[-1] != digit[mod]:
                        tail.append(digit[mod])
                else:
                    body.append(digit[mod])
            if mark:
                tone = _VNI_TONES[_TONES[mark]]
                if mode == "inline":
                    body.append(tone)
        if tone and mode != "inline":
            tail.append(tone)
        out.append("".join(body + tail))
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Typos

_QWERTY = {
    "q": "wa",
    "w": "qeas",
    "e": "wrsd",
    "r": "etdf",
    "t": "ryfg",
    "y": "tugh",
    "u": "yihj",
    "i": "uojk",
    "o": "ipkl",
    "p": "ol",
    "a": "qwsz",
    "s": "awedxz",
    "d": "serfcx",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kop",
    "z": "asx",
    "x": "zsdc",
    "c": "xdfv",
    "v": "cfgb",
    "b": "vghn",
    "n": "bhjm",
    "m": "njk",
}
_VOWELS = set("aeiouy")
TYPO_OPS = ("drop", "double", "swap", "adjacent", "tone")


def _retone(syllable: str, rng: random.Random) -> str:
    """The syllable with another tone mark (or none, if it had one)."""
    letters = [list(unicodedata.normalize("NFD", c)) for c in syllable]
    current = next(
        ((i, m) for i, parts in enumerate(letters) for m in parts[1:] if m in _TONES), None
    )
    if current is not None:
        i, mark = current
        letters[i].remove(mark)
        choice = rng.choice([m for m in (*_TONE_MARKS, "") if m != mark])
        if choice:
            letters[i].append(choice)
    else:
        vowels = [i for i, parts in enumerate(letters) if parts[0].lower() in _VOWELS]
        if not vowels:
            return syllable
        shaped = [i for i in vowels if len(letters[i]) > 1]
        if shaped:
            i = shaped[-1]
        elif vowels[-1] == len(letters) - 1 and len(vowels) > 1:
            i = vowels[-2]
        else:
            i = vowels[-1]
        letters[i].append(rng.choice(_TONE_MARKS))
    return unicodedata.normalize("NFC", "".join("".join(p) for p in letters))


def make_typo(name: str, op: str, rng: random.Random) -> str:
    """``name`` with one typo of kind ``op`` (``name`` itself when it cannot have one)."""
    chars = list(unicodedata.normalize("NFC", name))
    inner = [i for i, c in enumerate(chars) if c.isalpha() and i > 0 and chars[i - 1].isalpha()]
    letters = [i for i, c in enumerate(chars) if c.isalpha()]
    if op == "drop" and inner:
        i = rng.choice(inner)
        del chars[i]
    elif op == "double" and letters:
        i = rng.choice(letters)
        chars.insert(i, chars[i])
    elif op == "swap":
        pairs = [i for i in inner if i + 1 < len(chars) and chars[i + 1].isalpha()]
        pairs = [i for i in pairs if chars[i].lower() != chars[i + 1].lower()]
        if not pairs:
            return name
        i = rng.choice(pairs)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif op == "adjacent":
        plain = [i for i in inner if chars[i].lower() in _QWERTY]
        if not plain:
            return name
        i = rng.choice(plain)
        sub = rng.choice(_QWERTY[chars[i].lower()])
        chars[i] = sub.upper() if chars[i].isupper() else sub
    elif op == "tone":
        pieces = _LETTERS.split("".join(chars))
        voiced = [
            i for i, p in enumerate(pieces) if p and p[0].isalpha() and set(fold(p)) & _VOWELS
        ]
        if not voiced:
            return name
        i = rng.choice(voiced)
        pieces[i] = _retone(pieces[i], rng)
        return "".join(pieces)
    return "".join(chars)


def _typo_is_fair(typo: str, original: str, others: Iterable[str]) -> bool:
    """The typo is nearer to the right name than to any other name of its scope."""
    t, o = _key(typo), _key(original)
    if typo == original:
        return False
    others_keys = [k for k in (_key(x) for x in others) if k != o]
    if t == o:
        return t not in others_keys
    return all(OSA.distance(t, k) >= 2 for k in others_keys)


# --------------------------------------------------------------------------------------------
# Writing the parts of an address

STREETS = (
    "Nguyễn Trãi",
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Hai Bà Trưng",
    "Nguyễn Huệ",
    "Lý Thường Kiệt",
    "Phan Chu Trinh",
    "Điện Biên Phủ",
    "Võ Thị Sáu",
    "Lê Duẩn",
)
HAMLETS = ("Bình Hòa", "Tân Lập", "Phú Hữu", "Long Thạnh", "Mỹ Lợi", "Hòa Bình")

#: Province nicknames that name one province only (old map; "ĐN" is left out: Đà Nẵng,
#: Đồng Nai and Đắk Nông all abbreviate to it).
NICKNAMES = {
    "79": ("TP HCM", "TP.HCM", "TP. HCM", "Tp.HCM", "TPHCM", "HCM", "Sài Gòn"),
    "01": ("HN", "Hà Nội", "TP HN", "Tp. Hà Nội"),
    "77": ("BRVT", "BR-VT", "Bà Rịa Vũng Tàu"),
    "48": ("Đà Nẵng", "TP Đà Nẵng", "Tp.Đà Nẵng"),
}
NEW_NICKNAMES = {
    "79": ("TP HCM", "TP.HCM", "TPHCM", "HCM", "Tp Hồ Chí Minh"),
    "01": ("HN", "Hà Nội", "TP Hà Nội"),
    "48": ("Đà Nẵng", "TP Đà Nẵng"),
    "92": ("Cần Thơ", "TP Cần Thơ", "Tp. Cần Thơ"),
    "31": ("Hải Phòng", "TP Hải Phòng", "TP.Hải Phòng"),
}


def street(rng: random.Random, *, plain: bool = False) -> str:
    """A house, street or hamlet part ("Số 12 Nguyễn Trãi", "Tổ 5, Khu phố 2", ...).

    ``plain``: only forms without punctuation or names (for addresses with no separators).
    """
    n, k = rng.randint(1, 300), rng.randint(1, 15)
    if plain:
        return rng.choice((f"Thôn {k}", f"Tổ {k}", f"Xóm {k}", f"Khu phố {k}", f"Ấp {k}"))
    road = rng.choice(STREETS)
    return rng.choice(
        (
            f"Số {n} {road}",
            f"Số {n} đường {road}",
            f"{n}/{rng.randint(1, 40)} {road}",
            f"{n} {road}",
            f"Thôn {k}",
            f"Tổ {k}, Khu phố {rng.randint(1, 9)}",
            f"Ấp {rng.choice(HAMLETS)}",
            f"Xóm {k}",
            f"Ngõ {n} {road}",
            f"Tổ dân phố {k}",
        )
    )


def _maybe_street(rng: random.Random, p: float = 0.5) -> list[str]:
    return [street(rng)] if rng.random() < p else []


def _numbered(u: Unit) -> bool:
    return u.short.isdigit()


def _abbrev_type(u: Unit, rng: random.Random) -> str:
    """The unit written with its type word abbreviated, in one of the common forms."""
    s = u.short
    if u.utype == "Phường" and _numbered(u):
        n = int(s)
        return rng.choice(
            (f"P{n}", f"P.{n:02d}", f"P.{n}", f"P. {n}", f"F.{n}", f"F{n}", f"Ph.{n}", f"P {n:02d}")
        )
    if u.utype == "Quận" and _numbered(u):
        n = int(s)
        return rng.choice((f"Q{n}", f"Q.{n}", f"Q. {n}", f"Q.{n:02d}", f"Q {n}"))
    forms = {
        "Xã": ("X.", "X. ", "x.", "X "),
        "Phường": ("P.", "P. ", "Ph.", "Ph. ", "p."),
        "Thị trấn": ("TT.", "TT. ", "T.T.", "Tt.", "TT "),
        "Huyện": ("H.", "H. ", "h.", "H "),
        "Quận": ("Q.", "Q. ", "q."),
        "Thị xã": ("TX.", "TX. ", "T.X.", "Tx.", "TX "),
        "Thành phố": ("TP.", "TP. ", "T.P", "T.P ", "Tp ", "Tp.", "TP "),
        "Tỉnh": ("T.", "T. ", "T "),
    }.get(u.utype)
    if not forms:
        return u.name
    prefix = rng.choice(forms)
    if prefix.endswith(".") and prefix[-2:] != "P." and rng.random() < 0.5:
        prefix += " "
    return f"{prefix}{s}" if prefix.endswith((" ", ".")) else f"{prefix} {s}"


def _province_form(geo: Geo, p: Unit, rng: random.Random, *, nick: bool = False) -> str:
    """An old province as people write it: full, short, "TP X", or a nickname."""
    if nick and p.code in NICKNAMES and rng.random() < 0.8:
        return rng.choice(NICKNAMES[p.code])
    if p.utype == "Thành phố":
        return rng.choice((p.name, p.short, f"TP {p.short}", f"TP. {p.short}", f"Tp {p.short}"))
    return rng.choice((p.name, p.short, p.short, f"tỉnh {p.short}"))


def _new_province_form(p: Unit, rng: random.Random) -> str:
    """A new province as people write it: full, short, "TP X", a nickname, lower case."""
    forms = [p.name, p.short, p.short]
    if p.utype == "Thành phố":
        forms += [f"TP {p.short}", f"TP. {p.short}", f"Tp {p.short}"]
    else:
        forms += [f"tỉnh {p.short}"]
    forms += NEW_NICKNAMES.get(p.code, ())
    return rng.choice(forms)


def _loose(u: Unit, rng: random.Random, p_short: float = 0.25) -> str:
    """Full name, or (for a non-numbered unit) sometimes the name alone."""
    if _numbered(u) or rng.random() >= p_short:
        return u.name
    return u.short


def _lower_type(u: Unit) -> str:
    return f"{u.utype.lower()} {u.short}".strip() if u.utype else u.short


# --------------------------------------------------------------------------------------------
# The classes: each writes one address for one unit, or None when the unit does not suit

Writer = Callable[[random.Random, Geo, "Legacy | NewCommune"], str | None]


def _as_legacy(item: Legacy | NewCommune) -> Legacy:
    assert isinstance(item, Legacy)
    return item


def _w_new_province_old_units(
    rng: random.Random, geo: Geo, item: Legacy | NewCommune
) -> str | None:
    leg = _as_legacy(item)
    if not _district_unique_in_new_province(geo, leg):
        return None
    omit = rng.random() < 0.25 and _district_can_go(geo, leg, new_province=True)
    parts = [*_maybe_street(rng), leg.commune.name if omit else _loose(leg.commune, rng, 0.15)]
    if not omit:
        parts.append(_loose(leg.district, rng, 0.15))
    parts.append(_new_province_form(leg.new_province, rng))
    return ", ".join(parts)


def _pick_parts(rng: random.Random, encoded: Sequence[bool]) -> list[int]:
    candidates = [i for i, e in enumerate(encoded) if e]
    k = rng.randint(1, min(3, len(candidates)))
    return sorted(rng.sample(candidates, k))


def _w_typed(encoder: Callable[[str], str], rng: random.Random, leg: Legacy) -> str | None:
    units = [leg.commune, leg.district, leg.province]
    texts = [u.name if (_numbered(u) or rng.random() < 0.6) else u.short for u in units]
    if units[2].utype == "Thành phố" and rng.random() < 0.5:
        texts[2] = units[2].short
    encoded = [encoder(t) for t in texts]
    changed = [e.lower() != fold(t) for e, t in zip(encoded, texts, strict=True)]
    if not any(changed):
        return None
    for i in _pick_parts(rng, changed):
        texts[i] = encoded[i]
    return ", ".join([*_maybe_street(rng, 0.3), *texts])


def _w_telex(rng: random.Random, geo: Geo, item: Legacy | NewCommune) -> str | None:
    tones, uow, caps = rng.random() < 0.65, rng.random() < 0.4, rng.random() < 0.4
    return _w_typed(lambda t: telex(t, tones=tones, uow=uow, caps=caps), rng, _as_legacy(item))


def _w_vni(rng: random.Random, geo: Geo, item: Legacy | NewCommune) -> str | None:
    mode = rng.choice(("inline", "inline", "tone_end", "end"))
    return _w_typed(lambda t: vni(t, mode=mode), rng, _as_legacy(item))


def _letters_len(name: str) -> int:
    return sum(c.isalpha() for c in fold(name))


def _w_typo(rng: random.Random, geo: Geo, item: Legacy | NewCommune) -> str | None:
    leg = _as_legacy(item)
    old_p = _old_province_code(geo, leg)
    scopes: list[tuple[int, Unit, list[str]]] = [
        (0, leg.commune, [u.short for u in geo.communes_in_district[leg.district.code]]),
        (1, leg.district, [u.short for u in geo.districts_in_province[old_p]]),
        (
            2,
            leg.province,
            [u.short for u in (*geo.old_provinces.values(), *geo.new_provinces.values())]
            + [n for names in NICKNAMES.values() for n in names],
        ),
    ]
    scopes = [s for s in scopes if _letters_len(s[1].short) >= 5]
    if not scopes:
        return None
    which, unit, others = rng.choice(scopes)
    for _ in range(6):
        typo = make_typo(unit.short, rng.choice(TYPO_OPS), rng)
        if _typo_is_fair(typo, unit.short, others):
            break
    else:
        return None
    units = [leg.commune, leg.district, leg.province]
    texts = [u.name if (_numbered(u) or rng.random() < 0.7) else u.short for u in units]
    texts[which] = f"{unit.utype} {typo}" if texts[which] == unit.name and unit.utype else typo
    return ", ".join([*_maybe_street(rng, 0.4), *texts])


SEPARATORS = (" - ", "/", " / ", ";", "; ", ". ", ".", " | ", "|", "\n", "  ", "   ")


def _w_separators(rng: random.Random, geo: Geo, item: Legacy | NewCommune) -> str | None:
    leg = _as_legacy(item)
    parts = [*_maybe_street(rng, 0.45), _loose(leg.commune, rng, 0.15)]
    parts.append(_loose(leg.district, rng, 0.15))
    parts.append(_province_form(geo, leg.province, rng))
    text = "\x00".join(parts).replace(", ", "\x00")
    if rng.random() < 0.4:
        sep = rng.choice(SEPARATORS)
        return text.replace("\x00", sep)
    pieces = text.split("\x00")
    out = pieces[0]
    for piece in pieces[1:]:
        out += rng.choice(SEPARATORS) + piece
    return out


def _w_no_separator(rng: random.Random, geo: Geo, item: Legacy | NewCommune) -> str | None:
    leg = _as_legacy(item)
    parts = [street(rng, plain=True)] if rng.random() < 0.35 else []
    parts += [leg.commune.name, leg.district.name]
    p = leg.province
    parts.append(p.name if rng.random() < 0.35 else p.short)
    # No punctuation at all: hyphens of names become spaces, apostrophes ("Cư M'gar") go.
    text = " ".join(re.sub(r"[-–']", " ", " ".join(parts)).split())
    r = rng.random()
    if r < 0.7:
        text = fold(text)
    elif r < 0.85:
        text = text.lower()
    return text


HYPHEN_GROUPS = {"district:582": "Phan Rang - Tháp Chàm", "province:77": "Bà Rịa - Vũng Tàu"}


def _hyphen_key(geo: Geo, leg: Legacy) -> str | None:
    if "-" in leg.commune.short:
        return "commune"
    if "-" in leg.district.short:
        return f"district:{leg.district.code}"
    if "-" in leg.province.short:
        return f"province:{leg.province.code}"
    return None


def _hyphen_forms(u: Unit, rng: random.Random) -> str:
    """A hyphenated name written with the hyphen tight, spaced, as a dash, or without it."""
    a, b = (s.strip() for s in u.short.split("-", 1))
    short = rng.choice(
        (f"{a}-{b}", f"{a}-{b}", f"{a} {b}", f"{a} {b}", f"{a} - {b}", f"{a} – {b}", f"{a} -{b}")
    )
    if u.code == "77" and rng.random() < 0.35:  # the old province Bà Rịa - Vũng Tàu
        return rng.choice(("BRVT", "BR-VT", "Tỉnh BRVT"))
    r = rng.random()
    if r < 0.45 and u.utype:
        return f"{u.utype} {short}"
    if r < 0.6 and u.utype == "Thành phố":
        return f"TP {short}"
    return short


def _w_hyphen(rng: random.Random, geo: Geo, item: Legacy | NewCommune) -> str | None:
    leg = _as_legacy(item)
    if _hyphen_key(geo, leg) is None:
        return None
    texts = []
    for u in (leg.commune, leg.district, leg.province):
        if "-" in u.short:
            texts.append(_hyphen_forms(u, rng))
        else:
            texts.append(_loose(u, rng, 0.2))
    sep = " - " if rng.random() < 0.3 else ", "
    return sep.join([*_maybe_street(rng, 0.35), *texts])


def _w_abbreviation(rng: random.Random, geo: Geo, item: Legacy | NewCommune) -> str | None:
    leg = _as_legacy(item)
    commune = _abbrev_type(leg.commune, rng) if leg.commune.utype else leg.commune.name
    district = (
        _abbrev_type(leg.district, rng)
        if (rng.random() < 0.85 or _numbered(leg.district))
        else leg.district.name
    )
    p = leg.province
    if p.code in NICKNAMES and rng.random() < 0.75:
        province = rng.choice(NICKNAMES[p.code])
    elif rng.random() < 0.6:
        province = _abbrev_type(p, rng)
    else:
        province = p.short
    sep = rng.choice((", ", ", ", ",", " , "))
    return sep.join([*_maybe_street(rng, 0.4), commune, district, province])


def _missing_province_ok(geo: Geo, leg: Legacy) -> bool:
    if leg.district.key in _province_keys():
        return False  # "Thành phố Lào Cai" alone could be read as the province
    if _country_district_keys()[leg.district.key] == 1:
        return True
    return _country_pair_keys()[(leg.commune.key, leg.district.key)] == 1


def _w_missing_province(rng: random.Random, geo: Geo, item: Legacy | NewCommune) -> str | None:
    leg = _as_legacy(item)
    if not _missing_province_ok(geo, leg):
        return None
    r = rng.random()
    if r < 0.5:
        commune, district = _loose(leg.commune, rng, 0.2), leg.district.name
    elif r < 0.8:
        commune, district = _abbrev_type(leg.commune, rng), _abbrev_type(leg.district, rng)
    else:
        commune, district = _lower_type(leg.commune), _lower_type(leg.district)
    text = ", ".join([*_maybe_street(rng, 0.4), commune, district])
    return fold(text) if rng.random() < 0.25 else text


def _w_noise(rng: random.Random, geo: Geo, item: Legacy | NewCommune) -> str | None:
    leg = _as_legacy(item)
    parts = [*_maybe_street(rng, 0.4), _loose(leg.commune, rng, 0.15)]
    parts += [_loose(leg.district, rng, 0.15), _province_form(geo, leg.province, rng)]
    ops = rng.sample(("upper", "nfd", "spaces", "country", "postal"), rng.randint(2, 4))
    if "spaces" in ops:
        parts = [re.sub(" ", lambda _: " " * rng.randint(1, 3), p) for p in parts]
        seps = [rng.choice((" ,", "  ,  ", ",   ", " , ", ",")) for _ in parts[1:]]
        text = parts[0] + "".join(s + p for s, p in zip(seps, parts[1:], strict=True))
        text = " " * rng.randint(0, 3) + text + " " * rng.randint(1, 3)
    else:
        text = ", ".join(parts)
    if "postal" in ops:
        code = f"{rng.randint(10, 97)}{rng.choice(('000', '100', '300', '500', '700'))}"
        text += rng.choice((f", {code}", f" {code}", f", {code}0"))
    if "country" in ops:
        text += rng.choice((", Việt Nam", ", Viet Nam", ", VN", " VN", ", Vietnam", " - Việt Nam"))
    if "upper" in ops:
        text = text.upper()
    if "nfd" in ops:
        text = unicodedata.normalize("NFD", text)
    return text


def _w_tidy(rng: random.Random, geo: Geo, item: Legacy | NewCommune) -> str | None:
    leg = _as_legacy(item)
    return ", ".join(
        [*_maybe_street(rng, 0.4), leg.commune.name, leg.district.name, leg.province.name]
    )


@cache
def _new_address_ok(code: str) -> bool:
    """No old commune of the same name in the old provinces of the new one that leads elsewhere:
    "Xã X, <new province>" reads only as the new commune."""
    geo = load()
    unit = geo.new_communes[code]
    province = geo.new_province_of[code]
    for old_p in geo.old_provinces_of_new[province]:
        for d in geo.districts_in_province.get(old_p, []):
            for u in geo.communes_in_district.get(d.code, []):
                if u.key == unit.key and geo.successors.get(u.code, (code,)) != (code,):
                    return False
    return len(geo.new_by_key[(province, unit.key)]) == 1


def _w_new_address(rng: random.Random, geo: Geo, item: Legacy | NewCommune) -> str | None:
    assert isinstance(item, NewCommune)
    if not _new_address_ok(item.code):
        return None
    c = item.commune
    r = rng.random()
    if r < 0.35:
        commune = c.name
    elif r < 0.7 and c.utype in ("Xã", "Phường"):
        commune = _abbrev_type(c, rng)
    else:
        commune = _lower_type(c)
    province = _new_province_form(item.province, rng)
    text = rng.choice((", ", ", ", " - ", ",")).join([*_maybe_street(rng, 0.4), commune, province])
    r = rng.random()
    if r < 0.4:
        text = fold(text)
    elif r < 0.5:
        text = text.upper()
    return text


# The mixed class: two or three of the difficulties above in one address, as real messy data
# has them ("P. Ben Thanh Q1 HCM", "Xã Laam Sown, H. Lương Sơn, Phú Thọ", ...).

#: The difficulties a mixed address draws from, with their weights (drawn without
#: replacement among those the unit suits and that go together).
MIXED_FEATURES = {
    "new_province": 3,  # the new province with the old units (new_province_old_units)
    "telex": 2,
    "vni": 2,
    "no_diacritics": 3,  # no_separator, missing_province, new_address
    "typo": 3,
    "abbreviation": 3,  # X., P., TT., H., Q., TX., TP., T.
    "no_type": 2,  # commune or district without its unit word, province without "Tỉnh"
    "nickname": 10,  # only HCM, HN, BRVT (abbreviation)
    "missing_province": 2,
    "missing_district": 1,  # new_province_old_units, where the commune alone is enough
    "separators": 2,
    "no_separator": 2,
    "hyphen": 10,  # only the few units whose names carry one
    "upper": 1,  # noise
    "nfd": 1,  # noise
    "spaces": 1,  # noise
    "country": 1,  # noise
    "postal": 1,  # noise
}
_MIXED_CLASHES = tuple(
    frozenset(pair)
    for pair in (
        ("telex", "vni"),
        ("telex", "no_diacritics"),
        ("vni", "no_diacritics"),
        ("nfd", "no_diacritics"),
        ("new_province", "missing_province"),
        ("nickname", "missing_province"),
        ("missing_district", "missing_province"),
        ("separators", "no_separator"),
        ("separators", "spaces"),
        ("no_separator", "spaces"),
        ("hyphen", "no_separator"),
        ("hyphen", "nickname"),
        # Without unit words or without the district, a text with no separators at all no
        # longer says where one unit ends and the next begins.
        ("no_type", "no_separator"),
        ("missing_district", "no_separator"),
    )
)


def _strip_marks(text: str) -> str:
    """``text`` without diacritics, its case kept ("Xã An Bình" → "Xa An Binh")."""
    nfc = unicodedata.normalize("NFC", text)
    return "".join(f.upper() if c.isupper() else f for c, f in zip(nfc, fold(nfc), strict=True))


@cache
def _mixed_nicknames(code: str, *, new: bool) -> tuple[str, ...]:
    """The real nicknames of a province ("HCM", "HN", "BRVT"), not its name with "TP"."""
    geo = load()
    table, unit = (NEW_NICKNAMES, geo.new_provinces) if new else (NICKNAMES, geo.old_provinces)
    return tuple(n for n in table.get(code, ()) if unit[code].key not in _key(n))


def _hyphen_index(leg: Legacy) -> int:
    return next(
        i for i, u in enumerate((leg.commune, leg.district, leg.province)) if "-" in u.short
    )


def _mixed_written(s: set[str]) -> tuple[bool, bool, bool]:
    """Which of commune, district and province the address writes."""
    return True, "missing_district" not in s, "missing_province" not in s


def _mixed_typo_units(leg: Legacy, s: set[str]) -> list[int]:
    written = _mixed_written(s)
    province = leg.new_province if "new_province" in s else leg.province
    units = (leg.commune, leg.district, province)
    out = [i for i in range(3) if written[i] and _letters_len(units[i].short) >= 5]
    if "nickname" in s:
        out = [i for i in out if i != 2]
    if "hyphen" in s:
        out = [i for i in out if i != _hyphen_index(leg)]
    if s & {"missing_province", "missing_district"}:
        out = [i for i in out if i != 1]
    return out


def _mixed_no_type_units(leg: Legacy, s: set[str]) -> list[int]:
    written = _mixed_written(s)
    units = (leg.commune, leg.district)
    out = [i for i in range(2) if written[i] and units[i].utype and not _numbered(units[i])]
    if "missing_province" in s:
        out = [i for i in out if i != 1]  # a bare district name and no province: not written
    if "hyphen" in s:
        out = [i for i in out if i != _hyphen_index(leg)]
    return out


def _mixed_ok(geo: Geo, leg: Legacy, combo: Sequence[str]) -> bool:
    """The difficulties go together, and the unit suits each of them (fairly)."""
    s = set(combo)
    if any(pair <= s for pair in _MIXED_CLASHES):
        return False
    new = "new_province" in s
    if new and (
        leg.new_province.key == leg.province.key or not _district_unique_in_new_province(geo, leg)
    ):
        return False
    if "missing_province" in s and not _missing_province_ok(geo, leg):
        return False
    if "missing_district" in s and not _district_can_go(geo, leg, new_province=new):
        return False
    if "nickname" in s:
        province = leg.new_province if new else leg.province
        if not _mixed_nicknames(province.code, new=new):
            return False
    if "hyphen" in s:
        if _hyphen_key(geo, leg) is None:
            return False
        i = _hyphen_index(leg)
        if not _mixed_written(s)[i] or (i == 2 and new):
            return False
    if "typo" in s and not _mixed_typo_units(leg, s):
        return False
    return "no_type" not in s or bool(_mixed_no_type_units(leg, s))


def _mixed_combo(rng: random.Random, geo: Geo, leg: Legacy) -> tuple[str, ...]:
    """Two or three difficulties for ``leg``, drawn by weight among those that fit."""
    k = rng.choice((2, 3))
    pool = dict(MIXED_FEATURES)
    combo: list[str] = []
    while pool and len(combo) < k:
        names = list(pool)
        feature = rng.choices(names, weights=[pool[n] for n in names])[0]
        del pool[feature]
        if _mixed_ok(geo, leg, (*combo, feature)):
            combo.append(feature)
    return tuple(combo)


@cache
def _communes_of_district_key(key: str) -> tuple[str, ...]:
    geo = load()
    return tuple(
        u.short
        for d in geo.old_districts.values()
        if d.key == key
        for u in geo.communes_in_district.get(d.code, [])
    )


@cache
def _names_of_old_provinces(provinces: tuple[str, ...]) -> tuple[str, ...]:
    """Every district and commune name of the old provinces."""
    geo = load()
    return tuple(
        u.short
        for p in provinces
        for d in geo.districts_in_province.get(p, [])
        for u in (d, *geo.communes_in_district.get(d.code, []))
    )


def _mixed_typo_scope(geo: Geo, leg: Legacy, i: int, s: set[str]) -> list[str]:
    """The names a typo in unit ``i`` must stay farther from than from the right one."""
    new = "new_province" in s
    provinces = (
        tuple(geo.old_provinces_of_new[leg.new_province.code])
        if new
        else (_old_province_code(geo, leg),)
    )
    if i == 0 and "missing_district" in s:
        # The commune alone in its province: every name of the province, and the new
        # communes the text could be read as.
        new_communes = [
            geo.new_communes[c].short
            for c, p in geo.new_province_of.items()
            if p == leg.new_province.code
        ]
        return [*_names_of_old_provinces(provinces), *new_communes]
    if i == 0 and "missing_province" in s:
        return list(_communes_of_district_key(leg.district.key))
    if i == 0:
        return [u.short for u in geo.communes_in_district[leg.district.code]]
    if i == 1:
        return [d.short for p in provinces for d in geo.districts_in_province.get(p, [])]
    return [u.short for u in (*geo.old_provinces.values(), *geo.new_provinces.values())] + [
        n for table in (NICKNAMES, NEW_NICKNAMES) for names in table.values() for n in names
    ]


def _mixed_text(rng: random.Random, geo: Geo, leg: Legacy, combo: Sequence[str]) -> str | None:
    s = set(combo)
    new = "new_province" in s
    written = _mixed_written(s)
    units = (leg.commune, leg.district, leg.new_province if new else leg.province)
    texts: list[str | None] = [u.name if w else None for u, w in zip(units, written, strict=True)]
    fixed: set[int] = set()  # written in a form of their own: left alone afterwards
    if "hyphen" in s:
        i = _hyphen_index(leg)
        texts[i] = _hyphen_forms(units[i], rng)
        fixed.add(i)
    if "no_type" in s:
        cands = _mixed_no_type_units(leg, s)
        for i in rng.sample(cands, rng.randint(1, len(cands))):
            texts[i] = units[i].short
            fixed.add(i)
    abbreviated = 0
    if "abbreviation" in s:
        for i in (0, 1):
            if texts[i] is not None and i not in fixed and units[i].utype:
                texts[i] = _abbrev_type(units[i], rng)
                abbreviated += 1
    p = units[2]
    if written[2] and 2 not in fixed:
        if "nickname" in s:
            texts[2] = rng.choice(_mixed_nicknames(p.code, new=new))
            fixed.add(2)
        elif "no_type" in s:
            texts[2] = p.short
        elif "abbreviation" in s and p.utype and (not abbreviated or rng.random() < 0.5):
            texts[2] = _abbrev_type(p, rng)
            abbreviated += 1
        elif new:
            texts[2] = _new_province_form(p, rng)
        else:
            texts[2] = _province_form(geo, p, rng)
    if "abbreviation" in s and not abbreviated:
        return None
    typo_at = -1
    if "typo" in s:
        typo_at = rng.choice(_mixed_typo_units(leg, s))
        unit, text = units[typo_at], texts[typo_at]
        assert text is not None
        if unit.short not in text:
            text = unit.name  # a province written as a nickname by _new_province_form
        others = _mixed_typo_scope(geo, leg, typo_at, s)
        ops = [op for op in TYPO_OPS if op != "tone" or "no_diacritics" not in s]
        for _ in range(6):
            typo = make_typo(unit.short, rng.choice(ops), rng)
            if _typo_is_fair(typo, unit.short, others) and (
                "no_diacritics" not in s or _key(typo) != unit.key
            ):
                break
        else:
            return None
        texts[typo_at] = text.replace(unit.short, typo, 1)
    if s & {"telex", "vni"}:
        if "telex" in s:
            tones, uow, caps = rng.random() < 0.65, rng.random() < 0.4, rng.random() < 0.4
            encoder: Callable[[str], str] = partial(telex, tones=tones, uow=uow, caps=caps)
        else:
            encoder = partial(vni, mode=rng.choice(("inline", "inline", "tone_end", "end")))
        encoded = {i: encoder(t) for i, t in enumerate(texts) if t is not None and i != typo_at}
        changed = [i for i, e in encoded.items() if e.lower() != fold(texts[i] or "")]
        if not changed:
            return None
        for i in rng.sample(changed, rng.randint(1, min(2, len(changed)))):
            texts[i] = encoded[i]

    names = [t for t in texts if t is not None]
    if "no_separator" in s:
        nick = texts[2] if "nickname" in s else None
        names = [t if t == nick else " ".join(re.sub(r"[-–']", " ", t).split()) for t in names]
        parts = [street(rng, plain=True)] if rng.random() < 0.35 else []
        text = " ".join([*parts, *names])
    else:
        parts = [*_maybe_street(rng, 0.4), *names]
        if "separators" in s:
            seps = SEPARATORS
            if any("." in x for x in parts):
                seps = tuple(x for x in SEPARATORS if "." not in x)  # "P." is not a separator
            text = "\x00".join(parts).replace(", ", "\x00")
            if rng.random() < 0.4:
                text = text.replace("\x00", rng.choice(seps))
            else:
                pieces = text.split("\x00")
                text = pieces[0] + "".join(rng.choice(seps) + x for x in pieces[1:])
        elif "spaces" in s:
            parts = [re.sub(" ", lambda _: " " * rng.randint(1, 3), x) for x in parts]
            seps = [rng.choice((" ,", "  ,  ", ",   ", " , ", ",")) for _ in parts[1:]]
            text = parts[0] + "".join(a + b for a, b in zip(seps, parts[1:], strict=True))
            text = " " * rng.randint(0, 3) + text + " " * rng.randint(1, 3)
        else:
            text = rng.choice((", ", ", ", ", ", ",", " , ")).join(parts)
    if "postal" in s:
        code = f"{rng.randint(10, 97)}{rng.choice(('000', '100', '300', '500', '700'))}"
        if "no_separator" in s:
            text += rng.choice((f" {code}", f" {code}0"))
        else:
            text += rng.choice((f", {code}", f" {code}", f", {code}0"))
    if "country" in s:
        if "no_separator" in s:
            text += rng.choice((" Việt Nam", " Viet Nam", " VN", " Vietnam"))
        else:
            text += rng.choice(
                (", Việt Nam", ", Viet Nam", ", VN", " VN", ", Vietnam", " - Việt Nam")
            )
    if "no_diacritics" in s:
        text = fold(text) if rng.random() < 0.5 else _strip_marks(text)
    if "upper" in s:
        text = text.upper()
    if "nfd" in s:
        text = unicodedata.normalize("NFD", text)
    return text


def _w_mixed(rng: random.Random, geo: Geo, item: Legacy | NewCommune) -> str | None:
    leg = _as_legacy(item)
    combo = _mixed_combo(rng, geo, leg)
    if len(combo) < 2:
        return None
    return _mixed_text(rng, geo, leg, combo)


WRITERS: dict[str, Writer] = {
    "new_province_old_units": _w_new_province_old_units,
    "telex": _w_telex,
    "vni": _w_vni,
    "typo": _w_typo,
    "separators": _w_separators,
    "no_separator": _w_no_separator,
    "hyphen": _w_hyphen,
    "abbreviation": _w_abbreviation,
    "missing_province": _w_missing_province,
    "noise": _w_noise,
    "tidy": _w_tidy,
    "new_address": _w_new_address,
    "mixed": _w_mixed,
}


def _eligible(geo: Geo, cls: str, leg: Legacy) -> bool:
    if leg.code in _dup_in_district():
        return False
    if cls == "new_province_old_units":
        return leg.new_province.key != leg.province.key
    if cls == "hyphen":
        return _hyphen_key(geo, leg) is not None
    if cls == "missing_province":
        return _missing_province_ok(geo, leg)
    return True


def _group_key(geo: Geo, cls: str, item: Legacy | NewCommune) -> str:
    if cls == "hyphen" and isinstance(item, Legacy):
        return _hyphen_key(geo, item) or ""
    if isinstance(item, Legacy):
        return item.new_province.code
    return item.province.code


# --------------------------------------------------------------------------------------------
# Building the set


def _build_class(geo: Geo, cls: str, seed: int, per_class: int) -> list[Row]:
    rng = random.Random(f"messy/{seed}/{cls}")  # noqa: S311 (test data, seeded on purpose)
    items: list[Legacy | NewCommune]
    if cls == "new_address":
        items = [n for n in geo.new if _new_address_ok(n.code)]
    else:
        items = [leg for leg in geo.legacy if _eligible(geo, cls, leg)]
    groups: dict[bool, dict[str, list[Legacy | NewCommune]]] = {False: {}, True: {}}
    for item in items:
        groups[item.split].setdefault(_group_key(geo, cls, item), []).append(item)
    orders = {s: sorted(g) for s, g in groups.items()}
    for order in orders.values():
        rng.shuffle(order)
    n_split = int(per_class * SPLIT_SHARE + 0.5) if orders[True] else 0
    split_rows = set(rng.sample(range(per_class), n_split))
    turn = {False: 0, True: 0}
    used: set[str] = set()
    writer = WRITERS[cls]
    rows: list[Row] = []
    for i in range(per_class):
        split = i in split_rows
        order = orders[split]
        chosen: tuple[Legacy | NewCommune, str] | None = None
        for _ in range(len(order)):
            pool = groups[split][order[turn[split] % len(order)]]
            turn[split] += 1
            fresh = [x for x in pool if x.code not in used] or pool
            for item in rng.sample(fresh, min(len(fresh), 25)):
                text = writer(rng, geo, item)
                if text:
                    chosen = (item, text)
                    break
            if chosen:
                break
        if chosen is None:
            raise RuntimeError(f"no unit suits class {cls}")
        item, text = chosen
        used.add(item.code)
        expected = item.successors if isinstance(item, Legacy) else (item.code,)
        rows.append(Row(f"{cls}-{i + 1:03d}", cls, text, expected, item.split))
    return rows


def build(seed: int, per_class: int) -> list[Row]:
    """``per_class`` rows of every class of ``CLASSES``, the same for the same arguments."""
    geo = load()
    return [row for cls in CLASSES for row in _build_class(geo, cls, seed, per_class)]


FIELDS = ("id", "class", "address", "expected", "split")


def write_rows(path: Path, rows: Iterable[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FIELDS)
        for r in rows:
            w.writerow((r.id, r.cls, r.address, " ".join(r.expected), "1" if r.split else "0"))


def read_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Row(
                r["id"],
                r["class"],
                r["address"],
                tuple(r["expected"].split()),
                r["split"] == "1",
            )
            for r in csv.DictReader(f)
        ]


# --------------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True)
class Offered:
    ward_code: str


@dataclass(frozen=True)
class Answer:
    """Another tool's answer (or a made-up one), in the shape ``score`` reads."""

    status: str
    ward_code: str = ""
    candidates: tuple[Offered, ...] = ()


def answer(status: str, code: str = "", *offered: str) -> Answer:
    return Answer(status, code, tuple(Offered(c) for c in offered))


class CandidateLike(Protocol):
    @property
    def ward_code(self) -> str: ...


class ResultLike(Protocol):
    """What ``score`` reads of a ``lienthong.geo.address.ConversionResult``."""

    @property
    def status(self) -> str: ...
    @property
    def ward_code(self) -> str: ...
    @property
    def candidates(self) -> Sequence[CandidateLike]: ...


def score(row: Row, result: ResultLike) -> str:
    """ "right", "wrong_confident" (the worst), "flagged" or "missed", strictly.

    A whole old commune (or a new address) is right only when converted to one of its codes; a
    split old commune only when the result is "ambiguous" with every successor among the
    candidates. A confident answer on a split commune is wrong, whatever code it gives.
    """
    status = str(result.status)
    offered = {str(c.ward_code) for c in result.candidates}
    if row.split:
        if status in CONFIDENT:
            return "wrong_confident"
        if status == "ambiguous" and set(row.expected) <= offered:
            return "right"
        return "missed"
    if status in CONFIDENT:
        return "right" if str(result.ward_code) in row.expected else "wrong_confident"
    if status == "ambiguous" and offered & set(row.expected):
        return "flagged"
    return "missed"


def evaluate(convert: Callable[[str], ResultLike], rows: Sequence[Row]) -> dict[str, object]:
    """Strict accuracy overall and per class, the outcome counts and the failing rows.

    Also ``lenient``: the share whose answer (the code, or a default for a split commune) is
    one of the expected codes, whatever the status — the measure of bench/geo_convert.py.
    """
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    failures: list[dict[str, object]] = []
    lenient = 0
    t0 = time.perf_counter()
    for row in rows:
        result = convert(row.address)
        outcome = score(row, result)
        counts[row.cls][outcome] += 1
        lenient += str(result.ward_code) in row.expected
        if outcome != "right":
            failures.append(
                {
                    "id": row.id,
                    "class": row.cls,
                    "address": row.address,
                    "expected": row.expected,
                    "split": row.split,
                    "outcome": outcome,
                    "status": str(result.status),
                    "got": str(result.ward_code),
                    "candidates": tuple(str(c.ward_code) for c in result.candidates),
                }
            )
    seconds = time.perf_counter() - t0
    total: Counter[str] = Counter()
    for c in counts.values():
        total.update(c)
    n = len(rows)
    return {
        "n": n,
        "strict": total["right"] / n if n else 0.0,
        "lenient": lenient / n if n else 0.0,
        "per_class": {
            cls: counts[cls]["right"] / sum(counts[cls].values())
            for cls in CLASSES
            if cls in counts
        },
        "per_class_counts": {cls: dict(counts[cls]) for cls in CLASSES if cls in counts},
        "right": total["right"],
        "wrong_confident": total["wrong_confident"],
        "flagged": total["flagged"],
        "missed": total["missed"],
        "failures": failures,
        "seconds": seconds,
        "rows_per_s": n / seconds if seconds else 0.0,
    }


def report(result: dict[str, object], *, failures: int = 30) -> str:
    """The figures of ``evaluate`` as text: per class, then the first failing rows."""
    per_class = result["per_class"]
    per_class_counts = result["per_class_counts"]
    assert isinstance(per_class, dict)
    assert isinstance(per_class_counts, dict)
    lines = [
        f"strict {result['strict']:.2%} of {result['n']} rows; wrong_confident "
        f"{result['wrong_confident']}, flagged {result['flagged']}, missed {result['missed']}"
    ]
    for cls, acc in per_class.items():
        c = per_class_counts[cls]
        lines.append(
            f"  {cls:<24}{acc:7.2%}  wrong_confident {c.get('wrong_confident', 0):3d}"
            f"  flagged {c.get('flagged', 0):3d}  missed {c.get('missed', 0):3d}"
        )
    fails = result["failures"]
    assert isinstance(fails, list)
    if fails and failures:
        lines.append(f"first {min(failures, len(fails))} of {len(fails)} failing rows:")
        for f in fails[:failures]:
            got = f["got"] or "-"
            lines.append(
                f"  [{f['id']}] {f['address']!r} expected {' '.join(f['expected'])}"
                f"{' (split)' if f['split'] else ''}; got {f['status']} {got}"
                f" candidates {' '.join(f['candidates']) or '-'} → {f['outcome']}"
            )
    return "\n".join(lines)


def summary(rows: Sequence[Row]) -> str:
    by_class = Counter(r.cls for r in rows)
    split = Counter(r.cls for r in rows if r.split)
    lines = [
        f"{len(rows)} rows, {sum(split.values())} split ({sum(split.values()) / len(rows):.1%})"
    ]
    lines += [f"  {cls:<24}{by_class[cls]:4d} rows, {split[cls]:3d} split" for cls in CLASSES]
    return "\n".join(lines)


def main() -> None:
    for path, seed in ((DEV_CSV, DEV_SEED), (TEST_CSV, TEST_SEED)):
        rows = build(seed, PER_CLASS)
        write_rows(path, rows)
        sys.stdout.write(f"{path.name} (seed {seed}):\n{summary(rows)}\n")


if __name__ == "__main__":
    main()
