"""The pages under /co-quan/: the searchable directory and one agency's page."""

from __future__ import annotations

import html
import re

import pytest
from django.utils.html import strip_tags

from lienthong.directory.models import Agency
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/co-quan/"


def _text(markup: str) -> str:
    """What a person reads: no tags, entities decoded, runs of whitespace as one space."""
    return re.sub(r"\s+", " ", html.unescape(strip_tags(markup))).strip()


def _facts(markup: str) -> dict[str, str]:
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", markup, re.DOTALL)
    return {_text(term): _text(value) for term, value in pairs}


def _rows(markup: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", markup, re.DOTALL)
    assert body is not None
    return [
        [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.DOTALL)
    ]


def test_the_directory_is_a_vietnamese_page_with_filters(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get(PAGE)

    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in page
    assert "<h1>Danh bạ cơ quan</h1>" in page
    assert '<label for="q">Tên hoặc mã cơ quan (có dấu hoặc không dấu)</label>' in page
    assert page.count('<option value="', page.index('id="tinh"'), page.index('id="khoi"')) == 35
    assert '<option value="37">Tỉnh Ninh Bình</option>' in page
    assert '<option value="party">Đảng</option>' in page
    assert '<option value="service_centre">Trung tâm Phục vụ hành chính công</option>' in page
    assert "Có 17162 cơ quan; đang hiển thị 1–50." in _text(page)
    assert len(_rows(page)) == 50
    assert "Trang 1/344" in _text(page)


def test_a_search_as_you_type_returns_only_the_results(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(PAGE, {"q": "lien minh", "tinh": "37"}, HTTP_HX_REQUEST="true")

    fragment = response.content.decode()
    assert "<html" not in fragment  # a fragment for htmx to swap in, not a page
    rows = _rows(fragment)
    assert [r[1] for r in rows] == [
        "Ủy ban nhân dân xã Liên Minh",
        "Trung tâm Phục vụ hành chính công xã Liên Minh",
        "Công an xã Liên Minh",
        "Đảng ủy xã Liên Minh",
        "Ủy ban Mặt trận Tổ quốc Việt Nam xã Liên Minh",
    ]
    assert rows[0][0] == "000.43.50.H64 tạm"
    assert rows[0][3] == "Xã Liên Minh, Tỉnh Ninh Bình"
    assert 'href="/co-quan/000.43.50.H64/"' in fragment


def test_a_search_without_javascript_renders_the_whole_page(client):
    page = client.get(PAGE, {"q": "uy ban nhan dan xa lien minh", "khoi": "state"}).content.decode()

    assert '<html lang="vi">' in page
    assert 'value="uy ban nhan dan xa lien minh"' in page
    assert '<option value="state" selected>' in page
    assert "Có 3 cơ quan." in _text(page)


def test_the_results_are_paged_by_fifty_and_the_links_keep_the_filters(client):
    response = client.get(PAGE, {"tinh": "37", "loai": "police", "trang": "2"})

    page = response.content.decode()
    assert "Có 130 cơ quan; đang hiển thị 51–100." in _text(page)
    assert 'href="/co-quan/?tinh=37&amp;loai=police&amp;trang=1"' in page
    assert 'href="/co-quan/?tinh=37&amp;loai=police&amp;trang=3"' in page


def test_a_search_with_no_result_says_so(client):
    fragment = client.get(PAGE, {"q": "khong co co quan nao"}, HTTP_HX_REQUEST="true")

    assert _text(fragment.content.decode()) == "Không tìm thấy cơ quan nào."


def test_an_unknown_filter_value_is_ignored(client):
    response = client.get(PAGE, {"loai": "embassy", "khoi": "x"})

    assert response.status_code == 200
    assert "Có 17162 cơ quan" in _text(response.content.decode())


def test_the_agency_page_shows_its_code_parent_and_counters(client, django_assert_max_num_queries):
    centre = "001.43.50.H64"
    with django_assert_max_num_queries(4):
        response = client.get(f"{PAGE}{centre}/")

    page = response.content.decode()
    text = _text(page)
    assert "<h1>Trung tâm Phục vụ hành chính công xã Liên Minh</h1>" in page
    facts = _facts(page)
    assert facts == {
        "Mã định danh điện tử": "001.43.50.H64 Mã tạm theo cấu trúc QCVN 102",
        "Khối": "Nhà nước",
        "Cấp": "Xã",
        "Loại cơ quan": "Trung tâm Phục vụ hành chính công",
        "Đơn vị hành chính": "Xã Liên Minh, Tỉnh Ninh Bình",
        "Cơ quan cấp trên": "Ủy ban nhân dân xã Liên Minh",
        "Hoạt động": "từ 01/07/2025",
    }
    assert 'href="/co-quan/000.43.50.H64/">Ủy ban nhân dân xã Liên Minh</a>' in page
    assert _rows(page) == [
        ["1", "Tư pháp – Hộ tịch, chứng thực", "Ủy ban nhân dân xã Liên Minh"],
        ["2", "Đất đai – Xây dựng – Kinh doanh", "Ủy ban nhân dân xã Liên Minh"],
        ["3", "Lao động – Thương binh – Xã hội, Bảo hiểm", "Ủy ban nhân dân xã Liên Minh"],
    ]
    assert "Chưa cập nhật thông tin liên hệ." in text


def test_the_agency_page_lists_the_children_and_the_contact(client):
    Agency.objects.filter(code="000.00.00.G01").update(
        address="44 Yết Kiêu, Hà Nội", phone="069 234 2595", website="https://bocongan.gov.vn"
    )

    page = client.get(f"{PAGE}000.00.00.G01/").content.decode()

    assert "<h1>Bộ Công an</h1>" in page
    assert "Cơ quan trực thuộc (34)" in page
    assert 'href="/co-quan/000.00.12.H41/">Công an tỉnh Nghệ An</a>' in page
    assert 'href="tel:0692342595">069 234 2595</a>' in page
    assert "Quầy tiếp nhận" not in page


def test_an_official_code_has_no_provisional_note(client):
    page = client.get(f"{PAGE}000.00.00.G22/").content.decode()

    assert "<h1>Văn phòng Chính phủ</h1>" in page
    assert _facts(page)["Mã định danh điện tử"] == "000.00.00.G22"
    assert "Mã tạm" not in page


@pytest.mark.parametrize("code", ["000.00.00.H99", "khong-phai-ma"])
def test_an_unknown_or_malformed_code_is_a_404(client, code):
    assert client.get(f"{PAGE}{code}/").status_code == 404


def test_administrators_search_and_filter_agencies_in_the_admin(client):
    client.force_login(UserFactory(admin=True))

    listing = client.get("/quan-tri/directory/agency/", {"q": "lien minh", "kind": "police"})
    assert listing.status_code == 200
    assert "Công an xã Liên Minh" in listing.content.decode()

    centre = Agency.objects.get(code="001.43.50.H64")
    page = client.get(f"/quan-tri/directory/agency/{centre.pk}/change/")
    assert page.status_code == 200
    assert "Tư pháp – Hộ tịch, chứng thực" in page.content.decode()
    assert client.get("/quan-tri/directory/counter/").status_code == 200


def test_an_agency_saved_in_the_admin_gets_its_search_key(client):
    client.force_login(UserFactory(admin=True))
    agency = Agency.objects.get(code="000.00.00.G22")
    data = {
        "code": agency.code,
        "name": "Văn phòng Chính phủ nước CHXHCN Việt Nam",
        "block": agency.block,
        "level": agency.level,
        "kind": agency.kind,
        "address": "1 Hoàng Hoa Thám, Ba Đình, Hà Nội",
        "email": "",
        "phone": "",
        "website": "",
    }

    response = client.post(f"/quan-tri/directory/agency/{agency.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    agency.refresh_from_db()
    assert agency.search_key == "van phong chinh phu nuoc chxhcn viet nam"
    assert agency.address == "1 Hoàng Hoa Thám, Ba Đình, Hà Nội"
