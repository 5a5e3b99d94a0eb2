"""Writes to the registries: granted like reads, made in the caller's transaction (a
step that fails leaves nothing), versioned, audited and shown to the person."""

from __future__ import annotations

import pytest
from django.db import transaction

from lienthong.core.errors import PermissionDenied
from lienthong.core.models import AuditEntry
from lienthong.registries import gateway
from lienthong.registries.models import AccessLog, Alert, Record, RecordParty
from tests.registries.conftest import CITIZEN, WIFE

pytestmark = pytest.mark.django_db

PURPOSE = "Đăng ký khai sinh, hồ sơ H37.1"


def _caller(world, agency=None):
    return gateway.Caller(agency or world.consumer, world.clerk, "", "127.0.0.1")


def _birth():
    return {
        "full_name": "Nguyễn Minh Châu",
        "birth_date": "2026-11-30",
        "sex": "female",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "birth_place": "13786",
        "father_pin": CITIZEN,
        "mother_pin": WIFE,
        "status": "alive",
    }


def test_a_granted_agency_registers_a_newborn_with_a_new_number(world, grant):
    grant(services=["new-citizen"], fields=list(_birth()))
    permit = gateway.authorise_write(
        _caller(world), "new-citizen", purpose=PURPOSE, dossier="H37.1"
    )
    written = gateway.write(permit, _birth(), issue={"province": "37"})
    record = Record.objects.get(registry=world.population, key=written.key)
    assert written.key.startswith("0373")  # Ninh Bình, female born in the 2000s
    assert len(written.key) == 12
    assert record.data["pin"] == written.key
    assert record.subject == written.key
    assert record.source == "registration"
    assert set(RecordParty.objects.filter(record=record).values_list("pin", flat=True)) == {
        CITIZEN,
        WIFE,
    }
    logged = AccessLog.objects.filter(outcome="written", dossier="H37.1")
    # The child and both parents see that the record was written, and for which dossier.
    assert set(logged.values_list("subject", flat=True)) == {written.key, CITIZEN, WIFE}
    assert AuditEntry.objects.filter(action="registry.record_created").exists()


def test_an_update_keeps_the_old_version_and_only_granted_fields_are_written(world, grant):
    grant(services=["residence-update"], fields=["permanent_unit", "permanent_address"])
    permit = gateway.authorise_write(_caller(world), "residence-update", purpose=PURPOSE)
    written = gateway.write(
        permit, {"permanent_unit": "13753", "permanent_address": "Thôn 2"}, key=CITIZEN
    )
    record = Record.objects.get(registry=world.population, key=CITIZEN)
    assert (record.version, record.data["permanent_unit"]) == (written.version, "13753")
    assert record.versions.get().data["permanent_unit"] == "13786"
    with pytest.raises(PermissionDenied):
        gateway.write(permit, {"household": "H9"}, key=CITIZEN)
    assert record.versions.count() == 1


def test_a_write_without_a_grant_is_refused_logged_and_alerted_before_anything_is_written(
    world,
):
    with pytest.raises(PermissionDenied):
        gateway.authorise_write(_caller(world), "death-update", purpose=PURPOSE, subject=CITIZEN)
    refused = AccessLog.objects.get(outcome="refused")
    assert (refused.subject, refused.service, refused.reason) == (
        CITIZEN,
        "death-update",
        "no-grant",
    )
    assert Alert.objects.get().registry == world.population
    assert Record.objects.get(registry=world.population, key=CITIZEN).version == 1


def test_a_write_rolled_back_with_its_step_leaves_no_record_and_no_log(world, grant):
    grant(services=["new-citizen"], fields=list(_birth()))
    permit = gateway.authorise_write(_caller(world), "new-citizen", purpose=PURPOSE)
    before = Record.objects.count()

    def step() -> None:
        with transaction.atomic():
            gateway.write(permit, _birth(), issue={"province": "37"})
            raise RuntimeError("the step failed after the write")

    with pytest.raises(RuntimeError):
        step()
    assert Record.objects.count() == before
    assert not AccessLog.objects.filter(outcome="written").exists()


def test_the_owner_writes_its_own_registry(world):
    caller = gateway.Caller(world.owner, world.owner_official, "", "")
    permit = gateway.authorise_write(caller, "death-update", purpose="Cập nhật theo trích lục")
    gateway.write(permit, {"status": "dead", "death_date": "2026-12-01"}, key=WIFE)
    assert Record.objects.get(registry=world.population, key=WIFE).data["status"] == "dead"
