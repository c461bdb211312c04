"""The business manager's commands on a referral: file it, decide it at once, return it as incomplete,
resubmit, withdraw, and record the events and milestones that start or stop clocks. Holding and resuming are in
`holds.py`."""

from __future__ import annotations

from datetime import date, datetime

from bot.service import milestones
from bot.service.base import Actor, Core, Handler
from bot.service.casefile import meet_notifications
from bot.service.clockwork import ClockCommands
from bot.service.decisions import DecisionRules
from bot.service.stages import StageCommands
from flows.errors import InvalidInput, NotFound, WrongState
from flows.meetings import meeting_event, meeting_name
from flows.milestones import trigger
from flows.referrals import ReferralDraft, Status, check_transition, clean_draft, format_reference
from flows.views import literal, plural
from storage.models import Ballot, Referral
from storage.uow import UnitOfWork


class ReferralCommands(Handler):
    def __init__(self, core: Core, clocks: ClockCommands, decisions: DecisionRules, stages: StageCommands) -> None:
        super().__init__(core)
        self.clocks = clocks
        self.decisions = decisions
        self.stages = stages

    async def file_referral(self, *, actor: Actor, draft: ReferralDraft) -> str:
        """File a referral and put it straight to the panel: the card is posted through the outbox and the
        panel's decision clock starts (Salford 7.5: 48 hours from receipt)."""
        self.require_bm(actor, "file a referral")
        now = self.now()
        local_today = self.cal.local(now).date()
        clean = clean_draft(self.preset, draft, today=local_today)
        async with self.uow() as uow:
            year = local_today.year
            number = await uow.referrals.next_number(year)
            reference = format_reference(self.preset.reference_prefix, year, number)
            referral = Referral(
                partnership_id=self.partnership_id,
                reference=reference,
                year=year,
                number=number,
                referral_type=clean.referral_type,
                referrer=clean.referrer,
                subject_category=clean.category.value,
                subject_letter=clean.letter,
                summary=clean.summary,
                themes=list(clean.themes),
                received_at=now,
                aware_on=clean.aware_on,
                status=Status.RECEIVED,
                filed_by_id=actor.member_id,
                source=clean.source,
                authorised_by=clean.authorised_by,
                parallel=list(clean.parallel),
                looked_after=clean.looked_after,
                notifications={kind: day.isoformat() for kind, day in clean.notified.items()},
            )
            await uow.referrals.add(referral)
            # The audit log keeps the reference and the anonymised subject, never the summary's text.
            await self.audit(
                uow,
                actor,
                "referral_filed",
                reference,
                type=clean.referral_type,
                subject=clean.subject,
                referrer=clean.referrer,
                themes=list(clean.themes),
                source=clean.source,
                parallel=list(clean.parallel),
                notified=referral.notifications,
            )
            await self.clocks._start_event_clocks(uow, referral, "referral_received", now, actor)
            aware_at = self._aware_at(clean.aware_on, now)
            await self.clocks._start_event_clocks(uow, referral, "became_aware", aware_at, actor)
            await meet_notifications(self, uow, referral, clean.notified, actor)  # ticked on the form: met
            ballot = await self._open_round(uow, referral, now, actor)
            uow.outbox(
                partnership_id=self.partnership_id,
                now=now,
                purpose="panel",
                kind="referral_card",
                referral_id=referral.id,
            )
            await self._warn_if_no_quorum_possible(uow, referral, ballot)
            await self.finish(uow)
        return reference

    async def _warn_if_no_quorum_possible(self, uow: UnitOfWork, referral: Referral, ballot: Ballot) -> None:
        """docs/ballots.md (rule 3) wants the BM to hear at once when nobody on the panel can give a vote the quorum
        needs, so a substitute can be added before the deadline rather than after it. Advice needs no quorum."""
        if self.decisions._advisory(referral):
            return
        t = await self.decisions._tally(uow, ballot)
        if t.quorum_possible:
            return
        if t.impossible_roles:
            missing = ", ".join(self.preset.role_label(r) for r in t.impossible_roles)
            gap = f"nobody on the panel can vote as {missing}"
        else:
            gap = f"only {plural(len(t.remaining), 'member')} can vote and the quorum is {self.preset.quorum.count}"
        self.notice(
            uow,
            "bm",
            f"{referral.reference} · {referral.subject} cannot reach quorum yet: {gap}. Add a member with "
            "`panelbot member add NAME --role ROLE`, or it will go to the "
            f"{self.preset.role_label(self.preset.tie_break_role)} at its deadline.",
            referral,
        )

    def _aware_at(self, aware_on: date | None, fallback: datetime) -> datetime:
        if aware_on is None:
            return fallback
        return datetime.combine(aware_on, self.cal.day_start, tzinfo=self.cal.tz)

    async def _open_round(self, uow: UnitOfWork, referral: Referral, start: datetime, actor: Actor) -> Ballot:
        """Open a new ballot round. Its deadline is the preset's decision clock from `start`."""
        last = await uow.ballots.current(referral)
        clock = self.preset.clock(self.preset.decision_clock)
        deadline = await self.clocks._due(uow, clock, start)  # a monthly panel as planned
        ballot = Ballot(
            partnership_id=self.partnership_id,
            referral_id=referral.id,
            round=1 if last is None else last.round + 1,
            opened_at=start,
            deadline_at=deadline,
        )
        check_transition(referral.reference, Status(referral.status), Status.WITH_PANEL)
        referral.status = Status.WITH_PANEL
        await uow.ballots.add(ballot)
        if last is not None:  # the first round's clock was started with the referral's own clocks
            await self.clocks._start_clock(uow, referral, clock, start, actor)
        await self.audit(
            uow, actor, "ballot_opened", referral.reference, round=ballot.round, deadline=deadline.isoformat()
        )
        return ballot

    async def decide_now(self, *, actor: Actor, reference: str, outcome: str, reason: str) -> str:
        """Salford 7.5: where the review is obviously a rapid review, the BM decides at once and the panel is
        told. Only presets with `immediate_decision = true` allow it. Where the preset says the business manager
        decides after the partners' views (Stockport section 1), that is this decision (`StageCommands`); where a
        meeting decides, it is refused, saying how the meeting's decision is recorded."""
        async with self.uow() as uow:
            found = await self.referral(uow, reference)
        stage = self.preset.stage_for(found.referral_type)  # `decide` is the panel's stage; a meeting's is its own
        assert stage is not None
        if stage.by == "bm_after_views":
            return await self.stages.decide_after_views(
                actor=actor, reference=reference, outcome=outcome, reason=reason
            )
        self.require_bm(actor, "decide a referral at once")
        if stage.by == "meeting":
            ref, name = found.reference, meeting_name(meeting_event(self.preset, found.referral_type))
            raise WrongState(f"{ref} is decided at {name}, not by the business manager at once: record the meeting's "
                             f"decision with `meeting held {ref} ROLE... outcome OUTCOME`. Nothing was changed.")
        if not self.preset.immediate_decision:
            raise WrongState(
                f"The {self.preset.name} procedure does not let the business manager decide at once; the panel votes."
            )
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please give the reason for deciding at once; the panel will see it.")
        self.decisions._screen(reason, "reason")
        outcome_id = self.decisions._outcome_id(outcome)
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            await self.stages._refuse_second(uow, referral, stage)
            self.decisions._outcome_id(outcome_id, referral.referral_type)  # one that applies to this referral's type
            ballot = await uow.ballots.current(referral, lock=True)
            check_transition(referral.reference, Status(referral.status), Status.DECIDED)
            if ballot is not None and ballot.closed_at is None:
                ballot.closed_at = self.now()
                ballot.close_reason = "decided_by_bm"
                ballot.result = "decided"
                ballot.result_outcome = outcome_id
            await self.clocks._finish_clock(uow, referral, self.preset.decision_clock, actor)
            await self.decisions._record_decision(uow, referral, outcome_id, how="bm", actor=actor, reason=reason)
            self.decisions._card_update(uow, referral)
            await self.decisions._decision_notice(uow, referral)
            await self.finish(uow)
        return f"{referral.reference} is decided: {self.preset.outcome(outcome_id).label}. The panel has been told."

    async def return_incomplete(self, *, actor: Actor, reference: str, missing: str) -> str:
        """Salford 7.5: an incomplete referral goes back to the referrer, to be resubmitted within 5 WD."""
        self.require_bm(actor, "return a referral")
        missing = missing.strip()
        if not missing:
            raise InvalidInput("Please say what is missing from the referral; the referrer is told.")
        self.decisions._screen(missing, "note of what is missing")
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            check_transition(referral.reference, Status(referral.status), Status.RETURNED)
            await self._close_open_ballot(uow, referral, "returned")
            referral.status = Status.RETURNED
            referral.missing_info = missing
            await self.audit(uow, actor, "returned_incomplete", referral.reference, missing=missing)
            stopped = await self.clocks._stop_for_return(uow, referral)
            await self.clocks._start_event_clocks(uow, referral, "returned_incomplete", self.now(), actor)
            self.decisions._card_update(uow, referral)
            until = f" Stopped until it is resubmitted: {'; '.join(stopped)}." if stopped else ""
            self.notice(
                uow,
                "bm",
                f"{referral.reference} · {referral.subject} was returned as incomplete. Missing: {literal(missing)}."
                + until,
                referral,
            )
            await self.finish(uow)
        return f"{referral.reference} is returned as incomplete." + until

    async def resubmit(self, *, actor: Actor, reference: str, summary: str | None = None) -> str:
        """An incomplete referral comes back: it reopens with a new round of voting."""
        self.require_bm(actor, "resubmit a referral")
        if summary is not None:
            self.decisions._screen(summary, "summary")
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            if referral.status != Status.RETURNED:
                raise WrongState(f"{referral.reference} was not returned as incomplete, so it cannot be resubmitted.")
            await self.clocks._finish_clock(uow, referral, "resubmission", actor)
            if summary and summary.strip():
                referral.summary = summary.strip()
            referral.missing_info = None
            referral.outcome = None
            referral.decided_at = None
            referral.decided_how = None
            await self.audit(uow, actor, "resubmitted", referral.reference, summary_changed=bool(summary))
            await self._open_round(uow, referral, self.now(), actor)
            restarted = await self.clocks._restart_after_return(uow, referral, actor)
            uow.outbox(
                partnership_id=self.partnership_id,
                now=self.now(),
                purpose="panel",
                kind="referral_card",
                referral_id=referral.id,
            )
            await self.finish(uow)
        again = f" Started again: {'; '.join(restarted)}." if restarted else ""
        return f"{referral.reference} is resubmitted and back with the panel." + again

    async def withdraw(self, *, actor: Actor, reference: str, reason: str) -> str:
        self.require_bm(actor, "withdraw a referral")
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please give the reason for withdrawing the referral.")
        self.decisions._screen(reason, "reason")
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            check_transition(referral.reference, Status(referral.status), Status.WITHDRAWN)
            await self._close_open_ballot(uow, referral, "withdrawn")
            referral.status = Status.WITHDRAWN
            referral.decision_reason = reason
            referral.decided_at = self.now()
            for row in await uow.deadlines.running(referral):
                row.cancelled_at = self.now()
            await self.audit(uow, actor, "withdrawn", referral.reference, reason=reason)
            self.decisions._card_update(uow, referral)
            await self.finish(uow)
        return f"{referral.reference} is withdrawn; its open deadlines are cancelled."

    async def record_event(self, *, actor: Actor, reference: str, event: str, at: datetime | None = None) -> list[str]:
        """Record that something happened and start its clocks (`happened`); the clocks started."""
        return (await self.clocks.happened(actor=actor, reference=reference, event=event, at=at)).started

    async def mark_done(self, *, actor: Actor, reference: str, clock_id: str) -> str:
        """A milestone met (requests sent, lead reviewer appointed): its clock stops and counts as met or late."""
        self.require_bm(actor, "mark milestones done")
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            said = await milestones.mark_done(self.core, uow, referral, clock_id, actor)  # one without a clock
            if said is not None:
                await self.finish(uow)
                return said
            rows = await uow.deadlines.running(referral, [clock_id])
            if not rows:
                open_ids = sorted({d.clock_id for d in await uow.deadlines.running(referral)})
                open_ids += await milestones.open_ids(uow, referral)
                raise NotFound(
                    f'{referral.reference} has no open "{clock_id}" deadline or milestone. '
                    f"Open ones: {', '.join(open_ids) or 'none'}."
                )
            if clock_id == self.preset.decision_clock:
                raise WrongState("The panel's decision deadline stops by itself when the panel decides.")
            # The referral's own deadline, where agencies' requests run on the same clock (Dudley's SAR scoping):
            # each agency's request is met by its own return (`returned REF AGENCY`), not by this.
            rows = [r for r in rows if r.agency is None] or rows
            for row in rows:
                row.done_at = self.now()
                row.done_by_id = actor.member_id
            late = self.cal.working_days_late(rows[0].due_at, self.now())
            await self.audit(uow, actor, "milestone_done", referral.reference, clock=clock_id, working_days_late=late)
            await milestones.after(self.core, uow, referral, trigger("done", clock_id))
            await self.finish(uow)
        return f"{referral.reference}: {rows[0].label} marked done" + (
            f", {plural(late, 'working day')} late." if late else ", on time."
        )

    async def _close_open_ballot(self, uow: UnitOfWork, referral: Referral, why: str) -> None:
        ballot = await uow.ballots.current(referral, lock=True)
        if ballot is not None and ballot.closed_at is None:
            ballot.closed_at = self.now()
            ballot.close_reason = why
        await self._stop_decision_clock(uow, referral)

    async def _stop_decision_clock(self, uow: UnitOfWork, referral: Referral) -> None:
        for row in await uow.deadlines.running(referral, [self.preset.decision_clock]):
            row.cancelled_at = self.now()
