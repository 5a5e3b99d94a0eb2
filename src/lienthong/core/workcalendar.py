"""Working-day calendar of Vietnamese civil servants (lịch làm việc của cán bộ, công chức).

Deadlines of administrative procedures are counted in working days or working hours. Which
days are worked depends on three things:

* the law: Labour Code 2019 art. 112 lists the paid holidays (1 January; five days of Tết;
  Hùng Kings' day, the 10th day of the 3rd lunar month; 30 April; 1 May; 2 September plus one
  adjacent day), and art. 111(3) moves a holiday that falls on a weekly rest day to the next
  working day;
* the weekly rest days of civil servants: Saturday and Sunday;
* each year's official decisions (Prime Minister, Ministry of Home Affairs): the exact Tết
  days, bridge days off, and the Saturdays worked to make up for them.

The official decisions live in an operator-editable TOML file, ``core/data/calendar.toml`` by
default (``settings.WORK_CALENDAR_FILE``); the comments at its top describe the format. A year
listed in the file is *official*: its days off are the statutory holidays plus the file's days
off, and its make-up Saturdays are working days. A year not listed is *computed* from the law
alone: statutory holidays plus art. 111(3) compensation. Lunar dates are converted with
``vnlunar`` (Vietnamese calendar, UTC+7), never typed in.

Use :func:`get_calendar` (cached, reloaded when the file changes) or the module-level
shortcuts::

    from lienthong.core import workcalendar

    due_on = workcalendar.add_working_days(received_on, 5)
    deadline = workcalendar.add_working_hours(submitted_at, 8)

Office hours are in Asia/Ho_Chi_Minh local time; datetimes passed in must be aware.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import tomllib
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.conf import settings
from vnlunar.core import get_solar_date

__all__ = [
    "DEFAULT_PERIODS",
    "DEFAULT_WEEKLY_REST",
    "TIMEZONE",
    "CalendarError",
    "DayEntry",
    "OutsideCalendar",
    "Period",
    "WorkCalendar",
    "YearDecision",
    "add_working_days",
    "add_working_hours",
    "compensatory_days",
    "covers",
    "get_calendar",
    "holidays",
    "is_working_day",
    "lunar_new_year",
    "lunar_to_solar",
    "next_working_moment",
    "statutory_holidays",
    "working_days_between",
    "working_hours_between",
]

logger = logging.getLogger(__name__)

TIMEZONE: Final = ZoneInfo("Asia/Ho_Chi_Minh")

#: An office period of a working day: (start, end) local times.
Period = tuple[time, time]

#: Office hours of a working day: 8 hours.
DEFAULT_PERIODS: Final[tuple[Period, ...]] = (
    (time(7, 30), time(11, 30)),
    (time(13, 0), time(17, 0)),
)
#: Weekly rest days as ``date.weekday()`` numbers (Monday is 0): Saturday and Sunday.
DEFAULT_WEEKLY_REST: Final = frozenset({5, 6})

#: Years the lunar conversion is trusted for.
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2199

WEEKDAY_NAMES: Final = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_WEEKDAY_VI: Final = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")

# Names of the statutory holidays (Labour Code 2019 art. 112).
NEW_YEAR: Final = "Tết Dương lịch"
TET: Final = "Tết Nguyên đán"
HUNG_KINGS: Final = "Giỗ Tổ Hùng Vương (10/3 âm lịch)"
VICTORY_DAY: Final = "Ngày Chiến thắng 30/4"
LABOUR_DAY: Final = "Ngày Quốc tế Lao động 1/5"
NATIONAL_DAY: Final = "Quốc khánh"

_ONE_DAY: Final = timedelta(days=1)
_SECONDS_PER_DAY: Final = 24 * 3600


class CalendarError(ValueError):
    """The calendar data is wrong; the message names the file, the year and the entry."""


class OutsideCalendar(ValueError):
    """A date in a year the calendar does not cover (before MIN_YEAR or after MAX_YEAR).

    A caller that takes dates from outside (the API, a form) turns it into a refusal of
    that input; it is never a fault of the calendar data.
    """

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(f"the work calendar covers {MIN_YEAR}–{MAX_YEAR}, not {year}")


# --------------------------------------------------------------------------- statutory rules


def lunar_to_solar(day: int, month: int, year: int, *, leap: bool = False) -> date:
    """Solar date of a date of the Vietnamese lunar calendar (computed at UTC+7)."""
    result = get_solar_date(day, month, year, int(leap))
    if result is None:
        leap_text = " (leap month)" if leap else ""
        raise ValueError(f"the lunar date {day}/{month}/{year}{leap_text} does not exist")
    return date(result["year"], result["month"], result["day"])


def lunar_new_year(year: int) -> date:
    """Mùng 1 Tết: the first day of the lunar year that begins in the solar ``year``."""
    return lunar_to_solar(1, 1, year)


def statutory_holidays(
    year: int,
    *,
    tet: Mapping[date, str] | None = None,
    national_day: Mapping[date, str] | None = None,
) -> dict[date, str]:
    """The paid holidays of Labour Code 2019 art. 112 in ``year``, whatever day they fall on.

    The Prime Minister fixes the exact days of two of them, which ``tet`` and ``national_day``
    may give. Otherwise Tết is the last day of the lunar year plus mùng 1 to mùng 4, and
    National Day is 1 and 2 September.
    """
    _check_year(year)
    if tet is None:
        first = lunar_new_year(year)
        tet = {first - _ONE_DAY: f"{TET} (ngày cuối năm âm lịch)"}
        tet |= {first + timedelta(days=i): f"{TET} (mùng {i + 1})" for i in range(4)}
    if national_day is None:
        national_day = {
            date(year, 9, 1): f"{NATIONAL_DAY} (ngày liền kề 2/9)",
            date(year, 9, 2): f"{NATIONAL_DAY} 2/9",
        }
    days = {
        date(year, 1, 1): NEW_YEAR,
        **tet,
        lunar_to_solar(10, 3, year): HUNG_KINGS,
        date(year, 4, 30): VICTORY_DAY,
        date(year, 5, 1): LABOUR_DAY,
        **national_day,
    }
    return dict(sorted(days.items()))


def compensatory_days(
    holidays: Mapping[date, str], weekly_rest: Iterable[int] = DEFAULT_WEEKLY_REST
) -> dict[date, str]:
    """Art. 111(3): a holiday that falls on a weekly rest day gives the next working day off.

    Holidays are taken in date order; each one on a rest day gets the first later day that is
    neither a rest day nor already a holiday or a compensatory day.
    """
    rest = frozenset(weekly_rest)
    taken = set(holidays)
    result: dict[date, str] = {}
    for day in sorted(holidays):
        if day.weekday() not in rest:
            continue
        candidate = day + _ONE_DAY
        while candidate.weekday() in rest or candidate in taken:
            candidate += _ONE_DAY
        taken.add(candidate)
        result[candidate] = (
            f"Nghỉ bù {holidays[day]}, trùng {_WEEKDAY_VI[day.weekday()]} {day:%d/%m/%Y}"
        )
    return result


def covers(year: int) -> bool:
    """True if the calendar can tell the working days of ``year``."""
    return MIN_YEAR <= year <= MAX_YEAR


def _check_year(year: int) -> None:
    if not covers(year):
        raise OutsideCalendar(year)


# --------------------------------------------------------------------------- official decisions


@dataclass(frozen=True)
class DayEntry:
    """One dated line of an official decision: a day off or a make-up working day."""

    day: date
    name: str

    def __str__(self) -> str:
        return f'{{ date = {self.day.isoformat()}, name = "{self.name}" }}'


@dataclass(frozen=True)
class YearDecision:
    """The official calendar of one year, as published by the government.

    ``tet`` and ``national_day``, when given, replace the default days of those holidays.
    ``days_off`` are further days off (compensatory and bridge days) that would otherwise be
    working days; ``working_days`` are weekly rest days worked to make up for a bridge day.
    """

    year: int
    source: str
    days_off: tuple[DayEntry, ...] = ()
    working_days: tuple[DayEntry, ...] = ()
    tet: tuple[DayEntry, ...] | None = None
    national_day: tuple[DayEntry, ...] | None = None

    def entry_lists(self) -> list[tuple[str, tuple[DayEntry, ...]]]:
        """Every list of dated entries, with its key in the data file."""
        lists = [("tet", self.tet), ("national_day", self.national_day)]
        lists += [("days_off", self.days_off), ("working_days", self.working_days)]
        return [(key, entries) for key, entries in lists if entries is not None]


# --------------------------------------------------------------------------- the calendar


@dataclass(frozen=True)
class _YearTable:
    """Precomputed facts about one year, so day-by-day walks only index into arrays."""

    first_ordinal: int
    holidays: Mapping[date, str]
    working: bytes  # working[i] is 1 when day i of the year (0 = 1 January) is a working day
    running: tuple[int, ...]  # running[i] = working days among the first i days of the year


class WorkCalendar:
    """Working days and office hours, from the law plus the official per-year decisions.

    Build one with :meth:`from_file`; in application code use :func:`get_calendar`.
    Instances are immutable and safe to share between threads.
    """

    def __init__(
        self,
        decisions: Iterable[YearDecision] = (),
        *,
        periods: Sequence[Period] = DEFAULT_PERIODS,
        weekly_rest: Iterable[int] = DEFAULT_WEEKLY_REST,
        origin: str = "<work calendar>",
    ) -> None:
        self._origin = origin
        self._periods = self._checked_periods(periods)
        self._weekly_rest = self._checked_weekly_rest(weekly_rest)
        self._seconds_per_day = sum(_seconds(end) - _seconds(start) for start, end in self._periods)
        self._decisions: dict[int, YearDecision] = {}
        for decision in decisions:
            if decision.year in self._decisions:
                raise CalendarError(f"{origin}: [years.{decision.year}] is given twice")
            self._decisions[decision.year] = decision
        self._tables: dict[int, _YearTable] = {}
        self._bounds: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        for year in self._decisions:  # check the official years now, not at first use
            self._table(year)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> WorkCalendar:
        """Read a calendar data file; raise :class:`CalendarError` if it is missing or wrong."""
        path = Path(path)
        try:
            with path.open("rb") as file:
                data = tomllib.load(file)
        except OSError as exc:
            raise CalendarError(f"{path}: cannot read the calendar file ({exc})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise CalendarError(
                f"{path}: not a valid TOML file: {exc}. Dates are written 2026-01-02 "
                f'(no quotes) and must exist; times are written "07:30".'
            ) from exc
        return _Reader(str(path)).calendar(data)

    def __repr__(self) -> str:
        return f"<WorkCalendar {self._origin} official years {self.years()}>"

    # ---------------------------------------------------------------- about the data

    def years(self) -> list[int]:
        """The years with an official decision in the data file."""
        return sorted(self._decisions)

    def is_official(self, year: int) -> bool:
        """True if ``year`` follows an official decision, False if it is computed from the law."""
        return year in self._decisions

    def source(self, year: int) -> str | None:
        """The documents the official calendar of ``year`` comes from, if it is official."""
        decision = self._decisions.get(year)
        return decision.source if decision else None

    @property
    def periods(self) -> tuple[Period, ...]:
        """Office periods of a working day, in order."""
        return self._periods

    @property
    def hours_per_day(self) -> float:
        """Office hours in one working day (8 with the default periods)."""
        return self._seconds_per_day / 3600

    # ---------------------------------------------------------------- days

    def holidays(self, year: int) -> dict[date, str]:
        """Days off of ``year`` besides ordinary weekly rest days, with their Vietnamese names.

        Contains the statutory holidays (even those on a weekend) and the compensatory and
        bridge days that would otherwise be working days.
        """
        return dict(self._table(year).holidays)

    def is_working_day(self, day: date) -> bool:
        """True if civil servants work on ``day``."""
        day = _as_date(day)
        table = self._table(day.year)
        return table.working[day.toordinal() - table.first_ordinal] == 1

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted).

        ``n = 0`` gives ``start`` if it is a working day, else the next working day.
        :class:`OutsideCalendar` when ``start`` or the result is not in a year it covers.
        """
        start = _as_date(start)
        if n < 0:
            raise ValueError(f"n must be 0 or more, not {n}")
        _check_year(start.year)  # before any arithmetic: date.max + 1 day is an OverflowError
        if n == 0:
            return start if self.is_working_day(start) else self._next_working_day(start)
        return self._nth_working_day_after(start, n)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; negative when ``end`` is before ``start``."""
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        full_years = sum(self._table(year).running[-1] for year in range(start.year, end.year))
        return full_years + self._working_days_through(end) - self._working_days_through(start)

    # ---------------------------------------------------------------- office hours

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` if it is within office hours of a working day, else the next period start.

        Online dossiers submitted outside office hours or on a day off count from there.
        """
        local = _local(moment)
        day = local.date()
        if self.is_working_day(day):
            for start, end in self._office(day):
                if local < start:
                    return start
                if local < end:
                    return local
        return self._office(self._next_working_day(day))[0][0]

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        """The instant ``hours`` office hours after ``moment``, skipping breaks and days off.

        Counting starts at :meth:`next_working_moment`. A deadline that uses up a period
        exactly ends at that period's end (e.g. 8 hours from Monday 07:30 is Monday 17:00).
        """
        if hours < 0:
            raise ValueError(f"hours must be 0 or more, not {hours}")
        remaining = timedelta(hours=hours)
        current = self.next_working_moment(moment)
        # What is left of the current day, then whole working days skipped at once (the
        # running counts find the n-th working day), then the last day's periods.
        rest = self._spend(current, remaining)
        if isinstance(rest, datetime):
            return rest
        day_length = timedelta(seconds=self._seconds_per_day)
        whole, part = divmod(rest, day_length)
        if not part:  # ends exactly at the end of a day's last period
            whole, part = whole - 1, day_length
        day = self._nth_working_day_after(current.date(), whole + 1)
        last = self._spend(self._office(day)[0][0], part)
        assert isinstance(last, datetime)  # noqa: S101  part is at most one day's hours
        return last

    def _spend(self, current: datetime, remaining: timedelta) -> datetime | timedelta:
        """The instant ``remaining`` office time after ``current`` (a working moment) if
        it falls on the same day, else what is left over after that day's last period."""
        for period_start, period_end in self._office(current.date()):
            if current >= period_end:
                continue
            begin = max(current, period_start)
            available = period_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        return remaining

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Office hours between two instants; negative when ``end`` is before ``start``.

        ``working_hours_between(now, deadline)`` is the time left, negative once overdue.
        """
        first, last = _local(start), _local(end)
        if last < first:
            return -self.working_hours_between(end, start)
        if first.date() == last.date():
            seconds = self._office_seconds(first.date(), first.time(), last.time())
        else:
            seconds = self._office_seconds(first.date(), first.time(), None)
            seconds += self._office_seconds(last.date(), None, last.time())
            days_between = self.working_days_between(first.date(), last.date() - _ONE_DAY)
            seconds += days_between * self._seconds_per_day
        return seconds / 3600

    # ---------------------------------------------------------------- internals

    def _next_working_day(self, day: date) -> date:
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def _office(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The office periods of ``day`` as instants (remembered: deadlines are counted
        by the thousand in bulk work, and building zoned instants dominated)."""
        bounds = self._bounds.get(day)
        if bounds is None:
            bounds = self._bounds[day] = tuple(
                (_at(day, start), _at(day, end)) for start, end in self._periods
            )
        return bounds

    def _nth_working_day_after(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``n`` ≥ 1), found in the years'
        running counts rather than day by day."""
        table = self._table(day.year)
        target = table.running[day.toordinal() - table.first_ordinal + 1] + n
        year = day.year
        while target > table.running[-1]:
            target -= table.running[-1]
            year += 1
            table = self._table(year)
        return date.fromordinal(table.first_ordinal + bisect_left(table.running, target) - 1)

    def _working_days_through(self, day: date) -> int:
        """Working days from 1 January of ``day``'s year through ``day``."""
        table = self._table(day.year)
        return table.running[day.toordinal() - table.first_ordinal + 1]

    def _end_of_period(self, moment: datetime) -> datetime:
        """End of the office period ``moment`` is in (``moment`` must be in one)."""
        now = _seconds(moment.time())
        for start, end in self._periods:
            if _seconds(start) <= now < _seconds(end):
                return _at(moment.date(), end)
        raise AssertionError(f"{moment} is not within office hours")  # pragma: no cover

    def _office_seconds(self, day: date, since: time | None, until: time | None) -> float:
        """Seconds of office time on ``day`` between two times of day (None: day's edge)."""
        if not self.is_working_day(day):
            return 0.0
        low = 0.0 if since is None else _seconds(since)
        high = float(_SECONDS_PER_DAY) if until is None else _seconds(until)
        total = 0.0
        for start, end in self._periods:
            total += max(0.0, min(high, _seconds(end)) - max(low, _seconds(start)))
        return total

    def _table(self, year: int) -> _YearTable:
        table = self._tables.get(year)
        if table is None:
            table = self._tables[year] = self._build_table(year)
        return table

    def _build_table(self, year: int) -> _YearTable:
        _check_year(year)
        decision = self._decisions.get(year)
        if decision is None:
            statutory = statutory_holidays(year)
            days_off = statutory | compensatory_days(statutory, self._weekly_rest)
            make_up: set[date] = set()
        else:
            days_off, make_up = self._apply(decision)
        first = date(year, 1, 1)
        length = (date(year + 1, 1, 1) - first).days
        working = bytearray(length)
        running = [0]
        for index in range(length):
            day = first + timedelta(days=index)
            works = (day.weekday() not in self._weekly_rest or day in make_up) and (
                day not in days_off
            )
            working[index] = works
            running.append(running[-1] + works)
        return _YearTable(
            first_ordinal=first.toordinal(),
            holidays=dict(sorted(days_off.items())),
            working=bytes(working),
            running=tuple(running),
        )

    def _apply(self, decision: YearDecision) -> tuple[dict[date, str], set[date]]:
        """Check an official decision; return its days off and its make-up working days."""
        year = decision.year
        where = f"{self._origin}: [years.{year}]"
        seen: dict[date, str] = {}
        for key, entries in decision.entry_lists():
            for entry in entries:
                if entry.day.year != year:
                    raise CalendarError(
                        f"{where} {key} entry {entry}: the date is not in {year}; "
                        f"put it under [years.{entry.day.year}]"
                    )
                if entry.day in seen:
                    raise CalendarError(
                        f"{where} {key} entry {entry}: the date is listed twice "
                        f"(also in {seen[entry.day]})"
                    )
                seen[entry.day] = key

        new_year = lunar_new_year(year)
        if decision.tet is not None and new_year not in {e.day for e in decision.tet}:
            raise CalendarError(
                f"{where} tet: must include the first day of the lunar year, {new_year:%d/%m/%Y}"
            )
        national_day = date(year, 9, 2)
        if decision.national_day is not None and national_day not in {
            e.day for e in decision.national_day
        }:
            raise CalendarError(f"{where} national_day: must include {national_day:%d/%m/%Y}")

        statutory = statutory_holidays(
            year,
            tet=None if decision.tet is None else {e.day: e.name for e in decision.tet},
            national_day=None
            if decision.national_day is None
            else {e.day: e.name for e in decision.national_day},
        )
        days_off = dict(statutory)
        for entry in decision.days_off:
            if entry.day in statutory:
                raise CalendarError(
                    f"{where} days_off entry {entry}: the date is already a statutory holiday "
                    f"({statutory[entry.day]}); list only the extra days off"
                )
            if entry.day.weekday() in self._weekly_rest:
                raise CalendarError(
                    f"{where} days_off entry {entry}: the date is a "
                    f"{WEEKDAY_NAMES[entry.day.weekday()].capitalize()}, already a weekly rest day"
                )
            days_off[entry.day] = entry.name
        for entry in decision.working_days:
            if entry.day.weekday() not in self._weekly_rest:
                rest = ", ".join(WEEKDAY_NAMES[d] for d in sorted(self._weekly_rest))
                raise CalendarError(
                    f"{where} working_days entry {entry}: a make-up working day must fall on a "
                    f"weekly rest day ({rest}), but the date is a "
                    f"{WEEKDAY_NAMES[entry.day.weekday()].capitalize()}"
                )
            if entry.day in statutory:
                raise CalendarError(
                    f"{where} working_days entry {entry}: the date is a statutory holiday "
                    f"({statutory[entry.day]})"
                )
        return days_off, {entry.day for entry in decision.working_days}

    def _checked_periods(self, periods: Sequence[Period]) -> tuple[Period, ...]:
        checked = tuple((start, end) for start, end in periods)
        if not checked:
            raise CalendarError(f"{self._origin}: [hours] periods: at least one period is needed")
        previous_end: time | None = None
        for start, end in checked:
            shown = f'["{start:%H:%M}", "{end:%H:%M}"]'
            if start.tzinfo is not None or end.tzinfo is not None:
                raise CalendarError(f"{self._origin}: [hours] period {shown}: use local times")
            if not start < end:
                raise CalendarError(
                    f"{self._origin}: [hours] period {shown}: the start must be before the end"
                )
            if previous_end is not None and start < previous_end:
                raise CalendarError(
                    f"{self._origin}: [hours] period {shown}: periods must be in order and "
                    "must not overlap"
                )
            previous_end = end
        return checked

    def _checked_weekly_rest(self, weekly_rest: Iterable[int]) -> frozenset[int]:
        rest = frozenset(weekly_rest)
        if not rest <= set(range(7)) or len(rest) == 7:
            raise CalendarError(
                f"{self._origin}: [hours] weekly_rest: give some of the days monday … sunday, "
                "leaving at least one working day"
            )
        return rest


