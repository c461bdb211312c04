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
from flows.preset import EVENTS, Clock, MonthlyPanel, Preset


def calendar_for(preset: Preset, timezone: str | None = None) -> WorkingCalendar:
    """The working-day calendar of a partnership (its nation's bank holidays, its hours, its time zone)."""
    return WorkingCalendar(
        timezone=timezone or preset.timezone,
        nation=preset.nation,
        day_start=time.fromisoformat(preset.day_start.zfill(5)),
        day_end=time.fromisoformat(preset.day_end.zfill(5)),
    )


def panel_day(cal: WorkingCalendar, monthly: MonthlyPanel, year: int, month: int) -> date:
    """The date of a month's panel. Suffolk section 3 fixes the day of the month but not what happens when it
    falls on a weekend or bank holiday; this product moves the meeting to the last working day before it, so
    that it never slips into the next month, and says so in docs/presets.md."""
    meeting = date(year, month, monthly.day)
    while not cal.is_working_day(meeting):
        meeting = cal.previous_working_day(meeting)
    return meeting


def meets_cutoff(monthly: MonthlyPanel, received: date, panel: date) -> bool:
    """Whether a referral received on `received` can go to the panel of `panel`."""
    if panel < received:
        return False
    if monthly.cutoff_days_before is not None:
        return (panel - received).days >= monthly.cutoff_days_before
    assert monthly.cutoff_day is not None
    return (panel.year, panel.month) != (received.year, received.month) or received.day <= monthly.cutoff_day


def panel_dates(cal: WorkingCalendar, monthly: MonthlyPanel, after: date, count: int) -> list[date]:
    """The `count` panels on or after `after`, in order."""
    out: list[date] = []
    year, month = after.year, after.month
    while len(out) < count:
        day = panel_day(cal, monthly, year, month)
        if day >= after:
            out.append(day)
        year, month = _shift_month(year, month, 1)
    return out


def panel_for(cal: WorkingCalendar, monthly: MonthlyPanel, received: date, nth: int = 1) -> date:
    """The date of the nth panel a referral received on `received` goes to: the first whose cut-off it meets."""
    candidates = panel_dates(cal, monthly, received, 2)
    first = candidates[0] if meets_cutoff(monthly, received, candidates[0]) else candidates[1]
    return panel_dates(cal, monthly, first, max(nth, 1))[-1]


def next_panel_meeting(cal: WorkingCalendar, monthly: MonthlyPanel, start: datetime, nth: int = 1) -> datetime:
    """The nth monthly panel a referral received at `start` goes to, at the end of that working day."""
    meeting = panel_for(cal, monthly, cal.local(start).date(), nth)
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


def due_before(cal: WorkingCalendar, clock: Clock, event_at: datetime) -> datetime:
    """When a clock written `before = EVENT` falls due if the event is scheduled for `event_at`."""
    return cal.before(event_at, clock.amount, clock.unit)  # type: ignore[arg-type]


def clock_due(
    preset: Preset, cal: WorkingCalendar, clock: Clock, *, start: datetime | None, event_at: datetime | None
) -> datetime | None:
    """A clock's due time from what is known: counted forward from `start` (its starting event or clock),
    back from `event_at` (the scheduled event it is before), or, for a clock with both (Kirklees: "after
    completion or before publication, whichever is the sooner"), the sooner of the two that are known. None
    while neither is known (a clock before a meeting that is not scheduled yet)."""
    times = []
    if start is not None and clock.starts:
        times.append(due(preset, cal, clock, start))
    if event_at is not None and clock.before is not None:
        times.append(due_before(cal, clock, event_at))
    return min(times) if times else None


@dataclass(frozen=True)
class WindowCheck:
    """Where a moment falls in a window clock: `early` (before it opens: flagged, not refused), `inside`, or
    `late` (after the latest time)."""

    opens: datetime
    closes: datetime
    at: datetime
    position: str  # early | inside | late


def window_opens(cal: WorkingCalendar, clock: Clock, start: datetime) -> datetime:
    """The first moment of a window clock. In hours it is exact; in days it is the start of the earliest
    day (a rapid review meeting may be held any time on the 7th working day), midnight UK time."""
    assert clock.earliest is not None
    first = cal.add(start, clock.earliest, clock.unit)  # type: ignore[arg-type]
    if clock.unit == "hours":
        return first
    return datetime.combine(cal.local(first).date(), time(0), tzinfo=cal.tz)


def check_window(preset: Preset, cal: WorkingCalendar, clock: Clock, start: datetime, at: datetime) -> WindowCheck:
    opens = window_opens(cal, clock, start)
    closes = due(preset, cal, clock, start)
    position = "early" if at < opens else "late" if at > closes else "inside"
    return WindowCheck(opens=opens, closes=closes, at=at, position=position)


def window_words(preset: Preset, cal: WorkingCalendar, clock: Clock, check: WindowCheck) -> str:
    """The window in plain words, and where `check.at` falls in it: "Dudley Safeguarding People Partnership
    holds the rapid review meeting 7 to 13 working days after the referral is received: Wed 23 Dec 2026 to
    Tue 5 Jan 2027. Tue 22 Dec 2026 is before the window." """
    timed = clock.unit == "hours"
    what = EVENTS.get(clock.met_by or "", clock.label[0].lower() + clock.label[1:])
    start = EVENTS.get(clock.starts, "the start")
    if clock.after_clock is not None:
        start = f'the "{clock.after_clock}" deadline'
    span = f"{cal.format(check.opens, with_time=timed)} to {cal.format(check.closes, with_time=timed)}"
    day = cal.format(check.at, with_time=timed)
    where = {
        "early": f"{day} is before the window.",
        "late": f"{day} is after the window.",
        "inside": f"{day} is inside it.",
    }[check.position]
    return f"{preset.name} holds {what} {clock.describe()} after {start}: {span}. {where}"


@dataclass(frozen=True)
class ClockDue:
    clock: Clock
    start: datetime
    due: datetime
    opens: datetime | None = None  # a window's first moment


def due_chain(preset: Preset, cal: WorkingCalendar, clock: Clock, start: datetime) -> datetime:
    """A clock written `starts = "clock:OTHER"` is due `amount` after OTHER's due time, and so on up the
    chain until a clock that starts from an event, which is taken to happen at `start`."""
    after = clock.after_clock
    origin = start if after is None else due_chain(preset, cal, preset.clock(after), start)
    return due(preset, cal, clock, origin)


def all_clocks(preset: Preset, cal: WorkingCalendar, start: datetime) -> list[ClockDue]:
    """Every clock of the preset computed as if each starting event happened at `start`, and each event a
    clock is before were scheduled for `start`: the answer to "when would all of this be due?" that
    `panelbot clocks` prints."""
    out = []
    for clock in preset.clocks:
        origin = start
        if clock.after_clock is not None:
            origin = due_chain(preset, cal, preset.clock(clock.after_clock), start)
        when = clock_due(preset, cal, clock, start=origin, event_at=start)
        assert when is not None  # every clock has a start or an event, and both are `start` here
        opens = window_opens(cal, clock, origin) if clock.is_window else None
        out.append(ClockDue(clock=clock, start=origin, due=when, opens=opens))
    return out
