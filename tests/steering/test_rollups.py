"""The index's rollups: kept by the events of the workflow as the worker dispatches them,
equal to a rebuild from the dossiers and reports (generated history with transfers,
supplements, late and refused dossiers); a transferred dossier counts for the agency
that handles it now; taking an event again changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from lienthong.core.outbox import dispatch
from lienthong.directory.selectors import agency_places
from lienthong.dossiers.generator import generate
from lienthong.dossiers.services import act, transfer
from lienthong.steering import rollup
from lienthong.steering.models import Cell, DossierFact, NationCell, ProvinceCell
from tests.directory.conftest import ensure_directory_data
from tests.dossiers.conftest import at, file_online, form, main_path

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def reference_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_directory_data()


NOW = at(2026, 3, 2, 9, 0)


def _drain() -> None:
    while dispatch():
        pass


def _cell_of(dossier) -> Cell:
    fact = DossierFact.objects.get(pk=dossier.pk)
    return Cell.objects.get(
        month=fact.month, agency_id=fact.agency_id, procedure_code=fact.procedure_code, category=""
    )


def test_events_keep_the_cells_a_rebuild_makes(cast):
    generate(60, seed=7)
    rollup.rebuild()
    assert rollup.stored_cells() == rollup.computed_cells()
    # On time, all the way.
    on_time = file_online(cast, now=NOW)
    for actor, action, kw in main_path(cast):
        act(actor=actor, code=on_time.code, action=action, now=NOW + dt.timedelta(hours=2), **kw)
    # Asked to supplement twice: late whatever its dates.
    twice = file_online(cast, now=NOW)
    twice = act(actor=cast.clerk_elsewhere, code=twice.code, action="receive", now=NOW)
    twice = act(actor=cast.leader, code=twice.code, action="assign", assignee=cast.specialist)
    twice = act(actor=cast.specialist, code=twice.code, action="start_review")
    for _ in range(2):
        act(actor=cast.specialist, code=twice.code, action="request_supplement", note="Thiếu")
        act(actor=cast.citizen, code=twice.code, action="supplement", uploads=form())
        act(actor=cast.specialist, code=twice.code, action="start_review")
    # Finished a month after its due date.
    late = file_online(cast, now=NOW)
    late = act(actor=cast.clerk_elsewhere, code=late.code, action="receive", now=NOW)
    for actor, action, kw in (
        (cast.leader, "assign", {"assignee": cast.specialist}),
        (cast.specialist, "start_review", {}),
        (cast.specialist, "submit_for_signature", {}),
        (cast.leader, "approve", {}),
        (cast.leader, "issue_result", {}),
    ):
        late = act(
            actor=actor, code=late.code, action=action, now=NOW + dt.timedelta(days=30), **kw
        )
    _drain()
    assert rollup.stored_cells() == rollup.computed_cells()
    assert DossierFact.objects.get(pk=late.pk).late == 1
    assert DossierFact.objects.get(pk=twice.pk).late == 1
    assert DossierFact.objects.get(pk=on_time.pk).late == 0
    assert DossierFact.objects.get(pk=on_time.pk).finished == 1
    # An event taken again (or after a rebuild) changes nothing.
    before = rollup.stored_cells()
    rollup.refresh_dossiers([late.code, on_time.code])
    assert rollup.stored_cells() == before
    rollup.rebuild()
    assert rollup.stored_cells() == before


def test_a_transferred_dossier_counts_for_the_agency_handling_it_now(cast):
    d = file_online(cast, now=NOW)
    d = act(actor=cast.clerk_elsewhere, code=d.code, action="receive", now=NOW)
    _drain()
    first = _cell_of(d)
    assert first.agency_id == cast.home_committee.pk
    assert first.dossiers == 1
    elsewhere = cast.elsewhere_centre.parent or cast.elsewhere_centre
    other = (
        type(cast.home_committee)
        .objects.filter(unit=elsewhere.unit, kind="people_committee")
        .first()
        or elsewhere
    )
    transfer(actor=cast.specialist, code=d.code, to_agency_code=other.code, note="Chuyển")
    _drain()
    first.refresh_from_db()
    assert first.dossiers == 0
    now = _cell_of(d)
    assert now.agency_id == other.pk
    assert now.dossiers == 1
    assert rollup.stored_cells() == rollup.computed_cells()


def test_a_dossier_not_received_counts_nowhere_until_it_is(cast):
    d = file_online(cast, now=NOW)
    _drain()
    assert not DossierFact.objects.filter(pk=d.pk).exists()
    act(actor=cast.clerk_elsewhere, code=d.code, action="receive", now=NOW)
    _drain()
    assert DossierFact.objects.get(pk=d.pk).month == dt.date(2026, 3, 1)


def test_a_report_about_a_dossier_counts_in_group_5_and_against_the_dossier(cast):
    from lienthong.feedback import services as feedback
    from lienthong.steering.models import ReportFact

    d = file_online(cast, now=NOW)
    d = act(actor=cast.clerk_elsewhere, code=d.code, action="receive", now=NOW)
    _drain()
    assert DossierFact.objects.get(pk=d.pk).complained == 0
    report = feedback.submit(
        actor=cast.citizen,
        category="procedure",
        title="Chậm trả giấy khai sinh",
        text="Hồ sơ khai sinh của con tôi đã quá hẹn mà chưa có kết quả, đề nghị xem xét.",
        dossier_code=d.code,
    )
    _drain()
    assert DossierFact.objects.get(pk=d.pk).complained == 1  # 5.4
    fact = ReportFact.objects.get(pk=report.pk)
    assert fact.reports == 1
    assert fact.category == "procedure"
    assert rollup.stored_cells() == rollup.computed_cells()


def test_a_rebuild_takes_in_what_changed_while_it_read_the_dossiers(cast, monkeypatch):
    d = file_online(cast, now=NOW)
    d = act(actor=cast.clerk_elsewhere, code=d.code, action="receive", now=NOW)
    _drain()
    settle = rollup._settle
    changed = []

    def change_meanwhile(model, counters, rows):
        settle(model, counters, rows)  # the facts as the dossiers were read
        if not changed:  # then the dossier is finished, late (its events not yet taken)
            later = NOW + dt.timedelta(days=30)
            for actor, action, kw in main_path(cast)[1:]:
                act(actor=actor, code=d.code, action=action, now=later, **kw)
            changed.append(d.code)

    monkeypatch.setattr(rollup, "_settle", change_meanwhile)
    rollup.rebuild()
    assert changed
    fact = DossierFact.objects.get(pk=d.pk)
    assert (fact.finished, fact.late) == (1, 1)
    assert rollup.stored_cells() == rollup.computed_cells()


def test_a_rebuild_mends_cells_of_every_level_that_drifted(cast):
    generate(30, seed=11)
    rollup.rebuild()
    right = rollup.stored_cells()
    levels = {key[0] for key in right}
    assert levels == {"agency", "province", "nation"}
    Cell.objects.filter(pk=Cell.objects.order_by("pk").first().pk).update(dossiers=999)
    ProvinceCell.objects.order_by("pk").first().delete()
    NationCell.objects.update(late=0)
    DossierFact.objects.order_by("pk").first().delete()
    agency = Cell.objects.order_by("pk").first().agency_id
    stray = Cell.objects.create(month=dt.date(2020, 1, 1), agency_id=agency, dossiers=5)
    # As if the agency had moved, and been put under a ministry, since its cells were made.
    place = agency_places([agency])[agency]
    Cell.objects.filter(agency_id=agency).update(province_id=None, branch_id=agency)
    assert rollup.stored_cells() != right
    done = rollup.rebuild()
    assert rollup.stored_cells() == right == rollup.computed_cells()
    assert done.mended >= 5  # the four spoilt levels' cells and the stray one
    assert not Cell.objects.filter(pk=stray.pk).exists()  # added back to 0, then deleted
    assert set(
        Cell.objects.filter(agency_id=agency).values_list("province_id", "commune_id", "branch_id")
    ) == {place}


def test_the_rebuild_command_says_what_it_mended_and_how_long_events_waited(cast):
    from io import StringIO

    from django.core.management import call_command

    generate(10, seed=3)
    out = StringIO()
    call_command("steering", "rebuild", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "Đã tính lại: " in text
    assert "ô được sửa; sự kiện phải chờ " in text
    out = StringIO()
    call_command("steering", "verify", stdout=out)
    assert out.getvalue().startswith("Khớp: ")