# --------------------------------------------------------------------------- reading the file

_TIME_RE: Final = re.compile(r"(\d{1,2}):(\d{2})")


class _Reader:
    """Turns a parsed TOML document into a :class:`WorkCalendar`, naming where errors are."""

    _TOP_KEYS: Final = frozenset({"hours", "years"})
    _HOURS_KEYS: Final = frozenset({"periods", "weekly_rest"})
    _YEAR_KEYS: Final = frozenset({"source", "tet", "national_day", "days_off", "working_days"})
    _DEFAULT_NAMES: Final = {
        "tet": TET,
        "national_day": NATIONAL_DAY,
        "days_off": "Ngày nghỉ theo lịch của Chính phủ",
        "working_days": "Ngày làm việc bù",
    }

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def error(self, where: str, problem: str) -> CalendarError:
        return CalendarError(f"{self.origin}: {where}: {problem}")

    def calendar(self, data: dict[str, Any]) -> WorkCalendar:
        self.known_keys(data, self._TOP_KEYS, "top level")
        hours = self.table(data.get("hours", {}), "[hours]")
        self.known_keys(hours, self._HOURS_KEYS, "[hours]")
        periods = self.periods(hours.get("periods"))
        weekly_rest = self.weekly_rest(hours.get("weekly_rest"))
        years = self.table(data.get("years", {}), "[years]")
        decisions = [self.decision(key, value) for key, value in years.items()]
        return WorkCalendar(
            decisions,
            periods=periods if periods is not None else DEFAULT_PERIODS,
            weekly_rest=weekly_rest if weekly_rest is not None else DEFAULT_WEEKLY_REST,
            origin=self.origin,
        )

    def table(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(where, "must be a table")
        return value

    def known_keys(self, table: dict[str, Any], allowed: frozenset[str], where: str) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise self.error(
                where, f"unknown key {unknown[0]!r}; the keys are {', '.join(sorted(allowed))}"
            )

    def periods(self, value: Any) -> list[Period] | None:
        if value is None:
            return None
        if not isinstance(value, list):
            raise self.error("[hours] periods", 'must be a list like [["07:30", "11:30"], ...]')
        periods = []
        for item in value:
            if not (isinstance(item, list) and len(item) == 2):
                raise self.error(f"[hours] period {item!r}", 'must be a pair ["HH:MM", "HH:MM"]')
            where = f"[hours] period {item!r}"
            periods.append((self.time(item[0], where), self.time(item[1], where)))
        return periods

    def time(self, value: Any, where: str) -> time:
        if isinstance(value, time):
            return value
        match = _TIME_RE.fullmatch(value) if isinstance(value, str) else None
        if match:
            try:
                return time(int(match[1]), int(match[2]))
            except ValueError:
                pass
        raise self.error(where, f'{value!r} is not a time of day written "HH:MM"')

    def weekly_rest(self, value: Any) -> frozenset[int] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not all(
            isinstance(name, str) and name.lower() in WEEKDAY_NAMES for name in value
        ):
            raise self.error("[hours] weekly_rest", f"must be a list of {', '.join(WEEKDAY_NAMES)}")
        return frozenset(WEEKDAY_NAMES.index(name.lower()) for name in value)

    def decision(self, key: str, value: Any) -> YearDecision:
        where = f"[years.{key}]"
        if not (key.isdigit() and len(key) == 4):
            raise self.error(where, "the key must be a year such as 2026")
        table = self.table(value, where)
        self.known_keys(table, self._YEAR_KEYS, where)
        source = table.get("source")
        if not (isinstance(source, str) and source.strip()):
            raise self.error(where, "source: say which documents this calendar comes from")
        lists = {
            name: self.entries(table[name], f"{where} {name}", self._DEFAULT_NAMES[name])
            for name in self._DEFAULT_NAMES
            if name in table
        }
        return YearDecision(
            year=int(key),
            source=source.strip(),
            days_off=lists.get("days_off", ()),
            working_days=lists.get("working_days", ()),
            tet=lists.get("tet"),
            national_day=lists.get("national_day"),
        )

    def entries(self, value: Any, where: str, default_name: str) -> tuple[DayEntry, ...]:
        if not isinstance(value, list):
            raise self.error(where, 'must be a list like [{ date = 2026-01-02, name = "…" }]')
        return tuple(self.entry(item, where, default_name) for item in value)

    def entry(self, item: Any, where: str, default_name: str) -> DayEntry:
        if isinstance(item, dict):
            unknown = set(item) - {"date", "name"}
            day, name = item.get("date"), item.get("name", default_name)
        else:
            unknown, day, name = set(), item, default_name
        if unknown or not isinstance(name, str) or not name.strip():
            raise self.error(
                f"{where} entry {item!r}", 'must be { date = YYYY-MM-DD, name = "…" } or a date'
            )
        if isinstance(day, datetime) or not isinstance(day, date):
            raise self.error(
                f"{where} entry {item!r}",
                f"{day!r} is not a date; write it like 2026-01-02, without quotes or time",
            )
        return DayEntry(day=day, name=name.strip())


# --------------------------------------------------------------------------- small helpers


def _as_date(value: date) -> date:
    if isinstance(value, datetime):
        raise TypeError("pass a date; for an instant use the working-hours functions")
    return value


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment} is a naive datetime; pass an aware one")
    return moment.astimezone(TIMEZONE)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=TIMEZONE)


