"""Batch lookups: many persons in one call, each logged as a single call would be."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lienthong.core.errors import InvalidInput, PermissionDenied, TooManyAttempts
from lienthong.registries import gateway
from lienthong.registries.models import AccessLog, Alert
from tests.registries.conftest import CHILD, CITIZEN, STRANGER, WIFE

pytestmark = pytest.mark.django_db

PURPOSE = "Đối chiếu danh sách đối tượng bảo trợ xã hội"


def _caller(world, user=None, agency=None):
    return gateway.Caller(agency or world.consumer, user or world.clerk, "", "127.0.0.1")


def _logged(request=None):
    rows = AccessLog.objects.order_by("id")
    if request is not None:
        rows = rows.filter(request=request)
    return sorted(rows.values_list("subject", "record_key", "outcome", "fields"))


def test_a_batch_answers_each_number_and_logs_what_single_calls_log(world, grant):
    grant()
    ids = [CITIZEN, WIFE, STRANGER]
    batch = gateway.consult_batch(_caller(world), "residence", ids, purpose=PURPOSE)
    assert [item.id for item in batch.items] == ids
    citizen, wife, stranger = (item.answer for item in batch.items)
    assert citizen.records[0]["full_name"] == "Nguyễn Văn An"
    assert wife.records[0]["full_name"] == "Trần Thị Mai"
    assert stranger.records == []  # not in the registry: logged as not found
    assert "religion" not in citizen.records[0]
    batched = _logged(batch.request)
    AccessLog.objects.all().delete()
    for pin in ids:
        gateway.consult(_caller(world), "residence", pin, purpose=PURPOSE)
    assert batched == _logged()
    assert {r.outcome for r in AccessLog.objects.all()} == {"allowed", "not_found"}


def test_a_malformed_number_is_reported_on_its_item_and_the_rest_answered(world, grant):
    grant()
    batch = gateway.consult_batch(
        _caller(world), "residence", [CITIZEN, "12345", CITIZEN, CHILD], purpose=PURPOSE
    )
    first, bad, again, child = batch.items
    assert bad.answer is None
    assert bad.error is not None
    assert bad.error.invalid_params[0].name == "pin"
    assert again.answer is first.answer  # a number given twice is read and logged once
    assert child.answer.records[0]["full_name"] == "Nguyễn Minh Khôi"
    assert sorted(AccessLog.objects.values_list("subject", flat=True)) == sorted([CITIZEN, CHILD])


def test_a_batch_of_household_reads_logs_every_member(world, grant):
    grant()
    batch = gateway.consult_batch(_caller(world), "household", [CITIZEN, WIFE], purpose=PURPOSE)
    for item in batch.items:
        assert {r["pin"] for r in item.answer.records} == {CITIZEN, WIFE, CHILD}
    assert AccessLog.objects.filter(subject=CHILD, outcome="allowed").count() == 2


def test_a_batch_without_a_grant_is_refused_for_every_person_in_it(world):
    with pytest.raises(PermissionDenied):
        gateway.consult_batch(_caller(world), "residence", [CITIZEN, WIFE], purpose=PURPOSE)
    assert sorted(
        AccessLog.objects.filter(outcome="refused", reason="no-grant").values_list(
            "subject", flat=True
        )
    ) == sorted([CITIZEN, WIFE])
    alert = Alert.objects.get()
    assert (alert.kind, alert.count, alert.registry_id) == (
        "refused_read",
        1,
        world.population.pk,
    )


def test_each_number_of_a_batch_counts_against_the_grant_rate(world, grant):
    grant(per_minute=3)
    gateway.consult_batch(_caller(world), "residence", [CITIZEN, WIFE], purpose=PURPOSE)
    with pytest.raises(TooManyAttempts):
        gateway.consult_batch(_caller(world), "residence", [CHILD, STRANGER], purpose=PURPOSE)
    refused = AccessLog.objects.filter(outcome="refused", reason="rate-limit")
    assert sorted(refused.values_list("subject", flat=True)) == sorted([CHILD, STRANGER])


@pytest.mark.parametrize(
    ("service", "ids", "code"),
    [
        ("residence", [], "required"),
        ("residence", [CITIZEN] * (gateway.BATCH_MAX + 1), "too_many"),
        ("verify-identity", [CITIZEN], "batch-not-offered"),
    ],
)
def test_a_batch_the_gateway_does_not_take_is_refused_and_nothing_is_logged(
    world, grant, service, ids, code
):
    grant()
    with pytest.raises(InvalidInput) as caught:
        gateway.consult_batch(_caller(world), service, ids, purpose=PURPOSE)
    assert caught.value.invalid_params[0].code == code
    assert not AccessLog.objects.exists()


def test_no_data_leaves_a_batch_when_the_log_cannot_be_written(world, grant, monkeypatch):
    grant()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(gateway.fastsql, "insert", broken)
    with pytest.raises(RuntimeError):
        gateway.consult_batch(_caller(world), "residence", [CITIZEN, WIFE], purpose=PURPOSE)
    assert not AccessLog.objects.exists()


def test_a_batch_costs_the_same_statements_for_one_number_or_many(world, grant):
    grant(services=["person", "residence"])
    caller = _caller(world)
    gateway.consult_batch(caller, "person", [CITIZEN], purpose=PURPOSE)  # memos warm

    def statements(ids):
        with CaptureQueriesContext(connection) as queries:
            gateway.consult_batch(caller, "person", ids, purpose=PURPOSE)
        kinds = [q["sql"].split()[0].upper() for q in queries.captured_queries]
        return [k for k in kinds if k in ("SELECT", "UPDATE", "INSERT")]

    # The grant's rate, the records (one statement), the log rows (one statement).
    assert statements([CITIZEN]) == ["UPDATE", "SELECT", "INSERT"]
    assert statements([CITIZEN, WIFE, CHILD, STRANGER]) == ["UPDATE", "SELECT", "INSERT"]


def test_the_batch_api_answers_per_number(client, world, grant):
    grant()
    client.force_login(world.clerk)
    response = client.post(
        "/api/v1/data-services/residence/batch",
        {"ids": [CITIZEN, "0370900012"], "purpose": PURPOSE, "dossier": "H37.2"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    good, bad = body["results"]
    assert good["answer"]["records"][0]["full_name"] == "Nguyễn Văn An"
    assert good["error"] is None
    assert bad["answer"] is None
    assert bad["error"]["code"]
    assert "định danh" in bad["error"]["detail"]
    log = AccessLog.objects.get()
    assert (str(log.request), log.dossier) == (body["request"], "H37.2")
    too_many = client.post(
        "/api/v1/data-services/residence/batch",
        {"ids": [CITIZEN] * 101, "purpose": PURPOSE},
        content_type="application/json",
    )
    assert too_many.status_code == 422
    assert too_many.json()["invalid_params"][0]["code"] == "too_many"
    assert AccessLog.objects.count() == 1
