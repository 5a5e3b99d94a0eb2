"""Registries of reference-data loaders and demo seeders that apps add to.

``lienthong load-reference-data`` runs every loader in order; ``lienthong seed``
runs every seeder. Each function must be idempotent: running it twice leaves
the same data. Each returns a one-line Vietnamese summary for the console.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "DemoAccount",
    "Step",
    "StepResult",
    "generators",
    "loaders",
    "register_generator",
    "register_loader",
    "register_seeder",
    "seeders",
]


@dataclass
class DemoAccount:
    role: str
    username: str
    password: str
    note: str = ""


@dataclass
class StepResult:
    summary: str
    accounts: list[DemoAccount] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    name: str
    order: int
    run: Callable[[], StepResult]
    description: str


_loaders: dict[str, Step] = {}
_seeders: dict[str, Step] = {}


StepFunc = Callable[[], StepResult]


def _registrar(
    registry: dict[str, Step], name: str, order: int, description: str
) -> Callable[[StepFunc], StepFunc]:
    def register(func: StepFunc) -> StepFunc:
        registry[name] = Step(name=name, order=order, run=func, description=description)
        return func

    return register


def register_loader(name: str, *, order: int, description: str) -> Callable[[StepFunc], StepFunc]:
    """Add a reference-data loader run by ``lienthong load-reference-data``."""
    return _registrar(_loaders, name, order, description)


def register_seeder(name: str, *, order: int, description: str) -> Callable[[StepFunc], StepFunc]:
    """Add a demo-data seeder run by ``lienthong seed`` and ``make demo``."""
    return _registrar(_seeders, name, order, description)


#: Volume generators (``lienthong seed --dossiers N``): name → function of a count.
_generators: dict[str, Callable[[int], StepResult]] = {}


def register_generator(
    name: str,
) -> Callable[[Callable[[int], StepResult]], Callable[[int], StepResult]]:
    """Add a generator of N realistic rows, run by ``lienthong seed --<name> N``."""

    def register(func: Callable[[int], StepResult]) -> Callable[[int], StepResult]:
        _generators[name] = func
        return func

    return register


def generators() -> dict[str, Callable[[int], StepResult]]:
    return dict(_generators)


def loaders() -> list[Step]:
    return sorted(_loaders.values(), key=lambda s: (s.order, s.name))


def seeders() -> list[Step]:
    return sorted(_seeders.values(), key=lambda s: (s.order, s.name))


@register_loader("core.calendar", order=0, description="Lịch làm việc (ngày lễ, ngày làm bù)")
def _check_calendar() -> StepResult:
    from lienthong.core.workcalendar import get_calendar

    cal = get_calendar()
    years = cal.years()
    days = sum(len(cal.holidays(y)) for y in years)
    listed = ", ".join(str(y) for y in years) or "-"
    return StepResult(f"lịch chính thức các năm {listed}: {days} ngày nghỉ")
