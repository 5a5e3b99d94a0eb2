"""Working-day calendar: official years from the data file, computed years from the law."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from lienthong.core import workcalendar
from lienthong.core.workcalendar import CalendarError, OutsideCalendar, WorkCalendar

SHIPPED_FILE = Path(workcalendar.__file__).parent / "data" / "calendar.toml"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkCalendar.from_file(SHIPPED_FILE)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HCM)


def write_calendar(tmp_path: Path, body: str, name: str = "calendar.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the shipped file


def test_the_shipped_file_lists_2025_and_2026_as_official_years() -> None:
    assert CALENDAR.years() == [2025, 2026]
    assert CALENDAR.is_official(2026)
    assert not CALENDAR.is_official(2027)
    assert "9441/TB-BNV" in (CALENDAR.source(2026) or "")
    assert CALENDAR.source(2027) is None
    assert CALENDAR.hours_per_day == 8


def test_a_deadline_crosses_the_official_tet_2026_break() -> None:
    assert CALENDAR.add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)
    for day in range(14, 23):
        assert not CALENDAR.is_working_day(date(2026, 2, day))
    assert CALENDAR.is_working_day(date(2026, 2, 23))


def test_the_2026_make_up_saturday_is_a_working_day_and_the_swapped_friday_is_not() -> None:
    assert CALENDAR.is_working_day(date(2026, 1, 10))
    assert not CALENDAR.is_working_day(date(2026, 1, 2))
    assert CALENDAR.add_working_days(date(2026, 1, 9), 1) == date(2026, 1, 10)
    assert CALENDAR.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 5)


def test_hung_kings_day_2026_on_a_sunday_is_compensated_on_monday() -> None:
    assert CALENDAR.holidays(2026)[date(2026, 4, 26)].startswith("Giỗ Tổ Hùng Vương")
    assert not CALENDAR.is_working_day(date(2026, 4, 27))
    assert CALENDAR.add_working_days(date(2026, 4, 24), 1) == date(2026, 4, 28)


def test_30_april_and_1_may_2026_are_days_off() -> None:
    assert CALENDAR.add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 4)


def test_national_day_2026_is_off_on_1_and_2_september() -> None:
    assert CALENDAR.add_working_days(date(2026, 8, 31), 1) == date(2026, 9, 3)


def test_the_2025_official_calendar_swaps_2_may_with_saturday_26_april() -> None:
    assert CALENDAR.is_working_day(date(2025, 4, 26))
    assert not CALENDAR.is_working_day(date(2025, 5, 2))
    assert CALENDAR.add_working_days(date(2025, 4, 29), 1) == date(2025, 5, 5)
    # Tết 2025 official break: Monday 27/1 to Friday 31/1.
    assert CALENDAR.add_working_days(date(2025, 1, 24), 1) == date(2025, 2, 3)


def test_zero_working_days_is_the_start_itself_or_the_next_working_day() -> None:
    assert CALENDAR.add_working_days(date(2026, 3, 4), 0) == date(2026, 3, 4)
    assert CALENDAR.add_working_days(date(2026, 2, 14), 0) == date(2026, 2, 23)


def test_a_negative_number_of_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        CALENDAR.add_working_days(date(2026, 3, 4), -1)


def test_working_days_between_counts_the_end_but_not_the_start() -> None:
    assert CALENDAR.working_days_between(date(2026, 2, 13), date(2026, 2, 25)) == 3
    assert CALENDAR.working_days_between(date(2026, 2, 25), date(2026, 2, 13)) == -3
    assert CALENDAR.working_days_between(date(2026, 3, 4), date(2026, 3, 4)) == 0
    # Across a year boundary: Wed 31/12/2025 → Mon 5/1/2026 has one working day, Monday.
    assert CALENDAR.working_days_between(date(2025, 12, 31), date(2026, 1, 5)) == 1


def test_a_datetime_is_not_accepted_where_a_date_is_expected() -> None:
    with pytest.raises(TypeError):
        CALENDAR.is_working_day(at(2026, 3, 4, 9))


# --------------------------------------------------------------------------- computed years


def test_tet_of_a_year_not_in_the_file_comes_from_the_lunar_calendar() -> None:
    assert workcalendar.lunar_new_year(2027) == date(2027, 2, 6)
    # Vietnam counts at UTC+7: the new moon, around 23:00 on 2/2/2030, starts the year on 2/2,
    # one day before Chinese New Year (3/2/2030 at UTC+8).
    assert workcalendar.lunar_new_year(2030) == date(2030, 2, 2)
    holidays_2027 = CALENDAR.holidays(2027)
    assert holidays_2027[date(2027, 2, 6)] == "Tết Nguyên đán (mùng 1)"
    # The last day of the lunar year plus mùng 1–4.
    for day in range(5, 10):
        assert date(2027, 2, day) in holidays_2027
    holidays_2030 = CALENDAR.holidays(2030)
    assert holidays_2030[date(2030, 2, 1)] == "Tết Nguyên đán (ngày cuối năm âm lịch)"
    assert holidays_2030[date(2030, 2, 2)] == "Tết Nguyên đán (mùng 1)"
    assert CALENDAR.add_working_days(date(2030, 1, 31), 1) == date(2030, 2, 8)


def test_tet_days_on_a_weekend_of_a_computed_year_are_compensated_after_the_break() -> None:
    # Tết 2027: Fri 5/2 to Tue 9/2; Sat 6/2 and Sun 7/2 give Wed 10/2 and Thu 11/2.
    assert not CALENDAR.is_working_day(date(2027, 2, 10))
    assert not CALENDAR.is_working_day(date(2027, 2, 11))
    assert CALENDAR.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 12)


def test_a_computed_year_compensates_holidays_on_a_weekend() -> None:
    assert not CALENDAR.is_official(2028)
    holidays_2028 = CALENDAR.holidays(2028)
    # 1/1/2028 is a Saturday: Monday 3/1 is off.
    assert not CALENDAR.is_working_day(date(2028, 1, 3))
    assert holidays_2028[date(2028, 1, 3)].startswith("Nghỉ bù Tết Dương lịch")
    # 30/4/2028 is a Sunday and 1/5 a Monday holiday already: Tuesday 2/5 is off.
    assert not CALENDAR.is_working_day(date(2028, 5, 2))
    assert CALENDAR.add_working_days(date(2028, 4, 28), 1) == date(2028, 5, 3)
    # 2/9/2028 is a Saturday, 1/9 a Friday: Monday 4/9 is off.
    assert CALENDAR.add_working_days(date(2028, 8, 31), 1) == date(2028, 9, 5)


def test_hung_kings_day_on_a_saturday_of_a_computed_year_moves_to_monday() -> None:
    assert workcalendar.lunar_to_solar(10, 3, 2033) == date(2033, 4, 9)  # a Saturday
    assert not CALENDAR.is_working_day(date(2033, 4, 11))


def test_statutory_holidays_follow_labour_code_article_112() -> None:
    days = workcalendar.statutory_holidays(2029)
    assert len(days) == 11
    assert {date(2029, 1, 1), date(2029, 4, 30), date(2029, 5, 1)} <= set(days)
    assert {date(2029, 9, 1), date(2029, 9, 2)} <= set(days)


# --------------------------------------------------------------------------- office hours


def test_an_online_submission_on_saturday_evening_counts_from_monday_morning() -> None:
    assert CALENDAR.next_working_moment(at(2026, 3, 7, 20, 15)) == at(2026, 3, 9, 7, 30)


def test_a_submission_during_office_hours_counts_from_that_moment() -> None:
    moment = at(2026, 3, 4, 9, 12)
    assert CALENDAR.next_working_moment(moment) == moment
    assert CALENDAR.next_working_moment(at(2026, 3, 4, 12, 0)) == at(2026, 3, 4, 13, 0)
    assert CALENDAR.next_working_moment(at(2026, 3, 4, 17, 0)) == at(2026, 3, 5, 7, 30)


def test_a_submission_during_tet_counts_from_the_first_working_morning() -> None:
    assert CALENDAR.next_working_moment(at(2026, 2, 17, 10)) == at(2026, 2, 23, 7, 30)


def test_a_utc_datetime_is_answered_in_vietnam_time() -> None:
    moment = datetime(2026, 3, 4, 2, 0, tzinfo=ZoneInfo("UTC"))  # 09:00 in Hà Nội
    result = CALENDAR.next_working_moment(moment)
    assert result == moment
    assert result.tzinfo == HCM


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        CALENDAR.next_working_moment(datetime(2026, 3, 4, 9, 0))


def test_four_working_hours_after_half_past_ten_skip_the_lunch_break() -> None:
    # 10:30–11:30 is one hour, 13:00–16:00 the other three.
    assert CALENDAR.add_working_hours(at(2026, 3, 4, 10, 30), 4) == at(2026, 3, 4, 16, 0)


def test_eight_working_hours_from_friday_afternoon_cross_the_weekend() -> None:
    # Friday 13:00–17:00, then Monday 07:30–11:30.
    assert CALENDAR.add_working_hours(at(2026, 3, 6, 13, 0), 8) == at(2026, 3, 9, 11, 30)
    assert CALENDAR.add_working_hours(at(2026, 3, 6, 14, 0), 8) == at(2026, 3, 9, 14, 0)


def test_a_full_working_day_ends_at_close_of_business() -> None:
    assert CALENDAR.add_working_hours(at(2026, 3, 9, 7, 30), 8) == at(2026, 3, 9, 17, 0)


def test_working_hours_skip_the_tet_break() -> None:
    assert CALENDAR.add_working_hours(at(2026, 2, 13, 16, 0), 2) == at(2026, 2, 23, 8, 30)


def test_working_hours_between_is_negative_after_the_deadline() -> None:
    deadline = CALENDAR.add_working_hours(at(2026, 3, 6, 13, 0), 8)
    assert CALENDAR.working_hours_between(at(2026, 3, 6, 13, 0), deadline) == 8
    assert CALENDAR.working_hours_between(at(2026, 3, 9, 9, 30), deadline) == 2
    assert CALENDAR.working_hours_between(at(2026, 3, 9, 15, 0), deadline) == -2
    assert CALENDAR.working_hours_between(at(2026, 3, 10, 8, 30), deadline) == -5


def test_working_hours_between_counts_whole_days_in_between() -> None:
    # Mon 9/3 10:00 → Thu 12/3 10:00: 5.5 h + two full days + 2.5 h.
    assert CALENDAR.working_hours_between(at(2026, 3, 9, 10), at(2026, 3, 12, 10)) == 24
    # Across the Tết 2026 break: Friday 13/2 16:00 → Monday 23/2 08:30.
    assert CALENDAR.working_hours_between(at(2026, 2, 13, 16), at(2026, 2, 23, 8, 30)) == 2


# --------------------------------------------------------------------------- property


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    n=st.integers(min_value=0, max_value=60),
)
def test_adding_working_days_lands_on_a_working_day_n_working_days_later(
    start: date, n: int
) -> None:
    result = CALENDAR.add_working_days(start, n)
    assert CALENDAR.is_working_day(result)
    if n > 0:
        assert CALENDAR.working_days_between(start, result) == n


@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31)),
    hours=st.integers(min_value=0, max_value=200),
)
def test_adding_working_hours_is_undone_by_working_hours_between(
    start: datetime, hours: int
) -> None:
    moment = start.replace(tzinfo=HCM)
    deadline = CALENDAR.add_working_hours(moment, hours)
    assert CALENDAR.working_hours_between(moment, deadline) == pytest.approx(hours)


def _walked(moment: datetime, hours: float) -> datetime:
    """Working hours added the slow way, one office period after another."""
    remaining = timedelta(hours=hours)
    current = CALENDAR.next_working_moment(moment)
    while True:
        day = current.date()
        end = next(
            datetime.combine(day, e, tzinfo=HCM)
            for s, e in CALENDAR.periods
            if datetime.combine(day, s, tzinfo=HCM)
            <= current
            < datetime.combine(day, e, tzinfo=HCM)
        )
        if remaining <= end - current:
            return current + remaining
        remaining -= end - current
        current = CALENDAR.next_working_moment(end)


@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 20)),
    hours=st.one_of(
        st.integers(min_value=0, max_value=400).map(float),
        st.floats(min_value=0, max_value=400, allow_nan=False).map(lambda h: round(h, 3)),
    ),
)
def test_whole_days_skipped_at_once_land_where_walking_the_periods_does(
    start: datetime, hours: float
) -> None:
    moment = start.replace(tzinfo=HCM)
    assert CALENDAR.add_working_hours(moment, hours) == _walked(moment, hours)


def test_a_deadline_using_up_whole_days_ends_at_the_last_period_of_the_last_day() -> None:
    # 16 hours from Monday 07:30 (2026-03-02) end on Tuesday at 17:00, not Wednesday 07:30.
    assert CALENDAR.add_working_hours(at(2026, 3, 2, 7, 30), 16) == at(2026, 3, 3, 17)
    # Across the year's end, New Year's Day and its bridge day (Friday 2/1/2026).
    assert CALENDAR.add_working_hours(at(2025, 12, 31, 7, 30), 8) == at(2025, 12, 31, 17)
    assert CALENDAR.add_working_hours(at(2025, 12, 31, 7, 30), 9) == at(2026, 1, 5, 8, 30)


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 11, 30)),
    n=st.integers(min_value=1, max_value=120),
)
def test_adding_working_days_matches_counting_them_one_by_one(start: date, n: int) -> None:
    day = start
    for _ in range(n):
        day += timedelta(days=1)
        while not CALENDAR.is_working_day(day):
            day += timedelta(days=1)
    assert CALENDAR.add_working_days(start, n) == day


# --------------------------------------------------------------------------- bad data files

A_YEAR = """
[years.2031]
source = "test"
"""


def test_a_make_up_working_day_on_a_tuesday_is_refused_naming_the_entry(
    tmp_path: Path,
) -> None:
    path = write_calendar(
        tmp_path, A_YEAR + 'working_days = [{ date = 2031-01-07, name = "Làm bù" }]\n'
    )
    with pytest.raises(CalendarError) as caught:
        WorkCalendar.from_file(path)
    message = str(caught.value)
    assert str(path) in message
    assert "[years.2031]" in message
    assert "2031-01-07" in message
    assert "Tuesday" in message


def test_a_date_outside_its_year_is_refused_naming_the_entry(tmp_path: Path) -> None:
    path = write_calendar(tmp_path, A_YEAR + 'days_off = [{ date = 2030-12-31, name = "Cầu" }]\n')
    with pytest.raises(CalendarError, match=r"\[years\.2031\] days_off entry .*2030-12-31"):
        WorkCalendar.from_file(path)


def test_a_date_that_does_not_exist_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write_calendar(tmp_path, A_YEAR + 'days_off = [{ date = 2031-02-30, name = "?" }]\n')
    with pytest.raises(CalendarError, match=r"calendar\.toml: not a valid TOML file.*line 4"):
        WorkCalendar.from_file(path)


def test_a_date_written_as_text_is_refused_naming_the_entry(tmp_path: Path) -> None:
    path = write_calendar(tmp_path, A_YEAR + 'days_off = [{ date = "02/01/2031", name = "?" }]\n')
    with pytest.raises(CalendarError, match=r"days_off entry .*02/01/2031.* is not a date"):
        WorkCalendar.from_file(path)


def test_a_date_listed_twice_is_refused(tmp_path: Path) -> None:
    body = A_YEAR + (
        'days_off = [{ date = 2031-01-02, name = "Cầu" }]\n'
        'working_days = [{ date = 2031-01-02, name = "Làm bù" }]\n'
    )
    with pytest.raises(CalendarError, match=r"2031-01-02.*listed twice"):
        WorkCalendar.from_file(write_calendar(tmp_path, body))


def test_repeating_a_statutory_holiday_as_a_day_off_is_refused(tmp_path: Path) -> None:
    body = A_YEAR + 'days_off = [{ date = 2031-04-30, name = "30/4" }]\n'
    with pytest.raises(CalendarError, match="already a statutory holiday"):
        WorkCalendar.from_file(write_calendar(tmp_path, body))


def test_a_tet_list_without_the_first_lunar_day_is_refused(tmp_path: Path) -> None:
    body = A_YEAR + "tet = [2031-01-20, 2031-01-21]\n"
    with pytest.raises(CalendarError, match=r"tet: must include .*23/01/2031"):
        WorkCalendar.from_file(write_calendar(tmp_path, body))


def test_an_unparseable_office_hour_is_refused(tmp_path: Path) -> None:
    body = '[hours]\nperiods = [["7h30", "11:30"]]\n'
    with pytest.raises(CalendarError, match=r"\[hours\] period .*'7h30'"):
        WorkCalendar.from_file(write_calendar(tmp_path, body))


def test_an_unknown_key_is_refused(tmp_path: Path) -> None:
    body = A_YEAR + "day_off = []\n"
    with pytest.raises(CalendarError, match="unknown key 'day_off'"):
        WorkCalendar.from_file(write_calendar(tmp_path, body))


def test_a_missing_file_is_a_calendar_error(tmp_path: Path) -> None:
    with pytest.raises(CalendarError, match="cannot read"):
        WorkCalendar.from_file(tmp_path / "missing.toml")


def test_a_small_file_with_its_own_hours_and_decisions_is_used(tmp_path: Path) -> None:
    body = """
