"""Officials import and export the catalogue as CSV/XLSX; bad rows are reported, not fatal."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from lienthong.catalog import files
from lienthong.catalog.models import ProcedureVersion
from lienthong.catalog.selectors import get_procedure, published_versions
from lienthong.catalog.services import import_rows
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("catalog")


def _csv(rows: list[list[str]]) -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([h for _k, h in files.COLUMNS])
    writer.writerows(rows)
    return io.BytesIO(("\ufeff" + text.getvalue()).encode())


def _row(**cells: str) -> list[str]:
    base = files.cells_of(get_procedure("1.001193"))
    base.update(cells)
    return [base[k] for k, _h in files.COLUMNS]


def test_an_export_reimports_to_the_same_catalogue():
    out = io.BytesIO()
    files.write_xlsx(published_versions(), out)
    out.seek(0)
    sheet = load_workbook(out).worksheets[0]
    assert [c.value for c in sheet[1]][:2] == ["Mã thủ tục", "Tên thủ tục"]
    assert sheet.max_row == 5
    out.seek(0)
    rows = list(files.read_rows(out, "danh-muc.xlsx"))
    admin = UserFactory(admin=True)
    report = import_rows(actor=admin, rows=rows)
    assert report.errors == []
    assert sorted(report.saved) == ["1.000894", "1.001193", "2.000815", "2.001610"]
    # Each draft says exactly what the published version says.
    for code in report.saved:
        draft = ProcedureVersion.objects.get(procedure__code=code, status="draft")
        assert files.record_cells(draft)[1:] == files.record_cells(get_procedure(code))[1:]


def test_a_spreadsheet_with_one_bad_row_saves_the_others_and_reports_it():
    admin = UserFactory(admin=True)
    upload = _csv(
        [
            _row(code="1.999001", name="Thủ tục thử một"),
            _row(code="1.999002", name="Thủ tục thử hai", processing_days="ba ngày"),
            _row(code="1.999003", name="Thủ tục thử ba"),
        ]
    )
    report = import_rows(
        actor=admin, rows=files.read_rows(upload, "nhap.csv"), publish_decision="99/QĐ-UBND"
    )
    assert report.saved == ["1.999001", "1.999003"]
    assert report.published == ["1.999001", "1.999003"]
    assert report.bad_rows == [3]
    assert [(p.field, p.code) for _row_no, p in report.errors] == [
        ("processing_days", "invalid_days")
    ]
    assert not ProcedureVersion.objects.filter(procedure__code="1.999002").exists()
    assert get_procedure("1.999003").decision_number == "99/QĐ-UBND"


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"khong,phai\n1,2\n", "x.csv", "header"),
        (b"M\xe3 th\xf9 t\xf9c,T\xean\n", "x.csv", "encoding"),
        (b"not a zip", "x.xlsx", "unreadable"),
    ],
)
def test_an_unreadable_file_is_one_clear_problem(content, name, code):
    rows = list(files.read_rows(io.BytesIO(content), name))
    assert len(rows) == 1
    assert rows[0][1].code == code
