"""A procedure with a path of its own, configured only (issue 14).

The construction permit for a house (1.013225) ships with a configuration that adds an
appraisal by the provincial Department of Construction and a site visit with its own
deadline; no line of code knows of it. The configuration is checked and its faults
named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lienthong.accounts.constants import Role
from lienthong.catalog.records import parse_procedure
from lienthong.catalog.services import publish_seed
from lienthong.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from lienthong.core.workflow import ConfigError
from lienthong.directory import selectors as directory
from lienthong.dossiers import selectors, workflow
from lienthong.dossiers.services import Upload, submit
from lienthong.dossiers.table import STANDARD, VOCABULARY, check_configuration, npsp_status
from tests.dossiers.conftest import HOME, at, pdf
from tests.dossiers.people import _official

NOW = at(2026, 11, 23, 9, 0)  # a Monday morning
SEED = Path(__file__).parents[2] / "src/lienthong/catalog/data/procedures"
PERMIT = "1.013225"


def _permit_record() -> dict:
    for path in sorted(SEED.glob("*.json")):
        for raw in json.loads(path.read_text(encoding="utf-8")):
            if raw["code"] == PERMIT:
                return raw
    raise AssertionError("the construction permit is not in the seed")


@pytest.fixture
def permit(cast):
    publish_seed(parse_procedure(_permit_record()), decision_number="Dữ liệu kiểm thử")
    province = cast.home_committee.province.code
    construction = directory.department_of(province, "xay_dung")
    assert construction is not None
    assert construction.name.startswith("Sở Xây dựng")
    official = _official(Role.SPECIALIST, construction, "036088009999")
    official.department = construction
    return official


def _filed(cast):
    return submit(
        actor=cast.citizen,
        procedure_code=PERMIT,
        competent_unit_code=HOME,
        uploads=[
            Upload("Đơn đề nghị cấp giấy phép xây dựng", pdf("don.pdf")),
            Upload(
                "Bản vẽ thiết kế xây dựng (mặt bằng, mặt cắt, mặt đứng, móng, đấu nối hạ tầng)",
                pdf("ban-ve.pdf"),
            ),
        ],
        now=NOW,
    )


def test_the_shipped_configuration_is_valid():
    assert check_configuration(_permit_record()["workflow"]) == []


def test_the_permit_goes_through_appraisal_and_a_site_visit(cast, permit):
    d = _filed(cast)
    for actor, action, inputs in [
        (cast.clerk_home, "receive", {}),
        (cast.leader, "assign", {"assignee": cast.specialist}),
        (cast.specialist, "start_review", {}),
    ]:
        d = workflow.perform(actor, d.code, action, now=NOW, **inputs)
    # Neither the standard submission for signature nor the approval is open from
    # review: this path goes through appraisal.
    with pytest.raises(IllegalTransition):
        workflow.perform(cast.specialist, d.code, "submit_for_signature")
    with pytest.raises(IllegalTransition):
        workflow.perform(cast.leader, d.code, "approve")
    d = workflow.perform(cast.specialist, d.code, "request_appraisal", note="Đề nghị thẩm định")
    assert d.status == "appraisal_requested"
    assert d.get_status_display() == "Chờ ý kiến thẩm định của Sở Xây dựng"
    assert d.consulted_agency == permit.department
    assert npsp_status(d) == 4  # "đang xử lý" for the national portal
    # The department reads it and sees it in its queue while it is consulted; the
    # commune's specialist cannot give the department's opinion.
    assert selectors.may_read(permit, d)
    assert d in selectors.queue(permit, "xu-ly")
    with pytest.raises(PermissionDenied):
        workflow.perform(cast.specialist, d.code, "give_appraisal", note="Tự cho ý kiến")
    d = workflow.perform(permit, d.code, "give_appraisal", note="Đủ điều kiện cấp phép")
    assert d.status == "appraised"
    assert d.consulted_agency is None
    d = workflow.perform(cast.specialist, d.code, "start_site_visit", now=at(2026, 11, 24, 9, 0))
    # Its own deadline: three working days.
    assert d.step_due_at is not None
    assert d.step_due_at.date().isoformat() == "2026-11-27"
    with pytest.raises(InvalidInput) as missing:
        workflow.perform(cast.specialist, d.code, "record_site_visit")
    assert missing.value.invalid_params[0].code == "note_required"
    d = workflow.perform(
        cast.specialist, d.code, "record_site_visit", note="Hiện trạng đúng bản vẽ"
    )
    assert d.step_due_at is None
    assert d not in selectors.queue(cast.leader, "phe-duyet")
    d = workflow.perform(cast.specialist, d.code, "submit_for_signature")
    assert d.status == "awaiting_signature"
    assert d in selectors.queue(cast.leader, "phe-duyet")
    d = workflow.perform(cast.leader, d.code, "approve")
    assert d.status == "approved"
    history = selectors.history_rows(d)
    steps = [(e.action, label) for e, label, _state in history]
    assert ("request_appraisal", "Gửi Sở Xây dựng thẩm định") in steps
    assert ("submit_for_signature", "Trình lãnh đạo ký giấy phép") in steps
    assert ("approve", "Phê duyệt cấp giấy phép") in steps
    appraisal = next(e for e, _l, _s in history if e.action == "give_appraisal")
    assert appraisal.agency == permit.department
    assert appraisal.role == Role.SPECIALIST
    assert appraisal.note == "Đủ điều kiện cấp phép"


def test_the_applicant_may_withdraw_from_a_configured_state(cast, permit):
    d = _filed(cast)
    for actor, action, inputs in [
        (cast.clerk_home, "receive", {}),
        (cast.leader, "assign", {"assignee": cast.specialist}),
        (cast.specialist, "start_review", {}),
        (cast.specialist, "request_appraisal", {"note": "Đề nghị thẩm định"}),
    ]:
        d = workflow.perform(actor, d.code, action, now=NOW, **inputs)
    d = workflow.perform(cast.citizen, d.code, "withdraw", note="Đổi thiết kế")
    assert d.status == "withdrawn"


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"states": {"Xấu": "Trạng thái"}}, "states.Xấu"),
        (
            {
                "steps": [
                    {
                        "action": "x",
                        "label": "X",
                        "from": ["nowhere"],
                        "to": "received",
                        "permission": "dossier.process",
                    }
                ]
            },
            "steps[0].from: unknown «nowhere»",
        ),
        (
            {
                "steps": [
                    {
                        "action": "x",
                        "label": "X",
                        "from": ["received"],
                        "to": "received",
                        "permission": "dossier.fly",
                    }
                ]
            },
            "steps[0].permission: unknown",
        ),
        (
            {
                "steps": [
                    {
                        "action": "x",
                        "label": "X",
                        "from": ["received"],
                        "to": "received",
                        "permission": "dossier.process",
                        "effects": ["teleport"],
                    }
                ]
            },
            "steps[0].effects: unknown «teleport»",
        ),
        ({"states": {"limbo": "Treo"}}, "states.limbo: no step enters it"),
        ({"also_from": {"fly": ["received"]}}, "also_from.fly"),
        ({"colour": "red"}, "colour: not a known key"),
    ],
)
def test_a_bad_configuration_is_refused_with_its_faults_named(config, problem):
    with pytest.raises(ConfigError) as caught:
        STANDARD.extended(config, VOCABULARY)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_docs_workflow_md_shows_the_current_standard_table():
    from io import StringIO

    from django.core.management import call_command

    from lienthong.dossiers.table import table_markdown

    doc = (Path(__file__).resolve().parents[2] / "docs" / "workflow.md").read_text()
    embedded = doc.split("<!-- table:start -->\n", 1)[1].split("<!-- table:end -->", 1)[0]
    assert embedded == table_markdown(STANDARD), "run `lienthong workflow show`, update the doc"
    out = StringIO()
    call_command("workflow", "show", stdout=out)
    assert out.getvalue() == embedded


@pytest.mark.django_db
def test_the_check_command_names_a_broken_configuration(capsys):
    from django.core.management import CommandError, call_command

    raw = _permit_record()
    publish_seed(parse_procedure(raw), decision_number="Dữ liệu kiểm thử")
    call_command("workflow", "check")
    assert "của 1 thủ tục dùng được" in capsys.readouterr().out
    states = {**raw["workflow"]["states"], "limbo": "Treo"}
    broken = {**raw, "workflow": {**raw["workflow"], "states": states}}
    publish_seed(parse_procedure(broken), decision_number="Dữ liệu kiểm thử 2")
    with pytest.raises(CommandError):
        call_command("workflow", "check")
    assert "states.limbo: no step enters it" in capsys.readouterr().err


def test_configured_names_follow_the_language_of_the_page():
    from django.utils import translation

    table = STANDARD.extended(_permit_record()["workflow"], VOCABULARY)
    step = table.step("request_appraisal")
    with translation.override("en"):
        assert str(step.label) == "Send to the Department of Construction for appraisal"
        assert str(table.label("appraised")) == "Appraisal given"
        assert str(table.label("received")) == "Received"  # the standard ones translate
    with translation.override("vi"):
        assert str(step.label) == "Gửi Sở Xây dựng thẩm định"
        assert str(table.label("appraised")) == "Đã có ý kiến thẩm định"
