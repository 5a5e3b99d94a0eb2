"""The provincial leader's walk of the steering dashboard in a real browser: Ninh Bình's
index with its rank, drilling into Xã Liên Minh and the dossiers behind a number, a
figure changing live when an official receives a dossier in another window (the worker
dispatching the event, the page told by Server-Sent Events), a red alert for an
overdue Plan 02 task (the lead agency's to acknowledge); every page passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from tests.browser.test_dashboard import worker  # noqa: F401  the fixture
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME = "13786"


def _login(page, url: str, username: str) -> None:
    page.goto(url + "/dang-nhap/")
    page.get_by_text("Tài khoản quản trị, tài khoản nội bộ").click()
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("MatKhau@2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda u: "/dang-nhap/" not in u)


def test_the_provincial_walk_with_a_live_figure_and_a_red_alert(
    page,
    live_server,
    cast_committed,
    worker,  # noqa: F811
):
    from lienthong.dossiers.services import act
    from lienthong.steering import alerts, rollup
    from lienthong.steering.services import load_plan02
    from tests.browser.conftest import assert_accessible
    from tests.dossiers.conftest import file_online

    cast = cast_committed
    load_plan02()
    received = file_online(cast)
    act(actor=cast.clerk_elsewhere, code=received.code, action="receive")
    waiting = file_online(cast)
    rollup.rebuild()
    alerts.evaluate()
    viewer = UserFactory(username="dieuhanh", full_name="Phạm Thị Điều", official=True)
    RoleAssignment.objects.create(
        user=viewer, agency=cast.home_committee, role=Role.STEERING_VIEWER
    )
    _login(page, live_server.url, "dieuhanh")

    page.goto(live_server.url + "/dieu-hanh/chi-so/")
    expect(page.locator("h1")).to_contain_text("Tỉnh Ninh Bình")
    expect(page.locator("[data-figure=rank]")).to_contain_text("/34")
    assert_accessible(page, what="chỉ số của tỉnh")
    page.get_by_role("link", name="Xã Liên Minh").first.click()
    expect(page.locator("h1")).to_contain_text("Xã Liên Minh")
    dossiers = page.locator("[data-figure=dossiers]")
    expect(dossiers).to_have_text("1")
    assert_accessible(page, what="chỉ số của xã")

    # Another window: the clerk receives the waiting dossier; the figure follows.
    act(actor=cast.clerk_elsewhere, code=waiting.code, action="receive")
    expect(dossiers).to_have_text("2", timeout=10000)
    expect(page.locator("[data-live-status]")).to_contain_text("cập nhật")

    dossiers.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Hồ sơ tiếp nhận")
    expect(page.get_by_text(waiting.code)).to_be_visible()
    assert_accessible(page, what="hồ sơ phía sau con số")

    page.goto(live_server.url + "/dieu-hanh/canh-bao/")
    red = page.locator(".alert-red").filter(has_text="KH02-06")
    expect(red).to_be_visible()
    expect(red).to_contain_text("quá hạn")
    assert_accessible(page, what="cảnh báo sớm")
    red.get_by_role("link").click()
    expect(page.locator(".facts")).to_contain_text("Văn phòng Trung ương Đảng")
    # A national task's alert is its lead agency's to acknowledge, not a province's.
    expect(page.get_by_role("button", name="Tiếp nhận cảnh báo")).to_have_count(0)
    assert_accessible(page, what="một cảnh báo")
    page.goto(live_server.url + "/dieu-hanh/chi-so/cong-thuc/")
    assert_accessible(page, what="công thức chỉ số")
