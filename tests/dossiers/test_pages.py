"""Dossier pages: filing in two steps, queues, HTMX actions, tracking, payment."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest
from django.utils import timezone

from lienthong.core.identifiers import new_tracking_key
from lienthong.dossiers.models import Dossier
from lienthong.dossiers.services import act, submit
from tests.dossiers.conftest import ELSEWHERE, HOME, advance, file_online, form, pdf
from tests.dossiers.test_documents import BIRTH
from tests.factories import UserFactory


def test_a_citizen_files_online_in_two_steps(client, cast):
    client.force_login(cast.citizen)
    step1 = client.get("/ho-so/nop/1.001193/").content.decode()
    assert "Nơi giải quyết, nơi nộp" in step1
    assert "Ninh Bình" in step1
    province = cast.home_committee.province.code
    step2 = client.get("/ho-so/nop/1.001193/", {"tinh": province, "xa": HOME, "noi-nop": ELSEWHERE})
    html = step2.content.decode()
    assert "Tờ khai đăng ký khai sinh" in html
    assert "Không phải nộp, cơ quan tự lấy từ cơ sở dữ liệu:" in html
    assert "Giấy chứng sinh" in html
    # The places by name, never a bare code.
    assert "Nơi giải quyết: Xã Liên Minh, Tỉnh Ninh Bình" in html
    assert "mã 13786" not in html
    # The declaration the Giấy khai sinh is filled from, with its defaults.
    assert 'name="tk-ho_ten"' in html
    assert 'name="tk-quoc_tich" value="Việt Nam"' in html
    declared = {f"tk-{k}": v for k, v in BIRTH.items()}
    response = client.post(
        "/ho-so/nop/1.001193/",
        {
            "tinh": province,
            "xa": HOME,
            "noi-nop": ELSEWHERE,
            "idem": "form-1",
            "tep-0": pdf(),
            "noi-dung": "Xin cấp thêm 2 bản sao",
            **declared,
        },
    )
    dossier = Dossier.objects.get(applicant=cast.citizen)
    assert response["Location"] == f"/ho-so/{dossier.code}/"
    assert dossier.receiving_agency == cast.elsewhere_centre
    assert dossier.eid_authenticated
    assert dossier.form_data["ho_ten"] == "Nguyễn Minh Khang"
    page = client.get(response["Location"]).content.decode()
    assert "Giấy tiếp nhận (PDF)" in page
    assert "Tờ khai" in page
    assert "Nguyễn Minh Khang" in page
    # Withdrawal is folded away, asks for a reason and for confirmation.
    other = page.split("Thao tác khác", 1)[1]
    assert "Rút hồ sơ" in other
    assert 'hx-confirm="Rút hồ sơ này?' in other  # htmx asks before it sends
    assert 'for="note-withdraw">Lý do rút hồ sơ' in other
    assert "SHA-256" not in page  # no jargon for the citizen
    assert dossier.code in client.get("/ho-so/").content.decode()
    # The official sees what the citizen asked for.
    client.force_login(cast.clerk_elsewhere)
    page = client.get(response["Location"]).content.decode()
    assert "Nội dung yêu cầu của người nộp" in page
    assert "Xin cấp thêm 2 bản sao" in page


def test_a_wrong_declaration_is_shown_on_the_form_and_nothing_is_filed(client, cast):
    client.force_login(cast.citizen)
    declared = {f"tk-{k}": v for k, v in BIRTH.items()} | {"tk-ngay_sinh": "2099-01-01"}
    response = client.post(
        "/ho-so/nop/1.001193/",
        {"tinh": "37", "xa": HOME, "idem": "f-3", "tep-0": pdf(), **declared},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "phải là một ngày có thật, không sau hôm nay" in html
    assert 'value="Nguyễn Minh Khang"' in html  # what was typed is kept
    assert not Dossier.objects.exists()


def test_a_missing_paper_is_explained_on_the_form(client, cast):
    client.force_login(cast.citizen)
    response = client.post("/ho-so/nop/1.001193/", {"tinh": "37", "xa": HOME, "idem": "f-2"})
    assert response.status_code == 422
    assert "Tờ khai đăng ký khai sinh" in response.content.decode()
    assert not Dossier.objects.exists()


def test_queues_and_an_htmx_action(client, cast):
    d = submit(
        actor=cast.citizen,
        procedure_code="1.001193",
        competent_unit_code=HOME,
        receiving_unit_code=ELSEWHERE,
        uploads=form(),
    )
    client.force_login(cast.clerk_elsewhere)
    queue = client.get("/can-bo/ho-so/", {"hang": "tiep-nhan"}).content.decode()
    assert d.code in queue
    partial = client.post(
        f"/ho-so/{d.code}/thao-tac/receive/", {"version": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in partial
    assert "<strong>Đã tiếp nhận</strong>" in partial
    assert "Đã thực hiện: Tiếp nhận." in partial
    # The whole region is refreshed: the due date is there at once, not "—".
    d.refresh_from_db()
    assert timezone.localtime(d.due_at).strftime("%H:%M %d/%m/%Y") in partial
    stale = client.post(
        f"/ho-so/{d.code}/thao-tac/refuse_intake/",
        {"version": "1", "note": "x"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "vừa được người khác cập nhật" in stale or "Không thể" in stale
    client.force_login(cast.leader)
    assert d.code in client.get("/can-bo/ho-so/", {"hang": "phan-cong"}).content.decode()
    client.force_login(cast.other_specialist)
    assert client.get(f"/ho-so/{d.code}/").status_code == 404
    assert client.get(f"/ho-so/{d.code}/giay-tiep-nhan.pdf").status_code == 404


def test_queues_open_where_the_work_is_and_name_the_applicant(client, cast):
    d = advance(cast, file_online(cast), "receive")
    client.force_login(cast.leader)
    html = client.get("/can-bo/ho-so/").content.decode()
    # A leader neither receives nor returns: no such tabs, no counter, no register.
    assert "Chờ tiếp nhận" not in html
    assert "Tiếp nhận hồ sơ tại quầy" not in html
    assert "so-theo-doi.pdf" not in html
    # The page opens on the tab with work, with its count, and the row says who and when.
    assert re.search(
        r'hang=phan-cong" aria-current="page">Chờ phân công <span class="count has-work">1', html
    )
    assert cast.citizen.full_name in html
    assert timezone.localtime(d.submitted_at).strftime("%H:%M %d/%m/%Y") in html
    assert "còn " in html  # time left


def test_a_queue_tab_counts_up_to_its_cap_then_says_more(client, cast, monkeypatch):
    from lienthong.dossiers import selectors

    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 2)
    for n in range(4):
        advance(cast, file_online(cast, idempotency_key=f"cap-{n}"), "receive")
    client.force_login(cast.leader)
    html = client.get("/can-bo/ho-so/").content.decode()
    assert re.search(r'Chờ phân công <span class="count has-work">2\+</span>', html)


def test_the_specialist_submits_for_signature_and_the_leader_previews_the_paper(client, cast):
    d = advance(cast, file_online(cast, form_data=BIRTH), "start_review")
    client.force_login(cast.leader)
    assert d.code not in client.get("/can-bo/ho-so/", {"hang": "phe-duyet"}).content.decode()
    client.force_login(cast.specialist)
    page = client.get(f"/ho-so/{d.code}/").content.decode()
    assert "Trình lãnh đạo ký" in page
    assert "Xem dự thảo kết quả (PDF)" in page
    client.post(
        f"/ho-so/{d.code}/thao-tac/submit_for_signature/",
        {"note": "Đề nghị cấp Giấy khai sinh"},
        HTTP_HX_REQUEST="true",
    )
    client.force_login(cast.leader)
    assert d.code in client.get("/can-bo/ho-so/", {"hang": "phe-duyet"}).content.decode()
    page = client.get(f"/ho-so/{d.code}/").content.decode()
    assert "Phê duyệt" in page
    assert "Trả lại chuyên viên" in page
    draft = client.get(f"/ho-so/{d.code}/du-thao-ket-qua.pdf")
    assert draft.status_code == 200
    assert draft["Content-Type"] == "application/pdf"
    # Nobody else sees a draft: not the applicant, not after it is issued.
    client.force_login(cast.citizen)
    assert client.get(f"/ho-so/{d.code}/du-thao-ket-qua.pdf").status_code == 404
    assert "Xem dự thảo" not in client.get(f"/ho-so/{d.code}/").content.decode()
    act(actor=cast.leader, code=d.code, action="approve")
    act(actor=cast.leader, code=d.code, action="issue_result")
    client.force_login(cast.leader)
    assert client.get(f"/ho-so/{d.code}/du-thao-ket-qua.pdf").status_code == 404


def test_a_transfer_picks_the_agency_by_name(client, cast):
    d = advance(cast, file_online(cast), "receive")
    client.force_login(cast.specialist)
    page = client.get(f"/ho-so/{d.code}/").content.decode()
    assert "Cơ quan nhận (gõ tên để tìm)" in page
    html = client.get(
        f"/ho-so/{d.code}/co-quan-nhan/", {"q": "hien khanh"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'name="to_agency"' in html
    assert "Hiển Khánh" in html
    assert cast.home_committee.code not in html  # not the agency it is at
    nothing = client.get(f"/ho-so/{d.code}/co-quan-nhan/", {"q": "khong co co quan nay"})
    assert "Không tìm thấy cơ quan nào" in nothing.content.decode()
    client.force_login(cast.other_specialist)
    assert client.get(f"/ho-so/{d.code}/co-quan-nhan/", {"q": "xa"}).status_code == 404


def test_public_tracking_page(client, cast):
    d = submit(
        actor=cast.citizen, procedure_code="1.001193", competent_unit_code=HOME, uploads=form()
    )
    html = client.get("/tra-cuu/", {"ma": d.code, "khoa": d.tracking_key}).content.decode()
    assert "Mới nộp, chờ tiếp nhận" in html
    assert cast.citizen.full_name not in html
    malformed = client.get("/tra-cuu/", {"ma": d.code, "khoa": "sai"})
    assert malformed.status_code == 422
    assert "Mã tra cứu gồm 16 ký tự" in malformed.content.decode()
    wrong = client.get("/tra-cuu/", {"ma": d.code, "khoa": new_tracking_key()})
    assert wrong.status_code == 404
    assert "Không tìm thấy hồ sơ" in wrong.content.decode()


@pytest.fixture
def fee_dossier(cast):
    return submit(
        actor=cast.citizen,
        procedure_code="2.000815",
        competent_unit_code=HOME,
        uploads=form("Bản chính giấy tờ, văn bản"),
    )


def _callback(client, body: dict, secret: str):
    raw = json.dumps(body).encode()
    sig = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return client.post(
        "/api/v1/payments/callback", raw, content_type="application/json", HTTP_X_SIGNATURE=sig
    )


def test_a_signed_payment_callback_marks_the_fees_paid_once(client, fee_dossier, settings):
    settings.PAYMENT_CALLBACK_SECRET = "bi-mat-cong-thanh-toan"
    body = {"dossier": fee_dossier.code, "amount": 2000, "reference": "GD123"}
    assert _callback(client, body, "sai").status_code == 401
    assert (
        _callback(client, {**body, "amount": 5}, settings.PAYMENT_CALLBACK_SECRET).status_code
        == 422
    )
    ok = _callback(client, body, settings.PAYMENT_CALLBACK_SECRET)
    assert ok.status_code == 200
    assert ok.json()["paid"] is True
    again = _callback(client, body, settings.PAYMENT_CALLBACK_SECRET)
    assert again.status_code == 200
    fee_dossier.refresh_from_db()
    assert fee_dossier.paid_online
    assert fee_dossier.events.filter(action="payment").count() == 1


def test_the_fee_page_shows_a_vietqr_and_a_clerk_can_confirm_cash(client, cast, fee_dossier):
    client.force_login(cast.citizen)
    assert "Quét mã VietQR" in client.get(f"/ho-so/{fee_dossier.code}/").content.decode()
    client.force_login(cast.clerk_home)
    client.post(f"/ho-so/{fee_dossier.code}/da-nop-phi/")
    fee_dossier.refresh_from_db()
    assert fee_dossier.paid_at is not None
    assert not fee_dossier.paid_online


def test_the_counter_screen_receives_a_paper_dossier(client, cast):
    client.force_login(cast.clerk_home)
    assert (
        "Đăng ký khai sinh"
        in client.get("/can-bo/ho-so/tiep-nhan/", {"q": "khai sinh"}).content.decode()
    )
    response = client.post(
        "/can-bo/ho-so/tiep-nhan/",
        {
            "thu-tuc": "1.001193",
            "cccd": cast.citizen.pin,
            "xa": HOME,
            "idem": "q-1",
            "tep-0": pdf(),
        },
    )
    dossier = Dossier.objects.get(channel="counter")
    assert response["Location"] == f"/ho-so/{dossier.code}/"
    assert dossier.status == "received"
    assert dossier.applicant == cast.citizen


def test_a_clerk_who_goes_back_and_types_someone_else_is_not_told_it_is_done(client, cast):
    client.force_login(cast.clerk_home)
    url = "/can-bo/ho-so/tiep-nhan/"
    filled = {"thu-tuc": "1.001193", "cccd": cast.citizen.pin, "xa": HOME, "idem": "q-7"}
    assert client.post(url, {**filled, "tep-0": pdf()}).status_code == 302
    other = UserFactory(pin="037090009999", username="037090009999", full_name="Lê Thị Mai")
    # The browser's Back button: the same form and its key, another person.
    again = client.post(url, {**filled, "cccd": other.pin, "tep-0": pdf()})
    assert again.status_code == 422
    assert "chưa được nộp" in again.content.decode()
    assert not Dossier.objects.filter(applicant=other).exists()
    fresh = re.search(r'name="idem" value="([^"]+)"', again.content.decode())[1]
    assert fresh != "q-7"
    done = client.post(url, {**filled, "cccd": other.pin, "idem": fresh, "tep-0": pdf()})
    assert done.status_code == 302
    assert Dossier.objects.get(applicant=other).channel == "counter"


def _walk(client, url, codes):
    """Follow a list's "next" links from ``url``; the codes of ``codes`` each page shows."""
    pages = []
    while url:
        html = client.get(url).content.decode()
        pages.append([c for c in re.findall(r'href="/ho-so/([^/"]+)/"', html) if c in codes])
        link = re.search(r'href="(\?[^"]*sau=[^"]+)" rel="next"', html)
        url = url.split("?")[0] + link.group(1).replace("&amp;", "&") if link else None
    return pages


