"""Who decides each stage of a referral (issue 21 section 1, issue 23 section 2): the decision a meeting records
(`meeting held REF ROLE... outcome OUTCOME`, or `meeting decide REF OUTCOME` once the meeting is recorded) and the
business manager's decision once the statutory partners have given their views (Stockport section 1). The rules
are `flows.stages`; the decision itself is recorded as a vote's is (`DecisionRules._record_decision`: the
follow-up clocks start from it, the clocks it stops stop), at the time the meeting was held.

The panel's own decision stays on the referral; a later stage's (Salford 7.12's rapid review meeting, after the
panel decided to commence a rapid review) is a `StageDecision` row, one per stage.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.service.base import Actor, Core, Handler
from bot.service.clockwork import ClockCommands
from bot.service.decisions import DecisionRules
from flows import stages as rules
from flows.errors import InvalidInput, NotFound, WrongState
from flows.meetings import cap, labels, meeting_event, meeting_name
from flows.preset import PANEL_STAGE, Outcome, Stage
from flows.referrals import Status, check_transition
from storage.models import Referral, ScheduledEvent, StageDecision
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class MeetingChoice:
    """A deciding meeting's outcome, checked before anything is written."""

    stage: Stage
    outcome: Outcome
    reason: str | None


class StageCommands(Handler):
    def __init__(self, core: Core, clocks: ClockCommands, decisions: DecisionRules) -> None:
        super().__init__(core)
        self.clocks = clocks
        self.decisions = decisions

    def _stage_of(self, referral: Referral) -> Stage:
        panel_outcome = referral.outcome if referral.status == Status.DECIDED else None
        return rules.stage_now(self.preset, referral.referral_type, panel_outcome)

    # A meeting's decision ------------------------------------------------------------------------------
    def _meeting_choice(self, actor: Actor, referral: Referral, outcome: str, reason: str) -> MeetingChoice:
        """The stage a meeting decides now and the outcome typed, checked: refused in one sentence where the
        meeting does not decide, the outcome is not the stage's, or a reason the procedure asks for is missing."""
        stage = self._stage_of(referral)
        name = meeting_name(meeting_event(self.preset, referral.referral_type))
        if stage.by != "meeting":
            raise WrongState(f"{cap(name)} does not decide {referral.reference}: "
                             f"{self._who_words(referral, stage)}. Nothing was recorded.")
        rules.require_decider(actor.role, self.preset, referral.referral_type, stage)
        try:
            outcome_id = self.decisions._any_outcome_id(outcome)
            chosen = self.preset.outcome(outcome_id)
            rules.check_outcome(self.preset, referral.referral_type, stage, chosen)
        except (InvalidInput, WrongState) as exc:  # named as the held form's field
            raise type(exc)(str(exc), field="outcome") from None
        reason = reason.strip()
        if chosen.reason_required and not reason:
            raise InvalidInput(f'Please give a reason for "{chosen.label}" after it; the procedure asks for one. '
                               "Nothing was recorded.", field="reason",
                               in_form=f'Please give the reason for "{chosen.label}"; the procedure asks for one. '
                               "Nothing was recorded.")
        if reason:
            try:
                self.decisions._screen(reason, "reason")
            except InvalidInput as exc:
                raise InvalidInput(str(exc), field="reason") from None
        return MeetingChoice(stage, chosen, reason or None)

    async def _outcomes_to_decide(self, uow: UnitOfWork, referral: Referral) -> tuple[str, ...]:
        """The outcome ids of the stage the referral's meeting decides now, for the held form to offer; none where
        the meeting decides nothing now, or that stage is decided already."""
        stage = self._stage_of(referral)
        if stage.by != "meeting":
            return ()
        if stage.id == PANEL_STAGE:
            if referral.status == Status.DECIDED:
                return ()
        elif stage.id in {d.stage for d in await uow.stage_decisions.of(referral)}:
            return ()
        return tuple(o.id for o in self.preset.outcomes_for(referral.referral_type, stage.id))

    async def _record_meeting_decision(
        self, uow: UnitOfWork, actor: Actor, referral: Referral, row: ScheduledEvent, choice: MeetingChoice
    ) -> list[str]:
        """Record the decision of a meeting held (`row`), at the time it was held, with who attended."""
        assert row.held_at is not None
        when, outcome, stage = row.held_at, choice.outcome, choice.stage
        await self._refuse_second(uow, referral, stage)
        who = labels(self.preset, row.attended or [])
        if stage.id == PANEL_STAGE:
            check_transition(referral.reference, Status(referral.status), Status.DECIDED)
            ballot = await uow.ballots.current(referral, lock=True)
            if ballot is not None and ballot.closed_at is None:  # the votes were advice; they close with it
                ballot.closed_at, ballot.close_reason = when, "decided_at_meeting"
                ballot.result, ballot.result_outcome = "decided", outcome.id
            await self.clocks._finish_clock(uow, referral, self.preset.decision_clock, actor, at=when)
            await self.decisions._record_decision(uow, referral, outcome.id, how="meeting", actor=actor,
                                                  reason=choice.reason, at=when)
            await self.decisions._decision_notice(uow, referral)
        else:
            await uow.stage_decisions.add(StageDecision(
                partnership_id=self.partnership_id, referral_id=referral.id, stage=stage.id, outcome=outcome.id,
                how="meeting", event_id=row.id, attended=list(row.attended or []), reason=choice.reason,
                decided_at=when, recorded_at=self.now(), recorded_by_id=actor.member_id,
            ))
            await self.audit(uow, actor, "stage_decided", referral.reference, stage=stage.id, outcome=outcome.id,
                             how="meeting", attended=list(row.attended or []), reason=choice.reason)
            for stopped in await uow.deadlines.running(referral, outcome.stops):
                stopped.cancelled_at = when
            if outcome.follow_up:
                await self.clocks._start_clock(uow, referral, self.preset.clock(outcome.follow_up), when, actor)
            because = f" Reason: {choice.reason}" if choice.reason else ""
            for purpose in ("panel", "bm"):
                self.notice(uow, purpose, f"{referral.reference} · {referral.subject}: **{stage.label[0].upper()}"
                            f"{stage.label[1:]}: {outcome.label}** ({self.fmt(when)}; attended by {who}).{because}",
                            referral)
        self.decisions._card_update(uow, referral)
        lines = [f"Decided at {meeting_name(meeting_event(self.preset, referral.referral_type))} for "
                 f"{referral.reference}: {outcome.label} (attended by {who})."]
        if outcome.follow_up:
            started = await uow.deadlines.running(referral, [outcome.follow_up])
            lines += [f"Next: {d.label}, due {self.fmt(d.due_at)}." for d in started]
        return lines

    async def meeting_decide(self, *, actor: Actor, reference: str, outcome: str, reason: str = "") -> list[str]:
        """`meeting decide REF OUTCOME [REASON]`: the decision of the meeting already recorded as held."""
        self.require_bm(actor, "record a meeting's decision")
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            choice = self._meeting_choice(actor, referral, outcome, reason)
            event = meeting_event(self.preset, referral.referral_type)
            row = await uow.events.held(referral, event)
            if row is None:
                raise NotFound(f"{cap(meeting_name(event))} for {referral.reference} is not recorded as held "
                               f"yet; record it with its decision: `meeting held {referral.reference} ROLE... outcome "
                               "OUTCOME`.")
            if not row.quorate and not row.quorum_override:
                raise WrongState(f"{cap(meeting_name(event))} for {referral.reference} on {self.fmt(row.at)} "
                                 "was not quorate, so it cannot decide. Nothing was recorded.")
            lines = await self._record_meeting_decision(uow, actor, referral, row, choice)
            await self.finish(uow)
        return lines

    # The business manager after the partners' views (Stockport section 1) --------------------------------------
    async def decide_after_views(self, *, actor: Actor, reference: str, outcome: str, reason: str) -> str:
        self.require_bm(actor, "decide the pathway")
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please give the reason for the pathway; the panel will see it.")
        self.decisions._screen(reason, "reason")
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            await self._refuse_second(uow, referral, self._stage_of(referral))
            outcome_id = self.decisions._outcome_id(outcome, referral.referral_type)
            check_transition(referral.reference, Status(referral.status), Status.DECIDED)
            ballot = await uow.ballots.current(referral, lock=True)
            votes = await uow.votes.current(ballot) if ballot is not None else []
            given = {v.role for v in votes if v.kind == "vote" and v.outcome}
            deadline = ballot.deadline_at if ballot is not None else None
            rules.check_bm_may_decide(self.preset, referral.reference, given, deadline, self.now(), self.fmt)
            if ballot is not None and ballot.closed_at is None:
                ballot.closed_at, ballot.close_reason = self.now(), "decided_by_bm"
                ballot.result, ballot.result_outcome = "decided", outcome_id
            await self.clocks._finish_clock(uow, referral, self.preset.decision_clock, actor)
            await self.decisions._record_decision(uow, referral, outcome_id, how="bm_views", actor=actor,
                                                  reason=reason)
            self.decisions._card_update(uow, referral)
            await self.decisions._decision_notice(uow, referral)
            await self.finish(uow)
        return f"{referral.reference} is decided: {self.preset.outcome(outcome_id).label}. The panel has been told."

    # For the card ------------------------------------------------------------------------------------------------
    async def _card_lines(self, uow: UnitOfWork, referral: Referral) -> list[str]:
        """What the card says of the later stages: each decision made, or the one still to come."""
        out = []
        decided = {d.stage: d for d in await uow.stage_decisions.of(referral)}
        for d in decided.values():
            stage = self.preset.stage_for(referral.referral_type, d.stage)
            name = stage.label if stage is not None else d.stage
            because = f" Reason: {d.reason}" if d.reason else ""
            out.append(f"**{name[0].upper()}{name[1:]}: {self.preset.outcome(d.outcome).label}** "
                       f"({self.fmt(d.decided_at)}; attended by {labels(self.preset, d.attended or [])}).{because}")
        if (still := self._still_to_decide(referral, set(decided))) is not None:
            out.append(still)
        return out

    def _still_to_decide(self, referral: Referral, decided: set[str]) -> str | None:
        """"Still to decide: the rapid review meeting decides (...)." for a referral at a later stage not yet
        decided (the card, and `meeting list`); None otherwise."""
        stage = self._stage_of(referral)
        if referral.status != Status.DECIDED or stage.id == PANEL_STAGE or stage.id in decided:
            return None
        choices = ", ".join(o.label for o in self.preset.outcomes_for(referral.referral_type, stage.id))
        who = meeting_name(meeting_event(self.preset, referral.referral_type))
        return f"Still to decide: {who} decides ({choices})."

    # For `meeting list` ------------------------------------------------------------------------------------------
    async def _meeting_words(self, uow: UnitOfWork, referral: Referral) -> str | None:
        """What `meeting list` says of a meeting that decides its referral's current stage, in the card's words:
        the views given so far where the votes before it are advice (Dudley: "Views so far: ... 2, ... 1."), or
        the later stage still to decide (Salford 7.12, after the panel's decision, when there are no views to
        show). None where the meeting decides nothing now (the panel's vote or the business manager does)."""
        stage = self._stage_of(referral)
        if stage.by != "meeting":
            return None
        if stage.id != PANEL_STAGE:
            decided = {d.stage for d in await uow.stage_decisions.of(referral)}
            return self._still_to_decide(referral, decided)
        if referral.status not in (Status.WITH_PANEL, Status.ON_HOLD):
            return None
        ballot = await uow.ballots.current(referral)
        votes = await uow.votes.current(ballot) if ballot is not None else []
        return rules.views_so_far(self.preset, rules.view_counts(v.outcome for v in votes if v.kind == "vote"))

    # Helpers -----------------------------------------------------------------------------------------------------
    async def _refuse_second(self, uow: UnitOfWork, referral: Referral, stage: Stage) -> None:
        """A referral has one decision at each stage: a second is refused, naming the first."""
        if stage.id == PANEL_STAGE:
            if referral.status == Status.DECIDED and referral.outcome and referral.decided_at:
                raise rules.already_decided(referral.reference, stage, self.preset.outcome(referral.outcome).label,
                                            self.fmt(referral.decided_at))
            return
        for d in await uow.stage_decisions.of(referral):
            if d.stage == stage.id:
                raise rules.already_decided(referral.reference, stage, self.preset.outcome(d.outcome).label,
                                            self.fmt(d.decided_at))

    def _who_words(self, referral: Referral, stage: Stage) -> str:
        if referral.status == Status.DECIDED and referral.outcome:
            label = self.preset.outcome(referral.outcome).label
            return f"the panel decided it ({label}), and no meeting decides after that"
        if stage.by == "bm_after_views":
            return f"the {self.preset.role_label('business_manager')} decides it after the partners' views"
        return "the panel's vote decides it"
