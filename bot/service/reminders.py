"""The reminder sweep: who is nagged about what, exactly once, across restarts.

The database says what is due: each running deadline carries `next_reminder_at`. A sweep takes the rows
whose time has come (row-locked with SKIP LOCKED on PostgreSQL, so two bot processes never take the same
row; on SQLite every transaction begins IMMEDIATE, so sweeps run one at a time), works out from the
reminder plan which occurrences fell due since the last one sent, and sends only the latest of them: after
an outage the person gets one "overdue since ..." message, not every reminder they missed. Each message is
logged under a unique key (deadline, occurrence, recipient) in the same transaction as its outbox row.

Sweeps only send inside working hours on working days; outside them, what is due waits for the morning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.service.base import Actor, Core, Handler
from bot.service.clockwork import ClockCommands
from bot.service.decisions import DecisionRules
from bot.service.requests import RequestCommands
from flows import reminders as plans
from flows.referrals import Status
from flows.reminders import QUESTIONS_IN_CHAT
from flows.views import plural
from storage.models import Deadline, Referral, ReminderLog
from storage.uow import UnitOfWork

BATCH = 200


@dataclass(frozen=True)
class Upcoming:
    reference: str
    subject: str
    label: str
    agency: str | None
    due: datetime
    at: datetime
    kind: str


class ReminderCommands(Handler):
    def __init__(self, core: Core, clocks: ClockCommands, decisions: DecisionRules, requests: RequestCommands) -> None:
        super().__init__(core)
        self.clocks = clocks
        self.decisions = decisions
        self.requests = requests

    async def run_reminders(self, *, dry_run: bool = False) -> int:
        """One sweep at the panel's current time. Returns how many reminder messages were queued.

        With `dry_run` the sweep is worked out in full and then rolled back: it returns how many messages it
        would queue and writes nothing (`panelbot reminders run --now` on a real database)."""
        now = self.now()
        if not plans.in_working_hours(self.cal, now):
            return 0
        queued = 0
        while True:
            async with self.uow() as uow:
                rows = await uow.deadlines.reminders_due(now, None if dry_run else BATCH)
                for row in rows:
                    queued += await self._remind(uow, row, now)
                if dry_run:
                    return queued  # leaving the unit of work uncommitted rolls the whole sweep back
                await self.finish(uow)
            if len(rows) < BATCH:
                return queued

    async def _remind(self, uow: UnitOfWork, row: Deadline, now: datetime) -> int:
        clock = self.clocks.clock_for(row.clock_id)
        if clock is None:  # the preset was edited and the clock is gone
            row.next_reminder_at = None
            return 0
        plan = self.preset.reminder_plan(clock)
        due_now = plans.pending(plan, self.cal, row.due_at, last_sent=row.last_reminder_at, now=now)
        referral = await uow.referrals.get(row.referral_id)
        assert referral is not None
        queued = 0
        escalations = [o for o in due_now if o.kind == "escalation"]
        targets: list[str] = []
        if escalations and row.escalated_at is None:
            targets = ["bm"]
            if plan.escalate_to_lead and row.agency:
                targets.append(f"agency:{row.agency}:lead")
            row.escalated_at = now  # before the owner's reminder, which then says it has been passed on
        owner_occurrences = [o for o in due_now if o.kind != "escalation"]
        if owner_occurrences:
            latest = owner_occurrences[-1]
            for purpose in await self._recipients(uow, row, referral):
                if purpose in targets:
                    continue  # the escalation going to them now says it is overdue too: one message, not two
                queued += await self._send(uow, row, referral, latest, purpose, now, collapsed=len(owner_occurrences))
        if targets:
            for purpose in targets:
                queued += await self._send(uow, row, referral, escalations[-1], purpose, now, collapsed=1)
            await self.audit(
                uow, Actor.system(), "escalated_overdue", referral.reference, clock=row.clock_id, agency=row.agency
            )
        if due_now:
            row.last_reminder_at = max(o.at for o in due_now)
        self.clocks.schedule_reminders(row, clock, after=now)
        return queued

    async def _recipients(self, uow: UnitOfWork, row: Deadline, referral: Referral) -> list[str]:
        if row.agency:
            return [f"agency:{row.agency}"]
        if row.clock_id == self.preset.decision_clock:
            return [f"member:{m}" for m in await self._not_voted(uow, referral)]
        return ["bm"]

    async def _not_voted(self, uow: UnitOfWork, referral: Referral) -> list[int]:
        """Eligible members who have neither voted nor recused on the open ballot (none once it closes)."""
        if Status(referral.status) != Status.WITH_PANEL:
            return []
        ballot = await uow.ballots.current(referral)
        if ballot is None or ballot.closed_at is not None:
            return []
        eligible, current = await self.decisions._eligible_and_votes(uow, ballot)
        acted = {v.member_id for v in current}
        return [v.member_id for v in eligible if v.member_id not in acted]

    async def _send(
        self,
        uow: UnitOfWork,
        row: Deadline,
        referral: Referral,
        occ: plans.Occurrence,
        purpose: str,
        now: datetime,
        *,
        collapsed: int,
    ) -> int:
        entry = ReminderLog(
            partnership_id=self.partnership_id,
            deadline_id=row.id,
            key=f"{row.id}:{occ.key}:{purpose}",
            kind=occ.kind,
            recipient=purpose,
            occurrence_at=occ.at,
            sent_at=now,
        )
        if not await uow.reminder_log.record_once(entry):  # already sent by another sweeper: never twice
            return 0
        text, actions = self._reminder_text(row, referral, occ, purpose, now)
        body: dict[str, object] = {"deadline_id": row.id, "text": text, "actions": actions, "occurrence": occ.key}
        if purpose.startswith("member:"):
            body["member_id"] = int(purpose.partition(":")[2])
        uow.outbox(
            partnership_id=self.partnership_id,
            now=now,
            purpose=purpose,
            kind="escalation" if occ.kind == "escalation" else "reminder",
            referral_id=referral.id,
            body=body,
        )
        return 1

    def _when(self, due: datetime, now: datetime) -> str:
        today, day = self.cal.local(now).date(), self.cal.local(due).date()
        hours = (due - now).total_seconds() / 3600
        if hours <= 6:
            return f"in {max(1, round(hours))} hour{'s' if round(hours) > 1 else ''}"
        if day == today:
            return "today"
        if (day - today).days == 1:
            return "tomorrow"
        return f"in {(day - today).days} days"

    def _reminder_text(
        self, row: Deadline, referral: Referral, occ: plans.Occurrence, purpose: str, now: datetime
    ) -> tuple[str, list[dict[str, object]]]:
        ref = f"**{referral.reference} · {referral.subject}**"
        due = self.fmt(row.due_at)
        agency = next((a.label for a in self.preset.agencies if a.id == row.agency), row.agency)
        late = self.cal.working_days_late(row.due_at, now)
        late_words = f"{plural(late, 'working day')} late" if late else "due today"
        if purpose.startswith("member:"):
            return (
                f"Reminder: your vote on {ref} is needed by **{due}** ({self._when(row.due_at, now)}). "
                "Vote with the buttons on the referral card.",
                [],
            )
        if row.agency:
            what = self.preset.request_template_for(referral.referral_type)
            actions = [self.requests._returned_action(referral, row.agency)]
            if occ.kind == "escalation" and purpose.endswith(":lead"):
                # To the agency's own safeguarding lead: the information is theirs to chase, inside their agency.
                return (
                    f"Escalation: {what} for {ref} is **overdue since {due}** ({late_words}). As {agency}'s "
                    f"safeguarding lead, please find out who in {agency} is preparing it and make sure it is "
                    "sent. Press Mark as returned once it is.",
                    actions,
                )
            if occ.kind == "escalation":
                return (
                    f"Escalation: {agency}'s information for {ref} is **overdue since {due}** ({late_words}). "
                    f"Please follow it up with {agency}.",
                    actions,
                )
            if row.due_at <= now:
                return (
                    f"**Overdue since {due}**: {what} for {ref} ({agency}). {self._passed_on(row)} Press Mark as "
                    "returned once it is sent.",
                    actions,
                )
            return (
                f"Reminder: {what} for {ref} is due **{due}** ({self._when(row.due_at, now)}). "
                f"Press Mark as returned once it is sent. {QUESTIONS_IN_CHAT}",
                actions,
            )
        done = [{"label": "Mark done", "command": f"done {referral.reference} {row.clock_id}", "style": "primary"}]
        if occ.kind == "escalation":
            return (f"Escalation: **{row.label}** for {ref} is **overdue since {due}** ({late_words}).", done)
        if row.due_at <= now:
            return f"**Overdue since {due}**: {row.label} for {ref} ({late_words}).", done
        return f"Reminder: **{row.label}** for {ref} is due **{due}** ({self._when(row.due_at, now)}).", done

    def _passed_on(self, row: Deadline) -> str:
        """Whether an overdue return has gone to the business manager yet, and if not, when it will: an agency
        is not told it was passed on two working days before it is."""
        if row.escalated_at is not None:
            return "This has been passed to the business manager."
        clock = self.clocks.clock_for(row.clock_id)
        if clock is None:
            return "Please send it as soon as you can."
        plan = self.preset.reminder_plan(clock)
        horizon = row.due_at + timedelta(days=60)
        when = next((o.at for o in plans.occurrences(plan, self.cal, row.due_at, until=horizon)
                     if o.kind == "escalation"), None)
        if when is None:
            return "Please send it as soon as you can."
        return f"If it is not sent by {self.fmt(when)}, it goes to the business manager."

    async def upcoming_reminders(self, before: datetime | None = None) -> list[Upcoming]:
        """What the sweep will send next, and when: `panelbot reminders list`."""
        async with self.uow() as uow:
            rows = await uow.deadlines.upcoming(before)
        out = []
        for d, r in rows:
            clock = self.clocks.clock_for(d.clock_id)
            plan = self.preset.reminder_plan(clock) if clock is not None else None
            kind = "reminder"
            if plan is not None:
                nxt = [
                    o
                    for o in plans.occurrences(plan, self.cal, d.due_at, until=d.next_reminder_at)
                    if o.at == d.next_reminder_at
                ]
                kind = nxt[-1].kind if nxt else kind
            out.append(Upcoming(r.reference, r.subject, d.label, d.agency, d.due_at, d.next_reminder_at, kind))
        return out

    async def next_reminder_time(self) -> datetime | None:
        """When the scheduler should next wake the sweep."""
        async with self.uow() as uow:
            return await uow.deadlines.next_reminder_time()

    async def still_wanted(self, body: dict[str, object]) -> bool:
        """At delivery time: is this reminder still worth sending? Not if the thing was done, or the member
        voted, a moment after it was queued: nobody is reminded of what they have already done."""
        deadline_id = body.get("deadline_id")
        if deadline_id is None:
            return True
        async with self.uow() as uow:
            row = await uow.deadlines.get(int(deadline_id))
            if row is None or row.done_at is not None or row.cancelled_at is not None:
                return False
            member_id = body.get("member_id")
            if member_id is None:
                return True
            referral = await uow.referrals.get(row.referral_id)
            assert referral is not None
            return int(member_id) in await self._not_voted(uow, referral)
