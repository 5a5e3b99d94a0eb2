"""Reports handled on the workflow engine: routed to the competent agency, each step's
deadline in working days (decide 2, supplement 5, answer 15, publish 2), a transfer that
keeps the case and its deadlines, the author's supplement, rating and re-raising,
duplicates merged, published answers without personal data."""

from __future__ import annotations

import pytest

from lienthong.core.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from lienthong.core.outbox import dispatch
from lienthong.core.workcalendar import get_calendar
from lienthong.dossiers.models import Notification
from lienthong.feedback import services
from lienthong.feedback.consumers import sweep_overdue
from lienthong.feedback.models import Report, ReportEvent
from lienthong.feedback.selectors import get_report_for, public_reports
from tests.dossiers.conftest import HOME, at, file_online
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MONDAY = at(2026, 11, 23, 9, 0)
TEXT = (
    "Hồ sơ khai sinh của con tôi đã quá hẹn 3 ngày. Tôi là Nguyễn Văn An, CCCD "
    "037090001234, điện thoại 0912 345 678; chị Lan ở bộ phận một cửa bảo chờ thêm."
)


def _report(cast, **kw):
    kw.setdefault("category", "infrastructure")
    kw.setdefault("title", "Đèn đường hỏng")
    kw.setdefault("text", "Đèn đường ở xóm 3 hỏng đã hai tuần, buổi tối rất tối.")
    kw.setdefault("commune_code", HOME)
    return services.submit(actor=cast.citizen, now=MONDAY, **kw)


def _days(start, n):
    cal = get_calendar()
    return cal.add_working_hours(cal.next_working_moment(start), n * 8)


def test_a_report_about_a_late_dossier_goes_to_its_handling_agency(cast):
    dossier = file_online(cast)
    report = services.submit(
        actor=cast.citizen,
        category="other",
        title="Chậm trả giấy khai sinh",
        text=TEXT,
        dossier_code=dossier.code,
        now=MONDAY,
    )
    assert report.code.startswith("PA-")
    assert report.category == "procedure"  # about a dossier: a procedure's report
    assert report.handling_agency == dossier.handling_agency
    assert report.procedure_code == "1.001193"
    assert report.commune.code == HOME
    assert report.step_due_at == _days(MONDAY, 2)  # decide within 2 working days
    event = ReportEvent.objects.get(report=report)
    assert (event.action, event.to_status) == ("submit", "received")
    # Somebody else's dossier is not theirs to report on (and its existence not told).
    other = UserFactory(pin="037090009999", username="037090009999")
    with pytest.raises(InvalidInput) as refused:
        services.submit(
            actor=other, category="procedure", title="x", text=TEXT, dossier_code=dossier.code
        )
    assert refused.value.invalid_params[0].code == "unknown_dossier"


def test_deadlines_of_each_step_and_the_author_supplements(cast):
    report = _report(cast)
    accepted = services.act(
        actor=cast.leader, code=report.code, action="accept", now=at(2026, 11, 24, 9, 0)
    )
    assert accepted.status == "accepted"
    assert not accepted.late  # decided within 2 working days
    assert accepted.due_at == _days(at(2026, 11, 24, 9, 0), 15)
    asked = services.act(
        actor=cast.specialist,
        code=report.code,
        action="request_supplement",
        note="Cho biết số cột đèn",
        now=at(2026, 11, 25, 9, 0),
    )
    assert asked.status == "supplement"
    due_before = asked.due_at
    back = services.act(
        actor=cast.citizen,
        code=report.code,
        action="supplement",
        note="Cột số 12 và 13",
        now=at(2026, 11, 26, 9, 0),
    )
    assert back.status == "accepted"
    cal = get_calendar()
    assert back.due_at == cal.add_working_hours(due_before, 8)  # the author's day added
    with pytest.raises(PermissionDenied):  # a specialist does not assign
        services.act(
            actor=cast.specialist, code=report.code, action="assign", assignee=cast.specialist
        )
    services.act(actor=cast.leader, code=report.code, action="assign", assignee=cast.specialist)
    answered = services.act(
        actor=cast.specialist,
        code=report.code,
        action="answer",
        answer="Ngày 27/11/2026 UBND xã đã thay bóng đèn hai cột số 12 và 13.",
        now=at(2026, 11, 27, 9, 0),
    )
    assert answered.status == "answered"
    assert answered.step_due_at == get_calendar().add_working_hours(at(2026, 11, 27, 9, 0), 16)
    closed = services.act(
        actor=cast.leader, code=report.code, action="publish", now=at(2026, 11, 27, 15, 0)
    )
    assert (closed.status, closed.published, closed.late) == ("closed", True, False)
    assert [r.code for r in public_reports(q="den duong")] == [report.code]  # no diacritics


