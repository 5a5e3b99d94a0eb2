"""Convert the address column of a CSV or XLSX file, streaming in bounded memory.

Rows are read, converted and written one at a time: a file of millions of
rows never sits in memory. Bad rows (missing column, empty or unreadable
address) get a status and a reason; the run goes on. The summary counts rows
per status.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lienthong.core import spreadsheets
from lienthong.geo.address import AddressIndex, ConversionResult
from lienthong.geo.constants import Reason, Status
from lienthong.geo.text import compact

__all__ = ["FileFormatError", "Summary", "convert_file", "count_rows", "result_headers"]

RESULT_FIELDS = [
    "status",
    "reason",
    "new_address",
    "ward_code",
    "ward_name",
    "province_code",
    "province_name",
    "confidence",
    "candidates",
    "old_ward_code",
    "old_ward_name",
    "old_district_name",
    "old_province_name",
]
VI_HEADERS = {
    "status": "Trạng thái",
    "reason": "Lý do",
    "new_address": "Địa chỉ mới",
    "ward_code": "Mã xã mới",
    "ward_name": "Xã/phường mới",
    "province_code": "Mã tỉnh mới",
    "province_name": "Tỉnh/thành phố mới",
    "confidence": "Độ tin cậy",
    "candidates": "Các xã mới có thể (xã bị chia)",
    "old_ward_code": "Mã xã cũ",
    "old_ward_name": "Xã/phường cũ",
    "old_district_name": "Quận/huyện cũ",
    "old_province_name": "Tỉnh/thành phố cũ",
}
VI_STATUS: dict[str, str] = {
    Status.CONVERTED: "Đã chuyển đổi",
    Status.ALREADY_NEW: "Đã là địa chỉ mới",
    Status.AMBIGUOUS: "Cần chọn",
    Status.UNRESOLVED: "Không xác định",
}
ADDRESS_COLUMN_HINTS = ("diachi", "address", "dc", "noio", "thuongtru", "tamtru")
#: An XLSX is refused before it is parsed when it would inflate past these
#: (lienthong.core.spreadsheets): rows are streamed, but openpyxl holds the shared strings
#: (every distinct text) in memory, and a single cell's text, so those are what is bounded.
#: A million addresses of 60 characters are about 60 MB of shared strings.
XLSX_LIMITS = spreadsheets.XlsxLimits(
    max_uncompressed=2 * 1024 * 1024 * 1024,
    max_rows=1_048_575,  # Excel's own limit, less the header
    max_shared_strings=64 * 1024 * 1024,
)


class FileFormatError(ValueError):
    """The file cannot be read as a table (wrong type, no header, unknown column)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Summary:
    rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    column: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "column": self.column, "counts": dict(self.counts)}


def result_headers(language: str) -> list[str]:
    return [VI_HEADERS[f] for f in RESULT_FIELDS] if language == "vi" else list(RESULT_FIELDS)


def _result_cells(r: ConversionResult, language: str) -> list[str]:
    candidates = "; ".join(
        f"{c.ward_code} {c.ward_name}" + (" (mặc định)" if c.is_default else "")
        for c in r.candidates
    )
    status = VI_STATUS.get(r.status, r.status) if language == "vi" else r.status
    reason = r.reason
    if language == "vi" and reason:
        reason = str(Reason(reason).label) if reason in Reason.values else reason
    return [
        status,
        reason,
        r.address,
        r.ward_code,
        r.ward_name,
        r.province_code,
        r.province_name,
        f"{r.confidence:.2f}",
        candidates,
        r.legacy.ward_code,
        r.legacy.ward_name,
        r.legacy.district_name,
        r.legacy.province_name,
    ]


def _pick_column(header: list[str], column: str | None) -> int:
    keys = [compact(h or "") for h in header]
    if column:
        wanted = compact(column)
        if wanted in keys:
            return keys.index(wanted)
        raise FileFormatError(
            f"Không có cột '{column}' trong tệp (các cột: {', '.join(h for h in header if h)}).",
            "unknown_column",
        )
    for hint in ADDRESS_COLUMN_HINTS:
        for i, k in enumerate(keys):
            if k.startswith(hint):
                return i
    return 0


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    raise FileFormatError(
        f"Định dạng tệp {suffix or '(không có đuôi)'} không được hỗ trợ; hãy dùng .csv hoặc .xlsx.",
        "unsupported_format",
    )


