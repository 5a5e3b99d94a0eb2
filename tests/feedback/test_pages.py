"""The feedback pages without JavaScript: a citizen sends a report about their late
dossier, the commune accepts and answers it on its pages, the answer is published
without personal data, the citizen rates it, the Front of Xã Liên Minh sees it; an
anonymous author stays hidden from the officials."""

from __future__ import annotations

import pytest

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.directory import selectors as directory
from lienthong.feedback.models import Report
from tests.dossiers.conftest import HOME, file_online
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEXT = (
    "Hồ sơ khai sinh của con tôi đã quá hẹn. Tôi là Nguyễn Văn An, điện thoại 0912345678, "
    "CCCD 037090001234."
)


def _flat(response) -> str:
    return " ".join(response.content.decode().split())


def _step(client, code, action, **data):
    report = Report.objects.get(code=code)
    response = client.post(
        f"/phan-anh/{code}/buoc/{action}/", {"version": report.lock_version, **data}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Report.objects.get(code=code)


def test_a_citizens_report_from_sending_to_the_front(client, cast):
    dossier = file_online(cast)
    client.force_login(cast.citizen)
    form = _flat(client.get("/phan-anh/gui/", {"tinh": "37"}))
    assert dossier.code in form  # their own dossiers to choose from
    sent = client.post(
        "/phan-anh/gui/",
        {
            "tinh": "37",
            "idem": "p-1",
            "dossier": dossier.code,
            "title": "Chậm trả giấy khai sinh",
            "text": TEXT,
        },
    )
    assert sent.status_code == 302, sent.content.decode()[:1000]
    report = Report.objects.get()
    assert sent["Location"] == f"/phan-anh/{report.code}/"
    # The same page posted again (a double click) sends nothing more.
    client.post(
        "/phan-anh/gui/",
        {"tinh": "37", "idem": "p-1", "dossier": dossier.code, "title": "x", "text": TEXT},
    )
    assert Report.objects.count() == 1
    assert report.code in _flat(client.get("/phan-anh/cua-toi/"))

    client.force_login(cast.leader)
    queue = _flat(client.get("/can-bo/phan-anh/"))
    assert report.code in queue
    page = _flat(client.get(f"/phan-anh/{report.code}/"))
    assert "Tiếp nhận xử lý" in page
    report = _step(client, report.code, "accept")
    report = _step(client, report.code, "assign", assignee=cast.specialist.pin)
    client.force_login(cast.specialist)
    report = _step(
        client,
        report.code,
        "answer",
        answer="UBND xã đã ký giấy khai sinh ngày 25/11; anh Nguyễn Văn An nhận bản điện tử.",
    )
    client.force_login(cast.leader)
    report = _step(client, report.code, "publish")
    assert report.published

    client.logout()
    public = _flat(client.get("/phan-anh/", {"q": "khai sinh"}))
    assert report.code in public
    shown = _flat(client.get(f"/phan-anh/{report.code}/"))
    assert "UBND xã đã ký giấy khai sinh" in shown
    for private in ("Nguyễn Văn An", "0912345678", "037090001234"):
        assert private not in shown
        assert private not in public

    client.force_login(cast.citizen)
    report = _step(client, report.code, "rate", score="5", comment="Cảm ơn")
    assert report.score == 5

    front = directory.agencies_of_unit(HOME).get(kind="front_committee")
    watcher = UserFactory(official=True)
    RoleAssignment.objects.create(user=watcher, agency=front, role=Role.SUPERVISOR)
    client.force_login(watcher)
    view = _flat(client.get("/giam-sat/"))
    assert report.code in view
    assert "Điểm hài lòng trung bình" in view
    assert "/5 (1)" in view  # one rating, shown with its average
    # Another commune's Front does not see it.
    other_front = directory.agencies_of_unit("13753").get(kind="front_committee")
    stranger = UserFactory(official=True)
    RoleAssignment.objects.create(user=stranger, agency=other_front, role=Role.SUPERVISOR)
    client.force_login(stranger)
    assert report.code not in _flat(client.get("/giam-sat/"))


def test_an_anonymous_authors_name_and_contact_stay_hidden_from_officials(client, cast):
    client.force_login(cast.citizen)
    client.post(
        "/phan-anh/gui/",
        {
            "tinh": "37",
            "idem": "a-1",
            "category": "conduct",
            "xa": HOME,
            "title": "Thái độ phục vụ",
            "text": "Cán bộ ở quầy số 2 nói năng thiếu tôn trọng người dân.",
            "phone": "0912 345 678",
            "anonymous": "1",
        },
    )
    report = Report.objects.get()
    assert report.anonymous
    mine = _flat(client.get(f"/phan-anh/{report.code}/"))
    assert "Nguyễn Văn An" in mine  # the author sees their own name
    client.force_login(cast.leader)
    seen = _flat(client.get(f"/phan-anh/{report.code}/"))
    assert "Ẩn danh" in seen
    assert "Nguyễn Văn An" not in seen
    assert "0912345678" not in seen


def test_bad_input_is_named_and_nothing_is_stored(client, cast):
    client.force_login(cast.citizen)
    response = client.post(
        "/phan-anh/gui/",
        {"tinh": "37", "idem": "b-1", "category": "other", "xa": HOME, "title": "", "text": "ngắn"},
    )
    assert response.status_code == 422
    page = _flat(response)
    assert "Hãy ghi tiêu đề phản ánh." in page
    assert not Report.objects.exists()


def test_officials_pages_are_for_officials(client, cast):
    client.force_login(cast.citizen)
    assert client.get("/can-bo/phan-anh/").status_code == 403
    assert client.get("/can-bo/phan-anh/tiep-nhan/").status_code == 403
    assert client.get("/giam-sat/").status_code == 403
    client.logout()
    assert client.get("/phan-anh/gui/").status_code == 302  # to the login


def test_a_clerk_types_a_report_at_the_counter(client, cast):
    client.force_login(cast.clerk_home)
    page = _flat(client.get("/can-bo/phan-anh/tiep-nhan/"))
    assert "Xã Liên Minh" in page
    response = client.post(
        "/can-bo/phan-anh/tiep-nhan/",
        {
            "idem": "c-1",
            "category": "infrastructure",
            "xa": HOME,
            "title": "Đường ngập",
            "text": "Đường trước trạm y tế ngập sau mưa, người dân khó đi lại.",
            "name": "Lê Thị Hoa",
            "phone": "0912000111",
        },
    )
    assert response.status_code == 302, response.content.decode()[:800]
    report = Report.objects.get()
    assert (report.channel, report.contact_name, report.submitted_by) == (
        "counter",
        "Lê Thị Hoa",
        cast.clerk_home,
    )


def test_the_public_page_draws_located_answers_on_a_map_of_viet_nam(client, cast):
    from lienthong.feedback import services

    report = services.submit(
        actor=cast.citizen,
        category="infrastructure",
        title="Đèn đường hỏng",
        text="Đèn đường ở xóm 3 không sáng đã hai tuần.",
        commune_code=HOME,
        latitude="20.352",
        longitude="106.104",
    )
    for actor, action, kw in [
        (cast.leader, "accept", {}),
        (cast.specialist, "answer", {"answer": "Đã thay bóng đèn ngày 27/11."}),
        (cast.leader, "publish", {}),
    ]:
        services.act(actor=actor, code=report.code, action=action, **kw)
    page = _flat(client.get("/phan-anh/"))
    assert 'class="vn-map"' in page
    assert "Quần đảo Hoàng Sa (Việt Nam)" in page
    assert "Quần đảo Trường Sa (Việt Nam)" in page
    assert f'<a href="/phan-anh/{report.code}/"><circle' in page
    assert "," not in page.split('class="point"')[0].rsplit("<circle", 1)[1]  # SVG numbers


def test_a_report_is_transferred_to_an_agency_found_by_name(client, cast):
    from lienthong.feedback import services

    report = services.submit(
        actor=cast.citizen,
        category="other",
        title="Trật tự ở chợ",
        text="Xe máy đỗ lấn chiếm lối đi trong chợ xã vào buổi sáng.",
        commune_code=HOME,
    )
    services.act(actor=cast.leader, code=report.code, action="accept")
    client.force_login(cast.leader)
    found = _flat(
        client.get(f"/phan-anh/{report.code}/co-quan-nhan/", {"q": "cong an xa lien minh"})
    )
    police = directory.agencies_of_unit(HOME).get(kind="police")
    assert f'value="{police.code}"' in found
    # Without JavaScript the page itself lists what was searched, inside the step's form.
    page = _flat(client.get(f"/phan-anh/{report.code}/", {"q": "cong an xa lien minh"}))
    assert f'name="to_agency" value="{police.code}"' in page
    moved = _step(client, report.code, "transfer", to_agency=police.code, note="Thuộc công an")
    assert moved.handling_agency == police
    client.force_login(cast.citizen)  # not theirs to search
    assert client.get(f"/phan-anh/{report.code}/co-quan-nhan/", {"q": "ubnd"}).status_code == 404
