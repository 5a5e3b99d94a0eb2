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

__all__ = ["LIMITS", "rows_of", "tasks_xlsx"]

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
