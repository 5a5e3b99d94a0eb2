"""The one-stop workflow: every transition, the illegal ones, history and events."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lienthong.core.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from lienthong.core.models import OutboxEvent
from lienthong.dossiers.constants import NPSP_STATUS, Status
from lienthong.dossiers.selectors import get_dossier_for, history_of, track
from lienthong.dossiers.services import Upload, act, rate, submit, transfer
from tests.dossiers import conftest
from tests.dossiers.conftest import ELSEWHERE, HOME, at, form, pdf

NOW = at(2026, 11, 23, 9, 0)  # a Monday morning


def file_online(cast, **kw):
    return conftest.file_online(cast, eid_authenticated=True, now=NOW, **kw)


def test_a_boundary_free_dossier_filed_elsewhere_goes_through_every_step(cast):
    d = file_online(cast)
    assert d.status == Status.SUBMITTED
    assert d.code.startswith(cast.elsewhere_centre.code + "-261123-")
    assert d.receiving_agency == cast.elsewhere_centre  # received where it was filed
    assert d.handling_agency == cast.home_committee  # decided by the competent commune
    # The birth certificate is not uploaded: it comes from data.
    assert {f.component_name: f.from_registry for f in d.files.all()} == {
        "Tờ khai đăng ký khai sinh": "",
        "Giấy chứng sinh": "health",
    }
    steps = [
        (cast.clerk_elsewhere, "receive", {}),
        (cast.leader, "assign", {"assignee": cast.specialist}),
        (cast.specialist, "start_review", {}),
        (cast.specialist, "request_supplement", {"note": "Thiếu chữ ký của người đi khai"}),
        (cast.citizen, "supplement", {"uploads": form()}),
        (cast.specialist, "start_review", {}),
        (cast.specialist, "submit_for_signature", {}),
        (cast.leader, "approve", {}),
        (cast.leader, "issue_result", {}),
        (cast.clerk_elsewhere, "return_result", {}),
    ]
    for actor, action, kw in steps:
        d = act(actor=actor, code=d.code, action=action, now=NOW, **kw)
    assert d.status == Status.RETURNED
    assert NPSP_STATUS[d.status] == 10
    assert d.supplement_count == 1
    assert d.assignee == cast.specialist
    assert d.electronic_result
    rating = rate(actor=cast.citizen, code=d.code, score=5, comment="Nhanh")
    assert rating.satisfied
    events = list(history_of(d))
    # The rating is a step of its own, recorded like the others.
    assert [e.action for e in events] == ["submit"] + [a for _u, a, _k in steps] + ["rate"]
    assert events[4].note == "Thiếu chữ ký của người đi khai"
    assert events[1].role == "clerk"
    assert events[2].role == "leader"
    topics = OutboxEvent.objects.filter(aggregate_id=d.code).values_list("topic", flat=True)
    assert "dossier.approve" in topics
    assert "dossier.rate" in topics


def test_a_counter_dossier_is_received_at_once(cast):
    d = submit(
        actor=cast.clerk_home,
        applicant=cast.citizen,
        procedure_code="2.000815",
        competent_unit_code=HOME,
        channel="counter",
        uploads=[],
        now=NOW,
    )
    assert d.status == Status.RECEIVED
    assert d.receiving_agency.kind == "service_centre"
    assert d.received_at == NOW
    assert d.due_at is not None
    assert d.applicant == cast.citizen
    assert d.submitted_by == cast.clerk_home


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("approve", Status.SUBMITTED),
        ("assign", Status.SUBMITTED),
        ("return_result", Status.SUBMITTED),
        ("supplement", Status.SUBMITTED),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(cast, action, status):
    d = file_online(cast)
    actor = cast.citizen if action == "supplement" else cast.leader
    if action == "return_result":
        actor = cast.clerk_elsewhere
    with pytest.raises((IllegalTransition, InvalidInput)) as caught:
        act(actor=actor, code=d.code, action=action, assignee=cast.specialist, uploads=form())
    if isinstance(caught.value, IllegalTransition):
        assert "Không thể" in str(caught.value.detail)
    d.refresh_from_db()
    assert d.status == status
    assert d.lock_version == 1


def test_a_withdrawal_needs_a_reason_and_closes_the_dossier(cast):
    d = file_online(cast)
    with pytest.raises(InvalidInput) as caught:
        act(actor=cast.citizen, code=d.code, action="withdraw")
    assert caught.value.invalid_params[0].code == "note_required"
    act(actor=cast.citizen, code=d.code, action="withdraw", note="Đã nộp nhầm thủ tục")
    assert history_of(d).last().note == "Đã nộp nhầm thủ tục"
    for actor, action in [(cast.clerk_elsewhere, "receive"), (cast.citizen, "withdraw")]:
        with pytest.raises(IllegalTransition):
            act(actor=actor, code=d.code, action=action, note="lần nữa")


def test_a_refusal_needs_a_reason(cast):
    d = file_online(cast)
    with pytest.raises(InvalidInput) as caught:
        act(actor=cast.clerk_elsewhere, code=d.code, action="refuse_intake", note="  ")
    assert caught.value.invalid_params[0].code == "note_required"
    d = act(actor=cast.clerk_elsewhere, code=d.code, action="refuse_intake", note="Sai thủ tục")
    assert d.status == Status.REFUSED_AT_INTAKE
    assert NPSP_STATUS[d.status] == 3


def test_officials_act_only_for_their_agency(cast):
    d = file_online(cast)
    with pytest.raises(NotFound):  # the home centre did not receive it, nor sees it
        act(actor=cast.clerk_home, code=d.code, action="receive")
    act(actor=cast.clerk_elsewhere, code=d.code, action="receive")
    with pytest.raises(NotFound):  # a specialist of another commune does not even see it
        act(actor=cast.other_specialist, code=d.code, action="request_supplement", note="x")
    with pytest.raises(PermissionDenied):  # a specialist cannot assign
        act(actor=cast.specialist, code=d.code, action="assign", assignee=cast.specialist)
    with pytest.raises(InvalidInput):  # only a specialist of the handling agency is assignable
        act(actor=cast.leader, code=d.code, action="assign", assignee=cast.other_specialist)


def test_a_commune_official_cannot_read_another_communes_dossier(cast):
    d = file_online(cast)
    assert get_dossier_for(cast.specialist, d.code) == d  # handling agency
    assert get_dossier_for(cast.clerk_elsewhere, d.code) == d  # receiving agency
    with pytest.raises(NotFound):
        get_dossier_for(cast.other_specialist, d.code)
    with pytest.raises(NotFound):
        act(actor=cast.other_specialist, code=d.code, action="withdraw", note="x")


def test_a_stale_version_gets_a_conflict(cast):
    d = file_online(cast)
    act(actor=cast.clerk_elsewhere, code=d.code, action="receive", expected_version=1)
    with pytest.raises(Conflict):
        act(
            actor=cast.clerk_elsewhere,
            code=d.code,
            action="refuse_intake",
            note="x",
            expected_version=1,
        )
    with pytest.raises(Conflict):
        act(
            actor=cast.leader,
            code=d.code,
            action="assign",
            assignee=cast.specialist,
            expected_version=1,
        )


def test_transfer_keeps_the_code_and_the_due_date(cast):
    d = submit(
        actor=cast.citizen,
        procedure_code="2.001610",
        competent_unit_code=HOME,
        uploads=form("Giấy đề nghị đăng ký doanh nghiệp"),
        now=NOW,
    )
    assert d.handling_agency.name.startswith("Sở Tài chính")
    d = act(actor=cast.clerk_home, code=d.code, action="receive", now=NOW)
    due = d.due_at
    d = transfer(
        actor=cast.province_specialist,
        code=d.code,
        to_agency_code=cast.home_committee.code,
        note="Thuộc thẩm quyền cấp xã",
    )
    assert d.handling_agency == cast.home_committee
    assert d.due_at == due
    assert d.status == Status.RECEIVED
    event = history_of(d).last()
    assert event.action == "transfer"
    assert event.data["to_agency"] == cast.home_committee.code


def test_a_procedure_that_is_not_boundary_free_is_filed_where_it_is_decided(cast):
    with pytest.raises(InvalidInput) as caught:
        submit(
            actor=cast.citizen,
            procedure_code="1.009999",
            competent_unit_code=HOME,
            receiving_unit_code=ELSEWHERE,
            uploads=form(),
        )
    assert caught.value.invalid_params[0].code == "not_boundary_free"


def test_submitting_twice_with_one_idempotency_key_returns_the_same_dossier(cast):
    first = file_online(cast, idempotency_key="abc-123")
    again = file_online(cast, idempotency_key="abc-123")
    assert again.pk == first.pk
    other = file_online(cast, idempotency_key="abc-124")
    assert other.pk != first.pk
    assert other.code != first.code


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (Upload("Tờ khai đăng ký khai sinh", pdf()), None),
        (
            Upload(
                "Tờ khai đăng ký khai sinh",
                SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/pdf"),
            ),
            "file_type",
        ),
        (
            Upload(
                "Tờ khai đăng ký khai sinh",
                SimpleUploadedFile("rong.pdf", b"", content_type="application/pdf"),
            ),
            "empty_file",
        ),
    ],
)
def test_files_are_checked_by_content_and_hashed(cast, upload, code):
    if code is None:
        d = submit(
            actor=cast.citizen,
            procedure_code="1.001193",
            competent_unit_code=HOME,
            uploads=[upload],
        )
        stored = d.files.get(from_registry="")
        assert len(stored.sha256) == 64
        assert stored.content_type == "application/pdf"
        return
    with pytest.raises(InvalidInput) as caught:
        submit(
            actor=cast.citizen,
            procedure_code="1.001193",
            competent_unit_code=HOME,
            uploads=[upload],
        )
    assert caught.value.invalid_params[0].code == code


def test_a_missing_required_component_is_named(cast):
    with pytest.raises(InvalidInput) as caught:
        submit(actor=cast.citizen, procedure_code="1.001193", competent_unit_code=HOME)
    assert [p.reason for p in caught.value.invalid_params] == ["Tờ khai đăng ký khai sinh"]


def test_public_tracking_needs_the_key_and_shows_no_personal_data(cast):
    d = file_online(cast)
    shown = track(d.code, d.tracking_key.lower())
    assert shown.status == Status.SUBMITTED
    assert shown.npsp_status == 1
    assert "Nguyễn" not in repr(shown)
    assert cast.citizen.pin not in repr(shown)
    with pytest.raises(NotFound):
        track(d.code, "000000")
