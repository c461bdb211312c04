"""Working days, bank holidays and deadlines for a safeguarding partnership.

Every clock in the partnerships' procedures is one of two kinds: a count of *hours* ("returned within 48
hours", Kirklees; "forwarded within 24 hours", Salford 7.5) or a count of *working days* ("agency returns
within 5 WD", Salford and Dudley). A few are in calendar days, weeks or months ("chronologies within 14
days", Kirklees; "review complete 6 months from the decision", Stockport). A working day is Monday to
Friday less the bank holidays of the partnership's nation, in the partnership's time zone.

This module is pure: it never reads the clock. Callers pass the moment a clock starts.

Rules for :meth:`WorkingCalendar.add` (product rules, chosen so a deadline is never earlier than a
reader of the procedure would expect and is always a moment a person can act on):

* ``start`` must be timezone-aware. A naive datetime is ambiguous across the clock changes and between
  servers, so it is refused rather than guessed. The result is always aware, in the calendar's zone.
* ``hours``: exactly N hours of real elapsed time. We add in UTC and convert back, so "48 hours" across a
  clock change is still 48 hours of elapsed time (48 hours after Sat 28 Mar 2026 12:00 GMT is Mon 30 Mar
  2026 13:00 BST), rather than 47 or 49 as adding to the wall clock would give.
* ``working_days``: the end of the working day (``day_end``, local time) on the Nth working day strictly
  after start's *local* calendar date. The day the clock starts never counts, whatever its time: a
  referral that arrives at 08:00 on Monday is due at 17:00 on Tuesday for 1 WD, the same as one at 16:59.
  This is the reading in which "within N working days" always gives the recipient N full working days.
  A start on a weekend or bank holiday counts from the next working day in the same way.
  N = 0 means the end of the start date if it is a working day, else the end of the next working day.
* ``days`` / ``weeks``: the end of the working day (``day_end``, local) on the date N days (7N days) after
  start's local date. The due date may fall on a weekend; the procedures count calendar days there.
* ``months``: the end of the working day on the same day of the month N months later, clamped to the
  last day of a shorter month (31 Jan + 1 month = 28 Feb, or 29 Feb in a leap year), so a monthly
  deadline never spills into the month after.
* ``amount`` must be a whole number >= 0; an unknown unit is refused, naming the valid ones.

Bank holidays come from the ``holidays`` package (``holidays.UnitedKingdom``, observed days included, so
Boxing Day on a Saturday moves to the Monday). The object loads each year the first time a date in it is
looked up, so the calendar works for any year without a fixed range.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

import holidays

Unit = Literal["hours", "working_days", "days", "weeks", "months"]
UNITS: tuple[str, ...] = get_args(Unit)
NATIONS: tuple[str, ...] = ("ENG", "NIR", "SCT", "WLS")

# English names, not strftime("%a")/("%b"): those follow the process locale, and a message in a
# channel must not change language because a server was configured differently.
_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# A bound on day-by-day searches. With at least one weekday in the week and bank holidays being a
# handful of days a year, the next working day is always within a fortnight; the bound only turns a
# programming error into an exception instead of a hang.
_MAX_SEARCH_DAYS = 366


def _require_aware(dt: datetime, name: str) -> None:
    if not isinstance(dt, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(dt).__name__}")
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(
            f"{name} must be timezone-aware (a naive datetime is ambiguous across clock changes): {dt!r}"
        )


def _require_date(d: date, name: str) -> None:
    # A datetime is a date too, but its .date() is in whatever zone it carries, which is rarely the
    # partnership's. Make the caller say which local date they mean.
    if isinstance(d, datetime):
        raise TypeError(f"{name} must be a date, not a datetime; pass calendar.local(dt).date()")
    if not isinstance(d, date):
        raise TypeError(f"{name} must be a date, not {type(d).__name__}")


def _add_months(d: date, months: int) -> date:
    """Same day of the month ``months`` later, clamped to that month's last day."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    first_of_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    last_day = (first_of_next - timedelta(days=1)).day
    return date(year, month, min(d.day, last_day))


