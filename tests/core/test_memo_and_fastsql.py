"""Per-process memos of read-mostly lookups, and inserts without the ORM's compilation."""

from __future__ import annotations

import time

import pytest

from lienthong.core import fastsql, memo
from lienthong.core.models import OutboxEvent


def test_a_memo_remembers_results_not_failures_and_forgets_on_time():
    calls: list[str] = []

    @memo.memoize(key=lambda code: code, ttl=0.2)
    def lookup(code: str) -> str:
        calls.append(code)
        if code == "missing":
            raise LookupError(code)
        return code.upper()

    assert lookup("h42") == "H42"
    assert lookup("h42") == "H42"
    assert calls == ["h42"]
    for _ in range(2):
        with pytest.raises(LookupError):
            lookup("missing")
    assert calls == ["h42", "missing", "missing"]
    time.sleep(0.25)
    assert lookup("h42") == "H42"
    assert calls == ["h42", "missing", "missing", "h42"]
    memo.clear()
    lookup("h42")
    assert calls == ["h42", "missing", "missing", "h42", "h42"]


@pytest.mark.django_db
def test_a_unit_renamed_here_is_seen_at_once_by_the_remembered_lookup():
    from lienthong.geo import selectors as geo
    from tests.geo.conftest import ensure_geo_data

    ensure_geo_data()
    unit = geo.current_unit("13786", level="commune")
    assert geo.current_unit("13786", level="commune") is unit  # remembered
    unit.name = "Xã Liên Minh (đổi tên)"
    unit.save()
    again = geo.current_unit("13786", level="commune")
    assert again is not unit
    assert again.name == "Xã Liên Minh (đổi tên)"


@pytest.mark.django_db
def test_fastsql_writes_the_row_the_orm_would_write():
    payload = {"code": "H40.51-261202-0001", "số": 1, "nested": {"a": [1, 2]}}
    by_orm = OutboxEvent.objects.create(
        topic="dossier.submit", aggregate_type="dossier", aggregate_id="X", payload=payload
    )
    fast = OutboxEvent(
        topic="dossier.submit", aggregate_type="dossier", aggregate_id="X", payload=payload
    )
    fastsql.insert([fast], returning_pk=True)
    assert fast.pk is not None
    assert fast.pk != by_orm.pk
    assert not fast._state.adding
    fields = ("topic", "aggregate_type", "aggregate_id", "payload")
    rows = OutboxEvent.objects.filter(pk__in=[by_orm.pk, fast.pk]).order_by("pk")
    first, second = (tuple(getattr(r, f) for f in fields) for r in rows)
    assert first == second
    stored = OutboxEvent.objects.get(pk=fast.pk)
    assert stored.uuid == fast.uuid  # the default is taken once, as save() does
    assert stored.uuid != by_orm.uuid
    assert stored.created_at is not None  # auto_now_add applied


@pytest.mark.django_db
def test_fastsql_add_inserts_new_rows_and_adds_to_the_rows_there():
    import datetime as dt

    from lienthong.steering.models import NationCell

    month = dt.date(2026, 3, 1)
    NationCell.objects.create(month=month, procedure_code="A", category="", dossiers=5, late=1)
    fastsql.add(
        [
            NationCell(month=month, procedure_code="A", category="", dossiers=2, late=-1),
            NationCell(month=month, procedure_code="B", category="", dossiers=3),
        ],
        unique=("month", "procedure_code", "category"),
        summed=("dossiers", "late"),
    )
    got = {c.procedure_code: (c.dossiers, c.late) for c in NationCell.objects.all()}
    assert got == {"A": (7, 0), "B": (3, 0)}
