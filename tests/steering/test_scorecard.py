"""The index of a scope and a period from the rollups: each indicator against a
hand-computed example of STANDARDS' formulas (rates to two decimals, "full at", N/A on
a zero denominator, groups rescaled), periods (a quarter adds its months), scopes (a
province holds its communes), the rankings, and who may see what through the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.core.errors import DomainError
from lienthong.directory import selectors as directory
from lienthong.steering import rollup, scorecard
from tests.directory.conftest import ensure_directory_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOME = "13786"  # Xã Liên Minh, Ninh Bình
NINH_BINH = "37"

#: A commune's month, with the figures each indicator takes.
MONTH = {
    "dossiers": 200,
    "late": 30,
    "finished": 150,
    "handling_seconds": 150 * 2 * 86400,  # 2 days each
    "filed_online": 120,
    "online": 110,
    "fee_dossiers": 50,
    "paid_online": 20,
    "with_result": 140,
    "electronic_result": 126,
    "digital_and_result": 100,
    "reused": 40,
    "from_store": 10,
    "eid": 160,
    "complained": 12,
}


@pytest.fixture(scope="module", autouse=True)
def reference_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_directory_data()


def _committee(unit: str):
    return directory.agencies_of_unit(unit).get(kind="people_committee")


def _cell(agency, month: dt.date, procedure: str = "1.001193", category: str = "", **counts):
    """Counts added to an agency's cell (and its province's and the nation's) as the
    rollups add a dossier's."""
    rollup.add_to_cells({(month, agency.pk, procedure, category): counts})


def _reports(agency, month: dt.date) -> None:
    _cell(agency, month, "", "procedure", reports=6, reports_on_time=5, reports_unhappy=2)
    _cell(agency, month, "", "conduct", reports=4, reports_on_time=3, reports_unhappy=1)


def test_each_indicator_as_the_formulas_compute_it_by_hand():
    committee = _committee(HOME)
    _cell(committee, dt.date(2026, 9, 1), **MONTH)
    _reports(committee, dt.date(2026, 9, 1))
    card = scorecard.card(
        scorecard.parse_scope(f"commune:{HOME}"), scorecard.parse_period("2026-09")
    )

    def f(code):
        fig = card.figure(code)
        return fig.score.rate, fig.score.points

    assert f("2.1") == (Decimal("85.00"), Decimal("17.00"))  # (200 − 30) ÷ 200; 20 points
    assert card.figure("2.2").value == Decimal("2.00")  # days, shown, not scored
    assert f("2.2") == (None, None)
    assert f("3.3") == (Decimal("55.00"), Decimal("6"))  # full from 50 %
    assert f("3.6") == (Decimal("40.00"), Decimal("1.60"))  # 20 ÷ 50 × 4
    assert f("4.1") == (Decimal("90.00"), Decimal("3.60"))  # 126 ÷ 140 × 4
    assert f("4.2") == (Decimal("50.00"), Decimal("3.13"))  # 50 × 5 ÷ 80 = 3.125, half up
    assert f("4.3") == (Decimal("20.00"), Decimal("1.25"))
    assert f("4.4") == (Decimal("5.00"), Decimal("0.20"))
    assert f("4.5") == (Decimal("80.00"), Decimal("3.20"))
    assert f("5.2") == (Decimal("80.00"), Decimal("4.80"))  # 8 of 10 reports on time
    assert f("5.3") == (Decimal("70.00"), Decimal("4.20"))  # (10 − 3) ÷ 10
    assert f("5.4") == (
        Decimal("79.00"),
        Decimal("5.27"),
    )  # 100 − (15 % + 6 %), full at 90: 79 × 6 ÷ 90
    # 1.1, 1.2 and 1.4 need what the platform does not record: N/A, with the reason.
    for code in ("1.1", "1.2", "1.4"):
        assert f(code) == (None, None)
        assert card.figure(code).note
    groups = {g.group.code: g.total for g in card.groups}
    assert groups["2"] == Decimal("17.00")
    assert groups["4"] == Decimal("11.38")  # 3.60 + 3.13 + 1.25 + 0.20 + 3.20, all of 22
    assert groups["5"] == Decimal("14.27")  # 4.80 + 4.20 + 5.27, all of 18
    assert {c: n for c, n, _r in card.distribution}["Thái độ, hành vi phục vụ của cán bộ"] == 4
    assert card.figure("2.1").inputs[1][1] == 30  # each figure names its inputs


def test_an_empty_period_is_not_applicable_not_zero():
    card = scorecard.card(
        scorecard.parse_scope(f"commune:{HOME}"), scorecard.parse_period("2020-01")
    )
    assert card.figure("2.1").score.rate is None
    assert card.figure("5.4").score.points is None
    assert next(g for g in card.groups if g.group.code == "2").total is None


