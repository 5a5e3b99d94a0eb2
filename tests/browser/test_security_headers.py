"""Pages keep working under the Content-Security-Policy (no inline script, style or handler).

Every browser test fails on a policy violation (tests/browser/conftest.py); these drive the
behaviour that moved out of inline handlers into web/js/site.js, and the API docs page,
which has its own allowance.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from tests.factories import AgencyFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def test_the_page_carries_the_policy(page, live_server):
    response = page.goto(live_server.url + "/thu-tuc/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy


def test_the_language_menu_switches_without_an_inline_handler(page, live_server):
    page.goto(live_server.url + "/thu-tuc/")
    page.locator("#lang").select_option("en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url.endswith("/thu-tuc/")


def test_revoking_a_role_asks_first(page, live_server):
    agency = AgencyFactory(code="000.01.50.H42", name="Ủy ban nhân dân xã Liên Minh")
    admin = UserFactory(full_name="Hoàng Văn Hải", official=True)
    RoleAssignment.objects.create(user=admin, agency=agency, role=Role.AGENCY_ADMIN)
    clerk = UserFactory(full_name="Trần Thị Bình", official=True)
    RoleAssignment.objects.create(user=clerk, agency=agency, role=Role.CLERK)
    _signed_in(page, live_server, admin)
    page.goto(f"{live_server.url}/can-bo/co-quan/{agency.code}/can-bo/")
    revoke = page.get_by_role("button", name="Thu hồi vai trò Cán bộ một cửa của Trần Thị Bình")
    questions: list[str] = []

    def answer(accept: bool):
        def handle(dialog) -> None:
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return handle

    page.once("dialog", answer(False))
    revoke.click()
    page.wait_for_timeout(300)
    assert questions == ["Thu hồi vai trò này?"]
    assert RoleAssignment.objects.filter(user=clerk, revoked_at__isnull=True).exists()

    page.once("dialog", answer(True))
    revoke.click()
    expect(page.locator(".messages")).to_contain_text("Đã thu hồi vai trò")
    assert not RoleAssignment.objects.filter(user=clerk, revoked_at__isnull=True).exists()


def test_the_api_docs_can_be_used(page, live_server):
    response = page.goto(live_server.url + "/api/v1/docs")
    assert "img-src 'self' data:" in response.headers["content-security-policy"]
    page.get_by_text("/api/v1/calendar/due-date", exact=True).click()
    page.get_by_role("button", name="Try it out").click()
    page.locator("input[placeholder='start']").fill("2026-01-02")
    page.locator("input[placeholder='working_days']").fill("3")
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table tbody .response-col_status")).to_have_text("200")
