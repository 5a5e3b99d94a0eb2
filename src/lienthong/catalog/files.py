"""The catalogue's spreadsheet layout (CSV and XLSX), close to the national catalogue's.

One row per procedure; cells that hold lists have one item per line. Items with
parts separate them with ``|``:

* Phí, lệ phí: ``tên | số tiền (đồng, trống nếu tính theo quy tắc) | quy tắc``
* Căn cứ pháp lý: ``số hiệu | tên văn bản | ngày ban hành (YYYY-MM-DD)``
* Thành phần hồ sơ: ``tên | số bản chính | số bản sao | bắt buộc (có/không) |
  trường hợp phải nộp | mẫu đơn | nguồn dữ liệu:trường,trường``

Codes (cấp, cách thức, mức độ, loại cơ quan, sở, sự kiện đời sống) use the values of
``data/README.md``; yes/no cells take ``có``/``không``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, Final, TypeVar

from django.utils.translation import gettext as _
from openpyxl import Workbook

from lienthong.catalog.records import Problem
from lienthong.core import spreadsheets
from lienthong.geo.text import fold

if TYPE_CHECKING:
    from lienthong.catalog.models import ProcedureVersion

R = TypeVar("R")

COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("code", "Mã thủ tục"),
    ("name", "Tên thủ tục"),
    ("field", "Lĩnh vực"),
    ("levels", "Cấp thực hiện"),
    ("competent_agency", "Cơ quan thực hiện"),
    ("agency_kind", "Loại cơ quan"),
    ("department", "Sở, ngành"),
    ("channels", "Cách thức thực hiện"),
    ("service_level", "Mức độ dịch vụ công trực tuyến"),
    ("processing_days", "Thời hạn giải quyết (ngày làm việc)"),
    ("processing_note", "Ghi chú thời hạn"),
    ("pauses_on_supplement", "Dừng tính thời hạn khi bổ sung"),
    ("fees", "Phí, lệ phí"),
    ("legal_bases", "Căn cứ pháp lý"),
    ("results", "Kết quả thực hiện"),
    ("requirements", "Yêu cầu, điều kiện"),
    ("steps", "Trình tự thực hiện"),
    ("components", "Thành phần hồ sơ"),
    ("boundary_free", "Không phụ thuộc địa giới hành chính"),
    ("business_related", "Liên quan hoạt động kinh doanh"),
    ("life_events", "Sự kiện đời sống"),
    ("essential_06", "Dịch vụ công thiết yếu"),
    ("sources", "Nguồn"),
    ("workflow", "Quy trình riêng (JSON)"),
    ("result_document", "Mẫu giấy tờ kết quả (JSON)"),
    ("form", "Tờ khai điện tử (JSON)"),
)
_BY_HEADER: Final = {fold(h).lower(): k for k, h in COLUMNS} | {k: k for k, _h in COLUMNS}
_YES: Final = {"co", "x", "1", "true", "yes"}

#: What an import accepts: the national catalogue is a few thousand procedures, some
#: kilobytes of text each. Bounds the memory one upload can take (core/spreadsheets.py).
LIMITS: Final = spreadsheets.XlsxLimits(max_uncompressed=32 * 1024 * 1024, max_rows=10_000)


def _lines(cell: Any) -> list[str]:
    return [line.strip() for line in str(cell or "").splitlines() if line.strip()]


def _parts(line: str, n: int) -> list[str]:
    parts = [p.strip() for p in line.split("|")]
    return parts + [""] * (n - len(parts))


def _yes(cell: Any) -> bool:
    return fold(str(cell or "")).strip().lower() in _YES


def row_to_record(cells: dict[str, Any]) -> dict[str, Any]:
    """A spreadsheet row (column key → cell) as the mapping ``parse_procedure`` reads."""
    record: dict[str, Any] = {
        k: str(cells.get(k) or "").strip()
        for k in (
            "code",
            "name",
            "field",
            "competent_agency",
            "agency_kind",
            "department",
            "service_level",
            "processing_note",
        )
    }
    record["processing_days"] = cells.get("processing_days")
    record["workflow"] = str(cells.get("workflow") or "").strip()
    record["result_document"] = str(cells.get("result_document") or "").strip()
    record["form"] = str(cells.get("form") or "").strip()
    for key in ("levels", "channels", "results", "requirements", "steps", "life_events", "sources"):
        record[key] = [v.strip() for line in _lines(cells.get(key)) for v in line.split(";")]
    for key in ("pauses_on_supplement", "boundary_free", "business_related", "essential_06"):
        record[key] = _yes(cells.get(key))
    record["fees"] = []
    for line in _lines(cells.get("fees")):
        name, amount, rule = _parts(line, 3)[:3]
        digits = amount.replace(".", "").replace(",", "").replace(" ", "")
        record["fees"].append({"name": name, "amount": digits or None, "rule": rule})
    record["legal_bases"] = [
        dict(zip(("number", "title", "issued"), _parts(line, 3)[:3], strict=True))
        for line in _lines(cells.get("legal_bases"))
    ]
    record["components"] = []
    for line in _lines(cells.get("components")):
        name, originals, copies, required, condition, form, source = _parts(line, 7)[:7]
        registry, _sep, fields = source.partition(":")
        record["components"].append(
            {
                "name": name,
                "originals": originals or 1,
                "copies": copies or 0,
                "required": _yes(required) if required else True,
                "condition": condition,
                "form": form,
                "data_source": {
                    "registry": registry.strip(),
                    "fields": [f.strip() for f in fields.split(",") if f.strip()],
                }
                if registry.strip()
                else None,
            }
        )
    return record


def _keyed(header: list[Any]) -> list[str | None]:
    return [_BY_HEADER.get(fold(str(h or "")).strip().lower()) for h in header]


def read_rows(stream: IO[bytes], filename: str) -> Iterator[tuple[int, dict[str, Any] | Problem]]:
    """(spreadsheet row number, record) for every non-empty row; a Problem for a row or a
    file that cannot be read at all. Row 1 is the header.

    A file larger than :data:`LIMITS` allow is refused before it is parsed (an XLSX by
    its zip directory, see ``lienthong.core.spreadsheets``); rows past ``max_rows`` end
    the reading with a Problem."""
    return _sheet(stream, filename, _records)


def _sheet(
    stream: IO[bytes],
    filename: str,
    records: Callable[[Iterable[list[Any]]], Iterator[tuple[int, R | Problem]]],
) -> Iterator[tuple[int, R | Problem]]:
    """The ``records`` of a CSV (UTF-8) or XLSX file's rows, within :data:`LIMITS`."""
    try:
        if filename.lower().endswith(".xlsx"):
            with contextlib.closing(spreadsheets.open_workbook(stream, LIMITS)) as book:
                yield from records(
                    list(r) for r in spreadsheets.bounded_rows(book.worksheets[0], LIMITS)
                )
            return
        data = stream.read(LIMITS.max_uncompressed + 1)
        if len(data) > LIMITS.max_uncompressed:
            raise spreadsheets.SpreadsheetRefused(
                "too_large",
                _("Tệp CSV lớn hơn %(limit)d MB; hãy chia thành nhiều tệp nhỏ hơn.")
                % {"limit": LIMITS.max_uncompressed // (1024 * 1024)},
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            yield 1, Problem("file", "encoding", _("Tệp CSV phải được lưu theo mã UTF-8."))
            return
        yield from records(_bounded(csv.reader(io.StringIO(text))))
    except spreadsheets.SpreadsheetRefused as exc:
        yield 1, Problem("file", exc.code, exc.message)


def _bounded(rows: Iterable[list[str]]) -> Iterator[list[str]]:
    for number, row in enumerate(rows, start=1):
        if number > LIMITS.max_rows + 1:
            raise spreadsheets.too_many_rows(LIMITS.max_rows)
        yield row


def _records(rows: Iterable[list[Any]]) -> Iterator[tuple[int, dict[str, Any] | Problem]]:
    iterator = iter(rows)
    header = _keyed(next(iterator, []))
    if "code" not in header or "name" not in header:
        yield (
            1,
            Problem(
                "file",
                "header",
                _("Dòng đầu phải là tiêu đề cột, có ít nhất «Mã thủ tục» và «Tên thủ tục»."),
            ),
        )
        return
    for number, row in enumerate(iterator, start=2):
        if not any(str(c or "").strip() for c in row):
            continue
        cells = {key: value for key, value in zip(header, row, strict=False) if key}
        yield number, row_to_record(cells)


def record_cells(version: ProcedureVersion) -> list[str]:
    """The cells of one procedure version, in COLUMNS order (the inverse of row_to_record)."""
    yes = {True: "có", False: "không"}
    values = {
        "code": version.procedure.code,
        "name": version.name,
        "field": version.field,
        "levels": "\n".join(version.levels),
        "competent_agency": version.competent_agency,
        "agency_kind": version.agency_kind,
        "department": version.department,
        "channels": "\n".join(version.channels),
        "service_level": version.service_level,
        "processing_days": f"{version.processing_days.normalize():f}",
        "processing_note": version.processing_note,
        "pauses_on_supplement": yes[version.pauses_on_supplement],
        "fees": "\n".join(
            f"{f['name']} | {'' if f['amount'] is None else f['amount']} | {f['rule']}"
            for f in version.fees
        ),
        "legal_bases": "\n".join(
            f"{b['number']} | {b['title']} | {b['issued']}" for b in version.legal_bases
        ),
        "results": "\n".join(version.results),
        "requirements": "\n".join(version.requirements),
        "steps": "\n".join(version.steps),
        "components": "\n".join(
            " | ".join(
                [
                    c.name,
                    str(c.originals),
                    str(c.copies),
                    yes[c.required],
                    c.condition,
                    c.form,
                    f"{c.data_registry}:{','.join(c.data_fields)}" if c.data_registry else "",
                ]
            )
            for c in version.components.all()
        ),
        "boundary_free": yes[version.boundary_free],
        "business_related": yes[version.business_related],
        "life_events": "\n".join(version.life_events),
        "essential_06": yes[version.essential_06],
        "sources": "\n".join(version.sources),
        "workflow": json.dumps(version.workflow, ensure_ascii=False) if version.workflow else "",
        "result_document": (
            json.dumps(version.result_document, ensure_ascii=False)
            if version.result_document
            else ""
        ),
        "form": json.dumps(version.form, ensure_ascii=False) if version.form else "",
    }
    return [values[k] for k, _h in COLUMNS]


def cells_of(version: ProcedureVersion) -> dict[str, str]:
    """The cells of one procedure version by column key."""
    return dict(zip([k for k, _h in COLUMNS], record_cells(version), strict=True))


def write_csv(versions: Iterable[Any], out: IO[str]) -> None:
    _write_csv(COLUMNS, (record_cells(v) for v in versions), out)


def write_xlsx(versions: Iterable[Any], out: IO[bytes]) -> None:
    _write_xlsx("Thủ tục hành chính", COLUMNS, (record_cells(v) for v in versions), out)


def _write_csv(
    columns: tuple[tuple[str, str], ...], rows: Iterable[list[Any]], out: IO[str]
) -> None:
    writer = csv.writer(out)
    writer.writerow([h for _k, h in columns])
    writer.writerows(rows)


def _write_xlsx(
    title: str, columns: tuple[tuple[str, str], ...], rows: Iterable[list[Any]], out: IO[bytes]
) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append([h for _k, h in columns])
    for row in rows:
        sheet.append(row)
    book.save(out)


# -- the search lexicon ------------------------------------------------------------------
TERM_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("phrase", "Cách người dân viết"),
    ("means", "Nghĩa theo danh mục"),
    ("kind", "Loại"),
    ("source", "Nguồn hoặc lý do"),
)
_TERM_HEADERS: Final = {fold(h): k for k, h in TERM_COLUMNS} | {k: k for k, _h in TERM_COLUMNS}


def read_term_rows(
    stream: IO[bytes], filename: str
) -> Iterator[tuple[int, dict[str, str] | Problem]]:
    """(row number, cells by key) of a lexicon file (CSV or XLSX, the layout of
    :data:`TERM_COLUMNS`, headers in Vietnamese or as keys); a Problem when it cannot be
    read. Row 1 is the header."""
    return _sheet(stream, filename, _term_records)


def _term_records(rows: Iterable[list[Any]]) -> Iterator[tuple[int, dict[str, str] | Problem]]:
    iterator = iter(rows)
    header = [_TERM_HEADERS.get(fold(str(h or "")).strip(), "") for h in next(iterator, [])]
    if "phrase" not in header or "means" not in header:
        yield (
            1,
            Problem(
                "file",
                "header",
                _(
                    "Dòng đầu phải là tiêu đề cột, có ít nhất «Cách người dân viết» và "
                    "«Nghĩa theo danh mục»."
                ),
            ),
        )
        return
    for number, row in enumerate(iterator, start=2):
        if not any(str(c or "").strip() for c in row):
            continue
        yield (
            number,
            {key: str(value or "") for key, value in zip(header, row, strict=False) if key},
        )


def term_cells(term: Any) -> list[str]:
    return [term.phrase, term.means, term.kind, term.source]


def write_terms_csv(terms: Iterable[Any], out: IO[str]) -> None:
    _write_csv(TERM_COLUMNS, (term_cells(t) for t in terms), out)


def write_terms_xlsx(terms: Iterable[Any], out: IO[bytes]) -> None:
    _write_xlsx("Từ điển tìm kiếm", TERM_COLUMNS, (term_cells(t) for t in terms), out)


# -- what citizens searched ------------------------------------------------------------
REPORT_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("kind", "Loại"),
    ("text", "Người dân gõ"),
    ("count", "Số lượt"),
)


def _report_rows(report: Any) -> Iterable[list[Any]]:
    for kind, groups in (
        ("Không có kết quả", report.zero),
        ("Có kết quả nhưng không mở thủ tục nào", report.abandoned),
    ):
        for g in groups:
            yield [kind, g.text, g.count]


def write_search_report_csv(report: Any, out: IO[str]) -> None:
    _write_csv(REPORT_COLUMNS, _report_rows(report), out)


def write_search_report_xlsx(report: Any, out: IO[bytes]) -> None:
    _write_xlsx(f"{report.days} ngày", REPORT_COLUMNS, _report_rows(report), out)
