"""The order of a group's procedures: each later procedure is filed when all it waits
for have their results, whatever the members' order numbers, and gets the time the
group gives it; a refusal stops every procedure that waits for it, directly or not, so
the application always settles."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from lienthong.catalog.loaders import DATA
from lienthong.catalog.models import GroupMember
from lienthong.catalog.services import save_group
from lienthong.core.workcalendar import get_calendar
from lienthong.dossiers.models import Dossier, Notification
from lienthong.dossiers.services import act
from lienthong.groups import services
from lienthong.groups.models import GroupApplication
from tests.dossiers.conftest import HOME
from tests.groups.people import LT01
from tests.groups.test_lt01 import _birth_done, _drain, _handle, _step

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- deadlines


def test_a_later_procedure_gets_the_days_the_group_gives_it(family):
    app = _birth_done(family)
    residence = _step(app, 2).dossier
    # Registering a residence on its own takes 7 working days; in LT-01, 2.
    assert residence.procedure_version.processing_days == 7
    assert GroupMember.objects.get(group__code="LT-01", order=2).days == 2
    cal = get_calendar()
    assert residence.clock_start == cal.next_working_moment(residence.submitted_at)
    assert residence.due_at == cal.add_working_hours(residence.clock_start, 2 * 8)
    assert cal.working_hours_between(residence.clock_start, residence.due_at) == 16
    # The applicant is told that date, and the combined status shows it.
    told = Notification.objects.get(dossier=residence, body__contains="tiếp nhận")
    assert timezone.localtime(residence.due_at).strftime("%H:%M %d/%m/%Y") in told.body
    rows = {r["order"]: r for r in _api_steps(family, app)}
    assert rows[2]["due_at"] == residence.due_at
    # The receipt says the days the group gives, beside that date.
    from lienthong.dossiers import documents
    from tests.dossiers.conftest import pdf_text

    receipt = " ".join(pdf_text(documents.receipt_pdf(residence, base_url="http://x/")).split())
    assert "(thời hạn 2 ngày làm việc)" in receipt
    # The catalogue's procedure keeps its own time.
    residence.procedure_version.refresh_from_db()
    assert residence.procedure_version.processing_days == 7


def test_a_member_without_days_keeps_its_procedures_time(family):
    GroupMember.objects.filter(group__code="LT-01", order=2).update(days=Decimal(0))
    app = _birth_done(family)
    residence = _step(app, 2).dossier
    cal = get_calendar()
    assert residence.due_at == cal.add_working_hours(residence.clock_start, 7 * 8)


def _api_steps(family, app):
    from lienthong.groups import api, selectors

    return [
        {"order": s.order, "due_at": s.due_at}
        for s in api._out(family.father, selectors.application_for(family.father, app.code)).steps
    ]


# --------------------------------------------------------------------------- order


def _group(code: str, **after: list[int]) -> None:
    """LT-01 of the seed as group ``code``, its members' ``after`` replaced (``m2=[3]``:
    the member of order 2 waits for the one of order 3)."""
    raw = next(
        g
        for g in json.loads((DATA / "groups.json").read_text(encoding="utf-8"))
        if g["code"] == "LT-01"
    )
    raw = copy.deepcopy(raw)
    raw["code"] = code
    for m in raw["members"]:
        m["after"] = after.get(f"m{m['order']}", m.get("after", []))
    save_group(raw)


def _apply(family, code):
    app = services.apply(
        actor=family.father, group_code=code, commune_code=HOME, form_data=dict(LT01)
    )
    birth = act(actor=family.clerk, code=_step(app, 1).dossier.code, action="receive")
    return app, birth


def _statuses(app):
    return dict(app.steps.values_list("order", "status"))


def test_a_member_may_wait_for_one_with_a_higher_order(family):
    # The residence (order 2) waits for the card (order 3), which waits for the birth.
    _group("LT-91", m2=[3], m3=[1])
    app, birth = _apply(family, "LT-91")
    assert _statuses(app) == {1: "filed", 2: "waiting", 3: "waiting"}
    _handle(birth, family.leader, family.specialist)
    _drain()
    assert _statuses(app) == {1: "done", 2: "waiting", 3: "filed"}
    _handle(_step(app, 3).dossier, family.insurer_leader, family.insurer_specialist)
    _drain()
    assert _statuses(app) == {1: "done", 2: "filed", 3: "done"}
    residence = _step(app, 2).dossier
    assert residence.handling_agency == family.police
    new_pin = GroupApplication.objects.get(pk=app.pk).results["new_pin"]
    assert residence.form_data["so_dinh_danh"] == new_pin  # from the birth, two steps back
    _handle(residence, family.police_leader, family.police_specialist)
    _drain()
    assert GroupApplication.objects.get(pk=app.pk).status == "completed"


def test_a_refusal_stops_what_waits_for_it_even_through_a_higher_order(family):
    _group("LT-91", m2=[3], m3=[1])
    app, birth = _apply(family, "LT-91")
    _handle(birth, family.leader, family.specialist, refuse="Giấy chứng sinh không khớp")
    _drain()
    # The card waits for the birth, the residence for the card: both stopped, whatever
    # order they are looked at in, and the application settles.
    assert _statuses(app) == {1: "refused", 2: "blocked", 3: "blocked"}
    assert _step(app, 3).procedure_name in _step(app, 2).note  # what it waited for
    assert GroupApplication.objects.get(pk=app.pk).status == "refused"
    assert Dossier.objects.count() == 1


def test_members_caught_in_a_loop_are_stopped_instead_of_waiting_for_ever(family):
    # A definition saved before loops were refused at import: 2 and 3 wait for each other.
    _group("LT-92")
    GroupMember.objects.filter(group__code="LT-92", order=2).update(after=[1, 3])
    GroupMember.objects.filter(group__code="LT-92", order=3).update(after=[2])
    app, birth = _apply(family, "LT-92")
    _handle(birth, family.leader, family.specialist)
    _drain()
    assert _statuses(app) == {1: "done", 2: "blocked", 3: "blocked"}
    assert GroupApplication.objects.get(pk=app.pk).status == "partly_completed"
