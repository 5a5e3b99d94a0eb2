"""Plan 02's tasks in and out of spreadsheets: the rows of an uploaded CSV or XLSX (the
columns of ``services.COLUMNS``, by their header or their field name), the task list as
an Excel workbook."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO, Any, Final

from django.utils.translation import gettext as _

from lienthong.core import spreadsheets
from lienthong.steering.services import COLUMNS

__all__ = ["LIMITS", "export_name", "index_xlsx", "rows_of", "tasks_xlsx"]

LIMITS: Final = spreadsheets.XlsxLimits(max_uncompressed=8 * 1024 * 1024, max_rows=2000)
_FIELDS: Final = {**{h.lower(): f for h, f in COLUMNS}, **{f: f for _h, f in COLUMNS}}


def _row(header: list[str], values: Iterable[Any]) -> dict[str, Any]:
    return {
        _FIELDS[h]: v
        for h, v in zip(header, values, strict=False)
        if h in _FIELDS and v is not None
    }


def rows_of(name: str, data: IO[bytes] | Any) -> list[dict[str, Any]]:
    """The task rows of an uploaded file (``.xlsx`` or ``.csv``, UTF-8, comma or
    semicolon). Raises SpreadsheetRefused (a stable code, a Vietnamese reason)."""
    if name.lower().endswith(".xlsx"):
        book = spreadsheets.open_workbook(data, LIMITS)
        try:
            rows = list(spreadsheets.bounded_rows(book.worksheets[0], LIMITS))
        finally:
            book.close()
    elif name.lower().endswith(".csv"):
        try:
            text = data.read(LIMITS.max_uncompressed + 1).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise spreadsheets.SpreadsheetRefused(
                "not_utf8", _("Tệp CSV phải mã hóa UTF-8.")
            ) from exc
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","  # Excel's, or plain
        try:
            rows = [tuple(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
        except csv.Error as exc:
            raise spreadsheets.SpreadsheetRefused(
                "unreadable", _("Không đọc được tệp CSV: %(e)s") % {"e": exc}
            ) from exc
        if len(rows) > LIMITS.max_rows + 1:
            raise spreadsheets.too_many_rows(LIMITS.max_rows)
    else:
        raise spreadsheets.SpreadsheetRefused(
            "file_type", _("Chọn tệp Excel (.xlsx) hoặc CSV (.csv).")
        )
    if not rows:
        return []
    header = [str(h or "").strip().lower() for h in rows[0]]
    if "code" not in {_FIELDS.get(h) for h in header}:
        raise spreadsheets.SpreadsheetRefused(
            "no_header", _("Dòng đầu phải là tên các cột (Mã, Nhiệm vụ, …), như tệp xuất ra.")
        )
    return [_row(header, r) for r in rows[1:] if any(v not in (None, "") for v in r)]


def tasks_xlsx(tasks: Iterable[Any]) -> bytes:
    """The tasks as a workbook with the import's columns (and where each stands)."""
    header = [h for h, _f in COLUMNS] + [_("Trạng thái"), _("Tiến độ (%)"), _("Báo cáo gần nhất")]
    rows = (
        [
            t.code,
            t.title,
            t.get_pillar_display(),
            t.get_phase_display(),
            t.lead.code,
            "; ".join(a.code for a in t.supporting.all()),
            t.deadline.strftime("%d/%m/%Y"),
            t.output,
            t.indicator,
            t.source,
            t.get_status_display(),
            t.progress,
            t.last_report_at.strftime("%d/%m/%Y") if t.last_report_at else "",
        ]
        for t in tasks
    )
    return spreadsheets.xlsx_bytes(_("Nhiệm vụ Kế hoạch 02"), header, rows)


def export_name(card: Any) -> str:
    """``chi-so-766-province-37-2026-Q3``: the scope and the period, ASCII."""
    return f"chi-so-766-{card.scope.text.replace(':', '-')}-{card.period.text}"


def index_xlsx(
    card: Any, children: Iterable[Any], late: Iterable[Any], agencies: Iterable[Any] = ()
) -> bytes:
    """The index of a scope and period as a workbook: every indicator with its rate,
    points and inputs; the units below ranked, and the agencies; the procedures with
    most late dossiers."""
    from lienthong.steering.presenters import index_data, rank_data

    data = index_data(card)
    rows: list[list[Any]] = [
        [_("Phạm vi"), data["scope_name"], "", "", "", "", ""],
        [_("Kỳ"), data["period_label"], "", "", "", "", ""],
        [_("Tổng điểm"), _number(data["total"]), data["band"]["label"] if data["band"] else "N/A"],
        [],
    ]
    for g in data["groups"]:
        rows.append([g["code"], g["name"], "", _number(g["total"]), _number(g["points"]), "", ""])
        for i in g["indicators"]:
            inputs = "; ".join(f"{x['name']}: {x['value']}" for x in i["inputs"])
            rows.append(
                [
                    i["code"],
                    i["name"],
                    _number(i["rate"]) if i["rate"] is not None else (i["note"] or "N/A"),
                    _number(i["score"]),
                    _number(i["points"]),
                    inputs,
                    i["formula"],
                ]
            )
    for ranking in (children, agencies):
        ranked = [rank_data(r) for r in ranking]
        if not ranked:
            continue
        rows += [
            [],
            [
                _("Hạng"),
                _("Đơn vị"),
                _("Tổng điểm"),
                _("Xếp loại"),
                _("Thay đổi"),
                _("Hồ sơ"),
                _("Trễ hạn"),
            ],
        ]
        rows += [
            [
                r["rank"] or "—",
                r["name"],
                _number(r["total"]),
                r["band"]["label"] if r["band"] else "N/A",
                _number(r["change"]),
                r["dossiers"],
                r["late"],
            ]
            for r in ranked
        ]
    late = list(late)
    if late:
        rows += [
            [],
            [
                _("Mã thủ tục"),
                _("Thủ tục có nhiều hồ sơ trễ hạn"),
                _("Hồ sơ"),
                _("Trễ hạn"),
                _("Quá hạn chưa xong"),
            ],
        ]
        rows += [[r.procedure_code, r.name, r.dossiers, r.late, r.overdue_open] for r in late]
    header = [
        _("Mã"),
        _("Chỉ số"),
        _("Tỷ lệ (%)"),
        _("Điểm"),
        _("Điểm tối đa"),
        _("Số liệu đầu vào"),
        _("Công thức"),
    ]
    return spreadsheets.xlsx_bytes(_("Chỉ số 766"), header, rows)


def _number(value: Any) -> Any:
    return float(value) if value is not None else None
