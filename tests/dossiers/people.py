"""The people of the dossier tests: a citizen and officials around Xã Liên Minh.

Registered for the whole suite in tests/conftest.py (browser tests use them too).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.catalog import search
from lienthong.catalog.records import parse_procedure
from lienthong.catalog.services import publish_seed
from lienthong.directory import selectors as directory
from tests.catalog.conftest import CHUNG_THUC, KHAI_SINH, THANH_LAP, variant
from tests.directory.conftest import ensure_directory_data
from tests.factories import UserFactory

HOME = "13786"  # Xã Liên Minh, Ninh Bình: where the family lives
ELSEWHERE = "13753"  # Xã Hiển Khánh, Ninh Bình: where they file


@dataclass
class Cast:
    citizen: object
    clerk_home: object
    clerk_elsewhere: object
    specialist: object
    leader: object
    other_specialist: object
    province_specialist: object
    home_committee: object
    elsewhere_centre: object


def _official(role: str, agency: object, pin: str) -> object:
    user = UserFactory(official=True, pin=pin, username=pin)
    RoleAssignment.objects.create(user=user, agency=agency, role=role)
    return user


@pytest.fixture
def cast(db) -> Cast:
    return _cast()


@pytest.fixture
def cast_committed(transactional_db) -> Cast:
    """The same people for tests whose threads need committed data."""
    ensure_directory_data()
    return _cast()


def _cast() -> Cast:
    search.forget()
    for raw in (
        KHAI_SINH,
        CHUNG_THUC,
        THANH_LAP,
        variant(
            KHAI_SINH,
            code="1.009999",
            name="Thủ tục tại địa phương",
            boundary_free=False,
            life_events=[],
        ),
    ):
        publish_seed(parse_procedure(raw), decision_number="Dữ liệu kiểm thử")
    home = directory.agencies_of_unit(HOME)
    elsewhere = directory.agencies_of_unit(ELSEWHERE)
    committee = home.get(kind="people_committee")
    province = committee.province.code
    finance = directory.search_agencies(province=province, kind="department").get(
        name__startswith="Sở Tài chính"
    )
    return Cast(
        citizen=UserFactory(pin="037090001234", username="037090001234", full_name="Nguyễn Văn An"),
        clerk_home=_official(Role.CLERK, home.get(kind="service_centre"), "036190002345"),
        clerk_elsewhere=_official(Role.CLERK, elsewhere.get(kind="service_centre"), "036190002346"),
        specialist=_official(Role.SPECIALIST, committee, "036088003456"),
        leader=_official(Role.LEADER, committee, "037175004567"),
        other_specialist=_official(
            Role.SPECIALIST, elsewhere.get(kind="people_committee"), "036088003457"
        ),
        province_specialist=_official(Role.SPECIALIST, finance, "036088003458"),
        home_committee=committee,
        elsewhere_centre=elsewhere.get(kind="service_centre"),
    )
