"""Every list of the API is bounded: a page holds at most 100 items, and an offset the
database cannot represent is a 422 naming it, not a 500."""

from __future__ import annotations

import pytest

LISTS = ["/api/v1/agencies", "/api/v1/procedures", "/api/v1/geo/units"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=100000", "limit"), ("limit=0", "limit"), ("offset=99999999999999999999", "offset")],
)
def test_an_unbounded_page_is_refused_naming_the_parameter(client, path, query, field):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 422
    problem = response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert [p["name"] for p in problem["invalid_params"]] == [field]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
def test_the_largest_page_and_a_far_offset_are_answered(client, path):
    response = client.get(f"{path}?limit=100&offset=1000000000")
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_the_openapi_document_states_the_bounds():
    from lienthong.api import api

    schema = api.get_openapi_schema()
    params = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/agencies"]["get"]["parameters"]
    }
    assert params["limit"]["maximum"] == 100
    assert params["offset"]["maximum"] == 1_000_000_000
