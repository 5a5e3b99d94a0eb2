"""The seed catalogue: real procedures, both Decree 63/2024 groups, idempotent loading."""

from __future__ import annotations

import pytest

from lienthong.catalog import search
from lienthong.catalog.loaders import load_procedures, seed_records
from lienthong.catalog.records import parse_procedure
from lienthong.catalog.selectors import get_group, get_procedure, search_procedures


@pytest.fixture
def seeded(db):
    search.forget()
    yield load_procedures()
    search.forget()


def test_every_seed_record_is_valid_and_sourced():
    records = seed_records()
    assert len(records) >= 60
    codes = [r["code"] for r in records]
    assert len(codes) == len(set(codes))
    for raw in records:
        data = parse_procedure(raw)  # raises on any invalid field
        assert data.sources, data.code
        assert data.components, data.code


@pytest.mark.django_db
def test_loading_twice_changes_nothing(seeded):
    assert "lỗi" not in seeded.summary
    again = load_procedures()
    assert "(0 thêm, 0 cập nhật" in again.summary


@pytest.mark.django_db
def test_a_citizen_finds_birth_registration_without_diacritics(seeded):
    assert search_procedures("dang ky khai sinh")[0].procedure.code == "1.001193"
    assert search_procedures("khai sin")[0].procedure.code == "1.001193"


@pytest.mark.django_db
def test_the_birth_registration_page_data_is_complete(seeded):
    v = get_procedure("1.001193")
    assert v.levels == ["commune"]
    assert v.service_level == "full"
    assert v.essential_06
    assert v.legal_bases
    assert any(c.data_registry for c in v.components.all())


@pytest.mark.django_db
def test_both_interconnected_groups_of_decree_63_exist(seeded):
    birth = get_group("LT-01")
    assert birth.members.all()[0].procedure.code == "1.001193"
    assert len(birth.members.all()) == 3
    death = get_group("LT-02")
    assert death.members.all()[0].procedure.code == "1.000656"
    assert "63/2024" in birth.legal_basis


@pytest.mark.django_db
def test_essential_services_and_fields_are_covered(seeded):
    essential = search_procedures("")
    assert sum(v.essential_06 for v in essential) >= 12
    fields = {v.field for v in essential}
    assert {"Hộ tịch", "Chứng thực"} <= fields
    assert any(v.business_related for v in essential)
    assert any("province" in v.levels for v in essential)