def _detect_encoding(sample: bytes) -> str:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the sample's end
            return "cp1258"  # Windows Vietnamese, still common in exported spreadsheets
    return "utf-8-sig"


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open("rb") as raw:
        sample = raw.read(65536)
    encoding = _detect_encoding(sample)
    text_sample = sample.decode(encoding, errors="replace")
    try:
        dialect: Any = csv.Sniffer().sniff(
            text_sample.split("\n", 20)[0] + "\n", delimiters=",;\t|"
        )
    except csv.Error:
        dialect = csv.excel
    with path.open(encoding=encoding, errors="replace", newline="") as f:
        if encoding == "utf-8-sig":
            yield from csv.reader(f, dialect)
            return
        # Windows-1258 writes tone marks as combining characters; compose them so the
        # text reads (and matches) like any other Vietnamese text.
        for row in csv.reader(f, dialect):
            yield [unicodedata.normalize("NFC", cell) for cell in row]


def _open_xlsx(path: Path) -> Any:
    try:
        return spreadsheets.open_workbook(path, XLSX_LIMITS)
    except spreadsheets.SpreadsheetRefused as exc:
        code = "unreadable_file" if exc.code == "unreadable" else exc.code
        raise FileFormatError(exc.message, code) from exc


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    wb = _open_xlsx(path)
    try:
        for row in _bounded_rows(wb.worksheets[0]):
            # Values keep their type (numbers, dates) so an XLSX result keeps the
            # official's own cells as they were; only the address is read as text.
            yield ["" if v is None else v for v in row]
    finally:
        wb.close()


def _bounded_rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    try:
        yield from spreadsheets.bounded_rows(sheet, XLSX_LIMITS)
    except spreadsheets.SpreadsheetRefused as exc:
        raise FileFormatError(exc.message, exc.code) from exc


def read_rows(path: Path) -> Iterator[list[Any]]:
    return _csv_rows(path) if _format_of(path) == "csv" else _xlsx_rows(path)


def count_rows(path: Path) -> int | None:
    """Data rows (without the header), cheaply; None when unknown."""
    if _format_of(path) == "csv":
        with path.open("rb") as f:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        return max(lines - 1, 0)
    wb = _open_xlsx(path)
    try:
        rows = wb.worksheets[0].max_row
    finally:
        wb.close()
    return max(rows - 1, 0) if rows else None


class _Writer:
    def __init__(self, path: Path) -> None:
        self.format = _format_of(path)
        if self.format == "csv":
            self._f: io.TextIOWrapper = path.open("w", encoding="utf-8-sig", newline="")
            self._csv = csv.writer(self._f)
        else:
            from openpyxl import Workbook

            self._wb = Workbook(write_only=True)
            self._ws = self._wb.create_sheet("Kết quả")
            self._path = path

    def write(self, row: list[Any]) -> None:
        if self.format == "csv":
            self._csv.writerow(row)
        else:
            self._ws.append(row)

    def close(self) -> None:
        if self.format == "csv":
            self._f.close()
        else:
            self._wb.save(self._path)


def convert_file(
    src: Path,
    dst: Path,
    *,
    index: AddressIndex,
    column: str | None = None,
    language: str = "en",
    progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
) -> Summary:
    """Write ``dst`` = every row of ``src`` plus the conversion of its address column."""
    _format_of(dst)
    rows = read_rows(src)
    try:
        header = [str(h) for h in next(rows)]
    except StopIteration:
        raise FileFormatError("Tệp không có dữ liệu (thiếu dòng tiêu đề).", "empty_file") from None
    col = _pick_column(header, column)
    summary = Summary(column=header[col] if col < len(header) else "")
    writer = _Writer(dst)
    try:
        writer.write([*header, *result_headers(language)])
        width = len(header)
        for row in rows:
            if not any(str(cell).strip() for cell in row):
                continue  # blank line
            text = str(row[col]) if col < len(row) else ""
            result = index.convert(text)
            # Short rows are padded so the results sit under their headers; cells beyond
            # the header are kept after the results rather than pushing them aside.
            cells = row[:width] + [""] * (width - len(row))
            writer.write([*cells, *_result_cells(result, language), *row[width:]])
            summary.rows += 1
            summary.counts[result.status] += 1
            if result.status == Status.UNRESOLVED:
                summary.counts[f"reason:{result.reason}"] += 1
            if progress and summary.rows % progress_every == 0:
                progress(summary.rows)
    finally:
        writer.close()
    if progress and (summary.rows % progress_every or not summary.rows):
        progress(summary.rows)  # the total, unless it was just reported
    return summary
