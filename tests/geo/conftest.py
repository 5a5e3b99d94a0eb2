from __future__ import annotations

import pytest

from lienthong.geo.loaders import load_units
from lienthong.geo.models import AdministrativeUnit
from lienthong.geo.selectors import address_index


def ensure_geo_data() -> None:
    """Load the units once into the test database (a flush by a transactional test empties it)."""
    if not AdministrativeUnit.objects.filter(code="13786", valid_to__isnull=True).exists():
        load_units()
        address_index.cache_clear()


@pytest.fixture(scope="module", autouse=True)
def geo_data(django_db_setup, django_db_blocker):
    # Module scope runs before the function-scoped test transaction opens, so the data
    # is committed once and every test's rollback keeps it.
    with django_db_blocker.unblock():
        ensure_geo_data()
