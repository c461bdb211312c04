"""Holding a referral and resuming it: the business manager's `hold REF [until DATE]` and `resume REF`, the
scheduler's release of holds that have run their time, and the held-cases notice of a monthly panel's day.

A case is on hold either by the business manager's `hold` (voting pauses, the ballot is kept) or by a decision of
an outcome with `hold = true` (Suffolk 3: "Cases on hold will be reviewed at each Panel meeting to ensure the need
continues or else to take a different decision"; `DecisionRules._record_decision`). Both are on each panel's
agenda and in its held cases' notice, and `resume REF` takes either off hold. A decided hold's review clock (in
monthly panels) is due at the first panel after the day it was decided; after each panel it is due again at the
next (`hold_agenda`), and resuming the case stops it and opens a new round of voting, to decide again."""

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
            decided = referral.outcome is not None
            deadline = await self._resume(uow, referral, actor)
            await self.finish(uow)
        if decided and deadline is not None:  # the panel's hold: it decides again, on a new round of voting
            return (f"{referral.reference} is back with the panel, to decide again: voting is open until "
                    f"{self.fmt(deadline)}.")
        return f"{referral.reference} is back with the panel."

    async def _resume(self, uow: UnitOfWork, referral: Referral, actor: Actor) -> datetime | None:
        """Back to the panel. After the business manager's hold the votes already cast stand, and the decision clock
        starts again from now; after the panel's decision to hold it, its review stops and a new round of voting
        opens, for the panel to decide again. Returns the vote's deadline."""
        now = self.now()
        ballot = await uow.ballots.current(referral, lock=True)
        referral.hold_until = None
        if referral.outcome is not None:  # decided on hold: the decision gives way to the one to come
            for row in await uow.deadlines.running(referral, self._review_clocks(every=True)):
                row.cancelled_at = now
            referral.outcome = referral.decided_how = referral.decided_by_id = referral.decision_reason = None
            referral.decided_at = None
            ballot = await self.referrals._open_round(uow, referral, now, actor)
        else:
            referral.status = Status.WITH_PANEL
            if ballot is not None and ballot.closed_at is None:
                clock = self.preset.clock(self.preset.decision_clock)
                row = await self.clocks._start_clock(uow, referral, clock, now, actor)
                ballot.deadline_at = row.due_at
        await self.audit(
            uow, actor, "resumed", referral.reference, deadline=ballot.deadline_at.isoformat() if ballot else None
        )
        self.decisions._card_update(uow, referral)
        return ballot.deadline_at if ballot is not None else None

    def _review_clocks(self, *, every: bool = False) -> list[str]:
        """The review clocks the preset's hold outcomes start (with `every`), or those of them counted in monthly
        panels, which fall due again at the next panel after each one (Suffolk 3: reviewed at each panel)."""
        ids = {o.follow_up for o in self.preset.outcomes if o.hold and o.follow_up}
        return sorted(i for i in ids if every or self.preset.clock(i).unit == "panel_meeting")

    async def _review_again(self) -> list[str]:
        """After a panel, each case still on hold by the panel's decision is due again at the next panel: its review
        counted to the panel just gone is met there (at its due time) and one counted to the next starts, once
        (a sweep that runs late, past several panels, counts on to the next still to come). Returns references."""
        ids = self._review_clocks()
        if not ids:
            return []
        now = self.now()
        since = datetime(2000, 1, 1, tzinfo=self.cal.tz)
        again: list[str] = []
        async with self.uow() as uow:
            # The referrals are locked first, in order, as every command on a referral locks it; their reviews are
            # then read again under the locks (a `resume` a moment ago has stopped its review).
            found = await uow.deadlines.due_between(ids, since, now)
            for referral in sorted({r.id: r for _, r in found}.values(), key=lambda r: r.id):
                await self.referral(uow, referral.reference, lock=True)
            system = Actor.system()
            for row, referral in await uow.deadlines.due_between(ids, since, now, lock=True):
                if referral.status != Status.ON_HOLD:
                    continue
                clock = self.preset.clock(row.clock_id)
                new = row
                while new.due_at <= now:
                    new.done_at = new.due_at  # reviewed at that panel
                    new = await self.clocks._start_clock(uow, referral, clock, new.due_at, system)
                await self.audit(uow, system, "hold_reviewed", referral.reference, clock=clock.id,
                                 at=row.due_at.isoformat(), next=new.due_at.isoformat())
                self.decisions._card_update(uow, referral)
                again.append(referral.reference)
            await self.finish(uow)
        return again

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
        held cases, once per meeting; a sweep that runs late (up to a week) still names the panel's own date.
        First, after a panel, the review of each case the panel put on hold is due again at the next panel."""
        monthly = self.preset.monthly_panel
        if monthly is None:
            return []
        await self._review_again()  # the panel gone: a held case's review is due at the next one
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
