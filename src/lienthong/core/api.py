"""API of the shared kernel: the working-day calendar for integrators."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.params.functions import Path, Query

from lienthong.core import workcalendar
from lienthong.core.errors import InvalidInput, InvalidParam
from lienthong.core.schemas import CalendarYearOut, DayOffOut, DueDateOut
from lienthong.core.workcalendar import OutsideCalendar, get_calendar

router = Router(tags=["Lịch làm việc"])


@router.get(
    "/calendar/due-date", response=DueDateOut, summary="Tính ngày hẹn trả theo ngày làm việc"
)
def due_date(
    request: HttpRequest,
    start: dt.date,
    working_days: int = Query(..., ge=0, le=3650),
) -> DueDateOut:
    """Ngày làm việc thứ `working_days` sau ngày `start` (không tính ngày `start`), theo lịch
    nghỉ lễ, nghỉ bù và ngày làm bù chính thức. Lịch tính được từ năm 1900 đến năm 2199:
    ngày `start` hoặc ngày hẹn trả ngoài khoảng đó là 422 `outside_calendar`."""
    if not workcalendar.covers(start.year):
        raise _outside_calendar("start", _("Ngày bắt đầu nằm ngoài lịch làm việc"))
    cal = get_calendar()
    try:
        due = cal.add_working_days(start, working_days)
    except OutsideCalendar:
        raise _outside_calendar(
            "working_days", _("Ngày hẹn trả rơi vào sau năm cuối của lịch làm việc")
        ) from None
    return DueDateOut(
        start=start,
        working_days=working_days,
        due_date=due,
        official_calendar=all(cal.is_official(y) for y in range(start.year, due.year + 1)),
    )


def _outside_calendar(field: str, what: str) -> InvalidInput:
    reason = _("%(what)s: lịch chỉ tính được từ năm %(first)d đến năm %(last)d.") % {
        "what": what,
        "first": workcalendar.MIN_YEAR,
        "last": workcalendar.MAX_YEAR,
    }
    return InvalidInput(reason, invalid_params=[InvalidParam(field, "outside_calendar", reason)])


@router.get("/calendar/{year}", response=CalendarYearOut, summary="Các ngày nghỉ trong năm")
def calendar_year(request: HttpRequest, year: int = Path(..., ge=1900, le=2199)) -> CalendarYearOut:
    """Các ngày nghỉ lễ, Tết, nghỉ bù của cán bộ, công chức trong năm; `official` cho biết năm
    đó đã có quyết định chính thức trong tệp lịch hay được tính theo Bộ luật Lao động."""
    cal = get_calendar()
    days = sorted(cal.holidays(year).items())
    return CalendarYearOut(
        year=year,
        official=cal.is_official(year),
        days_off=[DayOffOut(date=d, name=name) for d, name in days],
    )
