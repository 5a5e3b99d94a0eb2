"""API authentication: bearer tokens for people and systems, 401 problem+json otherwise."""

from __future__ import annotations

import base64

import pytest

from lienthong.accounts.constants import Role
from lienthong.accounts.services import create_api_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("header", [None, "Bearer khong-hop-le", "Basic dXNlcjpwYXNz", "Bearer "])
def test_a_missing_or_bad_token_gets_401_problem_json(client, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/me", **extra)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert body["type"] == "urn:lienthong:problem:unauthenticated"
    assert body["title"] == "Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ"


def _token(client, creds) -> str:
    basic = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
    response = client.post(
        "/oidc/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def test_a_system_calls_the_api_with_client_credentials(client, places, official_with):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    creds = create_api_client(actor=admin, agency=places.own, name="Hệ thống một cửa tỉnh")
    token = _token(client, creds)
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200
    assert me.json() == {
        "kind": "system",
        "name": "Hệ thống một cửa tỉnh",
        "pin": None,
        "tax_code": None,
        "agency_code": places.own.code,
        "roles": [],
        "second_factor": False,
    }
    # A system acts for its agency only through the endpoints meant for systems.
    officials = client.get(
        f"/api/v1/agencies/{places.own.code}/officials", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert officials.status_code == 403


def test_a_wrong_client_secret_gets_no_token(client, places, official_with):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    creds = create_api_client(actor=admin, agency=places.own, name="Hệ thống")
    basic = base64.b64encode(f"{creds.client_id}:sai".encode()).decode()
    response = client.post(
        "/oidc/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code == 401


def test_officials_api_follows_the_permission_matrix(client, places, official_with):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    clerk = official_with(Role.CLERK, places.own)
    client.force_login(admin)
    listed = client.get(f"/api/v1/agencies/{places.own.code}/officials")
    assert listed.status_code == 200
    assert {o["name"] for o in listed.json()} == {admin.full_name, clerk.full_name}
    # Another agency: the same 404 as an unknown code, so nothing leaks.
    assert client.get(f"/api/v1/agencies/{places.far.code}/officials").status_code == 404
    assert client.get("/api/v1/agencies/000.00.99.H98/officials").status_code == 404
    client.force_login(clerk)
    assert client.get(f"/api/v1/agencies/{places.own.code}/officials").status_code == 404


def test_adding_an_official_through_the_api(client, places, official_with):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    client.force_login(admin)
    created = client.post(
        f"/api/v1/agencies/{places.own.code}/officials",
        {"pin": "037190001234", "full_name": "Trần Thị Bình", "roles": ["clerk"]},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert [r["role"] for r in created.json()["roles"]] == ["clerk"]
    bad = client.post(
        f"/api/v1/agencies/{places.own.code}/officials",
        {"pin": "12", "full_name": "X", "roles": ["clerk"]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["invalid_params"][0]["name"] == "pin"
    revoked = client.post(f"/api/v1/role-assignments/{created.json()['roles'][0]['id']}/revoke")
    assert revoked.status_code == 200


def test_a_citizen_sees_themselves(client):
    citizen = UserFactory(pin="037090001234")
    client.force_login(citizen)
    me = client.get("/api/v1/me").json()
    assert me["kind"] == "citizen"
    assert me["pin"] == "037090001234"
    assert me["roles"] == []


def _person_token(user, *, expires_in: int = 3600) -> str:
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    app = Application.objects.create(
        name="portal",
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris="http://127.0.0.1/cb",
    )
    token = f"tok-{user.pk}-{expires_in}"
    AccessToken.objects.create(
        user=user,
        application=app,
        token=token,
        scope="api",
        expires=timezone.now() + timedelta(seconds=expires_in),
    )
    return token


def test_a_revoked_token_stops_working_at_once_though_checked_tokens_are_remembered(client):
    from oauth2_provider.models import AccessToken

    citizen = UserFactory(pin="037090001235")
    token = _person_token(citizen)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/me", **auth).json()["pin"] == "037090001235"
    assert client.get("/api/v1/me", **auth).status_code == 200  # the remembered check
    AccessToken.objects.get(token=token).revoke()
    assert client.get("/api/v1/me", **auth).status_code == 401


def test_a_remembered_token_still_expires_on_time(client, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    citizen = UserFactory(pin="037090001236")
    token = _person_token(citizen, expires_in=3600)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/me", **auth).status_code == 200  # checked and remembered
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get("/api/v1/me", **auth).status_code == 401
