"""Registries, records and agencies for the gateway tests (no reference data needed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.registries.models import Record, RecordParty, Registry
from tests.factories import AgencyFactory, UserFactory

CITIZEN = "037090001234"
WIFE = "037192005678"
CHILD = "037220001111"
STRANGER = "001085009999"


@dataclass
class World:
    owner: Any
    consumer: Any
    far: Any
    population: Registry
    civil: Registry
    insurance: Registry
    owner_official: Any
    clerk: Any
    far_clerk: Any
    citizen: Any
    wife: Any


def _person(registry: Registry, pin: str, name: str, born: str, **extra: Any) -> Record:
    data = {
        "pin": pin,
        "full_name": name,
        "birth_date": born,
        "sex": extra.pop("sex", "male"),
        "ethnicity": "Kinh",
        "religion": "Không",
        "nationality": "Việt Nam",
        "permanent_unit": "13786",
        "permanent_address": "Xóm 3, thôn Đông",
        "household": "H000001",
        "status": "alive",
        **extra,
    }
    return Record.objects.create(
        registry=registry,
        key=pin,
        subject=pin,
        group="H000001",
        valid_from=timezone.now() - dt.timedelta(days=30),
        data=data,
    )


@pytest.fixture
def world(db) -> World:
    owner = AgencyFactory(code="000.00.00.G01", central=True, name="Bộ Công an")
    justice = AgencyFactory(code="000.00.00.G15", central=True, name="Bộ Tư pháp")
    insurer = AgencyFactory(code="000.00.00.G96", central=True, name="Bảo hiểm xã hội Việt Nam")
    consumer = AgencyFactory(code="000.00.01.H98", kind="people_committee", name="UBND xã Một")
    far = AgencyFactory(code="000.00.01.H97", kind="people_committee", name="UBND xã Xa")
    population = Registry.objects.update_or_create(
        code="population", defaults={"name": "CSDL dân cư", "owner": owner}
    )[0]
    civil = Registry.objects.update_or_create(
        code="civil-status", defaults={"name": "CSDL hộ tịch", "owner": justice}
    )[0]
    insurance = Registry.objects.update_or_create(
        code="insurance", defaults={"name": "CSDL bảo hiểm", "owner": insurer}
    )[0]
    _person(population, CITIZEN, "Nguyễn Văn An", "1990-05-12", relation="head", spouse_pin=WIFE)
    _person(
        population,
        WIFE,
        "Trần Thị Mai",
        "1992-03-01",
        sex="female",
        relation="spouse",
        spouse_pin=CITIZEN,
    )
    _person(
        population,
        CHILD,
        "Nguyễn Minh Khôi",
        "2020-09-09",
        relation="child",
        father_pin=CITIZEN,
        mother_pin=WIFE,
    )
    marriage = Record.objects.create(
        registry=civil,
        key="KH.13786.2015.7",
        subject=CITIZEN,
        valid_from=timezone.now(),
        data={
            "kind": "marriage",
            "book": "01/2015",
            "number": 7,
            "registered_on": "2015-10-10",
            "pin": CITIZEN,
            "full_name": "Nguyễn Văn An",
            "spouse_pin": WIFE,
            "spouse_name": "Trần Thị Mai",
        },
    )
    RecordParty.objects.create(record=marriage, pin=WIFE, role="spouse")
    Record.objects.create(
        registry=insurance,
        key="3719001234",
        subject=CITIZEN,
        valid_from=timezone.now(),
        data={
            "insurance_code": "3719001234",
            "pin": CITIZEN,
            "full_name": "Nguyễn Văn An",
            "card_from": "2026-01-01",
            "card_to": "2026-12-31",
            "card_status": "active",
            "contribution_months": 96,
        },
    )

    def official(role: str, agency: Any, pin: str) -> Any:
        user = UserFactory(official=True, pin=pin, username=pin)
        RoleAssignment.objects.create(user=user, agency=agency, role=role)
        return user

    citizen = UserFactory(username=CITIZEN, pin=CITIZEN, full_name="Nguyễn Văn An")
    wife = UserFactory(username=WIFE, pin=WIFE, full_name="Trần Thị Mai")
    return World(
        owner=owner,
        consumer=consumer,
        far=far,
        population=population,
        civil=civil,
        insurance=insurance,
        owner_official=official(Role.REGISTRY_OWNER, owner, "001085007890"),
        clerk=official(Role.CLERK, consumer, "036190002345"),
        far_clerk=official(Role.CLERK, far, "001190008901"),
        citizen=citizen,
        wife=wife,
    )


@pytest.fixture
def grant(world):
    """A grant of the population registry's residence and household services to the
    consumer, without the religion and parents' fields."""
    from lienthong.registries.services import grant_access

    def make(**kw: Any):
        args = {
            "registry": world.population,
            "consumer": world.consumer,
            "services": ["residence", "household", "verify-identity", "record"],
            "fields": [
                "pin",
                "full_name",
                "birth_date",
                "permanent_unit",
                "permanent_address",
                "household",
                "relation",
                "status",
            ],
            "purpose": "Giải quyết thủ tục hành chính",
            "legal_basis": "Nghị định 47/2020/NĐ-CP",
            "valid_from": timezone.localdate() - dt.timedelta(days=1),
        }
        args.update(kw)
        # Another registry's grants are its owner's: a platform administrator gives them.
        actor = (
            world.owner_official
            if args["registry"] == world.population
            else UserFactory(admin=True)
        )
        return grant_access(actor=actor, **args)

    return make
