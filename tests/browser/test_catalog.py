"""A citizen finds a procedure by typing without diacritics and reads its page."""

from __future__ import annotations

from urllib.parse import unquote_plus

import pytest
from playwright.sync_api import expect

from lienthong.catalog import search
from lienthong.catalog.records import parse_procedure
from lienthong.catalog.services import publish_seed
from tests.browser.conftest import assert_accessible
from tests.catalog.conftest import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_as_you_type_then_read_the_procedure(page, live_server):
    search.forget()
    for raw in SAMPLE:
        publish_seed(parse_procedure(raw), decision_number="Dữ liệu kiểm thử")
    page.goto(live_server.url + "/")
    page.get_by_label("Tìm thủ tục hành chính").fill("khai sinh")
    page.get_by_role("button", name="Tìm").click()
    page.wait_for_url("**/thu-tuc/?q=khai+sinh")
    box = page.get_by_label("Tên thủ tục, từ khoá")
    box.fill("")
    box.press_sequentially("dang ky khai sin", delay=30)
    # htmx swapped the results and pushed the query into the address (shareable, back button)
    page.wait_for_url(lambda url: "q=dang ky khai sin" in unquote_plus(url))
    first = page.locator(".procedure-list li a").first
    expect(first).to_have_text("Đăng ký khai sinh")
    first.click()
    expect(page.locator("h1")).to_have_text("Đăng ký khai sinh")
    expect(page.locator("#tu-du-lieu").locator("..")).to_contain_text("Giấy chứng sinh")
    page.screenshot(path="var/screenshots/procedure.png", full_page=True)
    search.forget()


def test_on_a_phone_the_results_start_under_the_search_box(page, live_server):
    search.forget()
    for raw in SAMPLE:
        publish_seed(parse_procedure(raw), decision_number="Dữ liệu kiểm thử")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/thu-tuc/?q=khai+sinh")
    first = page.locator(".procedure-list li a").first
    expect(first).to_have_text("Đăng ký khai sinh")
    box = first.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] < 844, "the first result is on the first screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, what="danh mục thủ tục trên điện thoại")
    search.forget()


def test_a_search_that_finds_nothing_good_shows_where_to_ask(page, live_server):
    from tests.directory.conftest import ensure_directory_data

    ensure_directory_data()  # transactional: loaded in the test
    search.forget()
    for raw in SAMPLE:
        publish_seed(parse_procedure(raw), decision_number="Dữ liệu kiểm thử")
    page.goto(live_server.url + "/thu-tuc/?q=dangkykhaisinh")
    panel = page.locator("section.no-dead-end")
    expect(panel).to_contain_text("Chưa thấy thủ tục bạn cần?")
    expect(panel.get_by_role("link", name="Đăng ký khai sinh")).to_be_visible()
    # The address as people still write it, the old district included: htmx swaps in the
    # commune's service centre.
    panel.get_by_label("Xã, phường (hoặc địa chỉ) của bạn, tên cũ hay mới đều được").fill(
        "xã Liên Minh, huyện Vụ Bản, Nam Định"
    )
    panel.get_by_role("button", name="Tìm nơi hỏi").click()
    expect(panel.locator("#noi-hoi")).to_contain_text(
        "Trung tâm Phục vụ hành chính công xã Liên Minh"
    )
    expect(panel.locator("#noi-hoi")).to_contain_text("1800 1096")
    assert page.url.endswith("/thu-tuc/?q=dangkykhaisinh")  # the search stays on screen
    assert_accessible(page, what="tìm không thấy: nơi hỏi")
    page.screenshot(path="var/screenshots/no-dead-end.png", full_page=True)
    search.forget()
