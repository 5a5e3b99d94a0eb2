from __future__ import annotations

import pytest

from lienthong.directory.loaders import load_agencies
from lienthong.directory.models import Agency
from tests.geo.conftest import ensure_geo_data


def ensure_directory_data() -> None:
    """Load units and agencies once into the test database (a flush empties it)."""
    ensure_geo_data()
    if not Agency.objects.filter(code="000.00.00.G22").exists():
        load_agencies()


@pytest.fixture(scope="module", autouse=True)
def directory_data(django_db_setup, django_db_blocker):
    # Module scope runs before the function-scoped test transaction opens, so the data
    # is committed once and every test's rollback keeps it.
    with django_db_blocker.unblock():
        ensure_directory_data()
