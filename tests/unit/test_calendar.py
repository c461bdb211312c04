"""WorkingCalendar: the clocks in the partnerships' procedures (see /work/shared/domain/PROCEDURES.md).

Bank holiday facts used below were checked against the holidays library (UnitedKingdom, subdiv ENG,
observed=True) before the expectations were written:
  2026: Good Friday Fri 3 Apr, Easter Monday Mon 6 Apr, May Day Mon 4 May, Christmas Fri 25 Dec,
        Boxing Day Sat 26 Dec (observed Mon 28 Dec).
  2027: New Year's Day Fri 1 Jan, Good Friday Fri 26 Mar, Easter Monday Mon 29 Mar.
Clock changes (Europe/London): BST starts Sun 29 Mar 2026 and Sun 28 Mar 2027 (01:00 GMT -> 02:00 BST);
BST ends Sun 25 Oct 2026 and Sun 31 Oct 2027 (02:00 BST -> 01:00 GMT).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.calendar import UNITS, WorkingCalendar

LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar()


def london(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=LONDON)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


# -- bank holidays and working days ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 4, 6), "Easter Monday"),
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 28), "Boxing Day (observed)"),
        (date(2027, 1, 1), "New Year's Day"),
        (date(2027, 3, 26), "Good Friday"),
        (date(2027, 3, 29), "Easter Monday"),
    ],
)
def test_england_bank_holidays_are_not_working_days(day: date, name: str) -> None:
    """PROCEDURES: WD are Monday to Friday less the bank holidays of the partnership's nation."""
    assert CAL.bank_holiday_name(day) == name
    assert not CAL.is_working_day(day)


def test_ordinary_weekdays_are_working_days_and_weekends_are_not() -> None:
    """PROCEDURES vocabulary: WD are Monday to Friday."""
    assert CAL.is_working_day(date(2026, 12, 24))  # Thu
    assert CAL.bank_holiday_name(date(2026, 12, 24)) is None
    assert not CAL.is_working_day(date(2026, 12, 5))  # Sat
    assert not CAL.is_working_day(date(2026, 12, 6))  # Sun


def test_bank_holidays_load_for_any_year() -> None:
    """Clocks must work for any year: the holidays object fills in years on demand."""
    assert CAL.bank_holiday_name(date(2040, 12, 25)) == "Christmas Day"
    assert CAL.bank_holiday_name(date(1995, 12, 25)) == "Christmas Day"


def test_nation_decides_the_bank_holidays() -> None:
    """PROCEDURES: working days use the bank holidays of the partnership's nation."""
    scotland = WorkingCalendar(nation="SCT")
    northern_ireland = WorkingCalendar(nation="NIR")
    # Easter Monday is not a bank holiday in Scotland; 2 January and St Andrew's Day are.
    assert scotland.is_working_day(date(2026, 4, 6))
    assert not scotland.is_working_day(date(2026, 1, 2))
    assert not scotland.is_working_day(date(2026, 11, 30))
    assert CAL.is_working_day(date(2026, 11, 30))
    # St Patrick's Day, Tue 17 Mar 2026, in Northern Ireland only.
    assert not northern_ireland.is_working_day(date(2026, 3, 17))
    assert CAL.is_working_day(date(2026, 3, 17))


def test_unknown_nation_is_refused_naming_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="ENG, NIR, SCT, WLS"):
        WorkingCalendar(nation="UK")


def test_bad_working_hours_and_weekdays_are_refused() -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(day_start=time(17), day_end=time(9))
    with pytest.raises(ValueError):
        WorkingCalendar(weekdays=frozenset())
    with pytest.raises(ValueError):
        WorkingCalendar(weekdays=frozenset({7}))


