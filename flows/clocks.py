"""Due times for a preset's clocks.

`flows.calendar` knows how to count hours, working days and months; this module knows which clock counts
what from when, including the two things a plain calendar cannot: chains (a clock that starts when another
falls due) and Suffolk's monthly panel (section 3: the panel meets on the 25th; a referral goes to the first
panel at least 10 days after it; a case on hold comes back at each panel). A clock counted in monthly panels is
counted to the panels as the business manager planned them (`PanelPlan`: a moved panel on its new day, a
cancelled one skipped), and to the preset's dates beyond what is planned. The cut-off is a new referral's (its
papers must go out 10 days before the panel that discusses it): only a clock that starts when the referral is
received honours it; any other clock in monthly panels (the review of a case the panel put on hold) falls at the
first panel after the day it starts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice

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


@dataclass(frozen=True)
class PanelPlan:
    """The monthly panels as planned (issue 21, section 3): for the date the preset gave a panel (its slot, which
    names it: PANEL-2027-01), the day it really meets, or None where it was cancelled. A slot it does not hold
    (beyond the planning horizon, or not planned yet) meets on the preset's date."""

    days: Mapping[date, date | None] = field(default_factory=dict)

    def day_of(self, slot: date) -> date | None:
        return self.days.get(slot, slot)


@dataclass(frozen=True)
class PanelDay:
    slot: date  # the date the preset gave it
    day: date  # the day it meets (the slot, unless it was moved)


def _panels_from(
    cal: WorkingCalendar, monthly: MonthlyPanel, after: date, plan: PanelPlan | None
) -> Iterator[PanelDay]:
    """The panels meeting on or after `after`, in order, without end. A panel keeps its place among the others
    when it is moved (the service refuses a move past a neighbour), so they come in the order of their slots;
    the walk starts at the earliest slot moved to `after` or later, so a panel moved out of its month is found."""
    plan = plan or PanelPlan()
    start = min([after, *(slot for slot, day in plan.days.items() if day is not None and day >= after)])
    year, month = start.year, start.month
    while True:
        slot = panel_day(cal, monthly, year, month)
        day = plan.day_of(slot)
        if day is not None and day >= after:
            yield PanelDay(slot, day)
        year, month = _shift_month(year, month, 1)


def panels(
    cal: WorkingCalendar, monthly: MonthlyPanel, after: date, count: int, plan: PanelPlan | None = None
) -> list[PanelDay]:
    """The `count` panels meeting on or after `after`, in order: the preset's dates as planned (a moved panel on
    its day, a cancelled one left out)."""
    return list(islice(_panels_from(cal, monthly, after, plan), count))


def panel_dates(
    cal: WorkingCalendar, monthly: MonthlyPanel, after: date, count: int, plan: PanelPlan | None = None
) -> list[date]:
    """The days of the `count` panels meeting on or after `after`, in order."""
    return [p.day for p in panels(cal, monthly, after, count, plan)]


def panel_for(
    cal: WorkingCalendar, monthly: MonthlyPanel, received: date, nth: int = 1, plan: PanelPlan | None = None
) -> date:
    """The day of the nth panel a referral received on `received` goes to: the first whose cut-off it meets,
    counted to the day the panel really meets."""
    found = _panels_from(cal, monthly, received, plan)
    panel = next(p for p in found if meets_cutoff(monthly, received, p.day))
    for _ in range(max(nth, 1) - 1):
        panel = next(found)
    return panel.day


def panel_after(
    cal: WorkingCalendar, monthly: MonthlyPanel, day: date, nth: int = 1, plan: PanelPlan | None = None
) -> date:
    """The day of the nth panel meeting after `day` (not on it), with no cut-off: Suffolk 3, a case on hold
    comes back at each panel, so one put on hold on Mon 21 Dec 2026 is back at the panel of Thu 24 Dec, and one
    put on hold at that panel is back at the next."""
    found = _panels_from(cal, monthly, day + timedelta(days=1), plan)
    panel = next(found)
    for _ in range(max(nth, 1) - 1):
        panel = next(found)
    return panel.day


# The events after which a clock counted in monthly panels honours the panel's cut-off: a new referral's papers
# go out before the panel that discusses it (Suffolk 3). Counted from anything else, it has none.
CUTOFF_STARTS = ("referral_received",)


def panel_due(cal: WorkingCalendar, day: date) -> datetime:
    """A clock counted to the panel meeting on `day` is due at the close of that day."""
    return cal.end_of_day(day)


def due_before_panel(cal: WorkingCalendar, day: date) -> datetime:
    """What is collated for the panel meeting on `day` (Suffolk 3: the agencies' returns) is due at the close of
    the working day before it."""
    return cal.end_of_day(cal.previous_working_day(day))


def due_before_meeting(cal: WorkingCalendar, at: datetime) -> datetime:
    """What a referral's meeting at `at` considers (Stockport 8: the agencies' information, "submitted in advance
    of screening meeting") is due, by the rule for the monthly panel, at the close of the working day before the
    meeting's day."""
    return due_before_panel(cal, cal.local(at).date())


def next_panel_meeting(
    cal: WorkingCalendar, monthly: MonthlyPanel, start: datetime, nth: int = 1, plan: PanelPlan | None = None
) -> datetime:
    """The nth monthly panel a referral received at `start` goes to, at the close of its day."""
    return panel_due(cal, panel_for(cal, monthly, cal.local(start).date(), nth, plan))


def _shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def due(
    preset: Preset, cal: WorkingCalendar, clock: Clock, start: datetime, plan: PanelPlan | None = None
) -> datetime:
    """When `clock` falls due if the event it starts from happened at `start` (a clock counted in monthly panels:
    to the panels as `plan` has them, else on the preset's dates; from a referral's receipt, to the first whose
    cut-off it meets, else to the first panel after the day of `start`)."""
    if clock.unit == "panel_meeting":
        assert preset.monthly_panel is not None  # guaranteed by preset validation
        if clock.starts in CUTOFF_STARTS:
            return next_panel_meeting(cal, preset.monthly_panel, start, clock.amount, plan)
        day = panel_after(cal, preset.monthly_panel, cal.local(start).date(), clock.amount, plan)
        return panel_due(cal, day)
    return cal.add(start, clock.amount, clock.unit)  # type: ignore[arg-type]


def due_before(cal: WorkingCalendar, clock: Clock, event_at: datetime) -> datetime:
    """When a clock written `before = EVENT` falls due if the event is scheduled for `event_at`."""
    return cal.before(event_at, clock.amount, clock.unit)  # type: ignore[arg-type]


def clock_due(
    preset: Preset, cal: WorkingCalendar, clock: Clock, *, start: datetime | None, event_at: datetime | None,
    plan: PanelPlan | None = None,
) -> datetime | None:
    """A clock's due time from what is known: counted forward from `start` (its starting event or clock),
    back from `event_at` (the scheduled event it is before), or, for a clock with both (Kirklees: "after
    completion or before publication, whichever is the sooner"), the sooner of the two that are known. None
    while neither is known (a clock before a meeting that is not scheduled yet)."""
    times = []
    if start is not None and clock.starts:
        times.append(due(preset, cal, clock, start, plan))
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
