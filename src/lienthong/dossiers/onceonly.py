"""Once-only, counted: the papers applicants did not have to give, per procedure,
province and month (``OnceOnlyTally``), from each filing's ``spared`` counts (registry
data in place of a paper, a result reused from the e-document store, the declaration
made on the electronic form). The steering dashboard reads the tallies, never the
dossiers."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lienthong.core.errors import NotFound
from lienthong.core.outbox import consumer
from lienthong.dossiers.models import DossierEvent, OnceOnlyTally
from lienthong.geo import selectors as geo

if TYPE_CHECKING:
    from lienthong.core.models import OutboxEvent

__all__ = ["count", "rebuild"]

_KINDS = {"registry": "from_registry", "store": "from_store", "form": "on_form"}


def _month(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date().replace(day=1)


def _cell(payload_spared: Any) -> dict[str, int]:
    spared = payload_spared if isinstance(payload_spared, dict) else {}
    return {column: int(spared.get(kind) or 0) for kind, column in _KINDS.items()}


@consumer("dossiers.once-only", topics=["dossier.submit"])
def count(event: OutboxEvent) -> None:
    """Add one filing to its cell (in the delivery's transaction: counted once)."""
    payload = event.payload or {}
    at = payload.get("at")
    try:
        province = geo.current_unit(str(payload.get("province", "")), level="province")
    except NotFound:  # a province merged away since: counted by the rebuild
        return
    if not at:
        return
    month = _month(dt.datetime.fromisoformat(at))
    add = _cell((payload.get("data") or {}).get("spared"))
    tally, _new = OnceOnlyTally.objects.get_or_create(
        procedure_code=str(payload.get("procedure", ""))[:30], province=province, month=month
    )
    OnceOnlyTally.objects.filter(pk=tally.pk).update(
        dossiers=F("dossiers") + 1, **{c: F(c) + n for c, n in add.items() if n}
    )


def rebuild() -> int:
    """Recompute every tally from the dossiers' filing steps (after a restore, or to
    check the running counts); returns the number of cells."""
    cells: Counter[tuple[str, int, dt.date, str]] = Counter()
    steps = (
        DossierEvent.objects.filter(action="submit")
        .values_list(
            "dossier__procedure_version__procedure__code", "dossier__province_id", "at", "data"
        )
        .iterator(chunk_size=5000)
    )
    for code, province, at, data in steps:
        if province is None:
            continue
        key = (code, province, _month(at))
        cells[(*key, "dossiers")] += 1
        for column, n in _cell((data or {}).get("spared")).items():
            cells[(*key, column)] += n
    rows: dict[tuple[str, int, dt.date], OnceOnlyTally] = {}
    for (code, province, month, column), n in cells.items():
        row = rows.setdefault(
            (code, province, month),
            OnceOnlyTally(procedure_code=code, province_id=province, month=month),
        )
        setattr(row, column, n)
    with transaction.atomic():
        OnceOnlyTally.objects.all().delete()
        OnceOnlyTally.objects.bulk_create(rows.values(), batch_size=1000)
    return len(rows)