def test_next_and_previous_working_day_skip_christmas_and_new_year() -> None:
    """Salford 7.5 / Dudley: WD clocks skip weekends and bank holidays."""
    # Thu 24 Dec 2026 -> Fri 25 (Christmas), Sat, Sun, Mon 28 (Boxing Day observed) -> Tue 29 Dec.
    assert CAL.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    assert CAL.previous_working_day(date(2026, 12, 29)) == date(2026, 12, 24)
    # Thu 31 Dec 2026 -> Fri 1 Jan 2027 (New Year's Day), Sat, Sun -> Mon 4 Jan 2027.
    assert CAL.next_working_day(date(2026, 12, 31)) == date(2027, 1, 4)
    assert CAL.previous_working_day(date(2027, 1, 4)) == date(2026, 12, 31)
    # Strictly after/before, even when d itself is a working day: Tue 29 Dec -> Wed 30 Dec.
    assert CAL.next_working_day(date(2026, 12, 29)) == date(2026, 12, 30)
    assert CAL.previous_working_day(date(2026, 12, 30)) == date(2026, 12, 29)


def test_day_functions_refuse_a_datetime() -> None:
    """A datetime's date is in its own zone; callers must say which local date they mean."""
    with pytest.raises(TypeError):
        CAL.is_working_day(utc(2026, 12, 24, 10))


# -- working days --------------------------------------------------------------------------------------


def test_salford_agency_returns_within_5_working_days_over_christmas_2026() -> None:
    """Salford 7.5: agency returns within 5 WD of the request."""
    # Request Thu 24 Dec 2026 10:00. Day 1 is the first WD strictly after 24 Dec:
    # Fri 25 Christmas, Sat 26, Sun 27, Mon 28 Boxing Day (observed) -> WD1 Tue 29, WD2 Wed 30,
    # WD3 Thu 31, Fri 1 Jan New Year's Day, Sat 2, Sun 3 -> WD4 Mon 4 Jan, WD5 Tue 5 Jan 2027, 17:00 GMT.
    due = CAL.add(london(2026, 12, 24, 10), 5, "working_days")
    assert due == london(2027, 1, 5, 17)
    assert CAL.format(due) == "Tue 5 Jan 2027, 17:00"


def test_salford_agency_requests_within_2_working_days_of_referral_before_christmas() -> None:
    """Salford 7.5: agency summary + chronology requests sent within 2 WD of receiving the referral."""
    # Received Wed 23 Dec 2026 16:30 -> WD1 Thu 24 Dec, (Fri 25, Sat, Sun, Mon 28 skipped) WD2 Tue 29 Dec.
    assert CAL.add(london(2026, 12, 23, 16, 30), 2, "working_days") == london(2026, 12, 29, 17)


def test_dudley_agency_returns_within_5_working_days_over_easter_2026() -> None:
    """Dudley Rapid Reviews: agency returns within 5 WD."""
    # Wed 1 Apr 2026 -> WD1 Thu 2 Apr, Fri 3 Good Friday, Sat, Sun, Mon 6 Easter Monday -> WD2 Tue 7,
    # WD3 Wed 8, WD4 Thu 9, WD5 Fri 10 Apr 2026, 17:00 BST (16:00 UTC).
    due = CAL.add(london(2026, 4, 1, 9, 15), 5, "working_days")
    assert due == london(2026, 4, 10, 17)
    assert due == utc(2026, 4, 10, 16)


def test_kirklees_findings_within_5_working_days_over_easter_2027_and_the_clock_change() -> None:
    """Kirklees: findings to the National Panel within 5 WD of learning of the case."""
    # Learned Thu 25 Mar 2027 11:00 GMT. Fri 26 Good Friday, Sat 27, Sun 28 (BST starts), Mon 29 Easter
    # Monday -> WD1 Tue 30 Mar, WD2 Wed 31, WD3 Thu 1 Apr, WD4 Fri 2 Apr, WD5 Mon 5 Apr 2027, 17:00 BST.
    due = CAL.add(london(2027, 3, 25, 11), 5, "working_days")
    assert due == london(2027, 4, 5, 17)
    assert due.utcoffset() == timedelta(hours=1)
    # And 1 WD from the same start: Tue 30 Mar 2027 17:00 BST = 16:00 UTC.
    assert CAL.add(london(2027, 3, 25, 11), 1, "working_days") == utc(2027, 3, 30, 16)


