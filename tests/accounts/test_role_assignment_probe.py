"""Role-assignment ids cannot be probed (issue 13): for an official who may not see the
officials of the assignment's agency, an existing id of that agency answers exactly as a
nonexistent one does (404), in the API and on the web (docs/access.md: agencies another
account may not act for answer with the same "not found" as unknown ones)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Max
from django.test import Client

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment

pytestmark = pytest.mark.django_db


def _revoke(client: Client, assignment_id: int) -> tuple[int, dict[str, Any]]:
    response = client.post(f"/api/v1/role-assignments/{assignment_id}/revoke")
    body = response.json()
    body.pop("instance", None)  # a fresh id per answer
    return response.status_code, body


def test_another_agencys_assignment_answers_like_a_missing_one(
    client: Client, places: Any, official_with: Any
) -> None:
    outsider = official_with(Role.AGENCY_ADMIN, places.far)
    clerk = official_with(Role.CLERK, places.own)
    existing = clerk.role_assignments.get().pk
    missing = (RoleAssignment.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000
    client.force_login(outsider)

    status, body = _revoke(client, existing)
    assert (status, body) == _revoke(client, missing)
    assert status == 404
    assert body["code"] == "not-found"
    # Nor on the web page that revokes.
    web = client.post(f"/can-bo/vai-tro/{existing}/thu-hoi/")
    assert web.status_code == client.post(f"/can-bo/vai-tro/{missing}/thu-hoi/").status_code
    assert web.status_code == 404
    assert clerk.role_assignments.active().count() == 1


def test_an_official_who_sees_the_agencys_officials_is_told_it_is_not_allowed(
    client: Client, places: Any, official_with: Any
) -> None:
    """The agency's leader sees its officials (and so their assignment ids) but does not
    manage them: a refusal hides nothing from them."""
    leader = official_with(Role.LEADER, places.own)
    clerk = official_with(Role.CLERK, places.own)
    client.force_login(leader)
    status, body = _revoke(client, clerk.role_assignments.get().pk)
    assert status == 403
    assert body["code"] == "permission-denied"
    assert clerk.role_assignments.active().count() == 1


def test_a_revoked_assignment_answers_like_a_missing_one_to_its_administrator(
    client: Client, places: Any, official_with: Any
) -> None:
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    clerk = official_with(Role.CLERK, places.own)
    assignment = clerk.role_assignments.get().pk
    client.force_login(admin)
    assert _revoke(client, assignment)[0] == 200
    status, body = _revoke(client, assignment)
    assert status == 404
    missing = (RoleAssignment.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000
    assert (status, body) == _revoke(client, missing)