def test_a_quarter_adds_its_months_and_a_province_holds_its_communes():
    home = _committee(HOME)
    other = _committee("13753")
    _cell(home, dt.date(2026, 7, 1), dossiers=10, late=5)
    _cell(home, dt.date(2026, 9, 1), dossiers=30, late=0)
    _cell(home, dt.date(2026, 10, 1), dossiers=100, late=100)  # next quarter
    _cell(other, dt.date(2026, 8, 1), dossiers=60, late=15)
    q3 = scorecard.parse_period("2026-Q3")
    assert (q3.start, q3.end) == (dt.date(2026, 7, 1), dt.date(2026, 10, 1))
    home_q3 = scorecard.card(scorecard.parse_scope(f"commune:{HOME}"), q3)
    assert home_q3.figure("2.1").score.rate == Decimal("87.50")  # 35 ÷ 40
    province = scorecard.card(scorecard.parse_scope(f"province:{NINH_BINH}"), q3)
    assert province.figure("2.1").score.rate == Decimal("80.00")  # (40 + 60 − 5 − 15) ÷ 100
    year = scorecard.card(
        scorecard.parse_scope(f"province:{NINH_BINH}"), scorecard.parse_period("2026")
    )
    assert year.sums["dossiers"] == 200
    assert q3.previous().text == "2026-Q2"
    assert scorecard.parse_period("2026-01").previous().text == "2025-12"


def test_the_provinces_ranked_with_their_change_and_those_without_data_last():
    home = _committee(HOME)
    _cell(home, dt.date(2026, 9, 1), dossiers=100, late=10)
    _cell(home, dt.date(2026, 8, 1), dossiers=100, late=40)
    rows = scorecard.ranking(scorecard.NATION, scorecard.parse_period("2026-09"))
    assert len(rows) == 34
    first = rows[0]
    assert first.scope.code == NINH_BINH
    assert first.rank == 1
    assert first.card.figure("2.1").score.rate == Decimal("90.00")
    assert first.change is not None
    assert first.change > 0
    assert all(r.rank is None or r.card.total is not None for r in rows)
    communes = scorecard.ranking(
        scorecard.parse_scope(f"province:{NINH_BINH}"), scorecard.parse_period("2026-09")
    )
    assert communes[0].scope.code == HOME
    assert {r.scope.kind for r in communes} == {"commune"}


def test_a_provinces_departments_are_ranked_by_their_own_dossiers():
    justice = directory.department_of(NINH_BINH, "tu_phap")
    health = directory.department_of(NINH_BINH, "y_te")
    _cell(justice, dt.date(2026, 9, 1), dossiers=50, late=0)
    _cell(health, dt.date(2026, 9, 1), dossiers=50, late=25)
    _cell(_committee(HOME), dt.date(2026, 9, 1), dossiers=80, late=80)  # not a department
    province = scorecard.parse_scope(f"province:{NINH_BINH}")
    rows = scorecard.agency_ranking(province, scorecard.parse_period("2026-09"))
    assert {r.scope.kind for r in rows} == {"agency"}
    assert _committee(HOME).code not in {r.scope.code for r in rows}
    by_code = {r.scope.code: r for r in rows}
    assert by_code[justice.code].card.sums["dossiers"] == 50
    assert by_code[health.code].card.figure("2.1").score.rate == Decimal("50.00")
    assert by_code[justice.code].rank < by_code[health.code].rank
    # Its own page adds up the same cells.
    own = scorecard.card(
        scorecard.parse_scope(f"agency:{justice.code}"), scorecard.parse_period("2026-09")
    )
    assert own.total == by_code[justice.code].card.total


@pytest.mark.parametrize("text", ["2026-13", "26-09", "2026-Q5", "quý 3", "1999"])
def test_a_period_that_is_not_one_is_refused_by_name(text):
    with pytest.raises(DomainError) as caught:
        scorecard.parse_period(text)
    assert caught.value.code == "bad-period"


def _viewer(agency) -> object:
    user = UserFactory(official=True)
    RoleAssignment.objects.create(user=user, agency=agency, role=Role.STEERING_VIEWER)
    return user


