"""No dead ends: a search with no good result says how it read mistyped words, which words
no procedure mentions, suggests life events and the nearest procedures, and says where to
ask in person — the service centre of the commune the citizen names, from the directory."""

from __future__ import annotations

import pytest

from lienthong.catalog import selectors
from lienthong.catalog.search import is_syllable
from lienthong.directory.models import Agency
from tests.directory.conftest import ensure_directory_data

HOME = "13786"  # Xã Liên Minh, Ninh Bình


@pytest.fixture(scope="module", autouse=True)
def directory_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_directory_data()


def advice(q: str) -> selectors.Advice:
    return selectors.find_procedures(q).advice


@pytest.mark.parametrize(
    ("word", "syllable"),
    [
        ("nghieng", True),
        ("khuyu", True),
        ("quyet", True),
        ("thac", True),
        ("khoang", True),
        ("gxay", False),
        ("sinhh", False),
        ("xaay", False),
        ("passpor", False),
    ],
)
def test_a_vietnamese_syllable_is_told_from_a_typo(word, syllable):
    assert is_syllable(word) is syllable


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("gxay khai sinh", "giấy khai sinh"),
        ("giấy phép xây dựg", "giấy phép xây dựng"),  # the marks typed are kept: not "dụng"
        ("bằng láy", "bằng lái"),  # a lexicon phrase read with one letter amiss
        ("độc thâng", "độc thân"),
        ("passpor", "passport"),
        ("khai sinhh", "khai sinh"),
    ],
)
def test_mistyped_words_are_shown_as_the_search_read_them(seed_catalog, typed, meant):
    assert advice(typed).corrected == meant


@pytest.mark.parametrize(
    "typed",
    [
        "khai sinh",
        "đăng ký kết hôn",
        "sổ đỏ",
        "làm căn cước",
        "so dor",  # "do", "đổi", "đơn"? too short to guess
        "khai thác khoáng sản",  # real words the catalogue does not use are not "corrected"
    ],
)
def test_words_typed_right_are_not_corrected(seed_catalog, typed):
    assert advice(typed).corrected == ""


def test_a_good_result_needs_no_advice(seed_catalog):
    told = advice("đăng ký khai sinh cho con")
    assert told.complete
    assert not told.dead_end


def test_words_found_only_scattered_are_no_answer(seed_catalog):
    # Every word is somewhere in a long land procedure's texts: that is not an answer.
    told = advice("nghĩa vụ quân sự")
    assert told.dead_end
    assert told.events  # life events of what came nearest


def test_words_no_procedure_mentions_are_named(seed_catalog):
    told = advice("giấy phép karaoke")
    assert told.dead_end
    assert told.unknown == ("karaoke",)


def test_a_query_finding_nothing_offers_the_names_nearest_to_it(seed_catalog):
    told = advice("dangkykhaisinh")  # the spaces left out
    assert selectors.find_procedures("dangkykhaisinh").first_code == ""
    assert told.dead_end
    assert ("1.001193", "Đăng ký khai sinh") in told.nearest
    assert "khai-sinh" in dict(told.events)
    nothing = advice("xyzzy qwerty")
    assert nothing.dead_end
    assert nothing.nearest == ()
    assert nothing.unknown == ("xyzzy", "qwerty")


def test_the_portal_shows_the_way_on_from_a_dead_end(client, seed_catalog):
    html = client.get("/thu-tuc/", {"q": "dangkykhaisinh"}).content.decode()
    assert "Chưa thấy thủ tục bạn cần?" in html
    assert 'href="/thu-tuc/1.001193/">Đăng ký khai sinh</a>' in html
    assert "?su-kien=khai-sinh" in html
    assert 'name="dia-chi"' in html  # where to ask: the citizen's commune
    near = client.get("/thu-tuc/", {"q": "nghĩa vụ quân sự"}).content.decode()
    assert "các kết quả dưới đây chỉ gần đúng" in near
    assert "Chưa thấy thủ tục bạn cần?" in near
    good = client.get("/thu-tuc/", {"q": "gxay khai sinh"}).content.decode()
    assert "Chưa thấy thủ tục bạn cần?" not in good
    assert "chỉ gần đúng" not in good
    assert "Có phải bạn muốn tìm" in good
    assert "?q=gi%E1%BA%A5y%20khai%20sinh" in good


def test_the_commune_centre_is_found_from_an_old_address_and_remembered(client, seed_catalog):
    Agency.objects.filter(unit__code=HOME, kind="service_centre").update(
        phone="0229 3 123 456", address="Thôn Liên Minh, xã Liên Minh"
    )
    # The address as people still write it: district and all, without diacritics.
    response = client.get(
        "/thu-tuc/noi-hoi/", {"dia-chi": "xa lien minh, ninh binh"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "Trung tâm Phục vụ hành chính công xã Liên Minh" in html
    assert 'href="tel:02293123456"' in html
    assert "Trung tâm Phục vụ hành chính công tỉnh Ninh Bình" in html
    assert "<html" not in html
    assert response.cookies["xa-cua-toi"].value == HOME
    # The next search that finds nothing says at once where to ask.
    later = client.get("/thu-tuc/", {"q": "xyzzy"}).content.decode()
    assert "Trung tâm Phục vụ hành chính công xã Liên Minh" in later
    assert 'name="dia-chi"' not in later


def test_a_centre_without_a_phone_gives_the_national_hotline(client, settings, seed_catalog):
    settings.PUBLIC_SERVICE_HOTLINE = "1800 1096"
    html = client.get("/thu-tuc/noi-hoi/", {"xa": HOME}).content.decode()
    assert "<html" in html  # without scripts: a page of its own
    assert "Trung tâm Phục vụ hành chính công xã Liên Minh" in html
    assert 'href="tel:18001096"' in html


def test_an_address_that_cannot_be_placed_says_how_to_write_it(client, seed_catalog):
    html = client.get("/thu-tuc/noi-hoi/", {"dia-chi": "abc xyz"}).content.decode()
    assert "Chưa xác định được xã, phường từ địa chỉ này" in html
    assert 'name="dia-chi"' in html
    assert "xa-cua-toi" not in client.cookies
    for bad in ({"xa": "99999"}, {"xa": "<script>"}, {"dia-chi": "x" * 5000}):
        response = client.get("/thu-tuc/noi-hoi/", bad)
        assert response.status_code == 200
    assert "Không tìm thấy xã, phường này." in (
        client.get("/thu-tuc/noi-hoi/", {"xa": "99999"}).content.decode()
    )
    # A forged cookie is not trusted.
    client.cookies["xa-cua-toi"] = "<b>"
    assert client.get("/thu-tuc/", {"q": "xyzzy"}).status_code == 200


def test_the_api_gives_the_same_advice_with_where_to_ask(client, seed_catalog):
    body = client.get("/api/v1/procedures/advice", {"q": "dangkykhaisinh", "commune": HOME}).json()
    assert body["complete"] is False
    assert {"code": "1.001193", "name": "Đăng ký khai sinh"} in body["nearest"]
    assert any(e["code"] == "khai-sinh" for e in body["life_events"])
    assert [c["name"] for c in body["centres"]] == [
        "Trung tâm Phục vụ hành chính công xã Liên Minh",
        "Trung tâm Phục vụ hành chính công tỉnh Ninh Bình",
    ]
    typo = client.get("/api/v1/procedures/advice", {"q": "gxay khai sinh"}).json()
    assert (typo["corrected"], typo["complete"], typo["centres"]) == ("giấy khai sinh", True, [])
    assert client.get("/api/v1/procedures/advice").status_code == 422  # q is required
