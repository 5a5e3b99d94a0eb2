"""A dossier's history is written once, carries what its readers need, and is audited.

Each test here failed on the code before the workflow engine (issue 14): the second
transfer rewrote the first one's agencies; a notification re-read "the latest event"
and sent the second supplement note twice; action labels were frozen in Vietnamese at
import; steps left no audit entry; the history table could be updated.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from lienthong.core import audit
from lienthong.core.errors import Conflict, IllegalTransition, InvalidInput
from lienthong.core.models import AuditEntry, AuditPending
from lienthong.core.outbox import dispatch
from lienthong.directory import selectors as directory
from lienthong.dossiers.models import DossierEvent, Notification
from lienthong.dossiers.selectors import history_of
from lienthong.dossiers.services import act, submit, transfer
from lienthong.dossiers.table import STANDARD
from tests.dossiers.conftest import ELSEWHERE, HOME, at, file_online, form

NOW = at(2026, 11, 23, 9, 0)  # a Monday morning


def _drain() -> None:
    while dispatch():
        pass


def _business_dossier(cast):
    d = submit(
        actor=cast.citizen,
        procedure_code="2.001610",
        competent_unit_code=HOME,
        uploads=form("Giấy đề nghị đăng ký doanh nghiệp"),
        now=NOW,
    )
    return act(actor=cast.clerk_home, code=d.code, action="receive", now=NOW)


def test_two_transfers_keep_two_different_histories(cast):
    d = _business_dossier(cast)
    finance = d.handling_agency
    elsewhere = directory.agencies_of_unit(ELSEWHERE).get(kind="people_committee")
    transfer(
        actor=cast.province_specialist,
        code=d.code,
        to_agency_code=cast.home_committee.code,
        note="Thuộc thẩm quyền cấp xã",
    )
    transfer(
        actor=cast.specialist,
        code=d.code,
        to_agency_code=elsewhere.code,
        note="Trụ sở doanh nghiệp ở Hiển Khánh",
    )
    moves = [
        (e.data["from_agency"], e.data["to_agency"], e.note)
        for e in history_of(d)
        if e.action == "transfer"
    ]
    assert moves == [
        (finance.code, cast.home_committee.code, "Thuộc thẩm quyền cấp xã"),
        (cast.home_committee.code, elsewhere.code, "Trụ sở doanh nghiệp ở Hiển Khánh"),
    ]


def test_two_supplement_requests_before_a_dispatch_give_two_notes(cast):
    d = file_online(cast, now=NOW)
    act(actor=cast.clerk_elsewhere, code=d.code, action="receive", now=NOW)
    act(actor=cast.specialist, code=d.code, action="request_supplement", note="Thiếu chữ ký")
    act(actor=cast.citizen, code=d.code, action="supplement", uploads=form())
    act(actor=cast.specialist, code=d.code, action="start_review")
    act(actor=cast.specialist, code=d.code, action="request_supplement", note="Ảnh bị mờ")
    _drain()
    bodies = sorted(
        Notification.objects.filter(user=cast.citizen, body__contains="cần bổ sung").values_list(
            "body", flat=True
        )
    )
    assert len(bodies) == 2
    assert bodies[0].endswith("cần bổ sung: Thiếu chữ ký")
    assert bodies[1].endswith("cần bổ sung: Ảnh bị mờ")


def test_action_labels_follow_the_language_of_the_page():
    with translation.override("en"):
        assert str(STANDARD.steps["receive"].label) == "Receive"
    with translation.override("vi"):
        assert str(STANDARD.steps["receive"].label) == "Tiếp nhận"


def test_every_step_appends_to_the_audit_chain(cast):
    d = file_online(cast, now=NOW)
    act(actor=cast.clerk_elsewhere, code=d.code, action="receive", now=NOW)
    act(actor=cast.leader, code=d.code, action="assign", assignee=cast.specialist)
    # Written in each step's transaction; linked into the chain by the worker's sealer.
    assert AuditPending.objects.filter(object_id=d.code).count() == 3
    audit.seal()
    assert not AuditPending.objects.exists()
    assert audit.verify().ok
    entries = list(AuditEntry.objects.filter(object_type="dossier", object_id=d.code))
    assert [e.action for e in entries] == ["dossier.submit", "dossier.receive", "dossier.assign"]
    assert entries[1].actor == f"user:{cast.clerk_elsewhere.pk}"
    assert entries[1].data["to_status"] == "received"
    assert entries[2].data["assignee"] == cast.specialist.pin


def test_a_refused_step_leaves_no_audit_entry(cast):
    d = file_online(cast, now=NOW)
    with pytest.raises(IllegalTransition):
        act(actor=cast.leader, code=d.code, action="approve")
    act(actor=cast.clerk_elsewhere, code=d.code, action="receive", now=NOW)
    before = AuditPending.objects.count()
    with pytest.raises(InvalidInput):
        act(actor=cast.specialist, code=d.code, action="request_supplement", note="")
    with pytest.raises(Conflict):
        act(
            actor=cast.leader,
            code=d.code,
            action="assign",
            assignee=cast.specialist,
            expected_version=1,
        )
    assert AuditPending.objects.count() == before


def test_the_database_refuses_to_rewrite_history(cast):
    d = _business_dossier(cast)
    with pytest.raises(DatabaseError), transaction.atomic():
        DossierEvent.objects.filter(dossier=d).update(note="viết lại")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            DossierEvent.objects.filter(dossier=d).delete()
    assert not DossierEvent.objects.filter(note="viết lại").exists()