def test_a_province_viewer_sees_their_province_and_nothing_else(client):
    home = _committee(HOME)
    _cell(home, dt.date(2026, 9, 1), **MONTH)
    client.force_login(_viewer(home))
    got = client.get(f"/api/v1/steering/index?scope=province:{NINH_BINH}&period=2026-09")
    assert got.status_code == 200
    body = got.json()
    assert body["dossiers"] == 200
    rate = next(i for g in body["groups"] for i in g["indicators"] if i["code"] == "2.1")
    assert rate["rate"] == "85.00"
    assert rate["formula"]
    commune = client.get(f"/api/v1/steering/index?scope=commune:{HOME}&period=2026-Q3")
    assert commune.status_code == 200
    assert client.get("/api/v1/steering/index?scope=province:01").status_code == 403
    assert client.get("/api/v1/steering/index?scope=nation").status_code == 403
    assert client.get("/api/v1/steering/ranking?scope=nation").status_code == 403
    ranked = client.get(f"/api/v1/steering/ranking?scope=province:{NINH_BINH}&period=2026-09")
    assert ranked.json()["rows"][0]["scope"] == f"commune:{HOME}"
    departments = client.get(
        f"/api/v1/steering/ranking?scope=province:{NINH_BINH}&period=2026-09&of=agencies"
    )
    assert departments.status_code == 200
    assert {r["scope"].split(":")[0] for r in departments.json()["rows"]} == {"agency"}
    assert (
        client.get(f"/api/v1/steering/ranking?scope=province:{NINH_BINH}&of=x").status_code == 422
    )
    bad = client.get("/api/v1/steering/index?scope=province:37&period=2026-13")
    assert bad.status_code == 400
    assert bad.json()["code"] == "bad-period"
    unknown = client.get("/api/v1/steering/index?scope=planet:3")
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "bad-scope"


def test_a_national_viewer_ranks_the_34_provinces_and_others_see_nothing(client):
    central = directory.search_agencies().get(code="000.00.00.G22")
    client.force_login(_viewer(central))
    ranked = client.get("/api/v1/steering/ranking?scope=nation&period=2026-09")
    assert ranked.status_code == 200
    assert len(ranked.json()["rows"]) == 34
    client.force_login(UserFactory(official=True))
    assert client.get("/api/v1/steering/index?scope=nation").status_code == 403


MINISTRY_OF_PUBLIC_SECURITY = "000.00.00.G01"
MINISTRY_OF_JUSTICE = "000.00.00.G15"


def test_a_ministry_answers_for_the_offices_under_it_across_the_country():
    """Bộ Công an's index adds up the dossiers of its provincial and commune police
    (their ``parent`` in the directory), not a People's Committee's."""
    police = directory.agencies_of_unit(HOME).get(kind="police")
    provincial = police.parent
    month = dt.date(2026, 9, 1)
    _cell(police, month, "1.001612", dossiers=40, late=10)
    _cell(provincial, month, "1.001612", dossiers=10, late=0)
    _cell(_committee(HOME), month, dossiers=80, late=80)
    period = scorecard.parse_period("2026-09")
    mps = scorecard.parse_scope(f"agency:{MINISTRY_OF_PUBLIC_SECURITY}")
    assert {police.pk, provincial.pk} <= set(mps.agency_ids)
    own = scorecard.card(mps, period)
    assert (own.sums["dossiers"], own.sums["late"]) == (50, 10)
    assert own.figure("2.1").score.rate == Decimal("80.00")  # on time: 40 of 50
    rows = {r.scope.code: r for r in scorecard.agency_ranking(scorecard.NATION, period)}
    assert rows[MINISTRY_OF_PUBLIC_SECURITY].card.sums["dossiers"] == 50
    assert rows[MINISTRY_OF_PUBLIC_SECURITY].card.total == own.total
    assert rows[MINISTRY_OF_JUSTICE].card.sums["dossiers"] == 0  # the committee's are not its
    assert "000.00.00.G96" in rows  # Bảo hiểm xã hội Việt Nam is ranked too
    # The drill-down lists the same dossiers' facts: the ministry's scope holds its offices.
    assert mps.facts() == scorecard.Q(agency_id__in=mps.agency_ids)


def test_an_agency_provides_the_procedures_of_its_fields_or_of_its_kind():
    from lienthong.catalog.loaders import load_procedures
    from lienthong.catalog.selectors import index_entries

    load_procedures()
    every = index_entries()
    justice = scorecard.parse_scope(f"agency:{MINISTRY_OF_JUSTICE}")
    mine = scorecard._entries(justice)
    assert {e.ministry for e in mine} == {MINISTRY_OF_JUSTICE}
    assert len(mine) == sum(e.ministry == MINISTRY_OF_JUSTICE for e in every) < len(every)
    finance_department = directory.department_of(NINH_BINH, "tai_chinh")
    dept = scorecard._entries(scorecard.parse_scope(f"agency:{finance_department.code}"))
    assert {e.department for e in dept} == {"tai_chinh"}
    committee = scorecard._entries(scorecard.parse_scope(f"agency:{_committee(HOME).code}"))
    assert {e.agency_kind for e in committee} == {"people_committee"}
    assert all("commune" in e.levels for e in committee)
    # 3.1 of the ministry counts its procedures only.
    card = scorecard.card(justice, scorecard.parse_period("2026-09"))
    assert card.figure("3.1").inputs[-1][1] == len(mine)


def test_every_seeded_field_has_the_ministry_that_manages_it_in_the_directory():
    from lienthong.catalog.loaders import seed_records
    from lienthong.catalog.selectors import ministry_of_field

    ranked = {a.code for a in directory.ranked_agencies(None)}
    for record in seed_records():
        assert ministry_of_field(record["field"]) in ranked, record["field"]
