"""What each dossier counts for in the service index of Decision 766 (docs/steering.md,
"What a dossier counts for"): one row of 0/1 flags (and its handling time) per received
dossier, read from the dossier as it is now. The steering app adds the rows up per
agency, procedure and month as events arrive and, from the same function, all at once
when it rebuilds; so the running figures and a rebuild cannot disagree.

A dossier counts once it is received (``received_at``), in the month it was received
(local time), for the agency handling it now: after a transfer, the agency it went to.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from lienthong.dossiers.constants import Channel, Status
from lienthong.dossiers.models import Dossier, DossierEvent, DossierFile, Rating

__all__ = ["COUNTERS", "Measures", "measures", "month_of"]

#: The flags, in a fixed order (the steering rollups keep one column of each).
COUNTERS: Final = (
    "dossiers",  # received: the denominator of most indicators
    "late",  # 2.1: finished after its due date, overdue, or asked to supplement twice
    "overdue_open",  # not finished and past its due date (early warnings)
    "finished",  # 2.2: finished (result issued, refused, cancelled)
    "handling_seconds",  # 2.2: received → finished, the citizen's supplement time left out
    "filed_online",  # 3.2: filed online
    "online",  # 3.3: filed online, and its result electronic when one was issued
    "fee_dossiers",  # 3.6: a fee greater than 0
    "paid_online",  # 3.6: that fee paid online
    "with_result",  # 4.1: a result (a paper) issued
    "electronic_result",  # 4.1: issued as an electronic result
    "digital_and_result",  # 4.2: digital input and an electronic result
    "reused",  # 4.3: a paper replaced by registry data or by a stored result
    "from_store",  # 4.4: a paper taken from the applicant's e-document store
    "eid",  # 4.5: the applicant authenticated with the national e-ID, or population data used
    "disliked",  # 5.4: rated 1 or 2 by the applicant
)

_FINISHED: Final = (Status.RESULT_ISSUED, Status.RETURNED, Status.REFUSED, Status.CANCELLED)
_RESULT: Final = (Status.RESULT_ISSUED, Status.RETURNED)

_FIELDS: Final = (
    "pk",
    "code",
    "received_at",
    "handling_agency_id",
    "procedure_version__procedure__code",
    "status",
    "channel",
    "due_at",
    "finished_at",
    "overdue",
    "supplement_count",
    "supplement_hours",
    "fee_total",
    "paid_online",
    "eid_authenticated",
    "electronic_result",
)


@dataclass(frozen=True)
class Measures:
    """One received dossier's contribution: where it counts and its flags."""

    dossier_id: int
    code: str
    month: dt.date
    agency_id: int
    procedure_code: str
    counts: tuple[int, ...]  # in the order of COUNTERS

    def get(self, name: str) -> int:
        return self.counts[COUNTERS.index(name)]


def month_of(at: dt.datetime) -> dt.date:
    """The first day of ``at``'s month in local time (the period a step counts in)."""
    return timezone.localtime(at).date().replace(day=1)


def _annotated(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    files = DossierFile.objects.filter(dossier=OuterRef("pk"))
    return qs.annotate(
        f_registry=Exists(files.exclude(from_registry="")),
        f_store=Exists(files.filter(from_wallet__isnull=False)),
        f_digitised=Exists(files.filter(Q(digitised=True) | ~Q(file=""))),
        f_disliked=Exists(Rating.objects.filter(dossier=OuterRef("pk"), score__lte=2)),
        f_spared=Subquery(
            DossierEvent.objects.filter(dossier=OuterRef("pk"), action="submit")
            .order_by("id")
            .values("data")[:1]
        ),
    )


def _spared(data: Any) -> dict[str, int]:
    if isinstance(data, str):  # SQLite returns a subquery's JSON as text
        try:
            data = json.loads(data)
        except ValueError:
            data = {}
    spared = data.get("spared") if isinstance(data, dict) else None
    if not isinstance(spared, dict):
        return {}
    return {k: int(v or 0) for k, v in spared.items() if isinstance(v, int | float)}


def _measure(row: dict[str, Any]) -> Measures | None:
    received = row["received_at"]
    if received is None:
        return None
    status = row["status"]
    due = row["due_at"]
    finished_at = row["finished_at"]
    finished = status in _FINISHED and finished_at is not None
    late = bool(
        row["overdue"]
        or (finished and due is not None and finished_at > due)
        or row["supplement_count"] > 1
    )
    seconds = 0
    if finished:
        spent = (finished_at - received).total_seconds() - 3600 * float(row["supplement_hours"])
        seconds = max(0, round(spent))
    spared = _spared(row["f_spared"])
    with_result = status in _RESULT
    electronic = bool(row["electronic_result"]) and with_result
    filed_online = row["channel"] == Channel.ONLINE
    digital_input = filed_online or bool(row["f_digitised"]) or bool(row["f_registry"])
    from_store = bool(row["f_store"]) or spared.get("store", 0) > 0
    reused = from_store or bool(row["f_registry"]) or spared.get("registry", 0) > 0
    fee = row["fee_total"] > 0
    flags = {
        "dossiers": 1,
        "late": int(late),
        "overdue_open": int(bool(row["overdue"]) and not finished),
        "finished": int(finished),
        "handling_seconds": seconds,
        "filed_online": int(filed_online),
        "online": int(filed_online and (electronic or not with_result)),
        "fee_dossiers": int(fee),
        "paid_online": int(fee and bool(row["paid_online"])),
        "with_result": int(with_result),
        "electronic_result": int(electronic),
        "digital_and_result": int(digital_input and electronic),
        "reused": int(reused),
        "from_store": int(from_store),
        "eid": int(bool(row["eid_authenticated"]) or spared.get("registry", 0) > 0),
        "disliked": int(bool(row["f_disliked"])),
    }
    return Measures(
        dossier_id=row["pk"],
        code=row["code"],
        month=month_of(received),
        agency_id=row["handling_agency_id"],
        procedure_code=row["procedure_version__procedure__code"],
        counts=tuple(flags[c] for c in COUNTERS),
    )


def measures(
    codes: Iterable[str] | None = None, *, chunk_size: int = 5000
) -> Iterator[tuple[int, Measures | None]]:
    """``(id, its measures)`` of the dossiers named by ``codes`` (every dossier when
    None); None for a dossier that does not count (not received)."""
    qs = Dossier.objects.order_by()
    if codes is not None:
        qs = qs.filter(code__in=list(codes))
    rows = _annotated(qs).values(
        *_FIELDS, "f_registry", "f_store", "f_digitised", "f_disliked", "f_spared"
    )
    for row in rows.iterator(chunk_size=chunk_size):
        yield row["pk"], _measure(row)
