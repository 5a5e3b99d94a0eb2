from __future__ import annotations

import datetime as dt

from ninja import Schema


class DueDateOut(Schema):
    start: dt.date
    working_days: int
    due_date: dt.date
    official_calendar: bool


class DayOffOut(Schema):
    date: dt.date
    name: str


class CalendarYearOut(Schema):
    year: int
    official: bool
    days_off: list[DayOffOut]
