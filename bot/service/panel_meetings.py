"""The partnership's own meetings (issue 21, section 3): Suffolk's monthly panel, planned as meetings from the
preset's dates a few months ahead (the scheduler's `plan_panels` job; planning again finds what is planned, moved
or cancelled, by the date the preset gave it), listed with the referrals' meetings and in the calendar feed, and
moved or cancelled by the business manager like any meeting (`meeting move PANEL-2027-01 2027-01-22 14:00`)."""

from __future__ import annotations

import base64
from datetime import date, datetime

from bot.service.base import Actor, Core, Handler
from bot.service.decisions import DecisionRules
from bot.service.meetings import MeetingCommands, MeetingLine
from flows import monthly_meetings as monthly_rules
from flows.clocks import panel_dates, panel_day
from flows.errors import InvalidInput, NotFound, WrongState
from flows.ics import MeetingInvite, invitation
from storage.models import ScheduledEvent
from storage.uow import UnitOfWork

PANEL = monthly_rules.PANEL_EVENT


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class PanelMeetingCommands(Handler):
    def __init__(self, core: Core, meetings: MeetingCommands, decisions: DecisionRules) -> None:
        super().__init__(core)
        self.meetings = meetings
        self.decisions = decisions

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
                refs = [monthly_rules.panel_reference(r.slot) for r in added]  # type: ignore[arg-type]
                await self.audit(uow, Actor.system(), "panels_planned", ", ".join(refs),
                                 panels=[r.at.isoformat() for r in added])
                lines = "; ".join(f"{monthly_rules.panel_name(r.slot)} ({monthly_rules.panel_reference(r.slot)}): "  # type: ignore[arg-type]
                                  f"**{self.fmt(r.at)}**" for r in added)
                self._post(uow, added, f"Planned: {lines}. The business manager moves or cancels one with `meeting "
                                       f"move {refs[0]} DATE TIME` or `meeting cancel {refs[0]} REASON`.")
            await self.finish(uow)
        return [monthly_rules.panel_reference(r.slot) for r in added]  # type: ignore[arg-type]

    async def move_panel_meeting(self, *, actor: Actor, reference: str, at: datetime) -> str:
        self.require_bm(actor, "move meetings")
        if at <= self.now():
            raise InvalidInput("The meeting must be in the future. Nothing was moved.")
        async with self.uow() as uow:
            row = await self._panel(uow, reference)
            was, row.at, row.moves = row.at, at, row.moves + 1
            name = monthly_rules.panel_name(row.slot)  # type: ignore[arg-type]
            await self.audit(uow, actor, "meeting_moved", reference.upper(), event=PANEL, at=at.isoformat(),
                             was=was.isoformat())
            self._post(uow, [row], f"{_cap(name)} is moved from {self.fmt(was)} to **{self.fmt(at)}**.")
            await self.finish(uow)
        return f"{_cap(name)} ({reference.upper()}) is moved to {self.fmt(at)} (was {self.fmt(was)})."

    async def cancel_panel_meeting(self, *, actor: Actor, reference: str, reason: str) -> str:
        self.require_bm(actor, "cancel meetings")
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please give the reason for cancelling the meeting; the panel is told.")
        self.decisions._screen(reason, "reason")
        async with self.uow() as uow:
            row = await self._panel(uow, reference)
            row.status, row.cancel_reason = "cancelled", reason
            name = monthly_rules.panel_name(row.slot)  # type: ignore[arg-type]
            await self.audit(uow, actor, "meeting_cancelled", reference.upper(), event=PANEL, reason=reason)
            self._post(uow, [row], f"{_cap(name)} on {self.fmt(row.at)} is cancelled: {reason}",
                       cancelled=True)
            await self.finish(uow)
        return f"{_cap(name)} ({reference.upper()}) on {self.fmt(row.at)} is cancelled."

    async def list_meetings(self) -> list[MeetingLine]:
        """Every scheduled meeting, the referrals' and the partnership's own (from today on: a panel is not
        recorded as held), soonest first."""
        rows = await self.panels_ahead(self.cal.local(self.now()).date())
        own = [
            MeetingLine(monthly_rules.panel_reference(r.slot), "", monthly_rules.panel_name(r.slot), r.at, r.place,  # type: ignore[arg-type]
                        None, None, (), False, (), (), of_partnership=True)
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

    def _invite(self, row: ScheduledEvent, *, cancelled: bool = False) -> MeetingInvite:
        name = monthly_rules.panel_name(row.slot)  # type: ignore[arg-type]
        return MeetingInvite(
            event_id=row.id, partnership=self.preset.id,
            title=f"{self.preset.name}: {name.removeprefix('the ')}",
            description=f"{_cap(name)}, {self.fmt(row.at)} (UK time). The agenda: `agenda`.",
            at=row.at, place=row.place, sequence=row.moves + (1 if cancelled else 0),
        )

    def _post(self, uow: UnitOfWork, rows: list[ScheduledEvent], text: str, *, cancelled: bool = False) -> None:
        """To the panel channel, with each meeting's `.ics` invitation (or cancellation)."""
        files = [[f"{monthly_rules.panel_reference(r.slot)}-meeting.ics",  # type: ignore[arg-type]
                  base64.b64encode(invitation(self._invite(r, cancelled=cancelled), self.now(),
                                              cancelled=cancelled)).decode("ascii")] for r in rows]
        uow.outbox(partnership_id=self.partnership_id, now=self.now(), purpose="panel", kind="notice",
                   body={"text": text, "files": files})
