"""Read a free-text address the way a person reads it: words, not separators.

An address is cut into word tokens (folded, with their original spelling and the text
between them). Every reading of it is tried: which words name the province (old or new),
which the district, which the commune, and which are the street before them; unit words
("Xã", "H.", "TP", "F") are optional, separators are hints, not rules. Each unit name is
looked up exactly, then with Telex or VNI keystrokes decoded ("So7n", "Laam Sown",
"DDinh"), then, only among the units the other levels allow, within one or two edits
(a dropped, doubled, swapped or wrong letter: "Mườgn Tè", "Chi Lăg"). A reading scores the
product of its levels' match qualities and of how well its spans sit in the text; the
caller (``AddressIndex``) turns the best readings into a conversion and refuses to be sure
when two readings that lead to different places score alike.

A new province accepts the old units that merged into it ("Huyện Phú Giáo, TP Hồ Chí
Minh"); the province may be missing when the district names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any, Protocol

from rapidfuzz import process
from rapidfuzz.distance import OSA

from lienthong.geo.text import fold, lower_nfc

__all__ = [
    "PLACE_WORDS",
    "Entry",
    "Hit",
    "Memory",
    "Reading",
    "Token",
    "accented_key",
    "content_end",
    "decode_keystrokes",
    "forget_oldest",
    "name_key",
    "read",
    "tokenize",
    "unit_words_at",
]

COMMUNE, DISTRICT, PROVINCE = "commune", "district", "province"

# How sure a match is, by how it was found.
EXACT = 1.0
OTHER_MARKS = 0.93  # written with diacritics, but others than the unit's ("Vĩnh" for "Vịnh")
KEYSTROKES = 0.88  # Telex or VNI decoded ("Ea Bar" is Xã Ea Bar before it is "Ea Bá")
ONE_EDIT = 0.84
TWO_EDITS = 0.66
OTHER_TYPE = 0.86  # "Phường X" where the unit is "Xã X"
NO_DISTRICT = 0.97  # an old commune read without its district: less evidence
NEW_UNDER_OLD_PROVINCE = 0.85  # a new commune under a province name that no longer exists
MISSING_PROVINCE = 0.85
COMMUNE_ALONE = 0.7  # a new commune with nothing else: only when its name is unique
MID_PART = 0.9  # a unit that starts inside a comma-separated part, with no unit word
MERGED_PROVINCE = 0.99  # an old unit under the new province it merged into, not its own
# An old commune without its district, under a province name that is old and new, found in
# another old province merged into it ("Xã Bình Thạnh, Tỉnh Lâm Đồng": Lâm Đồng's own first).
MERGED_NO_DISTRICT = 0.9
UNEXPLAINED_UNIT = 0.6  # a unit word left in the street ("Xã Foo, Nam Định" read as Nam Định)

FULL_READING = 0.9  # a reading this good needs no reading without the province

#: Spans' matches an index keeps across addresses (names repeat from one to the next).
SPANS_KEPT = 30_000

_NONE: Mapping[str, list[Entry]] = {}  # the table of a unit with none below it

MAX_SPAN = {PROVINCE: 7, DISTRICT: 7, COMMUNE: 6}


@dataclass(slots=True)  # not frozen: built by the thousand, a frozen __init__ is slower
class Token:
    raw: str  # folded letters and digits as written
    plain: str  # the same with Telex/VNI keystrokes decoded (== raw when none)
    accented: str  # lower-case as written, diacritics kept
    start: int  # position in the NFC text
    end: int
    hard: bool  # a comma, semicolon, bar, slash or line break stands before it
    sep: bool  # any separator stands before it (a dash, a dot included)
    key: str = ""  # its part of a name's key: ``raw``, a number without leading zeros
    plain_key: str = ""  # the same of ``plain``


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    unit_type: str
    accented: str


@dataclass(slots=True)  # not frozen: built by the thousand, a frozen __init__ is slower
class Hit:
    entry: Entry
    quality: float
    edits: int  # letters changed to find it (0: as written, or keystrokes decoded)
    decoded: bool  # found once Telex/VNI keystrokes were decoded


@dataclass(slots=True)  # not frozen: built by the thousand, a frozen __init__ is slower
class Reading:
    """One way of reading the address. ``kind``: "old" (an old commune), "new" (a new
    commune), "district" (an old district, no commune) or "province" (a province only)."""

    kind: str
    confidence: float
    code: str = ""  # the old or new commune (or the district for kind "district")
    district: str = ""  # old district code, when read
    old_province: str = ""  # old province code ("" for a new reading)
    new_province: str = ""
    street_end: int = 0  # position in the NFC text where the administrative part begins
    levels: int = 0  # how many levels were read (evidence)
    fuzzy: bool = False  # a name was read within some edits


class Tables(Protocol):
    """What the reader needs from an ``AddressIndex``."""

    @property
    def memory(self) -> Memory: ...
    @property
    def new_provinces(self) -> Mapping[str, list[Entry]]: ...
    @property
    def old_provinces(self) -> Mapping[str, list[Entry]]: ...
    @property
    def new_communes(self) -> Mapping[str, Mapping[str, list[Entry]]]: ...
    @property
    def new_communes_all(self) -> Mapping[str, list[Entry]]: ...
    @property
    def old_districts(self) -> Mapping[str, Mapping[str, list[Entry]]]: ...
    @property
    def old_districts_all(self) -> Mapping[str, list[Entry]]: ...
    @property
    def old_communes_by_district(self) -> Mapping[str, Mapping[str, list[Entry]]]: ...
    @property
    def old_communes_by_province(self) -> Mapping[str, Mapping[str, list[Entry]]]: ...
    @property
    def olds_of_new(self) -> Mapping[str, tuple[str, ...]]: ...
    @property
    def new_of_old(self) -> Mapping[str, str]: ...
    @property
    def province_of_district(self) -> Mapping[str, str]: ...
    @property
    def old_commune_codes(self) -> Mapping[str, frozenset[str]]: ...  # by old province


def forget_oldest(store: dict[Any, Any]) -> None:
    """Make room in a full memory: its older half goes (dictionaries keep insertion order).
    Threads of a server share an index: one may have removed a key already."""
    for key in list(islice(store, len(store) // 2)):
        store.pop(key, None)


# -- tokens ------------------------------------------------------------------------------
_WORD = re.compile(r"[0-9a-z]+")
# "P1", "Q10", "F7", "Phường12", "Quận3": a unit word glued to its number
_GLUED = re.compile(r"^(p|f|q|ph|tp|tx|tt|h|x|phuong|quan)(\d{1,2})$")
_HARD = re.compile(r"[,;|/\n\r\t]")
_SPACE_OR_APOSTROPHE = re.compile(r"[\s'’`]*")
_VOWELS = frozenset("aeiouy")
_TONE_KEYS = frozenset("sfrxjz")
_DOUBLED = re.compile(r"([aeo])\1")
_HORN_BREVE = re.compile(r"(?<=[aou])w")


@lru_cache(maxsize=65536)
def decode_keystrokes(word: str) -> str:
    """A folded word typed in Telex or VNI without an input method, as the letters it meant
    ("so7n" → "son", "sown" → "son", "laam" → "lam", "ddinh" → "dinh", "huyeenj" → "huyen").
    Words with nothing to decode come back unchanged."""
    if word.isdigit() or not word:
        return word
    if any(c.isdigit() for c in word):
        if word[0].isdigit():
            return word  # a house number ("12a")
        return "".join(c for c in word if not c.isdigit())  # VNI: 1–5 tones, 6–9 marks
    s = word
    if s.startswith("dd"):
        s = s[1:]
    if "w" in s:
        s = _HORN_BREVE.sub("", s).replace("w", "u")
    s = _DOUBLED.sub(r"\1", s)
    for i in range(len(s) - 1, 0, -1):
        # A tone key after the syllable's vowel: Vietnamese syllables never end in s, f, r,
        # x, j (nor hold them after a vowel); "tr" keeps its r (no vowel before it).
        if s[i] in _TONE_KEYS and any(c in _VOWELS for c in s[:i]):
            s = s[:i] + s[i + 1 :]
            break
    return s


def tokenize(text: str) -> list[Token]:
    """Word tokens of an NFC text, with the separators before each."""
    # Cut at ", " first: parts recur from address to address ("Huyện Vụ Bản", "Tỉnh Nam
    # Định") and are cut into words once. A word after a comma is hard-separated wherever its
    # part stands, as the first word of a text is.
    out: list[Token] = []
    offset = 0
    for part in text.split(", "):
        protos = _PARTS.get(part)
        if protos is None:
            protos = _part_tokens(part)
            if len(_PARTS) >= _PARTS_KEPT:
                _PARTS.clear()
            _PARTS[part] = protos
        for raw, plain, accented, s, e, hard, sep, key, plain_key in protos:
            out.append(
                Token(raw, plain, accented, offset + s, offset + e, hard, sep, key, plain_key)
            )
        offset += len(part) + 2
    return out


_Proto = tuple[str, str, str, int, int, bool, bool, str, str]  # a Token's fields
_PARTS: dict[str, tuple[_Proto, ...]] = {}
_PARTS_KEPT = 65_536


def _part_tokens(text: str) -> tuple[_Proto, ...]:
    """The tokens' fields of a text (positions in it), the first one hard-separated."""
    folded = fold(text)
    out: list[_Proto] = []
    prev = 0
    for m in _WORD.finditer(folded):
        s, e = m.span()
        if not out:
            hard = sep = True
        else:
            gap = text[prev:s]
            if gap == " ":
                hard = sep = False
            else:
                kind = _GAPS.get(gap)
                if kind is None:
                    kind = _gap_kind(gap)
                    if len(_GAPS) < _GAPS_KEPT:
                        _GAPS[gap] = kind
                hard, sep = kind
        written = text[s:e]
        pieces = _WORDS.get(written)
        if pieces is None:
            pieces = _pieces(written, folded[s:e])
            if len(_WORDS) >= _WORDS_KEPT:
                _WORDS.clear()
            _WORDS[written] = pieces
        for raw, plain, accented, ps, pe, key, plain_key in pieces:
            out.append((raw, plain, accented, s + ps, s + pe, hard, sep, key, plain_key))
            hard = sep = False  # the letters and number of a glued "P12"
        prev = e
    return tuple(out)


