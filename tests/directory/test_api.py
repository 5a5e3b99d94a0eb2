"""The directory API: search agencies, read one with its parent, children and counters."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

LIST = "/api/v1/agencies"


def test_agencies_are_searched_without_diacritics(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        data = client.get(LIST, {"q": "uy ban nhan dan xa lien minh"}).json()

    assert data["count"] == 3  # Liên Minh in Hà Nội, Phú Thọ and Ninh Bình
    assert {a["province_name"] for a in data["items"]} == {
        "Thành phố Hà Nội",
        "Tỉnh Phú Thọ",
        "Tỉnh Ninh Bình",
    }
    ninh_binh = next(a for a in data["items"] if a["province_code"] == "37")
    assert ninh_binh["name"] == "Ủy ban nhân dân xã Liên Minh"
    assert ninh_binh["unit_code"] == "13786"
    assert ninh_binh["unit_name"] == "Xã Liên Minh"
    assert ninh_binh["kind"] == "people_committee"
    assert ninh_binh["level"] == "commune"
    assert ninh_binh["provisional"] is True
    assert ninh_binh["parent_code"] == "000.00.00.H64"


def test_agencies_are_filtered_by_province_and_kind(client):
    data = client.get(LIST, {"q": "lien minh", "province": "37", "limit": 100}).json()
    assert data["count"] == 5
    assert {a["unit_code"] for a in data["items"]} == {"13786"}
    assert data["items"][0]["name"] == "Ủy ban nhân dân xã Liên Minh"  # whole-name match first

    police = client.get(LIST, {"province": "37", "kind": "police", "limit": 1}).json()
    assert police["count"] == 1 + 129  # the province's police and one per commune
    assert police["items"][0]["name"] == "Công an tỉnh Ninh Bình"


def test_agencies_are_filtered_by_commune_block_and_level(client):
    party = client.get(LIST, {"unit": "13786", "block": "party"}).json()
    assert [a["name"] for a in party["items"]] == ["Đảng ủy xã Liên Minh"]

    central = client.get(LIST, {"level": "central", "limit": 100}).json()
    assert central["count"] == 13
    assert central["items"][0]["province_code"] is None


def test_an_agency_is_found_by_its_code_and_by_an_abbreviation(client):
    by_code = client.get(LIST, {"q": "000.00.00.G22"}).json()
    assert [a["name"] for a in by_code["items"]] == ["Văn phòng Chính phủ"]
    assert by_code["items"][0]["provisional"] is False

    ubnd = client.get(LIST, {"q": "UBND tỉnh Nghệ An"}).json()
    assert [a["code"] for a in ubnd["items"]] == ["000.00.00.H41"]


def test_an_unknown_filter_value_is_a_422_problem(client):
    response = client.get(LIST, {"kind": "embassy"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["invalid_params"][0]["name"] == "kind"


def test_one_agency_has_its_parent_children_and_codes(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get(f"{LIST}/000.00.03.H41")

    assert response.status_code == 200
    agency = response.json()
    assert agency["name"] == "Sở Tư pháp tỉnh Nghệ An"
    assert agency["parent"] == {
        "code": "000.00.00.H41",
        "name": "Ủy ban nhân dân tỉnh Nghệ An",
        "kind": "people_committee",
    }
    assert (agency["unit_code"], agency["province_code"]) == ("40", "40")
    assert agency["province_name"] == "Tỉnh Nghệ An"
    assert agency["provisional"] is True
    assert agency["valid_from"] == "2025-07-01"
    assert agency["children"] == []
    assert agency["counters"] == []


def test_a_province_committee_lists_its_departments_and_communes(client):
    agency = client.get(f"{LIST}/000.00.00.H41").json()

    assert agency["provisional"] is False
    assert agency["parent"] is None
    children = {c["code"]: c for c in agency["children"]}
    assert children["000.00.03.H41"]["name"] == "Sở Tư pháp tỉnh Nghệ An"
    assert sum(c["kind"] == "people_committee" for c in agency["children"]) == 130  # communes


def test_a_commune_service_centre_lists_its_counters(client):
    code = client.get(LIST, {"unit": "13786", "kind": "service_centre"}).json()["items"][0]["code"]

    centre = client.get(f"{LIST}/{code}").json()

    assert [(c["number"], c["name"]) for c in centre["counters"]] == [
        (1, "Tư pháp – Hộ tịch, chứng thực"),
        (2, "Đất đai – Xây dựng – Kinh doanh"),
        (3, "Lao động – Thương binh – Xã hội, Bảo hiểm"),
    ]
    assert centre["counters"][0]["serves"]["name"] == "Ủy ban nhân dân xã Liên Minh"


@pytest.mark.parametrize("code", ["000.00.00.H99", "000.01.00.H41", "not-a-code", "..."])
def test_an_unknown_or_malformed_code_is_a_404_problem(client, code):
    response = client.get(f"{LIST}/{code}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:lienthong:problem:not-found"
