"""The index's rollups, kept as events arrive and rebuilt on demand (docs/steering.md,
"Rollups").

Each received dossier and each report has a *fact* row: what it adds to its cell (agency
× procedure × report category × month) now. An event about a dossier or a report reads
its measures again (``dossiers.measures``, ``feedback.measures``), compares them with its
fact and moves the difference into the cells: a transfer takes the dossier out of the
old agency's cell and into the new one's, a late finish moves it from on time to late.
Being a difference of states, not a replay of steps, taking the same event twice, or an
event after a rebuild, changes nothing; and the rebuild, which adds up the same
measures for every dossier at once, gives the same cells as the events did.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from tqdm import tqdm

from lienthong.core import selectors as core
from lienthong.core.outbox import consumer
from lienthong.directory import selectors as directory
from lienthong.dossiers import measures as dossier_measures
from lienthong.feedback import measures as report_measures
from lienthong.steering.models import Cell, DossierFact, ReportFact, RollupMark

if TYPE_CHECKING:
    from lienthong.core.models import OutboxEvent

__all__ = [
    "CELL_COUNTERS",
    "DOSSIER_COUNTERS",
    "REPORT_COUNTERS",
    "computed_cells",
    "rebuild",
    "refresh_dossiers",
    "refresh_reports",
    "stored_cells",
]

DOSSIER_COUNTERS: Final = (*dossier_measures.COUNTERS, "complained")
REPORT_COUNTERS: Final = report_measures.COUNTERS
CELL_COUNTERS: Final = (*DOSSIER_COUNTERS, *REPORT_COUNTERS)

#: (month, agency id, procedure code, report category)
Key = tuple[dt.date, int, str, str]


@dataclass(frozen=True)
class Row:
    """What one dossier or report adds to one cell."""

    key: Key
    counts: dict[str, int]


_places: dict[int, tuple[int | None, int | None]] = {}


def _place(agency_ids: Iterable[int]) -> dict[int, tuple[int | None, int | None]]:
    missing = {a for a in agency_ids if a not in _places}
    if missing:
        if len(_places) > 50_000:
            _places.clear()
        _places.update(directory.agency_places(missing))
    return _places


def _dossier_rows(codes: list[str] | None) -> Iterator[tuple[int, Row | None]]:
    complained = report_measures.complained_dossiers(codes)
    for pk, m in dossier_measures.measures(codes):
        if m is None:
            yield pk, None
            continue
        counts = dict(zip(dossier_measures.COUNTERS, m.counts, strict=True))
        counts["complained"] = int(m.code in complained or bool(counts["disliked"]))
        yield pk, Row((m.month, m.agency_id, m.procedure_code, ""), counts)


def _report_rows(codes: list[str] | None) -> Iterator[tuple[int, Row | None]]:
    for pk, m in report_measures.measures(codes):
        if m is None:
            yield pk, None
            continue
        counts = dict(zip(REPORT_COUNTERS, m.counts, strict=True))
        yield pk, Row((m.month, m.agency_id, m.procedure_code, m.category), counts)


def _fact_row(fact: DossierFact | ReportFact, counters: tuple[str, ...]) -> Row:
    category = getattr(fact, "category", "")
    return Row(
        (fact.month, fact.agency_id, fact.procedure_code, category),
        {c: getattr(fact, c) for c in counters},
    )


def _add(deltas: dict[Key, dict[str, int]], row: Row, sign: int) -> None:
    cell = deltas.setdefault(row.key, defaultdict(int))
    for name, n in row.counts.items():
        if n:
            cell[name] += sign * n


def _apply(deltas: dict[Key, dict[str, int]]) -> set[int]:
    """Add each cell's difference to its row (made when missing); the communes touched."""
    places = _place({key[1] for key in deltas})
    touched = {places.get(key[1], (None, None))[1] or 0 for key in deltas}
    for key, counts in deltas.items():
        changed = {name: n for name, n in counts.items() if n}
        if not changed:
            continue
        month, agency, procedure, category = key
        match = Cell.objects.filter(
            month=month, agency_id=agency, procedure_code=procedure, category=category
        )
        update = {name: F(name) + n for name, n in changed.items()}
        if match.update(**update):
            continue
        province, commune = places.get(agency, (None, None))
        try:
            with transaction.atomic():
                Cell.objects.create(
                    month=month,
                    agency_id=agency,
                    procedure_code=procedure,
                    category=category,
                    province_id=province,
                    commune_id=commune,
                    **changed,
                )
        except IntegrityError:  # made meanwhile by another dispatcher
            match.update(**update)
    return touched - {0}