def test_working_days_ignore_the_time_of_day_of_the_start() -> None:
    """Salford 7.5 (2 WD requests): the day the clock starts never counts, whatever the time."""
    # Mon 7 Dec 2026 at 08:00 and at 23:59 are both due at the end of WD1 = Tue 8 Dec 17:00.
    assert CAL.add(london(2026, 12, 7, 8), 1, "working_days") == london(2026, 12, 8, 17)
    assert CAL.add(london(2026, 12, 7, 23, 59), 1, "working_days") == london(2026, 12, 8, 17)


def test_working_days_count_from_the_local_date_not_the_utc_date() -> None:
    """PROCEDURES: working days use the partnership's time zone (Europe/London)."""
    # Mon 29 Jun 2026 23:30 UTC is Tue 30 Jun 00:30 BST: the local date is Tuesday, so 1 WD -> Wed 1 Jul.
    assert CAL.add(utc(2026, 6, 29, 23, 30), 1, "working_days") == london(2026, 7, 1, 17)


def test_working_days_from_a_weekend_start() -> None:
    """Salford 7.5: a referral received at the weekend still gets N full working days."""
    # Sat 5 Dec 2026 -> WD1 Mon 7 Dec, WD2 Tue 8 Dec.
    assert CAL.add(london(2026, 12, 5, 10), 1, "working_days") == london(2026, 12, 7, 17)
    assert CAL.add(london(2026, 12, 6, 22), 2, "working_days") == london(2026, 12, 8, 17)


def test_working_days_from_a_bank_holiday_start() -> None:
    """Dudley: 2 WD scoping templates when the referral arrives on a bank holiday."""
    # Good Friday 3 Apr 2026 -> Sat, Sun, Easter Mon 6 skipped -> WD1 Tue 7 Apr, WD2 Wed 8 Apr (BST).
    assert CAL.add(london(2026, 4, 3, 12), 2, "working_days") == london(2026, 4, 8, 17)
    # May Day Mon 4 May 2026 -> WD1 Tue 5 May.
    assert CAL.add(london(2026, 5, 4, 9), 1, "working_days") == london(2026, 5, 5, 17)


def test_zero_working_days_means_end_of_today_or_of_the_next_working_day() -> None:
    """Salford 7.5 (obvious rapid review: the BM decides at once): 0 WD is the end of the working day."""
    # Thu 24 Dec 2026 is a working day -> 17:00 that day, even if the start is later.
    assert CAL.add(london(2026, 12, 24, 10), 0, "working_days") == london(2026, 12, 24, 17)
    assert CAL.add(london(2026, 12, 24, 18), 0, "working_days") == london(2026, 12, 24, 17)
    # Christmas Day -> Sat, Sun, Mon 28 (observed) -> Tue 29 Dec.
    assert CAL.add(london(2026, 12, 25, 10), 0, "working_days") == london(2026, 12, 29, 17)


def test_working_days_use_the_configured_day_end_and_weekdays() -> None:
    """Presets may set working hours; deadlines land on day_end."""
    cal = WorkingCalendar(day_start=time(8), day_end=time(16, 30), weekdays=frozenset({0, 1, 2, 3}))
    # Thu 10 Dec 2026 -> Fri 11 is not a working weekday here -> WD1 Mon 14 Dec 16:30.
    assert cal.add(london(2026, 12, 10, 12), 1, "working_days") == london(2026, 12, 14, 16, 30)


# -- hours -----------------------------------------------------------------------------------------------


def test_kirklees_48_hours_across_the_march_2026_clock_change() -> None:
    """Kirklees: information gathering tool returned within 48 hours (real elapsed time)."""
    # Sat 28 Mar 2026 12:00 GMT = 12:00 UTC; + 48 h = Mon 30 Mar 12:00 UTC = 13:00 BST.
    due = CAL.add(london(2026, 3, 28, 12), 48, "hours")
    assert due == london(2026, 3, 30, 13)
    assert (due.hour, due.utcoffset()) == (13, timedelta(hours=1))