# Separators and words recur from address to address: what they are is worked out once.
_GAPS: dict[str, tuple[bool, bool]] = {}
_GAPS_KEPT = 4096
_Piece = tuple[str, str, str, int, int, str, str]  # raw, plain, accented, start, end, keys
_WORDS: dict[str, tuple[_Piece, ...]] = {}
_WORDS_KEPT = 65_536


def _gap_kind(gap: str) -> tuple[bool, bool]:
    """(hard, sep) of the text between two words."""
    hard = bool(_HARD.search(gap))
    # Several spaces (or a tab) part an address as a comma would, less surely.
    return hard, hard or not _SPACE_OR_APOSTROPHE.fullmatch(gap) or "  " in gap


def _pieces(written: str, word: str) -> tuple[_Piece, ...]:
    """The tokens of one word as written (``word``: folded): one, or two for a glued "P12"."""
    if word[0].isdigit():
        key = word.lstrip("0") or "0" if word.isdigit() else word
        return ((word, word, word, 0, len(word), key, key),)
    glued = _GLUED.match(word) if word[-1].isdigit() else None
    if glued and not _vni_marks(*glued.groups()):
        letters, number = glued.groups()
        k = len(letters)
        return (
            _piece(letters, letters, written[:k], 0, k),
            _piece(number, number, number, k, len(word)),
        )
    plain = decode_keystrokes(word)
    return ((word, plain, written.lower(), 0, len(word), word, plain),)


