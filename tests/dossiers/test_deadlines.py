"""Due dates in working hours: weekends, Tết, online dossiers out of hours, supplements."""

from __future__ import annotations

import pytest

from lienthong.dossiers.selectors import hours_left
from lienthong.dossiers.services import act, submit
from tests.dossiers.conftest import HOME, at, form


def counter(cast, code: str, now, component: str = "Tờ khai đăng ký khai sinh"):
    return submit(
        actor=cast.clerk_home,
        applicant=cast.citizen,
        procedure_code=code,
        competent_unit_code=HOME,
        channel="counter",
        uploads=form(component),
        now=now,
    )


def test_an_online_dossier_sent_on_saturday_counts_from_monday_morning(cast):
    d = submit(
        actor=cast.citizen,
        procedure_code="1.001193",
        competent_unit_code=HOME,
        uploads=form(),
        now=at(2026, 11, 21, 10, 0),
    )
    d = act(actor=cast.clerk_home, code=d.code, action="receive", now=at(2026, 11, 23, 8, 15))
    assert d.clock_start == at(2026, 11, 23, 7, 30)
    assert d.due_at == at(2026, 11, 23, 17, 0)  # one working day: 8 office hours


def test_half_a_day_received_late_on_friday_is_due_on_monday(cast):
    d = counter(cast, "2.000815", at(2026, 11, 20, 16, 0), "Bản chính giấy tờ, văn bản")
    assert d.due_at == at(2026, 11, 23, 10, 30)  # 1 h on Friday, 3 h on Monday


def test_a_deadline_across_the_tet_2026_break(cast):
    d = counter(cast, "2.001610", at(2026, 2, 13, 10, 0), "Giấy đề nghị đăng ký doanh nghiệp")
    # Friday 13/2: 5.5 h; the break runs to Sunday 22/2; Monday 23/2 and Tuesday 24/2: 16 h;
    # Wednesday 25/2: the last 2.5 h.
    assert d.due_at == at(2026, 2, 25, 10, 0)


def test_the_clock_stops_while_the_applicant_supplements(cast):
    d = counter(cast, "1.001193", at(2026, 11, 23, 9, 0))
    assert d.due_at == at(2026, 11, 24, 9, 0)
    d = act(actor=cast.leader, code=d.code, action="assign", assignee=cast.specialist)
    d = act(
        actor=cast.specialist,
        code=d.code,
        action="request_supplement",
        note="Bổ sung giấy chứng sinh",
        now=at(2026, 11, 23, 10, 0),
    )
    left = hours_left(d, now=at(2026, 11, 30, 9, 0))
    assert left == pytest.approx(23.0 - 16.0)  # frozen at the request: 7 h were left
    d = act(
        actor=cast.citizen,
        code=d.code,
        action="supplement",
        uploads=form(),
        now=at(2026, 11, 25, 10, 0),
    )
    assert d.supplement_hours == pytest.approx(16.0)  # Mon 5.5 + Tue 8 + Wed 2.5
    assert d.due_at == at(2026, 11, 26, 9, 0)
    assert hours_left(d, now=at(2026, 11, 25, 10, 0)) == pytest.approx(7.0)


def test_an_overdue_dossier_shows_negative_hours(cast):
    d = counter(cast, "2.000815", at(2026, 11, 23, 9, 0), "Bản chính giấy tờ, văn bản")
    assert hours_left(d, now=at(2026, 11, 23, 15, 0)) == pytest.approx(-0.5)