def test_salford_24_hours_across_the_march_2027_clock_change() -> None:
    """Salford 7.5: BU forwards a referral to the virtual panel within 24 hours of receipt."""
    # Sat 27 Mar 2027 09:00 GMT = 09:00 UTC; + 24 h = Sun 28 Mar 09:00 UTC = 10:00 BST.
    assert CAL.add(london(2027, 3, 27, 9), 24, "hours") == london(2027, 3, 28, 10)


def test_salford_48_hours_across_the_october_2026_clock_change() -> None:
    """Salford 7.5: the panel decides within 48 hours."""
    # Fri 23 Oct 2026 17:00 BST = 16:00 UTC; + 48 h = Sun 25 Oct 16:00 UTC = 16:00 GMT.
    due = CAL.add(london(2026, 10, 23, 17), 48, "hours")
    assert due == london(2026, 10, 25, 16)
    assert due.utcoffset() == timedelta(0)


def test_kirklees_48_hours_across_the_october_2027_clock_change() -> None:
    """Kirklees: workstream minutes returned within 48 hours."""
    # Sat 30 Oct 2027 09:00 BST = 08:00 UTC; + 48 h = Mon 1 Nov 08:00 UTC = 08:00 GMT.
    assert CAL.add(london(2027, 10, 30, 9), 48, "hours") == london(2027, 11, 1, 8)


def test_hours_through_the_repeated_hour_in_october() -> None:
    """Salford 7.5 (24 hours before an RR meeting): hours are elapsed time even in the repeated hour."""
    # Sun 25 Oct 2026 00:30 BST = Sat 24 Oct 23:30 UTC.
    start = london(2026, 10, 25, 0, 30)
    one = CAL.add(start, 1, "hours")  # 00:30 UTC = 01:30 BST (first 01:30)
    two = CAL.add(start, 2, "hours")  # 01:30 UTC = 01:30 GMT (second 01:30)
    assert (one.hour, one.minute, one.utcoffset()) == (1, 30, timedelta(hours=1))
    assert (two.hour, two.minute, two.utcoffset()) == (1, 30, timedelta(0))
    # (Subtracting two datetimes in the same zone compares wall clocks and ignores fold, so go via UTC.)
    assert two.astimezone(UTC) - one.astimezone(UTC) == timedelta(hours=1)
    assert one.astimezone(UTC) == utc(2026, 10, 25, 0, 30)
    assert two.astimezone(UTC) == utc(2026, 10, 25, 1, 30)


def test_hours_result_is_in_the_partnership_zone_whatever_the_start_zone() -> None:
    # Mon 6 Jul 2026 08:00 UTC + 24 h = Tue 7 Jul 08:00 UTC = 09:00 BST.
    due = CAL.add(utc(2026, 7, 6, 8), 24, "hours")
    assert due.tzinfo == LONDON
    assert (due.day, due.hour) == (7, 9)


# -- days, weeks, months -----------------------------------------------------------------------------


def test_kirklees_chronologies_within_14_days() -> None:
    """Kirklees: chronologies returned within 14 days (calendar days, ending at day_end)."""
    # Mon 2 Nov 2026 10:00 + 14 days = Mon 16 Nov 2026, 17:00 GMT.
    assert CAL.add(london(2026, 11, 2, 10), 14, "days") == london(2026, 11, 16, 17)


def test_calendar_days_may_end_on_a_weekend_or_bank_holiday() -> None:
    """Salford ch. 4 (rapid review): results to the National Panel within 15 days (calendar days)."""
    # Thu 10 Dec 2026 + 15 days = Fri 25 Dec 2026 (Christmas Day), 17:00.
    assert CAL.add(london(2026, 12, 10, 9), 15, "days") == london(2026, 12, 25, 17)


