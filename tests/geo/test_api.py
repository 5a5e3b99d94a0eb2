"""The geography API: unit lookup with lineage, and batch conversion."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_units_are_listed_by_level_and_parent(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        data = client.get("/api/v1/geo/units", {"level": "province", "limit": 100}).json()
    assert data["count"] == 34
    hanoi = next(u for u in data["items"] if u["code"] == "01")
    assert hanoi["name"] == "Thành phố Hà Nội"
    communes = client.get("/api/v1/geo/units", {"parent": "37", "level": "commune"}).json()
    assert communes["count"] > 100
    assert all(u["province_code"] == "37" for u in communes["items"])


def test_units_are_searched_without_diacritics(client):
    items = client.get("/api/v1/geo/units", {"q": "lien minh", "parent": "37"}).json()["items"]
    assert [u["name"] for u in items] == ["Xã Liên Minh"]


def test_the_old_map_is_served_for_a_date_before_the_reform(client):
    data = client.get("/api/v1/geo/units", {"level": "province", "as_of": "2025-06-30"}).json()
    assert data["count"] == 63
    districts = client.get(
        "/api/v1/geo/units", {"q": "Vụ Bản", "level": "district", "as_of": "2025-06-30"}
    ).json()
    assert districts["items"][0]["name"] == "Huyện Vụ Bản"


def test_a_new_commune_lists_the_old_communes_it_was_formed_from(client):
    unit = client.get("/api/v1/geo/units/13786").json()
    assert unit["name"] == "Xã Liên Minh"
    assert unit["valid_from"] == "2025-07-01"
    predecessors = {p["name"]: p["context"] for p in unit["predecessors"]}
    assert predecessors == {
        "Xã Liên Minh": "Huyện Vụ Bản, Tỉnh Nam Định",
        "Xã Đại Thắng": "Huyện Vụ Bản, Tỉnh Nam Định",
        "Xã Vĩnh Hào": "Huyện Vụ Bản, Tỉnh Nam Định",
    }


def test_an_old_split_commune_lists_all_its_successors(client):
    old = client.get("/api/v1/geo/units/27148", {"as_of": "2025-06-30"}).json()
    assert old["name"] == "Phường 4"
    assert old["valid_to"] == "2025-06-30"
    successors = {s["name"]: (s["partial"], s["is_default"]) for s in old["successors"]}
    assert successors == {"Phường Bàn Cờ": (True, True), "Phường Xuân Hòa": (True, False)}


def test_an_unknown_code_is_a_404_problem(client):
    response = client.get("/api/v1/geo/units/99999")
    assert response.status_code == 404
    assert response.json()["code"] == "not-found"


def test_addresses_are_converted_in_input_order(client):
    addresses = [
        "Xã Đại Thắng, huyện Vụ Bản, tỉnh Nam Định",
        "",
        None,
        "Phường 4, Quận 3, TP.HCM",
        "Xã Liên Minh, Tỉnh Ninh Bình",
    ]
    response = client.post(
        "/api/v1/geo/convert", {"addresses": addresses}, content_type="application/json"
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "converted",
        "unresolved",
        "unresolved",
        "ambiguous",
        "already_new",
    ]
    assert results[0]["address"] == "Xã Liên Minh, Tỉnh Ninh Bình"
    assert results[0]["legacy"]["district_name"] == "Huyện Vụ Bản"
    assert results[1]["reason"] == "empty"
    assert {c["ward_name"] for c in results[3]["candidates"]} == {
        "Phường Bàn Cờ",
        "Phường Xuân Hòa",
    }


def test_more_than_1000_addresses_are_refused_with_a_clear_problem(client):
    response = client.post(
        "/api/v1/geo/convert", {"addresses": ["x"] * 1001}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["invalid_params"][0]["name"] == "addresses"


def test_a_batch_of_1000_is_accepted(client):
    response = client.post(
        "/api/v1/geo/convert",
        {"addresses": ["Xã Đại Thắng, Vụ Bản, Nam Định"] * 1000},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1000