def _fact_values(model: type[DossierFact] | type[ReportFact], row: Row) -> dict[str, object]:
    """A fact's columns for ``row``: its cell's key, its place, its counts."""
    month, agency, procedure, category = row.key
    province, commune = _place([agency]).get(agency, (None, None))
    values: dict[str, object] = {
        "month": month,
        "agency_id": agency,
        "procedure_code": procedure,
        "province_id": province,
        "commune_id": commune,
        **row.counts,
    }
    if model is ReportFact:
        values["category"] = category
    return values


def _save_fact(
    model: type[DossierFact] | type[ReportFact],
    pk: int,
    row: Row | None,
    old: DossierFact | ReportFact | None,
) -> None:
    if row is None:
        if old is not None:
            old.delete()
        return
    values = _fact_values(model, row)
    if old is None:
        model.objects.create(pk=pk, **values)
    else:
        model.objects.filter(pk=pk).update(**values)


def _refresh(
    model: type[DossierFact] | type[ReportFact],
    counters: tuple[str, ...],
    rows: Iterable[tuple[int, Row | None]],
) -> set[int]:
    fresh = dict(rows)
    if not fresh:
        return set()
    old = {f.pk: f for f in model.objects.select_for_update().filter(pk__in=list(fresh))}
    deltas: dict[Key, dict[str, int]] = {}
    for pk, row in fresh.items():
        before = old.get(pk)
        previous = _fact_row(before, counters) if before is not None else None
        if previous == row:
            continue
        if previous is not None:
            _add(deltas, previous, -1)
        if row is not None:
            _add(deltas, row, +1)
        _save_fact(model, pk, row, before)
    return _apply(deltas)


def refresh_dossiers(codes: Iterable[str]) -> set[int]:
    """Bring the facts and cells of these dossiers up to date (in the caller's
    transaction); the communes whose cells changed."""
    codes = list(codes)
    return _refresh(DossierFact, DOSSIER_COUNTERS, _dossier_rows(codes))


def refresh_reports(codes: Iterable[str]) -> set[int]:
    """Bring the facts and cells of these reports, and of the dossiers they are about,
    up to date; the communes whose cells changed."""
    codes = list(codes)
    touched = _refresh(ReportFact, REPORT_COUNTERS, _report_rows(codes))
    about = [d for d in (report_measures.dossier_of(c) for c in codes) if d]
    if about:
        touched |= refresh_dossiers(about)
    return touched


@consumer("steering.rollup", topics=["dossier.", "feedback."])
def take(event: OutboxEvent) -> None:
    """An event about a dossier or a report: its cells updated, in the delivery's
    transaction (so once), and the early warnings of the communes it touched."""
    from lienthong.steering import alerts  # alerts read the scorecard, which reads us

    touched: set[int] = set()
    if event.aggregate_type == "dossier":
        touched = refresh_dossiers([event.aggregate_id])
    elif event.aggregate_type == "report":
        touched = refresh_reports([event.aggregate_id])
    if event.topic in ("dossier.overdue", "dossier.receive") or event.topic.startswith(
        ("dossier.issue", "dossier.refuse", "dossier.transfer", "dossier.return", "dossier.cancel")
    ):
        alerts.check_communes(touched)
    # The newest event taken in, never moved back by one delivered late (a retry).
    if not RollupMark.objects.filter(pk=1).update(
        event_id=Greatest(F("event_id"), event.pk), changed_at=timezone.now()
    ):
        RollupMark.objects.get_or_create(
            pk=1, defaults={"event_id": event.pk, "changed_at": timezone.now()}
        )


