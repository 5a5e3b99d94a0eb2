"""The loader generates the standard directory: central agencies, 34 provinces, 3,321 communes."""

from __future__ import annotations

import csv
from collections import Counter as Tally

import pytest
from django.db.models import Count

from lienthong.core.identifiers import parse_agency_code, validate_agency_code
from lienthong.directory import loaders
from lienthong.directory.loaders import DATA_DIR, load_agencies
from lienthong.directory.models import Agency, Counter
from lienthong.geo.constants import REFORM_DATE

pytestmark = pytest.mark.django_db

LIEN_MINH = "13786"  # Xã Liên Minh, Tỉnh Ninh Bình


def test_every_province_has_its_people_committee_and_fifteen_bodies():
    committees = Agency.objects.filter(level="province", kind="people_committee")
    assert committees.count() == 34
    assert all(parse_agency_code(a.code).depth == 1 for a in committees)
    per_province = (
        Agency.objects.filter(level="province").values("province").annotate(n=Count("id"))
    )
    assert sorted({row["n"] for row in per_province}) == [16]
    assert Agency.objects.filter(level="province").count() == 34 * 16


def test_every_commune_has_its_people_committee_and_four_bodies():
    committees = Agency.objects.filter(level="commune", kind="people_committee")
    assert committees.count() == 3321
    assert committees.values("unit").distinct().count() == 3321
    kinds = Tally(Agency.objects.filter(level="commune").values_list("kind", flat=True))
    assert kinds == {
        "people_committee": 3321,
        "service_centre": 3321,
        "police": 3321,
        "party_committee": 3321,
        "front_committee": 3321,
    }