# The VNI keys of "Phường" (ư ơ: 7, huyền: 2) and "Quận" (â: 6, nặng: 5): "Phuong72" and
# "Quan65" are those words typed without an input method, not wards 72 and 65.
_VNI_OF = {"phuong": frozenset("72"), "quan": frozenset("65")}


def _vni_marks(letters: str, number: str) -> bool:
    marks = _VNI_OF.get(letters)
    return marks is not None and len(number) == 2 and set(number) <= marks


def _piece(raw: str, plain: str, written: str, s: int, e: int) -> _Piece:
    key = raw.lstrip("0") or "0" if raw.isdigit() else raw
    plain_key = key if plain == raw else plain
    return (raw, plain, written.lower(), s, e, key, plain_key)  # text is NFC


# -- unit words --------------------------------------------------------------------------
# Folded unit words → (canonical type, levels it may denote).
_TYPES: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {
    ("thanh", "pho"): ("Thành phố", (PROVINCE, DISTRICT)),
    ("thi", "tran"): ("Thị trấn", (COMMUNE,)),
    ("thi", "xa"): ("Thị xã", (DISTRICT,)),
    ("dac", "khu"): ("Đặc khu", (COMMUNE,)),
    ("tinh",): ("Tỉnh", (PROVINCE,)),
    ("tp",): ("Thành phố", (PROVINCE, DISTRICT)),
    ("t", "p"): ("Thành phố", (PROVINCE, DISTRICT)),
    ("huyen",): ("Huyện", (DISTRICT,)),
    ("quan",): ("Quận", (DISTRICT,)),
    ("tx",): ("Thị xã", (DISTRICT,)),
    ("t", "x"): ("Thị xã", (DISTRICT,)),
    ("h",): ("Huyện", (DISTRICT,)),
    ("q",): ("Quận", (DISTRICT,)),
    ("xa",): ("Xã", (COMMUNE,)),
    ("phuong",): ("Phường", (COMMUNE,)),
    ("ph",): ("Phường", (COMMUNE,)),
    ("p",): ("Phường", (COMMUNE,)),
    ("f",): ("Phường", (COMMUNE,)),  # "F.7": southern shorthand for Phường 7
    ("tt",): ("Thị trấn", (COMMUNE,)),
    ("t", "t"): ("Thị trấn", (COMMUNE,)),
    ("x",): ("Xã", (COMMUNE,)),
    ("t",): ("Tỉnh", (PROVINCE,)),
}
_TYPE_FIRST_WORDS = frozenset(k[0] for k in _TYPES)
_TWO_WORD_FIRST = frozenset(k[0] for k in _TYPES if len(k) == 2)
# Unit words as spelt with diacritics: "Quản Bạ" and "Tịnh Biên" are names, not types.
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


