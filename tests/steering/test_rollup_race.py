"""Dispatchers adding to the same cells at once (PostgreSQL): no count lost, none counted
twice, no deadlock — new cells included, which two of them may make at the same moment."""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import defaultdict

import pytest
from django.db import connection, connections, transaction
from django.db.models import F

from lienthong.core import fastsql
from lienthong.directory.models import Agency
from lienthong.dossiers.generator import generate
from lienthong.steering import rollup
from lienthong.steering.models import Cell, DossierFact, NationCell, ProvinceCell, ReportFact
from tests.directory.conftest import ensure_directory_data

MONTH = dt.date(2026, 3, 1)


def _keys() -> list[rollup.Key]:
    placed = Agency.objects.filter(province__isnull=False).order_by("code")
    first = placed.first()
    assert first is not None
    chosen = [
        *placed.filter(province=first.province_id).values_list("pk", flat=True)[:3],
        placed.exclude(province=first.province_id).values_list("pk", flat=True)[0],
    ]  # three of one province, one of another
    return [(MONTH, a, p, "") for a in chosen for p in ("1.001193", "2.000001")]


def test_many_dispatchers_adding_to_the_same_new_cells_lose_nothing(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    ensure_directory_data()
    keys = _keys()
    threads, rounds = 4, 15
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311  (reproducible orders)
        try:
            barrier.wait(timeout=10)
            for _ in range(rounds):
                chosen = rng.sample(keys, k=5)  # in any order: add_to_cells orders them
                with transaction.atomic():
                    rollup.add_to_cells({k: {"dossiers": 1, "late": 2} for k in chosen})
                    expected[seed].extend(chosen)
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    expected: dict[int, list[rollup.Key]] = defaultdict(list)
    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    assert not failures
    added: dict[rollup.Key, int] = defaultdict(int)
    for chosen in expected.values():
        for key in chosen:
            added[key] += 1
    assert sum(added.values()) == threads * rounds * 5
    for (month, agency, procedure, category), n in added.items():
        cell = Cell.objects.get(
            month=month, agency_id=agency, procedure_code=procedure, category=category
        )
        assert (cell.dossiers, cell.late) == (n, 2 * n)
    for procedure in ("1.001193", "2.000001"):
        n = sum(v for k, v in added.items() if k[2] == procedure)
        nation = NationCell.objects.get(month=MONTH, procedure_code=procedure, category="")
        assert (nation.dossiers, nation.late) == (n, 2 * n)
        provinces = ProvinceCell.objects.filter(month=MONTH, procedure_code=procedure)
        assert sum(p.dossiers for p in provinces) == n
        assert provinces.count() == 2


def _still_different() -> dict[str, int]:
    return {
        level: len(
            fastsql.differences(
                model,
                columns,
                rollup.CELL_COUNTERS,
                [
                    (DossierFact, {**rollup._FROM_FACTS[level], "category": "''"}),
                    (ReportFact, dict(rollup._FROM_FACTS[level])),
                ],
            )
        )
        for level, (model, columns) in rollup.LEVELS.items()
    }


def test_cells_mended_while_events_change_them_end_as_their_facts_sums(cast_committed):
    """A rebuild mends the cells by additions while the consumer keeps changing facts
    and cells together: neither's change is lost, whichever commits first."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    generate(40, seed=5)
    rollup.rebuild()
    NationCell.objects.update(late=F("late") + 7)  # spoilt: the rebuild has work to do
    Cell.objects.update(dossiers=F("dossiers") * 2)
    facts = list(DossierFact.objects.order_by("pk").values_list("pk", flat=True))
    failures: list[BaseException] = []
    barrier = threading.Barrier(2)

    def consumer() -> None:
        try:
            barrier.wait(timeout=10)
            for pk in facts * 3:
                with transaction.atomic():
                    fact = DossierFact.objects.select_for_update().get(pk=pk)
                    DossierFact.objects.filter(pk=pk).update(late=F("late") + 1)
                    key = (fact.month, fact.agency_id, fact.procedure_code, "")
                    rollup.add_to_cells({key: {"late": 1}})
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    def mender() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(3):
                rollup._mend_cells(7)  # small batches: many commits between the events'
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=consumer), threading.Thread(target=mender)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures
    assert _still_different() == {"agency": 0, "province": 0, "nation": 0}
