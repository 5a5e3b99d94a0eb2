"""A visitor looks up an old commune and converts an old address, as a person clicks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.geo.conftest import ensure_geo_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_look_up_an_old_commune_then_convert_an_old_address(page, live_server):
    ensure_geo_data()  # transactional: the tests/geo module fixture does not apply here
    page.goto(live_server.url + "/dia-gioi/")
    expect(page.locator("h1")).to_have_text("Địa giới hành chính")

    page.get_by_label("Bản đồ").select_option("cu")
    page.get_by_label("Tên hoặc mã đơn vị (có dấu hoặc không dấu)").fill("dai thang")
    result = page.locator("#ket-qua td a", has_text="Xã Đại Thắng").first
    result.wait_for()  # htmx swaps the results in as the visitor types
    expect(page.locator("#ket-qua")).to_contain_text("Huyện Vụ Bản, Tỉnh Nam Định")
    assert "ban_do=cu" in page.url  # the search is in the address bar, so it can be shared

    page.get_by_label("Địa chỉ", exact=True).fill(
        "Thôn Nhất, xã Đại Thắng, huyện Vụ Bản, tỉnh Nam Định"
    )
    page.get_by_role("button", name="Chuyển đổi", exact=True).click()
    converted = page.locator("#ket-qua-chuyen-doi .ok")
    converted.wait_for()
    expect(converted).to_have_text("Địa chỉ mới: Thôn Nhất, Xã Liên Minh, Tỉnh Ninh Bình")
    page.screenshot(path="var/screenshots/geo.png", full_page=True)