def _types_at(tokens: list[Token], i: int) -> tuple[tuple[int, str, tuple[str, ...]], ...]:
    """Unit words that begin at token i: (their length, type, levels), longest first."""
    t = tokens[i]
    if t.plain not in _TYPE_FIRST_WORDS or i + 1 >= len(tokens):  # a name must follow
        return ()
    found: list[tuple[int, str, tuple[str, ...]]] = []
    if t.plain in _TWO_WORD_FIRST and i + 2 < len(tokens):
        u = tokens[i + 1]
        two = _unit_word((t.plain, u.plain), t.accented + u.accented, t.raw + u.raw)
        if two:
            found.append((2, *two))
    one = _unit_word((t.plain,), t.accented, t.raw)
    if one:
        found.append((1, *one))
    return tuple(found)


@lru_cache(maxsize=4096)
def _unit_word(
    words: tuple[str, ...], written: str, as_typed: str
) -> tuple[str, tuple[str, ...]] | None:
    """The type and levels of a unit word, unless spelt with other diacritics (a name)."""
    typed = _TYPES.get(words)
    if typed is None:
        return None
    accented = _ACCENTED_TYPES.get(words)
    if accented and written not in (accented, as_typed) and fold(written) == "".join(words):
        return None  # other diacritics: part of a name ("Quản Bạ", "Tịnh Biên")
    return typed


def unit_words_at(tokens: list[Token], i: int) -> tuple[tuple[int, str, tuple[str, ...]], ...]:
    """Unit words ("Xã", "TP", "H.") that begin at token ``i``."""
    return _types_at(tokens, i)


def name_key(name: str) -> str:
    """The key under which a unit's short name is indexed (same rules as spans)."""
    return _key(_WORD.findall(fold(name)))


def accented_key(name: str) -> str:
    """The diacritics-keeping key of a unit's short name (same rules as spans)."""
    return "".join(re.findall(r"[^\W_]+", lower_nfc(name)))


def _key(words: Iterable[str]) -> str:
    return "".join(w.lstrip("0") or "0" if w.isdigit() else w for w in words)


# -- matching one span -------------------------------------------------------------------
@dataclass(slots=True)
class Memory:
    """What an index learns as it reads: each span's matches, each table's names for edits.
    Kept by the index (never across indexes: a reloaded map starts afresh)."""

    spans: dict[tuple[object, ...], list[Hit]] = field(default_factory=dict)
    names: dict[int, list[str]] = field(default_factory=dict)  # by id() of a live table

    def names_of(self, table: Mapping[str, list[Entry]]) -> list[str]:
        names = self.names.get(id(table))
        if names is None:
            names = [k for k in table if not k.isdigit() and len(k) >= 3]
            self.names[id(table)] = names
        return names


