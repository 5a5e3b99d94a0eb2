"""Pages: login choices, officials management, API clients, steering scope."""

from __future__ import annotations

import pytest
from django.test import override_settings

from lienthong.accounts.constants import Role
from lienthong.accounts.models import ApiClient, RoleAssignment
from lienthong.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_login_page_offers_the_test_issuer_labelled_as_such(client):
    html = client.get("/dang-nhap/").content.decode()
    assert "Đăng nhập qua Định danh thử nghiệm của LiênThông" in html
    assert "Môi trường thử nghiệm" in html
    assert "VNeID" not in html  # no national issuer configured here


@override_settings(OIDC_DEV_ISSUER=False)
def test_without_any_issuer_the_login_page_says_what_to_configure(client):
    html = client.get("/dang-nhap/").content.decode()
    assert "Chưa cấu hình nhà cung cấp định danh (OIDC_ISSUER_URL)." in html
    assert client.get("/dang-nhap/oidc/thu-nghiem/").status_code == 404


def test_an_unreachable_issuer_is_explained(client):
    with override_settings(
        OIDC_ISSUER_URL="http://127.0.0.1:9", OIDC_CLIENT_ID="a", OIDC_CLIENT_SECRET="b"
    ):
        response = client.get("/dang-nhap/oidc/vneid/")
    assert response.status_code == 503
    assert "Không kết nối được tới nhà cung cấp định danh VNeID" in response.content.decode()


def test_the_officials_page_is_for_the_agency_admin(client, places, official_with):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    clerk = official_with(Role.CLERK, places.own)
    url = f"/can-bo/co-quan/{places.own.code}/can-bo/"
    client.force_login(clerk)
    assert client.get(url).status_code == 404
    client.force_login(admin)
    listing = client.get("/can-bo/co-quan/").content.decode()
    assert places.own.name in listing
    assert places.child.name in listing
    assert places.sibling.name not in listing
    page = client.get(url).content.decode()
    assert clerk.full_name in page
    assert "Thêm cán bộ, giao vai trò" in page
    assert "Quản trị nền tảng" not in page  # a role this admin cannot give


def test_adding_and_revoking_from_the_page(client, places, official_with):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    client.force_login(admin)
    url = f"/can-bo/co-quan/{places.own.code}/can-bo/"
    bad = client.post(url, {"pin": "037190001234", "full_name": "", "roles": ["clerk"]})
    assert bad.status_code == 422
    ok = client.post(url, {"pin": "037190001234", "full_name": "Trần Thị Bình", "roles": ["clerk"]})
    assert ok.status_code == 302
    assignment = RoleAssignment.objects.get(user__pin="037190001234")
    assert client.post(f"/can-bo/vai-tro/{assignment.pk}/thu-hoi/").status_code == 302
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None
    # Somebody else's assignment looks like a missing one.
    far = official_with(Role.CLERK, places.far).role_assignments.get()
    assert client.post(f"/can-bo/vai-tro/{far.pk}/thu-hoi/").status_code == 404


def test_a_system_is_registered_and_its_secret_shown_once(client, places, official_with):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    client.force_login(admin)
    page = client.post(f"/can-bo/co-quan/{places.own.code}/he-thong/", {"name": "Một cửa tỉnh"})
    html = page.content.decode()
    client_row = ApiClient.objects.select_related("application").get()
    assert client_row.application.client_id in html
    assert "chỉ hiển thị một lần" in html
    stored = client_row.application.client_secret
    assert "$" in stored  # a password-style hash, not the secret
    assert stored not in html
    assert AuditEntry.objects.filter(action="api_client.created").exists()


def test_a_province_steering_viewer_sees_their_province_on_the_dashboard(
    client, places, official_with
):
    client.force_login(official_with(Role.STEERING_VIEWER, places.own))
    html = client.get("/dieu-hanh/").content.decode()
    assert "Phạm vi theo dõi:" in html
    assert "Tỉnh Thử Nghiệm Một" in html
    assert "Tỉnh Thử Nghiệm Hai" not in html


def test_a_clerk_does_not_see_the_dashboard(client, places, official_with):
    client.force_login(official_with(Role.CLERK, places.own))
    assert client.get("/dieu-hanh/").status_code == 403


def test_my_account_lists_roles(client, places, official_with):
    leader = official_with(Role.LEADER, places.own, pin="037175004567")
    client.force_login(leader)
    html = client.get("/tai-khoan/").content.decode()
    assert "Lãnh đạo" in html
    assert places.own.name in html
    assert "037175004567" in html


@pytest.mark.parametrize(
    "next_url", ["dashboard", "quan-tri", "//evil.example/x", "https://evil.example/"]
)
def test_a_login_goes_only_to_a_path_of_this_site(client, next_url):
    UserFactory(username="canbo")
    response = client.post(
        "/dang-nhap/", {"username": "canbo", "password": "MatKhau@2026", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_login_returns_to_the_page_that_asked_for_it(client):
    UserFactory(username="canbo")
    response = client.post(
        "/dang-nhap/", {"username": "canbo", "password": "MatKhau@2026", "next": "/tai-khoan/"}
    )
    assert response["Location"] == "/tai-khoan/"
