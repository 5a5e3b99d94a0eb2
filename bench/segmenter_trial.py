"""Would a Vietnamese word segmenter help the catalogue search? A trial, not a dependency.

The search joins syllables typed side by side into one word when the catalogue's names hold
them side by side ("căn cước", "kinh doanh"): the names are its dictionary. A segmenter
(underthesea's packaged CRF model; no download at run time) also knows words the names do
not use ("đại học", "cá thể"). This trial runs the everyday-words set
(tests/catalog/data/everyday_queries.csv) on the seed catalogue and lexicon, alone and
beside the 5,000 generated procedures of bench/catalog_search.py, with and without the
segmenter's words joined too, and prints the top-1/top-3 rates, the latency added, and one
JSON line.

underthesea is not one of LiênThông's dependencies; install it beside them to run this:

    .venv/bin/uv pip install --python .venv/bin/python underthesea   # then, after the trial:
    .venv/bin/uv sync --locked --python .venv/bin/python            # back to the lock
    .venv/bin/python bench/segmenter_trial.py
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from _setup import django_on_scratch_database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    try:
        from underthesea import word_tokenize
    except ImportError:
        sys.exit("underthesea is not installed: see this script's docstring")
    django_on_scratch_database()
    from tests.catalog import everyday

    import catalog_search as generated
    from lienthong.catalog import search, selectors
    from lienthong.catalog.loaders import load_lexicon, load_procedures
    from lienthong.catalog.search import CatalogIndex, Entry, Lexicon
    from lienthong.geo.text import fold

    load_procedures()
    load_lexicon()
    rng = random.Random(20250701)
    objects = [o for o in generated.OBJECTS if o not in generated.SEED_OBJECTS]
    names = [f"{v} {o}{q}" for o in objects for v in generated.VERBS for q in generated.QUALIFIERS]
    rng.shuffle(names)
    extra = []
    for i, name in enumerate(names[: generated.N_PROCEDURES]):
        entry = Entry(
            version_id=10**6 + i,
            code=f"9.{i:06d}",
            name_key=" ".join(search.words(name)),
            field=generated.FIELDS[i % len(generated.FIELDS)],
            levels=("commune",),
            life_events=(),
            service_level="full",
            boundary_free=False,
            business_related=False,
            name=name,
        )
        texts = {"name": name, "field": entry.field, "event": "", "other": f"Đơn {name.lower()}"}
        extra.append((entry, texts))
    seed = selectors._documents()
    terms = selectors._terms()
    plain = CatalogIndex._words_of

    def segmented(self: CatalogIndex, concepts: Any, light: list[bool]) -> Any:
        """The catalogue's joins, then the segmenter's: syllables it reads as one word."""
        concepts, light = plain(self, concepts, light)
        text = " ".join(" ".join(w or c) for c, w in concepts)
        pairs = set()
        for token in word_tokenize(text):
            parts = fold(token).lower().split()
            pairs.update(itertools.pairwise(parts))
        out: list[Any] = []
        out_light: list[bool] = []
        for (concept, written), lite in zip(concepts, light, strict=True):
            if (
                out
                and written
                and out[-1][1]
                and not lite
                and not out_light[-1]
                and (out[-1][0][-1], concept[0]) in pairs
            ):
                out[-1] = ((*out[-1][0], *concept), (*out[-1][1], *written))
            else:
                out.append((concept, written))
                out_light.append(lite)
        return out, out_light

    queries = everyday.read()
    figures: dict[str, Any] = {}
    for label, docs in (("seed", seed), ("mixed", seed + extra)):
        for way, words_of in (("catalogue", plain), ("segmenter", segmented)):
            CatalogIndex._words_of = words_of  # type: ignore[method-assign]
            index = CatalogIndex(docs, Lexicon(terms))
            timings: list[float] = []

            def run(
                q: str, index: CatalogIndex = index, timings: list[float] = timings
            ) -> list[str]:
                t0 = time.perf_counter()
                hits = index.search(q)
                timings.append((time.perf_counter() - t0) * 1000)
                return [h.entry.code for h in hits[:3]]

            result = everyday.evaluate(run, queries)
            timings.sort()
            key = f"{label}_{way}"
            figures[key] = {
                "top1": round(result["top1"], 4),
                "top3": round(result["top3"], 4),
                "mean_ms": round(sum(timings) / len(timings), 2),
            }
            print(f"{key:20} {figures[key]}")
    CatalogIndex._words_of = plain  # type: ignore[method-assign]
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