def _lookup(
    memory: Memory,
    table: Mapping[str, list[Entry]],
    raw: str,
    plain: str,
    written: str,
    fuzzy: bool,
    marked: bool,
) -> list[tuple[Entry, float, int, bool]]:
    """The units of ``table`` a name may be: ``raw`` as typed, ``plain`` with keystrokes
    decoded, ``written`` with its diacritics. ``marked``: the address is written with
    diacritics, so a name written without them means what it says ("Nga Thanh", not "Nga
    Thành")."""
    entries = table.get(raw)
    if entries:
        if (written == raw and not marked) or written.isdigit():
            return [(e, EXACT, 0, False) for e in entries]  # no diacritics written: nothing against
        same = [e for e in entries if e.accented == written]
        if not same:
            # An alias (a former name, another spelling) is kept without diacritics: it
            # matches as written, after the units whose own name is written so.
            same = [e for e in entries if not e.accented]
        if same:
            return [(e, EXACT, 0, False) for e in same]
        return [(e, OTHER_MARKS, 0, False) for e in entries]
    if plain != raw:
        entries = table.get(plain)
        if entries:
            return [(e, EXACT, 0, True) for e in entries]
    if not fuzzy or len(plain) < 4 or plain.isdigit():
        return []
    # Within edits of the words as typed, or of the keystrokes decoded, whichever is nearer.
    best, found, decoded = 3, [], False
    for typed, is_decoded in ((raw, False), (plain, True)) if plain != raw else ((raw, False),):
        limit = 1 if len(typed) < 9 else 2
        near = process.extract(
            typed, memory.names_of(table), scorer=OSA.distance, score_cutoff=limit, limit=None
        )
        if near and (least := min(d for _, d, _ in near)) < best:
            best, found, decoded = least, [k for k, d, _ in near if d == least], is_decoded
    if not found:
        return []
    quality = ONE_EDIT if best <= 1 else TWO_EDITS
    return [(e, quality, best, decoded) for key in found for e in table[key]]


def _keystrokes(*decoded: bool) -> float:
    """Keystrokes decoded in any level cost once: who types Telex in one part does in all."""
    return KEYSTROKES if any(decoded) else 1.0


def _same_kind(typed: str, unit_type: str) -> bool:
    # Abbreviations stand for one type; "Tỉnh" and "Thành phố" both name provinces, which
    # people mix up (Thành phố Huế was Tỉnh Thừa Thiên Huế).
    return typed == unit_type or {typed, unit_type} <= {"Tỉnh", "Thành phố"}


# -- readings ----------------------------------------------------------------------------
def content_end(tokens: list[Token]) -> int:
    """How many tokens remain once "Việt Nam", "VN" and a postal code are dropped."""
    n = len(tokens)
    while n:
        last = tokens[n - 1].plain
        if last in ("vn", "vietnam"):
            n -= 1
        elif last == "nam" and n >= 2 and tokens[n - 2].plain == "viet":
            n -= 2
        elif last.isdigit() and len(last) >= 5:
            n -= 1
        else:
            break
    return n


def read(
    tables: Tables, text: str, tokens: list[Token], fuzzy: bool, anywhere: bool = False
) -> list[Reading]:
    """Every reading of the tokens, best first (several may lead to the same place).
    ``fuzzy``: names within edits; ``anywhere``: units may also start inside a part."""
    n = content_end(tokens)
    if not n:
        return []
    has_seps = any(t.sep for t in tokens[1:n])
    readings: list[Reading] = []
    # Unit words ("…, Xã …", "huyen", not a lone "p" inside a part): left in the street,
    # they say a unit was written there that this reading does not explain.
    hits = _Matcher(tables.memory, text, tokens[:n], fuzzy, has_seps, anywhere)
    typed_parts = [tokens[k].start for k in hits.typed if _unexplained_unit(hits, k)]

    def add(r: Reading) -> None:
        if typed_parts and r.street_end > typed_parts[0]:
            r.confidence *= UNEXPLAINED_UNIT  # a reading is built for its one ``add``
        readings.append(r)

    for s in hits.starts(n, PROVINCE):
        for p in _province_contexts(tables, hits, s, n):
            # Words before the province: a reading of the province alone scores 0 (what is
            # known when the rest names nothing there).
            only = p.quality * _keystrokes(p.decoded) if s == 0 else 0.0
            add(
                Reading(
                    "province",
                    only,
                    new_province=p.new,
                    old_province=p.written_old,
                    fuzzy=bool(p.edits),
                )
            )
            if s == 0:
                continue
            _below_province(tables, hits, tokens, s, p, add)
    if not readings or max(r.confidence for r in readings) < FULL_READING:
        _without_province(tables, hits, tokens, n, add)
    # Alike readings: the one reading more words as units (the unit word included) first.
    readings.sort(key=lambda r: (-r.confidence, -r.levels, r.street_end))
    return readings


