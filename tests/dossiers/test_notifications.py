"""Applicants hear about their dossier once per step; late dossiers are flagged once."""

from __future__ import annotations

from django.core import mail

from lienthong.core.models import OutboxEvent
from lienthong.core.outbox import dispatch
from lienthong.core.periodic import jobs
from lienthong.dossiers.models import Dossier, Notification
from lienthong.dossiers.services import act, mark_overdue, submit
from tests.dossiers.conftest import ELSEWHERE, HOME, at, form


def _drain() -> None:
    while dispatch():
        pass


def test_the_applicant_is_told_when_the_dossier_is_received_and_needs_a_supplement(cast, client):
    cast.citizen.email = "an@example.vn"
    cast.citizen.save()
    d = submit(
        actor=cast.citizen,
        procedure_code="1.001193",
        competent_unit_code=HOME,
        receiving_unit_code=ELSEWHERE,
        uploads=form(),
        now=at(2026, 11, 23, 9, 0),
    )
    act(actor=cast.clerk_elsewhere, code=d.code, action="receive", now=at(2026, 11, 23, 9, 0))
    act(actor=cast.specialist, code=d.code, action="request_supplement", note="Thiếu chữ ký")
    _drain()
    _drain()  # a second pass finds nothing new: no duplicate
    bodies = list(Notification.objects.filter(user=cast.citizen).values_list("body", flat=True))
    assert len(bodies) == 2
    assert any("hẹn trả kết quả 09:00 24/11/2026" in b for b in bodies)
    assert any("cần bổ sung: Thiếu chữ ký" in b for b in bodies)
    assert len(mail.outbox) == 2
    assert mail.outbox[0].to == ["an@example.vn"]
    client.force_login(cast.citizen)
    page = client.get("/thong-bao/").content.decode()
    assert "Thiếu chữ ký" in page
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_overdue_dossiers_are_flagged_once_and_announced(cast):
    (d,) = copies_at_the_counter(cast, 1)
    assert d.due_at == at(2026, 11, 23, 14, 30)  # half a day: 2.5 h before the break, 1.5 after
    assert mark_overdue(now=at(2026, 11, 23, 14, 0)) == 0
    assert mark_overdue(now=at(2026, 11, 23, 15, 0)) == 1
    assert mark_overdue(now=at(2026, 11, 23, 16, 0)) == 0
    assert Dossier.objects.get(pk=d.pk).overdue
    assert OutboxEvent.objects.filter(topic="dossier.overdue", aggregate_id=d.code).count() == 1
    assert "dossiers.sweep-overdue" in [j.name for j in jobs()]


def copies_at_the_counter(cast, n: int) -> list:
    """``n`` certified-copy requests (half a day each) received at Liên Minh on 23/11."""
    return [
        submit(
            actor=cast.clerk_home,
            applicant=cast.citizen,
            procedure_code="2.000815",
            competent_unit_code=HOME,
            channel="counter",
            uploads=form("Bản chính giấy tờ, văn bản"),
            now=at(2026, 11, 23, 9, minute),
        )
        for minute in range(n)
    ]


def test_the_sweep_flags_in_batches_with_history_and_one_event_each(cast):
    from lienthong.core.models import AuditPending
    from lienthong.dossiers.models import DossierEvent
    from lienthong.dossiers.selectors import history_rows

    filed = copies_at_the_counter(cast, 7)
    late = at(2026, 11, 24, 9, 0)
    # Batches of three: three transactions, each with its history rows, events and one
    # audit entry; run again, nothing more.
    assert mark_overdue(now=late, batch=3) == 7
    assert mark_overdue(now=late, batch=3) == 0
    assert Dossier.objects.filter(overdue=True).count() == 7
    assert DossierEvent.objects.filter(action="overdue").count() == 7
    assert OutboxEvent.objects.filter(topic="dossier.overdue").count() == 7
    assert AuditPending.objects.filter(action="dossiers.overdue_marked").count() == 3
    event = OutboxEvent.objects.get(topic="dossier.overdue", aggregate_id=filed[0].code)
    assert event.payload["handling_agency"] == filed[0].handling_agency.code
    labels = [label for _e, label, _state in history_rows(Dossier.objects.get(pk=filed[0].pk))]
    assert labels[-1] == "Quá hạn giải quyết (hệ thống ghi nhận)"


def test_the_sweep_costs_the_same_few_statements_for_any_number_of_dossiers(
    cast, django_assert_max_num_queries
):
    from django.db import connection

    copies_at_the_counter(cast, 6)
    # PostgreSQL: one statement (dossiers.bulk) between its savepoint and release; the
    # embedded SQLite: the ORM's select, update and inserts.
    most = 3 if connection.vendor == "postgresql" else 7
    with django_assert_max_num_queries(most):
        assert mark_overdue(now=at(2026, 11, 24, 9, 0)) == 6
