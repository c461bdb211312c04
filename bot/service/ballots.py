"""Voting: cast, change, recuse, close, escalate, and the chair's decision.

The rules (quorum, majority, when a ballot closes) are `flows.ballots`; this module loads the current
votes, asks those rules, and records what they say, with the audit entry and the messages it implies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from bot.service.base import Actor, Caller, PanelBase
from flows import ballots as rules
from flows import reminders
from flows.anonymity import IdentifyingDetail, check_free_text
from flows.clocks import due
from flows.errors import InvalidInput, NotAllowed, WrongState
from flows.preset import Clock
from flows.referrals import Status, check_transition
from flows.views import result_text
from storage.audit import vote_fingerprint
from storage.models import Ballot, Deadline, Member, Referral, Vote
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Receipt:
    """What the person who pressed a button is told (privately where the platform allows)."""

    message: str
    changed: bool
    closed: bool = False


class BallotCommands(PanelBase):
    # Reading the ballot -----------------------------------------------------------------------------
    async def _eligible_and_votes(
        self, uow: UnitOfWork, ballot: Ballot, current: list[Vote] | None = None, members: list[Member] | None = None
    ) -> tuple[list[rules.Voter], list[Vote]]:
        """Who may vote on the ballot, and its current votes (each read here unless the caller, holding the
        ballot's lock, already has them)."""
        if members is None:
            members = await self.active_members(uow.session)
        if current is None:
            current = await self._current_votes(uow, ballot)
        recused = {v.member_id for v in current if v.kind == "recuse"}
        voting = set(self.preset.voting_roles)
        eligible = [rules.Voter(m.id, m.role) for m in members if m.role in voting and m.id not in recused]
        return eligible, current

    async def _tally(
        self, uow: UnitOfWork, ballot: Ballot, current: list[Vote] | None = None, members: list[Member] | None = None
    ) -> rules.Tally:
        eligible, current = await self._eligible_and_votes(uow, ballot, current, members)
        votes = [rules.Vote(v.member_id, v.role, v.outcome) for v in current if v.kind == "vote" and v.outcome]
        return rules.tally(self.preset.quorum, eligible, votes)

    def _closed_message(self, referral: Referral, ballot: Ballot) -> str:
        when = self.fmt(ballot.closed_at) if ballot.closed_at else "earlier"
        if referral.status == Status.DECIDED and referral.outcome:
            what = f"decided: {self.preset.outcome(referral.outcome).label.lower()}"
        else:
            what = {
                Status.ESCALATED: "escalated to the " + self.preset.role_label(self.preset.tie_break_role),
                Status.RETURNED: "returned as incomplete",
                Status.WITHDRAWN: "withdrawn",
            }.get(Status(referral.status), referral.status)
        return f"Voting on {referral.reference} closed at {when} ({what}). Your vote was not recorded."

    async def _current_votes(self, uow: UnitOfWork, ballot: Ballot) -> list[Vote]:
        stmt = select(Vote).where(Vote.ballot_id == ballot.id, Vote.is_current).order_by(Vote.id)
        return list((await uow.session.execute(stmt)).scalars())

    @staticmethod
    def _mine(votes: list[Vote], member: Member) -> Vote | None:
        return next((v for v in votes if v.member_id == member.id), None)

    async def _record_vote(
        self,
        uow: UnitOfWork,
        actor: Actor,
        referral: Referral,
        ballot: Ballot,
        member: Member,
        current: Vote | None,
        action: str,
        outcome_id: str | None,
        reason: str,
        delivery_key: str | None = None,
        *,
        votes: list[Vote],
        members: list[Member] | None = None,
    ) -> bool:
        """Append the member's new current vote (or recusal), keep the old one as history, audit it, update
        the card, and close the ballot if that settles it. Commits. Returns whether voting closed. `votes` are
        the ballot's current votes as read under its lock, `current` among them."""
        if current is not None:
            current.is_current = False
            await uow.session.flush()
        row = Vote(
            partnership_id=self.partnership_id,
            ballot_id=ballot.id,
            member_id=member.id,
            role=member.role,
            kind="recuse" if action == "recused" else "vote",
            outcome=outcome_id,
            reason=reason or None,
            cast_at=self.now(),
            is_current=True,
            delivery_key=delivery_key,
        )
        uow.session.add(row)
        await uow.session.flush()
        await self.audit(
            uow,
            actor,
            action,
            referral.reference,
            vote=vote_fingerprint(row),
            replaces=current.id if current is not None else None,
        )
        self._card_update(uow, referral)
        now_current = [v for v in votes if v is not current] + [row]
        closed = await self._evaluate(
            uow, referral, ballot, deadline_passed=False, votes=now_current, members=members
        )
        await self.finish(uow)
        return closed

    async def _open_ballot_for_vote(
        self, uow: UnitOfWork, actor: Actor, reference: str, locked: tuple[Referral, Ballot | None] | None = None
    ) -> tuple[Referral, Ballot, Member]:
        """The referral and its open ballot (locked here unless the caller already holds them), and the voter."""
        if locked is None:
            referral = await self.referral(uow.session, reference, lock=True)
            ballot = await self.current_ballot(uow.session, referral, lock=True)
        else:
            referral, ballot = locked
        if referral.status == Status.ON_HOLD:
            raise WrongState(f"{referral.reference} is on hold, so voting is paused. Your vote was not recorded.")
        if ballot is None or ballot.closed_at is not None or referral.status != Status.WITH_PANEL:
            if ballot is None:
                raise WrongState(f"{referral.reference} is not with the panel. Your vote was not recorded.")
            raise WrongState(self._closed_message(referral, ballot))
        if ballot.deadline_at <= self.now():
            # The deadline has passed but the scheduler has not closed the ballot yet: close it now, as it
            # stood at the deadline, and refuse the late vote.
            self._card_update(uow, referral)
            await self._evaluate(uow, referral, ballot, deadline_passed=True)
            await self.finish(uow)
            raise WrongState(self._closed_message(referral, ballot))
        member = await uow.session.get(Member, actor.member_id) if actor.member_id is not None else None
        if member is None or member.removed_at is not None:
            raise NotAllowed(
                "You are not on this partnership's panel, so your vote was not counted. "
                "Ask the business manager to add you."
            )
        if member.role not in self.preset.voting_roles:
            raise NotAllowed(
                f"As {self.preset.role_label(member.role)} you are not a voting member of this panel, "
                "so your vote was not counted."
            )
        return referral, ballot, member

    # Voting -------------------------------------------------------------------------------------------
    async def vote(
        self, *, actor: Actor | Caller, reference: str, outcome: str, reason: str = "", delivery_key: str | None = None
    ) -> Receipt:
        """Record a member's vote (or change it). A repeated delivery of the same payload (`delivery_key`,
        e.g. a platform's event id) changes nothing. Given a `Caller` (a platform account), the member behind
        it is looked up in the vote's own transaction."""
        if isinstance(actor, Actor):
            self.check_actor(actor)
        reason = reason.strip()
        async with self.uow() as uow:
            members = None
            if isinstance(actor, Caller):  # the panel and the voter among it, in one read
                members, actor = await self.members_and_caller(uow.session, actor)
            locked = None
            votes = None
            if delivery_key is not None:
                # Look for the earlier delivery only once the referral is locked: a copy arriving at the same
                # moment waits here until the first is committed, then finds it (rather than both missing each
                # other, or the copy being told the vote was refused because the first one closed the ballot).
                locked_referral = await self.referral(uow.session, reference, lock=True)
                ballot = await self.current_ballot(uow.session, locked_referral, lock=True)
                locked = (locked_referral, ballot)
                # One read for both: a vote this delivery already recorded (on any ballot), and this ballot's
                # current votes.
                mine = Vote.delivery_key == delivery_key
                either = or_(mine, and_(Vote.ballot_id == ballot.id, Vote.is_current)) if ballot else mine
                found = list((await uow.session.execute(select(Vote).where(either).order_by(Vote.id))).scalars())
                if any(v.delivery_key == delivery_key for v in found):
                    return Receipt("That vote was already recorded; nothing has changed.", changed=False)
                votes = found
            referral, ballot, member = await self._open_ballot_for_vote(uow, actor, reference, locked)
            outcome_id = self._outcome_id(outcome, referral.referral_type)
            chosen = self.preset.outcome(outcome_id)
            if chosen.reason_required and not reason:
                raise InvalidInput(
                    f'Please give a reason for "{chosen.label}"; the procedure asks for one. '
                    "Your vote was not recorded."
                )
            self._screen(reason, "reason")
            if votes is None:
                votes = await self._current_votes(uow, ballot)
            current = self._mine(votes, member)
            if current is not None and current.kind == "recuse":
                raise WrongState(f"You recused yourself from {referral.reference}, so your vote was not counted.")
            if current is not None and current.outcome == outcome_id and (current.reason or "") == reason:
                return Receipt(
                    f"Your vote on {referral.reference} is already {chosen.label}; nothing has changed.", changed=False
                )
            action = "vote_changed" if current is not None else "vote_cast"
            closed = await self._record_vote(
                uow, actor, referral, ballot, member, current, action, outcome_id, reason, delivery_key,
                votes=votes, members=members,
            )
        verb = "changed to" if current is not None else "recorded:"
        message = f"Your vote on {referral.reference} is {verb} {chosen.label}."
        if closed:
            message += f" Voting has now closed ({self._state_words(referral)})."
        return Receipt(message, changed=True, closed=closed)

    async def recuse(self, *, actor: Actor, reference: str, reason: str = "") -> Receipt:
        """A conflict of interest: the member stops counting as eligible on this referral (docs/ballots.md)."""
        self.check_actor(actor)
        reason = reason.strip()
        self._screen(reason, "reason")
        async with self.uow() as uow:
            referral, ballot, member = await self._open_ballot_for_vote(uow, actor, reference)
            votes = await self._current_votes(uow, ballot)
            current = self._mine(votes, member)
            if current is not None and current.kind == "recuse":
                return Receipt(f"You have already recused yourself from {referral.reference}.", changed=False)
            closed = await self._record_vote(
                uow, actor, referral, ballot, member, current, "recused", None, reason, votes=votes
            )
        message = f"You have recused yourself from {referral.reference}; you no longer count towards its vote."
        if closed:
            message += f" Voting has now closed ({self._state_words(referral)})."
        return Receipt(message, changed=True, closed=closed)

    # Closing ------------------------------------------------------------------------------------------
    async def close_ballot(self, *, actor: Actor, reference: str) -> str:
        """The BM closes voting early; only once quorum is met (docs/ballots.md, rule 5)."""
        self.require_bm(actor, "close a vote")
        async with self.uow() as uow:
            referral = await self.referral(uow.session, reference, lock=True)
            ballot = await self.current_ballot(uow.session, referral, lock=True)
            if ballot is None or ballot.closed_at is not None or referral.status != Status.WITH_PANEL:
                raise WrongState(f"Voting on {referral.reference} is not open, so there is nothing to close.")
            t = await self._tally(uow, ballot)
            if not t.quorum_met:
                raise WrongState(
                    f"{referral.reference} has no quorum yet ({self._missing_words(t)}), so voting cannot be closed. "
                    f"You can escalate it to the {self.preset.role_label(self.preset.tie_break_role)} instead."
                )
            self._card_update(uow, referral)
            await self._close(uow, referral, ballot, t, rules.CloseReason.CLOSED_BY_BM, actor)
            await self.finish(uow)
        return f"Voting on {referral.reference} is closed: {self._state_words(referral)}."

    async def escalate(self, *, actor: Actor, reference: str) -> str:
        """Before quorum the BM cannot close, only pass the referral to the tie-break role."""
        self.require_bm(actor, "escalate a referral")
        async with self.uow() as uow:
            referral = await self.referral(uow.session, reference, lock=True)
            ballot = await self.current_ballot(uow.session, referral, lock=True)
            check_transition(referral.reference, Status(referral.status), Status.ESCALATED)
            assert ballot is not None
            t = await self._tally(uow, ballot)
            self._card_update(uow, referral)
            await self._close(uow, referral, ballot, t, rules.CloseReason.CLOSED_BY_BM, actor, force_escalate=True)
            await self.finish(uow)
        return f"{referral.reference} is escalated to the {self.preset.role_label(self.preset.tie_break_role)}."

    async def chair_decide(self, *, actor: Actor, reference: str, outcome: str, reason: str) -> str:
        """The tie-break role decides an escalated referral, with a reason (docs/ballots.md)."""
        chair_label = self.preset.role_label(self.preset.tie_break_role)
        self.check_actor(actor)
        if actor.role != self.preset.tie_break_role:
            raise NotAllowed(f"Only the {chair_label} can decide an escalated referral. Nothing was changed.")
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please give the reason for your decision; it is recorded with it.")
        self._screen(reason, "reason")
        outcome_id = self._outcome_id(outcome)
        async with self.uow() as uow:
            referral = await self.referral(uow.session, reference, lock=True)
            if referral.status != Status.ESCALATED:
                raise WrongState(
                    f"{referral.reference} is not waiting for the {chair_label}, so there is nothing to decide."
                )
            self._outcome_id(outcome_id, referral.referral_type)  # one that applies to this referral's type
            self._card_update(uow, referral)
            await self._record_decision(uow, referral, outcome_id, how="chair", actor=actor, reason=reason)
            self._decision_notice(uow, referral)
            await self.finish(uow)
        return f"{referral.reference} is decided: {self.preset.outcome(outcome_id).label}."

    async def check_deadlines(self) -> list[str]:
        """The scheduler's job: close every ballot whose decision deadline has passed. Returns references.

        The due referrals and their ballots are row-locked (`FOR NO KEY UPDATE SKIP LOCKED` on PostgreSQL;
        SQLite's transactions begin IMMEDIATE), and PostgreSQL re-checks the conditions on the locked rows, so a
        ballot closed a moment ago by another bot process, or by a late vote, is not closed a second time. A
        row locked by a command in progress is skipped: that command closes the ballot itself if the deadline
        has passed (a late vote does), or the next sweep does."""
        now = self.now()
        async with self.uow() as uow:
            due = list(
                (
                    await uow.session.execute(
                        select(Referral, Ballot)
                        .join(Ballot, Ballot.referral_id == Referral.id)
                        .where(
                            Referral.partnership_id == self.partnership_id,
                            Referral.status == Status.WITH_PANEL,
                            Ballot.closed_at.is_(None),
                            Ballot.deadline_at <= now,
                        )
                        .order_by(Referral.id)
                        .with_for_update(skip_locked=True, key_share=True)
                    )
                ).all()
            )
            closed = []
            for referral, ballot in due:
                t = await self._tally(uow, ballot)
                if rules.closing(t, deadline_passed=True) is not None:
                    self._card_update(uow, referral)
                    await self._evaluate(uow, referral, ballot, deadline_passed=True)
                    closed.append(referral.reference)
            await self.finish(uow)
        return closed

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
        await self._finish_clock(uow, referral, self.preset.decision_clock, actor, at=closed_at)
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
            reasons = (
                await uow.session.execute(
                    select(Vote.reason)
                    .where(Vote.ballot_id == ballot.id, Vote.is_current, Vote.outcome == result.outcome)
                    .order_by(Vote.id)
                )
            ).scalars()
            joined = "; ".join(r for r in reasons if r) or None
            await self._record_decision(
                uow, referral, result.outcome, how="panel", actor=actor, reason=joined, at=closed_at
            )
            self._decision_notice(uow, referral)
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
        chairs = [m for m in await self.active_members(uow.session) if m.role == self.preset.tie_break_role]
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
        new_status = Status.RETURNED if outcome.incomplete else Status.DECIDED
        check_transition(referral.reference, Status(referral.status), Status.DECIDED)
        now = at or self.now()
        referral.status = new_status
        referral.outcome = outcome_id
        referral.decided_how = how
        referral.decided_by_id = actor.member_id
        referral.decision_reason = reason
        referral.decided_at = now
        await self.audit(uow, actor, "decided", referral.reference, outcome=outcome_id, how=how, reason=reason)
        for stopped in await self.running_deadlines(uow.session, referral, outcome.stops):
            stopped.cancelled_at = now
        if outcome.follow_up:
            await self._start_clock(uow, referral, self.preset.clock(outcome.follow_up), now, actor)
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

    # Clocks used by several commands ------------------------------------------------------------------
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
        running = [d for d in await self.running_deadlines(uow.session, referral, [clock.id]) if d.agency == agency]
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
            due_at=due_at or due(self.preset, self.cal, clock, start),
            last_reminder_at=start,  # nothing planned before the clock started is ever sent
        )
        self.schedule_reminders(row, clock, after=start)
        uow.session.add(row)
        await uow.session.flush()
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
        for row in await self.running_deadlines(uow.session, referral, [clock_id]):
            row.done_at = at or self.now()
            row.done_by_id = actor.member_id

    # Small helpers -----------------------------------------------------------------------------------
    def _outcome_id(self, text: str, referral_type: str | None = None) -> str:
        """The outcome `text` names (its id, its label or the start of one id); with `referral_type`, only one
        that applies to referrals of that type (the preset's `referral_types` on the outcome)."""
        found = self._any_outcome_id(text)
        if referral_type is None or self.preset.outcome(found).applies_to(referral_type):
            return found
        kind = self.preset.referral_type(referral_type).label
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
        if referral.outcome and referral.status in (Status.DECIDED, Status.RETURNED):
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

    def _decision_notice(self, uow: UnitOfWork, referral: Referral) -> None:
        for purpose in ("panel", "bm"):
            uow.outbox(
                partnership_id=self.partnership_id,
                now=self.now(),
                purpose=purpose,
                kind="decision",
                referral_id=referral.id,
            )