class WorkingCalendar:
    """Working days and deadlines for one partnership: its nation's bank holidays, its zone, its hours.

    ``weekdays`` uses Python's numbering (Monday = 0 ... Sunday = 6). ``day_start`` is kept for callers
    that schedule within the working day; deadlines use ``day_end``.
    """

    def __init__(
        self,
        *,
        timezone: str = "Europe/London",
        nation: str = "ENG",
        day_start: time = time(9),
        day_end: time = time(17),
        weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4}),
    ) -> None:
        if nation not in NATIONS:
            raise ValueError(f'Unknown nation "{nation}"; use one of {", ".join(NATIONS)}')
        if day_start.tzinfo is not None or day_end.tzinfo is not None:
            raise ValueError("day_start and day_end are local wall-clock times; give them without a tzinfo")
        if not day_start < day_end:
            raise ValueError(f"day_start ({day_start}) must be before day_end ({day_end})")
        weekdays = frozenset(weekdays)
        if not weekdays or not weekdays <= set(range(7)):
            raise ValueError("weekdays must be a non-empty set of numbers 0 (Monday) to 6 (Sunday)")
        self.tz = ZoneInfo(timezone)  # raises ZoneInfoNotFoundError (a KeyError) for an unknown zone
        self.nation = nation
        self.day_start = day_start
        self.day_end = day_end
        self.weekdays = weekdays
        # No `years=`: the object fills in each year on first lookup, so any year works.
        self._holidays = holidays.UnitedKingdom(subdiv=nation, observed=True)

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(timezone={self.tz.key!r}, nation={self.nation!r}, "
            f"day_start={self.day_start!r}, day_end={self.day_end!r}, weekdays={sorted(self.weekdays)!r})"
        )

    # -- days -------------------------------------------------------------------------------------

    def bank_holiday_name(self, d: date) -> str | None:
        """The bank holiday's name (e.g. "Boxing Day (observed)"), or None if ``d`` is not one."""
        _require_date(d, "d")
        return self._holidays.get(d)

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is one of the working weekdays and not a bank holiday of the nation."""
        _require_date(d, "d")
        return d.weekday() in self.weekdays and d not in self._holidays

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self._step(d, 1)

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        return self._step(d, -1)

    def _step(self, d: date, direction: int) -> date:
        _require_date(d, "d")
        candidate = d
        for _ in range(_MAX_SEARCH_DAYS):
            candidate += timedelta(days=direction)
            if self.is_working_day(candidate):
                return candidate
        raise RuntimeError(f"no working day within {_MAX_SEARCH_DAYS} days of {d}")  # pragma: no cover

    # -- moments ----------------------------------------------------------------------------------

    def local(self, dt: datetime) -> datetime:
        """``dt`` (which must be timezone-aware) as wall-clock time in the partnership's zone."""
        _require_aware(dt, "dt")
        return dt.astimezone(self.tz)

    def end_of_day(self, d: date) -> datetime:
        """``day_end`` local time on ``d``, as an aware datetime.

        Built via UTC so that a ``day_end`` inside a clock-change gap still names a real instant.
        """
        _require_date(d, "d")
        wall = datetime.combine(d, self.day_end, tzinfo=self.tz)
        return wall.astimezone(UTC).astimezone(self.tz)

    def add(self, start: datetime, amount: int, unit: Unit) -> datetime:
        """The deadline ``amount`` ``unit``s after ``start``; see the module docstring for the rules.

        Hours are real elapsed time (added in UTC) so a 48-hour clock is 48 hours even across a clock
        change. Every other unit lands on ``day_end`` local time, because a deadline expressed in days
        is met by the end of that working day, not at the minute of day the clock started.
        """
        _require_aware(start, "start")
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError(f"amount must be a whole number, not {amount!r}")
        if amount < 0:
            raise ValueError(f"amount must be 0 or more, not {amount}")
        if unit not in UNITS:
            raise ValueError(f'Unknown unit "{unit}"; use one of {", ".join(UNITS)}')

        if unit == "hours":
            return (start.astimezone(UTC) + timedelta(hours=amount)).astimezone(self.tz)

        start_date = self.local(start).date()
        if unit == "working_days":
            if amount == 0:
                due = start_date if self.is_working_day(start_date) else self.next_working_day(start_date)
            else:
                due = start_date
                for _ in range(amount):
                    due = self.next_working_day(due)
        elif unit == "days":
            due = start_date + timedelta(days=amount)
        elif unit == "weeks":
            due = start_date + timedelta(weeks=amount)
        else:  # months
            due = _add_months(start_date, amount)
        return self.end_of_day(due)

    def before(self, event: datetime, amount: int, unit: Unit) -> datetime:
        """The deadline ``amount`` ``unit``s *before* ``event`` (Salford 7.11: papers at least 24 hours before
        the meeting; Suffolk 7: the report no later than 7 working days before publication).

        The mirror of :meth:`add`: ``hours`` are real elapsed time before the event; ``working_days`` end at
        ``day_end`` on the Nth working day strictly before the event's local date (7 WD before Wed 13 Jan 2027
        is Mon 4 Jan, 17:00); days, weeks and months end at ``day_end`` on the date that many before. A due
        time is never after the event itself (0 working days before a 10:00 meeting is the meeting).
        """
        _require_aware(event, "event")
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError(f"amount must be a whole number, not {amount!r}")
        if amount < 0:
            raise ValueError(f"amount must be 0 or more, not {amount}")
        if unit not in UNITS:
            raise ValueError(f'Unknown unit "{unit}"; use one of {", ".join(UNITS)}')
        if unit == "hours":
            return (event.astimezone(UTC) - timedelta(hours=amount)).astimezone(self.tz)
        event_date = self.local(event).date()
        if unit == "working_days":
            day = event_date if self.is_working_day(event_date) else self.previous_working_day(event_date)
            if amount:
                day = event_date
                for _ in range(amount):
                    day = self.previous_working_day(day)
        elif unit == "days":
            day = event_date - timedelta(days=amount)
        elif unit == "weeks":
            day = event_date - timedelta(weeks=amount)
        else:  # months
            day = _add_months(event_date, -amount)
        return min(self.end_of_day(day), self.local(event))

    def working_days_late(self, due: datetime, done: datetime) -> int:
        """How many working days ``done`` came after ``due``.

        Counts the working days ``d`` with due's local date < d <= done's local date. Anything done on
        the due date itself (even after ``day_end``) or before it is 0 late: lateness is reported in
        whole working days, and a weekend or bank holiday after the deadline does not add to it.
        """
        due_date = self.local(due).date()
        done_date = self.local(done).date()
        late = 0
        d = due_date
        while d < done_date:
            d += timedelta(days=1)
            if self.is_working_day(d):
                late += 1
        return late

    def format(self, dt: datetime, *, with_time: bool = True) -> str:
        """``dt`` in the partnership's zone as "Tue 5 Jan 2027, 17:00" (or "Tue 5 Jan 2027").

        English abbreviations regardless of locale, no leading zero on the day, 24-hour clock.
        """
        loc = self.local(dt)
        text = self.format_day(loc.date())
        if with_time:
            text += f", {loc.hour:02d}:{loc.minute:02d}"
        return text

    @staticmethod
    def format_day(d: date) -> str:
        """A day as "Tue 5 Jan 2027" (a form's date answer, read back before it is sent)."""
        return f"{_WEEKDAY_ABBR[d.weekday()]} {d.day} {_MONTH_ABBR[d.month - 1]} {d.year}"
