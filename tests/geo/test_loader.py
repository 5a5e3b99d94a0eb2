"""Loading the units: the official figures, idempotent reloads, the data version."""

from __future__ import annotations

import pytest

from lienthong.geo.loaders import load_units
from lienthong.geo.models import AdministrativeUnit, GeoDataVersion, Succession

pytestmark = pytest.mark.django_db


def test_both_maps_have_the_official_counts():
    current = AdministrativeUnit.objects.current()
    assert current.filter(level="province").count() == 34
    assert current.filter(level="commune").count() == 3321
    assert current.filter(level="commune", unit_type="Đặc khu").count() == 13
    legacy = AdministrativeUnit.objects.legacy()
    assert legacy.filter(level="province").count() == 63
    assert legacy.filter(level="district").count() == 696
    assert legacy.filter(level="commune").count() >= 10033


def test_every_old_commune_of_the_official_table_has_a_successor_and_441_are_split():
    edges = Succession.objects.filter(predecessor__level="commune")
    olds = edges.values("predecessor").distinct().count()
    assert olds == 10033
    split = edges.filter(partial=True).values("predecessor").distinct().count()
    assert split == 441
    # Exactly one default per split commune.
    defaults = edges.filter(partial=True, is_default=True).values("predecessor").distinct().count()
    assert defaults == 441
    assert edges.filter(partial=True, is_default=True).count() == 441


def test_every_old_province_has_one_new_province():
    edges = Succession.objects.filter(predecessor__level="province")
    assert edges.count() == 63
    assert edges.values("successor").distinct().count() == 34


def test_reloading_changes_nothing_and_records_no_new_version():
    units, edges, versions = (
        AdministrativeUnit.objects.count(),
        Succession.objects.count(),
        GeoDataVersion.objects.count(),
    )
    result = load_units()
    assert "(0 đơn vị thêm, 0 cập nhật)" in result.summary
    assert AdministrativeUnit.objects.count() == units
    assert Succession.objects.count() == edges
    assert GeoDataVersion.objects.count() == versions


def test_the_data_version_names_its_sources():
    version = GeoDataVersion.objects.latest()
    assert version.sources["vietnamadminunits"] == "1.0.4"
    assert version.counts["new_communes"] == 3321


def test_a_province_name_is_written_with_its_type():
    assert (
        AdministrativeUnit.objects.current().get(level="province", code="37").name
        == "Tỉnh Ninh Bình"
    )
    assert (
        AdministrativeUnit.objects.legacy().get(level="district", code="450").name
        == "Thành phố Đồng Hới"
    )
