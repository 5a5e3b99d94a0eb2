"""LT-01 on a phone-sized screen: a parent files the birth, the residence and the
child's health-insurance card once, on one form prefilled from the registries."""

from __future__ import annotations

import pytest

from lienthong.groups.models import GroupApplication
from tests.browser.conftest import assert_accessible
from tests.browser.test_dossier_flow import _login
from tests.dossiers.conftest import HOME
from tests.groups.people import LT01

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module", autouse=True)
def reference_data():
    """Transactional: the data is loaded per test by ``family_committed``."""


def _fill(page, key: str, value: str) -> None:
    field = page.locator(f"[name=tk-{key}]")
    if field.get_attribute("readonly") is not None:
        return  # the registry's value, locked
    if field.evaluate("el => el.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)


def test_lt01_is_filed_once_on_a_phone(page, live_server, family_committed):
    family = family_committed
    page.set_viewport_size(PHONE)
    base = live_server.url
    _login(page, base, family.father)
    page.goto(base + "/ho-so/lien-thong/")
    assert_accessible(page, what="hồ sơ liên thông của tôi")
    page.get_by_role("link", name="Đăng ký khai sinh – đăng ký thường trú").click()
    page.get_by_label("Tỉnh, thành phố").select_option(family.committee.province.code)
    page.get_by_role("button", name="Chọn tỉnh").click()
    page.get_by_label("Xã, phường nơi gia đình cư trú").select_option(HOME)
    page.get_by_role("button", name="Tiếp tục").click()
    assert_accessible(page, what="tờ khai liên thông")
    page.get_by_role("button", name="Đồng ý, điền sẵn").click()
    page.get_by_text("Đã điền sẵn các mục lấy từ cơ sở dữ liệu").wait_for()
    assert page.locator("[name=tk-nguoi_khai_ho_ten]").input_value() == "Nguyễn Văn An"
    assert page.locator("[name=tk-noi_dang_ky]").input_value() == HOME
    assert_accessible(page, what="tờ khai liên thông đã điền sẵn")
    _fill(page, "co_cha", LT01["co_cha"])
    page.wait_for_load_state("networkidle")
    for key, value in LT01.items():
        if key != "co_cha":
            _fill(page, key, value)
    page.get_by_role("button", name="Nộp hồ sơ liên thông").click()
    page.wait_for_url("**/ho-so/lien-thong/*/")
    app = GroupApplication.objects.get()
    body = page.locator("main").inner_text()
    assert app.code in body
    assert "Đăng ký khai sinh" in body
    assert "Chờ kết quả bước trước" in body
    assert_accessible(page, what="trạng thái hồ sơ liên thông")
    # Nothing was uploaded: the e-form is the declaration, the rest comes from data.
    assert (
        not app.steps.get(order=1)
        .dossier.files.exclude(from_registry="")
        .filter(file="")
        .exclude(from_registry__gt="")
        .exists()
    )
