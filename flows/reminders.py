"""Reminder plans: when a running clock nags, and whom.

A plan turns one deadline into a sequence of *occurrences*, each with a stable key (so it is sent at most
once), a time, and a kind: `before` (a heads-up), `due` (the morning of the due day), `overdue` (every
working morning after), `escalation` (to the business manager, and the agency's safeguarding lead where
the preset says). The sequence is computed, never stored: the database keeps only the last occurrence
sent, so a restart loses nothing and a sweep after an outage sends the latest missed occurrence once.

Defaults (a preset can override any of them per clock, `reminders = {...}` on a [[clocks]] entry):

* a clock in working days (or days, weeks, months): one reminder 1 working day before the due date at
  the start of working hours, one at the start of the due day, then one each working day at the start of
  working hours while overdue; after 2 working days overdue, an escalation.
* a clock in hours: reminders 24 hours and 4 hours before due, one when it falls due, then one each
  working morning; after 1 working day overdue, an escalation.
* the panel's own decision clock: reminders before it falls due only (the ballot closes at the deadline).

Every occurrence is moved into working hours on a working day: forward to the next start of working
hours, except a reminder *before* the due time that would then land at or after it, which moves back to
the last half hour of the previous working day instead, so that the final "due in 4 hours" warning is
never dropped. Occurrences that land on the same moment collapse into the later-kind one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flows.calendar import WorkingCalendar

# Said under a reminder to an agency in its chat channel, where the business manager reads what is written there.
# By email it is said otherwise (`bot.email.compose`): nobody reads replies to the bot's emails.
QUESTIONS_IN_CHAT = "Questions: reply here and the business manager will see it."

KINDS = ("before", "due", "overdue", "escalation")
_OFFSET = re.compile(r"^(\d+)\s*(h|wd)$")


class PlanError(ValueError):
    """A reminder plan in a preset is malformed."""


@dataclass(frozen=True)
class Offset:
    """`24h` (real hours) or `1wd` (working days, at the start of working hours)."""

    amount: int
    unit: str  # "h" | "wd"

    @classmethod
    def parse(cls, text: str) -> Offset:
        match = _OFFSET.match(str(text).strip().lower())
        if not match:
            raise PlanError(f'"{text}" is not a reminder time; write it like "24h" or "1wd"')
        return cls(int(match.group(1)), match.group(2))

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@dataclass(frozen=True)
class Plan:
    before: tuple[Offset, ...] = ()
    on_due_day: bool = True
    at_due: bool = False  # hour clocks: a reminder at the due moment itself
    overdue_daily: bool = True
    escalate_after_wd: int | None = 2
    escalate_to_lead: bool = False

    @property
    def silent(self) -> bool:
        return not (self.before or self.on_due_day or self.at_due or self.overdue_daily or self.escalate_after_wd)


@dataclass(frozen=True, order=True)
class Occurrence:
    at: datetime
    rank: int  # order of kinds at the same moment: before < due < overdue < escalation
    key: str = field(compare=False)
    kind: str = field(compare=False)


PLAN_KEYS = ("before", "on_due_day", "overdue_daily", "escalate_after_wd", "escalate_to_lead", "off")


def default_plan(unit: str, owner: str, *, decision_clock: bool = False) -> Plan:
    if decision_clock or owner == "panel":
        before = (Offset(24, "h"), Offset(4, "h")) if unit == "hours" else (Offset(1, "wd"),)
        return Plan(before=before, on_due_day=unit != "hours", overdue_daily=False, escalate_after_wd=None)
    if unit == "hours":
        return Plan(before=(Offset(24, "h"), Offset(4, "h")), on_due_day=False, at_due=True, escalate_after_wd=1)
    return Plan(before=(Offset(1, "wd"),), on_due_day=True, escalate_after_wd=2)


def plan_from(settings: dict | None, unit: str, owner: str, *, decision_clock: bool = False) -> Plan:
    """A clock's plan: its defaults with the preset's overrides. Raises PlanError naming a bad key."""
    base = default_plan(unit, owner, decision_clock=decision_clock)
    if not settings:
        return base
    for key in settings:
        if key not in PLAN_KEYS:
            raise PlanError(f'"{key}" is not a reminder setting; use {", ".join(PLAN_KEYS)}')
    if settings.get("off") is True:
        return Plan(before=(), on_due_day=False, at_due=False, overdue_daily=False, escalate_after_wd=None)
    before = base.before
    if "before" in settings:
        if not isinstance(settings["before"], list):
            raise PlanError('before must be a list such as ["24h", "4h"] or ["1wd"]')
        before = tuple(Offset.parse(x) for x in settings["before"])
    escalate = settings.get("escalate_after_wd", base.escalate_after_wd)
    if escalate is not None and (not isinstance(escalate, int) or isinstance(escalate, bool) or escalate < 0):
        raise PlanError("escalate_after_wd must be a whole number of working days")
    flags = {}
    for key in ("on_due_day", "overdue_daily", "escalate_to_lead"):
        value = settings.get(key, getattr(base, key))
        if not isinstance(value, bool):
            raise PlanError(f"{key} must be true or false")
        flags[key] = value
    return Plan(before=before, at_due=base.at_due, escalate_after_wd=escalate, **flags)


# Moving times into working hours ------------------------------------------------------------------------

def _open(cal: WorkingCalendar, dt: datetime) -> bool:
    local = cal.local(dt)
    return cal.is_working_day(local.date()) and cal.day_start <= local.time() < cal.day_end


def _start_of(cal: WorkingCalendar, day) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.combine(day, cal.day_start, tzinfo=cal.tz)


def next_open(cal: WorkingCalendar, dt: datetime) -> datetime:
    """`dt` if it is inside working hours on a working day, else the next start of working hours."""
    if _open(cal, dt):
        return dt
    local = cal.local(dt)
    day = local.date()
    if cal.is_working_day(day) and local.time() < cal.day_start:
        return _start_of(cal, day)
    return _start_of(cal, cal.next_working_day(day))


def last_open_before(cal: WorkingCalendar, dt: datetime) -> datetime:
    """The last half hour of working time before `dt` (the same day if `dt` is after hours on a working day)."""
    local = cal.local(dt)
    day = local.date()
    if not (cal.is_working_day(day) and local.time() >= cal.day_end):
        day = cal.previous_working_day(day)
    end = datetime.combine(day, cal.day_end, tzinfo=cal.tz)
    return end - timedelta(minutes=30)


def _morning(cal: WorkingCalendar, day) -> datetime:  # type: ignore[no-untyped-def]
    return _start_of(cal, day)


# The sequence ----------------------------------------------------------------------------------------------

def occurrences(plan: Plan, cal: WorkingCalendar, due: datetime, *, until: datetime) -> list[Occurrence]:
    """Every occurrence of the plan up to `until`, in order, already moved into working hours."""
    found: dict[datetime, Occurrence] = {}

    def add(occ: Occurrence) -> None:
        if occ.at > until:
            return
        current = found.get(occ.at)
        if current is None or occ.rank >= current.rank:  # the later offset (the final warning) wins
            found[occ.at] = occ

    due_day = cal.local(due).date()
    for offset in plan.before:
        if offset.unit == "h":
            raw = due - timedelta(hours=offset.amount)
        else:
            day = due_day
            for _ in range(offset.amount):
                day = cal.previous_working_day(day)
            raw = _morning(cal, day)
        at = next_open(cal, raw)
        if at >= due:
            at = last_open_before(cal, raw if raw < due else due)
        add(Occurrence(at, 0, f"before:{offset}", "before"))
    if plan.on_due_day and cal.is_working_day(due_day):
        morning = _morning(cal, due_day)
        if morning < due:
            add(Occurrence(morning, 1, "due", "due"))
    first_overdue: datetime | None = None
    if plan.at_due:
        first_overdue = next_open(cal, due)
        add(Occurrence(first_overdue, 2, f"overdue:{cal.local(first_overdue).date()}", "overdue"))
    if plan.overdue_daily:
        for day in _working_days_after(cal, due_day, until):
            at = _morning(cal, day)
            if first_overdue is not None and cal.local(first_overdue).date() == day:
                continue
            add(Occurrence(at, 2, f"overdue:{day}", "overdue"))
    result = sorted(found.values())
    if plan.escalate_after_wd is not None:
        # Counted in working days from the day it first became overdue. Escalation goes to other people
        # (the BM, the agency's lead), so it never replaces the owner's own overdue reminder.
        overdue_from = first_overdue if first_overdue is not None else next_open(cal, due)
        day = cal.local(overdue_from).date()
        if plan.escalate_after_wd == 0:
            esc = overdue_from
        else:
            if first_overdue is None:
                day = due_day
            for _ in range(plan.escalate_after_wd):
                day = cal.next_working_day(day)
            esc = _morning(cal, day)
        if due < esc <= until:
            result.append(Occurrence(esc, 3, "escalation", "escalation"))
    return sorted(result)


def _working_days_after(cal: WorkingCalendar, day, until: datetime) -> Iterator:  # type: ignore[no-untyped-def]
    last = cal.local(until).date()
    d = cal.next_working_day(day)
    while d <= last:
        yield d
        d = cal.next_working_day(d)


def next_after(plan: Plan, cal: WorkingCalendar, due: datetime, after: datetime) -> datetime | None:
    """The time of the first occurrence strictly after `after`, or None if the plan has no more."""
    horizon = max(after, due) + timedelta(days=21)
    for occ in occurrences(plan, cal, due, until=horizon):
        if occ.at > after:
            return occ.at
    return None


def pending(plan: Plan, cal: WorkingCalendar, due: datetime, *, last_sent: datetime | None,
            now: datetime) -> list[Occurrence]:
    """The occurrences that fell due since the last one sent, up to now, in order."""
    return [o for o in occurrences(plan, cal, due, until=now) if last_sent is None or o.at > last_sent]


def in_working_hours(cal: WorkingCalendar, dt: datetime) -> bool:
    return _open(cal, dt)


__all__ = [
    "KINDS", "Occurrence", "Offset", "Plan", "PlanError", "default_plan", "in_working_hours", "next_after",
    "next_open", "occurrences", "pending", "plan_from", "time",
]
