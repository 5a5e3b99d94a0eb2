"""Dispatchers adding to the same cells at once (PostgreSQL): no count lost, none counted
twice, no deadlock — new cells included, which two of them may make at the same moment."""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import defaultdict

import pytest
from django.db import connection, connections, transaction

from lienthong.directory.models import Agency
from lienthong.steering import rollup
from lienthong.steering.models import Cell, NationCell, ProvinceCell
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
