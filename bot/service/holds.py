"""Holding a referral and resuming it: the business manager's `hold REF [until DATE]` and `resume REF`, the
scheduler's release of holds that have run their time, and the held-cases notice of a monthly panel's day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.service.base import Actor, Core, Handler
from bot.service.clockwork import ClockCommands
from bot.service.decisions import DecisionRules
from bot.service.referrals import ReferralCommands
from flows.clocks import panel_dates
from flows.errors import InvalidInput, WrongState
from flows.referrals import Status, check_transition
from storage.models import Referral
from storage.uow import UnitOfWork

LATE_AGENDA = timedelta(days=7)  # how late the held-cases notice of a panel's day may still go


class HoldCommands(Handler):
    def __init__(
        self, core: Core, clocks: ClockCommands, decisions: DecisionRules, referrals: ReferralCommands
    ) -> None:
        super().__init__(core)
        self.clocks = clocks
        self.decisions = decisions
        self.referrals = referrals

    async def hold(self, *, actor: Actor, reference: str, until: date | None = None, reason: str = "") -> str:
        """Suffolk section 4: a case can be held for a set period or indefinitely. Voting pauses; the
        ballot and its votes are kept, and the decision clock starts again on resume."""
        self.require_bm(actor, "put a referral on hold")
        self.decisions._screen(reason, "reason")
        now = self.now()
        if until is not None and until <= self.cal.local(now).date():
            raise InvalidInput("The date to hold until must be in the future.")
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            check_transition(referral.reference, Status(referral.status), Status.ON_HOLD)
            if referral.status == Status.ESCALATED:
                raise WrongState(f"{referral.reference} is waiting for the chair's decision, so it cannot be held.")
            referral.status = Status.ON_HOLD
            referral.hold_until = None if until is None else datetime.combine(until, time(0), tzinfo=self.cal.tz)
            await self.referrals._stop_decision_clock(uow, referral)  # paused: a held case is not overdue
            await self.audit(
                uow, actor, "held", referral.reference, until=str(until) if until else None, reason=reason or None
            )
            self.decisions._card_update(uow, referral)
            await self.finish(uow)
        return f"{referral.reference} is on hold " + (
            f"until {self.cal.format(referral.hold_until, with_time=False)}."
            if referral.hold_until
            else "until you resume it."
        )

    async def resume(self, *, actor: Actor, reference: str) -> str:
        self.require_bm(actor, "resume a referral")
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            if referral.status != Status.ON_HOLD:
                raise WrongState(f"{referral.reference} is not on hold.")
            await self._resume(uow, referral, actor)
            await self.finish(uow)
        return f"{referral.reference} is back with the panel."

    async def _resume(self, uow: UnitOfWork, referral: Referral, actor: Actor) -> None:
        """Back to the panel: the votes already cast stand, and the decision clock starts again from now."""
        now = self.now()
        ballot = await uow.ballots.current(referral, lock=True)
        referral.status = Status.WITH_PANEL
        referral.hold_until = None
        if ballot is not None and ballot.closed_at is None:
            clock = self.preset.clock(self.preset.decision_clock)
            row = await self.clocks._start_clock(uow, referral, clock, now, actor)
            ballot.deadline_at = row.due_at
        await self.audit(
            uow, actor, "resumed", referral.reference, deadline=ballot.deadline_at.isoformat() if ballot else None
        )
        self.decisions._card_update(uow, referral)

    async def release_holds(self) -> list[str]:
        """The scheduler's job: a hold with an end date ends by itself, and the BM is told."""
        now = self.now()
        system = Actor.system()
        async with self.uow() as uow:
            rows = await uow.referrals.holds_ending(now)
            for referral in rows:
                await self._resume(uow, referral, system)
                self.notice(
                    uow,
                    "bm",
                    f"{referral.reference} · {referral.subject}: the hold has ended and it is back with the panel.",
                    referral,
                )
            await self.finish(uow)
        return [r.reference for r in rows]

    async def hold_agenda(self) -> list[str]:
        """Suffolk section 4: every case on hold comes back at each monthly panel. On the panel's day (its real
        day: a moved panel's new one; a cancelled panel has none) the panel channel and the BM get the list of
        held cases, once per meeting; a sweep that runs late (up to a week) still names the panel's own date."""
        monthly = self.preset.monthly_panel
        if monthly is None:
            return []
        today = self.cal.local(self.now()).date()
        async with self.uow() as uow:
            partnership = await uow.partnerships.get(lock=True)
            assert partnership is not None
            plan = await self.clocks._panel_plan(uow)
            met = [d for d in panel_dates(self.cal, monthly, today - LATE_AGENDA, 3, plan) if d <= today]
            meeting = met[-1] if met else None
            if meeting is None or (partnership.hold_agenda_sent_for is not None
                                   and partnership.hold_agenda_sent_for >= meeting):
                return []
            partnership.hold_agenda_sent_for = meeting
            held = await uow.referrals.on_hold()
            if held:
                items = "; ".join(f"{r.reference} · {r.subject}" for r in held)
                # The panel's own date, even when this runs a day late (it once named the day it ran).
                day = self.cal.format(self.cal.end_of_day(meeting), with_time=False)
                text = f"Cases on hold, back at the panel of {day}: {items}."
                for purpose in ("panel", "bm"):
                    self.notice(uow, purpose, text)
            await self.audit(
                uow, Actor.system(), "hold_agenda", str(meeting), held=[r.reference for r in held]
            )
            await self.finish(uow)
        return [r.reference for r in held]
