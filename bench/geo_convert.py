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

Then the messy set (tests/geo/data/messy_test.csv, written by tests/geo/messy.py):
addresses as people type them (Telex/VNI without conversion, typos, odd separators, the new
province with old units, ...), scored strictly — a split old commune is right only when
flagged "ambiguous" with every successor among the candidates, and a confident answer that
is wrong counts apart (wrong_confident). The same rows go through vietnamadminunits and
vietnam-address-converter (a dev dependency, Apache-2.0; skipped with a note when missing);
neither flags a split commune, so their split rows are wrong_confident or missed by
construction, and their "lenient" figure (the code given is one of the expected ones) is
printed beside. Last, LiênThông alone on --fresh-seeds sets the reader was never tuned on
(seeds 101, 102, …: 1,950 rows each), so the held-out figure is not an artefact of tuning.

    .venv/bin/python bench/geo_convert.py [--n 200000] [--peer-n N] [--messy-only]
                                          [--show-failures N] [--fresh-seeds 10]

Between the two, one province's file (--province-n rows of Nghệ An's old communes, names
repeating as they do in a province's registry), LiênThông on a new index against the peer.

Then the same addresses through the CLI (``lienthong geo convert`` on a CSV of them, a new
process timed from start to end): the rows/s the target is about.

Ends with one JSON line: lienthong_per_s, peer_per_s, ratio, peak_mb, cli_per_s, cli_ratio,
cli_peak_mb, cli_accuracy,
lienthong_accuracy, peer_accuracy, province_n, province_per_s, province_peer_per_s,
province_ratio (absent with --messy-only), messy_strict,
messy_wrong_confident, messy_per_class, messy_per_s, tidy_accuracy, peer_messy_strict,
peer_messy_wrong_confident, peer_messy_per_class, peer_messy_per_s, messy_ratio,
vac_messy_strict, vac_messy_wrong_confident, vac_messy_per_class (null when
vietnam-address-converter is not installed), fresh_n, fresh_strict, fresh_wrong_confident.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

VARIANTS = ("full", "ascii", "abbrev", "short", "no_district", "upper")


