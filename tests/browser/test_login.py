"""People log in through OpenID Connect in a real (headless) browser."""

from __future__ import annotations

import pytest
from django.test import override_settings
from oidc_provider_mock import User as MockUser
from oidc_provider_mock import run_server_in_thread
from playwright.sync_api import expect

from lienthong.accounts import oidc
from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.accounts.seeds import register_portal_client
from tests.factories import AgencyFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "MatKhau@2026"


@pytest.fixture
def portal(live_server):
    register_portal_client()
    oidc.reset_clients()
    yield live_server.url
    oidc.reset_clients()


def _log_in_at_test_issuer(page, username: str) -> None:
    page.get_by_role("link", name="Đăng nhập qua Định danh thử nghiệm của LiênThông").click()
    page.wait_for_url("**/oidc/dang-nhap/**")
    assert page.locator(".test-issuer").inner_text().startswith("Môi trường thử nghiệm")
    page.get_by_label("Số định danh cá nhân, mã số thuế hoặc tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Xác thực").click()


def test_a_citizen_logs_in_with_the_test_issuer_and_sees_their_account(page, portal):
    UserFactory(username="037090001234", pin="037090001234", full_name="Nguyễn Văn An")
    page.goto(portal + "/tai-khoan/")
    assert "/dang-nhap/" in page.url
    _log_in_at_test_issuer(page, "037090001234")
    page.wait_for_url("**/tai-khoan/")
    expect(page.locator("h1")).to_have_text("Tài khoản của tôi")
    expect(page.locator(".facts")).to_contain_text("037090001234")
    expect(page.locator(".header-tools .who")).to_have_text("Nguyễn Văn An")
    assert "Tài khoản chưa được giao vai trò cán bộ nào." in page.content()


def test_an_agency_admin_logs_in_and_adds_a_clerk(page, portal):
    # The code may already be in the database with its real name (reference data that
    # another test of this process loaded): the link is found by the agency's own name.
    agency = AgencyFactory(code="000.01.50.H42", name="Ủy ban nhân dân xã Liên Minh")
    admin = UserFactory(username="037085005678", pin="037085005678", full_name="Hoàng Văn Hải")
    RoleAssignment.objects.create(user=admin, agency=agency, role=Role.AGENCY_ADMIN)
    page.goto(portal + "/can-bo/co-quan/")
    assert "/dang-nhap/" in page.url
    _log_in_at_test_issuer(page, "037085005678")
    # Back where the login began, once the callback has set the session (navigating
    # before that raced the callback: the page was then read without the agency).
    page.wait_for_url("**/can-bo/co-quan/")
    page.get_by_role("link", name=agency.name).click()
    page.get_by_label("Số định danh cá nhân (CCCD)").fill("036190002345")
    page.get_by_label("Họ và tên").fill("Trần Thị Bình")
    page.get_by_label("Cán bộ một cửa").check()
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".messages")).to_contain_text("Đã giao vai trò cho Trần Thị Bình.")
    row = page.locator("tr", has_text="Trần Thị Bình")
    assert "Cán bộ một cửa" in row.inner_text()
    # A mistyped identification number is explained next to the field.
    page.get_by_label("Số định danh cá nhân (CCCD)").fill("12345")
    page.get_by_label("Họ và tên").fill("Ai Đó")
    page.get_by_label("Chuyên viên").check()
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".field-error").first).to_contain_text("phải gồm đúng 12 chữ số")


def test_a_person_logs_in_through_an_external_issuer(page, live_server):
    person = MockUser(sub="vneid-0002", claims={"pin": "036088003456", "name": "Lê Văn Cường"})
    with (
        run_server_in_thread(user_claims=[person]) as issuer,
        override_settings(
            OIDC_ISSUER_URL=f"http://localhost:{issuer.server_port}",
            OIDC_CLIENT_ID="lienthong",
            OIDC_CLIENT_SECRET="bi-mat",
        ),
    ):
        oidc.reset_clients()
        page.goto(live_server.url + "/dang-nhap/?next=/tai-khoan/")
        page.get_by_role("link", name="Đăng nhập qua VNeID").click()
        page.get_by_role("button", name="vneid-0002").click()
        page.wait_for_url("**/tai-khoan/")
        expect(page.locator(".header-tools .who")).to_have_text("Lê Văn Cường")
        oidc.reset_clients()
