"""Split a free-text Vietnamese address into typed segments.

Handles the common forms: with or without diacritics, abbreviations (P., Q.,
TP., TX., H., X., TT.), numbered wards ("Phường 1", "P.01", "P1"), any
separator (comma, semicolon, " - "), or none at all. Never raises.

Some unit names hold a dash themselves ("Tỉnh Bà Rịa - Vũng Tàu", "Thành phố Phan Rang -
Tháp Chàm", "Phường Lâm Viên - Đà Lạt"). The parser knows no names: the caller passes a
pattern of them (``hyphenated_names``), and splitting on " - " leaves those names whole.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from lienthong.geo.text import compact, fold, lower_nfc

__all__ = [
    "Hyphenated",
    "Segment",
    "accented_key",
    "hyphenated_names",
    "name_key",
    "parse_segments",
    "split_address",
]

COMMUNE, DISTRICT, PROVINCE = "commune", "district", "province"

# Folded type words → (canonical type, levels it can denote). Longest first.
_TYPE_WORDS: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = [
    (("thanh", "pho"), "Thành phố", (PROVINCE, DISTRICT)),
    (("thi", "tran"), "Thị trấn", (COMMUNE,)),
    (("thi", "xa"), "Thị xã", (DISTRICT,)),
    (("dac", "khu"), "Đặc khu", (COMMUNE,)),
    (("tinh",), "Tỉnh", (PROVINCE,)),
    (("tp",), "Thành phố", (PROVINCE, DISTRICT)),
    (("huyen",), "Huyện", (DISTRICT,)),
    (("quan",), "Quận", (DISTRICT,)),
    (("tx",), "Thị xã", (DISTRICT,)),
    (("h",), "Huyện", (DISTRICT,)),
    (("q",), "Quận", (DISTRICT,)),
    (("xa",), "Xã", (COMMUNE,)),
    (("phuong",), "Phường", (COMMUNE,)),
    (("tt",), "Thị trấn", (COMMUNE,)),
    (("x",), "Xã", (COMMUNE,)),
    (("t",), "Tỉnh", (PROVINCE,)),
    (("p",), "Phường", (COMMUNE,)),
    (("f",), "Phường", (COMMUNE,)),  # "F.1": southern shorthand for Phường 1
]
_TYPES_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str, tuple[str, ...]]]] = {}
for _entry in _TYPE_WORDS:
    _TYPES_BY_FIRST.setdefault(_entry[0][0], []).append(_entry)
_GLUED = re.compile(r"^(p|f|q|tp|tx|tt|h|x)(\d+)$")  # "P1", "Q10"
_TOKEN = re.compile(r"[0-9a-z]+")
_SEPARATORS = re.compile(r"\s*[,;\n|]\s*")
_DASHES = re.compile(r"\s+[-–]\s+")  # " - " separates parts only when there is no comma
_NAME_DASH = re.compile(r"\s*[-–]\s*")  # a dash inside a unit's name, spaced or not

#: Finds the unit names that hold a dash ("ba ria - vung tau") in folded text; built by
#: ``hyphenated_names``.
Hyphenated = re.Pattern[str]

# Where to cut an address written without separators (folded text, whole words).
_BOUNDARY = re.compile(
    r"(?<![0-9a-z])(?=(?:xa|phuong|thi tran|dac khu|huyen|quan|thi xa|thanh pho|tinh|tp|tx|tt)"
    r"(?![0-9a-z])|(?:p|q|f)\d+(?![0-9a-z]))"
)


@dataclass(frozen=True, slots=True)
class Segment:
    text: str  # the original text of the segment, trimmed
    key: str  # compact name without the type word ("vuban", "1")
    accented: str  # lower-case name keeping diacritics, without spaces ("" if written without)
    unit_type: str  # canonical type word ("Huyện"), or "" when none was written
    levels: tuple[str, ...]  # levels the type word allows; empty = any
    whole_key: str = ""  # compact whole text, for names that begin like a type word ("Quan Hóa")


# How a full type word is spelt with diacritics: "Quản Bạ" and "Tịnh Biên" are names, not types.
_ACCENTED_TYPES = {
    ("thanh", "pho"): "thànhphố",
    ("thi", "tran"): "thịtrấn",
    ("thi", "xa"): "thịxã",
    ("dac", "khu"): "đặckhu",
    ("tinh",): "tỉnh",
    ("huyen",): "huyện",
    ("quan",): "quận",
    ("xa",): "xã",
    ("phuong",): "phường",
}


def hyphenated_names(names: Iterable[str]) -> Hyphenated | None:
    """A pattern of the names that hold a dash, as they are written in folded text (any
    spacing around the dash); None when no name has one."""
    forms: set[str] = set()
    for name in names:
        halves = [_TOKEN.findall(fold(half)) for half in _NAME_DASH.split(name)]
        if len(halves) > 1 and all(halves):
            forms.add(r"\s*[-–]\s*".join(r"\s+".join(words) for words in halves))
    if not forms:
        return None
    alternatives = "|".join(sorted(forms, key=lambda f: (-len(f), f)))
    return re.compile(rf"(?<![0-9a-z])(?:{alternatives})(?![0-9a-z])")


def _split_on_dashes(text: str, keep: Hyphenated | None) -> list[str]:
    """Cut at each spaced dash, except the dashes inside a name that ``keep`` matches."""
    dashes = list(_DASHES.finditer(text))
    if not dashes:
        return [text]
    # Folded text has the same length as ``text``: the names' spans carry over.
    names = [m.span() for m in keep.finditer(fold(text))] if keep else []
    parts: list[str] = []
    start = 0
    for m in dashes:
        if any(a < m.start() and m.end() < b for a, b in names):
            continue  # the dash of a name ("Bà Rịa - Vũng Tàu")
        parts.append(text[start : m.start()])
        start = m.end()
    parts.append(text[start:])
    return [p for p in parts if p and p.strip(" .")]


def split_address(text: str, keep: Hyphenated | None = None) -> list[str]:
    """Cut an address into its comma-like parts (or at type words when it has none).

    Without commas, " - " separates the parts, except a dash inside a name of ``keep``:
    "Xã Long Sơn - Thành phố Vũng Tàu - Tỉnh Bà Rịa - Vũng Tàu" has three parts.
    """
    # NFC first: folding works character by character on composed text, so positions found
    # in the folded text cut this text at the same places (NFD input from Mac exports too).
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        return []
    parts = [p for p in _SEPARATORS.split(text) if p and p.strip(" .")]
    if len(parts) != 1:
        return parts
    parts = _split_on_dashes(text, keep)
    if len(parts) > 1:
        return parts
    folded = fold(text)
    cuts = [m.start() for m in _BOUNDARY.finditer(folded) if m.start() > 0]
    if not cuts:
        return [text]
    bounds = [0, *cuts, len(text)]
    return [text[a:b].strip(" .") for a, b in itertools.pairwise(bounds) if text[a:b].strip(" .")]


@lru_cache(maxsize=32768)  # administrative parts repeat across addresses; pure function
def _segment(part: str) -> Segment:
    folded = fold(part)
    spans = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(folded)]
    tokens = [t for t, _, _ in spans]
    if len(tokens) == 1 and (glued := _GLUED.match(tokens[0])):
        tokens = [glued.group(1), glued.group(2)]
        spans = []
    unit_type, n_type = "", 0
    levels: tuple[str, ...] = ()
    for words, canonical, lv in _TYPES_BY_FIRST.get(tokens[0], ()) if tokens else ():
        n = len(words)
        # A type word needs a name after it ("Huyện Vụ Bản").
        if tuple(tokens[:n]) != words or len(tokens) <= n:
            continue
        accented = _ACCENTED_TYPES.get(words)
        if accented and spans:
            written = "".join(lower_nfc(part[start:end]) for _, start, end in spans[:n])
            if written != "".join(words) and written != accented:
                continue  # spelt with other diacritics: part of a name
        unit_type, levels, n_type = canonical, lv, n
        break
    rest = tokens[n_type:]
    key = "".join(t.lstrip("0") or "0" if t.isdigit() else t for t in rest)
    accented_name = ""
    if fold(part) != part.lower():  # written with diacritics
        written_words = re.findall(r"\w+", lower_nfc(part))
        accented_name = "".join(written_words[n_type:]) if len(written_words) == len(tokens) else ""
    whole = compact(part) if unit_type else ""
    return Segment(part, key, accented_name, unit_type, levels, whole)


def parse_segments(text: str, keep: Hyphenated | None = None) -> list[Segment]:
    """Typed segments, left to right as written (``keep``: see ``split_address``)."""
    return [seg for seg in (_segment(p.strip()) for p in split_address(text, keep)) if seg.key]


def name_key(name: str) -> str:
    """The key under which a unit's short name is indexed (same rules as segments)."""
    return compact(name)


def accented_key(name: str) -> str:
    """The diacritics-keeping key of a unit's short name (same rules as segments)."""
    return "".join(re.findall(r"\w+", lower_nfc(name)))