def test_every_code_is_valid_and_unique():
    codes = list(Agency.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 13 + 34 * 16 + 3321 * 5
    for code in codes:
        assert validate_agency_code(code) == code


def test_generated_codes_are_marked_provisional_and_known_ones_are_not():
    official = set(Agency.objects.filter(provisional_code=False).values_list("code", flat=True))
    with (DATA_DIR / "province_codes.csv").open(encoding="utf-8") as f:
        known = {r["agency_code"] for r in csv.DictReader(f) if r["provisional"] == "0"}
    assert official == known | {"000.00.00.G22"}
    assert "000.00.00.H41" in official  # Nghệ An
    assert not Agency.objects.filter(level="commune", provisional_code=False).exists()


def test_no_two_provinces_share_a_level_one_code():
    with (DATA_DIR / "province_codes.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 34
    assert len({r["agency_code"] for r in rows}) == 34
    assert all(r["source"] for r in rows)


def test_xa_lien_minh_has_its_committee_police_party_front_and_service_centre():
    agencies = {
        a.kind: a for a in Agency.objects.filter(unit__code=LIEN_MINH).select_related("parent")
    }

    assert {k: a.name for k, a in agencies.items()} == {
        "people_committee": "Ủy ban nhân dân xã Liên Minh",
        "service_centre": "Trung tâm Phục vụ hành chính công xã Liên Minh",
        "police": "Công an xã Liên Minh",
        "party_committee": "Đảng ủy xã Liên Minh",
        "front_committee": "Ủy ban Mặt trận Tổ quốc Việt Nam xã Liên Minh",
    }
    committee = agencies["people_committee"]
    assert committee.parent.name == "Ủy ban nhân dân tỉnh Ninh Bình"
    assert agencies["service_centre"].parent == committee
    assert agencies["police"].parent.name == "Công an tỉnh Ninh Bình"
    assert agencies["party_committee"].parent.name == "Tỉnh ủy Ninh Bình"
    assert agencies["party_committee"].block == "party"
    assert agencies["front_committee"].block == "front"
    assert agencies["front_committee"].parent.name == (
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Ninh Bình"
    )
    for a in agencies.values():
        assert a.province.code == "37"
        assert a.valid_from == REFORM_DATE
        assert a.provisional_code
        assert a.search_key == loaders.search_key(a.name)
    # Levels 1–3 of the commune's codes are those of its People's Committee.
    assert {a.code[4:] for a in agencies.values()} == {committee.code[4:]}
    assert committee.search_key == "uy ban nhan dan xa lien minh"


def test_the_commune_service_centre_has_three_counters_for_the_committee():
    centre = Agency.objects.get(unit__code=LIEN_MINH, kind="service_centre")

    counters = list(centre.counters.order_by("number"))

    assert [(c.number, c.name) for c in counters] == [
        (1, "Tư pháp – Hộ tịch, chứng thực"),
        (2, "Đất đai – Xây dựng – Kinh doanh"),
        (3, "Lao động – Thương binh – Xã hội, Bảo hiểm"),
    ]
    assert {c.serves.kind for c in counters} == {"people_committee"}
    assert {c.serves.unit.code for c in counters} == {LIEN_MINH}


def test_the_provincial_service_centre_has_a_counter_per_department_police_and_insurance():
    centre = Agency.objects.get(code="000.00.01.H41")

    counters = {c.number: c for c in centre.counters.select_related("serves")}

    assert sorted(counters) == list(range(2, 14))
    assert counters[3].name == "Quầy 3 — Sở Tư pháp"
    assert counters[3].serves.name == "Sở Tư pháp tỉnh Nghệ An"
    assert counters[12].serves.kind == "police"
    assert counters[13].serves.kind == "social_insurance"
    assert Counter.objects.count() == 34 * 12 + 3321 * 3


def test_provincial_bodies_belong_to_their_central_agencies():
    police = Agency.objects.select_related("parent").get(code="000.00.12.H41")
    assert police.name == "Công an tỉnh Nghệ An"
    assert police.parent.name == "Bộ Công an"
    assert Agency.objects.get(code="000.00.13.H41").parent.name == "Bảo hiểm xã hội Việt Nam"
    assert Agency.objects.get(code="000.00.14.H41").parent.name == "Văn phòng Trung ương Đảng"
    assert Agency.objects.get(code="000.00.03.H41").parent.code == "000.00.00.H41"


def test_centrally_run_cities_have_a_city_party_committee():
    names = set(
        Agency.objects.filter(level="province", kind="party_committee").values_list(
            "name", flat=True
        )
    )
    cities = {n for n in names if n.startswith("Thành ủy")}
    assert cities == {
        "Thành ủy Hà Nội",
        "Thành ủy Hải Phòng",
        "Thành ủy Huế",
        "Thành ủy Đà Nẵng",
        "Thành ủy Thành phố Hồ Chí Minh",
        "Thành ủy Cần Thơ",
    }
    assert "Tỉnh ủy Ninh Bình" in names
    assert Agency.objects.filter(name="Công an thành phố Hà Nội").exists()
    assert Agency.objects.filter(name="Sở Tư pháp tỉnh Ninh Bình").exists()


def test_a_rerun_changes_nothing():
    before = list(Agency.objects.order_by("code").values_list(*_SNAPSHOT))
    counters = list(Counter.objects.order_by("pk").values_list("pk", "centre", "number", "name"))

    result = load_agencies()

    assert "(0 cơ quan thêm, 0 cập nhật; 0 quầy thêm, 0 cập nhật)" in result.summary
    assert list(Agency.objects.order_by("code").values_list(*_SNAPSHOT)) == before
    assert list(Counter.objects.order_by("pk").values_list("pk", "centre", "number", "name")) == (
        counters
    )


_SNAPSHOT = ("pk", "code", "name", "parent", "unit", "province", "search_key", "provisional_code")


def test_a_corrected_code_moves_the_same_agencies_to_it(monkeypatch):
    """When the official code of a province is published, its rows keep their identity."""
    committee = Agency.objects.get(code="000.00.00.H64")  # Ninh Bình, provisional
    commune = Agency.objects.get(unit__code=LIEN_MINH, kind="people_committee")
    real = loaders.province_codes

    def corrected() -> dict[str, tuple[str, bool]]:
        codes = real()
        codes["37"], codes["25"] = codes["25"], ("000.00.00.H64", True)  # swap with Phú Thọ
        return codes

    monkeypatch.setattr(loaders, "province_codes", corrected)
    phu_tho = Agency.objects.get(code="000.00.00.H44")

    result = load_agencies()

    assert "đổi mã" in result.summary
    committee.refresh_from_db()
    commune.refresh_from_db()
    phu_tho.refresh_from_db()
    assert (committee.code, committee.name) == ("000.00.00.H44", "Ủy ban nhân dân tỉnh Ninh Bình")
    assert commune.code.endswith(".H44")
    assert phu_tho.code == "000.00.00.H64"
    assert phu_tho.name == "Ủy ban nhân dân tỉnh Phú Thọ"
    assert Agency.objects.count() == 13 + 34 * 16 + 3321 * 5


def test_an_agency_added_by_hand_is_kept():
    Agency.objects.create(
        code="000.00.16.H41",
        name="Sở Ngoại vụ tỉnh Nghệ An",
        block="state",
        level="province",
        kind="department",
        search_key="so ngoai vu tinh nghe an",
    )

    load_agencies()

    assert Agency.objects.filter(code="000.00.16.H41", name="Sở Ngoại vụ tỉnh Nghệ An").exists()
