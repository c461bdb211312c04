"""The partnership's own meetings (issue 21, section 3): Suffolk's monthly panel, planned as meetings from the
preset's dates a few months ahead (the scheduler's `plan_panels` job; planning again finds what is planned, moved
or cancelled, by the date the preset gave it), listed with the referrals' meetings and in the calendar feed, and
moved or cancelled by the business manager like any meeting (`meeting move PANEL-2027-01 2027-01-22 14:00`).

The clocks counted to a panel follow it: a referral's decision and a held case's review (clocks in monthly panels)
are due at the close of the panel's day, and a request collated for it at the close of the working day before. A
move starts each of them again at the new day, once (`ClockCommands._redue`: their reminders are sent once, for
the new time); a cancellation moves them to the next panel. The statutory partners confirm who attends a panel
for their agency (those still missing are reminded before it, and the business manager told if it would not be
quorate, by the referrals' meetings' sweep: `AttendanceCommands.remind_meetings`), and the business manager records
who attended, against the meeting's quorum."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta

from bot.service.attendance import confirm, needed_again, withdraw
from bot.service.base import Actor, Core, Handler
from bot.service.clockwork import PANEL_RETURN, RETURN_CLOCK, ClockCommands
from bot.service.decisions import DecisionRules
from bot.service.meetings import MeetingCommands, MeetingLine
from bot.service.requests import RequestCommands
from flows import meetings as rules
from flows import monthly_meetings as monthly_rules
from flows.clocks import due_before_panel, panel_dates, panel_day, panel_due, panels
from flows.errors import InvalidInput, NotFound, WrongState
from flows.ics import MeetingInvite, invitation
from storage.models import Deadline, Referral, ScheduledEvent
from storage.uow import UnitOfWork

PANEL = monthly_rules.PANEL_EVENT


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _ref(row: ScheduledEvent) -> str:
    return monthly_rules.panel_reference(row.slot)  # type: ignore[arg-type]


def _name(row: ScheduledEvent) -> str:
    return monthly_rules.panel_name(row.slot)  # type: ignore[arg-type]


class PanelMeetingCommands(Handler):
    def __init__(
        self, core: Core, meetings: MeetingCommands, decisions: DecisionRules, clocks: ClockCommands,
        requests: RequestCommands,
    ) -> None:
        super().__init__(core)
        self.meetings = meetings
        self.decisions = decisions
        self.clocks = clocks
        self.requests = requests

    async def plan_panels(self) -> list[str]:
        """The next monthly panels the preset gives (`PLAN_MONTHS` of them), each planned as a meeting of the
        partnership once: one not yet planned is added, at the usual time, and posted to the panel channel with
        its invitation. Returns the references of those added."""
        monthly = self.preset.monthly_panel
        if monthly is None:
            return []
        now = self.now()
        slots = panel_dates(self.cal, monthly, self.cal.local(now).date(), monthly_rules.PLAN_MONTHS)
        async with self.uow() as uow:
            await uow.partnerships.get(lock=True)  # one planner at a time, however many replicas run
            have = {row.slot for row in await uow.events.of_partnership(PANEL)}
            added = []
            for slot in (s for s in slots if s not in have):
                row = ScheduledEvent(
                    partnership_id=self.partnership_id, referral_id=None, event=PANEL,
                    at=monthly_rules.planned_at(self.cal, slot), place=None, status="scheduled", scheduled_at=now,
                    scheduled_by=Actor.system().audit_name, moves=0, attending=[], attended=[], reminded_roles=[],
                    slot=slot,
                )
                await uow.events.add(row)
                added.append(row)
            if added:
                refs = [_ref(r) for r in added]
                await self.audit(uow, Actor.system(), "panels_planned", ", ".join(refs),
                                 panels=[r.at.isoformat() for r in added])
                lines = "; ".join(f"{_name(r)} ({_ref(r)}): **{self.fmt(r.at)}**" for r in added)
                quorum = self._quorum()
                ask = ("each statutory partner, please confirm who attends" if rules.of_partners(self.preset, quorum)
                       else f"{rules.quorum_words(self.preset, quorum)}; each, please confirm you attend")
                self._post(uow, added, f"Planned: {lines}. The business manager moves or cancels one with `meeting "
                                       f"move {refs[0]} DATE TIME` or `meeting cancel {refs[0]} REASON`; {ask} "
                                       f"(`meeting attend {refs[0]}`).")
            await self.finish(uow)
        return [_ref(r) for r in added]

    async def move_panel_meeting(self, *, actor: Actor, reference: str, at: datetime) -> list[str]:
        """Move a panel; the clocks counted to it (the decisions, the reviews of held cases, the requests collated
        for it) move to its new day, once. It stays between the panels either side of it."""
        self.require_bm(actor, "move meetings")
        if at <= self.now():
            raise InvalidInput("The meeting must be in the future. Nothing was moved.")
        async with self.uow() as uow:
            await uow.partnerships.get(lock=True)  # one change to the panels' days at a time
            row = await self._panel(uow, reference)
            before, after = monthly_rules.neighbours(self.cal, self.preset.monthly_panel,  # type: ignore[arg-type]
                                                     await self.clocks._panel_plan(uow), row.slot)  # type: ignore[arg-type]
            day = self.cal.local(at).date()
            if (before is not None and day <= before) or (after is not None and day >= after):
                span = " and ".join(w for w in (before and f"after the panel of {self._day(before)}",
                                                after and f"before the panel of {self._day(after)}") if w)
                raise InvalidInput(f"{_cap(_name(row))} must meet {span}, so that the panels keep their order and "
                                   f"each referral its panel; {self._day(day)} is not. Nothing was moved.")
            was, row.at, row.moves = row.at, at, row.moves + 1
            old = self.cal.local(was).date()
            moved = [] if old == day else await self._follow(uow, old, day, actor, f"{_name(row)} has moved")
            await self.audit(uow, actor, "meeting_moved", _ref(row), event=PANEL, at=at.isoformat(),
                             was=was.isoformat(), clocks_moved=len(moved))
            self._post(uow, [row], f"{_cap(_name(row))} is moved from {self.fmt(was)} to **{self.fmt(at)}**."
                       + self._moved_words(moved))
            await self.finish(uow)
        return [f"{_cap(_name(row))} ({_ref(row)}) is moved to {self.fmt(at)} (was {self.fmt(was)}).",
                *self._moved_lines(moved)]

    async def cancel_panel_meeting(self, *, actor: Actor, reference: str, reason: str) -> list[str]:
        """Cancel a panel; the clocks counted to it go to the next panel planned (or, beyond the planning, the
        preset's next date)."""
        self.require_bm(actor, "cancel meetings")
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please give the reason for cancelling the meeting; the panel is told.")
        self.decisions._screen(reason, "reason")
        async with self.uow() as uow:
            await uow.partnerships.get(lock=True)  # one change to the panels' days at a time
            row = await self._panel(uow, reference)
            row.status, row.cancel_reason = "cancelled", reason
            day = self.cal.local(row.at).date()
            plan = await self.clocks._panel_plan(uow)  # without the cancelled panel
            following = panels(self.cal, self.preset.monthly_panel, day + timedelta(days=1), 1, plan)[0]  # type: ignore[arg-type]
            goes = f"{monthly_rules.panel_name(following.slot)} ({self._day(following.day)})"
            moved = await self._follow(uow, day, following.day, actor, f"{_name(row)} is cancelled")
            await self.audit(uow, actor, "meeting_cancelled", _ref(row), event=PANEL, reason=reason,
                             clocks_moved=len(moved), to=following.day.isoformat())
            said = f" Its cases go to {goes}." if moved else ""
            self._post(uow, [row], f"{_cap(_name(row))} on {self.fmt(row.at)} is cancelled: {reason.rstrip('.')}.{said}"
                       + self._moved_words(moved), cancelled=True)
            await self.finish(uow)
        return [f"{_cap(_name(row))} ({_ref(row)}) on {self.fmt(row.at)} is cancelled."
                + (f" Its cases go to {goes}:" if moved else ""), *self._moved_lines(moved)]

    # Who attends a panel, and who attended ------------------------------------------------------------------
    async def attend_panel_meeting(self, *, actor: Actor, reference: str, roles: list[str]) -> list[str]:
        """A statutory partner's member confirms their agency attends the panel (`meeting attend PANEL-2027-01`);
        the business manager records it for partners who said so elsewhere, by naming them. (Whoever the panel's
        own quorum needs, where the preset gives it one.)"""
        self.require_panel(actor, "confirm who attends a meeting")
        quorum = self._quorum()
        confirming = rules.who_attends(self.preset, actor.role, roles, quorum)
        async with self.uow() as uow:
            row = await self._panel(uow, reference)
            confirm(row, confirming)
            await self.audit(uow, actor, "meeting_attending", _ref(row), event=PANEL, roles=list(confirming))
            await self.finish(uow)
        who, verb = rules.labels(self.preset, confirming), "attends" if len(confirming) == 1 else "attend"
        return [f"Recorded: {who} {verb} {_name(row)} ({_ref(row)}) on {self.fmt(row.at)}.",
                rules.attendance_line(self.preset, row.attending, quorum)]

    async def withdraw_panel_attendance(self, *, actor: Actor, reference: str, roles: list[str]) -> list[str]:
        """`meeting attend PANEL-2027-01 withdraw`: a statutory partner takes back its confirmation; it is needed
        again, and reminded again (`AttendanceCommands.remind_meetings`)."""
        self.require_panel(actor, "withdraw a confirmation of attendance")
        quorum = self._quorum()
        withdrawing = rules.who_attends(self.preset, actor.role, roles, quorum)
        async with self.uow() as uow:
            row = await self._panel(uow, reference)
            attending = list(row.attending or [])
            if not_confirmed := [r for r in withdrawing if r not in attending]:
                raise WrongState(f"{rules.labels(self.preset, not_confirmed)} had not confirmed attending "
                                 f"{_name(row)}, so there is nothing to withdraw. Nothing was changed.")
            withdraw(row, withdrawing)
            await self.audit(uow, actor, "meeting_attendance_withdrawn", _ref(row), event=PANEL,
                             roles=list(withdrawing))
            await self.finish(uow)
        verb = "attends" if len(withdrawing) == 1 else "attend"
        return [f"Withdrawn: {rules.labels(self.preset, withdrawing)} no longer {verb} {_name(row)} ({_ref(row)}) "
                f"on {self.fmt(row.at)}; {needed_again(self.preset, withdrawing)}",
                rules.attendance_line(self.preset, row.attending, quorum)]

    async def panel_meeting_held(
        self, *, actor: Actor, reference: str, roles: list[str], override: str | None = None
    ) -> list[str]:
        """Who attended the panel, checked against the meeting's quorum (by default one of each statutory partner;
        the preset's `[[meetings]]` entry for `monthly_panel`, where it has one). A quorate panel is recorded as
        held; one that was not quorate is recorded as such, and can be recorded again."""
        self.require_bm(actor, "record meetings")
        ref = reference.strip().upper()
        if override is not None:
            raise InvalidInput("A monthly panel that was not quorate is recorded as not quorate; it is not counted "
                               "for anything, so leave out `override`. Nothing was recorded.")
        if not roles:
            raise InvalidInput(f"Say who attended, by role: `meeting held {ref} local_authority police health`.")
        present = rules.attendance(self.preset, roles, self._quorum())
        async with self.uow() as uow:
            row = await self._panel(uow, reference)
            if self.cal.local(row.at).date() > self.cal.local(self.now()).date():
                raise WrongState(f"{_cap(_name(row))} meets on {self.fmt(row.at)}; record who attended once it has "
                                 "met. Nothing was recorded.")
            row.attended, row.quorate, row.held_at = list(present.attended), present.quorate, row.at
            if present.quorate:
                row.status = "held"
            await self.audit(uow, actor, "meeting_held", _ref(row), event=PANEL, attended=row.attended,
                             quorate=present.quorate)
            await self.finish(uow)
        who = rules.labels(self.preset, present.attended)
        if not present.quorate:
            return [f"{_cap(_name(row))} ({_ref(row)}) on {self.fmt(row.at)} is recorded as not quorate (attended: "
                    f"{who}; still needed: {rules.labels(self.preset, present.missing)})."]
        return [f"{_cap(_name(row))} ({_ref(row)}) is recorded: held {self.fmt(row.at)}, attended by {who} "
                "(quorate)."]

    # Reads ------------------------------------------------------------------------------------------------
    async def list_meetings(self) -> list[MeetingLine]:
        """Every scheduled meeting, the referrals' and the partnership's own (a panel from its day on, with who is
        attending, or who attended and whether it was quorate), soonest first."""
        today = self.cal.local(self.now()).date()
        async with self.uow() as uow:
            rows = [r for r in await uow.events.of_partnership(PANEL)
                    if r.status != "cancelled" and self.cal.local(r.at).date() >= today]
        own = [
            MeetingLine(_ref(r), "", _name(r), r.at, r.place, None, None, tuple(r.attended or ()),
                        r.quorate is False, self._quorum(), tuple(r.attending or ()),
                        of_partnership=True, held=r.status == "held")
            for r in rows
        ]
        return sorted([*await self.meetings.list_meetings(), *own], key=lambda m: m.at)

    async def calendar_meetings(self) -> list[MeetingInvite]:
        """Every scheduled meeting as the calendar feed shows it, the monthly panels too."""
        async with self.uow() as uow:
            rows = [r for r in await uow.events.of_partnership(PANEL) if r.status == "scheduled"]
        return [*await self.meetings.calendar_meetings(), *(self._invite(r) for r in rows)]

    async def panels_ahead(self, today: date) -> list[ScheduledEvent]:
        """The monthly panels planned (not cancelled) on or after `today`, soonest first: the agenda's."""
        async with self.uow() as uow:
            rows = await uow.events.of_partnership(PANEL)
        return sorted((r for r in rows if r.status == "scheduled" and self.cal.local(r.at).date() >= today),
                      key=lambda r: r.at)

    # Helpers ----------------------------------------------------------------------------------------------
    async def _follow(
        self, uow: UnitOfWork, old: date, new: date, actor: Actor, why: str
    ) -> list[tuple[Referral, Deadline]]:
        """The open clocks counted to the panel of day `old` moved to the panel of day `new`, each once: those in
        monthly panels (due at the close of its day; an open ballot closing then closes at the new time) and the
        requests collated for it (the working day before; the agency is told). Returns the new deadlines."""
        counted = {c.id: c for c in self.preset.clocks if c.unit == "panel_meeting"}
        at, before = self._bounds(old), self._bounds(self.cal.local(due_before_panel(self.cal, old)).date())
        # The referrals are locked first, in order, as every command on a referral locks it; their clocks are then
        # read again under the locks.
        found = [*await uow.deadlines.due_between(counted, *at),
                 *await uow.deadlines.due_between([RETURN_CLOCK], *before)]
        for referral in sorted({r.id: r for _, r in found}.values(), key=lambda r: r.id):
            await self.referral(uow, referral.reference, lock=True)
        targets = [(row, referral, counted[row.clock_id], panel_due(self.cal, new))
                   for row, referral in await uow.deadlines.due_between(counted, *at, lock=True)]
        targets += [(row, referral, PANEL_RETURN, due_before_panel(self.cal, new))
                    for row, referral in await uow.deadlines.due_between([RETURN_CLOCK], *before, lock=True)
                    if row.label == PANEL_RETURN.label]  # a due date the business manager gave stays
        out: list[tuple[Referral, Deadline]] = []
        for row, referral, clock, due_at in targets:
            moved = await self.clocks._redue(uow, referral, clock, [row], due_at, actor)
            assert moved is not None
            if clock.id == self.preset.decision_clock:
                ballot = await uow.ballots.current(referral, lock=True)
                if ballot is not None and ballot.closed_at is None and self.cal.local(ballot.deadline_at).date() == old:
                    ballot.deadline_at = moved.due_at  # the vote closes when the panel decides
            if row.agency is not None:
                self.requests._tell_agency(uow, referral, row.agency, moved, f"{_cap(why)}: the information for "
                                           f"**{referral.reference} · {referral.subject}** is now due "
                                           f"**{self.fmt(moved.due_at)}**, the working day before the panel.")
            out.append((referral, moved))
        for referral in {r.id: r for r, _ in out}.values():
            self.decisions._card_update(uow, referral)
        return out

    def _moved_lines(self, moved: list[tuple[Referral, Deadline]]) -> list[str]:
        return [f"{r.reference} · {r.subject}: {self.clocks.deadline_label(d)}, now due {self.fmt(d.due_at)}."
                for r, d in moved]

    def _moved_words(self, moved: list[tuple[Referral, Deadline]]) -> str:
        """For the panel channel, in one sentence: the referrals whose deadlines moved with the panel."""
        parts = []
        for info, what in ((False, "due at the panel"), (True, "the agencies' information")):
            rows = [(r, d) for r, d in moved if (d.clock_id == RETURN_CLOCK) == info]
            if rows:
                refs = ", ".join(sorted({r.reference for r, _ in rows}))
                parts.append(f"{refs} ({what}), now due {self.fmt(rows[0][1].due_at)}" if not info else
                             f"{what} for {refs}, now due {self.fmt(rows[0][1].due_at)}")
        return f" Moved with it: {'; '.join(parts)}." if parts else ""

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        """A UK day as [its start, the next day's start)."""
        start = datetime.combine(day, datetime.min.time(), tzinfo=self.cal.tz)
        return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=self.cal.tz)

    def _day(self, day: date) -> str:
        return self.cal.format(self.cal.end_of_day(day), with_time=False)

    async def _panel(self, uow: UnitOfWork, reference: str) -> ScheduledEvent:
        monthly, month = self.preset.monthly_panel, monthly_rules.panel_month(reference)
        if monthly is None:
            raise NotFound(f"The {self.preset.name} has no monthly panel.")
        if month is None:
            raise InvalidInput(f'"{reference}" is not a monthly panel; they are named by month, such as PANEL-2027-01.')
        slot = panel_day(self.cal, monthly, *month)
        row = await uow.events.by_slot(PANEL, slot, lock=True)
        if row is None:
            raise NotFound(f"{_cap(monthly_rules.panel_name(slot))} is not planned yet: Panelbot plans the "
                           f"monthly panels {monthly_rules.PLAN_MONTHS} months ahead.")
        if row.status != "scheduled":
            raise WrongState(f"{_cap(monthly_rules.panel_name(slot))} was {row.status}. Nothing was changed.")
        return row

    def _button_label(self) -> str:
        return "I attend for my agency" if rules.of_partners(self.preset, self._quorum()) else "I attend"

    def _quorum(self) -> tuple[str, ...]:
        """The roles that must each be present for a monthly panel to be quorate."""
        return rules.quorum_of(self.preset, PANEL)

    def _invite(self, row: ScheduledEvent, *, cancelled: bool = False) -> MeetingInvite:
        return MeetingInvite(
            event_id=row.id, partnership=self.preset.id,
            title=f"{self.preset.name}: {_name(row).removeprefix('the ')}",
            description=f"{_cap(_name(row))}, {self.fmt(row.at)} (UK time). The agenda: `agenda`.",
            at=row.at, place=row.place, sequence=row.moves + (1 if cancelled else 0),
        )

    def _post(
        self, uow: UnitOfWork, rows: list[ScheduledEvent], text: str, *, cancelled: bool = False
    ) -> None:
        """To the panel channel, with each meeting's `.ics` invitation (or cancellation), and while a panel stands
        the statutory partners' button to confirm who attends it."""
        files = [[f"{_ref(r)}-meeting.ics",
                  base64.b64encode(invitation(self._invite(r, cancelled=cancelled), self.now(),
                                              cancelled=cancelled)).decode("ascii")] for r in rows]
        body: dict = {"text": text, "files": files}
        if not cancelled:
            button = self.meetings._attend_button
            body["actions"] = [button(_ref(r), f"I attend the {_name(r).removeprefix('the monthly panel of ')} panel")
                               if len(rows) > 1 else button(_ref(r), self._button_label()) for r in rows]
        uow.outbox(partnership_id=self.partnership_id, now=self.now(), purpose="panel", kind="notice", body=body)
