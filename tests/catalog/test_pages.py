"""Citizen and back-office pages of the catalogue."""

from __future__ import annotations

import io

import pytest

from lienthong.catalog import files
from lienthong.catalog.selectors import get_procedure
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("catalog")


def test_the_index_lists_life_events_and_searches(client, django_assert_max_num_queries):
    # The index is built and the page's rows read; then the search is kept (scrubbed).
    with django_assert_max_num_queries(7):
        html = client.get("/thu-tuc/", {"q": "khai sin"}).content.decode()
    assert "Khai sinh, chăm sóc trẻ em" in html
    results = html.split('class="procedure-list"', 1)[1]
    assert results.split("</li>", 1)[0].count("Đăng ký khai sinh") == 1  # ranked first
    partial = client.get("/thu-tuc/", {"q": "ket hon"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert "Đăng ký kết hôn" in partial


def test_the_procedure_page_says_what_to_prepare_and_what_comes_from_data(client):
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert "Giấy tờ cần chuẩn bị" in html
    prepare, from_data = html.split("Không phải nộp — lấy từ dữ liệu")
    assert "Tờ khai đăng ký khai sinh" in prepare
    assert "Giấy chứng sinh" in from_data
    assert "Dữ liệu y tế" in from_data
    assert "1 ngày làm việc" in html
    assert "Bất kỳ xã, phường, đặc khu" in html  # boundary-free
    assert "Nộp hồ sơ" in html
    assert client.get("/thu-tuc/9.999999/").status_code == 404


def test_back_office_pages_are_for_platform_admins(client):
    client.force_login(UserFactory(official=True))
    for url in ("/can-bo/thu-tuc/", "/can-bo/thu-tuc/nhap/", "/can-bo/thu-tuc/1.001193/sua/"):
        assert client.get(url).status_code == 404


def test_an_admin_edits_and_publishes_a_new_version(client):
    client.force_login(UserFactory(admin=True))
    cells = files.cells_of(get_procedure("1.001193"))
    cells["processing_days"] = "abc"
    bad = client.post("/can-bo/thu-tuc/1.001193/sua/", cells)
    assert bad.status_code == 422
    assert "Thời hạn phải là số ngày làm việc" in bad.content.decode()
    cells["processing_days"] = "2"
    assert client.post("/can-bo/thu-tuc/1.001193/sua/", cells).status_code == 302
    page = client.post(
        "/can-bo/thu-tuc/1.001193/cong-bo/",
        {"decision_number": "15/QĐ-UBND", "effective_date": "2026-12-01"},
        follow=True,
    ).content.decode()
    assert "Đã công bố phiên bản 2 của thủ tục 1.001193." in page
    assert get_procedure("1.001193").processing_days == 2


def test_an_admin_imports_a_file_with_a_bad_row(client):
    client.force_login(UserFactory(admin=True))
    base = files.record_cells(get_procedure("1.001193"))
    good = list(base)
    good[0] = "1.999010"
    bad = list(base)
    bad[0] = "sai-ma"
    import csv

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([h for _k, h in files.COLUMNS])
    writer.writerows([good, bad])
    upload = io.BytesIO(text.getvalue().encode())
    upload.name = "danh-muc.csv"
    response = client.post("/can-bo/thu-tuc/nhap/", {"file": upload, "decision_number": ""})
    html = response.content.decode()
    assert response.status_code == 207
    assert "Đã lưu 1 thủ tục" in html
    assert "1 dòng lỗi chưa được nhập" in html
    assert "Mã thủ tục phải có dạng" in html


def test_exports_are_downloadable(client):
    client.force_login(UserFactory(admin=True))
    xlsx = client.get("/can-bo/thu-tuc/xuat.xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    csv_response = client.get("/can-bo/thu-tuc/xuat.csv")
    assert csv_response.content.decode("utf-8-sig").startswith("Mã thủ tục,Tên thủ tục")


def test_an_admin_edits_a_procedures_electronic_form(client):
    import json

    from lienthong.catalog.selectors import draft_of, form_of

    client.force_login(UserFactory(admin=True))
    page = client.get("/can-bo/thu-tuc/1.001193/sua/").content.decode()
    assert 'name="form"' in page
    cells = files.cells_of(get_procedure("1.001193"))
    bad = {
        "title": "Tờ khai",
        "sections": [{"title": "A", "fields": [{"key": "x", "label": "X", "kind": "mau"}]}],
    }
    cells["form"] = json.dumps(bad, ensure_ascii=False)
    refused = client.post("/can-bo/thu-tuc/1.001193/sua/", cells)
    assert refused.status_code == 422
    assert "sections[0].fields[0].kind" in refused.content.decode()
    good = {
        "title": "Tờ khai đăng ký khai sinh",
        "sections": [{"title": "Trẻ", "fields": [{"key": "ho_ten", "label": "Họ, chữ đệm, tên"}]}],
    }
    cells["form"] = json.dumps(good, ensure_ascii=False)
    assert client.post("/can-bo/thu-tuc/1.001193/sua/", cells).status_code == 302
    draft = draft_of("1.001193")
    assert [f.key for f in form_of(draft).fields] == ["ho_ten"]


def test_the_catalogue_team_previews_an_electronic_form_before_saving(client):
    import json

    from lienthong.catalog.selectors import draft_of

    client.force_login(UserFactory(admin=True))
    from pathlib import Path

    import lienthong.catalog

    seeded = Path(lienthong.catalog.__file__).parent / "data" / "forms" / "1.001193.json"
    cells = {**files.cells_of(get_procedure("1.001193")), "form": seeded.read_text()}
    shown = client.post("/can-bo/thu-tuc/1.001193/sua/", {**cells, "action": "xem-truoc"})
    assert shown.status_code == 200
    html = " ".join(shown.content.decode().split())
    assert "Xem trước tờ khai điện tử" in html
    assert 'name="tk-ho_ten"' in html  # drawn as the applicant sees it
    # Conditional items are all shown, with their condition; prefilled ones name their source.
    assert "Chỉ hỏi khi «Khai thông tin người cha» là: Có." in html
    assert "Điền sẵn từ dịch vụ dữ liệu «person»" in html
    assert draft_of("1.001193") is None  # nothing saved
    broken = {**cells, "form": '{"title": "Tờ khai", "sections": [', "action": "xem-truoc"}
    refused = client.post("/can-bo/thu-tuc/1.001193/sua/", broken)
    assert refused.status_code == 422
    assert "không phải JSON hợp lệ" in refused.content.decode()
    bad = {"title": "T", "sections": [{"fields": [{"key": "x", "label": "X", "kind": "mau"}]}]}
    cells["form"] = json.dumps(bad)
    wrong = client.post("/can-bo/thu-tuc/1.001193/sua/", {**cells, "action": "xem-truoc"})
    assert "sections[0].fields[0].kind" in wrong.content.decode()
    assert draft_of("1.001193") is None