def _unexplained_unit(hits: _Matcher, k: int) -> bool:
    """Whether a unit word at token ``k`` says a unit is written there ("…, Xã Foo"), not a
    street named after one ("Số 10 Xã Đàn", "đường Huyện 5", "Tỉnh lộ 10")."""
    tokens = hits.tokens
    if not hits.types[k]:
        return False
    if k + 1 < len(tokens) and tokens[k + 1].plain == "lo":
        return False  # tỉnh lộ, huyện lộ: roads
    if tokens[k].sep:
        return True
    before = tokens[k - 1]
    return len(tokens[k].plain) > 1 and before.plain not in PLACE_WORDS and not before.raw.isdigit()


# Words that begin the part of an address below the commune (a house number aside).
PLACE_WORDS = frozenset(
    (
        "so",
        "thon",
        "ap",
        "xom",
        "to",
        "khu",
        "pho",
        "duong",
        "ngo",
        "ngach",
        "hem",
        "kiet",
        "khom",
        "ban",
        "lang",
        "buon",
        "doi",
        "cum",
        "tdp",
        "kp",
        "toa",
        "tang",
        "can",
        "lo",
        "nha",
        "phong",
        "cho",
        "chung",
        "cu",
        "tap",
        "the",
        "km",
        "quoc",
    )
)


class _Matcher:
    """The units that spans of one address may name, memoised."""

    def __init__(
        self,
        memory: Memory,
        text: str,
        tokens: list[Token],
        fuzzy: bool,
        has_seps: bool,
        anywhere: bool,
    ) -> None:
        self.memory = memory
        self.text = text
        self.tokens = tokens
        self.fuzzy = fuzzy
        self.anywhere = anywhere or not has_seps
        self.has_seps = has_seps
        self.marked = False
        self.types: list[tuple[tuple[int, str, tuple[str, ...]], ...]] = []
        # Where a unit may begin: after a separator or at a unit word; anywhere in an
        # address without separators, or in the last pass (``anywhere``).
        self.open: list[bool] = []
        # The first word of the comma-separated part each word is in: no name crosses a comma.
        self.part_start: list[int] = []
        self.typed: list[int] = []  # the words where a unit word begins
        start = 0
        for i, t in enumerate(tokens):
            types = _types_at(tokens, i) if t.plain in _TYPE_FIRST_WORDS else ()
            if types:
                self.typed.append(i)
            self.types.append(types)
            self.open.append(t.sep or bool(types))
            if t.hard:
                start = i
            self.part_start.append(start)
            if t.accented != t.raw:
                self.marked = True
        self.memo: dict[tuple[object, ...], list[Hit]] = {}
        self.keys: dict[tuple[int, int], tuple[str, str, str]] = {}

    def starts(self, end: int, level: str, floor: int = -1) -> list[int]:
        """Where a span of ``level`` that ends before token ``end`` may start, nearest first."""
        if end <= 0:
            return []
        low = max(floor, end - 1 - MAX_SPAN[level], self.part_start[end - 1] - 1)
        if self.anywhere:
            return list(range(end - 1, low, -1))
        return [i for i in range(end - 1, low, -1) if self.open[i]]

    def __call__(
        self, key: object, tables: list[Mapping[str, list[Entry]]], i: int, j: int, level: str
    ) -> list[Hit]:
        """Units of ``level`` in ``tables`` that the tokens [i, j) may name, best first."""
        k = (key, i, j, level, self.fuzzy)  # ``anywhere`` is fixed for the address
        found = self.memo.get(k)
        if found is None:
            # What a span names depends only on its text, the separators around it and how
            # the address is read: the same span in another address names the same units.
            tokens = self.tokens
            shared = (
                key,
                self.text[tokens[i].start : tokens[j - 1].end],
                tokens[i].sep,
                j == len(tokens) or tokens[j].sep,
                level,
                self.fuzzy,
                self.anywhere,
                self.has_seps,
                self.marked,
            )
            spans = self.memory.spans
            found = spans.get(shared)
            if found is None:
                found = self._match(tables, i, j, level)
                if len(spans) >= SPANS_KEPT:
                    forget_oldest(spans)
                spans[shared] = found
            self.memo[k] = found
        return found

    def exactly(
        self, key: object, tables: list[Mapping[str, list[Entry]]], i: int, j: int, level: str
    ) -> list[Hit]:
        """As a call, without edits (names looked up across the whole country)."""
        fuzzy, self.fuzzy = self.fuzzy, False
        try:
            return self(key, tables, i, j, level)
        finally:
            self.fuzzy = fuzzy

    def _keys(self, i: int, j: int) -> tuple[str, str, str]:
        """The name [i, j) as typed, with keystrokes decoded, and with its diacritics."""
        keys = self.keys.get((i, j))
        if keys is None:
            name = self.tokens[i:j]
            raw = "".join(t.key for t in name)
            plain = "".join(t.plain_key for t in name)
            keys = (raw, raw if plain == raw else plain, "".join(t.accented for t in name))
            self.keys[(i, j)] = keys
        return keys

    def _match(
        self, tables: list[Mapping[str, list[Entry]]], i: int, j: int, level: str
    ) -> list[Hit]:
        tokens = self.tokens
        first = tokens[i]
        options = [t for t in self.types[i] if level in t[2] and i + t[0] < j]
        if not options and not first.sep and not self.anywhere:
            # A unit that starts inside a part, without a unit word ("Thôn 3 Đại Thắng, …"):
            # looked for only when the address read no other way.
            return []
        span = tokens[i:j]  # within one comma-separated part (``starts``)
        best: dict[str, Hit] = {}
        options.append((0, "", ()))
        whole_part = first.sep and (j == len(tokens) or tokens[j].sep)
        for n, typed, _ in options:
            if not typed and best:
                break  # read with its unit word: the words are not also a name
            name = span[n:]
            if not typed and not whole_part and all(t.raw.isdigit() for t in name):
                continue  # a bare number names a unit after a unit word or as a part
            boundary = typed or first.sep or not self.has_seps
            raw, plain, written = self._keys(i + n, j)
            for table in tables:
                for entry, quality, edits, decoded in _lookup(
                    self.memory, table, raw, plain, written, self.fuzzy, self.marked
                ):
                    if typed and not _same_kind(typed, entry.unit_type):
                        quality *= OTHER_TYPE
                    if not boundary:
                        quality *= MID_PART
                    old = best.get(entry.code)
                    if old is None or old.quality < quality:
                        best[entry.code] = Hit(entry, quality, edits, decoded)
        return sorted(best.values(), key=lambda h: -h.quality)