def computed_cells() -> dict[Key, dict[str, int]]:
    """Every cell as the measures of every dossier and report add it up now."""
    cells: dict[Key, dict[str, int]] = {}
    for _pk, row in _dossier_rows(None):
        if row is not None:
            _add(cells, row, +1)
    for _pk, row in _report_rows(None):
        if row is not None:
            _add(cells, row, +1)
    return {key: {c: n for c, n in counts.items() if n} for key, counts in cells.items()}


def stored_cells() -> dict[Key, dict[str, int]]:
    """Every cell as the rollups hold it (counts of 0 left out)."""
    out: dict[Key, dict[str, int]] = {}
    for cell in Cell.objects.values(
        "month", "agency_id", "procedure_code", "category", *CELL_COUNTERS
    ):
        key = (cell["month"], cell["agency_id"], cell["procedure_code"], cell["category"])
        counts = {c: cell[c] for c in CELL_COUNTERS if cell[c]}
        if counts:
            out[key] = counts
    return out


@dataclass(frozen=True)
class Rebuilt:
    dossiers: int
    reports: int
    cells: int


def _facts(
    model: type[DossierFact] | type[ReportFact], rows: Iterable[tuple[int, Row | None]]
) -> Iterator[DossierFact | ReportFact]:
    for pk, row in rows:
        if row is None:
            continue
        yield model(pk=pk, **_fact_values(model, row))


def rebuild(*, batch: int = 5000, progress: bool = False) -> Rebuilt:
    """Recompute every fact and cell from the dossiers and reports, in one transaction
    (events taken meanwhile wait for it, then change nothing they need not)."""
    _places.clear()
    counted = {"dossiers": 0, "reports": 0}
    cells: dict[Key, dict[str, int]] = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "LOCK TABLE steering_cell, steering_dossierfact, steering_reportfact "
                    "IN EXCLUSIVE MODE"
                )
                # Fresh statistics for what it reads: after a bulk load the planner would
                # otherwise walk the events' primary key for each dossier (minutes each
                # thousand).
                cursor.execute(
                    "ANALYZE dossiers_dossier, dossiers_dossierevent, dossiers_dossierfile, "
                    "dossiers_rating, feedback_report"
                )
        Cell.objects.all().delete()
        DossierFact.objects.all().delete()
        ReportFact.objects.all().delete()
        for model, rows, name in (
            (DossierFact, _dossier_rows(None), "dossiers"),
            (ReportFact, _report_rows(None), "reports"),
        ):
            pending: list[DossierFact | ReportFact] = []
            shown = tqdm(_tee(rows, cells), unit=f" {name}", disable=not progress, desc=name)
            for fact in _facts(model, shown):
                pending.append(fact)
                if len(pending) >= batch:
                    model.objects.bulk_create(pending)  # type: ignore[arg-type]
                    counted[name] += len(pending)
                    pending = []
            model.objects.bulk_create(pending)  # type: ignore[arg-type]
            counted[name] += len(pending)
        places = _place({key[1] for key in cells})
        made = [
            Cell(
                month=key[0],
                agency_id=key[1],
                procedure_code=key[2],
                category=key[3],
                province_id=places.get(key[1], (None, None))[0],
                commune_id=places.get(key[1], (None, None))[1],
                **counts,
            )
            for key, counts in cells.items()
        ]
        Cell.objects.bulk_create(made, batch_size=batch)
        last = core.last_event_id()
        RollupMark.objects.update_or_create(
            pk=1, defaults={"event_id": last, "changed_at": timezone.now()}
        )
    return Rebuilt(counted["dossiers"], counted["reports"], len(made))


def _tee(
    rows: Iterable[tuple[int, Row | None]], cells: dict[Key, dict[str, int]]
) -> Iterator[tuple[int, Row | None]]:
    for pk, row in rows:
        if row is not None:
            _add(cells, row, +1)
        yield pk, row


def mark() -> tuple[int, dt.datetime | None]:
    """The last event the rollups took in, and when."""
    row = RollupMark.objects.filter(pk=1).values_list("event_id", "changed_at").first()
    return row if row else (0, None)
