"""Converting the address column of a whole spreadsheet: `lienthong geo convert` and convert_file.

A file from a commune office is rarely clean; every row must come out, in order, with
its own columns kept and the conversion appended, and a bad row must not stop the run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tracemalloc
import unicodedata
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from lienthong.geo.files import FileFormatError, convert_file
from lienthong.geo.selectors import address_index
from tests.conftest import database_url_of_current_test_db

pytestmark = pytest.mark.django_db

DAI_THANG = "Thôn Nhất, xã Đại Thắng, huyện Vụ Bản, tỉnh Nam Định"
LIEN_MINH = "Thôn Nhất, Xã Liên Minh, Tỉnh Ninh Bình"
SPLIT = "Phường 4, Quận 3, Hồ Chí Minh"
RESULT_COLUMNS = ["status", "reason", "new_address", "ward_code", "ward_name"]


def _convert(src: Path, dst: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("geo", "convert", str(src), "-o", str(dst), "--no-progress", *args, stdout=out)
    return out.getvalue()


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _printed_counts(output: str) -> dict[str, int]:
    return {
        status: int(n)
        for status, n in re.findall(
            r"^\s+(converted|already_new|ambiguous|unresolved)\s+(\d+)\s", output, re.MULTILINE
        )
    }


def test_every_row_of_a_messy_csv_comes_out_in_order_with_its_conversion(tmp_path):
    src, dst = tmp_path / "ho-so.csv", tmp_path / "ket-qua.csv"
    src.write_text(
        "STT,Họ tên,Địa chỉ,Ghi chú\n"
        f'1,Nguyễn Văn An,"{DAI_THANG}",đủ\n'
        "2,Trần Thị Bình,,địa chỉ trống\n"
        "3,Lê Văn Cường\n"  # shorter than the header: no address, no note
        "\n"
        f'4,Phạm Thị Dung,"{SPLIT}",thừa ô,ô thừa nữa\n'
        "5,Hoàng Văn Em,abc xyz,rác\n",
        encoding="utf-8",
    )

    printed = _convert(src, dst)

    with dst.open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header[:4] == ["STT", "Họ tên", "Địa chỉ", "Ghi chú"]
    assert header[4 : 4 + len(RESULT_COLUMNS)] == RESULT_COLUMNS
    assert [r[0] for r in rows] == ["1", "2", "3", "4", "5"]  # the blank line is dropped
    by_name = {r[1]: dict(zip(header, r, strict=False)) for r in rows}
    assert [r[:4] for r in rows][:3] == [
        ["1", "Nguyễn Văn An", DAI_THANG, "đủ"],
        ["2", "Trần Thị Bình", "", "địa chỉ trống"],
        ["3", "Lê Văn Cường", "", ""],  # padded, so the results stay under their headers
    ]

    an = by_name["Nguyễn Văn An"]
    assert (an["status"], an["new_address"], an["ward_code"]) == ("converted", LIEN_MINH, "13786")
    assert (by_name["Trần Thị Bình"]["status"], by_name["Trần Thị Bình"]["reason"]) == (
        "unresolved",
        "empty",
    )
    assert (by_name["Lê Văn Cường"]["status"], by_name["Lê Văn Cường"]["reason"]) == (
        "unresolved",
        "empty",
    )
    assert (by_name["Hoàng Văn Em"]["status"], by_name["Hoàng Văn Em"]["reason"]) == (
        "unresolved",
        "unknown_province",
    )
    dung_row = rows[3]
    dung = by_name["Phạm Thị Dung"]
    assert (dung["status"], dung["reason"]) == ("ambiguous", "split_commune")
    assert "Phường Bàn Cờ (mặc định)" in dung["candidates"]
    assert "Phường Xuân Hòa" in dung["candidates"]
    assert dung_row[-1] == "ô thừa nữa"  # the extra cell is kept, after the result columns

    counts = _printed_counts(printed)
    assert counts == {"converted": 1, "already_new": 0, "ambiguous": 1, "unresolved": 3}
    assert "Đã xử lý 5 dòng" in printed
    assert sum(counts.values()) == 5
    assert "Cột địa chỉ: Địa chỉ" in printed


@pytest.mark.parametrize("header", ["Địa chỉ", "dia_chi", "address", "ĐỊA CHỈ THƯỜNG TRÚ"])
def test_the_address_column_is_found_by_its_header(tmp_path, header):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(f'STT,Họ tên,{header}\n1,Nguyễn Văn An,"{DAI_THANG}"\n', encoding="utf-8")

    printed = _convert(src, dst)

    assert f"Cột địa chỉ: {header}" in printed
    assert _read_csv(dst)[0]["new_address"] == LIEN_MINH


def test_the_address_column_can_be_named_without_diacritics(tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        f'Nơi sinh,Chỗ ở hiện nay\n"{SPLIT}","{DAI_THANG}"\n',
        encoding="utf-8",
    )

    printed = _convert(src, dst, "--column", "cho o hien nay")

    assert "Cột địa chỉ: Chỗ ở hiện nay" in printed
    assert _read_csv(dst)[0]["new_address"] == LIEN_MINH


def test_an_unknown_column_stops_with_the_columns_the_file_has(tmp_path):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(f'STT,Họ tên,Địa chỉ\n1,An,"{DAI_THANG}"\n', encoding="utf-8")

    with pytest.raises(CommandError) as exc:
        _convert(src, dst, "--column", "Quê quán")

    assert str(exc.value) == ("Không có cột 'Quê quán' trong tệp (các cột: STT, Họ tên, Địa chỉ).")


def test_the_console_script_reports_an_unknown_column_in_one_line(tmp_path, run_lienthong):
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(f'STT,Địa chỉ\n1,"{DAI_THANG}"\n', encoding="utf-8")

    result = run_lienthong(
        "geo",
        "convert",
        str(src),
        "-o",
        str(dst),
        "--column",
        "Quê quán",
        env={
            "DJANGO_SETTINGS_MODULE": "lienthong.settings_test",
            "DATABASE_URL": database_url_of_current_test_db(),
        },
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Không có cột 'Quê quán' trong tệp (các cột: STT, Địa chỉ)." in result.stderr


def test_an_excel_file_comes_back_as_excel_with_vietnamese_headers(tmp_path):
    src, dst = tmp_path / "ho-so.xlsx", tmp_path / "ket-qua.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã hồ sơ", "Ngày sinh", "Địa chỉ"])
    ws.append([1001, dt.date(1990, 5, 12), DAI_THANG])
    ws.append([1002, None, None])
    wb.save(src)

    printed = _convert(src, dst, "--headers", "vi")

    out = load_workbook(dst, read_only=True)
    header, *rows = out.worksheets[0].iter_rows(values_only=True)
    out.close()
    cols = {name: i for i, name in enumerate(header)}
    assert header[:3] == ("Mã hồ sơ", "Ngày sinh", "Địa chỉ")
    assert {"Trạng thái", "Lý do", "Địa chỉ mới", "Mã xã mới"} <= set(cols)
    first, second = rows
    assert first[cols["Trạng thái"]] == "Đã chuyển đổi"
    assert first[cols["Địa chỉ mới"]] == LIEN_MINH
    assert first[cols["Mã xã mới"]] == "13786"
    # The official's own cells keep their type: a number stays a number, a date a date.
    assert first[cols["Mã hồ sơ"]] == 1001
    assert first[cols["Ngày sinh"]] == dt.datetime(1990, 5, 12)
    assert second[cols["Trạng thái"]] == "Không xác định"
    assert second[cols["Lý do"]] == "Địa chỉ trống"
    assert "Đã xử lý 2 dòng" in printed


def _windows_1258(text: str) -> bytes:
    """Vietnamese as Windows writes it: letters like â, ơ precomposed, tone marks combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            ch.encode("cp1258")
            out.append(ch)
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(m for m in parts if m not in tones))
            out.append(base + "".join(m for m in parts if m in tones))
    return "".join(out).encode("cp1258")


