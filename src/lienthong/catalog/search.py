"""Catalogue search: diacritic-insensitive, typo-tolerant, ranked, in memory.

Every process keeps an index of the published versions and rebuilds it when the
catalogue's revision (bumped by each publication) changes, so a search costs one
tiny query plus work in memory. A query word matches a catalogue word exactly, as
a prefix (search as you type) or within one or two edits (rapidfuzz), each with
less weight; rarer words weigh more (idf). Names weigh most, then the field and
life events, then results and dossier components.
"""

from __future__ import annotations

import math
import re
import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from lienthong.geo.text import fold

_WORD: Final = re.compile(r"[0-9a-z]+")
_WEIGHTS: Final = {"name": 3.0, "field": 1.5, "event": 1.5, "other": 0.6}
#: Words so common in procedure names that they only break ties.
_STOP: Final = frozenset({"thu", "tuc", "cua", "va", "cho", "tai", "cap", "doi", "voi", "ve"})


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


class CatalogIndex:
    def __init__(self, docs: list[tuple[Entry, dict[str, str]]]) -> None:
        self.entries = [e for e, _t in docs]
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
        phrase = " ".join(terms)
        hits = []
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
            name = self.entries[i].name_key
            if phrase in name:
                score *= 1.5  # the words in this order, as in the name
            # A short name that is mostly the query ranks above a long one mentioning it.
            score /= 1 + 0.02 * name.count(" ")
            hits.append(Hit(self.entries[i], score, matched))
        hits.sort(key=lambda h: (-h.matched, -h.score, h.entry.code))
        return hits

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
