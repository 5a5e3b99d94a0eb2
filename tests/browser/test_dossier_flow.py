"""The whole path in a browser, on a desktop and on a phone-sized screen: a citizen
files a birth registration online at another commune with its declaration, officials
receive, assign, request a supplement, submit for signature, preview, approve, sign
and return it, the citizen supplements, downloads the signed Giấy khai sinh and rates
the service."""

from __future__ import annotations

from pathlib import Path

import pytest

from lienthong.accounts.models import RoleAssignment
from lienthong.dossiers.models import Dossier
from tests.browser.conftest import assert_accessible
from tests.dossiers.conftest import ELSEWHERE, HOME, PDF, pdf_text
from tests.dossiers.test_documents import BIRTH

SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module", autouse=True)
def reference_data():
    """Transactional: the data is loaded per test by ``cast_committed``."""


def _login(page, base: str, user) -> None:
    page.context.clear_cookies()
    page.goto(base + "/dang-nhap/")
    page.get_by_text("Tài khoản quản trị, tài khoản nội bộ").click()
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill("MatKhau@2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/dang-nhap/" not in url)


def _act(page, label: str, **fields: str) -> None:
    button = page.get_by_role("button", name=label, exact=True)
    form = page.locator("form.action-form", has=button)
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    button.click()
    page.get_by_text(f"Đã thực hiện: {label}.").wait_for()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_file_process_supplement_sign_return_rate(
    page, live_server, cast_committed, tmp_path, settings, screen
):
    settings.SIGNING_PKI_DIR = tmp_path / "pki"
    page.set_viewport_size(SCREENS[screen])
    cast = cast_committed
    RoleAssignment.objects.filter(user=cast.leader).update(position="Phó Chủ tịch")
    base = live_server.url
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(PDF)

    _login(page, base, cast.citizen)
    page.goto(base + "/")
    assert_accessible(page, what="trang chủ")
    page.goto(base + "/thu-tuc/")
    assert_accessible(page, what="danh mục thủ tục")
    page.goto(base + "/thu-tuc/1.001193/")
    assert_accessible(page, what="trang thủ tục")
    page.get_by_role("link", name="Nộp hồ sơ").click()
    assert_accessible(page, what="nộp hồ sơ, bước 1")
    page.get_by_label("Tỉnh, thành phố").select_option(cast.home_committee.province.code)
    page.locator(f"#xa option[value='{HOME}']").wait_for(state="attached")
    page.get_by_label("Xã, phường nơi cư trú").select_option(HOME)
    page.get_by_label("Nộp tại xã, phường").select_option(ELSEWHERE)
    page.get_by_role("button", name="Tiếp tục").click()
    assert "Xã Liên Minh" in page.locator("main").inner_text()  # names, not codes
    assert_accessible(page, what="nộp hồ sơ, bước 2")
    for key, value in BIRTH.items():
        field = page.locator(f"[name=tk-{key}]")
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    # The declaration is the e-form above: its paper is not uploaded too.
    assert page.get_by_label("Tờ khai đăng ký khai sinh").count() == 0
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url("**/ho-so/*/")
    code = Dossier.objects.get().code
    assert code in page.locator("#thong-tin").inner_text()
    assert_accessible(page, what="hồ sơ của người dân")

    _login(page, base, cast.clerk_elsewhere)
    page.goto(base + "/can-bo/ho-so/")  # opens on the queue with work
    assert_accessible(page, what="hàng hồ sơ của cán bộ")
    page.get_by_role("link", name=code).click()
    assert_accessible(page, what="hồ sơ, trang cán bộ")
    assert "sau khi hồ sơ được tiếp nhận" in page.locator("#thong-tin").inner_text()
    _act(page, "Tiếp nhận")
    # The page is current without a reload: the appointment is there.
    assert "sau khi hồ sơ được tiếp nhận" not in page.locator("#thong-tin").inner_text()

    _login(page, base, cast.leader)
    page.goto(base + f"/ho-so/{code}/")
    _act(page, "Phân công xử lý")

    _login(page, base, cast.specialist)
    page.goto(base + f"/ho-so/{code}/")
    _act(page, "Bắt đầu thẩm định")
    _act(page, "Yêu cầu bổ sung", note="Bổ sung chữ ký người đi khai")

    _login(page, base, cast.citizen)
    page.goto(base + f"/ho-so/{code}/")
    assert "tạm dừng chờ bổ sung" in page.content()
    page.locator("form.action-form input[type=file]").set_input_files(str(scan))
    _act(page, "Nộp bổ sung")

    _login(page, base, cast.specialist)
    page.goto(base + f"/ho-so/{code}/")
    _act(page, "Bắt đầu thẩm định")
    _act(page, "Trình lãnh đạo ký")
    _login(page, base, cast.leader)
    page.goto(base + "/can-bo/ho-so/?hang=phe-duyet")
    assert_accessible(page, what="hàng chờ phê duyệt")
    page.get_by_role("link", name=code).click()
    assert_accessible(page, what="hồ sơ chờ ký")
    draft = page.request.get(base + f"/ho-so/{code}/du-thao-ket-qua.pdf")
    assert draft.ok
    assert "BẢN XEM TRƯỚC" in pdf_text(draft.body())
    assert page.get_by_role("link", name="Xem dự thảo kết quả (PDF)").count() == 1
    _act(page, "Phê duyệt")
    _act(page, "Ký số, ban hành kết quả")
    # The signed result's link appears with the step, without a reload.
    page.get_by_role("link", name="Tải kết quả đã ký số (PDF)").wait_for()
    _login(page, base, cast.clerk_elsewhere)
    page.goto(base + f"/ho-so/{code}/")
    _act(page, "Trả kết quả")

    _login(page, base, cast.citizen)
    page.goto(base + f"/ho-so/{code}/")
    with page.expect_download() as download:
        page.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; a.download = 'kq.pdf';"
            " document.body.appendChild(a); a.click(); a.remove(); }",
            f"/ho-so/{code}/ket-qua.pdf",
        )
    signed = Path(download.value.path()).read_bytes()
    assert b"/ByteRange" in signed
    assert b"ETSI.CAdES.detached" in signed
    paper = " ".join(pdf_text(signed).split())
    assert "GIẤY KHAI SINH" in paper
    assert "Số: 1, Quyển số: 01/" in paper
    assert "NGUYỄN MINH KHANG" in paper
    assert cast.leader.get_full_name() in paper
    assert "Phó Chủ tịch" in paper
    assert_accessible(page, what="hồ sơ đã trả kết quả")
    page.get_by_label("Rất hài lòng").check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.get_by_text("Cảm ơn bạn đã đánh giá.").wait_for()
    history = page.locator("section", has=page.locator("#lich-su")).inner_text()
    for step in (
        "Nộp hồ sơ",
        "Tiếp nhận",
        "Phân công xử lý",
        "Yêu cầu bổ sung",
        "Nộp bổ sung",
        "Trình lãnh đạo ký",
        "Phê duyệt",
        "Ký số, ban hành kết quả",
        "Trả kết quả",
    ):
        assert step in history
    assert "Bổ sung chữ ký người đi khai" in history
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SCREENS[screen]["width"], "nothing wider than the screen"
    page.screenshot(path=f"var/screenshots/dossier-{screen}.png", full_page=True)