@dataclass(slots=True)  # not frozen: built by the thousand, a frozen __init__ is slower
class _Province:
    new: str  # the new province
    olds: tuple[str, ...]  # the old provinces whose units it accepts
    quality: float
    written_old: str  # the old province the words name ("" if none)
    new_named: bool  # the words name the new province (not only an old one)
    decoded: bool  # read once keystrokes were decoded
    edits: int  # letters changed to read it


def _province_contexts(tables: Tables, hits: _Matcher, s: int, n: int) -> list[_Province]:
    """The provinces the span [s, n) may name."""
    out: dict[str, _Province] = {}
    for h in hits("P+", [tables.new_provinces], s, n, PROVINCE):
        code = h.entry.code
        olds = tables.olds_of_new.get(code, ())
        out[code] = _Province(code, olds, h.quality, "", True, h.decoded, h.edits)
    for h in hits("P-", [tables.old_provinces], s, n, PROVINCE):
        new = tables.new_of_old.get(h.entry.code, "")
        if not new:
            continue
        prior = out.get(new)
        if prior is not None:
            if h.quality > prior.quality:
                prior.quality, prior.edits = h.quality, h.edits
            prior.written_old, prior.decoded = h.entry.code, prior.decoded and h.decoded
        else:
            out[new] = _Province(
                new, (h.entry.code,), h.quality, h.entry.code, False, h.decoded, h.edits
            )
    return list(out.values())