def test_a_csv_in_the_windows_vietnamese_code_page_is_read_correctly(tmp_path):
    src, dst = tmp_path / "xuat-tu-excel-cu.csv", tmp_path / "out.csv"
    src.write_bytes(_windows_1258(f'STT,Họ tên,Địa chỉ\n1,Nguyễn Văn Ấn,"{DAI_THANG}"\n'))
    with pytest.raises(UnicodeDecodeError):
        src.read_bytes().decode("utf-8")  # really not UTF-8

    printed = _convert(src, dst)

    [row] = _read_csv(dst)
    assert "Cột địa chỉ: Địa chỉ" in printed
    assert row["Họ tên"] == "Nguyễn Văn Ấn"  # read back as ordinary (NFC) text
    assert row["Địa chỉ"] == DAI_THANG
    assert (row["status"], row["new_address"]) == ("converted", LIEN_MINH)


def test_a_txt_file_is_read_as_csv(tmp_path):
    src, dst = tmp_path / "danh-sach.txt", tmp_path / "out.csv"
    src.write_text(f'STT;Địa chỉ\n1;"{DAI_THANG}"\n', encoding="utf-8")

    _convert(src, dst)

    assert _read_csv(dst)[0]["new_address"] == LIEN_MINH


@pytest.mark.parametrize(("name_in", "name_out"), [("ho-so.pdf", "out.csv"), ("in.csv", "out.pdf")])
def test_a_pdf_is_refused_with_a_clear_message(tmp_path, name_in, name_out):
    src, dst = tmp_path / name_in, tmp_path / name_out
    src.write_text(f"Địa chỉ\n{DAI_THANG}\n", encoding="utf-8")

    with pytest.raises(CommandError) as exc:
        _convert(src, dst)

    assert str(exc.value) == "Định dạng tệp .pdf không được hỗ trợ; hãy dùng .csv hoặc .xlsx."
    assert not dst.exists()


