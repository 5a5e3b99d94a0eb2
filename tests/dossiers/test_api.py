"""The dossier API: idempotent submission, actions with 409s, history, public tracking."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from lienthong.core.identifiers import new_tracking_key
from tests.dossiers.conftest import ELSEWHERE, HOME, PDF


def _submit(client, key: str = "k-1", **over):
    body = {
        "procedure": "2.000815",
        "competent_unit": HOME,
        "receiving_unit": ELSEWHERE,
        "channel": "online",
        "files": [
            {
                "component": "Bản chính giấy tờ, văn bản",
                "name": "ban-chinh.pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            }
        ],
        **over,
    }
    return client.post(
        "/api/v1/dossiers", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


@pytest.fixture
def citizen_client(client, cast):
    client.force_login(cast.citizen)
    return client


def test_submit_is_idempotent(citizen_client, cast):
    first = _submit(citizen_client)
    assert first.status_code == 201, first.content
    again = _submit(citizen_client)
    assert again.status_code == 201
    assert again.json()["code"] == first.json()["code"]
    body = first.json()
    assert body["status"] == "submitted"
    assert body["npsp_status"] == 1
    assert body["handling_agency"] == cast.home_committee.code


def test_a_retry_the_checks_would_now_refuse_still_returns_the_first(citizen_client):
    first = _submit(citizen_client, key="k-9")
    # The files went with the first attempt; the retry comes without them.
    again = _submit(citizen_client, key="k-9", files=[])
    assert again.status_code == 201
    assert again.json()["code"] == first.json()["code"]
    # Under another key the same request is refused: nothing was filed for it.
    assert _submit(citizen_client, key="k-10", files=[]).status_code == 422


def test_a_retry_with_the_codes_padded_is_the_same_request(citizen_client):
    first = _submit(citizen_client, key="k-12").json()["code"]
    again = _submit(citizen_client, key="k-12", procedure="2.000815 ", competent_unit=f" {HOME}")
    assert again.status_code == 201
    assert again.json()["code"] == first


def test_a_key_reused_for_a_different_dossier_is_refused_and_files_nothing(
    citizen_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    first = _submit(citizen_client, key="k-11").json()["code"]
    stored = sorted(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
    assert len(stored) == 1
    other = _submit(citizen_client, key="k-11", competent_unit=ELSEWHERE)
    assert other.status_code == 422
    assert other.json()["invalid_params"][0]["code"] == "key_reused"
    assert first in other.json()["invalid_params"][0]["reason"]
    # Its file is not kept (on PostgreSQL it was stored before the statement failed).
    assert sorted(Path(settings.MEDIA_ROOT).rglob("*.pdf")) == stored
    # With the failing check too: the key's dossier differs, so the check's answer stands.
    refused = _submit(citizen_client, key="k-11", competent_unit=ELSEWHERE, files=[])
    assert refused.json()["invalid_params"][0]["code"] == "missing_component"


def test_bad_submissions_are_422_problem_json(citizen_client):
    bad_file = [
        {
            "component": "Bản chính giấy tờ, văn bản",
            "name": "x.pdf",
            "content_base64": base64.b64encode(b"not a pdf").decode(),
        }
    ]
    response = _submit(citizen_client, key="k-4", files=bad_file)
    assert response.status_code == 422
    assert response.json()["invalid_params"][0]["code"] == "file_type"
    response = _submit(citizen_client, key="k-2", procedure="9.999999")
    assert response.status_code == 422
    assert response.json()["invalid_params"][0]["name"] == "procedure"
    response = _submit(citizen_client, key="k-3", competent_unit="00000")
    assert response.json()["invalid_params"][0]["code"] == "unknown_unit"


def test_actions_history_and_conflicts(client, cast):
    client.force_login(cast.citizen)
    code = _submit(client).json()["code"]
    client.force_login(cast.clerk_elsewhere)
    url = f"/api/v1/dossiers/{code}/actions/receive"
    ok = client.post(url, {"expected_version": 1}, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json()["status"] == "received"
    stale = client.post(
        f"/api/v1/dossiers/{code}/actions/refuse_intake",
        {"expected_version": 1, "note": "x"},
        content_type="application/json",
    )
    assert stale.status_code == 409
    illegal = client.post(url, {}, content_type="application/json")
    assert illegal.status_code == 409
    assert illegal.json()["type"] == "urn:lienthong:problem:illegal-transition"
    client.force_login(cast.leader)
    unknown = client.post(
        f"/api/v1/dossiers/{code}/actions/assign",
        {"assignee_pin": "000000000000"},
        content_type="application/json",
    )
    assert unknown.json()["invalid_params"][0]["code"] == "not_a_specialist"
    assigned = client.post(
        f"/api/v1/dossiers/{code}/actions/assign",
        {"assignee_pin": cast.specialist.pin},
        content_type="application/json",
    )
    assert assigned.json()["status"] == "assigned"
    history = client.get(f"/api/v1/dossiers/{code}/history").json()
    assert [h["action"] for h in history] == ["submit", "receive", "assign"]
    listed = client.get("/api/v1/dossiers", {"status": "assigned"}).json()
    assert [d["code"] for d in listed["items"]] == [code]


def test_other_communes_officials_get_404(client, cast):
    client.force_login(cast.citizen)
    code = _submit(client).json()["code"]
    client.force_login(cast.other_specialist)
    assert client.get(f"/api/v1/dossiers/{code}").status_code == 404
    assert (
        client.post(
            f"/api/v1/dossiers/{code}/actions/withdraw", {}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get("/api/v1/dossiers").json()["count"] == 0
    # Whether a number has an account is not given away on someone else's dossier.
    for pin in ("000000000000", cast.specialist.pin):
        assign = client.post(
            f"/api/v1/dossiers/{code}/actions/assign",
            {"assignee_pin": pin},
            content_type="application/json",
        )
        assert assign.status_code == 404


def test_a_transfer_answers_with_the_dossier_as_it_now_is(client, cast):
    client.force_login(cast.citizen)
    body = {
        "procedure": "2.001610",
        "competent_unit": HOME,
        "files": [
            {
                "component": "Giấy đề nghị đăng ký doanh nghiệp",
                "name": "de-nghi.pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            }
        ],
    }
    filed = client.post("/api/v1/dossiers", body, content_type="application/json").json()
    client.force_login(cast.clerk_home)
    received = client.post(
        f"/api/v1/dossiers/{filed['code']}/actions/receive", {}, content_type="application/json"
    ).json()
    client.force_login(cast.province_specialist)
    moved = client.post(
        f"/api/v1/dossiers/{filed['code']}/actions/transfer",
        {"to_agency": cast.home_committee.code, "note": "Thuộc thẩm quyền cấp xã"},
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert moved.json()["handling_agency"] == cast.home_committee.code
    assert moved.json()["due_at"] == received["due_at"]
    assert moved.json()["lock_version"] == received["lock_version"] + 1


def test_public_tracking(client, cast):
    client.force_login(cast.citizen)
    body = _submit(client).json()
    client.logout()
    shown = client.get(f"/api/v1/track/{body['code']}", {"key": body["tracking_key"]})
    assert shown.status_code == 200
    assert set(shown.json()) == {
        "code",
        "status",
        "status_label",
        "npsp_status",
        "procedure",
        "received_at",
        "due_at",
        "finished_at",
        "returned_at",
    }
    assert client.get(f"/api/v1/track/{body['code']}", {"key": "nope"}).status_code == 422
    other = new_tracking_key()
    assert client.get(f"/api/v1/track/{body['code']}", {"key": other}).status_code == 404
    assert client.get("/api/v1/dossiers").status_code == 401


def test_an_extension_through_the_api_moves_the_due_date_and_is_recorded(client, cast):
    client.force_login(cast.citizen)
    code = _submit(client).json()["code"]
    client.force_login(cast.clerk_elsewhere)
    due = client.post(
        f"/api/v1/dossiers/{code}/actions/receive", {}, content_type="application/json"
    ).json()["due_at"]
    client.force_login(cast.leader)
    url = f"/api/v1/dossiers/{code}/actions/extend"
    earlier = client.post(
        url,
        {"new_due": "2020-01-01T08:00:00+07:00", "note": "Chờ xác minh"},
        content_type="application/json",
    )
    assert earlier.status_code == 422
    assert earlier.json()["invalid_params"][0]["code"] == "not_later"
    missing = client.post(url, {"note": "Chờ xác minh"}, content_type="application/json")
    assert missing.json()["invalid_params"][0]["name"] == "new_due"
    later = client.post(
        url,
        {"new_due": "2099-01-05T16:00:00+07:00", "note": "Chờ xác minh"},
        content_type="application/json",
    )
    assert later.status_code == 200, later.content
    assert later.json()["due_at"] > due
    assert later.json()["status"] == "received"  # the state stays
    step = client.get(f"/api/v1/dossiers/{code}/history").json()[-1]
    assert (step["action"], step["note"]) == ("extend", "Chờ xác minh")
    # A step that takes no such input says so instead of ignoring it.
    odd = client.post(
        f"/api/v1/dossiers/{code}/actions/assign",
        {"assignee_pin": cast.specialist.pin, "new_due": "2099-02-01T08:00:00+07:00"},
        content_type="application/json",
    )
    assert odd.status_code == 422
    assert odd.json()["invalid_params"][0]["code"] == "not_accepted"
