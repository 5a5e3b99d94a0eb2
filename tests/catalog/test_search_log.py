"""Searches are kept without personal data, with what came of them, and reported to the
catalogue team: the queries that found nothing, those nobody opened a result of."""

from __future__ import annotations

import pytest

from lienthong.catalog.models import SearchQuery
from lienthong.catalog.scrub import scrub
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("khai sinh cho Nguyễn Văn An 0912 345 678", "khai sinh cho [tên] [số]"),
        ("CCCD 001090012345 bị mất", "CCCD [số] bị mất"),
        ("hộ chiếu an.nguyen@gmail.com", "hộ chiếu [email]"),
        ("+84 912.345.678 đổi bằng lái", "[số] đổi bằng lái"),
        ("Lê Thị Hồng Nhung đổi tên", "[tên] đổi tên"),
        ("sổ đỏ thửa 12 tờ 5", "sổ đỏ thửa 12 tờ 5"),  # short numbers are not personal
        ("lê lợi", "lê lợi"),
    ],
)
def test_personal_data_is_scrubbed_before_a_query_is_kept(typed, kept):
    assert scrub(typed) == kept


def test_a_search_is_kept_scrubbed_and_typing_on_updates_it(client, seed_catalog):
    for q in ("so", "so do", "so do Nguyễn Văn An 001090012345"):
        client.get("/thu-tuc/", {"q": q}, HTTP_HX_REQUEST="true")
    rows = list(SearchQuery.objects.all())
    assert len(rows) == 1
    assert rows[0].text == "so do [tên] [số]"
    assert rows[0].results > 0
    assert rows[0].first_code
    client.get("/thu-tuc/", {"q": "passport"})  # another search: another row
    assert SearchQuery.objects.count() == 2


def test_opening_a_result_is_noted_on_the_search(client, seed_catalog):
    client.get("/thu-tuc/", {"q": "lấy vợ"})
    client.get("/thu-tuc/1.000894/")
    row = SearchQuery.objects.get()
    assert row.opened_code == "1.000894"
    client.get("/thu-tuc/1.001193/")  # another page later is not this search's
    assert SearchQuery.objects.get().opened_code == "1.000894"


def test_the_api_keeps_its_searches_too(client, seed_catalog):
    client.get("/api/v1/procedures", {"q": "passport"})
    client.get("/api/v1/procedures", {"q": "passport", "offset": 100})
    row = SearchQuery.objects.get()
    assert (row.channel, row.first_code) == ("api", "1.001456")


def test_the_report_lists_what_failed_with_a_way_to_teach_the_search(client, seed_catalog):
    for q in ("qqqq wwww", "qqqq wwww", "zzzz"):
        client.get("/thu-tuc/", {"q": q})
        client.cookies.clear()  # other citizens
    client.get("/thu-tuc/", {"q": "sổ đỏ"})
    client.force_login(UserFactory(admin=True))
    html = client.get("/can-bo/thu-tuc/tra-cuu/").content.decode()
    zero = html.split("Không có kết quả", 1)[1].split("<h2>", 1)[0]
    assert zero.index("qqqq wwww") < zero.index("zzzz")  # commonest first
    assert "/can-bo/thu-tuc/tu-dien/?them=qqqq%20wwww" in zero
    abandoned = html.split("không mở thủ tục nào", 1)[1]
    assert "sổ đỏ" in abandoned
    assert "qqqq" not in abandoned
    form = client.get("/can-bo/thu-tuc/tu-dien/", {"them": "qqqq wwww"}).content.decode()
    assert 'value="qqqq wwww"' in form


def test_the_report_is_for_the_catalogue_team(client, seed_catalog):
    client.force_login(UserFactory(official=True))
    assert client.get("/can-bo/thu-tuc/tra-cuu/").status_code == 404


def test_a_search_with_unsafe_characters_is_not_kept(client, seed_catalog):
    client.get("/api/v1/procedures", {"q": "khai\u202esinh"})
    client.get("/thu-tuc/", {"q": "khai\x07sinh"})
    assert not SearchQuery.objects.exists()


def test_the_report_is_exported_to_file_and_costs_few_queries(
    client, seed_catalog, django_assert_max_num_queries
):
    from io import BytesIO

    from openpyxl import load_workbook

    for n in range(30):  # thirty different failed queries
        client.get("/thu-tuc/", {"q": f"qqqq{n} wwww"})
        client.cookies.clear()
    client.force_login(UserFactory(admin=True))
    with django_assert_max_num_queries(12):  # not one query per row
        assert client.get("/can-bo/thu-tuc/tra-cuu/").status_code == 200
    response = client.get("/can-bo/thu-tuc/tra-cuu/xuat.xlsx", {"ngay": "7"})
    assert 'filename="nguoi-dan-tim-gi-7-ngay-' in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Loại", "Người dân gõ", "Số lượt")
    assert ("Không có kết quả", "qqqq0 wwww", 1) in rows
    assert len(rows) == 31
    csv_text = client.get("/can-bo/thu-tuc/tra-cuu/xuat.csv").content.decode("utf-8-sig")
    assert "Không có kết quả,qqqq12 wwww,1" in csv_text
    assert client.get("/can-bo/thu-tuc/tra-cuu/xuat.pdf").status_code == 404
    client.force_login(UserFactory(official=True))
    assert client.get("/can-bo/thu-tuc/tra-cuu/xuat.xlsx").status_code == 404
