"""A person opens the portal and the API docs in a real (headless) browser."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_home_page_renders_and_is_keyboard_navigable(page, live_server):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text().startswith("Một hệ thống thống nhất")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#noi-dung-chinh"
    assert page.evaluate("typeof htmx") == "object"  # htmx served locally
    host = urlparse(live_server.url).netloc
    assert {urlparse(u).netloc for u in requested} == {host}, "nothing loaded from elsewhere"


def test_the_api_docs_render_from_local_assets(page, live_server):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("LiênThông API")
    page.get_by_text("/api/v1/calendar/due-date", exact=True).wait_for()
    host = urlparse(live_server.url).netloc
    assert {urlparse(u).netloc for u in requested} == {host}


def test_a_narrow_screen_keeps_the_navigation_usable(page, live_server):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/")
    header = page.locator(".site-header").bounding_box()
    assert header is not None
    assert header["height"] < 80
    nav_links = page.locator("nav .nav a")
    assert nav_links.count() == 5  # services, tracking, feedback, agencies, the map of units
    assert not nav_links.first.is_visible()
    page.get_by_role("button", name="Menu").click()
    for i in range(5):
        box = nav_links.nth(i).bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= 360
        assert box["height"] >= 40  # a finger-sized target
    page.screenshot(path="var/screenshots/home-mobile.png", full_page=True)
