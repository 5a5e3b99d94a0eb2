"""The API's list of dossiers, page by page with a cursor: every dossier a reader may see
once, newest first, whatever the page; a count that stays cheap; the same dossiers as
the access rules' own filter."""

from __future__ import annotations

import pytest

from lienthong.dossiers import selectors
from lienthong.dossiers.models import Dossier
from tests.dossiers.conftest import at, file_online, form
from tests.factories import UserFactory


@pytest.fixture
def filed(cast):
    """25 dossiers of the cast's citizen, two of them filed at the same moment."""
    out = []
    for n in range(25):
        moment = at(2026, 11, 2 + n // 10, 9, 0 if n in (11, 12) else n)
        out.append(file_online(cast, idempotency_key=f"page-{n}", now=moment, uploads=form()))
    return out


def walk(client, **params):
    """Every page of the list, following ``next``; the pages' bodies."""
    pages, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/dossiers", query).json()
        pages.append(body)
        cursor = body["next"]
        if cursor is None:
            return pages


def test_pages_hold_every_dossier_once_newest_first(client, cast, filed):
    client.force_login(cast.citizen)
    pages = walk(client, limit=10)
    assert [len(p["items"]) for p in pages] == [10, 10, 5]
    codes = [d["code"] for p in pages for d in p["items"]]
    assert sorted(codes) == sorted(d.code for d in filed)
    moments = [d["submitted_at"] for p in pages for d in p["items"]]
    assert moments == sorted(moments, reverse=True)
    assert all(p["count"] == 25 and p["count_exact"] for p in pages)


@pytest.mark.parametrize(
    "who", ["citizen", "clerk_home", "clerk_elsewhere", "leader", "other_specialist", "admin"]
)
def test_the_pages_hold_what_the_access_rules_let_each_reader_see(client, cast, filed, who):
    reader = UserFactory(admin=True) if who == "admin" else getattr(cast, who)
    client.force_login(reader)
    listed = {d["code"] for p in walk(client, limit=7) for d in p["items"]}
    allowed = set(selectors.dossiers_visible_to(reader).values_list("code", flat=True))
    assert listed == allowed
    if who in ("other_specialist", "clerk_home"):  # received elsewhere, for Liên Minh
        assert listed == set()
    else:
        assert listed >= {d.code for d in filed}


def test_filters_by_status_and_agency(client, cast, filed):
    client.force_login(cast.clerk_elsewhere)
    everything = {d["code"] for p in walk(client, limit=100) for d in p["items"]}
    assert everything == {d.code for d in filed}
    at_centre = walk(client, agency=cast.elsewhere_centre.code)
    assert {d["code"] for p in at_centre for d in p["items"]} == everything
    assert client.get("/api/v1/dossiers", {"agency": "KHONG-CO"}).json()["count"] == 0
    assert client.get("/api/v1/dossiers", {"status": "returned"}).json()["items"] == []


def test_beyond_the_exact_count_the_list_says_more_than(client, cast, filed, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 10)
    client.force_login(cast.citizen)
    body = client.get("/api/v1/dossiers").json()
    assert (body["count"], body["count_exact"]) == (10, False)
    client.force_login(UserFactory(admin=True))
    body = client.get("/api/v1/dossiers").json()
    assert (body["count"], body["count_exact"]) == (10, False)


def test_a_reader_of_several_agencies_is_counted_exactly_below_the_cap_and_more_above(
    client, cast, filed, monkeypatch
):
    from lienthong.accounts.constants import Role
    from lienthong.accounts.models import RoleAssignment

    reader = UserFactory(official=True)
    for clerk in (cast.clerk_home, cast.clerk_elsewhere):
        agency = RoleAssignment.objects.filter(user=clerk).first().agency
        RoleAssignment.objects.create(user=reader, agency=agency, role=Role.CLERK)
    client.force_login(reader)
    seen = len(selectors.dossiers_visible_to(reader))
    body = client.get("/api/v1/dossiers").json()
    assert (body["count"], body["count_exact"]) == (seen, True)
    # One condition alone past the cap (the centres as receivers) says "more than".
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", seen - 1)
    body = client.get("/api/v1/dossiers").json()
    assert (body["count"], body["count_exact"]) == (seen - 1, False)


def test_a_cursor_that_was_not_given_is_refused(client, cast, filed):
    client.force_login(cast.citizen)
    for bad in ("xyz", "bm90LWEtZGF0ZXwx", "MjAyNi0xMS0wMlQwOTowMDowMHwx"):  # no time zone
        problem = client.get("/api/v1/dossiers", {"cursor": bad})
        assert problem.status_code == 422
        assert problem.json()["invalid_params"][0]["code"] == "invalid_cursor"
    assert client.get("/api/v1/dossiers", {"limit": 101}).status_code == 422
    assert Dossier.objects.count() == 25


def test_a_later_page_costs_what_the_first_does(client, cast, filed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.leader)
    client.get("/api/v1/dossiers", {"limit": 5})  # the session and the reader's grants
    with CaptureQueriesContext(connection) as first:
        cursor = client.get("/api/v1/dossiers", {"limit": 5}).json()["next"]
    for _ in range(3):
        with CaptureQueriesContext(connection) as later:
            cursor = client.get("/api/v1/dossiers", {"limit": 5, "cursor": cursor}).json()["next"]
        assert len(later.captured_queries) == len(first.captured_queries)
    # The session and the grants, one limited read per condition of what the leader may
    # see, the page's rows, the count.
    assert len(first.captured_queries) <= 10


def test_a_reader_of_several_agencies_gets_each_ones_newest_merged(client, cast, filed):
    # Roles at both centres: on PostgreSQL, the newest of each agency by its own index.
    from lienthong.accounts.constants import Role
    from lienthong.accounts.models import RoleAssignment

    reader = UserFactory(official=True)
    for clerk in (cast.clerk_home, cast.clerk_elsewhere):
        agency = RoleAssignment.objects.filter(user=clerk).first().agency
        RoleAssignment.objects.create(user=reader, agency=agency, role=Role.CLERK)
    client.force_login(reader)
    pages = walk(client, limit=4)
    listed = [d["code"] for p in pages for d in p["items"]]
    assert sorted(listed) == sorted(d.code for d in filed)
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("who", ["citizen", "clerk_home", "clerk_elsewhere", "leader"])
def test_an_agency_filter_holds_what_the_reader_may_see_of_that_agency(client, cast, filed, who):
    reader = getattr(cast, who)
    client.force_login(reader)
    d = filed[0]
    for agency in (d.receiving_agency, d.handling_agency):
        listed = {x["code"] for p in walk(client, agency=agency.code) for x in p["items"]}
        allowed = selectors.dossiers_visible_to(reader, agency_code=agency.code)
        assert listed == set(allowed.values_list("code", flat=True))
