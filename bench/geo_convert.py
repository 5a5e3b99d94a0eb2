"""Benchmark: legacy → new address conversion, LiênThông versus vietnamadminunits.

Builds a labelled set of mixed legacy addresses from the packages' data (every
old commune of the official table, written in the ways people write them:
with and without diacritics, abbreviated, numbered wards, with and without
street, with and without district), converts the same addresses with
LiênThông's ``AddressIndex`` and with ``vietnamadminunits.convert_address``,
and prints addresses/second, the ratio, peak memory and the accuracy of both.

Accuracy: a conversion is correct when the new commune it returns is one of the
official new communes of the old commune (for a split commune any official
candidate counts, for both tools). The peer's online geocoder (used for split
communes with a street) is switched off, as it cannot run here; it then takes
its own default.

    .venv/bin/python bench/geo_convert.py [--n 200000] [--peer-n N]

Ends with one JSON line: lienthong_per_s, peer_per_s, ratio, peak_mb,
lienthong_accuracy, peer_accuracy.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path

VARIANTS = ("full", "ascii", "abbrev", "short", "no_district", "upper")


def build_labelled(n: int, seed: int = 20250701) -> list[tuple[str, frozenset[str]]]:
    from lienthong.geo.loaders import DATA_DIR, legacy_units
    from lienthong.geo.text import fold

    rng = random.Random(seed)
    units = {(u.level, u.code): u for u in legacy_units()}
    labels: dict[str, set[str]] = defaultdict(set)
    with (DATA_DIR / "ward_conversion_2025.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            labels[r["old_ward_code"]].add(r["new_ward_code"])
    communes = sorted(c for c in labels if ("commune", c) in units)
    streets = [
        "Nguyễn Trãi",
        "Lê Lợi",
        "Trần Hưng Đạo",
        "Hùng Vương",
        "Quang Trung",
        "Lý Thường Kiệt",
    ]
    abbrev = {
        "Xã": "X.",
        "Phường": "P.",
        "Thị trấn": "TT.",
        "Huyện": "H.",
        "Quận": "Q.",
        "Thị xã": "TX.",
        "Thành phố": "TP.",
        "Tỉnh": "T.",
    }
    out: list[tuple[str, frozenset[str]]] = []
    for i in range(n):
        code = communes[rng.randrange(len(communes))]
        w = units[("commune", code)]
        d = units[("district", w.parent)]
        p = units[("province", w.province)]
        variant = VARIANTS[i % len(VARIANTS)]
        street = ""
        r = rng.random()
        if r < 0.4:
            street = f"Số {rng.randint(1, 300)} {rng.choice(streets)}"
        elif r < 0.6:
            street = f"Thôn {rng.randint(1, 12)}"
        if variant == "abbrev":
            short = w.short_name.zfill(2) if w.short_name.isdigit() else w.short_name
            ward = f"{abbrev.get(w.unit_type, '')}{short}"
            parts = [street, ward, f"{abbrev.get(d.unit_type, '')}{d.short_name}", p.short_name]
        elif variant == "short":
            parts = [street, w.short_name, d.short_name, p.short_name]
        elif variant == "no_district":
            parts = [street, w.name, p.name]
        else:
            parts = [street, w.name, d.name, p.name]
        text = ", ".join(x for x in parts if x)
        if variant == "ascii":
            text = fold(text)
        elif variant == "upper":
            text = text.upper()
        out.append((text, frozenset(labels[code])))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--peer-n", type=int, default=0, help="peer sample size (0 = all)")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="lienthong-bench-geo-")
    os.environ.setdefault("LIENTHONG_VAR_DIR", tmp)
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lienthong.settings"
    from lienthong.core import instance

    instance.initialise(os.environ)  # the scratch instance's keys, as `lienthong init`
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from lienthong.geo.loaders import load_units
    from lienthong.geo.selectors import address_index

    load_units()
    data = build_labelled(args.n)
    texts = [t for t, _ in data]

    t0 = time.perf_counter()
    index = address_index()
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours_ok: list[bool] = []
    statuses: dict[str, int] = defaultdict(int)
    for text, label in data:
        r = index.convert(text)
        ours_ok.append(r.ward_code in label)
        statuses[str(r.status)] += 1
    ours_s = time.perf_counter() - t0
    # Peak memory of LiênThông's part (data set, index, conversion), before the peer loads.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours_correct = sum(ours_ok)

    import vietnamadminunits
    from vietnamadminunits.converter import converter_2025

    converter_2025.get_geo_location = lambda address: None  # no network here
    peer_n = args.peer_n or args.n
    sample = data[:peer_n]
    t0 = time.perf_counter()
    peer_codes: list[str] = []
    for text, _ in sample:
        try:
            unit = vietnamadminunits.convert_address(text)
            peer_codes.append(str(unit.ward_code or ""))
        except Exception:  # the peer raises on addresses it cannot parse
            peer_codes.append("")
    peer_s = time.perf_counter() - t0
    peer_correct = sum(c in label for c, (_, label) in zip(peer_codes, sample, strict=True))
    ours_on_sample = sum(ours_ok[:peer_n])

    ours_per_s = len(texts) / ours_s
    peer_per_s = len(sample) / peer_s
    print(f"addresses: {len(texts)} (peer: {len(sample)}), index built in {build_s:.2f} s")
    print(f"LiênThông: {ours_per_s:,.0f} addresses/s, accuracy {ours_correct / len(texts):.2%}")
    print(f"  statuses: {dict(statuses)}")
    print(f"  same {len(sample)} as the peer: accuracy {ours_on_sample / len(sample):.2%}")
    peer_acc = peer_correct / len(sample)
    print(f"vietnamadminunits: {peer_per_s:,.0f} addresses/s, accuracy {peer_acc:.2%}")
    print(f"ratio: {ours_per_s / peer_per_s:.1f}x; peak RSS of LiênThông's run {peak_mb:.0f} MB")
    print(
        json.dumps(
            {
                "n": len(texts),
                "peer_n": len(sample),
                "lienthong_per_s": round(ours_per_s),
                "peer_per_s": round(peer_per_s),
                "ratio": round(ours_per_s / peer_per_s, 1),
                "peak_mb": round(peak_mb),
                "lienthong_accuracy": round(ours_on_sample / len(sample), 4),
                "peer_accuracy": round(peer_correct / len(sample), 4),
            }
        )
    )


if __name__ == "__main__":
    main()