def test_the_input_file_is_never_overwritten(tmp_path):
    src = tmp_path / "in.csv"
    content = f'Địa chỉ\n"{DAI_THANG}"\n'
    src.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError) as exc:
        _convert(src, tmp_path / "." / "in.csv")

    assert str(exc.value) == "Tệp kết quả phải khác tệp đầu vào."
    assert src.read_text(encoding="utf-8") == content


def test_a_missing_input_file_is_named(tmp_path):
    missing = tmp_path / "khong-co.csv"

    with pytest.raises(CommandError) as exc:
        _convert(missing, tmp_path / "out.csv")

    assert str(exc.value) == f"Không tìm thấy tệp {missing}"


def test_a_file_without_a_header_is_refused(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"")

    with pytest.raises(FileFormatError) as exc:
        convert_file(src, tmp_path / "out.csv", index=address_index())

    assert exc.value.code == "empty_file"


def test_progress_is_reported_in_increasing_row_counts_ending_with_the_total(tmp_path):
    src = tmp_path / "in.csv"
    seen: list[int] = []
    for rows in (5, 4):
        src.write_text(
            "STT,Địa chỉ\n" + "".join(f'{i},"{DAI_THANG}"\n' for i in range(rows)),
            encoding="utf-8",
        )
        seen.clear()

        summary = convert_file(
            src, tmp_path / "out.csv", index=address_index(), progress=seen.append, progress_every=2
        )

        assert summary.rows == rows
        assert seen == sorted(set(seen))  # strictly increasing
        assert seen[-1] == rows
    assert seen == [2, 4]  # the last report is not repeated when the total is a round number


def test_a_large_file_is_converted_in_bounded_memory(tmp_path):
    rows = 50_000
    src, dst = tmp_path / "lon.csv", tmp_path / "out.csv"
    communes = [DAI_THANG.split(", ", 1)[1], "xã Liên Minh, huyện Vụ Bản, tỉnh Nam Định", SPLIT]
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["STT", "Họ và tên", "Số định danh", "Địa chỉ", "Ghi chú"])
        for i in range(rows):
            # Every row is its own (name, id, note); the addresses repeat the way the
            # villages of a commune do, so the parser's bounded cache of address parts
            # fills up early and what is measured is the file handling.
            village = f"Xóm {i % 300 + 1}"
            w.writerow(
                [
                    i + 1,
                    f"Nguyễn Văn Người Dân Số {i}",
                    f"{36_090_000_000 + i:012d}",
                    f"{village}, {communes[i % len(communes)]}",
                    f"Hồ sơ tiếp nhận lần thứ {i} tại bộ phận một cửa",
                ]
            )
    index = address_index()

    tracemalloc.start()
    try:
        summary = convert_file(src, dst, index=index)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert summary.rows == rows
    assert sum(summary.counts[s] for s in ("converted", "ambiguous")) == rows
    # Holding these rows as lists of str would take about 34 MB (measured); streaming
    # keeps the peak near 1 MB.
    assert peak < 10 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