def test_a_late_decision_is_marked_late_and_the_sweep_flags_overdue(cast):
    report = _report(cast)
    Report.objects.filter(pk=report.pk).update(step_due_at=at(2026, 1, 1, 9, 0))
    assert sweep_overdue() == 1
    assert Report.objects.get(pk=report.pk).overdue
    late = services.act(actor=cast.leader, code=report.code, action="accept")
    assert late.late
    assert not late.overdue  # the step is taken; the lateness stays recorded


def test_a_transfer_keeps_one_case_and_its_deadlines(cast):
    from lienthong.directory import selectors as directory

    report = _report(cast)
    services.act(actor=cast.leader, code=report.code, action="accept")
    before = Report.objects.get(pk=report.pk)
    police = directory.agencies_of_unit(HOME).get(kind="police")
    moved = services.act(
        actor=cast.leader,
        code=report.code,
        action="transfer",
        agency=police.code,
        note="Thuộc thẩm quyền công an xã",
    )
    assert moved.handling_agency == police
    assert (moved.code, moved.due_at, moved.status) == (before.code, before.due_at, "accepted")
    assert Report.objects.count() == 1
    with pytest.raises(NotFound):  # no longer the committee's to read
        get_report_for(cast.leader, report.code)


def test_the_published_answer_carries_no_personal_data(cast):
    report = _report(cast, category="conduct", title="Cán bộ Trần Văn Bình hẹn sai", text=TEXT)
    for actor, action, kw in [
        (cast.leader, "accept", {}),
        (
            cast.specialist,
            "answer",
            {"answer": "Đã nhắc nhở ông Trần Văn Bình; liên hệ 0987654321 nếu cần."},
        ),
    ]:
        report = services.act(actor=actor, code=report.code, action=action, **kw)
    published = services.act(actor=cast.leader, code=report.code, action="publish")
    shown = f"{published.public_title} {published.public_text} {published.public_answer}"
    for private in (
        "Nguyễn Văn An",
        "037090001234",
        "0912 345 678",
        "Lan",
        "Trần Văn Bình",
        "0987654321",
    ):
        assert private not in shown
    assert "[đã ẩn]" in shown
    assert "quá hẹn 3 ngày" in shown  # what it is about stays


def test_what_still_names_someone_is_not_published(cast):
    report = _report(cast, text=TEXT)
    services.act(actor=cast.leader, code=report.code, action="accept")
    services.act(
        actor=cast.specialist, code=report.code, action="answer", answer="Đã xử lý xong việc này."
    )
    with pytest.raises(InvalidInput) as refused:
        services.act(
            actor=cast.leader,
            code=report.code,
            action="publish",
            public_text="Ông Nguyễn Văn An gọi 0912345678 phản ánh.",
        )
    assert refused.value.invalid_params[0].code == "personal_data"
    assert Report.objects.get(pk=report.pk).status == "answered"  # nothing changed


def test_the_author_rates_and_may_re_raise(cast):
    report = _report(cast, private=True)
    for actor, action, kw in [
        (cast.leader, "accept", {}),
        (cast.specialist, "answer", {"answer": "Đã thay bóng đèn ngày 27/11."}),
        (cast.leader, "publish", {}),
    ]:
        report = services.act(actor=actor, code=report.code, action=action, **kw)
    assert (report.status, report.published) == ("closed", False)  # private: the author only
    assert not public_reports().exists()
    with pytest.raises(NotFound):  # only the author rates
        services.act(actor=UserFactory(), code=report.code, action="rate", score=5)
    rated = services.act(actor=cast.citizen, code=report.code, action="rate", score=2)
    assert rated.score == 2
    with pytest.raises(IllegalTransition):
        services.act(actor=cast.citizen, code=report.code, action="rate", score=5)
    again = services.act(
        actor=cast.citizen, code=report.code, action="reraise", note="Đèn lại hỏng sau 2 ngày"
    )
    assert (again.status, again.reraised, again.score) == ("accepted", 1, None)


def test_duplicates_are_merged_and_their_authors_told(cast):
    first = _report(cast)
    neighbour = UserFactory(pin="037095001111", username="037095001111")
    second = services.submit(
        actor=neighbour,
        category="infrastructure",
        title="Đèn đường xóm 3",
        text="Đèn đường xóm 3 không sáng mấy hôm nay.",
        commune_code=HOME,
    )
    merged = services.act(actor=cast.leader, code=second.code, action="merge", into=first.code)
    assert (merged.status, merged.merged_into_id) == ("merged", first.pk)
    while dispatch():
        pass
    told = Notification.objects.get(user=neighbour, body__contains="gộp")
    assert first.code in told.body
    from lienthong.feedback.selectors import merged_count

    assert merged_count(first) == 1