def _below_province(
    tables: Tables,
    hits: _Matcher,
    tokens: list[Token],
    s: int,
    p: _Province,
    add: Callable[[Reading], None],
) -> None:
    new_p, olds, q_p, written_old = p.new, p.olds, p.quality, p.written_old
    full = 0.0  # the best reading with a district and a commune
    # With an old district.
    for s2 in hits.starts(s, DISTRICT):
        in_provinces = [tables.old_districts.get(o, _NONE) for o in olds]
        districts = hits(("D", olds), in_provinces, s2, s, DISTRICT)
        for d in districts:
            old_p = tables.province_of_district.get(d.entry.code, "")
            q_pd = q_p * d.quality * (1.0 if old_p == written_old else MERGED_PROVINCE)
            decoded = p.decoded or d.decoded
            add(
                Reading(
                    "district",
                    q_pd * _keystrokes(decoded) if s2 == 0 else 0.0,
                    code=d.entry.code,
                    district=d.entry.code,
                    old_province=old_p,
                    new_province=new_p,
                    levels=2,
                    fuzzy=bool(p.edits or d.edits),
                )
            )
            if s2 == 0:
                continue
            table = tables.old_communes_by_district.get(d.entry.code, _NONE)
            for s3 in hits.starts(s2, COMMUNE):
                for c in hits(("C", d.entry.code), [table], s3, s2, COMMUNE):
                    confidence = q_pd * c.quality * _keystrokes(decoded, c.decoded)
                    full = max(full, confidence)
                    add(
                        Reading(
                            "old",
                            confidence,
                            code=c.entry.code,
                            district=d.entry.code,
                            old_province=old_p,
                            new_province=new_p,
                            street_end=tokens[s3].start,
                            levels=3,
                            fuzzy=bool(c.edits or d.edits or p.edits),
                        )
                    )
    if full >= FULL_READING:
        # Read without a district, the district's words would be the commune: such a
        # reading explains fewer words and could neither beat this one nor contend with it.
        return
    # Without a district: an old commune of the province, or a new commune.
    by_province = [tables.old_communes_by_province.get(o, _NONE) for o in olds]
    own_communes = tables.old_commune_codes.get(written_old, frozenset())
    new_table = tables.new_communes.get(new_p)
    new_factor = q_p * (1.0 if p.new_named else NEW_UNDER_OLD_PROVINCE)
    for s3 in hits.starts(s, COMMUNE):
        for c in hits(("c", olds), by_province, s3, s, COMMUNE):
            own = not written_old or c.entry.code in own_communes
            add(
                Reading(
                    "old",
                    q_p
                    * c.quality
                    * NO_DISTRICT
                    * (1.0 if own else MERGED_NO_DISTRICT)
                    * _keystrokes(p.decoded, c.decoded),
                    code=c.entry.code,
                    old_province=written_old,
                    new_province=new_p,
                    street_end=tokens[s3].start,
                    levels=2,
                    fuzzy=bool(c.edits or p.edits),
                )
            )
        if new_table is not None:
            for c in hits(("N", new_p), [new_table], s3, s, COMMUNE):
                add(
                    Reading(
                        "new",
                        new_factor * c.quality * _keystrokes(p.decoded, c.decoded),
                        code=c.entry.code,
                        new_province=new_p,
                        street_end=tokens[s3].start,
                        levels=2,
                        fuzzy=bool(c.edits or p.edits),
                    )
                )


def _without_province(
    tables: Tables,
    hits: _Matcher,
    tokens: list[Token],
    n: int,
    add: Callable[[Reading], None],
) -> None:
    """No province written: an old district pins it (districts named alike in several
    provinces give several readings, which then contend), or a new
    commune whose name is unique in the country. The country-wide names are read exactly
    (no edits across the whole country); a commune within its district may take edits."""
    for s2 in hits.starts(n, DISTRICT, floor=0):
        for d in hits.exactly("D*", [tables.old_districts_all], s2, n, DISTRICT):
            old_p = tables.province_of_district.get(d.entry.code, "")
            table = tables.old_communes_by_district.get(d.entry.code, _NONE)
            for s3 in hits.starts(s2, COMMUNE):
                for c in hits(("C", d.entry.code), [table], s3, s2, COMMUNE):
                    add(
                        Reading(
                            "old",
                            d.quality
                            * c.quality
                            * MISSING_PROVINCE
                            * _keystrokes(d.decoded, c.decoded),
                            code=c.entry.code,
                            district=d.entry.code,
                            old_province=old_p,
                            new_province=tables.new_of_old.get(old_p, ""),
                            street_end=tokens[s3].start,
                            levels=2,
                            fuzzy=bool(c.edits),
                        )
                    )
    for s3 in hits.starts(n, COMMUNE):
        found = hits.exactly("N*", [tables.new_communes_all], s3, n, COMMUNE)
        if len(found) == 1:
            c = found[0]
            add(
                Reading(
                    "new",
                    c.quality * COMMUNE_ALONE * _keystrokes(c.decoded),
                    code=c.entry.code,
                    street_end=tokens[s3].start,
                    levels=1,
                )
            )