def test_dudley_sar_reviewers_within_3_weeks() -> None:
    """Dudley SAR milestones: reviewers 3 weeks from commission."""
    # Wed 18 Mar 2026 15:00 GMT + 21 days = Wed 8 Apr 2026, 17:00 BST (crosses the March clock change).
    due = CAL.add(london(2026, 3, 18, 15), 3, "weeks")
    assert due == london(2026, 4, 8, 17)
    assert due.hour == 17


def test_stockport_review_complete_6_months_from_decision() -> None:
    """Stockport 5: report and learning available no later than 6 months after the decision."""
    # 15 Dec 2026 + 6 months = 15 Jun 2027, 17:00 BST.
    assert CAL.add(london(2026, 12, 15, 11), 6, "months") == london(2027, 6, 15, 17)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # 2026 is not a leap year
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # 2028 is
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # Aug + 6 = Feb 2027
        (date(2026, 10, 31), 1, date(2026, 11, 30)),  # November has 30 days
        (date(2026, 3, 31), 12, date(2027, 3, 31)),
        (date(2026, 5, 12), 0, date(2026, 5, 12)),
    ],
)
def test_months_clamp_to_the_last_day_of_a_shorter_month(start: date, months: int, expected: date) -> None:
    """Dudley SAR milestones (draft 5 months, publication 7 months): month clocks never spill over."""
    due = CAL.add(datetime.combine(start, time(10), tzinfo=LONDON), months, "months")
    assert due == datetime.combine(expected, time(17), tzinfo=LONDON)


# -- validation -------------------------------------------------------------------------------------------


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add(datetime(2026, 12, 24, 10), 1, "working_days")


def test_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        CAL.add(london(2026, 12, 24, 10), -1, "hours")


def test_unknown_unit_is_refused_naming_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="hours, working_days, days, weeks, months"):
        CAL.add(london(2026, 12, 24, 10), 1, "fortnights")  # type: ignore[arg-type]
    assert UNITS == ("hours", "working_days", "days", "weeks", "months")


def test_non_integer_amount_is_refused() -> None:
    with pytest.raises(TypeError):
        CAL.add(london(2026, 12, 24, 10), 1.5, "hours")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        CAL.add(london(2026, 12, 24, 10), True, "hours")


# -- lateness ----------------------------------------------------------------------------------------------


def test_working_days_late_over_christmas() -> None:
    """Salford 10.3 (measuring performance: timeliness): lateness is counted in working days."""
    due = london(2026, 12, 22, 17)  # Tue 22 Dec 2026
    # Working days after 22 Dec up to Tue 29 Dec: Wed 23, Thu 24, (Fri 25, Sat, Sun, Mon 28 skipped), Tue 29.
    assert CAL.working_days_late(due, london(2026, 12, 29, 10)) == 3
    # Thu 31 Dec -> Wed 23, Thu 24, Tue 29, Wed 30, Thu 31 = 5; New Year's Day adds nothing.
    assert CAL.working_days_late(due, london(2027, 1, 1, 12)) == 5


def test_working_days_late_is_zero_when_on_time_or_on_the_due_date() -> None:
    due = london(2026, 12, 22, 17)
    assert CAL.working_days_late(due, london(2026, 12, 21, 9)) == 0  # early
    assert CAL.working_days_late(due, london(2026, 12, 22, 16, 59)) == 0  # on time
    assert CAL.working_days_late(due, london(2026, 12, 22, 23, 0)) == 0  # late, but the same local date


def test_working_days_late_weekend_after_a_friday_deadline_does_not_count() -> None:
    due = london(2026, 12, 4, 17)  # Fri 4 Dec 2026
    assert CAL.working_days_late(due, london(2026, 12, 5, 9)) == 0  # Sat
    assert CAL.working_days_late(due, london(2026, 12, 7, 9)) == 1  # Mon


