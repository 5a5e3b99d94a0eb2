"""The Decision 766/QĐ-TTg service index as data and arithmetic.

The five groups (18 + 20 + 22 + 22 + 18 = 100 points), each indicator with its formula,
its points and its "full at X %" rule, the rating bands and what a zero denominator does
are read from ``data/index.json`` (an operator may edit it; the points the sources do
not fix are marked [U] there with the default chosen). This module only computes:

* a **rate** is ``numerator ÷ denominator`` in per cent, rounded half up to two
  decimals; a zero denominator makes it N/A (None), never a made-up number;
* an indicator's **points** are full when the rate reaches its ``full_at`` (100 % unless
  said), else ``rate × points ÷ full_at``, two decimals;
* a **total** adds the points of the indicators that apply; with the policy
  ``rescale`` (default) N/A indicators leave the total out of the points that could be
  earned, so a unit is neither rewarded nor punished for what it had no case of; a
  group likewise;
* the **band** is the first whose ``from`` the total reaches.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Final, Literal

__all__ = [
    "Band",
    "Group",
    "Index",
    "Indicator",
    "Score",
    "band_of",
    "definition",
    "load",
    "points",
    "rate",
    "score",
    "total",
]

CENT: Final = Decimal("0.01")
HUNDRED: Final = Decimal(100)

Measure = Literal["rate", "average", "distribution", "complement"]


@dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    name: str
    points: Decimal
    formula: str
    source: str
    #: The rate at which the points are full (per cent).
    full_at: Decimal = HUNDRED
    #: ``rate`` (scored), ``average`` (a time, shown), ``distribution`` (shares,
    #: shown), ``complement`` (100 % minus rates, scored).
    measure: Measure = "rate"

    @property
    def scored(self) -> bool:
        return self.points > 0


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    points: Decimal
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Band:
    start: Decimal
    code: str
    label: str


@dataclass(frozen=True)
class Index:
    source: str
    groups: tuple[Group, ...]
    bands: tuple[Band, ...]
    not_applicable: Literal["rescale", "zero"]

    def indicator(self, code: str) -> Indicator:
        for group in self.groups:
            for indicator in group.indicators:
                if indicator.code == code:
                    return indicator
        raise KeyError(code)

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for g in self.groups for i in g.indicators)


@dataclass(frozen=True)
class Score:
    """One indicator for one unit and period: its rate (None: N/A) and points."""

    indicator: Indicator
    rate: Decimal | None
    points: Decimal | None
    numerator: int = 0
    denominator: int = 0


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def rate(numerator: int, denominator: int) -> Decimal | None:
    """``numerator ÷ denominator`` in per cent, two decimals half up; None when the
    denominator is zero (N/A)."""
    if denominator <= 0:
        return None
    return _cents(HUNDRED * Decimal(numerator) / Decimal(denominator))


def points(indicator: Indicator, value: Decimal | None) -> Decimal | None:
    """The points ``value`` (a rate in per cent) earns: full from ``full_at``, else in
    proportion; None for N/A or an indicator that is shown, not scored."""
    if value is None or not indicator.scored:
        return None
    if value >= indicator.full_at:
        return indicator.points
    return _cents(max(value, Decimal(0)) * indicator.points / indicator.full_at)


def score(indicator: Indicator, numerator: int, denominator: int) -> Score:
    value = rate(numerator, denominator)
    return Score(indicator, value, points(indicator, value), numerator, denominator)


def total(index: Index, scores: Iterable[Score], *, group: str | None = None) -> Decimal | None:
    """The points of ``scores`` (of one group, or of all) out of the group's points (or
    100): with ``rescale``, out of what the applicable indicators could earn; None when
    nothing applies."""
    wanted = [
        s for s in scores if s.indicator.scored and (group is None or s.indicator.group == group)
    ]
    out_of = (
        next(g.points for g in index.groups if g.code == group) if group is not None else HUNDRED
    )
    earned = sum((s.points for s in wanted if s.points is not None), Decimal(0))
    if index.not_applicable == "zero":
        return _cents(earned) if wanted else None
    possible = sum((s.indicator.points for s in wanted if s.points is not None), Decimal(0))
    if possible == 0:
        return None
    return _cents(earned * out_of / possible)


def band_of(index: Index, value: Decimal | None) -> Band | None:
    if value is None:
        return None
    return next((b for b in index.bands if value >= b.start), None)


class ConfigError(ValueError):
    """``data/index.json`` (or a replacement) that cannot be used; names each fault."""


def load(raw: Mapping[str, Any]) -> Index:
    """The index described by ``raw`` (as ``data/index.json``), checked: each group's
    indicators add up to its points, the groups to 100, codes unique, ``full_at`` in
    (0, 100], bands descending from 0."""
    problems: list[str] = []
    groups = []
    seen: set[str] = set()
    for g in raw.get("groups", []):
        indicators = []
        for i in g.get("indicators", []):
            code = str(i.get("code", ""))
            if code in seen or not code:
                problems.append(f"indicator «{code}»: missing or twice")
            seen.add(code)
            full_at = Decimal(str(i.get("full_at", 100)))
            if not Decimal(0) < full_at <= HUNDRED:
                problems.append(f"{code}.full_at: between 0 and 100")
            measure = i.get("measure", "rate")
            if measure not in ("rate", "average", "distribution", "complement"):
                problems.append(f"{code}.measure: rate, average, distribution or complement")
            indicators.append(
                Indicator(
                    code=code,
                    group=str(g.get("code", "")),
                    name=str(i.get("name", "")),
                    points=Decimal(str(i.get("points", 0))),
                    formula=str(i.get("formula", "")),
                    source=str(i.get("source", "")),
                    full_at=full_at,
                    measure=measure,
                )
            )
        group = Group(
            str(g.get("code", "")),
            str(g.get("name", "")),
            Decimal(str(g.get("points", 0))),
            tuple(indicators),
        )
        if sum((i.points for i in indicators), Decimal(0)) != group.points:
            problems.append(
                f"group {group.code}: its indicators' points must add up to {group.points}"
            )
        groups.append(group)
    if sum((g.points for g in groups), Decimal(0)) != HUNDRED:
        problems.append("groups: their points must add up to 100")
    bands = tuple(
        Band(Decimal(str(b["from"])), str(b["code"]), str(b["label"])) for b in raw.get("bands", [])
    )
    if (
        not bands
        or [b.start for b in bands] != sorted((b.start for b in bands), reverse=True)
        or bands[-1].start != 0
    ):
        problems.append("bands: from the highest down to 0")
    policy = raw.get("not_applicable", "rescale")
    if policy not in ("rescale", "zero"):
        problems.append("not_applicable: rescale or zero")
    if problems:
        raise ConfigError("; ".join(problems))
    return Index(str(raw.get("source", "")), tuple(groups), bands, policy)


@functools.cache
def definition() -> Index:
    """The index as shipped (``data/index.json``)."""
    return load(json.loads((Path(__file__).parent / "data" / "index.json").read_text()))
