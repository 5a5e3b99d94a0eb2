"""The catalogue's API."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("catalog")


def test_search_without_diacritics(client):
    body = client.get("/api/v1/procedures", {"q": "dang ky khai sinh"}).json()
    assert body["items"][0]["code"] == "1.001193"
    assert body["items"][0]["processing_days"] == "1.0"


def test_filters_and_pagination(client, django_assert_max_num_queries):
    # The first search of a catalogue revision builds the index (the revision, published
    # versions, their components, the lexicon), then reads the page's rows; later ones
    # read the revision and the rows.
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/procedures", {"level": "commune", "limit": 2}).json()
    assert body["count"] == 3
    assert len(body["items"]) == 2
    with django_assert_max_num_queries(2):
        again = client.get("/api/v1/procedures", {"level": "commune", "limit": 2}).json()
    assert again == body


def test_a_procedure_says_what_is_replaced_by_data(client):
    body = client.get("/api/v1/procedures/1.001193").json()
    assert body["name"] == "Đăng ký khai sinh"
    assert body["status"] == "published"
    assert [c["data_source"] is not None for c in body["components"]] == [False, True]
    assert body["components"][1]["data_source"]["registry"] == "health"
    assert body["fees"][0]["amount"] == 0


def test_unknown_procedure_and_version_are_404_problem_json(client):
    for url in (
        "/api/v1/procedures/9.999999",
        "/api/v1/procedures/1.001193?version=7",
        "/api/v1/procedure-groups/LT-99",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
