from __future__ import annotations

from dataclasses import dataclass

import pytest

from lienthong.accounts.models import RoleAssignment
from lienthong.geo.models import AdministrativeUnit
from tests.factories import AgencyFactory, UserFactory


def make_province(code: str, name: str) -> AdministrativeUnit:
    unit, _ = AdministrativeUnit.objects.get_or_create(
        level="province",
        code=code,
        valid_to=None,
        defaults={
            "name": name,
            "short_name": name,
            "unit_type": "Tỉnh",
            "search_key": name.lower(),
        },
    )
    return unit


@dataclass
class Places:
    own: object
    child: object
    sibling: object
    far: object
    central: object
    province: AdministrativeUnit
    other_province: AdministrativeUnit


@pytest.fixture
def places(db) -> Places:
    p1 = make_province("98", "Tỉnh Thử Nghiệm Một")
    p2 = make_province("99", "Tỉnh Thử Nghiệm Hai")
    own = AgencyFactory(code="000.00.01.H98", kind="people_committee", province=p1)
    return Places(
        own=own,
        child=AgencyFactory(code="000.01.01.H98", kind="service_centre", province=p1, parent=own),
        sibling=AgencyFactory(code="000.00.02.H98", province=p1),
        far=AgencyFactory(code="000.00.01.H97", province=p2),
        central=AgencyFactory(code="000.00.00.G22", central=True),
        province=p1,
        other_province=p2,
    )


@pytest.fixture
def official_with():
    """An official holding ``role`` at ``agency``."""

    def make(role: str, agency: object, **kwargs: object):
        user = UserFactory(official=True, **kwargs)
        RoleAssignment.objects.create(user=user, agency=agency, role=role)
        return user

    return make
