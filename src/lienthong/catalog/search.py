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
"""

from __future__ import annotations

import math
import re
import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from lienthong.geo.text import fold

_WORD: Final = re.compile(r"[0-9a-z]+")
_WEIGHTS: Final = {"name": 3.0, "field": 1.5, "event": 1.5, "other": 0.6}
#: Words so common in procedure names that they only break ties.
_STOP: Final = frozenset({"thu", "tuc", "cua", "va", "cho", "tai", "cap", "doi", "voi", "ve"})
#: What may open a procedure's name before its object: a query naming only the object
#: ("khai tử", "tạm trú") equals the name "Đăng ký khai tử", "Đăng ký tạm trú".
_PREAMBLE: Final = ("thu", "tuc")
_LEADING_VERBS: Final = (("dang", "ky"), ("cap",))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


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


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float
    matched: int


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
    def __init__(self, docs: list[tuple[Entry, dict[str, str]]]) -> None:
        self.entries = [e for e, _t in docs]
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
        for i, (_entry, texts) in enumerate(docs):
            for part, text in texts.items():
                weight = _WEIGHTS[part]
                for word in words(text):
                    if postings[word].get(i, 0) < weight:
                        postings[word][i] = weight
        self.postings = dict(postings)
        self.vocab = sorted(self.postings)
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

    def _phrases(self, groups: list[set[str]], pool: set[int]) -> tuple[dict[int, int], set[int]]:
        """Of the entries in ``pool``: those with two or more consecutive query words side
        by side in the name, in the query's order, with the longest such run; and those
        whose name the query is, whole or without its leading verb. ``groups``: the
        catalogue words each query word stands for. A run is a chain of adjacent pairs
        (exact unless the name repeats a word); a whole name is checked word by word."""
        size = len(groups)
        # runs[j]: the entries where the j + 2 query words up to word k are side by side;
        # reach[j]: the same up to any word so far (each set within the one before).
        runs: list[set[int]] = []
        reach: list[set[int]] = []
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
            for j, r in enumerate(runs):
                if j < len(reach):
                    reach[j] |= r
                else:
                    reach.append(set(r))
        longest: dict[int, int] = {}
        for j, r in enumerate(reach):
            longest.update(dict.fromkeys(r - reach[j + 1] if j + 1 < len(reach) else r, j + 2))
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
        terms = words(query)
        if not terms:
            listed = range(len(self.entries)) if allowed is None else sorted(allowed)
            return [Hit(self.entries[i], 0.0, 0) for i in sorted(listed, key=self._order)]
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
        # Every word matched when possible; otherwise the documents matching most words.
        pool = set.intersection(*docs) if all(docs) else set()
        if not pool:
            counts: dict[int, int] = defaultdict(int)
            for d in docs:
                for i in d:
                    counts[i] += 1
            most = max(counts.values(), default=0)
            pool = {i for i, c in counts.items() if c == most}
        if allowed is not None:
            pool &= allowed
        # In a phrase, a word of the catalogue stands for itself ("tu" not for "tuat",
        # "con" not for "cong"); a word it does not know, for its completions and
        # corrections. Words matching nothing are left out.
        groups = [
            {term} if term in self.postings else {w for w, _q in vs}
            for term, vs in zip(terms, variants, strict=True)
            if vs
        ]
        longest, whole = self._phrases(groups, pool)
        # Most query words matched, then the longest phrase in the name, then the whole
        # name, then the score.
        ranked: list[tuple[int, int, bool, float, str, int]] = []
        for i in pool:
            score = 0.0
            matched = 0
            for vs in variants:
                best = 0.0
                for w, quality in vs:
                    weight = self.postings[w].get(i)
                    if weight:
                        idf = self.idf[w] * (0.2 if w in _STOP else 1.0)
                        best = max(best, quality * weight * idf)
                if best:
                    score += best
                    matched += 1
            # A short name that is mostly the query ranks above a long one mentioning it.
            entry = self.entries[i]
            score /= 1 + 0.02 * entry.name_key.count(" ")
            ranked.append((-matched, -longest.get(i, 0), i not in whole, -score, entry.code, i))
        ranked.sort()
        return [Hit(self.entries[r[5]], -r[3], -r[0]) for r in ranked]

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
    revision: int, build: Callable[[], list[tuple[Entry, dict[str, str]]]]
) -> CatalogIndex:
    """The index of ``revision``, built by ``build()`` when this process has an older one."""
    with _lock:
        if _cache["revision"] != revision or _cache["index"] is None:
            _cache["index"] = CatalogIndex(build())
            _cache["revision"] = revision
        index: CatalogIndex = _cache["index"]
        return index


def forget() -> None:
    with _lock:
        _cache["revision"] = None
        _cache["index"] = None
