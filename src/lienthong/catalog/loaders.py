"""Reference data: the seed catalogue of ``data/`` (see data/README.md)."""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any, Final

from lienthong.catalog.records import InvalidProcedure, parse_procedure
from lienthong.catalog.services import TermData, load_terms, publish_seed, save_group
from lienthong.core.reference import StepResult, register_loader

logger = logging.getLogger(__name__)

DATA: Final = Path(__file__).resolve().parent / "data"
SEED_DECISION: Final = "Dữ liệu mẫu LiênThông (theo văn bản pháp luật ghi ở mục Nguồn)"


def seed_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted((DATA / "procedures").glob("*.json")):
        records.extend(json.loads(path.read_text(encoding="utf-8")))
    # The electronic forms, one file per procedure code (data/forms/<code>.json).
    forms = {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((DATA / "forms").glob("*.json"))
    }
    for record in records:
        if record.get("code") in forms:
            record["form"] = forms[record["code"]]
    return records


@register_loader(
    "catalog.procedures", order=50, description="Danh mục thủ tục hành chính mẫu, nhóm liên thông"
)
def load_procedures() -> StepResult:
    outcome: Counter[str] = Counter()
    problems: list[str] = []
    for raw in seed_records():
        try:
            data = parse_procedure(raw)
        except InvalidProcedure as exc:
            problems.append(f"{raw.get('code', '?')}: {exc}")
            continue
        outcome[publish_seed(data, decision_number=SEED_DECISION)] += 1
    groups = 0
    groups_file = DATA / "groups.json"
    if groups_file.exists():
        for raw in json.loads(groups_file.read_text(encoding="utf-8")):
            try:
                save_group(raw)
                groups += 1
            except ValueError as exc:
                problems.append(str(exc))
    for p in problems:
        logger.warning("catalog seed: %s", p)
    summary = (
        f"{sum(outcome.values())} thủ tục ({outcome['created']} thêm, {outcome['updated']} "
        f"cập nhật, {outcome['unchanged']} không đổi), {groups} nhóm liên thông"
    )
    if problems:
        summary += f"; {len(problems)} mục lỗi: " + "; ".join(problems[:3])
    return StepResult(summary)


def seed_terms() -> list[TermData]:
    """The seed lexicon (data/lexicon.csv): phrase, means, kind, source."""
    with (DATA / "lexicon.csv").open(encoding="utf-8", newline="") as f:
        return [
            TermData(r["phrase"], r["means"], r["kind"], r["source"]) for r in csv.DictReader(f)
        ]


@register_loader(
    "catalog.lexicon",
    order=51,
    description="Từ điển tìm kiếm thủ tục: cách gọi thông dụng, viết tắt, tiếng Anh",
)
def load_lexicon() -> StepResult:
    outcome = load_terms(seed_terms())
    summary = (
        f"{sum(outcome.values())} mục từ điển ({outcome['created']} thêm, "
        f"{outcome['updated']} cập nhật, {outcome['unchanged']} không đổi)"
    )
    if outcome["invalid"]:
        summary += f"; {outcome['invalid']} mục lỗi"
    return StepResult(summary)
