"""The catalogue team edits the search lexicon in the back office: list, add, edit, delete,
import and export; nothing of it is open to other officials."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from lienthong.catalog.models import SearchTerm
from lienthong.catalog.selectors import search_procedures
from lienthong.core.models import AuditEntry
from tests.factories import UserFactory

URL = "/can-bo/thu-tuc/tu-dien/"


@pytest.fixture
def admin_client(client, seed_catalog):
    client.force_login(UserFactory(admin=True))
    return client


def test_the_lexicon_pages_are_for_the_catalogue_team(client, seed_catalog):
    client.force_login(UserFactory(official=True))
    term = SearchTerm.objects.first()
    for url in (URL, f"{URL}{term.pk}/", f"{URL}nhap/", f"{URL}xuat.csv"):
        assert client.get(url).status_code == 404
    assert client.post(f"{URL}{term.pk}/xoa/").status_code == 404
    assert SearchTerm.objects.filter(pk=term.pk).exists()


def test_the_team_finds_adds_edits_and_deletes_an_entry(admin_client):
    html = admin_client.get(URL, {"q": "so do"}).content.decode()
    assert "giấy chứng nhận quyền sử dụng đất" in html
    response = admin_client.post(
        URL,
        {
            "phrase": "bìa nhà in nhầm",
            "means": "đính chính giấy chứng nhận",
            "kind": "everyday",
            "source": "Thử nghiệm",
        },
    )
    assert response.status_code == 302
    term = SearchTerm.objects.get(key="bia nha in nham")
    assert search_procedures("bìa nhà in nhầm")[0].procedure.code == "1.012790"
    response = admin_client.post(
        f"{URL}{term.pk}/",
        {
            "phrase": "bìa nhà in nhầm",
            "means": "cấp đổi giấy chứng nhận",
            "kind": "everyday",
            "source": "Thử nghiệm",
        },
    )
    assert response.status_code == 302
    assert search_procedures("bìa nhà in nhầm")[0].procedure.code == "1.012783"
    assert admin_client.post(f"{URL}{term.pk}/xoa/").status_code == 302
    assert not SearchTerm.objects.filter(pk=term.pk).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"catalog.term_saved", "catalog.term_deleted"} <= actions


def test_a_wrong_entry_is_shown_with_its_errors_in_vietnamese(admin_client):
    before = SearchTerm.objects.count()
    response = admin_client.post(
        URL, {"phrase": "Sổ Đỏ", "means": "x", "kind": "everyday", "source": "y"}
    )
    assert response.status_code == 422
    assert "Đã có mục từ điển cho cách viết này." in response.content.decode()
    response = admin_client.post(
        URL, {"phrase": "a\u200bb\x07", "means": "", "kind": "slang", "source": ""}
    )
    assert response.status_code == 422
    assert SearchTerm.objects.count() == before


def test_an_export_imports_back_and_a_bad_row_is_reported(admin_client):
    exported = admin_client.get(f"{URL}xuat.xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Cách người dân viết", "Nghĩa theo danh mục", "Loại", "Nguồn hoặc lý do")
    assert len(rows) - 1 == SearchTerm.objects.count()
    csv_text = admin_client.get(f"{URL}xuat.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Cách người dân viết,")
    upload = io.BytesIO(
        (
            "Cách người dân viết,Nghĩa theo danh mục,Loại,Nguồn hoặc lý do\n"
            "sổ mới,cấp đổi giấy chứng nhận,everyday,Thử\n"
            "sổ lỗi,,everyday,Thử\n"
            "SỔ MỚI,cấp đổi giấy chứng nhận,everyday,Trùng\n"
        ).encode()
    )
    upload.name = "tu-dien.csv"
    response = admin_client.post(f"{URL}nhap/", {"file": upload})
    assert response.status_code == 207
    html = response.content.decode()
    assert "Trùng cách viết với dòng 2." in html
    assert SearchTerm.objects.filter(key="so moi").exists()
    assert not SearchTerm.objects.filter(key="so loi").exists()
