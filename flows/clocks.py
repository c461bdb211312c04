"""Due times for a preset's clocks.

`flows.calendar` knows how to count hours, working days and months; this module knows which clock counts
what from when, including the two things a plain calendar cannot: chains (a clock that starts when another
falls due) and Suffolk's monthly panel (section 4: the panel meets on the 25th; a referral received after
the 15th goes to the following month's panel).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flows.calendar import WorkingCalendar
from flows.preset import Clock, MonthlyPanel, Preset


def calendar_for(preset: Preset, timezone: str | None = None) -> WorkingCalendar:
    """The working-day calendar of a partnership (its nation's bank holidays, its hours, its time zone)."""
    return WorkingCalendar(
        timezone=timezone or preset.timezone,
        nation=preset.nation,
        day_start=time.fromisoformat(preset.day_start.zfill(5)),
        day_end=time.fromisoformat(preset.day_end.zfill(5)),
    )


def next_panel_meeting(cal: WorkingCalendar, monthly: MonthlyPanel, start: datetime, nth: int = 1) -> datetime:
    """The nth monthly panel a referral received at `start` goes to, at the end of that working day.

    Suffolk section 4 fixes the day of the month but not what happens when it falls on a weekend or bank
    holiday; this product moves the meeting to the last working day before it, so that it never slips into
    the next month's cut-off, and says so in the README.
    """
    local = cal.local(start).date()
    year, month = local.year, local.month
    if local.day > monthly.cutoff_day:
        year, month = _shift_month(year, month, 1)
    year, month = _shift_month(year, month, max(nth, 1) - 1)
    meeting = date(year, month, monthly.day)
    while not cal.is_working_day(meeting):
        meeting = cal.previous_working_day(meeting)
    return cal.add(datetime.combine(meeting, time(0), tzinfo=cal.tz), 0, "working_days")


def _shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def due(preset: Preset, cal: WorkingCalendar, clock: Clock, start: datetime) -> datetime:
    """When `clock` falls due if the event it starts from happened at `start`."""
    if clock.unit == "panel_meeting":
        assert preset.monthly_panel is not None  # guaranteed by preset validation
        return next_panel_meeting(cal, preset.monthly_panel, start, clock.amount)
    return cal.add(start, clock.amount, clock.unit)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ClockDue:
    clock: Clock
    start: datetime
    due: datetime


def due_chain(preset: Preset, cal: WorkingCalendar, clock: Clock, start: datetime) -> datetime:
    """A clock written `starts = "clock:OTHER"` is due `amount` after OTHER's due time, and so on up the
    chain until a clock that starts from an event, which is taken to happen at `start`."""
    after = clock.after_clock
    origin = start if after is None else due_chain(preset, cal, preset.clock(after), start)
    return due(preset, cal, clock, origin)


def all_clocks(preset: Preset, cal: WorkingCalendar, start: datetime) -> list[ClockDue]:
    """Every clock of the preset computed as if each starting event happened at `start`: the answer to
    "when would all of this be due?" that `panelbot clocks` prints."""
    out = []
    for clock in preset.clocks:
        origin = start
        if clock.after_clock is not None:
            origin = due_chain(preset, cal, preset.clock(clock.after_clock), start)
        out.append(ClockDue(clock=clock, start=origin, due=due(preset, cal, clock, origin)))
    return out
