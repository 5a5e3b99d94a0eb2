"""The data-sharing gateway: grants, minimisation, the access log, refusals and alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lienthong.core.errors import InvalidInput, PermissionDenied, TooManyAttempts
from lienthong.core.models import AuditEntry
from lienthong.registries import gateway, services
from lienthong.registries.models import AccessLog, Alert
from tests.registries.conftest import CHILD, CITIZEN, STRANGER, WIFE

pytestmark = pytest.mark.django_db


def _caller(world, user=None, agency=None, client_id=""):
    return gateway.Caller(agency or world.consumer, user or world.clerk, client_id, "127.0.0.1")


def test_only_granted_fields_leave_and_each_person_read_is_logged(world, grant):
    g = grant()
    answer = gateway.consult(
        _caller(world), "residence", CITIZEN, purpose="Đăng ký thường trú", dossier="H37.1"
    )
    assert answer.records == [
        {
            "pin": CITIZEN,
            "full_name": "Nguyễn Văn An",
            "permanent_unit": "13786",
            "permanent_address": "Xóm 3, thôn Đông",
            "household": "H000001",
            "relation": "head",
        }
    ]
    # current_unit is in the service but not in the grant; religion is in neither.
    assert "current_unit" not in answer.fields
    (log,) = AccessLog.objects.all()
    assert (log.subject, log.outcome, log.grant_id, log.user_id) == (
        CITIZEN,
        "allowed",
        g.pk,
        world.clerk.pk,
    )
    assert log.fields == list(answer.fields)
    assert (log.purpose, log.dossier, log.consumer_id) == (
        "Đăng ký thường trú",
        "H37.1",
        world.consumer.pk,
    )
    assert log.request == answer.request


def test_a_household_read_is_logged_for_every_member(world, grant):
    grant()
    answer = gateway.consult(_caller(world), "household", WIFE, purpose="Cấp thẻ BHYT cho con")
    assert {r["pin"] for r in answer.records} == {CITIZEN, WIFE, CHILD}
    subjects = sorted(AccessLog.objects.values_list("subject", flat=True))
    assert subjects == sorted([CITIZEN, WIFE, CHILD])
    assert AccessLog.objects.values("request").distinct().count() == 1


def test_a_read_without_a_grant_is_refused_logged_and_alerts_the_owner(world, grant):
    grant()  # for the consumer, not for the far commune
    caller = _caller(world, world.far_clerk, world.far)
    with pytest.raises(PermissionDenied) as refused:
        gateway.consult(caller, "residence", CITIZEN, purpose="Tra cứu")
    assert refused.value.code == "no-grant"
    log = AccessLog.objects.get()
    assert (log.outcome, log.reason, log.subject, log.fields) == (
        "refused",
        "no-grant",
        CITIZEN,
        [],
    )
    alert = Alert.objects.get()
    assert (alert.registry_id, alert.kind, alert.consumer_id, alert.count) == (
        world.population.pk,
        "refused_read",
        world.far.pk,
        1,
    )
    assert "UBND xã Xa" in alert.message
    with pytest.raises(PermissionDenied):
        gateway.consult(caller, "household", CITIZEN, purpose="Tra cứu")
    alert.refresh_from_db()
    assert alert.count == 2  # the same open alert, counted again
    assert AccessLog.objects.filter(outcome="refused").count() == 2


def test_an_official_without_a_reading_role_is_refused(world, grant):
    grant()
    with pytest.raises(PermissionDenied) as refused:
        gateway.consult(_caller(world, world.citizen), "residence", CITIZEN, purpose="Tò mò")
    assert refused.value.code == "no-role"
    assert AccessLog.objects.get().reason == "no-role"


@pytest.mark.parametrize(
    "change",
    [
        {"valid_to": dt.date(2020, 1, 1), "valid_from": dt.date(2019, 1, 1)},
        {"valid_from": dt.date(2099, 1, 1)},
        {"services": ["household"]},
        {"client_id": "another-system"},
    ],
    ids=["expired", "not-yet", "other-service", "other-system"],
)
def test_a_grant_that_does_not_cover_the_read_refuses_it(world, grant, change):
    grant(**change)
    with pytest.raises(PermissionDenied):
        gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    assert AccessLog.objects.get().outcome == "refused"


def test_a_revoked_grant_stops_reads_at_once(world, grant):
    g = grant()
    gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    services.revoke_grant(actor=world.owner_official, grant_id=g.pk)
    with pytest.raises(PermissionDenied):
        gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    assert list(AccessLog.objects.order_by("id").values_list("outcome", flat=True)) == [
        "allowed",
        "refused",
    ]
    assert AuditEntry.objects.filter(action="registry.grant_revoked", object_id=str(g.pk)).exists()


def test_the_grant_rate_is_enforced_and_logged(world, grant):
    grant(per_minute=2)
    for _ in range(2):
        gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    with pytest.raises(TooManyAttempts):
        gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    assert AccessLog.objects.filter(outcome="refused", reason="rate-limit").count() == 1
    assert Alert.objects.get().kind == "rate_limit"


def test_no_data_leaves_when_the_log_cannot_be_written(world, grant, monkeypatch):
    grant()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(gateway.fastsql, "insert", broken)
    with pytest.raises(RuntimeError):
        gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    assert not AccessLog.objects.exists()


def test_identity_verification_answers_only_whether_it_matches(world, grant):
    grant()
    caller = _caller(world)
    yes = gateway.consult(
        caller,
        "verify-identity",
        CITIZEN,
        purpose="Xác thực người nộp",
        facts={"full_name": "nguyễn  văn AN", "birth_date": "1990-05-12"},
    )
    no = gateway.consult(
        caller,
        "verify-identity",
        CITIZEN,
        purpose="Xác thực người nộp",
        facts={"full_name": "Nguyễn Văn An", "birth_date": "1991-05-12"},
    )
    assert (yes.match, yes.records, no.match) == (True, [], False)
    assert AccessLog.objects.filter(subject=CITIZEN, outcome="allowed").count() == 2


def test_an_unknown_person_is_logged_as_not_found(world, grant):
    grant()
    answer = gateway.consult(_caller(world), "residence", STRANGER, purpose="Tra cứu")
    assert answer.records == []
    assert AccessLog.objects.get().outcome == "not_found"


@pytest.mark.parametrize(
    ("value", "purpose", "param"),
    [("12345", "Tra cứu", "pin"), (CITIZEN, "", "purpose"), (CITIZEN, "x" * 501, "purpose")],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_logged(
    world, grant, value, purpose, param
):
    grant()
    with pytest.raises(InvalidInput) as bad:
        gateway.consult(_caller(world), "residence", value, purpose=purpose)
    assert [p.name for p in bad.value.invalid_params] == [param]
    assert not AccessLog.objects.exists()


def test_the_owner_reads_its_registry_without_a_grant_and_is_logged(world):
    caller = gateway.Caller(world.owner, world.owner_official, "", "")
    answer = gateway.read_record(caller, "population", CITIZEN, purpose="Kiểm tra dữ liệu")
    assert answer.records[0]["religion"] == "Không"
    log = AccessLog.objects.get(subject=CITIZEN)
    # The spouse's number leaves with the record: her tracker shows the read too.
    assert sorted(AccessLog.objects.values_list("subject", flat=True)) == sorted([CITIZEN, WIFE])
    assert log.grant_id is None


def test_a_civil_status_extract_finds_records_where_the_person_is_a_party(world):
    caller = gateway.Caller(world.civil.owner, None, "system-1", "")
    answer = gateway.consult(caller, "civil-status-extract", WIFE, purpose="Kiểm tra")
    assert [r["kind"] for r in answer.records] == ["marriage"]


def test_grants_are_the_owners_to_give_and_are_checked(world, grant):
    with pytest.raises(PermissionDenied):
        services.grant_access(
            actor=world.clerk,
            registry=world.population,
            consumer=world.consumer,
            services=["residence"],
            fields=["pin"],
            purpose="x",
            legal_basis="y",
            valid_from=timezone.localdate(),
        )
    with pytest.raises(InvalidInput) as bad:
        grant(services=["no-such"], fields=["religionX"], valid_to=dt.date(2000, 1, 1))
    assert {p.name for p in bad.value.invalid_params} == {"services", "fields", "valid_to"}


def test_a_correction_keeps_the_old_version_with_who_and_why(world):
    from lienthong.registries import selectors

    services.correct_record(
        actor=world.owner_official,
        registry=world.population,
        key=CITIZEN,
        changes={"permanent_address": "Số 5, xóm 4"},
        reason="Sai số nhà khi nhập liệu",
    )
    versions = selectors.record_versions(world.owner_official, world.population, CITIZEN)
    assert [(v.version, v.data["permanent_address"]) for v in versions] == [
        (2, "Số 5, xóm 4"),
        (1, "Xóm 3, thôn Đông"),
    ]
    assert selectors.version_reasons(world.population, CITIZEN)[1][1] == "Sai số nhà khi nhập liệu"
    with pytest.raises(PermissionDenied):
        selectors.record_versions(world.clerk, world.population, CITIZEN)


def test_a_record_found_through_a_party_is_logged_for_that_party_too(world, grant):
    """The wife's marriage record is kept under her husband: looked up by her number,
    with only names granted, the read is still in her tracker (and in his)."""
    from lienthong.registries.models import AccessGrant

    AccessGrant.objects.all().delete()
    grant(
        registry=world.civil,
        services=["civil-status-extract"],
        fields=["kind", "registered_on", "full_name", "spouse_name"],
    )
    caller = gateway.Caller(world.consumer, world.clerk)
    answer = gateway.consult(caller, "civil-status-extract", WIFE, purpose="Cấp trích lục")
    assert answer.records == [
        {
            "kind": "marriage",
            "registered_on": "2015-10-10",
            "full_name": "Nguyễn Văn An",
            "spouse_name": "Trần Thị Mai",
        }
    ]
    assert sorted(AccessLog.objects.values_list("subject", flat=True)) == sorted([CITIZEN, WIFE])
    # Neither the register reference nor the husband's number is in the grant: the
    # answer does not show them beside the records either.
    assert (answer.meta[0].key, answer.meta[0].subject) == ("", "")


def test_the_answer_shows_the_key_only_when_the_caller_gave_it_or_may_see_it(world, grant):
    grant(registry=world.insurance, services=["insurance-card"], fields=["card_to"])
    caller = gateway.Caller(world.consumer, world.clerk)
    answer = gateway.consult(caller, "insurance-card", CITIZEN, purpose="Cấp thẻ")
    assert answer.records == [{"card_to": "2026-12-31"}]
    assert (answer.meta[0].key, answer.meta[0].subject) == ("", CITIZEN)


def test_an_identity_check_needs_the_name_and_birth_date_in_the_grant(world, grant):
    grant(services=["verify-identity"], fields=["status"])
    with pytest.raises(PermissionDenied) as refused:
        gateway.consult(
            _caller(world),
            "verify-identity",
            CITIZEN,
            purpose="Xác thực",
            facts={"full_name": "Nguyễn Văn An", "birth_date": "1990-05-12"},
        )
    assert refused.value.code == "no-grant"
    assert AccessLog.objects.get().reason == "no-fields"


def test_an_official_reading_for_an_agency_they_do_not_serve_is_refused_and_logged(world, grant):
    from lienthong.registries import selectors

    grant(consumer=world.far)  # the other commune holds a grant; the clerk is not its staff
    caller = selectors.caller_for(world.clerk, world.far.code, "127.0.0.1")
    with pytest.raises(PermissionDenied) as refused:
        gateway.consult(caller, "residence", CITIZEN, purpose="Tra cứu")
    assert refused.value.code == "no-role"
    log = AccessLog.objects.get()
    assert (log.outcome, log.reason, log.consumer_id, log.user_id, log.subject) == (
        "refused",
        "no-role",
        world.far.pk,
        world.clerk.pk,
        CITIZEN,
    )
    assert Alert.objects.get().registry_id == world.population.pk
