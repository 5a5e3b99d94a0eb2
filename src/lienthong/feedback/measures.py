"""What each report (phản ánh, kiến nghị) counts for in group 5 of the service index:
the same predicates as ``selectors.indicators`` (5.2 on time when no step was taken
after its deadline and none is overdue; 5.3 unhappy when rated 1 or 2, late, overdue or
raised again), one row per report, read from the report as it is now. A merged report
does not count (the one it was merged into does); a report counts in the month it was
sent, for the agency handling it now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from django.utils import timezone

from lienthong.feedback.constants import Status
from lienthong.feedback.models import Report

__all__ = ["COUNTERS", "ReportMeasures", "complained_dossiers", "measures"]

COUNTERS: Final = ("reports", "reports_on_time", "reports_unhappy")


@dataclass(frozen=True)
class ReportMeasures:
    report_id: int
    code: str
    month: dt.date
    agency_id: int
    procedure_code: str
    category: str
    dossier_code: str
    counts: tuple[int, ...]  # in the order of COUNTERS


def measures(
    codes: Iterable[str] | None = None, *, chunk_size: int = 5000
) -> Iterator[tuple[int, ReportMeasures | None]]:
    """``(id, its measures)`` of the reports named by ``codes`` (all when None); None
    for a report that does not count (merged into another)."""
    qs = Report.objects.order_by()
    if codes is not None:
        qs = qs.filter(code__in=list(codes))
    fields = (
        "pk",
        "code",
        "status",
        "submitted_at",
        "handling_agency_id",
        "procedure_code",
        "category",
        "dossier_code",
        "late",
        "overdue",
        "score",
        "reraised",
    )
    for row in qs.values(*fields).iterator(chunk_size=chunk_size):
        if row["status"] == Status.MERGED:
            yield row["pk"], None
            continue
        late = bool(row["late"] or row["overdue"])
        unhappy = late or (row["score"] is not None and row["score"] <= 2) or row["reraised"] > 0
        yield (
            row["pk"],
            ReportMeasures(
                report_id=row["pk"],
                code=row["code"],
                month=timezone.localtime(row["submitted_at"]).date().replace(day=1),
                agency_id=row["handling_agency_id"],
                procedure_code=row["procedure_code"][:30],
                category=row["category"],
                dossier_code=row["dossier_code"],
                counts=(1, int(not late), int(unhappy)),
            ),
        )


def complained_dossiers(codes: Iterable[str] | None = None) -> set[str]:
    """The dossiers (of ``codes``, or all) a counted report is about (5.4)."""
    qs = Report.objects.exclude(dossier_code="").exclude(status=Status.MERGED)
    if codes is not None:
        qs = qs.filter(dossier_code__in=list(codes))
    return set(qs.values_list("dossier_code", flat=True).distinct())


def dossier_of(code: str) -> str:
    """The dossier a report is about ('' when none or unknown)."""
    return Report.objects.filter(code=code).values_list("dossier_code", flat=True).first() or ""
