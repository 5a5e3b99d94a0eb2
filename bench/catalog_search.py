"""Benchmark of catalogue search on a generated 5,000-procedure catalogue.

Times 1,000 queries (a third accented, a third without diacritics, a third
misspelled) through LiênThông's search (the first page of 20 results, fetched from
the database) and through a plain ``name__icontains`` query on the same data, and
checks relevance: how often the procedure a query was made from comes first.
Then the everyday-words set (tests/catalog/data/everyday_queries.csv: 244 queries as
citizens type them — "sổ đỏ", "CCCD", "passport", "tạm chú" — in six classes) on the seed
catalogue and its lexicon loaded beside the 5,000 generated procedures, which share many of
their words ("giấy phép", "giấy chứng nhận", "đăng ký", "cấp lại") but never repeat a seed
procedure's object (SEED_OBJECTS: a national catalogue lists each procedure once): how
often the right procedure is first and among the first three, per class, and the latency.

Prints human lines, then one JSON line with the keys ``backend``, ``p50_ms``,
``p95_ms`` (all queries), ``baseline_p95_ms``, ``colloquial_top1``, ``colloquial_top3``,
``colloquial_per_class``, ``colloquial_p95_ms`` (and the relevance figures).

    .venv/bin/python bench/catalog_search.py            # SQLite file in a temp dir
    .venv/bin/python bench/catalog_search.py --misses   # and list the everyday misses
    DATABASE_URL=postgres://…/scratch_db .venv/bin/python bench/catalog_search.py
"""

from __future__ import annotations

import importlib.util
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _setup import django_on_scratch_database

N_PROCEDURES = 5_000
N_QUERIES = 1_000

VERBS = [
    "Đăng ký",
    "Cấp",
    "Cấp lại",
    "Cấp đổi",
    "Gia hạn",
    "Thu hồi",
    "Điều chỉnh",
    "Xác nhận",
    "Công nhận",
    "Thẩm định",
    "Phê duyệt",
    "Chấm dứt",
    "Bổ sung",
    "Tạm ngừng",
]
OBJECTS = [
    "giấy phép kinh doanh rượu",
    "giấy chứng nhận an toàn thực phẩm",
    "giấy phép xây dựng",
    "giấy chứng nhận quyền sử dụng đất",
    "hộ kinh doanh",
    "hợp tác xã",
    "trang trại",
    "giấy phép lái xe",
    "chứng chỉ hành nghề dược",
    "giấy phép hoạt động khám bệnh",
    "cơ sở giáo dục mầm non",
    "nhóm trẻ độc lập",
    "giấy phép khai thác nước mặt",
    "đề án bảo vệ môi trường",
    "giấy phép xả thải",
    "giấy phép biểu diễn nghệ thuật",
    "di tích lịch sử văn hóa",
    "câu lạc bộ thể thao",
    "hội quần chúng",
    "quỹ xã hội từ thiện",
    "tổ chức tôn giáo",
    "lễ hội truyền thống",
    "điểm bán lẻ xăng dầu",
    "chợ dân sinh",
    "giấy chứng nhận đầu tư",
    "dự án nhà ở xã hội",
    "nhà ở riêng lẻ",
    "công trình điện",
    "giấy phép vận tải",
    "phương tiện thủy nội địa",
    "bến khách ngang sông",
    "cảng cá",
    "giấy phép khai thác thủy sản",
    "mã số vùng trồng",
    "giống cây trồng",
    "thuốc bảo vệ thực vật",
    "cơ sở giết mổ gia súc",
    "chứng chỉ quy hoạch",
    "giấy phép quảng cáo",
    "biển hiệu",
    "đại lý bảo hiểm",
    "trung tâm ngoại ngữ",
    "trường trung học phổ thông",
    "học bổng chính sách",
    "trợ cấp người cao tuổi",
    "người có công với cách mạng",
    "hộ nghèo",
    "hộ cận nghèo",
    "thẻ bảo hiểm y tế",
    "sổ bảo hiểm xã hội",
    "chế độ thai sản",
    "trợ cấp thất nghiệp",
    "lao động nước ngoài",
    "giấy phép lao động",
    "nội quy lao động",
    "thỏa ước lao động",
    "di chúc",
    "hợp đồng thế chấp",
    "thừa kế quyền sử dụng đất",
    "quốc tịch Việt Nam",
    "con nuôi",
    "giám hộ",
    "lý lịch tư pháp",
    "luật sư",
    "công chứng viên",
    "thừa phát lại",
    "giám định tư pháp",
    "trọng tài thương mại",
    "hòa giải viên",
    "tàu cá",
    "rừng sản xuất",
    "động vật hoang dã",
    "giấy phép nuôi chim yến",
    "điểm du lịch",
    "cơ sở lưu trú du lịch",
    "hướng dẫn viên du lịch",
    "sách giáo khoa",
    "xuất bản phẩm",
    "giấy phép bưu chính",
]
# The seed catalogue's own procedures, loaded beside the generated ones for the everyday-
# words set: a national catalogue lists each procedure once, so no generated name repeats
# their objects ("Cấp thẻ bảo hiểm y tế" would be a second card procedure).
SEED_OBJECTS = frozenset(
    {
        "giấy chứng nhận quyền sử dụng đất",
        "hộ kinh doanh",
        "giấy phép lái xe",
        "giấy phép xây dựng",
        "nhà ở riêng lẻ",
        "trợ cấp người cao tuổi",
        "thẻ bảo hiểm y tế",
        "sổ bảo hiểm xã hội",
        "trợ cấp thất nghiệp",
        "di chúc",
        "thừa kế quyền sử dụng đất",
        "giám hộ",
        "lý lịch tư pháp",
    }
)
QUALIFIERS = [
    "",
    " cho tổ chức",
    " cho cá nhân",
    " có yếu tố nước ngoài",
    " trong khu công nghiệp",
    " tại cấp xã",
]
FIELDS = [
    "Hộ tịch",
    "Đất đai",
    "Xây dựng",
    "Y tế",
    "Giáo dục",
    "Lao động",
    "Văn hóa",
    "Nông nghiệp",
    "Môi trường",
    "Giao thông",
    "Tư pháp",
    "Công Thương",
    "Du lịch",
    "Bảo trợ xã hội",
]