def test_a_long_queue_is_paged_by_deadline_and_nothing_is_lost_or_shown_twice(
    client, cast, monkeypatch
):
    from lienthong.dossiers import selectors

    monkeypatch.setattr(selectors, "QUEUE_PAGE", 2)
    made = [
        advance(cast, file_online(cast, idempotency_key=f"page-{n}"), "receive") for n in range(7)
    ]
    # Three share a deadline and a filing time (a batch received at once); one has no
    # deadline yet: they sort last, by id.
    first = made[0]
    Dossier.objects.filter(pk__in=[d.pk for d in made[2:5]]).update(
        due_at=first.due_at, submitted_at=first.submitted_at
    )
    Dossier.objects.filter(pk=made[6].pk).update(due_at=None)
    codes = {d.code for d in made}
    client.force_login(cast.leader)
    pages = _walk(client, "/can-bo/ho-so/?hang=phan-cong", codes)
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    shown = [c for p in pages for c in p]
    expected = [
        d.code
        for d in sorted(
            Dossier.objects.filter(code__in=codes),
            key=lambda d: (d.due_at is None, d.due_at or d.submitted_at, d.submitted_at, d.pk),
        )
    ]
    assert shown == expected
    # The first page links back to nothing; a later one back to the queue's start.
    html = client.get("/can-bo/ho-so/?hang=phan-cong").content.decode()
    assert "Về đầu hàng" not in html
    assert "Trang sau" in html


