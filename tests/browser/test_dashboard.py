"""An official logs in, starts the audit-chain check and sees the worker's answer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import REPO, database_url_of_current_test_db
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lienthong.settings_test",
        "DATABASE_URL": database_url_of_current_test_db(),
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "lienthong"), "worker", "--interval", "0.2"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield proc
    proc.terminate()
    proc.wait(timeout=15)


def test_login_then_verify_the_audit_chain_from_the_dashboard(page, live_server, worker):
    UserFactory(username="lanhdao", full_name="Trần Thị Bình", admin=True)
    page.goto(live_server.url + "/dieu-hanh/")
    assert "/dang-nhap/" in page.url  # sent to the login page first
    page.get_by_text("Tài khoản quản trị, tài khoản nội bộ").click()
    page.get_by_label("Tên đăng nhập").fill("lanhdao")
    page.get_by_label("Mật khẩu").fill("MatKhau@2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/dieu-hanh/")
    expect(page.locator("h1")).to_have_text("Bảng điều hành")
    expect(page.locator(".scope")).to_have_text("Phạm vi theo dõi: Toàn quốc")
    expect(page.locator(".who")).to_contain_text("Trần Thị Bình")

    page.get_by_role("button", name="Kiểm tra ngay").click()
    result = page.locator("#ket-qua-kiem-tra .ok")
    result.wait_for(timeout=30000)  # htmx polls until the worker has finished
    assert result.inner_text().startswith("Toàn vẹn:")
    page.screenshot(path="var/screenshots/dashboard.png", full_page=True)


def test_the_plan_02_pages_pass_axe(page, live_server):
    from lienthong.steering.services import load_plan02
    from tests.browser.conftest import assert_accessible
    from tests.directory.conftest import ensure_directory_data

    ensure_directory_data()
    load_plan02()
    UserFactory(username="quantri2", admin=True)
    page.goto(live_server.url + "/dang-nhap/")
    page.get_by_text("Tài khoản quản trị, tài khoản nội bộ").click()
    page.get_by_label("Tên đăng nhập").fill("quantri2")
    page.get_by_label("Mật khẩu").fill("MatKhau@2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/dang-nhap/" not in url)
    page.goto(live_server.url + "/dieu-hanh/ke-hoach-02/")
    expect(page.locator("h1")).to_have_text("Nhiệm vụ Kế hoạch 02-KH/BCĐTW")
    assert_accessible(page, what="nhiệm vụ Kế hoạch 02")
    page.get_by_role("link", name="KH02-06").click()
    expect(page.locator("h1")).to_contain_text("Liên thông văn bản điện tử")
    assert_accessible(page, what="một nhiệm vụ Kế hoạch 02")
    page.goto(live_server.url + "/dieu-hanh/ke-hoach-02/nhap/")
    assert_accessible(page, what="nhập nhiệm vụ")