def _misspell(rng: random.Random, text: str) -> str:
    from lienthong.geo.text import fold

    words = fold(text).split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 4]
    if not long_words:
        return fold(text)
    i = rng.choice(long_words)
    w = words[i]
    j = rng.randrange(1, len(w))
    words[i] = w[:j] + w[j + 1 :] if rng.random() < 0.5 else w[:j] + "x" + w[j + 1 :]
    return " ".join(words)


def _pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1]


EVERYDAY = Path(__file__).resolve().parent.parent / "tests" / "catalog" / "everyday.py"


def everyday_part() -> dict[str, Any]:
    """The everyday-words set on the seed catalogue and lexicon, among the generated ones."""
    from lienthong.catalog import search
    from lienthong.catalog.loaders import load_lexicon, load_procedures
    from lienthong.catalog.selectors import search_procedures

    spec = importlib.util.spec_from_file_location("lienthong_everyday", EVERYDAY)
    assert spec is not None
    assert spec.loader is not None
    everyday = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = everyday  # dataclasses look their module up while it loads
    spec.loader.exec_module(everyday)

    load_procedures()
    load_lexicon()
    search.forget()
    search_procedures("khởi tạo chỉ mục")  # the index with the seed and the lexicon
    timings: list[float] = []

    def timed(q: str) -> list[str]:
        t0 = time.perf_counter()
        found = [v.procedure.code for v in search_procedures(q, limit=3)]
        timings.append((time.perf_counter() - t0) * 1000)
        return found

    result = everyday.evaluate(timed, everyday.read())
    print(f"everyday words ({result['n']} queries, beside the generated catalogue):")
    print(everyday.report(result))
    if "--misses" in sys.argv:  # the queries whose right procedure is not first
        for cls, missed in result["misses"].items():
            for text, found in missed:
                print(f"  miss [{cls}] {text!r}: {' '.join(found) or '—'}")
    p95 = _pct(timings, 95)
    print(f"  latency: p50 {_pct(timings, 50):.1f} ms, p95 {p95:.1f} ms")
    return {
        "timings": timings,
        "colloquial_n": result["n"],
        "colloquial_top1": round(result["top1"], 4),
        "colloquial_top3": round(result["top3"], 4),
        "colloquial_per_class": {
            cls: {"top1": round(r["top1"], 4), "top3": round(r["top3"], 4)}
            for cls, r in result["per_class"].items()
        },
        "colloquial_p95_ms": round(p95, 2),
    }


