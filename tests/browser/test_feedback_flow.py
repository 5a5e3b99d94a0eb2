"""Feedback on a phone-sized screen: a citizen reports a late dossier, the commune
accepts, answers and publishes, the citizen rates; every page passes axe-core."""

from __future__ import annotations

import pytest

from lienthong.feedback.models import Report
from tests.browser.conftest import assert_accessible
from tests.browser.test_dossier_flow import _act, _login
from tests.dossiers.conftest import file_online

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module", autouse=True)
def reference_data():
    """Transactional: the data is loaded per test by ``cast_committed``."""


def test_a_report_from_a_phone_to_its_published_answer(page, live_server, cast_committed):
    cast = cast_committed
    dossier = file_online(cast)
    base = live_server.url
    page.set_viewport_size(PHONE)
    page.goto(base + "/phan-anh/")
    assert_accessible(page, what="phản ánh đã trả lời")
    _login(page, base, cast.citizen)
    page.goto(base + "/phan-anh/gui/")
    page.get_by_label("Tỉnh, thành phố nơi xảy ra việc phản ánh").select_option(
        cast.home_committee.province.code
    )
    page.get_by_role("button", name="Chọn tỉnh").click()
    assert_accessible(page, what="gửi phản ánh")
    page.get_by_label("Về hồ sơ của bạn (nếu có)").select_option(dossier.code)
    page.get_by_label("Tiêu đề").fill("Chậm trả giấy khai sinh")
    page.get_by_label("Nội dung (việc gì, ở đâu, khi nào)").fill(
        "Hồ sơ khai sinh của con tôi đã quá hẹn, tôi gọi 0912345678 không ai nghe."
    )
    page.get_by_role("button", name="Gửi phản ánh").click()
    page.wait_for_url("**/phan-anh/PA-*/")
    report = Report.objects.get()
    assert report.handling_agency == dossier.handling_agency
    assert_accessible(page, what="phản ánh của người gửi")

    _login(page, base, cast.leader)
    page.goto(base + "/can-bo/phan-anh/")
    assert_accessible(page, what="hàng chờ phản ánh")
    page.get_by_role("link", name=report.code).click()
    _act(page, "Tiếp nhận xử lý")
    page.get_by_text("Đã thực hiện: Tiếp nhận xử lý.").wait_for()
    assign = page.get_by_role("button", name="Phân công xử lý", exact=True)
    page.locator("form.action-form", has=assign).locator("select[name=assignee]").select_option(
        cast.specialist.pin
    )
    _act(page, "Phân công xử lý")
    page.get_by_text("Đã thực hiện: Phân công xử lý.").wait_for()
    _login(page, base, cast.specialist)
    page.goto(base + f"/phan-anh/{report.code}/")
    page.locator("textarea[name=answer]").fill(
        "UBND xã đã ký giấy khai sinh ngày 25/11; bản điện tử đã gửi vào kho giấy tờ."
    )
    _act(page, "Trả lời")
    page.get_by_text("Đã thực hiện: Trả lời.").wait_for()
    _login(page, base, cast.leader)
    page.goto(base + f"/phan-anh/{report.code}/")
    assert_accessible(page, what="duyệt trả lời phản ánh")
    _act(page, "Duyệt và công bố trả lời")
    page.get_by_text("Đã thực hiện: Duyệt và công bố trả lời.").wait_for()

    _login(page, base, cast.citizen)
    page.goto(base + f"/phan-anh/{report.code}/")
    page.get_by_label("5", exact=True).check()
    _act(page, "Đánh giá trả lời")
    page.get_by_text("Đã thực hiện: Đánh giá trả lời.").wait_for()
    assert Report.objects.get().score == 5
    page.context.clear_cookies()
    page.goto(base + f"/phan-anh/{report.code}/")
    text = page.locator("main").inner_text()
    assert "UBND xã đã ký giấy khai sinh" in text
    assert "0912345678" not in text
    assert_accessible(page, what="trả lời công khai")
