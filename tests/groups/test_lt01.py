"""LT-01 end to end: one application, three agencies in their own queues, the child in
the population registry with a number, a residence and an insurance card, three results
in the parent's store; a refusal in the middle leaves the earlier results valid."""

from __future__ import annotations

import pytest

from lienthong.core.errors import InvalidInput
from lienthong.core.outbox import dispatch
from lienthong.dossiers.models import Dossier, WalletDocument
from lienthong.dossiers.services import act
from lienthong.groups import services
from lienthong.groups.models import GroupApplication, GroupStep
from lienthong.registries.models import AccessLog, Record
from tests.dossiers.conftest import HOME
from tests.groups.people import FATHER, LT01, MOTHER

pytestmark = pytest.mark.django_db


def _drain():
    while dispatch():
        pass


def _handle(dossier, leader, specialist, *, refuse=""):
    for actor, action, kw in [
        (leader, "assign", {"assignee": specialist}),
        (specialist, "start_review", {}),
        (specialist, "submit_for_signature", {}),
        (leader, "refuse", {"note": refuse}) if refuse else (leader, "approve", {}),
        (leader, "issue_result", {}),
    ]:
        dossier = act(actor=actor, code=dossier.code, action=action, **kw)
    return dossier


def _step(app, order):
    return GroupStep.objects.select_related("dossier").get(application=app, order=order)


def _birth_done(family):
    app = services.apply(
        actor=family.father, group_code="LT-01", commune_code=HOME, form_data=dict(LT01)
    )
    first = _step(app, 1)
    assert first.status == "filed"
    assert (_step(app, 2).status, _step(app, 3).status) == ("waiting", "waiting")
    birth = act(actor=family.clerk, code=first.dossier.code, action="receive")
    _handle(birth, family.leader, family.specialist)
    _drain()
    return GroupApplication.objects.get(pk=app.pk)


def test_lt01_end_to_end(family):
    app = _birth_done(family)
    pin = app.results["new_pin"]
    child = Record.objects.get(registry__code="population", key=pin)
    assert child.data["full_name"] == "Nguyễn Minh Châu"
    assert child.data["mother_pin"] == MOTHER
    residence, card = _step(app, 2), _step(app, 3)
    assert (residence.status, card.status) == ("filed", "filed")
    # Each in its own agency's queue, received at once, with its own deadline.
    assert residence.dossier.handling_agency == family.police
    assert card.dossier.handling_agency == family.insurer
    assert residence.dossier.status == card.dossier.status == "received"
    assert residence.dossier.due_at is not None
    assert residence.dossier.form_data["so_dinh_danh"] == pin  # passed on, not asked for
    assert card.dossier.form_data["tre_so_dinh_danh"] == pin
    _handle(residence.dossier, family.police_leader, family.police_specialist)
    _handle(card.dossier, family.insurer_leader, family.insurer_specialist)
    _drain()
    app.refresh_from_db()
    assert app.status == "completed"
    child.refresh_from_db()
    assert child.data["permanent_unit"] == HOME
    assert child.group == "H0001"  # in the father's household
    insurance = Record.objects.get(registry__code="insurance", subject=pin)
    assert insurance.data["insured_kind"] == "child_under_6"
    assert insurance.data["card_status"] == "active"
    assert app.results["insurance_code"] == insurance.key
    # The parent receives every result in the e-document store.
    stored = WalletDocument.objects.filter(owner=family.father, kind="result")
    assert stored.count() == 3
    # The parent's tracker lists the writes of the child's and the parents' records.
    assert AccessLog.objects.filter(subject=FATHER, outcome="written").exists()


def test_a_refusal_in_the_middle_leaves_the_birth_valid_and_says_what_next(family):
    app = _birth_done(family)
    residence, card = _step(app, 2), _step(app, 3)
    _handle(
        residence.dossier,
        family.police_leader,
        family.police_specialist,
        refuse="Chủ hộ chưa đồng ý cho đăng ký thường trú",
    )
    _handle(card.dossier, family.insurer_leader, family.insurer_specialist)
    _drain()
    app.refresh_from_db()
    assert app.status == "partly_completed"
    residence.refresh_from_db()
    assert residence.status == "refused"
    assert "Chủ hộ chưa đồng ý" in residence.note
    # The birth and the card stand: nothing written is undone.
    child = Record.objects.get(registry__code="population", key=app.results["new_pin"])
    assert child.data.get("permanent_unit", "") == ""
    assert Record.objects.filter(registry__code="insurance", subject=child.key).exists()


def test_a_refused_birth_stops_the_rest(family):
    app = services.apply(
        actor=family.father, group_code="LT-01", commune_code=HOME, form_data=dict(LT01)
    )
    birth = act(actor=family.clerk, code=_step(app, 1).dossier.code, action="receive")
    _handle(birth, family.leader, family.specialist, refuse="Giấy chứng sinh không khớp")
    _drain()
    app.refresh_from_db()
    assert app.status == "refused"
    assert {s.status for s in app.steps.all()} == {"refused", "blocked"}
    assert Dossier.objects.count() == 1  # nothing was filed for the others
    assert not Record.objects.filter(
        registry__code="population", data__full_name="Nguyễn Minh Châu"
    ).exists()


def test_a_wrong_declaration_files_nothing(family):
    with pytest.raises(InvalidInput) as refused:
        services.apply(
            actor=family.father,
            group_code="LT-01",
            commune_code=HOME,
            form_data={**LT01, "ngay_sinh": "2099-01-01", "noi_kcb": ""},
        )
    names = {p.name for p in refused.value.invalid_params}
    assert {"form_data.ngay_sinh", "form_data.noi_kcb"} <= names
    assert not GroupApplication.objects.exists()
    assert not Dossier.objects.exists()