def test_working_days_late_uses_local_dates() -> None:
    # Due Mon 29 Jun 2026 17:00 BST; done Mon 29 Jun 23:30 UTC = Tue 30 Jun 00:30 BST -> 1 WD late.
    assert CAL.working_days_late(london(2026, 6, 29, 17), utc(2026, 6, 29, 23, 30)) == 1


# -- format --------------------------------------------------------------------------------------------------


def test_format_uses_the_partnership_zone_and_no_leading_zero() -> None:
    """PROCEDURES: deadlines are shown in the partnership's time zone."""
    assert CAL.format(london(2027, 1, 5, 17)) == "Tue 5 Jan 2027, 17:00"
    assert CAL.format(london(2027, 1, 5, 17), with_time=False) == "Tue 5 Jan 2027"
    # Wed 1 Jul 2026 08:05 UTC is 09:05 BST.
    assert CAL.format(utc(2026, 7, 1, 8, 5)) == "Wed 1 Jul 2026, 09:05"
    # Sun 25 Oct 2026 23:30 UTC is still the 25th in London (GMT after the change).
    assert CAL.format(utc(2026, 10, 25, 23, 30)) == "Sun 25 Oct 2026, 23:30"
    # Tue 30 Jun 2026 23:30 UTC is Wed 1 Jul 00:30 BST.
    assert CAL.format(utc(2026, 6, 30, 23, 30)) == "Wed 1 Jul 2026, 00:30"


def test_format_and_local_refuse_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        CAL.format(datetime(2027, 1, 5, 17))
    with pytest.raises(ValueError):
        CAL.local(datetime(2027, 1, 5, 17))


# -- properties ----------------------------------------------------------------------------------------------

aware_starts = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


@given(start=aware_starts, n=st.integers(min_value=0, max_value=40))
def test_working_days_result_is_a_working_day_at_day_end(start: datetime, n: int) -> None:
    """Salford/Dudley WD clocks: a WD deadline is always 17:00 local on a working day."""
    due = CAL.add(start, n, "working_days")
    assert due.tzinfo == LONDON
    assert CAL.is_working_day(due.date())
    assert due.time() == time(17)


@given(start=aware_starts, n=st.integers(min_value=0, max_value=40))
def test_working_days_are_monotonic_in_n(start: datetime, n: int) -> None:
    """One more working day never means an earlier deadline, and from N=1 on always a later one.

    The only tie is N=0 vs N=1 from a weekend or bank holiday: both are the end of the next working day.
    """
    later = CAL.add(start, n + 1, "working_days")
    earlier = CAL.add(start, n, "working_days")
    if n == 0 and not CAL.is_working_day(CAL.local(start).date()):
        assert later == earlier
    else:
        assert later > earlier


@given(start=aware_starts, n=st.integers(min_value=1, max_value=40))
def test_working_days_deadline_is_after_the_start_and_n_working_days_on(start: datetime, n: int) -> None:
    """Salford 7.5: "within N WD" gives N full working days after the start date."""
    due = CAL.add(start, n, "working_days")
    assert due > start
    assert CAL.working_days_late(start, due) == n


@given(start=aware_starts, n=st.integers(min_value=0, max_value=24 * 60))
def test_hours_are_exact_elapsed_time(start: datetime, n: int) -> None:
    """Kirklees/Salford 24- and 48-hour clocks are real elapsed time."""
    assert CAL.add(start, n, "hours") - start == timedelta(hours=n)


@given(start=aware_starts, n=st.integers(min_value=0, max_value=120))
def test_months_land_on_the_same_or_the_last_day(start: datetime, n: int) -> None:
    """Stockport/Dudley month clocks: same day of the month, or the month's last day if shorter."""
    due = CAL.add(start, n, "months")
    start_local = CAL.local(start).date()
    months_between = (due.year - start_local.year) * 12 + due.month - start_local.month
    assert months_between == n
    next_day = due.date() + timedelta(days=1)
    assert due.day == start_local.day or (due.day < start_local.day and next_day.day == 1)
