"""Catalogue search: diacritic-insensitive, typo-tolerant, ranked, in memory.

Every process keeps an index of the published versions and rebuilds it when the
catalogue's revision (bumped by each publication) changes, so a search costs one
tiny query plus work in memory. A query word matches a catalogue word exactly, as
a prefix (search as you type) or within one or two edits (rapidfuzz), each with
less weight; rarer words weigh more (idf). Names weigh most, then the field and
life events, then results and dossier components.

Phrases come before loose words: among the procedures matching as many query words,
the longer the run of query words found side by side in a procedure's name, in the
query's order, the higher it ranks; a query that is the whole name, or the name without
its leading "Đăng ký"/"Cấp" ("khai tử" for "Đăng ký khai tử"), comes first. Only then
does the weighted score decide.

People do not write the catalogue's words: a *lexicon* (catalogue data, edited by the
catalogue team) maps the words they use — "sổ đỏ", "hộ khẩu", "CCCD", "passport", "tạm chú"
— to the catalogue's. Queries and the procedures' texts are rewritten by the same lexicon
before matching, the longest phrase first, so both sides speak alike. A phrase written with
diacritics matches words typed without them, or with one word's marks amiss ("sổ đõ"),
never other words that fold alike ("sơ đồ" is not "sổ đỏ"). The words of a request that
carry no meaning ("làm", "xin", "thủ tục", "ở đâu", "như thế nào") are then left out of a
query when it holds anything else.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from bisect import bisect_left
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any, Final

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from lienthong.geo.text import fold

_WORD: Final = re.compile(r"[0-9a-z]+")
_WEIGHTS: Final = {"name": 3.0, "field": 1.5, "event": 1.5, "other": 0.6}
#: Shares of the query held that differ by less than this rank alike (then phrases decide).
_SHARE_STEP: Final = 0.1
#: Words so common in procedure names that they only break ties.
_STOP: Final = frozenset({"thu", "tuc", "cua", "va", "cho", "tai", "cap", "doi", "voi", "ve"})
#: Words that make a procedure a variant of another ("Cấp lại", "Cấp đổi", "Xóa đăng ký",
#: "Chấm dứt", "Gia hạn", "Thay đổi"): a query that says none of them asks for the first.
_VARIANT_WORDS: Final = frozenset({"lai", "doi", "xoa", "cham", "dut", "gia", "han", "huy"})
#: What may open a procedure's name before its object: a query naming only the object
#: ("khai tử", "tạm trú") equals the name "Đăng ký khai tử", "Đăng ký tạm trú".
_PREAMBLE: Final = ("thu", "tuc")
_LEADING_VERBS: Final = (("dang", "ky"), ("cap",))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def written_words(text: str) -> tuple[list[str], list[str]]:
    """The folded words of ``text`` and the same words as written (lower case, diacritics
    kept): ``fold`` keeps every character in place."""
    lower = unicodedata.normalize("NFC", text).lower()
    folded = fold(lower)
    spans = [m.span() for m in _WORD.finditer(folded)]
    return [folded[a:b] for a, b in spans], [lower[a:b] for a, b in spans]


#: Words of a request, not of what is requested ("làm", "xin cấp", "ở đâu", "thế nào").
_REQUEST_WORDS: Final = (
    ("nhu", "the", "nao"),
    ("the", "nao"),
    ("o", "dau"),
    ("bao", "lau"),
    ("bao", "nhieu"),
    ("thu", "tuc"),
    ("can", "gi"),
    ("lan", "dau"),  # the first issue is what a query naming no variant asks for anyway
    ("lam",),
    ("xin",),
    ("cho",),
    ("giay",),
    ("can",),
    ("muon",),
    ("gi",),
    ("bi",),
    ("de",),
    ("toi",),
    ("minh",),
    ("cua",),
    ("tien",),
)
#: The share of a query the best result must hold (by weight, a word in its name counting
#: fully) for the search to need no advice: "nghĩa vụ quân sự" found scattered in the long
#: name of a land procedure is no answer.
_GOOD_SHARE: Final = 0.5
#: Fewer procedures than this hold the most concepts: those holding one fewer are weighed too.
_WEIGH_AT_LEAST: Final = 50
#: The longest phrase of the lexicon looked for as it is in the catalogue's names.
_LONGEST_RUN: Final = 6
#: What a word of the request tells, against a word of what is requested.
_REQUEST_WEIGHT: Final = 0.1
#: Who a request is for ("khai sinh cho con", "khai tử cho bố"): not what is requested.
_FOR_WHOM: Final = frozenset(
    [
        "con",
        "be",
        "bo",
        "me",
        "ba",
        "ma",
        "cha",
        "ong",
        "chau",
        "vo",
        "chong",
        "em",
        "anh",
        "chi",
        "khach",
    ]
)


#: Vietnamese syllables without diacritics: an onset, then a rhyme. A word that is one is a
#: word (maybe one the catalogue does not use: "thác", "khoáng"), not a typo to correct.
_SYLLABLE: Final = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
    r"(?:"
    r"a(?:i|o|u|y|m|n|ng|nh|p|t|c|ch)?|e(?:o|u|m|n|ng|nh|p|t|c|ch)?|i(?:a|u|m|n|nh|p|t|ch)?"
    r"|o(?:i|m|n|ng|p|t|c|o|ong|oc)?|u(?:a|i|u|m|n|ng|p|t|c|y)?|y"
    r"|(?:ie|ye)(?:u|m|n|ng|p|t|c)|(?:uo)(?:i|m|n|ng|p|t|c|u)?|ua(?:n|ng|t|c|y)"
    r"|oa(?:i|y|o|m|n|ng|nh|p|t|c|ch)?|oe(?:o|n|t)?|ue(?:n|nh|t|ch)?"
    r"|uy(?:a|u|en|et|nh|ch|t|n)?|ia"
    r")"
)


def is_syllable(word: str) -> bool:
    """Whether a folded word may be a Vietnamese syllable ("thac", "khoang"; not "gxay",
    "sinhh", "dor")."""
    return _SYLLABLE.fullmatch(word) is not None


def _is_request_word(word: str) -> bool:
    return any(len(r) == 1 and r[0] == word for r in _REQUEST_WORDS)


@dataclass(frozen=True)
class Term:
    """A lexicon entry: ``phrase`` as people write it means ``means`` in the catalogue."""

    phrase: str
    means: str


_Phrase = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # folded, written, means
#: Words in the catalogue's terms and how they were written (empty: the lexicon's words).
_Concept = tuple[tuple[str, ...], tuple[str, ...]]


#: How a procedure ranks for a query, best first: concepts missed, share held (negated,
#: in steps), variants asked (negated), variants not asked, longest phrase (negated), not
#: the whole name, score (negated), code, index.
_Rank = tuple[int, float, int, int, int, bool, float, str, int]
#: A choice of the cut: its score, then the phrase taken (length, meaning, typo, as written).
_Choice = tuple[tuple[int, int, int, int], int, tuple[str, ...], int, tuple[str, ...]]


class Lexicon:
    """Phrases people write, by their first folded word, longest first."""

    def __init__(self, terms: Iterable[Term] = ()) -> None:
        by_first: dict[str, list[_Phrase]] = defaultdict(list)
        #: How each meaning is written (its diacritics), by its folded words.
        self.spelling: dict[tuple[str, ...], tuple[str, ...]] = {}
        for term in terms:
            folded, written = written_words(term.phrase)
            means_folded, means_written = written_words(term.means)
            means = tuple(means_folded)
            if folded and means:
                by_first[folded[0]].append((tuple(folded), tuple(written), means))
                self.spelling[means] = tuple(means_written)
        for options in by_first.values():
            options.sort(key=lambda o: -len(o[0]))
        self.by_first = dict(by_first)
        self.phrases = [p for options in self.by_first.values() for p in options]
        self._by_second: dict[str, list[_Phrase]] | None = None  # built when first needed
        self._alone: dict[str, list[_Phrase]] = {}

    def _near(self, folded: list[str], i: int) -> list[_Phrase]:
        """The phrases that may begin at word i with one word mistyped (not its first
        letter): those whose first word is typed right, or their second word, and the lone
        words beginning with the same letter."""
        if self._by_second is None:
            by_second: dict[str, list[_Phrase]] = defaultdict(list)
            alone: dict[str, list[_Phrase]] = defaultdict(list)
            for p in self.phrases:
                if len(p[0]) > 1:
                    by_second[p[0][1]].append(p)
                else:
                    alone[p[0][0][0]].append(p)
            self._by_second, self._alone = dict(by_second), dict(alone)
        near = [p for p in self.by_first.get(folded[i], ()) if len(p[0]) > 1]
        if i + 1 < len(folded):
            near.extend(self._by_second.get(folded[i + 1], ()))
        near.extend(self._alone.get(folded[i][0], ()))
        return near

    def without(self, literal: Callable[[tuple[str, ...]], bool]) -> Lexicon:
        """This lexicon less the phrases ``literal`` says a text uses as they are."""
        kept = Lexicon()
        for first, options in self.by_first.items():
            mine = [o for o in options if not literal(o[0])]
            if mine:
                kept.by_first[first] = mine
        kept.phrases = [p for options in kept.by_first.values() for p in options]
        kept.spelling = {p[2]: self.spelling[p[2]] for p in kept.phrases}
        return kept

    def rewrite(self, folded: list[str], written: list[str], *, query: bool) -> list[_Concept]:
        """The words cut into concepts in the catalogue's terms: a word as it is (with its
        written form), or a phrase's meaning (written form empty).

        Of the ways to cut the words into phrases, the one whose phrases hold the most words
        that carry meaning (not the words of a request), then the most words, then the
        fewest phrases read with a typo, then the fewest phrases: "làm căn cước công dân"
        is "làm" + "căn cước công dân", not "làm căn cước" + "công dân"; "làm sổ đỏ" is one
        phrase, not "làm" + "sổ đỏ".

        A catalogue text (``query`` False) is written right: its phrases match with their
        own diacritics only, and not where the text already says what they mean ("trợ
        cấp thất nghiệp" is not rewritten for "thất nghiệp"). A query may miss a tone mark
        in one word of a phrase ("sổ đõ") or one letter of one word ("bằng láy", "độc
        thâng", "passpor")."""
        out: list[_Concept] = []
        i = 0
        for start, n, means, _typo, _accented in self.cut(folded, written, query=query):
            out.extend(((folded[j],), (written[j],)) for j in range(i, start))
            out.append((means, ()))
            i = start + n
        out.extend(((folded[j],), (written[j],)) for j in range(i, len(folded)))
        return out

    def cut(
        self, folded: list[str], written: list[str], *, query: bool
    ) -> list[tuple[int, int, tuple[str, ...], int, tuple[str, ...]]]:
        """The phrases of the best cut (see :meth:`rewrite`), in order, as (start, length,
        meaning, typo, the phrase as written)."""
        size = len(folded)
        meaningful = [not _is_request_word(w) for w in folded]
        present = set(folded)
        # best[i]: the score of the best cut of the words from i on, and the phrase taken at
        # i (length, meaning, typo, as written; length 0: the word as it is).
        best: list[_Choice] = [((0, 0, 0, 0), 0, (), 0, ())] * (size + 1)
        for i in range(size - 1, -1, -1):
            choice: _Choice = (best[i + 1][0], 0, (), 0, ())
            for n, typo, means, accented in self._phrases_at(folded, written, i, query=query):
                if not query and present.issuperset(means):
                    continue
                rest = best[i + n][0]
                score = (
                    rest[0] + sum(meaningful[i : i + n]),
                    rest[1] + n,
                    rest[2] - typo,
                    rest[3] - 1,
                )
                if score > choice[0]:
                    choice = (score, n, means, typo, accented)
            best[i] = choice
        phrases = []
        i = 0
        while i < size:
            _score, n, means, typo, accented = best[i]
            if n:
                phrases.append((i, n, means, typo, accented))
                i += n
            else:
                i += 1
        return phrases

    def _phrases_at(
        self, folded: list[str], written: list[str], i: int, *, query: bool
    ) -> Iterator[tuple[int, int, tuple[str, ...], tuple[str, ...]]]:
        """(length, typo, meaning, the phrase as written) of the phrases that may begin at
        word i."""
        for key, accented, means in self.by_first.get(folded[i], ()):
            n = len(key)
            if tuple(folded[i : i + n]) == key and _marks_fit(
                written[i : i + n], accented, query=query
            ):
                yield n, 0, means, accented
        if not query:
            return
        for key, accented, means in self._near(folded, i):
            n = len(key)
            typed = folded[i : i + n]
            if len(typed) < n or tuple(typed) == key:
                continue
            differ = [k for k in range(n) if typed[k] != key[k]]
            if len(differ) != 1:
                continue
            k = differ[0]
            shortest = 3 if n > 1 else 6  # a lone word needs more letters to be sure of
            if (
                min(len(typed[k]), len(key[k])) >= shortest
                and typed[k][0] == key[k][0]  # a typo seldom hits the first letter
                and Levenshtein.distance(typed[k], key[k], score_cutoff=1) <= 1
                and _marks_fit(
                    [w for j, w in enumerate(written[i : i + n]) if j != k],
                    tuple(a for j, a in enumerate(accented) if j != k),
                    query=True,
                )
            ):
                yield n, 1, means, accented

    def words(self, text: str) -> list[str]:
        """The folded words of a catalogue text, rewritten."""
        return [w for means, _ in self.rewrite(*written_words(text), query=False) for w in means]

    def query(self, text: str) -> tuple[list[_Concept], list[bool]]:
        """The concepts of a query (a word with its written form, or what a phrase of the
        lexicon means), and which of them are words of the request ("làm", "xin", "thủ
        tục", "cho con"): those weigh little, and no procedure needs to hold them."""
        concepts = self.rewrite(*written_words(text), query=True)
        light = [False] * len(concepts)
        i = 0
        while i < len(concepts):
            (word, *_), written = concepts[i]
            if word == "cho" and written and i + 1 < len(concepts):
                (following, *_), written = concepts[i + 1]
                if following in _FOR_WHOM and written:
                    light[i] = light[i + 1] = True
                    i += 2
                    continue
            for request in _REQUEST_WORDS:
                n = len(request)
                window = concepts[i : i + n]
                if len(window) == n and all(
                    bool(typed) and w == (r,) for (w, typed), r in zip(window, request, strict=True)
                ):
                    light[i : i + n] = [True] * n
                    i += n
                    break
            else:
                i += 1
        return concepts, light

    def query_words(self, text: str) -> list[str]:
        """The query's words in the catalogue's terms, without the words of the request
        when it holds more."""
        concepts, light = self.query(text)
        kept = [c for c, weak in zip(concepts, light, strict=True) if not weak] or concepts
        return [w for concept, _ in kept for w in concept]


_TONES: Final = dict.fromkeys(map(ord, "\u0300\u0301\u0303\u0309\u0323"))


def _toneless(word: str) -> str:
    """A word without its tone mark (its letters' own marks kept: "đỏ" → "đo", "hộ" → "hô")."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", word).translate(_TONES))


def _marks_fit(written: list[str], accented: tuple[str, ...], *, query: bool) -> bool:
    """Whether words as written may be the phrase's: written without diacritics, or with
    the phrase's own; in a query, a phrase of several words may have one word's tone amiss
    ("sổ đõ" for "sổ đỏ", not "đổi hộ" for "đổi họ")."""
    amiss = [(w, a) for w, a in zip(written, accented, strict=True) if w != a and w != fold(w)]
    if not amiss:
        return True
    return (
        query
        and len(amiss) == 1
        and len(accented) > 1
        and _toneless(amiss[0][0]) == _toneless(amiss[0][1])
    )


@dataclass(frozen=True)
class Entry:
    version_id: int
    code: str
    name_key: str
    field: str
    levels: tuple[str, ...]
    life_events: tuple[str, ...]
    service_level: str
    boundary_free: bool
    business_related: bool
    name: str = ""  # as written (diacritics kept); name_key is rewritten from it


@dataclass(slots=True)  # not frozen: a search builds hundreds, a frozen __init__ is slower
class Hit:
    entry: Entry
    score: float
    missing: int  # concepts of the query not held
    share: float = 0.0  # of the query held, by weight (a word in the name counting fully)


@dataclass(frozen=True)
class Advice:
    """What to tell someone whose search found nothing good.

    ``corrected``: the query with its mistyped words corrected, as the catalogue writes
    them ("" when every word is known); ``unknown``: the words no procedure mentions, as
    typed; ``complete``: whether the best result holds everything the query asks for;
    ``events``: the life events of the nearest procedures, most frequent first;
    ``nearest``: when nothing was found, the procedures whose names look most like the
    query."""

    corrected: str = ""
    unknown: tuple[str, ...] = ()
    complete: bool = True
    events: tuple[str, ...] = ()
    nearest: tuple[Entry, ...] = ()

    @property
    def dead_end(self) -> bool:
        return not self.complete


def _runs_in(names: list[tuple[str, ...]]) -> Callable[[tuple[str, ...]], bool]:
    """Whether a run of words stands, as it is, in one of ``names``."""
    runs: set[tuple[str, ...]] = set()
    for tokens in names:
        for n in range(1, _LONGEST_RUN + 1):
            runs.update(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return lambda phrase: phrase in runs


def _variant_words(tokens: tuple[str, ...]) -> frozenset[str]:
    """The words of a name's opening verb that make it a variant ("Cấp lại", "Xóa đăng ký",
    "Đăng ký chấm dứt"); later in the name "đối với", "hộ gia đình" are not."""
    at = len(_PREAMBLE) if tokens[: len(_PREAMBLE)] == _PREAMBLE else 0
    return frozenset(tokens[at : at + 3]) & _VARIANT_WORDS


def _name_starts(tokens: tuple[str, ...]) -> frozenset[int]:
    """Where a query may begin to equal the name: its first word, or after "Thủ tục" and
    a leading "Đăng ký"/"Cấp"."""
    starts = {0}
    at = len(_PREAMBLE) if tokens[: len(_PREAMBLE)] == _PREAMBLE else 0
    starts.add(at)
    for verb in _LEADING_VERBS:
        if tokens[at : at + len(verb)] == verb:
            starts.add(at + len(verb))
    return frozenset(s for s in starts if s < len(tokens))


class CatalogIndex:
    def __init__(
        self, docs: list[tuple[Entry, dict[str, str]]], lexicon: Lexicon | None = None
    ) -> None:
        # A phrase the catalogue's names use themselves ("công chứng viên", "trợ cấp thất
        # nghiệp", "trích lục") means what they mean: it is not translated.
        self.full_lexicon = lexicon or Lexicon()
        lexicon = self.full_lexicon.without(
            _runs_in([tuple(words(e.name or e.name_key)) for e, _t in docs])
        )
        if len(lexicon.phrases) == len(self.full_lexicon.phrases):
            self.full_lexicon = lexicon
        self.lexicon = lexicon
        # Names in the lexicon's words, as queries will be.
        docs = [
            (replace(e, name_key=" ".join(lexicon.words(e.name or e.name_key))), t) for e, t in docs
        ]
        self.entries = [e for e, _t in docs]
        self.variants_of = [_variant_words(tuple(e.name_key.split())) for e in self.entries]
        self.shortness = [1 + 0.02 * e.name_key.count(" ") for e in self.entries]
        # The words of each name, and which entries have word b right after word a there
        # (``follow[a][b]``) or end their name with a word (``ending``): phrases then cost
        # a few set operations on the entries a query finds.
        self.names = [tuple(e.name_key.split()) for e in self.entries]
        follow: dict[str, dict[str, set[int]]] = {}
        ending: dict[str, set[int]] = defaultdict(set)
        sized: dict[int, set[int]] = defaultdict(set)  # n -> names a query of n words may be
        for i, tokens in enumerate(self.names):
            for a, b in pairwise(tokens):
                follow.setdefault(a, {}).setdefault(b, set()).add(i)
            if tokens:
                ending[tokens[-1]].add(i)
            for start in _name_starts(tokens):
                sized[len(tokens) - start].add(i)
        self.follow = {a: {b: frozenset(d) for b, d in nxt.items()} for a, nxt in follow.items()}
        self.ending = {w: frozenset(d) for w, d in ending.items()}
        self.sized = {n: frozenset(d) for n, d in sized.items()}
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        spellings: dict[str, set[int]] = defaultdict(set)  # words as written, diacritics kept
        for i, (_entry, texts) in enumerate(docs):
            for part, text in texts.items():
                weight = _WEIGHTS[part]
                for written in written_words(text)[1]:
                    spellings[written].add(i)
                for word in lexicon.words(text):
                    if postings[word].get(i, 0) < weight:
                        postings[word][i] = weight
        self.postings = dict(postings)
        self.spellings = {w: frozenset(d) for w, d in spellings.items() if w != fold(w)}
        self.vocab = sorted(self.postings)
        # How the names write each folded word, to write a corrected query ("giấy" for
        # "gxay"); the lexicon's words are known too ("sổ đỏ" is no typo).
        self.forms: dict[str, Tally[str]] = defaultdict(Tally)
        for entry in self.entries:
            for folded, written in zip(*written_words(entry.name), strict=True):
                self.forms[folded][written] += 1
        for _key, accented, _means in self.full_lexicon.phrases:
            for word in accented:
                self.forms[fold(word)][word] += 0
        self.known = frozenset(self.postings).union(
            *(p[0] for p in self.full_lexicon.phrases),
            (w for r in _REQUEST_WORDS for w in r),
            _FOR_WHOM,
        )
        self.known_words = sorted(self.known)
        n = max(len(self.entries), 1)
        self.idf = {w: math.log(1 + n / len(p)) for w, p in self.postings.items()}

    def _variants(self, word: str, *, last: bool) -> list[tuple[str, float]]:
        found: dict[str, float] = {}
        if word in self.postings:
            found[word] = 1.0
        if last and len(word) >= 2:
            # Search as you type: the word being typed may be incomplete.
            i = bisect_left(self.vocab, word)
            while i < len(self.vocab) and self.vocab[i].startswith(word):
                found.setdefault(self.vocab[i], 0.8)
                i += 1
        if word not in self.postings and len(word) >= 3:
            cutoff = 1 if len(word) <= 5 else 2
            for candidate, distance, _index in process.extract(
                word, self.vocab, scorer=Levenshtein.distance, score_cutoff=cutoff, limit=8
            ):
                found.setdefault(candidate, 0.7 - 0.15 * distance)
        return list(found.items())

    def _words_of(
        self, concepts: list[_Concept], light: list[bool]
    ) -> tuple[list[_Concept], list[bool]]:
        """Syllables typed side by side that the catalogue's names also hold side by side
        are one word ("căn cước", "lần đầu", "kinh doanh"): one concept, not several."""
        out: list[_Concept] = []
        out_light: list[bool] = []
        joinable = False
        for (concept, written), weak in zip(concepts, light, strict=True):
            last = out[-1][0][-1] if out else ""
            if joinable and written and not weak and concept[0] in self.follow.get(last, {}):
                out[-1] = ((*out[-1][0], *concept), (*out[-1][1], *written))
            else:
                out.append((concept, written))
                out_light.append(weak)
            joinable = bool(written) and not weak
        return out, out_light

    def _telling(self, term: str, variants: list[tuple[str, float]]) -> float:
        """How much a query word tells: the rarity of the word, or of what it may be."""
        if term in self.idf:
            idf = self.idf[term]
        else:
            idf = max((self.idf[w] * q for w, q in variants), default=0.0)
        return idf * (0.2 if term in _STOP else 1.0)

    def _phrases(
        self, groups: list[set[str]], pool: set[int], counts: list[int] | None = None
    ) -> tuple[dict[int, int], set[int]]:
        """Of the entries in ``pool``: those with two or more consecutive query words side
        by side in the name, in the query's order, with the longest such run; and those
        whose name the query is, whole or without its leading verb. ``groups``: the
        catalogue words each query word stands for; ``counts``: what each word adds to
        a run's length (0 for a word of the request: "khai sinh cho" is no longer than
        "khai sinh"), 1 each by default. A run is a chain of adjacent pairs (exact unless
        the name repeats a word); a whole name is checked word by word."""
        size = len(groups)
        # runs[j]: the entries where the j + 2 query words up to word k are side by side;
        # reach[j]: the same up to any word so far (each set within the one before).
        runs: list[set[int]] = []
        reach: list[set[int]] = []
        counted: list[tuple[int, set[int]]] = []  # (length counted, entries), when counts
        for k in range(1, size):
            pairs = [
                nxt[b]
                for a in groups[k - 1]
                if (nxt := self.follow.get(a))
                for b in groups[k]
                if b in nxt
            ]
            linked = pool & (pairs[0] if len(pairs) == 1 else set().union(*pairs))
            runs = [r for r in [linked, *(linked & r for r in runs)] if r]
            if counts is not None:
                counted.extend((sum(counts[k - j - 1 : k + 1]), r) for j, r in enumerate(runs))
                continue
            for j, r in enumerate(runs):
                if j < len(reach):
                    reach[j] |= r
                else:
                    reach.append(set(r))
        longest: dict[int, int] = {}
        for j, r in enumerate(reach):
            longest.update(dict.fromkeys(r - reach[j + 1] if j + 1 < len(reach) else r, j + 2))
        if counted:
            placed: set[int] = set()
            for n, r in sorted(counted, key=lambda c: -c[0]):
                if n:
                    longest.update(dict.fromkeys(r - placed, n))
                    placed |= r
        whole: set[int] = set()
        if not size:
            return longest, whole
        ends = pool & self.sized.get(size, set())
        if ends and size > 1:
            ends &= runs[size - 2] if len(runs) == size - 1 else set()
        if ends:
            ends &= set().union(*(self.ending.get(w, ()) for w in groups[-1]))
        for i in ends:
            tokens = self.names[i][-size:]
            if all(token in group for token, group in zip(tokens, groups, strict=True)):
                whole.add(i)
        return longest, whole

    def search(self, query: str, *, filters: dict[str, Any] | None = None) -> list[Hit]:
        allowed = self._filtered(filters or {})
        # A phrase of the lexicon that the names also use as it is ("công chứng": the
        # citizen's word for "chứng thực", and the start of "công chứng viên") is read both
        # ways; each procedure ranks by the reading that suits it better.
        readings = [(self.lexicon, self.lexicon.query(query))]
        if self.full_lexicon is not self.lexicon:
            translated = self.full_lexicon.query(query)
            if translated[0] != readings[0][1][0]:
                readings.append((self.full_lexicon, translated))
        best: dict[int, _Rank] = {}
        for lexicon, (concepts, light) in readings:
            ranked = self._ranked(lexicon, concepts, light, allowed)
            if ranked is None:  # no words: every procedure, by field and name
                listed = range(len(self.entries)) if allowed is None else sorted(allowed)
                return [Hit(self.entries[i], 0.0, 0) for i in sorted(listed, key=self._order)]
            for key in ranked:
                if key[-1] not in best or key < best[key[-1]]:
                    best[key[-1]] = key
        return [
            Hit(self.entries[r[-1]], -r[6], r[0], -r[1] * _SHARE_STEP)
            for r in sorted(best.values())
        ]

    def _ranked(
        self,
        lexicon: Lexicon,
        read: list[_Concept],
        read_light: list[bool],
        allowed: set[int] | None,
    ) -> list[_Rank] | None:
        """The rank keys of the procedures matching a reading of a query (None when it has
        no words)."""
        typed, light = self._words_of(read, read_light)
        if all(light):
            light = [False] * len(light)  # nothing but request words: they are the query
        concepts = [concept for concept, _ in typed]
        terms = [w for concept in concepts for w in concept]
        # How each word was written (none for the lexicon's words): "mở" is not "mô".
        spelled = [
            w
            for concept, written in typed
            for w in written or lexicon.spelling.get(concept, ("",) * len(concept))
        ]
        # The documents that hold a word written with diacritics as written, when some do.
        as_written = [self.spellings.get(w) if w and w != fold(w) else None for w in spelled]
        # A word written with diacritics that no procedure writes so tells less: "mở" found
        # only as "mô" may be another word, or a slip of the marks.
        unsure = [bool(w) and w != fold(w) and w not in self.spellings for w in spelled]
        if not terms:
            return None
        variants = [self._variants(t, last=n == len(terms) - 1) for n, t in enumerate(terms)]
        # A misspelled word has several neighbours ("gxay": giay, xay, gay); keep those
        # that occur together with the words typed correctly, as a speller would.
        exact = [set(self.postings[t]) for t in terms if t in self.postings]
        context = set.intersection(*exact) if exact else set()
        if context:
            for n, term in enumerate(terms):
                if term not in self.postings:
                    near = [
                        (w, q) for w, q in variants[n] if context.intersection(self.postings[w])
                    ]
                    variants[n] = near or variants[n]
        docs = [set().union(*(self.postings[w].keys() for w, _q in vs)) for vs in variants]
        # A document holds a concept when it holds half of what the concept's words tell
        # (a rare word tells more than "cấp", "giấy"). The candidates hold the most concepts
        # any document holds, or one fewer: a word said in passing ("mất", "lần đầu") found
        # only in another procedure's small print does not leave out the one the rest of
        # the query names.
        weak = [
            w for concept, lite in zip(concepts, light, strict=True) for w in [lite] * len(concept)
        ]
        # Who the request is for ("cho con", "cho bé"): neither a share of the query nor a
        # word of a phrase ("khai sinh cho con" is "Đăng ký khai sinh").
        whom = [
            lite
            and (
                (concept == ("cho",) and k + 1 < len(concepts) and concepts[k + 1][0] in _FOR_WHOM)
                or (concept[0] in _FOR_WHOM and k > 0 and concepts[k - 1] == ("cho",))
            )
            for k, (concept, lite) in enumerate(zip(concepts, light, strict=True))
        ]
        whom_words = [
            w for concept, b in zip(concepts, whom, strict=True) for w in [b] * len(concept)
        ]
        telling = [
            self._telling(t, vs) * (0.5 if doubt else 1.0) * (_REQUEST_WEIGHT if lite else 1.0)
            for t, vs, doubt, lite in zip(terms, variants, unsure, weak, strict=True)
        ]
        held: dict[int, int] = defaultdict(int)
        start = 0
        for concept, lite in zip(concepts, light, strict=True):
            span = range(start, start + len(concept))
            start += len(concept)
            if lite:
                continue  # no procedure needs to hold "làm", "cho", "thủ tục"
            found: dict[int, float] = defaultdict(float)
            for n in span:
                spelt = as_written[n]
                for i in docs[n] if spelt is None else docs[n] & spelt:
                    found[i] += telling[n]
            half = sum(telling[n] for n in span) / 2
            for i, told in found.items():
                if told >= half:
                    held[i] += 1
        most = max(held.values(), default=0)
        pool = {i for i, n in held.items() if n >= max(most - 1, 1)}
        if allowed is not None:
            pool &= allowed
        # In a phrase, a word of the catalogue stands for itself ("tu" not for "tuat",
        # "con" not for "cong"); a word it does not know, for its completions and
        # corrections. Words matching nothing are left out.
        groups = [
            ({term} if term in self.postings else {w for w, _q in vs}, for_whom, lite)
            for term, vs, for_whom, lite in zip(terms, variants, whom_words, weak, strict=True)
            if vs
        ]
        words_of = [g for g, _b, _lite in groups]
        if any(lite for *_g, lite in groups) and not all(lite for *_g, lite in groups):
            # Who it is for lengthens no run ("khai sinh cho con": "cho" in "khai sinh cho
            # người…" adds nothing), and the query less its request words may be the whole
            # name ("làm giấy khai sinh cho bé": "Đăng ký khai sinh").
            longest, whole = self._phrases(words_of, pool, [0 if b else 1 for _g, b, _l in groups])
            whole |= self._phrases([g for g, _b, lite in groups if not lite], pool)[1]
        else:
            longest, whole = self._phrases(words_of, pool)
        # The most concepts held first; then how much of the query a procedure holds: each
        # concept by how telling it is (its
        # rarest word), each by the share of its words found (telling words weighing more),
        # a word in the name counting fully, in the field or life events half, elsewhere a
        # fifth. Then the variants the query asks for ("đổi"), the fewest it does not ask for
        # ("Cấp lại", "Chấm dứt" when it says neither), the longest phrase in the name, the
        # whole name, the score.
        asked = set(terms)
        spans: list[range] = []
        start = 0
        for concept in concepts:
            spans.append(range(start, start + len(concept)))
            start += len(concept)
        weights = [
            0.0 if for_whom else max((telling[n] for n in span), default=0.0)
            for span, for_whom in zip(spans, whom, strict=True)
        ]
        total = sum(weights) or 1.0
        within = [sum(telling[n] for n in span) for span in spans]
        # Only the procedures holding the most concepts are weighed in full (those holding
        # one fewer too when they are few): the rest follow by concepts held and code.
        ranked: list[_Rank] = []
        weighed = {i for i in pool if held[i] == most}
        if len(weighed) < _WEIGH_AT_LEAST:
            weighed = pool
        # Concepts missed come first in the key: readings of a query may hold more or fewer.
        asking = sum(1 for lite in light if not lite) or len(light)
        for i in pool - weighed:
            ranked.append((asking - held[i], 0.0, 0, 0, 0, True, 0.0, self.entries[i].code, i))
        # Word by word, over the postings or the procedures weighed, whichever is fewer.
        scores: dict[int, float] = dict.fromkeys(weighed, 0.0)
        shares: dict[int, float] = dict.fromkeys(weighed, 0.0)
        for span, weight, told in zip(spans, weights, within, strict=True):
            for n in span:
                best: dict[int, float] = {}
                cover: dict[int, float] = {}
                spelt = as_written[n]
                for w, quality in variants[n]:
                    posting = self.postings[w]
                    idf = self.idf[w] * (0.2 if w in _STOP else 1.0)
                    pairs: Iterable[tuple[int, float]] = (
                        ((i, posting[i]) for i in weighed if i in posting)
                        if len(posting) > len(weighed)
                        else ((i, v) for i, v in posting.items() if i in weighed)
                    )
                    for i, field_weight in pairs:
                        q = quality
                        if spelt is not None and i not in spelt:
                            q *= 0.5  # "mô" for "mở", "đối" for "đổi"
                        if q * field_weight * idf > best.get(i, 0.0):
                            best[i] = q * field_weight * idf
                        if q * field_weight > cover.get(i, 0.0):
                            cover[i] = q * field_weight
                lightly = _REQUEST_WEIGHT if weak[n] else 1.0
                for i, value in best.items():
                    scores[i] += value * lightly
                if told:
                    factor = weight * telling[n] / told / _WEIGHTS["name"]
                    for i, value in cover.items():
                        shares[i] += factor * value
        for i in weighed:
            entry = self.entries[i]
            # A short name that is mostly the query ranks above a long one mentioning it.
            score = scores[i] / self.shortness[i]
            ranked.append(
                (
                    asking - held[i],
                    -round(shares[i] / total / _SHARE_STEP),
                    -len(self.variants_of[i] & asked),
                    len(self.variants_of[i] - asked),
                    -longest.get(i, 0),
                    i not in whole,
                    -score,
                    entry.code,
                    i,
                )
            )
        return ranked

    def advise(self, query: str, hits: list[Hit]) -> Advice:
        """What to tell about the search of ``query`` that found ``hits``: its corrected
        words, the words nothing mentions, whether the best result is good (it holds all
        the query asks for, mostly in its name), and, when it is not, the life events and
        the procedures nearest to it."""
        folded, written = written_words(query)
        complete = bool(hits) and hits[0].missing == 0 and hits[0].share >= _GOOD_SHARE
        fixes = self._corrections(folded, written)
        corrected = (
            " ".join(fix or w for fix, w in zip(fixes, written, strict=True)) if any(fixes) else ""
        )
        unknown = tuple(
            w
            for f, w, fix in zip(folded, written, fixes, strict=True)
            if not fix and f not in self.known and not f.isdigit()
        )
        if complete:
            return Advice(corrected=corrected, unknown=unknown)
        nearest: tuple[Entry, ...] = ()
        if not hits:
            names = [e.name_key for e in self.entries]
            nearest = tuple(
                self.entries[i]
                for _name, _score, i in process.extract(
                    " ".join(folded), names, scorer=fuzz.WRatio, score_cutoff=60, limit=5
                )
            )
        events = Tally(
            event
            for entry in [*(h.entry for h in hits[:10]), *nearest]
            for event in entry.life_events
        )
        return Advice(
            corrected=corrected,
            unknown=unknown,
            complete=False,
            events=tuple(e for e, _n in events.most_common(4)),
            nearest=nearest,
        )

    def _corrections(self, folded: list[str], written: list[str]) -> list[str]:
        """For each word of a query, what it was likely meant to be, as the catalogue
        writes it ("" when it is known, or a word of Vietnamese the catalogue does not
        use, or nothing is near): a phrase of the lexicon read with one word mistyped
        ("bằng láy", as the search reads it), or a word that is no Vietnamese syllable
        ("gxay", "sinhh") replaced by the nearest known one, the one found with the
        query's other words first. The last word may be a word still being typed."""
        fixes = [""] * len(folded)
        known = [self.postings[f] for f in folded if f in self.postings]
        context = set.intersection(*map(set, known)) if known else set()
        misread: set[int] = set()
        for start, size, _means, typo, accented in self.lexicon.cut(folded, written, query=True):
            if typo:  # read with one word mistyped ("bằng láy"): say how it was read
                fixes[start : start + size] = accented
                misread.update(range(start, start + size))
        for n, f in enumerate(folded):
            last = n == len(folded) - 1
            if n in misread or (
                f in self.known or f.isdigit() or is_syllable(f) or (last and self._completes(f))
            ):
                continue
            before = folded[n - 1] if n else ""
            after = folded[n + 1] if n + 1 < len(folded) else ""
            fixes[n] = self._nearest_word(f, written[n], context, before, after)
        return fixes

    def _nearest_word(
        self, folded: str, written: str, context: set[int], before: str, after: str
    ) -> str:
        cutoff = 1 if len(folded) <= 5 else 2
        options = process.extract(
            folded, self.known_words, scorer=Levenshtein.distance, score_cutoff=cutoff, limit=8
        )
        if not options:
            return ""
        closest = min(o[1] for o in options)
        if len(folded) <= 3:
            # "dor": "do", "đổi", "đơn"? A short word is only guessed when one word at the
            # least distance stands beside its neighbour in a name ("xây dựg": "dựng").
            beside = [
                o
                for o in options
                if o[1] == closest
                and (o[0] in self.follow.get(before, {}) or after in self.follow.get(o[0], {}))
            ]
            if len(beside) != 1:
                return ""
            options = beside
        best = min(
            options,
            key=lambda o: (
                o[1],
                -len(context.intersection(self.postings.get(o[0], ()))),
                -len(self.postings.get(o[0], ())),
                o[0],
            ),
        )[0]
        forms = self.forms.get(best)
        if not forms:
            return best
        if written == folded:  # typed without diacritics: the commonest way of writing it
            return forms.most_common(1)[0][0]
        # "dựg": "dựng", not "dụng"
        return min(forms, key=lambda w: (Levenshtein.distance(w, written), -forms[w]))

    def _completes(self, prefix: str) -> bool:
        i = bisect_left(self.vocab, prefix)
        return i < len(self.vocab) and self.vocab[i].startswith(prefix)

    def _order(self, i: int) -> tuple[str, str]:
        return (self.entries[i].field, self.entries[i].name_key)

    def _filtered(self, filters: dict[str, Any]) -> set[int] | None:
        """Entries passing the filters; ``None`` when there is no filter (all of them)."""
        if not any(v is not None and v != "" for v in filters.values()):
            return None
        out = set()
        for i, e in enumerate(self.entries):
            if filters.get("field") and fold(e.field) != fold(filters["field"]):
                continue
            if filters.get("level") and filters["level"] not in e.levels:
                continue
            if filters.get("life_event") and filters["life_event"] not in e.life_events:
                continue
            if filters.get("service_level") and e.service_level != filters["service_level"]:
                continue
            if (
                filters.get("boundary_free") is not None
                and e.boundary_free != filters["boundary_free"]
            ):
                continue
            if filters.get("business_related") is not None and (
                e.business_related != filters["business_related"]
            ):
                continue
            out.add(i)
        return out


_lock = threading.Lock()
_cache: dict[str, Any] = {"revision": None, "index": None}


def index_for(
    revision: int,
    build: Callable[[], list[tuple[Entry, dict[str, str]]]],
    terms: Callable[[], Iterable[Term]] = tuple,
) -> CatalogIndex:
    """The index of ``revision``, built by ``build()`` with the lexicon ``terms()`` when
    this process has an older one."""
    with _lock:
        if _cache["revision"] != revision or _cache["index"] is None:
            _cache["index"] = CatalogIndex(build(), Lexicon(terms()))
            _cache["revision"] = revision
        index: CatalogIndex = _cache["index"]
        return index


def forget() -> None:
    with _lock:
        _cache["revision"] = None
        _cache["index"] = None