def test_a_clerk_types_a_report_at_the_counter_and_others_cannot(cast):
    typed = services.submit(
        actor=cast.clerk_home,
        channel="counter",
        category="conduct",
        title="Phản ánh tại quầy",
        text="Người dân phản ánh phải chờ lâu ở quầy số 2.",
        commune_code=HOME,
        contact_name="Lê Thị Hoa",
        contact_phone="0912 000 111",
    )
    assert (typed.author, typed.submitted_by, typed.contact_phone) == (
        None,
        cast.clerk_home,
        "0912000111",
    )
    with pytest.raises(PermissionDenied):
        services.submit(
            actor=cast.citizen,
            channel="counter",
            category="conduct",
            title="x",
            text="Người dân phản ánh phải chờ lâu.",
            commune_code=HOME,
            contact_phone="0912000111",
        )


def test_a_retry_returns_the_first_report(cast):
    a = _report(cast, idempotency_key="k-1")
    b = _report(cast, idempotency_key="k-1")
    assert a.pk == b.pk
    assert Report.objects.count() == 1


def test_a_point_that_is_not_a_number_is_refused_by_name(cast):
    for lat, lon in (("nan", "105"), ("21", "inf"), ("abc", "105"), ("40", "105")):
        with pytest.raises(InvalidInput) as refused:
            _report(cast, latitude=lat, longitude=lon)
        assert refused.value.invalid_params[0].name == "lat"
    assert not Report.objects.exists()


def test_a_key_reused_for_another_report_is_refused(cast):
    _report(cast, idempotency_key="k-2")
    with pytest.raises(InvalidInput) as refused:
        _report(cast, idempotency_key="k-2", title="Một việc khác")
    assert refused.value.invalid_params[0].code == "key_reused"
    assert Report.objects.count() == 1


def test_the_public_page_is_the_same_whichever_way_it_is_found(cast):
    """Common words are looked for among the newest answers first, rare ones through the
    words' index: the page must be the page of the plain query either way."""
    import datetime as dt

    from lienthong.feedback.selectors import public_page
    from lienthong.geo.text import fold

    words = ["den duong", "cong thoat nuoc", "cho lau"]
    base = MONDAY
    rows = []
    for i in range(40):
        title = "Đèn đường hỏng" if i % 4 else ("Cống thoát nước tắc" if i % 8 else "Chờ lâu")
        rows.append(
            Report(
                code=f"PA-T-{i:04d}",
                category="infrastructure" if i % 3 else "conduct",
                title=title,
                text=title,
                commune=cast.home_committee.unit,
                province=cast.home_committee.province,
                handling_agency=cast.home_committee,
                submitted_at=base,
                status="closed",
                published=True,
                published_at=base + dt.timedelta(hours=i),
                public_title=title,
                search_text=fold(title),
            )
        )
    Report.objects.bulk_create(rows)
    for q in [*words, "khong co dau"]:
        for category in ("", "conduct"):
            plain = list(public_reports(q=q, category=category))
            for start, stop in ((0, 5), (5, 10), (0, 21), (20, 41)):
                got = public_page(q=q, category=category, start=start, stop=stop, window=10)
                assert [r.code for r in got] == [r.code for r in plain[start:stop]], (q, start)


def test_indicators_5_1_to_5_3_of_the_fronts_area(cast):
    import datetime as dt

    from lienthong.accounts.constants import Role
    from lienthong.accounts.models import RoleAssignment
    from lienthong.directory import selectors as directory
    from lienthong.feedback.selectors import indicators

    front = directory.agencies_of_unit(HOME).get(kind="front_committee")
    watcher = UserFactory(official=True)
    RoleAssignment.objects.create(user=watcher, agency=front, role=Role.SUPERVISOR)
    year = (at(2026, 1, 1, 0, 0), at(2027, 1, 1, 0, 0))
    empty = indicators(watcher, start=year[0], end=year[1])
    assert (empty.reports, empty.on_time, empty.satisfied) == (0, None, None)  # N/A
    made = [_report(cast, title=f"Phản ánh {i}") for i in range(5)]
    Report.objects.filter(pk=made[0].pk).update(score=5)
    Report.objects.filter(pk=made[1].pk).update(late=True)
    Report.objects.filter(pk=made[2].pk).update(score=2)
    Report.objects.filter(pk=made[3].pk).update(reraised=1)
    Report.objects.filter(pk=made[4].pk).update(status="merged")  # counted where merged into
    services.submit(  # another commune's: not the Front's area
        actor=cast.citizen,
        category="conduct",
        title="Nơi khác",
        text="Một phản ánh ở xã khác trong tỉnh.",
        commune_code="13753",
        now=MONDAY,
    )
    got = indicators(watcher, start=year[0], end=year[1])
    assert got.reports == 4
    assert got.on_time == 75.0  # one late of four
    assert got.satisfied == 25.0  # late, disliked, raised again: one of four left
    shares = {str(label): (n, share) for label, n, share in got.by_category}
    assert shares["Hạ tầng, dịch vụ công cộng ở địa phương"] == (4, 100.0)
    assert shares["Thái độ, hành vi phục vụ của cán bộ"] == (0, 0.0)
    assert indicators(watcher, start=year[1], end=year[1] + dt.timedelta(days=1)).reports == 0
