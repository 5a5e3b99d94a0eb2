"""The seeded catalogue with its groups, the registries with the family, the agencies
of the demo commune and their grants, for the interconnected groups' tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.directory import selectors as directory
from lienthong.registries.models import Record, Registry
from tests.dossiers.conftest import HOME
from tests.factories import UserFactory

FATHER = "037090001234"
MOTHER = "037192005678"
HEAD = FATHER


@dataclass
class Family:
    father: Any
    committee: Any
    police: Any
    insurer: Any
    clerk: Any
    leader: Any
    specialist: Any
    police_leader: Any
    police_specialist: Any
    insurer_leader: Any
    insurer_specialist: Any


def _official(role: str, agency: Any, pin: str, position: str = "") -> Any:
    user = UserFactory(official=True, pin=pin, username=pin)
    RoleAssignment.objects.create(user=user, agency=agency, role=role, position=position)
    return user


def _person(registry: Registry, pin: str, name: str, born: str, sex: str) -> None:
    Record.objects.create(
        registry=registry,
        key=pin,
        subject=pin,
        group="H0001",
        valid_from=timezone.now() - dt.timedelta(days=10),
        data={
            "pin": pin,
            "full_name": name,
            "birth_date": born,
            "sex": sex,
            "permanent_unit": HOME,
            "permanent_address": "Xóm 3, thôn Đông",
            "household": "H0001",
            "relation": "head" if pin == HEAD else "spouse",
            "status": "alive",
        },
    )


def grant(registry: Registry, agency: Any, services: list[str], fields: list[str]) -> None:
    from lienthong.registries.services import grant_access

    owner = UserFactory(official=True)
    RoleAssignment.objects.create(user=owner, agency=registry.owner, role=Role.REGISTRY_OWNER)
    grant_access(
        actor=owner,
        registry=registry,
        consumer=agency,
        services=services,
        fields=fields,
        purpose="Giải quyết nhóm thủ tục liên thông",
        legal_basis="Nghị định 63/2024/NĐ-CP",
        valid_from=timezone.localdate() - dt.timedelta(days=1),
    )


@pytest.fixture
def family(db, settings, tmp_path) -> Family:
    return _family(settings, tmp_path)


@pytest.fixture
def family_committed(transactional_db, settings, tmp_path) -> Family:
    """The same, committed, for a browser talking to a live server."""
    return _family(settings, tmp_path)


def _family(settings: Any, tmp_path: Any) -> Family:
    from lienthong.catalog import search
    from lienthong.catalog.loaders import load_procedures
    from lienthong.registries.datasets import CIVIL_STATUS, DATASETS
    from lienthong.registries.seeds import load_registries
    from tests.directory.conftest import ensure_directory_data

    settings.SIGNING_PKI_DIR = tmp_path / "pki"
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_directory_data()
    search.forget()
    load_procedures()
    load_registries()
    population = Registry.objects.get(code="population")
    _person(population, FATHER, "Nguyễn Văn An", "1990-05-12", "male")
    _person(population, MOTHER, "Trần Thị Mai", "1992-03-01", "female")
    home = directory.agencies_of_unit(HOME)
    committee = home.get(kind="people_committee")
    police = home.get(kind="police")
    insurer = directory.search_agencies(
        province=committee.province.code, kind="social_insurance", level="province"
    ).first()
    everything = [f.name for f in DATASETS["population"].fields]
    grant(population, committee, ["person", "residence", "new-citizen", "death-update"], everything)
    grant(
        Registry.objects.get(code="civil-status"),
        committee,
        ["civil-status-entry"],
        [f.name for f in CIVIL_STATUS.fields],
    )
    grant(population, police, ["person", "residence", "residence-update"], everything)
    grant(
        Registry.objects.get(code="insurance"),
        insurer,
        ["insurance-card", "insurance-card-issue", "insurance-card-stop"],
        [f.name for f in DATASETS["insurance"].fields],
    )
    return Family(
        father=UserFactory(pin=FATHER, username=FATHER, full_name="Nguyễn Văn An"),
        committee=committee,
        police=police,
        insurer=insurer,
        clerk=_official(Role.CLERK, home.get(kind="service_centre"), "036190002345"),
        leader=_official(Role.LEADER, committee, "037175004567", "Phó Chủ tịch"),
        specialist=_official(Role.SPECIALIST, committee, "036088003456"),
        police_leader=_official(Role.LEADER, police, "037175004568", "Trưởng Công an xã"),
        police_specialist=_official(Role.SPECIALIST, police, "036088003468"),
        insurer_leader=_official(Role.LEADER, insurer, "037175004569", "Phó Giám đốc"),
        insurer_specialist=_official(Role.SPECIALIST, insurer, "036088003469"),
    )


LT01 = {
    "nguoi_khai_ho_ten": "Nguyễn Văn An",
    "nguoi_khai_so_dinh_danh": FATHER,
    "nguoi_khai_noi_cu_tru": HOME,
    "nguoi_khai_dia_chi": "Xóm 3, thôn Đông",
    "nguoi_khai_dien_thoai": "0912345678",
    "quan_he": "Cha",
    "ho_ten": "Nguyễn Minh Châu",
    "gioi_tinh": "Nữ",
    "ngay_sinh": (timezone.localdate() - dt.timedelta(days=5)).isoformat(),
    "noi_sinh": "Trạm y tế xã Liên Minh, tỉnh Ninh Bình",
    "que_quan": "Xã Liên Minh, tỉnh Ninh Bình",
    "dan_toc": "Kinh",
    "quoc_tich": "Việt Nam",
    "me_ho_ten": "Trần Thị Mai",
    "me_so_dinh_danh": MOTHER,
    "me_nam_sinh": "1992",
    "me_dan_toc": "Kinh",
    "me_quoc_tich": "Việt Nam",
    "me_noi_cu_tru": "Xóm 3, thôn Đông, xã Liên Minh, tỉnh Ninh Bình",
    "co_cha": "Có",
    "cha_ho_ten": "Nguyễn Văn An",
    "cha_so_dinh_danh": FATHER,
    "cha_nam_sinh": "1990",
    "cha_dan_toc": "Kinh",
    "cha_quoc_tich": "Việt Nam",
    "cha_noi_cu_tru": "Xóm 3, thôn Đông, xã Liên Minh, tỉnh Ninh Bình",
    "noi_dang_ky": HOME,
    "dia_chi": "Xóm 3, thôn Đông",
    "chu_ho_ho_ten": "Nguyễn Văn An",
    "chu_ho_so_dinh_danh": HEAD,
    "quan_he_chu_ho": "Con",
    "noi_kcb": "Trạm y tế xã Liên Minh",
    "nhan_the": "Bản điện tử trên VNeID/VssID",
}
