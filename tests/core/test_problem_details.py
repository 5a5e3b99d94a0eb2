"""Every API error has the one RFC 9457 shape with a stable type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import RequestFactory

from lienthong.api import api
from lienthong.core.errors import (
    PROBLEM_CONTENT_TYPE,
    Conflict,
    IllegalTransition,
    InvalidInput,
    InvalidParam,
    from_domain_error,
)

PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}


def _problem(response) -> dict:
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = json.loads(response.content)
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == response.status_code
    assert body["type"] == f"urn:lienthong:problem:{body['code']}"
    assert body["instance"].startswith("urn:uuid:")
    return body


def test_an_unknown_api_path_is_a_404_problem(client):
    body = _problem(client.get("/api/v1/khong-co"))
    assert body["code"] == "not-found"
    assert body["title"] == "Không tìm thấy"


def test_bad_query_parameters_are_reported_per_field_in_vietnamese(client):
    response = client.get(
        "/api/v1/calendar/due-date", {"start": "13/02/2026", "working_days": "-1"}
    )
    assert response.status_code == 422
    body = _problem(response)
    assert body["code"] == "invalid-input"
    fields = {p["name"]: p for p in body["invalid_params"]}
    assert set(fields) == {"start", "working_days"}
    assert fields["start"]["reason"] == "Ngày không hợp lệ (định dạng YYYY-MM-DD)."
    assert fields["working_days"]["code"] == "greater_than_equal"


def test_a_missing_parameter_is_named(client):
    body = _problem(client.get("/api/v1/calendar/due-date", {"start": "2026-02-13"}))
    assert body["invalid_params"] == [
        {"name": "working_days", "code": "missing", "reason": "Thiếu trường bắt buộc."}
    ]


def test_domain_errors_keep_their_status_code_and_params():
    request = RequestFactory().post("/api/v1/x")
    body = _problem(from_domain_error(request, IllegalTransition("Hồ sơ đã trả kết quả.")))
    assert (body["status"], body["code"], body["detail"]) == (
        409,
        "illegal-transition",
        "Hồ sơ đã trả kết quả.",
    )
    body = _problem(from_domain_error(request, Conflict()))
    assert body["title"] == "Dữ liệu đã bị thay đổi bởi thao tác khác"
    exc = InvalidInput(invalid_params=[InvalidParam("pin", "pin_format", "Sai định dạng.")])
    body = _problem(from_domain_error(request, exc))
    assert body["invalid_params"] == [
        {"name": "pin", "code": "pin_format", "reason": "Sai định dạng."}
    ]


def test_an_unexpected_exception_is_a_500_problem_without_internals():
    request = RequestFactory().get("/api/v1/x")
    response = api.on_exception(request, RuntimeError("secret internals"))
    body = _problem(response)
    assert body["code"] == "internal-error"
    assert "secret" not in response.content.decode()


def test_the_calendar_api_computes_a_due_date_across_tet_2026(client):
    response = client.get("/api/v1/calendar/due-date", {"start": "2026-02-13", "working_days": 3})
    assert response.status_code == 200
    assert response.json() == {
        "start": "2026-02-13",
        "working_days": 3,
        "due_date": "2026-02-25",
        "official_calendar": True,
    }


def test_the_calendar_api_lists_a_years_days_off(client):
    data = client.get("/api/v1/calendar/2026").json()
    assert data["official"] is True
    days = {d["date"] for d in data["days_off"]}
    assert {"2026-01-01", "2026-01-02", "2026-02-17", "2026-04-27", "2026-09-02"} <= days
    assert "2026-01-10" not in days  # make-up Saturday is a working day
    assert client.get("/api/v1/calendar/1800").status_code == 422


def test_the_committed_openapi_document_matches_the_code():
    committed = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text())
    current = json.loads(json.dumps(api.get_openapi_schema()))
    assert committed == current, "run `make openapi` and commit docs/openapi.json"


@pytest.mark.django_db
def test_the_openapi_document_and_docs_page_are_served(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "LiênThông API"
    assert "/api/v1/calendar/due-date" in schema["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"cdn" not in page.content.lower()
