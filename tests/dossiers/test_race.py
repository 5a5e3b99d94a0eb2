"""Two officials act on one dossier at the same moment: exactly one wins (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from lienthong.core.errors import Conflict
from lienthong.dossiers.models import DossierEvent
from lienthong.dossiers.services import act, submit
from tests.dossiers.conftest import ELSEWHERE, HOME, file_online, form

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", autouse=True)
def reference_data():
    """Transactional tests flush the database: load geography and agencies per test."""


def test_two_clerks_receiving_at_once_one_wins(cast_committed):
    if connection.vendor != "postgresql":
        pytest.skip("the race shows only where rows are locked concurrently (PostgreSQL)")
    cast = cast_committed
    d = submit(
        actor=cast.citizen,
        procedure_code="1.001193",
        competent_unit_code=HOME,
        receiving_unit_code=ELSEWHERE,
        uploads=form(),
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(action: str, note: str) -> None:
        try:
            barrier.wait(timeout=10)
            act(
                actor=cast.clerk_elsewhere,
                code=d.code,
                action=action,
                note=note,
                expected_version=1,
            )
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=("receive", "")),
        threading.Thread(target=worker, args=("refuse_intake", "Trùng hồ sơ")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "ok"]
    d.refresh_from_db()
    assert d.lock_version == 2
    assert DossierEvent.objects.filter(dossier=d).exclude(action="submit").count() == 1


def test_submissions_to_one_centre_at_once_get_distinct_consecutive_numbers(cast_committed):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    cast = cast_committed
    n = 8
    barrier = threading.Barrier(n)
    codes: list[str] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            codes.append(file_online(cast).code)
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert failures == []
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, n + 1))
