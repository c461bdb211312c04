"""What the votes decide, and recording it: the tally (who counts, from `flows.permissions`, and what they voted),
closing a ballot with its result, escalating to the tie-break role, and recording a decision, with the clocks
it starts and stops (through the `clockwork` handler it is given). The commands that vote are
`bot.service.ballots`; those that decide at once or return a referral are `bot.service.referrals`.
"""

from __future__ import annotations

from datetime import datetime

from bot.service import milestones
from bot.service.base import Actor, Core, Handler, facts
from bot.service.clockwork import ClockCommands
from bot.service.referrer import tell_referrer
from flows import ballots as rules
from flows import permissions
from flows.anonymity import IdentifyingDetail, check_free_text
from flows.errors import InvalidInput
from flows.milestones import trigger
from flows.referrals import Status, check_transition, has_decision
from flows.views import result_text
from storage.models import Ballot, Member, Referral, Vote
from storage.uow import UnitOfWork


class DecisionRules(Handler):
    def __init__(self, core: Core, clocks: ClockCommands) -> None:
        super().__init__(core)
        self.clocks = clocks

    # Reading the ballot -----------------------------------------------------------------------------
    async def _eligible_and_votes(
        self, uow: UnitOfWork, ballot: Ballot, current: list[Vote] | None = None, members: list[Member] | None = None
    ) -> tuple[list[rules.Voter], list[Vote]]:
        """Who may vote on the ballot, and its current votes (each read here unless the caller, holding the
        ballot's lock, already has them)."""
        if members is None:
            members = await uow.members.active()
        if current is None:
            current = await uow.votes.current(ballot)
        recused = {v.member_id for v in current if v.kind == "recuse"}
        eligible = permissions.eligible_voters([facts(m) for m in members], self.preset, recused)
        return eligible, current

    async def _tally(
        self, uow: UnitOfWork, ballot: Ballot, current: list[Vote] | None = None, members: list[Member] | None = None
    ) -> rules.Tally:
        eligible, current = await self._eligible_and_votes(uow, ballot, current, members)
        votes = [rules.Vote(v.member_id, v.role, v.outcome) for v in current if v.kind == "vote" and v.outcome]
        return rules.tally(self.preset.quorum, eligible, votes)

    def _closed_message(self, referral: Referral, ballot: Ballot) -> str:
        when = self.fmt(ballot.closed_at) if ballot.closed_at else "earlier"
        if referral.outcome and has_decision(referral.status, referral.outcome) and referral.status != Status.RETURNED:
            what = f"decided: {self.preset.outcome(referral.outcome).label.lower()}"
        else:
            what = {
                Status.ESCALATED: "escalated to the " + self.preset.role_label(self.preset.tie_break_role),
                Status.RETURNED: "returned as incomplete",
                Status.WITHDRAWN: "withdrawn",
            }.get(Status(referral.status), referral.status)
        return f"Voting on {referral.reference} closed at {when} ({what}). Your vote was not recorded."

    @staticmethod
    def _mine(votes: list[Vote], member: Member) -> Vote | None:
        return next((v for v in votes if v.member_id == member.id), None)

    async def _evaluate(
        self,
        uow: UnitOfWork,
        referral: Referral,
        ballot: Ballot,
        *,
        deadline_passed: bool,
        votes: list[Vote] | None = None,
        members: list[Member] | None = None,
    ) -> bool:
        if self._advisory(referral):
            return False  # the votes are advice for whoever decides (a meeting, the business manager): never closing
        t = await self._tally(uow, ballot, votes, members)
        reason = rules.closing(t, deadline_passed=deadline_passed)
        if reason is None:
            return False
        # A ballot that closes because its deadline passed closed at the deadline, whenever the job ran.
        at = ballot.deadline_at if reason is rules.CloseReason.DEADLINE else None
        await self._close(uow, referral, ballot, t, reason, Actor.system(), at=at)
        return True

    async def _close(
        self,
        uow: UnitOfWork,
        referral: Referral,
        ballot: Ballot,
        t: rules.Tally,
        reason: rules.CloseReason,
        actor: Actor,
        *,
        force_escalate: bool = False,
        at: datetime | None = None,
    ) -> None:
        result = rules.result(t)
        if force_escalate and not result.escalated:
            result = rules.Result(rules.ResultKind.NO_MAJORITY)
        now = self.now()
        closed_at = at or now
        ballot.closed_at = closed_at
        ballot.close_reason = reason.value
        ballot.result = result.kind.value
        ballot.result_outcome = result.outcome
        ballot.missing = ",".join(result.missing_roles) or (str(result.missing_votes) if result.missing_votes else None)
        await self.clocks._finish_clock(uow, referral, self.preset.decision_clock, actor, at=closed_at)
        await self.audit(
            uow,
            actor,
            "ballot_closed",
            referral.reference,
            round=ballot.round,
            reason=reason.value,
            result=result.kind.value,
            outcome=result.outcome,
            counts=t.counts,
            missing_roles=list(result.missing_roles),
        )
        if not result.escalated and result.outcome is not None:
            reasons = await uow.votes.reasons_for(ballot, result.outcome)
            joined = "; ".join(r for r in reasons if r) or None
            await self._record_decision(
                uow, referral, result.outcome, how="panel", actor=actor, reason=joined, at=closed_at
            )
            await self._decision_notice(uow, referral)
            return
        check_transition(referral.reference, Status(referral.status), Status.ESCALATED)
        referral.status = Status.ESCALATED
        text = result_text(self.preset, result.kind, None, result.missing_roles, result.missing_votes)
        await self.audit(
            uow,
            actor,
            "escalated",
            referral.reference,
            result=result.kind.value,
            tie_break_role=self.preset.tie_break_role,
        )
        why = self._escalation_text(referral, t, result)
        chair_label = self.preset.role_label(self.preset.tie_break_role)
        to_chair = {
            "headline": text,
            "text": f"{why} As {chair_label} you decide, with a reason: `decide {referral.reference} OUTCOME REASON`.",
            "actions": [
                {"label": o.label, "command": f"decide {referral.reference} {o.id}", "needs_reason": True}
                for o in self.preset.outcomes_for(referral.referral_type)
            ],
        }
        to_bm = {"headline": text, "text": f"{why} It has been passed to the {chair_label} to decide."}
        chairs = [m for m in await uow.members.active() if m.role == self.preset.tie_break_role]
        if not chairs:
            to_bm["text"] += f" Nobody on the panel holds the {chair_label} role yet: please add them."
        for chair in chairs:
            uow.outbox(
                partnership_id=self.partnership_id,
                now=now,
                purpose=f"member:{chair.id}",
                kind="escalation",
                referral_id=referral.id,
                body=to_chair,
            )
        # The panel channel is told too (a reply under the card where the platform has threads), and the BM.
        to_panel = {"headline": text, "text": f"{why} It has been passed to the {chair_label} to decide."}
        for purpose, body in (("panel", to_panel), ("bm", to_bm)):
            uow.outbox(
                partnership_id=self.partnership_id,
                now=now,
                purpose=purpose,
                kind="escalation",
                referral_id=referral.id,
                body=body,
            )

    def _escalation_text(self, referral: Referral, t: rules.Tally, result: rules.Result) -> str:
        head = f"{referral.reference} · {referral.subject}: "
        if result.kind is rules.ResultKind.NO_QUORUM:
            return head + f"the panel has **no quorum** ({self._missing_words(t)})."
        counts = ", ".join(
            f"{self.preset.outcome(o).label} {n}" for o, n in sorted(t.counts.items(), key=lambda x: -x[1])
        )
        if result.kind is rules.ResultKind.TIE:
            return head + f"the panel is **tied** ({counts})."
        return head + f"**no outcome has a majority** of the votes ({counts or 'no votes'})."

    def _missing_words(self, t: rules.Tally) -> str:
        if t.missing_roles:
            return "still needed: " + ", ".join(self.preset.role_label(r) for r in t.missing_roles)
        return f"{t.missing_votes} more vote{'s' if t.missing_votes != 1 else ''} needed"

    # Decisions ----------------------------------------------------------------------------------------
    async def _record_decision(
        self,
        uow: UnitOfWork,
        referral: Referral,
        outcome_id: str,
        *,
        how: str,
        actor: Actor,
        reason: str | None,
        at: datetime | None = None,
    ) -> None:
        outcome = self.preset.outcome(outcome_id)
        if outcome.incomplete:  # before the outcome's own `stops` cancel them for good
            await self.clocks._stop_for_return(uow, referral)
        # Suffolk 3: an outcome that puts the case on hold leaves it on hold, as `hold REF` does: on each panel's
        # agenda and held cases' notice until the business manager resumes it (`HoldCommands.resume`).
        new_status = Status.RETURNED if outcome.incomplete else Status.ON_HOLD if outcome.hold else Status.DECIDED
        check_transition(referral.reference, Status(referral.status), Status.DECIDED)
        now = at or self.now()
        referral.status = new_status
        if outcome.hold:
            referral.hold_until = None  # indefinitely: reviewed at each panel until it is resumed
        referral.outcome = outcome_id
        referral.decided_how = how
        referral.decided_by_id = actor.member_id
        referral.decision_reason = reason
        referral.decided_at = now
        await self.audit(uow, actor, "decided", referral.reference, outcome=outcome_id, how=how, reason=reason)
        for stopped in await uow.deadlines.running(referral, outcome.stops):
            stopped.cancelled_at = now
        if outcome.follow_up:
            await self.clocks._start_clock(uow, referral, self.preset.clock(outcome.follow_up), now, actor)
        if outcome.incomplete:
            # Salford 7.5: the referral goes back to the referrer, with what is missing, to resubmit.
            referral.missing_info = reason or "see the panel's reasons"
            self.notice(
                uow,
                "bm",
                f"{referral.reference} · {referral.subject} was found incomplete. Missing: "
                f"{referral.missing_info}. Please tell the referrer ({referral.referrer}); use "
                f"`resubmit {referral.reference}` when it comes back.",
                referral,
            )

    # Small helpers -----------------------------------------------------------------------------------
    def _advisory(self, referral: Referral) -> bool:
        """Whether the panel's votes on this referral are advice (the preset's stages: a meeting, or the business
        manager after the partners' views, decides): they are shown, and close and decide nothing."""
        stage = self.preset.stage_for(referral.referral_type)
        return stage is not None and stage.advisory_ballot

    def _outcome_id(self, text: str, referral_type: str | None = None) -> str:
        """The outcome `text` names (its id, its label or the start of one id); with `referral_type`, only one
        that applies to referrals of that type (the preset's `referral_types` on the outcome)."""
        found = self._any_outcome_id(text)
        if referral_type is None or self.preset.outcome(found) in self.preset.outcomes_for(referral_type):
            return found
        kind = self.preset.referral_type(referral_type).label
        later = next((s for s in self.preset.stages if found in s.outcomes and s.applies_to(referral_type)), None)
        if later is not None and later.id != "panel":
            choices = ", ".join(f"{o.id} ({o.label})" for o in self.preset.outcomes_for(referral_type))
            raise InvalidInput(f'"{self.preset.outcome(found).label}" is for {later.label}, not the panel; choose one '
                               f"of: {choices}. Nothing was recorded.")
        choices = ", ".join(f"{o.id} ({o.label})" for o in self.preset.outcomes_for(referral_type))
        raise InvalidInput(
            f'"{self.preset.outcome(found).label}" is not an outcome for a {kind[0].lower() + kind[1:]}; '
            f"choose one of: {choices}. Nothing was recorded."
        )

    def _any_outcome_id(self, text: str) -> str:
        key = text.strip().lower().replace(" ", "_").replace("-", "_")
        ids = [o.id for o in self.preset.outcomes]
        if key in ids:
            return key
        by_label = {o.label.lower(): o.id for o in self.preset.outcomes}
        if text.strip().lower() in by_label:
            return by_label[text.strip().lower()]
        prefixed = [i for i in ids if i.startswith(key)] if key else []
        if len(prefixed) == 1:
            return prefixed[0]
        choices = ", ".join(f"{o.id} ({o.label})" for o in self.preset.outcomes)
        raise InvalidInput(f'"{text}" is not an outcome this panel can choose. Choose one of: {choices}.')

    def _screen(self, text: str, field: str) -> None:
        try:
            check_free_text(field, text)
        except IdentifyingDetail as exc:
            raise InvalidInput(str(exc)) from None

    def _state_words(self, referral: Referral) -> str:
        if referral.outcome and has_decision(referral.status, referral.outcome):
            return "decided: " + self.preset.outcome(referral.outcome).label
        if referral.status == Status.ESCALATED:
            return "escalated to the " + self.preset.role_label(self.preset.tie_break_role)
        return referral.status

    def _card_update(self, uow: UnitOfWork, referral: Referral) -> None:
        uow.outbox(
            partnership_id=self.partnership_id,
            now=self.now(),
            purpose="panel",
            kind="card_update",
            referral_id=referral.id,
        )

    async def _decision_notice(self, uow: UnitOfWork, referral: Referral) -> None:
        """The decision to the panel and the business manager, and to the referring agency (`referrer`)."""
        await tell_referrer(self.core, uow, referral)
        if referral.outcome:
            await milestones.after(self.core, uow, referral, trigger("outcome", referral.outcome))
        for purpose in ("panel", "bm"):
            uow.outbox(
                partnership_id=self.partnership_id,
                now=self.now(),
                purpose=purpose,
                kind="decision",
                referral_id=referral.id,
            )
