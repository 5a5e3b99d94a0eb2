"""Opening an uploaded XLSX without letting it take the process's memory.

An XLSX is a zip of XML parts. openpyxl's read-only mode streams the rows of a sheet, but
it still reads the whole shared-strings part (every distinct text of the workbook) into a
list, and a cell's text into one string. Deflate packs highly repetitive XML up to about
1,000 times: a 490 KB upload held 200 MB of shared strings, which took a worker from
185 MB to over 1 GB, and Python kept the memory after the import.

So before openpyxl sees the file, :func:`open_workbook` reads the zip's directory (no
part is inflated) and refuses the file when

* its parts would inflate to more than ``max_uncompressed`` bytes in all, or its shared
  strings to more than ``max_shared_strings`` bytes;
* a part larger than :data:`RATIO_GRACE_BYTES` inflates more than ``max_ratio`` times (100,
  as Apache POI's ``ZipSecureFile``; real spreadsheets are 5–20 times);
* it has more than ``max_members`` parts;

and, once the workbook is open, when the sheet's declared size (``<dimension>``) has more
than ``max_rows`` rows. :func:`bounded_rows` counts the rows as they are read, since the
declared size may be missing or wrong.

The sizes come from the zip's central directory; Python's zipfile never inflates a part
past the size declared there, so a lying directory makes the file unreadable, not larger.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

__all__ = [
    "RATIO_GRACE_BYTES",
    "SpreadsheetRefused",
    "XlsxLimits",
    "bounded_rows",
    "check_archive",
    "open_workbook",
]

#: Parts up to this size are not held to the ratio: a small, very regular part (styles,
#: an empty sheet) legitimately packs far better than 100 times, and cannot hurt.
RATIO_GRACE_BYTES: Final = 1024 * 1024
_SHARED_STRINGS: Final = "xl/sharedstrings.xml"
_MB: Final = 1024 * 1024


class SpreadsheetRefused(ValueError):
    """The file is not read: ``code`` is stable, the message says why in Vietnamese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class XlsxLimits:
    """What one kind of import accepts."""

    max_uncompressed: int
    max_rows: int
    max_ratio: int = 100
    max_members: int = 1000
    max_shared_strings: int | None = None  # None: max_uncompressed


def check_archive(source: str | Path | IO[bytes], limits: XlsxLimits) -> None:
    """Refuse an XLSX whose parts would inflate beyond ``limits`` (reads the directory only).

    A stream is left at its start."""
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise SpreadsheetRefused("unreadable", _("Không đọc được tệp Excel (.xlsx).")) from exc
    finally:
        if not isinstance(source, str | Path):
            source.seek(0)
    if len(members) > limits.max_members:
        raise SpreadsheetRefused(
            "too_many_parts",
            _("Tệp Excel có %(n)d thành phần, nhiều hơn mức cho phép (%(limit)d).")
            % {"n": len(members), "limit": limits.max_members},
        )
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > RATIO_GRACE_BYTES and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise SpreadsheetRefused(
                "compression_ratio",
                _(
                    "Tệp Excel bị nén bất thường (phần %(part)s nén %(ratio)d lần, quá %(limit)d "
                    "lần); tệp không được đọc. Hãy lưu lại tệp bằng Excel hoặc dùng tệp CSV."
                )
                % {
                    "part": info.filename,
                    "ratio": info.file_size // max(info.compress_size, 1),
                    "limit": limits.max_ratio,
                },
            )
        shared_limit = limits.max_shared_strings
        if (
            shared_limit is not None
            and info.filename.lower() == _SHARED_STRINGS
            and info.file_size > shared_limit
        ):
            raise SpreadsheetRefused(
                "too_large",
                _(
                    "Phần chữ dùng chung của tệp Excel lớn hơn %(limit)d MB khi giải nén; hãy chia "
                    "thành nhiều tệp nhỏ hơn hoặc dùng tệp CSV."
                )
                % {"limit": shared_limit // _MB},
            )
    if total > limits.max_uncompressed:
        raise SpreadsheetRefused(
            "too_large",
            _(
                "Tệp Excel lớn hơn %(limit)d MB khi giải nén (%(size)d MB); hãy chia thành nhiều "
                "tệp nhỏ hơn."
            )
            % {"limit": limits.max_uncompressed // _MB, "size": -(-total // _MB)},
        )


def too_many_rows(limit: int) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        "too_many_rows",
        _("Tệp có hơn %(limit)s dòng dữ liệu; hãy chia thành nhiều tệp nhỏ hơn.")
        % {"limit": f"{limit:,}".replace(",", ".")},
    )


def open_workbook(source: str | Path | IO[bytes], limits: XlsxLimits) -> Workbook:
    """The workbook, read-only with cached values, once :func:`check_archive` let it
    through and its first sheet declares at most ``max_rows`` data rows (plus a header).
    Close it after use (it keeps the file open)."""
    from openpyxl import load_workbook

    check_archive(source, limits)
    try:
        book = load_workbook(source, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        declared = sheet.max_row  # from <dimension>, without reading the rows
    except SpreadsheetRefused:
        raise
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise SpreadsheetRefused("unreadable", _("Không đọc được tệp Excel (.xlsx).")) from exc
    if declared is not None and declared > limits.max_rows + 1:
        book.close()
        raise too_many_rows(limits.max_rows)
    return book


def bounded_rows(sheet: ReadOnlyWorksheet, limits: XlsxLimits) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows as values; :class:`SpreadsheetRefused` past the header and
    ``max_rows`` rows."""
    # types-openpyxl gives ReadOnlyWorksheet.iter_rows Worksheet's self type.
    rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)  # type: ignore[misc]
    for number, row in enumerate(rows, start=1):
        if number > limits.max_rows + 1:
            raise too_many_rows(limits.max_rows)
        yield row


def xlsx_bytes(title: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """A one-sheet workbook (header in bold, written row by row) as bytes, for exports."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    bold = []
    for name in header:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        bold.append(cell)
    ws.append(bold)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
                # Text, never a formula: a value typed by someone else (a purpose, a
                # name) must not run when the file is opened (CSV/formula injection).
                cell.data_type = "s"
            cells.append(cell)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