def _seconds(clock: time) -> float:
    """Seconds since midnight."""
    return clock.hour * 3600 + clock.minute * 60 + clock.second + clock.microsecond / 1e6


# --------------------------------------------------------------------------- shared instance

_lock = threading.Lock()
_loaded: tuple[tuple[str, int, int], WorkCalendar] | None = None


def get_calendar() -> WorkCalendar:
    """The calendar of ``settings.WORK_CALENDAR_FILE``, reread when the file changes.

    If an operator's edit breaks the file, the error is logged and the calendar read before
    keeps being used; with no good calendar to fall back on, :class:`CalendarError` is raised.
    """
    global _loaded
    path = Path(settings.WORK_CALENDAR_FILE)
    try:
        stat = path.stat()
    except OSError as exc:
        raise CalendarError(f"{path}: cannot read the calendar file ({exc})") from exc
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        if _loaded is not None and _loaded[0] == key:
            return _loaded[1]
        try:
            calendar = WorkCalendar.from_file(path)
        except CalendarError:
            if _loaded is None or _loaded[0][0] != key[0]:
                raise
            logger.exception("work calendar file changed but is wrong; keeping the previous one")
            calendar = _loaded[1]
        _loaded = (key, calendar)
        return calendar


def holidays(year: int) -> dict[date, str]:
    """:meth:`WorkCalendar.holidays` of the shared calendar."""
    return get_calendar().holidays(year)


def is_working_day(day: date) -> bool:
    """:meth:`WorkCalendar.is_working_day` of the shared calendar."""
    return get_calendar().is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """:meth:`WorkCalendar.add_working_days` of the shared calendar."""
    return get_calendar().add_working_days(start, n)


def working_days_between(start: date, end: date) -> int:
    """:meth:`WorkCalendar.working_days_between` of the shared calendar."""
    return get_calendar().working_days_between(start, end)


def next_working_moment(moment: datetime) -> datetime:
    """:meth:`WorkCalendar.next_working_moment` of the shared calendar."""
    return get_calendar().next_working_moment(moment)


def add_working_hours(moment: datetime, hours: float) -> datetime:
    """:meth:`WorkCalendar.add_working_hours` of the shared calendar."""
    return get_calendar().add_working_hours(moment, hours)


def working_hours_between(start: datetime, end: datetime) -> float:
    """:meth:`WorkCalendar.working_hours_between` of the shared calendar."""
    return get_calendar().working_hours_between(start, end)