def test_the_queue_of_dossiers_not_yet_received_is_paged_too(client, cast, monkeypatch):
    from lienthong.dossiers import selectors

    monkeypatch.setattr(selectors, "QUEUE_PAGE", 2)
    made = [file_online(cast, idempotency_key=f"new-{n}") for n in range(5)]
    assert all(d.due_at is None for d in made)
    client.force_login(cast.clerk_elsewhere)
    pages = _walk(client, "/can-bo/ho-so/?hang=tiep-nhan", {d.code for d in made})
    assert [c for p in pages for c in p] == [d.code for d in made]  # the earliest filed first


def test_an_edited_page_link_opens_the_first_page_and_says_so(client, cast):
    d = advance(cast, file_online(cast), "receive")
    client.force_login(cast.leader)
    for token in ("garbage", "MjAyNnwx", "fHw"):
        response = client.get("/can-bo/ho-so/", {"hang": "phan-cong", "sau": token})
        html = response.content.decode()
        assert response.status_code == 200
        assert "Liên kết trang không hợp lệ: đã mở trang đầu." in html
        assert d.code in html


def test_my_dossiers_are_paged_newest_first(client, cast, monkeypatch):
    from lienthong.dossiers import selectors

    monkeypatch.setattr(selectors, "OWN_PAGE", 2)
    made = [file_online(cast, idempotency_key=f"mine-{n}") for n in range(5)]
    client.force_login(cast.citizen)
    pages = _walk(client, "/ho-so/", {d.code for d in made})
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [c for p in pages for c in p] == [d.code for d in reversed(made)]
    assert "Không còn hồ sơ nào cũ hơn." not in client.get("/ho-so/").content.decode()
