"""Issue 13: the OpenAPI document listed only 2xx answers. Every operation now lists the
problem+json answers it can give, with the one Problem schema."""

from __future__ import annotations

import json

import pytest

from lienthong.api import api
from lienthong.core.errors import PROBLEM_CONTENT_TYPE

PROBLEM_REF = "#/components/schemas/Problem"


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (method, path, op) for path, ops in schema["paths"].items() for method, op in ops.items()
    ]


@pytest.fixture(scope="module")
def schema() -> dict:
    # As served and committed: JSON, so the status codes are strings.
    return json.loads(json.dumps(api.get_openapi_schema()))


def _problems(op: dict) -> set[int]:
    found = set()
    for status, response in op["responses"].items():
        content = response.get("content", {})
        if PROBLEM_CONTENT_TYPE in content:
            assert content[PROBLEM_CONTENT_TYPE]["schema"] == {"$ref": PROBLEM_REF}
            assert response["description"]
            found.add(int(status))
    return found


def test_every_operation_lists_its_problem_answers(schema):
    missing = {}
    for method, path, op in _operations(schema):
        expected = {500}
        if op.get("parameters") or op.get("requestBody"):
            expected.add(422)
        if op.get("security"):
            expected |= {401, 403}
        if "{" in path:
            expected.add(404)
        if not expected <= _problems(op):
            missing[f"{method.upper()} {path}"] = sorted(expected - _problems(op))
    assert not missing


def test_operations_with_credentials_list_401_403_404_422(schema):
    secured = [(m, p, op) for m, p, op in _operations(schema) if op.get("security")]
    assert len(secured) >= 5
    for method, path, op in secured:
        statuses = _problems(op)
        assert {401, 403, 500} <= statuses, f"{method} {path}"
        if method == "post":
            assert {404, 409, 422} <= statuses, f"{method} {path}"
        if "requestBody" in op:
            assert 413 in statuses, f"{method} {path}"


def test_throttled_and_signed_operations_say_so(schema):
    assert 429 in _problems(schema["paths"]["/api/v1/track/{code}"]["get"])
    assert {401, 404, 409} <= _problems(schema["paths"]["/api/v1/payments/callback"]["post"])


def test_declared_success_answers_are_kept(schema):
    submit = schema["paths"]["/api/v1/dossiers"]["post"]["responses"]
    assert "application/json" in submit["201"]["content"]
    assert "200" not in submit


def _conforms(body: dict, schemas: dict) -> None:
    problem = schemas["Problem"]
    assert set(problem["required"]) <= body.keys()
    assert body.keys() <= problem["properties"].keys()
    types = {"string": str, "integer": int, "array": list}
    for key, value in body.items():
        assert isinstance(value, types[problem["properties"][key]["type"]]), key
    for param in body.get("invalid_params", []):
        assert param.keys() == set(schemas["InvalidParam"]["required"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/calendar/due-date?start=hom-nay", 422),
        ("/api/v1/procedures/9.999999", 404),
        ("/api/v1/me", 401),
    ],
)
def test_real_problems_match_the_documented_schema(client, schema, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    _conforms(response.json(), schema["components"]["schemas"])


@pytest.mark.django_db
def test_the_served_document_has_them_too(client, schema):
    served = client.get("/api/v1/openapi.json").json()
    assert served["paths"]["/api/v1/me"]["get"]["responses"].keys() >= {"401", "403"}
    assert served["components"]["schemas"]["Problem"] == schema["components"]["schemas"]["Problem"]
