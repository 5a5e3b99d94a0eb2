"""A visitor finds a commune's People's Committee as they type and opens its page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.directory.conftest import ensure_directory_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_an_agency_as_you_type_then_open_it(page, live_server):
    ensure_directory_data()  # transactional: the tests/directory module fixture does not apply
    page.goto(live_server.url + "/co-quan/")
    expect(page.locator("h1")).to_have_text("Danh bạ cơ quan")

    page.get_by_label("Tỉnh, thành phố").select_option(label="Tỉnh Ninh Bình")
    page.get_by_label("Tên hoặc mã cơ quan (có dấu hoặc không dấu)").fill("lien minh")
    result = page.locator("#ket-qua td a", has_text="Ủy ban nhân dân xã Liên Minh")
    result.wait_for()  # htmx swaps the results in as the visitor types
    assert page.locator("#ket-qua tbody tr").count() == 5
    assert "q=lien%20minh" in page.url  # the search is in the address bar, so it can be shared
    assert "tinh=37" in page.url
    page.screenshot(path="var/screenshots/directory-search.png", full_page=True)

    result.click()
    page.wait_for_url("**/co-quan/000.43.50.H64/")
    expect(page.locator("h1")).to_have_text("Ủy ban nhân dân xã Liên Minh")
    expect(page.locator(".facts").first).to_contain_text("Mã tạm theo cấu trúc QCVN 102")
    page.get_by_role("link", name="Trung tâm Phục vụ hành chính công xã Liên Minh").click()
    page.wait_for_url("**/co-quan/001.43.50.H64/")
    assert page.get_by_role("table").locator("tbody tr").count() == 3
    page.screenshot(path="var/screenshots/directory.png", full_page=True)
