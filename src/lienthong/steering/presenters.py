"""The index, the rankings and the tasks as plain data: what the API returns and what
the exports (Excel, PDF) and pages print, from one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lienthong.steering import rollup

if TYPE_CHECKING:
    from lienthong.steering.index import Band
    from lienthong.steering.models import Alert
    from lienthong.steering.scorecard import Card, Figure, RankRow
    from lienthong.steering.selectors import TaskRow

__all__ = ["alert_data", "index_data", "rank_data", "task_data"]


def _band(band: Band | None) -> dict[str, str] | None:
    return {"code": band.code, "label": band.label} if band else None


def _figure(f: Figure) -> dict[str, Any]:
    i = f.indicator
    return {
        "code": i.code,
        "name": i.name,
        "points": i.points,
        "full_at": i.full_at,
        "formula": i.formula,
        "source": i.source,
        "rate": f.score.rate,
        "score": f.score.points,
        "numerator": f.score.numerator,
        "denominator": f.score.denominator,
        "inputs": [{"name": str(n), "value": v} for n, v in f.inputs],
        "value": f.value,
        "note": str(f.note),
        "drill": f.drill,
    }


def index_data(card: Card) -> dict[str, Any]:
    return {
        "scope": card.scope.text,
        "scope_name": card.scope.name,
        "period": card.period.text,
        "period_label": card.period.label,
        "start": card.period.start,
        "end": card.period.end,
        "total": card.total,
        "band": _band(card.band),
        "groups": [
            {
                "code": g.group.code,
                "name": g.group.name,
                "points": g.group.points,
                "total": g.total,
                "indicators": [_figure(f) for f in g.figures],
            }
            for g in card.groups
        ],
        "distribution": [
            {"category": str(c), "reports": n, "rate": r} for c, n, r in card.distribution
        ],
        "dossiers": card.sums.get("dossiers", 0),
        "revision": rollup.mark()[0],
    }


def rank_data(row: RankRow) -> dict[str, Any]:
    return {
        "rank": row.rank,
        "scope": row.scope.text,
        "name": row.scope.name,
        "total": row.card.total,
        "band": _band(row.card.band),
        "previous": row.previous,
        "change": row.change,
        "dossiers": row.card.sums.get("dossiers", 0),
        "late": row.card.sums.get("late", 0),
    }


def task_data(row: TaskRow) -> dict[str, Any]:
    t = row.task
    return {
        "code": t.code,
        "title": t.title,
        "pillar": t.pillar,
        "phase": t.phase,
        "lead": t.lead.code,
        "lead_name": t.lead.name,
        "deadline": t.deadline,
        "status": t.status,
        "progress": t.progress,
        "indicator": t.indicator,
        "overdue": row.overdue,
        "due_soon": row.due_soon,
        "stale": row.stale,
    }


def alert_data(a: Alert) -> dict[str, Any]:
    return {
        "id": a.pk,
        "rule": a.rule,
        "subject": a.subject,
        "level": a.level,
        "title": a.title,
        "detail": a.detail,
        "value": a.value,
        "status": a.status,
        "agency": a.agency.code,
        "opened_at": a.opened_at,
        "seen_at": a.seen_at,
        "cleared_at": a.cleared_at,
    }
