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
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from tqdm import tqdm

from lienthong.core import fastsql
from lienthong.core import selectors as core
from lienthong.core.outbox import batch_consumer
from lienthong.directory import selectors as directory
from lienthong.dossiers import measures as dossier_measures
from lienthong.feedback import measures as report_measures
from lienthong.steering.models import (
    Cell,
    DossierFact,
    NationCell,
    ProvinceCell,
    ReportFact,
    RollupMark,
)

if TYPE_CHECKING:
    from lienthong.core.models import OutboxEvent

__all__ = [
    "CELL_COUNTERS",
    "DOSSIER_COUNTERS",
    "REPORT_COUNTERS",
    "add_to_cells",
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


#: (province, commune, branch) of an agency: ``directory.agency_places``.
Place = tuple[int | None, int | None, int | None]
NOWHERE: Final[Place] = (None, None, None)

_places: dict[int, Place] = {}
_places_since = [0.0]
#: Seconds an agency's place (province, commune) is remembered: an agency moved in the
#: directory counts at its new place within this, and a rebuild moves its old counts.
PLACES_SECONDS: Final = 300.0


def _place(agency_ids: Iterable[int]) -> dict[int, Place]:
    now = time.monotonic()
    if now - _places_since[0] > PLACES_SECONDS or len(_places) > 50_000:
        _places.clear()
        _places_since[0] = now
    missing = {a for a in agency_ids if a not in _places}
    if missing:
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


#: A cell of any level, its level first: ``("agency", month, agency id, procedure,
#: category)``, ``("province", month, province id, procedure, category)`` or
#: ``("nation", month, procedure, category)``.
LevelKey = tuple[object, ...]
CellModel = type[Cell] | type[ProvinceCell] | type[NationCell]

#: Each level's model and the columns of its key (after the level's name).
LEVELS: Final[dict[str, tuple[CellModel, tuple[str, ...]]]] = {
    "agency": (Cell, ("month", "agency_id", "procedure_code", "category")),
    "province": (ProvinceCell, ("month", "province_id", "procedure_code", "category")),
    "nation": (NationCell, ("month", "procedure_code", "category")),
}


def _levels(deltas: dict[Key, dict[str, int]]) -> dict[LevelKey, dict[str, int]]:
    """The agencies' cells and, added up from them, the provinces' and the nation's."""
    places = _place({key[1] for key in deltas})
    out: dict[LevelKey, dict[str, int]] = {}
    for key, counts in deltas.items():
        month, agency, procedure, category = key
        province = places.get(agency, NOWHERE)[0]
        targets: list[LevelKey] = [("agency", *key), ("nation", month, procedure, category)]
        if province:
            targets.append(("province", month, province, procedure, category))
        for target in targets:
            cell = out.setdefault(target, defaultdict(int))
            for name, n in counts.items():
                cell[name] += n
    return out


def _where(key: LevelKey) -> tuple[CellModel, dict[str, object]]:
    model, columns = LEVELS[str(key[0])]
    return model, dict(zip(columns, key[1:], strict=True))


def add_to_cells(deltas: dict[Key, dict[str, int]]) -> set[int]:
    """Add each agency cell's difference to its row (made when missing), and to the
    province's and the nation's; the communes touched. One statement a level however
    many cells (``fastsql.add``: insert, or add to the row there), its rows in key order
    so two deliveries never wait on each other in a cycle."""
    places = _place({key[1] for key in deltas})
    touched = {places.get(key[1], NOWHERE)[1] or 0 for key in deltas}
    levelled = _levels(deltas)
    for level, (model, columns) in LEVELS.items():
        rows = []
        for key, counts in sorted(levelled.items()):
            if key[0] != level or not any(counts.values()):
                continue
            where = dict(zip(columns, key[1:], strict=True))
            rows.append(model(**where, **_place_of(model, where, places), **counts))
        fastsql.add(rows, unique=columns, summed=CELL_COUNTERS)
    return touched - {0}


def _place_of(
    model: CellModel, where: dict[str, object], places: dict[int, Place]
) -> dict[str, object]:
    if model is not Cell:
        return {}
    province, commune, branch = places.get(where["agency_id"], NOWHERE)  # type: ignore[call-overload]
    return {"province_id": province, "commune_id": commune, "branch_id": branch}


def _fact_values(model: type[DossierFact] | type[ReportFact], row: Row) -> dict[str, object]:
    """A fact's columns for ``row``: its cell's key, its place, its counts."""
    month, agency, procedure, category = row.key
    province, commune, _branch = _place([agency]).get(agency, NOWHERE)
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


def _write_facts(
    model: type[DossierFact] | type[ReportFact],
    made: list[Any],
    changed: list[Any],
    gone: list[int],
) -> None:
    """Two statements: the changed and gone facts deleted, the changed and new inserted
    (the caller holds their rows; cheaper than an update of every column by ``CASE``)."""
    dropped = [*gone, *(f.pk for f in changed)]
    if dropped:
        model.objects.filter(pk__in=dropped).delete()
    model.objects.bulk_create([*made, *changed])


def _reconcile(
    model: type[DossierFact] | type[ReportFact],
    counters: tuple[str, ...],
    rows: Iterable[tuple[int, Row | None]],
) -> dict[Key, dict[str, int]]:
    """Make these dossiers' (or reports') facts what their rows say (their rows locked,
    in id order); the differences this makes to the agencies' cells."""
    fresh = dict(rows)
    if not fresh:
        return {}
    _place({row.key[1] for row in fresh.values() if row is not None})
    old = {
        f.pk: f for f in model.objects.select_for_update().filter(pk__in=list(fresh)).order_by("pk")
    }
    deltas: dict[Key, dict[str, int]] = {}
    made: list[Any] = []
    changed: list[Any] = []
    gone: list[int] = []
    for pk, row in fresh.items():
        before = old.get(pk)
        previous = _fact_row(before, counters) if before is not None else None
        if previous == row:
            continue
        if previous is not None:
            _add(deltas, previous, -1)
        if row is None:
            gone.append(pk)
            continue
        _add(deltas, row, +1)
        fact = model(pk=pk, **_fact_values(model, row))
        (changed if before is not None else made).append(fact)
    _write_facts(model, made, changed, gone)
    return deltas


def _refresh(
    model: type[DossierFact] | type[ReportFact],
    counters: tuple[str, ...],
    rows: Iterable[tuple[int, Row | None]],
) -> set[int]:
    return add_to_cells(_reconcile(model, counters, rows))


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


#: The most events one delivery takes: what waits, up to this (docs/performance.md).
BATCH: Final = 1000

#: Events after which a commune's early warnings are evaluated again.
_ALERTING: Final = (
    "dossier.overdue",
    "dossier.receive",
    "dossier.issue",
    "dossier.refuse",
    "dossier.transfer",
    "dossier.return",
    "dossier.cancel",
)


@batch_consumer("steering.rollup", topics=["dossier.", "feedback."], size=BATCH)
def take(events: list[OutboxEvent]) -> None:
    """Events about dossiers and reports: their cells updated in the delivery's
    transaction (so once), each dossier and report read once however many events it
    has in the batch; then the early warnings of the communes they touched."""
    from lienthong.steering import alerts  # alerts read the scorecard, which reads us

    dossiers = {e.aggregate_id for e in events if e.aggregate_type == "dossier"}
    reports = {e.aggregate_id for e in events if e.aggregate_type == "report"}
    touched = refresh_dossiers(sorted(dossiers)) | refresh_reports(sorted(reports))
    if any(e.topic.startswith(_ALERTING) for e in events):
        alerts.check_communes(touched)
    # The newest event taken in, never moved back by one delivered late (a retry).
    last = max(e.pk for e in events)
    if not RollupMark.objects.filter(pk=1).update(
        event_id=Greatest(F("event_id"), last), changed_at=timezone.now()
    ):
        RollupMark.objects.get_or_create(
            pk=1, defaults={"event_id": last, "changed_at": timezone.now()}
        )


def computed_cells() -> dict[LevelKey, dict[str, int]]:
    """Every cell of every level as the measures of every dossier and report add it up
    now (counts of 0 left out)."""
    cells: dict[Key, dict[str, int]] = {}
    for _pk, row in _dossier_rows(None):
        if row is not None:
            _add(cells, row, +1)
    for _pk, row in _report_rows(None):
        if row is not None:
            _add(cells, row, +1)
    return _nonzero(_levels(cells))


def _nonzero(cells: dict[LevelKey, dict[str, int]]) -> dict[LevelKey, dict[str, int]]:
    out = {key: {c: n for c, n in counts.items() if n} for key, counts in cells.items()}
    return {key: counts for key, counts in out.items() if counts}


def stored_cells() -> dict[LevelKey, dict[str, int]]:
    """Every cell of every level as the rollups hold it (counts of 0 left out)."""
    out: dict[LevelKey, dict[str, int]] = {}
    for level, (model, columns) in LEVELS.items():
        for cell in model.objects.values(*columns, *CELL_COUNTERS):
            key = (level, *(cell[c] for c in columns))
            out[key] = {c: cell[c] for c in CELL_COUNTERS}
    return _nonzero(out)


@dataclass(frozen=True)
class Rebuilt:
    dossiers: int
    reports: int
    cells: int
    #: Seconds the rollups were held (events waiting) at the end.
    held_s: float = 0.0
    #: Cells whose counts the rebuild changed.
    mended: int = 0


#: How many events before a rebuild's start it takes again at its end: a write whose
#: transaction began before the start and committed after its dossier was read.
CATCH_UP: Final = 10_000


def _chunks(
    rows: Iterable[tuple[int, Row | None]], size: int
) -> Iterator[list[tuple[int, Row | None]]]:
    chunk: list[tuple[int, Row | None]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _settle(
    model: type[DossierFact] | type[ReportFact],
    counters: tuple[str, ...],
    rows: list[tuple[int, Row | None]],
) -> None:
    """Make these dossiers' (or reports') facts what their rows say, in a transaction of
    their own; the cells are made the facts' sums afterwards."""
    with transaction.atomic():
        _reconcile(model, counters, rows)


#: Where each level's cells add up from (the facts, by the level's key columns): the
#: category of a dossier's fact is ''; a province's cells leave out agencies without one.
_FROM_FACTS: Final[dict[str, dict[str, str]]] = {
    "agency": {},
    "province": {"__where__": "province_id IS NOT NULL"},
    "nation": {},
}


def _mend_cells(batch: int) -> int:
    """Make every cell of every level the sum of its facts by adding the difference
    (``fastsql.differences``: one statement a level reads the facts and the cells at one
    moment); cells left at 0 are deleted. Being additions, they may run while events are
    taken: an event's change after that moment is added on top, before or after ours.
    The cells mended."""
    mended = 0
    for level, (model, columns) in LEVELS.items():
        where = _FROM_FACTS[level]
        sources = [
            (DossierFact, {**where, "category": "''"}),
            (ReportFact, dict(where)),
        ]
        rows = fastsql.differences(model, columns, CELL_COUNTERS, sources)
        width = len(columns)
        made: list[tuple[tuple[object, ...], dict[str, int]]] = []
        for r in rows:
            key = tuple(
                dt.date.fromisoformat(v) if c == "month" and isinstance(v, str) else v
                for c, v in zip(columns, r[:width], strict=True)
            )
            made.append((key, {c: int(n) for c, n in zip(CELL_COUNTERS, r[width:], strict=True)}))
        made.sort(key=lambda item: item[0])  # the consumers' order: no cycle of waits
        places = _place({int(k[1]) for k, _c in made} if level == "agency" else ())  # type: ignore[call-overload]
        for i in range(0, len(made), batch):
            with transaction.atomic():
                objs = []
                for key, counts in made[i : i + batch]:
                    where_key = dict(zip(columns, key, strict=True))
                    objs.append(model(**where_key, **_place_of(model, where_key, places), **counts))
                fastsql.add(objs, unique=columns, summed=CELL_COUNTERS)
        mended += len(made)
        model.objects.filter(**dict.fromkeys(CELL_COUNTERS, 0)).delete()
    return mended


def _move_cells() -> None:
    """Each agency's cells given the province, commune and branch the directory gives it
    now (an agency moved, or put under another ministry, since its cells were made)."""
    held = list(
        Cell.objects.values_list("agency_id", "province_id", "commune_id", "branch_id").distinct()
    )
    now = _place({a for a, *_rest in held})
    for agency, *place in held:
        want = now.get(agency, NOWHERE)
        if tuple(place) != want:
            Cell.objects.filter(agency_id=agency).update(
                province_id=want[0], commune_id=want[1], branch_id=want[2]
            )


def rebuild(*, batch: int = 5000, progress: bool = False) -> Rebuilt:
    """Recompute every fact from the dossiers and reports, then every cell from the
    facts (docs/steering.md, "Rebuilding"). Facts and cells are written a batch at a
    time while events keep being taken; only the end holds the rollups: the facts of
    what changed meanwhile read again, the cells mended where they differ from the
    facts' sums."""
    _places.clear()
    start = core.last_event_id()
    if connection.vendor == "postgresql":
        # Fresh statistics for what it reads: after a bulk load the planner would
        # otherwise walk the events' primary key for each dossier (minutes each thousand).
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE dossiers_dossier, dossiers_dossierevent, dossiers_dossierfile, "
                "dossiers_rating, feedback_report"
            )
    sources = (
        (DossierFact, DOSSIER_COUNTERS, _dossier_rows, "dossiers"),
        (ReportFact, REPORT_COUNTERS, _report_rows, "reports"),
    )
    for model, counters, rows_of, name in sources:
        rows: Iterable[tuple[int, Row | None]] = rows_of(None)
        if connection.vendor != "postgresql":
            rows = list(rows)  # SQLite: no open read across the batches' commits
        shown = tqdm(rows, unit=f" {name}", disable=not progress, desc=name)
        for chunk in _chunks(shown, batch):
            _settle(model, counters, chunk)
    # What events named since the start read again: a dossier read before a change
    # that its event then brought in ahead of our write is otherwise left as read ...
    caught = core.last_event_id()
    _catch_up(start, sources, batch, _settle)
    # ... the cells made their facts' sums, by additions, while events are still taken,
    # and each agency's cells moved to where the directory places it now ...
    mended = _mend_cells(max(batch // 5, 1))
    _move_cells()
    # ... then, holding the rollups, what events named while we caught up.
    held = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "LOCK TABLE steering_cell, steering_provincecell, steering_nationcell, "
                    "steering_dossierfact, steering_reportfact IN EXCLUSIVE MODE"
                )
        _catch_up(caught, sources, batch, _refresh)
        RollupMark.objects.update_or_create(
            pk=1, defaults={"event_id": core.last_event_id(), "changed_at": timezone.now()}
        )
    held_s = time.perf_counter() - held
    return Rebuilt(
        DossierFact.objects.count(),
        ReportFact.objects.count(),
        Cell.objects.count(),
        held_s,
        mended,
    )


def _catch_up(
    after: int,
    sources: tuple[tuple[Any, tuple[str, ...], Any, str], ...],
    batch: int,
    apply: Any,
) -> None:
    """``apply`` (``_settle`` or ``_refresh``) to the dossiers and reports named by the
    events since ``after`` and the ``CATCH_UP`` before it."""
    since = core.aggregates_since(max(after - CATCH_UP, 0), ("dossier", "report"))
    for model, counters, rows_of, name in sources:
        codes = sorted(since["dossier" if name == "dossiers" else "report"])
        for i in range(0, len(codes), batch):
            apply(model, counters, list(rows_of(codes[i : i + batch])))


def mark() -> tuple[int, dt.datetime | None]:
    """The last event the rollups took in, and when."""
    row = RollupMark.objects.filter(pk=1).values_list("event_id", "changed_at").first()
    return row if row else (0, None)