def build_labelled(
    n: int, seed: int = 20250701, province: str | None = None
) -> list[tuple[str, frozenset[str]]]:
    """``province``: only the old communes of that old province (a province's own file)."""
    from lienthong.geo.loaders import DATA_DIR, legacy_units
    from lienthong.geo.text import fold

    rng = random.Random(seed)
    units = {(u.level, u.code): u for u in legacy_units()}
    labels: dict[str, set[str]] = defaultdict(set)
    with (DATA_DIR / "ward_conversion_2025.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            labels[r["old_ward_code"]].add(r["new_ward_code"])
    communes = sorted(
        c
        for c in labels
        if ("commune", c) in units and province in (None, units[("commune", c)].province)
    )
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


MESSY = Path(__file__).resolve().parent.parent / "tests" / "geo" / "messy.py"


def load_messy() -> ModuleType:
    """tests/geo/messy.py, imported by path (tests/ is not on the benchmark's path)."""
    spec = importlib.util.spec_from_file_location("lienthong_messy", MESSY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def vietnamadminunits_convert(messy: ModuleType) -> Callable[[str], Any]:
    import vietnamadminunits
    from vietnamadminunits.converter import converter_2025

    converter_2025.get_geo_location = lambda address: None  # no network here

    def convert(text: str) -> Any:
        try:
            code = str(vietnamadminunits.convert_address(text).ward_code or "")
        except Exception:  # the peer raises on addresses it cannot parse
            code = ""
        return messy.answer("converted" if code else "unresolved", code)

    return convert


def vac_convert(messy: ModuleType) -> Callable[[str], Any] | None:
    """vietnam-address-converter, its own codes mapped to the official ones by name."""
    try:
        from vietnam_address_converter import create_converter
    except ImportError:
        return None
    geo = messy.load()
    official: dict[tuple[str, str], str] = {}
    for code, unit in geo.new_communes.items():
        province = geo.new_provinces[geo.new_province_of[code]]
        official[(messy._key(province.short), messy._key(unit.name))] = code
    converter = create_converter()

    def code_of(ward: dict[str, Any] | None, province: dict[str, Any] | None) -> str:
        if not ward or not province:
            return ""
        key = (messy._key(str(province.get("name", ""))), messy._key(ward["name_with_type"]))
        return official.get(key, "?" + str(ward.get("code", "")))

    def convert(text: str) -> Any:
        try:
            r = converter.auto_convert_address(text)
        except Exception:
            return messy.answer("unresolved")
        new = r.get("converted_new") or {}
        code = code_of(new.get("ward"), new.get("province"))
        conversion = r.get("conversion") or {}
        offered = tuple(
            dict.fromkeys(
                code_of(c.get("new_ward"), c.get("new_province"))
                for c in conversion.get("candidates") or ()
            )
        )
        if not code:
            return messy.answer("unresolved")
        if len(offered) > 1:
            return messy.answer("ambiguous", code, *offered)
        status = "already_new" if r.get("input_type") == "new" else "converted"
        return messy.answer(status, code, *offered)

    return convert


def messy_part(index_convert: Callable[[str], Any], show_failures: int = 0) -> dict[str, Any]:
    """The messy set through LiênThông and the peers; prints the table, returns JSON keys."""
    messy = load_messy()
    rows = messy.read_rows(messy.TEST_CSV)
    split = sum(r.split for r in rows)
    print(f"\nmessy set: {len(rows)} rows ({messy.TEST_CSV.name}), {split} split communes")
    tools: dict[str, dict[str, Any] | None] = {}
    tools["lienthong"] = messy.evaluate(index_convert, rows)
    tools["vietnamadminunits"] = messy.evaluate(vietnamadminunits_convert(messy), rows)
    vac = vac_convert(messy)
    tools["vietnam-address-converter"] = messy.evaluate(vac, rows) if vac else None
    if vac is None:
        print("vietnam-address-converter: not installed, skipped (a dev dependency: make install)")
    ran = {name: r for name, r in tools.items() if r is not None}
    names = list(ran)
    print(f"{'strict accuracy':<24}" + "".join(f"{n[:22]:>24}" for n in names))
    for cls in messy.CLASSES:
        cells = []
        for name in names:
            r = ran[name]
            wrong = r["per_class_counts"][cls].get("wrong_confident", 0)
            cells.append(f"{r['per_class'][cls]:>9.2%} ({wrong:3d} wrong)")
        print(f"  {cls:<22}" + "".join(f"{c:>24}" for c in cells))
    print(f"  {'all':<22}" + "".join(f"{ran[n]['strict']:>24.2%}" for n in names))
    print(f"  {'wrong_confident':<22}" + "".join(f"{ran[n]['wrong_confident']:>24}" for n in names))
    print(f"  {'flagged':<22}" + "".join(f"{ran[n]['flagged']:>24}" for n in names))
    print(f"  {'missed':<22}" + "".join(f"{ran[n]['missed']:>24}" for n in names))
    print(f"  {'lenient':<22}" + "".join(f"{ran[n]['lenient']:>24.2%}" for n in names))
    print(f"  {'rows/s':<22}" + "".join(f"{ran[n]['rows_per_s']:>24,.0f}" for n in names))

    if show_failures:
        print("LiênThông, " + messy.report(tools["lienthong"], failures=show_failures))

    def per_class(r: dict[str, Any] | None) -> dict[str, float] | None:
        return {k: round(v, 4) for k, v in r["per_class"].items()} if r else None

    ours, peer, other = (
        tools["lienthong"],
        tools["vietnamadminunits"],
        ran.get("vietnam-address-converter"),
    )
    assert ours is not None
    assert peer is not None
    return {
        "messy_n": len(rows),
        "messy_strict": round(ours["strict"], 4),
        "messy_wrong_confident": ours["wrong_confident"],
        "messy_per_class": per_class(ours),
        "messy_per_s": round(ours["rows_per_s"]),
        "tidy_accuracy": round(ours["per_class"]["tidy"], 4),
        "peer_messy_strict": round(peer["strict"], 4),
        "peer_messy_wrong_confident": peer["wrong_confident"],
        "peer_messy_per_class": per_class(peer),
        "peer_messy_per_s": round(peer["rows_per_s"]),
        "messy_ratio": round(ours["rows_per_s"] / peer["rows_per_s"], 1),
        "vac_messy_strict": round(other["strict"], 4) if other else None,
        "vac_messy_wrong_confident": other["wrong_confident"] if other else None,
        "vac_messy_per_class": per_class(other),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--peer-n", type=int, default=0, help="peer sample size (0 = all)")
    ap.add_argument(
        "--messy-only", action="store_true", help="only the messy set (skips the --n part)"
    )
    ap.add_argument(
        "--show-failures", type=int, default=0, help="print LiênThông's first N failing rows"
    )
    ap.add_argument("--province-n", type=int, default=50_000, help="rows of one province's file")
    ap.add_argument(
        "--fresh-seeds", type=int, default=10, help="messy sets never tuned on (0: none)"
    )
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
    summary: dict[str, Any] = {}
    if not args.messy_only:
        summary.update(conversion_part(args, address_index))
    summary.update(messy_part(address_index().convert, args.show_failures))
    if args.fresh_seeds:
        summary.update(fresh_part(address_index().convert, args.fresh_seeds))
    print(json.dumps(summary, ensure_ascii=False))


def fresh_part(index_convert: Callable[[str], Any], seeds: int) -> dict[str, Any]:
    """LiênThông on messy sets generated now with seeds the reader was never tuned on."""
    messy = load_messy()
    n = right = wrong = 0
    print(f"\nfresh messy sets (seeds 101–{100 + seeds}, {len(messy.CLASSES)} classes × 150):")
    for seed in range(101, 101 + seeds):
        result = messy.evaluate(index_convert, messy.build(seed, 150))
        n += result["n"]
        right += round(result["strict"] * result["n"])
        wrong += result["wrong_confident"]
        print(f"  seed {seed}: strict {result['strict']:.2%}, {result['wrong_confident']} wrong")
    print(f"  all {n} rows: strict {right / n:.2%}, wrong_confident {wrong} ({wrong / n:.3%})")
    return {"fresh_n": n, "fresh_strict": round(right / n, 4), "fresh_wrong_confident": wrong}


def conversion_part(args: argparse.Namespace, address_index: Callable[[], Any]) -> dict[str, Any]:
    """The --n mixed legacy addresses, LiênThông against vietnamadminunits (speed, accuracy)."""
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

    def peer_convert(text: str) -> str:
        try:
            return str(vietnamadminunits.convert_address(text).ward_code or "")
        except Exception:  # the peer raises on addresses it cannot parse
            return ""

    t0 = time.perf_counter()
    peer_codes = [peer_convert(text) for text, _ in sample]
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
    cli = cli_part(data, peer_per_s)
    return {
        **province_part(args, address_index, peer_convert),
        **cli,
        **{
            "n": len(texts),
            "peer_n": len(sample),
            "lienthong_per_s": round(ours_per_s),
            "peer_per_s": round(peer_per_s),
            "ratio": round(ours_per_s / peer_per_s, 1),
            "peak_mb": round(peak_mb),
            "lienthong_accuracy": round(ours_on_sample / len(sample), 4),
            "peer_accuracy": round(peer_correct / len(sample), 4),
        },
    }


# The CLI as `lienthong` runs it, writing its own peak memory (VmHWM, kB) to argv[1] as it
# ends: a child's ru_maxrss would count the benchmark's memory it was forked from.
_CLI_RUNNER = """
import atexit, re, sys
from pathlib import Path

def _peak(path=Path(sys.argv.pop(1))):
    status = Path("/proc/self/status").read_text()
    path.write_text(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))

atexit.register(_peak)
from lienthong.cli import main
main(["lienthong", *sys.argv[1:]])
"""


def cli_part(data: list[tuple[str, frozenset[str]]], peer_per_s: float) -> dict[str, Any]:
    """The same addresses through the command a user runs (``lienthong geo convert``: a new
    process that starts, builds its index, reads the CSV, converts and writes it), timed
    from start to end; its accuracy read back from the file it wrote."""
    tmp = Path(os.environ["LIENTHONG_VAR_DIR"])
    src, dst = tmp / "cli-in.csv", tmp / "cli-out.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "dia_chi"])
        writer.writerows((i, text) for i, (text, _) in enumerate(data))
    peak = tmp / "cli-peak"
    args = ["geo", "convert", str(src), "-o", str(dst), "--no-progress"]
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _CLI_RUNNER, str(peak), *args],
        check=True,
        env=os.environ,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - t0
    peak_mb = int(peak.read_text()) / 1024
    with dst.open(encoding="utf-8-sig", newline="") as f:
        codes = [row["ward_code"] for row in csv.DictReader(f)]
    right = sum(code in label for code, (_, label) in zip(codes, data, strict=True))
    per_s = len(data) / seconds
    print(
        f"CLI (lienthong geo convert, start to end): {len(data)} rows in {seconds:.1f} s,"
        f" {per_s:,.0f} rows/s, accuracy {right / len(data):.2%}, peak RSS {peak_mb:.0f} MB;"
        f" {per_s / peer_per_s:.1f}x the peer"
    )
    return {
        "cli_per_s": round(per_s),
        "cli_ratio": round(per_s / peer_per_s, 1),
        "cli_peak_mb": round(peak_mb),
        "cli_accuracy": round(right / len(data), 4),
    }


def province_part(
    args: argparse.Namespace, address_index: Callable[[], Any], peer: Callable[[str], str]
) -> dict[str, Any]:
    """One province's file (Nghệ An's old communes, the same six ways of writing): what a
    province converting its own registry sees, names repeating from row to row. A new
    index, so nothing is remembered from the part before."""
    data = build_labelled(args.province_n, seed=7, province="40")
    address_index.cache_clear()  # type: ignore[attr-defined]
    index = address_index()
    t0 = time.perf_counter()
    ours = sum(index.convert(text).ward_code in label for text, label in data)
    ours_per_s = len(data) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    theirs = sum(peer(text) in label for text, label in data)
    peer_per_s = len(data) / (time.perf_counter() - t0)
    print(
        f"one province's file ({len(data)} rows, Nghệ An): LiênThông {ours_per_s:,.0f}/s"
        f" ({ours / len(data):.2%}), vietnamadminunits {peer_per_s:,.0f}/s"
        f" ({theirs / len(data):.2%}), ratio {ours_per_s / peer_per_s:.1f}x"
    )
    return {
        "province_n": len(data),
        "province_per_s": round(ours_per_s),
        "province_peer_per_s": round(peer_per_s),
        "province_ratio": round(ours_per_s / peer_per_s, 1),
    }


if __name__ == "__main__":
    main()
