"""A result entered in the registries when it is issued: a newborn gets an
identification number and a civil-status entry in the step that issues the birth
certificate; without the owner's grant nothing is issued and the owner is alerted."""

from __future__ import annotations

import datetime as dt

import pytest

from lienthong.catalog.records import parse_procedure
from lienthong.catalog.services import publish_seed
from lienthong.dossiers.models import Dossier, DossierEvent
from lienthong.dossiers.writeback import WriteBackRefused, card_until
from lienthong.registries.models import AccessLog, Alert, Record, Registry
from lienthong.registries.seeds import load_registries
from tests.catalog.conftest import KHAI_SINH, variant
from tests.dossiers.conftest import ELSEWHERE, HOME, advance, form
from tests.dossiers.test_documents import BIRTH

pytestmark = pytest.mark.django_db

MOTHER = "037195001111"


@pytest.fixture
def birth(cast):
    raw = variant(KHAI_SINH, result_document={"layout": "giay_khai_sinh", "writes": ["birth"]})
    publish_seed(parse_procedure(raw), decision_number="Dữ liệu kiểm thử")
    load_registries()
    return cast


def _grant(agency, registry_code, services, fields):
    from tests.groups.people import grant

    grant(Registry.objects.get(code=registry_code), agency, services, fields)


def _file(cast):
    from lienthong.dossiers.services import submit

    return submit(
        actor=cast.citizen,
        procedure_code="1.001193",
        competent_unit_code=HOME,
        receiving_unit_code=ELSEWHERE,
        uploads=form(),
        form_data={**BIRTH, "me_so_dinh_danh": MOTHER},
    )


def test_issuing_a_birth_certificate_gives_the_child_a_number_and_a_civil_status_entry(birth):
    cast = birth
    _grant(
        cast.home_committee,
        "population",
        ["new-citizen"],
        [
            "full_name",
            "birth_date",
            "sex",
            "ethnicity",
            "nationality",
            "birth_place",
            "father_pin",
            "mother_pin",
            "status",
        ],
    )
    from lienthong.registries.datasets import CIVIL_STATUS

    _grant(
        cast.home_committee,
        "civil-status",
        ["civil-status-entry"],
        [f.name for f in CIVIL_STATUS.fields],
    )
    dossier = advance(cast, _file(cast), "issue_result")
    assert dossier.status == "result_issued"
    event = DossierEvent.objects.get(dossier=dossier, action="issue_result")
    pin = event.data["new_pin"]
    child = Record.objects.get(registry__code="population", key=pin)
    assert child.data["full_name"] == "Nguyễn Minh Khang"
    assert child.data["mother_pin"] == MOTHER
    assert child.data["birth_place"] == HOME
    entry = Record.objects.get(registry__code="civil-status", subject=pin)
    assert entry.data["number"] == dossier.result_number
    year = dt.date.today().year
    assert entry.key == f"KS.{dossier.handling_agency.code}.{year}.{dossier.result_number}"
    # The mother sees that her child's record was written, for this dossier.
    assert AccessLog.objects.filter(
        subject=MOTHER, outcome="written", dossier=dossier.code
    ).exists()


def test_without_a_write_grant_the_result_is_not_issued_and_the_owner_is_told(birth):
    cast = birth
    dossier = advance(cast, _file(cast), "approve")
    from lienthong.dossiers.services import act

    with pytest.raises(WriteBackRefused, match="chưa được cấp quyền cập nhật"):
        act(actor=cast.leader, code=dossier.code, action="issue_result")
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.status == "approved"
    assert dossier.result_number is None  # no number taken, no gap
    assert not Record.objects.filter(registry__code="population").exists()
    assert AccessLog.objects.filter(outcome="refused", service="new-citizen").exists()
    assert Alert.objects.filter(registry__code="population").exists()


@pytest.mark.parametrize(
    ("born", "until"),
    [
        (dt.date(2026, 3, 15), dt.date(2032, 3, 14)),
        (dt.date(2026, 9, 30), dt.date(2032, 9, 29)),
        (dt.date(2026, 10, 1), dt.date(2032, 9, 30)),
        (dt.date(2024, 2, 29), dt.date(2030, 2, 28)),
    ],
)
def test_a_childs_free_card_lasts_until_six(born, until):
    assert card_until(born) == until


def test_a_result_that_writes_needs_its_declaration_and_says_so(birth):
    from lienthong.core.errors import InvalidInput
    from lienthong.dossiers.services import act, submit

    cast = birth
    paper = submit(  # declared on paper only: nothing to enter in the registries
        actor=cast.citizen, procedure_code="1.001193", competent_unit_code=HOME, uploads=form()
    )
    act(actor=cast.clerk_home, code=paper.code, action="receive")
    for actor, action, kw in [
        (cast.leader, "assign", {"assignee": cast.specialist}),
        (cast.specialist, "start_review", {}),
        (cast.specialist, "submit_for_signature", {}),
        (cast.leader, "approve", {}),
    ]:
        act(actor=actor, code=paper.code, action=action, **kw)
    with pytest.raises(InvalidInput) as refused:
        act(actor=cast.leader, code=paper.code, action="issue_result")
    assert refused.value.code == "declaration-incomplete"
    assert Dossier.objects.get(pk=paper.pk).status == "approved"
