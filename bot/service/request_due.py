"""When an agency's information request is due (issue 21, section 4), and the requests that follow a referral's
meeting when it moves. Used by the clocks handler (`ClockCommands`), which the requests handler is given; written
as functions over the core, as `milestones` is, and handed the two clock helpers they need (the monthly panels as
planned; a running clock due again at another time), so that this module does not import the handler.

A request is due, the first that applies: by the date the business manager gives; by the return clock for the
referral's type (the preset's `agency_return`, or the type's own `return_clock`: Dudley's SARs, the partners'
scoping within 20 working days of receipt); with a monthly panel, at the close of the working day before the
referral's panel (Suffolk 3); at the close of the working day before the referral's next scheduled meeting
(Stockport 8: "submitted in advance of screening meeting"). With none of these it is refused, saying what to type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.service.base import Actor, Core
from flows.clocks import PanelPlan, due_before_meeting, due_before_panel, panel_for
from flows.errors import InvalidInput
from flows.meetings import MEETING_EVENTS, meeting_event, meeting_name
from flows.preset import EVENTS, RETURN_CLOCK, Clock
from storage.models import Deadline, Referral, ScheduledEvent
from storage.uow import UnitOfWork

PanelPlanOf = Callable[[UnitOfWork], Awaitable[PanelPlan]]
# (uow, referral, clock, rows, due_at, actor): the rows closed and the clock started again, due at `due_at`.
Redue = Callable[[UnitOfWork, Referral, Clock, list[Deadline], datetime | None, Actor], Awaitable[Deadline | None]]

# An agency's return where the preset sets no time for it: the business manager gives the date.
DATED_RETURN = Clock(
    id=RETURN_CLOCK,
    label="Information returned by the agency",
    amount=0,
    unit="working_days",
    starts="request_sent",
    source="the business manager's due date",
    owner="agency",
)
# Where the preset has a monthly panel and sets no return time (Suffolk 3: the replies are collated for the panel),
# the return is due the working day before the referral's panel, and moves when that panel moves.
PANEL_RETURN = replace(DATED_RETURN, label="Information for the panel returned by the agency",
                       source="the working day before the panel that considers it")
# Where no return clock applies to the referral's type and its meeting is scheduled (Stockport 8), the return is due
# by the same rule, the working day before the meeting, and moves when the meeting moves. The label tells these
# requests apart from those the business manager dated, which stay.
MEETING_RETURN = replace(DATED_RETURN, label="Information for the meeting returned by the agency",
                         source="the working day before the meeting that considers it")


@dataclass(frozen=True)
class ReturnTiming:
    """The clock an information request runs on, its due time where that is not counted by the clock from the
    request (None: it is), and the words that tell the agency how the date was set."""

    clock: Clock
    due_at: datetime | None
    words: str


def cap(words: str) -> str:
    """The first letter in capitals and the rest as written ("The SAR screening meeting")."""
    return words[:1].upper() + words[1:]


def returned_action(referral: Referral, agency: str) -> dict[str, object]:
    """The button on a message to an agency about its request."""
    return {"label": "Mark as returned", "command": f"returned {referral.reference} {agency}", "style": "primary"}


def tell_agency(core: Core, uow: UnitOfWork, referral: Referral, agency: str, deadline: Deadline, text: str) -> None:
    """A message to the agency about its request, with its Mark as returned button."""
    uow.outbox(
        partnership_id=core.partnership_id,
        now=core.now(),
        purpose=f"agency:{agency}",
        kind="request",
        referral_id=referral.id,
        body={"deadline_id": deadline.id, "text": text, "actions": [returned_action(referral, agency)]},
    )


async def return_timing(
    core: Core, uow: UnitOfWork, referral: Referral, due: date | None, panel_plan: PanelPlanOf
) -> ReturnTiming:
    """When an information request for this referral is due (the module's order), or InvalidInput saying what to
    type."""
    preset, cal, now = core.preset, core.cal, core.now()
    own = preset.return_clock_for(referral.referral_type)
    if due is not None:
        return ReturnTiming(own or DATED_RETURN, cal.end_of_day(due), "the date the business manager set")
    if own is not None:
        return await _own_return(core, uow, referral, own)
    ref = referral.reference
    example = f"`request {ref} police health due 2026-12-20`"
    monthly = preset.monthly_panel
    if monthly is not None:
        # The referral's panel: the one its clocks counted in panels are due at, else the next whose cut-off today
        # meets.
        counted = await uow.deadlines.running(referral, [c.id for c in preset.clocks if c.unit == "panel_meeting"])
        panel = cal.local(counted[0].due_at).date() if counted else panel_for(
            cal, monthly, cal.local(now).date(), 1, await panel_plan(uow))
        due_at = due_before_panel(cal, panel)
        if due_at > now:
            return ReturnTiming(PANEL_RETURN, due_at, "the working day before the panel that considers it")
        raise InvalidInput(
            f"The panel of {cal.format(cal.end_of_day(panel), with_time=False)} is too close for a request to be "
            f"answered before it; give the date the information is due, e.g. {example}.", field="due"
        )
    meeting = await next_meeting(uow, referral, now)
    if meeting is not None:
        due_at = due_before_meeting(cal, meeting.at)
        name = meeting_name(meeting.event)
        if due_at > now:
            return ReturnTiming(MEETING_RETURN, due_at, f"the working day before {name} that considers it")
        raise InvalidInput(
            f"{cap(name)} for {ref} on {core.fmt(meeting.at)} is too close for a request to be answered before "
            f"it; give the date the information is due, e.g. {example}. Nothing was sent.", field="due"
        )
    event = meeting_event(preset, referral.referral_type)
    if any(c.applies_to(referral.referral_type) and event in (c.starts, c.before, c.met_by) for c in preset.clocks):
        # The type's clocks hang on its meeting (Stockport's SARs: the screening meeting), so scheduling it is the
        # other way to time the request.
        raise InvalidInput(
            f"The {preset.name} procedure sets no time for agency returns and no "
            f"{meeting_name(event).removeprefix('the ')} is scheduled for {ref}, so give the date the information is "
            f"due, e.g. {example}, or schedule the meeting that will consider it first (`meeting schedule {ref} DATE "
            "TIME`). Nothing was sent.", field="due"
        )
    raise InvalidInput(
        f"The {preset.name} procedure sets no time for agency returns, so give the date the information is due, "
        f"e.g. {example}. Nothing was sent.", field="due"
    )


async def _own_return(core: Core, uow: UnitOfWork, referral: Referral, clock: Clock) -> ReturnTiming:
    """A request on the return clock for the referral's type. One counted from the request (`starts =
    "request_sent"`) is due by it from now. One counted from something else is the referral's own deadline for
    every agency's information (Dudley's SARs: scoping from all partners within 20 working days of receipt), so the
    request is due when that deadline is, however late in it the request goes; where that deadline is not running,
    or has passed, the agency has the clock's full time from now."""
    if clock.starts != "request_sent":
        rows = [r for r in await uow.deadlines.running(referral, [clock.id]) if r.agency is None]
        if rows and rows[0].due_at > core.now():
            return ReturnTiming(clock, rows[0].due_at, f"{clock.describe()} after {EVENTS.get(clock.starts, '')}")
    return ReturnTiming(clock, None, clock.describe())


async def next_meeting(uow: UnitOfWork, referral: Referral, now: datetime) -> ScheduledEvent | None:
    """The referral's next meeting as planned (the one that will consider what the agencies send), if any: one whose
    time has passed (held, or recorded as not quorate and not moved since) considers nothing more."""
    rows = [r for r in await uow.events.all_planned(referral) if r.event in MEETING_EVENTS and r.at > now]
    return rows[0] if rows else None


async def retime_meeting_returns(
    core: Core, uow: UnitOfWork, referral: Referral, event: str, actor: Actor, redue: Redue
) -> list[Deadline]:
    """The requests due before the referral's meeting (`MEETING_RETURN`) follow it when it is moved, or scheduled
    again after a cancellation, each once: the old deadline closes and a new one starts for the new time
    (`ClockCommands._redue`), so its reminders are sent once, for the new time, and the agency is told the new date.
    A cancelled meeting leaves them due when they were (the agencies were told that date); a date the business
    manager gave a request stays."""
    if event not in MEETING_EVENTS:
        return []
    meeting = await uow.events.planned(referral, event)
    if meeting is None:
        return []
    due_at = due_before_meeting(core.cal, meeting.at)
    out = []
    for row in await uow.deadlines.running(referral, [RETURN_CLOCK]):
        if row.label != MEETING_RETURN.label or row.due_at == due_at:
            continue
        moved = await redue(uow, referral, MEETING_RETURN, [row], due_at, actor)
        assert moved is not None
        if moved.agency is not None:
            tell_agency(
                core, uow, referral, moved.agency, moved,
                f"{cap(meeting_name(event))} for **{referral.reference} · {referral.subject}** is now planned for "
                f"{core.fmt(meeting.at)}: your information for it is now due **{core.fmt(due_at)}**, the working "
                "day before the meeting.",
            )
        out.append(moved)
    return out
