"""Clocks: starting and finishing them (a decision's, a request's, a follow-up's), and those that hang on events
(issue 21): events recorded and scheduled, clocks due before a scheduled event (moved with it), the sooner of
two, windows met by an event, and the clocks a return as incomplete stops until the referral is resubmitted.

Every event recorded or planned is a `ScheduledEvent` row: planned (`scheduled`, with its time) or
`held`. A clock's due time is worked out from them by `flows.clocks.clock_due`. A clock whose due time
changes is not edited in place: the running row is cancelled and a new one started, so the reminders
planned for the old time stop and those for the new time are each sent once (a reminder's key names its
deadline row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.service import milestones, request_due
from bot.service.base import Actor, Handler
from bot.service.request_due import DATED_RETURN, ReturnTiming
from bot.service.request_due import PANEL_RETURN as PANEL_RETURN
from flows import reminders
from flows.casefile import publication_notes
from flows.clocks import PanelPlan, check_window, clock_due, due, window_words
from flows.errors import InvalidInput, WrongState
from flows.meetings import MEETING_EVENTS, attendance_line, meeting_name, quorum_of
from flows.milestones import trigger
from flows.monthly_meetings import PANEL_EVENT
from flows.preset import EVENTS, RETURN_CLOCK, Clock
from flows.referrals import Status
from flows.views import plural
from storage.models import Deadline, Referral, ScheduledEvent, StoppedClock
from storage.uow import UnitOfWork

FILING_EVENTS = ("referral_received", "became_aware")
# Events the business manager plans with `event REF EVENT on DATE`; meetings are planned as meetings.
SCHEDULABLE = ("publication",)
@dataclass(frozen=True)
class EventRecord:
    started: list[str] = field(default_factory=list)  # clock ids started
    met: list[str] = field(default_factory=list)  # "LABEL, on time" / "LABEL, 2 working days late"
    flagged: list[str] = field(default_factory=list)  # a window met early, in plain words


class ClockCommands(Handler):
    def clock_for(self, clock_id: str) -> Clock | None:
        """The preset's clock, or the dated return clock of a request the business manager dated itself."""
        if self.preset.has_clock(clock_id):
            return self.preset.clock(clock_id)
        return DATED_RETURN if clock_id == RETURN_CLOCK else None

    async def _panel_plan(self, uow: UnitOfWork) -> PanelPlan:
        """The monthly panels as planned (a moved one on its day, a cancelled one None), for the clocks counted in
        panels: a clock started after a move counts to the panel's real day."""
        rows = await uow.events.of_partnership(PANEL_EVENT)
        return PanelPlan({r.slot: None if r.status == "cancelled" else self.cal.local(r.at).date()
                          for r in rows if r.slot is not None})

    async def _due(self, uow: UnitOfWork, clock: Clock, start: datetime) -> datetime:
        plan = await self._panel_plan(uow) if clock.unit == "panel_meeting" else None
        return due(self.preset, self.cal, clock, start, plan)

    async def _return_timing(self, uow: UnitOfWork, referral: Referral, due: date | None) -> ReturnTiming:
        """When an information request for this referral is due (`request_due.return_timing`)."""
        return await request_due.return_timing(self.core, uow, referral, due, self._panel_plan)

    # Events -------------------------------------------------------------------------------------------
    async def happened(
        self, *, actor: Actor, reference: str, event: str, at: datetime | None = None
    ) -> EventRecord:
        """Record that something happened: start the clocks that start from it (and those chained after them),
        and meet the clocks it meets (a window met early is flagged, not refused)."""
        self.require_bm(actor, "record events")
        self._check_event(event)
        when = at or self.now()
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            if referral.status == Status.WITHDRAWN:
                raise WrongState(f"{referral.reference} is withdrawn.")
            await self._refuse_planned_meeting(uow, referral, event)
            record = await self._record_happened(uow, referral, event, when, actor)
            await self.finish(uow)
        return record

    async def _refuse_planned_meeting(self, uow: UnitOfWork, referral: Referral, event: str) -> None:
        """A meeting scheduled as a meeting (or recorded as not quorate) is recorded held with who attended, so that
        its quorum is checked: the raw `event REF rr_meeting` would skip that check and start the clocks after it
        with no reason recorded."""
        if event not in MEETING_EVENTS:
            return
        row = await uow.events.planned(referral, event)
        if row is None:
            return
        ref, name = referral.reference, request_due.cap(meeting_name(event))
        if row.quorate is False:
            raise WrongState(
                f"{name} for {ref} on {self.fmt(row.held_at or row.at)} was recorded as not quorate, so "
                f"it counts only with who attended and a reason, `meeting held {ref} ROLE... override REASON`; "
                "nothing was recorded."
            )
        raise WrongState(
            f"{name} for {ref} is scheduled for {self.fmt(row.at)}, so record it with who attended, "
            f"`meeting held {ref} ROLE...` (or `meeting held {ref} ROLE... override REASON` to count it though not "
            "quorate); nothing was recorded."
        )

    async def _record_happened(
        self, uow: UnitOfWork, referral: Referral, event: str, when: datetime, actor: Actor
    ) -> EventRecord:
        await self.audit(uow, actor, "event", referral.reference, event=event, at=when.isoformat())
        planned = await uow.events.planned(referral, event)
        if planned is not None:
            planned.status, planned.held_at = "held", when
        else:
            await uow.events.add(self._event_row(referral, event, when, actor, status="held", held_at=when))
        started = await self._start_event_clocks(uow, referral, event, when, actor)
        met, flagged = await self._meet_event_clocks(uow, referral, event, when, actor)
        await milestones.after(self.core, uow, referral, trigger("event", event))
        return EventRecord(started, met, flagged)

    async def schedule_event(self, *, actor: Actor, reference: str, event: str, on: date) -> list[str]:
        """Plan an event for a date (`event REF publication on 2027-01-13`): the clocks due before it are
        counted back from it, and move with it when it is planned again for another date."""
        self.require_bm(actor, "plan events")
        self._check_event(event)
        if event not in SCHEDULABLE:
            raise InvalidInput(
                f'"{event}" cannot be planned with a date; only {", ".join(SCHEDULABLE)} can. To record that it '
                f"happened, use `event {reference.upper()} {event}`."
            )
        when = datetime.combine(on, self.cal.day_start, tzinfo=self.cal.tz)
        if when <= self.now():
            raise InvalidInput(
                f"The {EVENTS[event]} date must be in the future; to record that it happened, use "
                f"`event {reference.upper()} {event}`."
            )
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            if referral.status == Status.WITHDRAWN:
                raise WrongState(f"{referral.reference} is withdrawn.")
            row = await uow.events.planned(referral, event)
            was = None
            if row is None:
                await uow.events.add(self._event_row(referral, event, when, actor))
            else:
                was, row.at, row.moves = row.at, when, row.moves + 1
            await self.audit(
                uow, actor, "event_planned", referral.reference, event=event, at=when.isoformat(),
                was=was.isoformat() if was else None,
            )
            moved = await self._retime_before(uow, referral, event, actor)
            await self.finish(uow)
        day = self.cal.format(when, with_time=False)
        head = f"{EVENTS[event].capitalize()} of {referral.reference} is planned for {day}"
        head += f" (was {self.cal.format(was, with_time=False)})." if was else "."
        notes = publication_notes(self.preset, referral.parallel or ()) if event == "publication" else []
        return [head] + [f"{self.deadline_label(d)}: due {self.fmt(d.due_at)}." for d in moved] + notes

    def _check_event(self, event: str) -> None:
        if event not in EVENTS or event in FILING_EVENTS:
            valid = ", ".join(e for e in EVENTS if e not in FILING_EVENTS)
            raise InvalidInput(f'"{event}" is not an event Panelbot tracks; use one of {valid}.')

    def _event_row(
        self, referral: Referral, event: str, at: datetime, actor: Actor, *, status: str = "scheduled",
        held_at: datetime | None = None,
    ) -> ScheduledEvent:
        return ScheduledEvent(
            partnership_id=self.partnership_id, referral_id=referral.id, event=event, at=at, status=status,
            scheduled_at=self.now(), scheduled_by=actor.audit_name, moves=0, attending=[], attended=[],
            held_at=held_at,
        )

    async def _start_event_clocks(
        self, uow: UnitOfWork, referral: Referral, event: str, when: datetime, actor: Actor
    ) -> list[str]:
        """Start every clock that starts from `event` at `when`, and the clocks chained after those. A clock
        that is also due before a planned event is due at the sooner of the two."""
        started = []
        pending = [(c, when) for c in self.preset.clocks if c.starts == event and c.applies_to(referral.referral_type)]
        while pending:
            clock, start = pending.pop(0)
            if clock.before is not None:
                row = await self._retime(uow, referral, clock, actor, start=start)
                if row is None:
                    continue
            else:
                row = await self._start_clock(uow, referral, clock, start, actor)
            started.append(clock.id)
            pending.extend(
                (c, row.due_at)
                for c in self.preset.clocks
                if c.after_clock == clock.id and c.applies_to(referral.referral_type)
            )
        return started

    async def _meet_event_clocks(
        self, uow: UnitOfWork, referral: Referral, event: str, when: datetime, actor: Actor
    ) -> tuple[list[str], list[str]]:
        met: list[str] = []
        flagged: list[str] = []
        ids = [c.id for c in self.preset.clocks if c.met_by == event]
        for row in await uow.deadlines.running(referral, ids) if ids else []:
            clock = self.preset.clock(row.clock_id)
            row.done_at, row.done_by_id, row.next_reminder_at = when, actor.member_id, None
            late = self.cal.working_days_late(row.due_at, when) if when > row.due_at else 0
            met.append(f"{row.label}, " + (f"{plural(late, 'working day')} late" if late else "on time"))
            if clock.is_window:
                check = check_window(self.preset, self.cal, clock, row.started_at, when)
                if check.position == "early":
                    words = window_words(self.preset, self.cal, clock, check)
                    flagged.append(words)
                    await self.audit(uow, actor, "window_early", referral.reference, clock=clock.id)
                    self.notice(uow, "bm", f"{referral.reference} · {referral.subject}: {words}", referral)
        return met, flagged

    async def _retime_before(self, uow: UnitOfWork, referral: Referral, event: str, actor: Actor) -> list[Deadline]:
        """The clocks due before `event`, counted again from its planned time, and the agencies' information due
        before it when it is the referral's meeting."""
        out = []
        for clock in self.preset.clocks:
            if clock.before == event and clock.applies_to(referral.referral_type):
                row = await self._retime(uow, referral, clock, actor)
                if row is not None:
                    out.append(row)
        return out + await request_due.retime_meeting_returns(self.core, uow, referral, event, actor, self._redue)

    async def _retime(
        self, uow: UnitOfWork, referral: Referral, clock: Clock, actor: Actor, *, start: datetime | None = None
    ) -> Deadline | None:
        """Start or move a clock with `before`: due from what is known of its events (its start, `start` or the
        time its starting event was held; the planned time of the event it is before). A clock already met is
        left alone; a running one whose due time changes is cancelled and started again."""
        if await uow.deadlines.was_met(referral, clock.id):
            return None
        if start is None and clock.starts in EVENTS:
            held = await uow.events.held(referral, clock.starts)
            start = held.held_at if held is not None else None
        planned = await uow.events.planned(referral, clock.before or "")
        plan = await self._panel_plan(uow) if clock.unit == "panel_meeting" else None
        due_at = clock_due(self.preset, self.cal, clock, start=start, event_at=planned.at if planned else None,
                           plan=plan)
        running = await uow.deadlines.running(referral, [clock.id])
        if running and running[0].due_at == due_at:
            return running[0]
        return await self._redue(uow, referral, clock, running, due_at, actor)

    async def _redue(
        self, uow: UnitOfWork, referral: Referral, clock: Clock, rows: list[Deadline], due_at: datetime | None,
        actor: Actor,
    ) -> Deadline | None:
        """A running clock whose due time changes (the event it is before, or the monthly panel it is counted to,
        moved): its rows are cancelled and it starts again due at `due_at` (None: it stops), keeping its start
        and agency, so the reminders planned for the old time stop and those for the new are each sent once. An
        agency's request follows its clock."""
        for row in rows:
            row.cancelled_at = self.now()
        if due_at is None:
            return None
        agency = rows[0].agency if rows else None
        new = await self._start_clock(uow, referral, clock, self.now(), actor, agency=agency, due_at=due_at)
        for row in rows:
            new.started_at = min(new.started_at, row.started_at)
            if (request := await uow.requests.for_deadline(row)) is not None:
                request.deadline_id = new.id
        return new

    # Clocks used by several commands (the decision's, a request's, a follow-up's) --------------------
    async def _start_clock(
        self,
        uow: UnitOfWork,
        referral: Referral,
        clock: Clock,
        start: datetime,
        actor: Actor,
        *,
        agency: str | None = None,
        due_at: datetime | None = None,
    ) -> Deadline:
        """Start a clock (one running instance per clock, and per agency for information returns) and
        work out when its first reminder is due. `due_at` when it is not counted forward from `start` (a clock
        before a planned event, a due date the business manager gave)."""
        running = [d for d in await uow.deadlines.running(referral, [clock.id]) if d.agency == agency]
        if running:  # a follow-up may name a clock already going
            return running[0]
        row = Deadline(
            partnership_id=self.partnership_id,
            referral_id=referral.id,
            clock_id=clock.id,
            label=clock.label,
            owner=clock.owner,
            agency=agency,
            started_at=start,
            due_at=due_at or await self._due(uow, clock, start),
            last_reminder_at=start,  # nothing planned before the clock started is ever sent
        )
        self.schedule_reminders(row, clock, after=start)
        await uow.deadlines.add(row)
        await self.audit(
            uow, actor, "clock_started", referral.reference, clock=clock.id, agency=agency, due=row.due_at.isoformat()
        )
        return row

    def schedule_reminders(self, row: Deadline, clock: Clock, *, after: datetime) -> None:
        """Set when the reminder sweep must next look at this deadline (None: never again)."""
        row.next_reminder_at = reminders.next_after(self.preset.reminder_plan(clock), self.cal, row.due_at, after)

    async def _finish_clock(
        self, uow: UnitOfWork, referral: Referral, clock_id: str, actor: Actor, at: datetime | None = None
    ) -> None:
        for row in await uow.deadlines.running(referral, [clock_id]):
            row.done_at = at or self.now()
            row.done_by_id = actor.member_id

    # A referral returned as incomplete (issue 21, section 4) -----------------------------------------------
    def _stopped_on_return(self) -> set[str]:
        """The clocks the preset's incomplete outcome stops: they no longer apply until it is resubmitted."""
        return {c for o in self.preset.outcomes if o.incomplete for c in o.stops}

    async def _stop_for_return(self, uow: UnitOfWork, referral: Referral) -> list[str]:
        ids = self._stopped_on_return()
        now = self.now()
        labels = []
        for row in await uow.deadlines.running(referral, ids) if ids else []:
            row.cancelled_at = now
            await uow.stopped_clocks.add(
                StoppedClock(partnership_id=self.partnership_id, referral_id=referral.id, deadline_id=row.id,
                             stopped_at=now)
            )
            labels.append(self.deadline_label(row))
        return labels

    async def _restart_after_return(self, uow: UnitOfWork, referral: Referral, actor: Actor) -> list[str]:
        """On resubmission, each clock stopped by the return starts again from now (an agency's return is due
        again its full time, or, for a request the business manager dated, by the same date)."""
        now = self.now()
        labels = []
        for stopped, row in await uow.stopped_clocks.waiting(referral):
            stopped.restarted_at = now
            clock = self.clock_for(row.clock_id)
            if clock is None:
                continue
            due_at = None if self.preset.has_clock(clock.id) else max(row.due_at, self.cal.end_of_day(
                self.cal.local(now).date()))
            new = await self._start_clock(uow, referral, clock, now, actor, agency=row.agency, due_at=due_at)
            request = await uow.requests.for_deadline(row)
            if request is not None:
                request.deadline_id = new.id
            labels.append(f"{self.deadline_label(new)}: due {self.fmt(new.due_at)}")
        return labels

    def deadline_label(self, d: Deadline) -> str:
        """A deadline's label, naming the agency when it is one agency's return."""
        if not d.agency:
            return d.label
        from flows.reports import waits_on

        return f"{d.label} ({waits_on(self.preset, d.owner, d.agency)})"

    async def planned_lines(self, uow: UnitOfWork, referral: Referral) -> list[str]:
        """For the card: the meeting or publication planned, with its time (a publication, its date)."""
        out = []
        for row in await uow.events.all_planned(referral):
            when = self.cal.format(row.at, with_time=row.event != "publication")
            place = f", {row.place}" if row.place else ""
            out.append(f"Planned: {EVENTS.get(row.event, row.event)}, {when}{place}.")
            if row.event in MEETING_EVENTS:
                quorum = quorum_of(self.preset, row.event, referral.referral_type)  # the meeting's own quorum
                out.append(attendance_line(self.preset, row.attending or [], quorum))
        return out

    async def stopped_lines(self, uow: UnitOfWork, referral: Referral) -> list[str]:
        """For the card of a returned referral: what was stopped until it is resubmitted."""
        rows = [row for _, row in await uow.stopped_clocks.waiting(referral)]
        if not rows:
            return []
        return ["Stopped until it is resubmitted: " + "; ".join(self.deadline_label(r) for r in rows) + "."]