def main() -> None:
    django_on_scratch_database()
    from django.db import connection

    from lienthong.catalog import search
    from lienthong.catalog.models import CatalogState, Component, Procedure, ProcedureVersion
    from lienthong.catalog.selectors import search_procedures
    from lienthong.geo.text import fold

    rng = random.Random(20250701)
    objects = [o for o in OBJECTS if o not in SEED_OBJECTS]
    names = [f"{v} {o}{q}" for o in objects for v in VERBS for q in QUALIFIERS]
    rng.shuffle(names)
    names = names[:N_PROCEDURES]
    t0 = time.perf_counter()
    procedures = Procedure.objects.bulk_create(
        Procedure(code=f"9.{i:06d}") for i in range(len(names))
    )
    versions = ProcedureVersion.objects.bulk_create(
        ProcedureVersion(
            procedure=p,
            number=1,
            status="published",
            name=name,
            field=FIELDS[i % len(FIELDS)],
            levels=["commune" if i % 3 else "province"],
            competent_agency="Ủy ban nhân dân cấp xã",
            agency_kind="people_committee",
            channels=["online", "counter"],
            service_level="full" if i % 2 else "partial",
            processing_days=1 + i % 15,
            results=[f"Quyết định {name.lower()}"],
        )
        for i, (p, name) in enumerate(zip(procedures, names, strict=True))
    )
    Component.objects.bulk_create(
        Component(version=v, order=1, name=f"Đơn đề nghị {v.name.lower()}") for v in versions
    )
    CatalogState.objects.update_or_create(pk=1, defaults={"revision": 1})
    print(f"catalogue: {len(versions)} procedures written in {time.perf_counter() - t0:.1f} s")

    queries: list[tuple[str, str, str, str]] = []  # (kind, query, intended words, code)
    for i in range(N_QUERIES):
        k = rng.randrange(len(names))
        words = names[k].split()
        start = rng.randrange(0, max(1, len(words) - 3))
        phrase = " ".join(words[start : start + rng.randint(3, 5)])
        kind = ("accented", "unaccented", "misspelled")[i % 3]
        q = (
            phrase
            if kind == "accented"
            else fold(phrase)
            if kind == "unaccented"
            else (_misspell(rng, phrase))
        )
        queries.append((kind, q, phrase, f"9.{k:06d}"))

    search.forget()
    t0 = time.perf_counter()
    search_procedures("khởi tạo chỉ mục")  # builds this process's index once
    build_s = time.perf_counter() - t0
    timings: list[float] = []
    first: dict[str, list[bool]] = {"accented": [], "unaccented": [], "misspelled": []}
    for kind, q, phrase, code in queries:
        t0 = time.perf_counter()
        results = search_procedures(q, limit=20)
        timings.append((time.perf_counter() - t0) * 1000)
        # Several generated names share the words of a query; the first result is relevant
        # when it is the one the query was made from or its name has every intended word.
        top = results[0] if results else None
        first[kind].append(
            top is not None
            and (
                top.procedure.code == code
                or all(w in fold(top.name).split() for w in fold(phrase).split())
            )
        )

    colloquial = everyday_part()
    everyday_ms = colloquial.pop("timings")
    all_ms = timings + everyday_ms

    baseline: list[float] = []
    baseline_found: dict[str, list[bool]] = {"accented": [], "unaccented": [], "misspelled": []}
    for kind, q, _phrase, code in queries:
        t0 = time.perf_counter()
        rows = list(
            ProcedureVersion.objects.filter(status="published", name__icontains=q).select_related(
                "procedure"
            )[:20]
        )
        baseline.append((time.perf_counter() - t0) * 1000)
        baseline_found[kind].append(any(r.procedure.code == code for r in rows))

    def rate(values: list[bool]) -> float:
        return round(100 * sum(values) / max(len(values), 1), 1)

    p50, p95 = _pct(all_ms, 50), _pct(all_ms, 95)
    print(f"index build: {build_s * 1000:.0f} ms (once per process and publication)")
    print(f"LiênThông search: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"icontains baseline: p50 {_pct(baseline, 50):.1f} ms, p95 {_pct(baseline, 95):.1f} ms")
    for kind in first:
        print(
            f"  {kind:10s}: relevant first {rate(first[kind])}% "
            f"(icontains finds it at all: {rate(baseline_found[kind])}%)"
        )
    print(
        json.dumps(
            {
                "backend": connection.vendor,
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "baseline_p95_ms": round(_pct(baseline, 95), 2),
                "baseline_p50_ms": round(_pct(baseline, 50), 2),
                "index_build_ms": round(build_s * 1000),
                "relevant_first_pct": {k: rate(v) for k, v in first.items()},
                "baseline_found_pct": {k: rate(v) for k, v in baseline_found.items()},
                "generated_p95_ms": round(_pct(timings, 95), 2),
                **colloquial,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