[hours]
periods = [["08:00", "12:00"]]
weekly_rest = ["sunday"]

[years.2031]
source = "test"
days_off = [2031-01-02]
working_days = [{ date = 2031-01-05, name = "Làm bù" }]
"""
    calendar = WorkCalendar.from_file(write_calendar(tmp_path, body))
    assert calendar.periods == ((time(8), time(12)),)
    assert calendar.hours_per_day == 4
    assert calendar.is_working_day(date(2031, 1, 4))  # Saturday is worked here
    assert calendar.is_working_day(date(2031, 1, 5))  # make-up Sunday
    assert not calendar.is_working_day(date(2031, 1, 2))
    assert calendar.holidays(2031)[date(2031, 1, 2)] == "Ngày nghỉ theo lịch của Chính phủ"
    assert calendar.add_working_hours(at(2031, 1, 3, 11), 2) == at(2031, 1, 4, 9)


# --------------------------------------------------------------------------- shared instance


def test_an_operator_edit_of_the_file_is_picked_up(tmp_path: Path) -> None:
    path = write_calendar(tmp_path, A_YEAR)
    with override_settings(WORK_CALENDAR_FILE=path):
        first = workcalendar.get_calendar()
        assert workcalendar.get_calendar() is first
        assert workcalendar.is_working_day(date(2031, 1, 2))

        path.write_text(A_YEAR + 'days_off = [{ date = 2031-01-02, name = "Cầu" }]\n')
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

        assert workcalendar.get_calendar() is not first
        assert not workcalendar.is_working_day(date(2031, 1, 2))
        assert workcalendar.add_working_days(date(2031, 1, 1), 1) == date(2031, 1, 3)


def test_a_broken_edit_keeps_the_previous_calendar(tmp_path: Path) -> None:
    path = write_calendar(tmp_path, A_YEAR)
    with override_settings(WORK_CALENDAR_FILE=path):
        good = workcalendar.get_calendar()
        path.write_text(A_YEAR + "working_days = [2031-01-07]\n")
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert workcalendar.get_calendar() is good


def test_a_broken_file_with_nothing_to_fall_back_on_raises(tmp_path: Path) -> None:
    path = write_calendar(tmp_path, A_YEAR + "working_days = [2031-01-07]\n", "other.toml")
    with override_settings(WORK_CALENDAR_FILE=path), pytest.raises(CalendarError):
        workcalendar.get_calendar()


def test_the_module_functions_use_the_configured_file() -> None:
    with override_settings(WORK_CALENDAR_FILE=SHIPPED_FILE):
        assert workcalendar.add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)
        assert workcalendar.working_days_between(date(2026, 2, 13), date(2026, 2, 25)) == 3
        moment = workcalendar.next_working_moment(at(2026, 3, 7, 20))
        assert moment == at(2026, 3, 9, 7, 30)
        deadline = workcalendar.add_working_hours(moment, 4)
        assert deadline == at(2026, 3, 9, 11, 30)
        assert workcalendar.working_hours_between(moment, deadline) == 4
        assert date(2026, 1, 2) in workcalendar.holidays(2026)


# --------------------------------------------------------------------------- past the calendar


@pytest.mark.parametrize(
    ("start", "n"), [(date(2199, 12, 20), 30), (date(2200, 1, 1), 1), (date.max, 1), (date.min, 0)]
)
def test_a_date_past_the_calendar_is_outside_it_not_an_overflow(start: date, n: int) -> None:
    with pytest.raises(OutsideCalendar) as caught:
        CALENDAR.add_working_days(start, n)
    assert not workcalendar.covers(caught.value.year)


def _problem_params(response) -> dict[str, dict[str, str]]:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid-input"
    return {p["name"]: p for p in body["invalid_params"]}


@pytest.mark.parametrize("start", ["2200-01-01", "9999-12-31", "1899-12-31", "0001-01-01"])
def test_the_due_date_api_refuses_a_start_outside_the_calendar_by_name(client, start) -> None:
    params = _problem_params(
        client.get("/api/v1/calendar/due-date", {"start": start, "working_days": 1})
    )
    assert set(params) == {"start"}
    assert params["start"]["code"] == "outside_calendar"
    assert "từ năm 1900 đến năm 2199" in params["start"]["reason"]


def test_the_due_date_api_refuses_a_due_date_past_the_calendar_by_name(client) -> None:
    params = _problem_params(
        client.get("/api/v1/calendar/due-date", {"start": "2199-12-20", "working_days": 30})
    )
    assert set(params) == {"working_days"}
    assert params["working_days"]["code"] == "outside_calendar"
    assert params["working_days"]["reason"].startswith("Ngày hẹn trả")


def test_the_due_date_api_still_counts_up_to_the_last_year(client) -> None:
    response = client.get("/api/v1/calendar/due-date", {"start": "2199-12-01", "working_days": 5})
    assert response.status_code == 200
    assert response.json()["due_date"].startswith("2199-12-")
