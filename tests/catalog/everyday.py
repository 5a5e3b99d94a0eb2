"""Queries as citizens type them, with the procedures that answer them.

``data/everyday_queries.csv`` holds them by class — ``everyday`` (the words people use:
"sổ đỏ", "hộ khẩu", "lấy vợ"), ``abbreviation`` ("CCCD", "GPLX"), ``english``
("passport"), ``no_diacritics``, ``misspelling`` and ``legal`` (the catalogue's own words,
the control) — each with the codes of the seed catalogue's procedures that are a right
first answer, written by hand from the procedures' names and legal scope. Used by
``test_everyday_queries.py`` (thresholds in ``make test``) and ``bench/catalog_search.py``
(figures per class).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

QUERIES = Path(__file__).resolve().parent / "data" / "everyday_queries.csv"
CLASSES = ("everyday", "abbreviation", "english", "no_diacritics", "misspelling", "legal")


@dataclass(frozen=True)
class Query:
    text: str
    cls: str
    codes: frozenset[str]
    note: str


def read(path: Path = QUERIES) -> list[Query]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Query(r["query"], r["class"], frozenset(r["codes"].split()), r["note"])
            for r in csv.DictReader(f)
        ]


def evaluate(search: Callable[[str], Sequence[str]], queries: Sequence[Query]) -> dict[str, object]:
    """Top-1 and top-3 rates overall and per class; ``search`` gives the codes in order."""
    top1: Counter[str] = Counter()
    top3: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for q in queries:
        found = tuple(search(q.text)[:3])
        total[q.cls] += 1
        top1[q.cls] += bool(found) and found[0] in q.codes
        top3[q.cls] += bool(q.codes & set(found))
        if not found or found[0] not in q.codes:
            misses[q.cls].append((q.text, found))
    n = sum(total.values())
    return {
        "n": n,
        "top1": sum(top1.values()) / n,
        "top3": sum(top3.values()) / n,
        "per_class": {
            c: {"n": total[c], "top1": top1[c] / total[c], "top3": top3[c] / total[c]}
            for c in CLASSES
            if total[c]
        },
        "misses": dict(misses),
    }


def report(result: dict[str, object]) -> str:
    per_class = result["per_class"]
    assert isinstance(per_class, dict)
    lines = [f"{'class':<15}{'n':>5}{'top-1':>9}{'top-3':>9}"]
    for cls, r in per_class.items():
        lines.append(f"{cls:<15}{r['n']:>5}{r['top1']:>9.1%}{r['top3']:>9.1%}")
    lines.append(f"{'all':<15}{result['n']:>5}{result['top1']:>9.1%}{result['top3']:>9.1%}")
    return "\n".join(lines)
