"""Voting: cast, change, recuse, close, escalate, and the chair's decision.

The rules (quorum, majority, when a ballot closes) are `flows.ballots`, and who may vote `flows.permissions`;
this module loads the current votes, asks those rules, and records what they say, with the audit entry and the
messages it implies (closing and deciding: `bot.service.decisions`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.service.base import Actor, Core, Handler, facts
from bot.service.decisions import DecisionRules
from flows import ballots as rules
from flows import permissions
from flows.errors import InvalidInput, WrongState
from flows.referrals import Status, check_transition
from flows.stages import advice_words, decider_words
from storage.audit import vote_fingerprint
from storage.models import Ballot, Member, Referral, Vote
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Receipt:
    """What the person who pressed a button is told (privately where the platform allows)."""

    message: str
    changed: bool
    closed: bool = False


class BallotCommands(Handler):
    def __init__(self, core: Core, decisions: DecisionRules) -> None:
        super().__init__(core)
        self.decisions = decisions

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
        await uow.votes.add(row, replacing=current)
        await self.audit(
            uow,
            actor,
            action,
            referral.reference,
            vote=vote_fingerprint(row),
            replaces=current.id if current is not None else None,
        )
        self.decisions._card_update(uow, referral)
        now_current = [v for v in votes if v is not current] + [row]
        closed = await self.decisions._evaluate(
            uow, referral, ballot, deadline_passed=False, votes=now_current, members=members
        )
        await self.finish(uow)
        return closed

    async def _open_ballot_for_vote(
        self, uow: UnitOfWork, actor: Actor, reference: str, locked: tuple[Referral, Ballot | None] | None = None,
        ballot_id: int | None = None,
    ) -> tuple[Referral, Ballot, Member]:
        """The referral and its open ballot (locked here unless the caller already holds them), and the voter.
        `ballot_id`: the round a signed email link was made for, which must be the current one."""
        if locked is None:
            referral = await self.referral(uow, reference, lock=True)
            ballot = await uow.ballots.current(referral, lock=True)
        else:
            referral, ballot = locked
        if ballot_id is not None and (ballot is None or ballot.id != ballot_id):
            raise WrongState(
                f"This link is for an earlier round of voting on {referral.reference}; please use the link in the "
                "latest email. Your vote was not recorded."
            )
        if referral.status == Status.ON_HOLD:
            raise WrongState(f"{referral.reference} is on hold, so voting is paused. Your vote was not recorded.")
        if ballot is None or ballot.closed_at is not None or referral.status != Status.WITH_PANEL:
            if ballot is None:
                raise WrongState(f"{referral.reference} is not with the panel. Your vote was not recorded.")
            raise WrongState(self.decisions._closed_message(referral, ballot))
        if ballot.deadline_at <= self.now() and not self.decisions._advisory(referral):
            # The deadline has passed but the scheduler has not closed the ballot yet: close it now, as it
            # stood at the deadline, and refuse the late vote.
            self.decisions._card_update(uow, referral)
            await self.decisions._evaluate(uow, referral, ballot, deadline_passed=True)
            await self.finish(uow)
            raise WrongState(self.decisions._closed_message(referral, ballot))
        member = await uow.members.get(actor.member_id) if actor.member_id is not None else None
        permissions.check_voter(facts(member) if member else None, self.preset)
        assert member is not None
        return referral, ballot, member

    # Voting -------------------------------------------------------------------------------------------
    async def vote(
        self, *, actor: Actor, reference: str, outcome: str, reason: str = "", delivery_key: str | None = None,
        ballot_id: int | None = None,
    ) -> Receipt:
        """Record a member's vote (or change it). A repeated delivery of the same payload (`delivery_key`,
        e.g. a platform's event id) changes nothing. Given an unresolved actor (`Actor.of_account`), the member
        behind the account is looked up in the vote's own transaction. `ballot_id`: the round a signed email
        link names; a vote from it on any other round is refused."""
        if not actor.unresolved:
            self.check_actor(actor)
        reason = reason.strip()
        async with self.uow() as uow:
            members = None
            if actor.unresolved:  # the panel and the voter among it, in one read
                members, actor = await self.members_and_account(uow, actor)
            locked = None
            votes = None
            if delivery_key is not None:
                # Look for the earlier delivery only once the referral is locked: a copy arriving at the same
                # moment waits here until the first is committed, then finds it (rather than both missing each
                # other, or the copy being told the vote was refused because the first one closed the ballot).
                locked_referral = await self.referral(uow, reference, lock=True)
                ballot = await uow.ballots.current(locked_referral, lock=True)
                locked = (locked_referral, ballot)
                # One read for both: a vote this delivery already recorded (on any ballot), and this ballot's
                # current votes.
                found = await uow.votes.delivered_or_current(delivery_key, ballot)
                if any(v.delivery_key == delivery_key for v in found):
                    return Receipt("That vote was already recorded; nothing has changed.", changed=False)
                votes = found
            referral, ballot, member = await self._open_ballot_for_vote(uow, actor, reference, locked, ballot_id)
            outcome_id = self.decisions._outcome_id(outcome, referral.referral_type)
            chosen = self.preset.outcome(outcome_id)
            if chosen.reason_required and not reason:
                raise InvalidInput(
                    f'Please give a reason for "{chosen.label}"; the procedure asks for one. '
                    "Your vote was not recorded."
                )
            self.decisions._screen(reason, "reason")
            if votes is None:
                votes = await uow.votes.current(ballot)
            current = self.decisions._mine(votes, member)
            permissions.check_not_recused(current.kind if current is not None else None, referral.reference)
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
            message += f" Voting has now closed ({self.decisions._state_words(referral)})."
        elif self.decisions._advisory(referral):
            message += f" {self._advice(referral)}"
        return Receipt(message, changed=True, closed=closed)

    def _advice(self, referral: Referral) -> str:
        stage = self.preset.stage_for(referral.referral_type)
        assert stage is not None
        return advice_words(self.preset, referral.referral_type, stage)

    def _refuse_advisory(self, referral: Referral, doing: str) -> None:
        """`close` and `escalate` act on a vote that decides; advice is closed by the decision itself."""
        if self.decisions._advisory(referral):
            stage = self.preset.stage_for(referral.referral_type)
            assert stage is not None
            who = decider_words(self.preset, referral.referral_type, stage)
            raise WrongState(f"The votes on {referral.reference} are advice and {who} decides, so there is nothing "
                             f"to {doing}.")

    async def recuse(self, *, actor: Actor, reference: str, reason: str = "", ballot_id: int | None = None) -> Receipt:
        """A conflict of interest: the member stops counting as eligible on this referral (docs/ballots.md).
        Given an unresolved actor (`Actor.of_account`), the member is looked up in its own transaction;
        `ballot_id` as for `vote`."""
        if not actor.unresolved:
            self.check_actor(actor)
        reason = reason.strip()
        self.decisions._screen(reason, "reason")
        async with self.uow() as uow:
            if actor.unresolved:
                _, actor = await self.members_and_account(uow, actor)
            referral, ballot, member = await self._open_ballot_for_vote(uow, actor, reference, ballot_id=ballot_id)
            votes = await uow.votes.current(ballot)
            current = self.decisions._mine(votes, member)
            if current is not None and current.kind == "recuse":
                return Receipt(f"You have already recused yourself from {referral.reference}.", changed=False)
            closed = await self._record_vote(
                uow, actor, referral, ballot, member, current, "recused", None, reason, votes=votes
            )
        message = f"You have recused yourself from {referral.reference}; you no longer count towards its vote."
        if closed:
            message += f" Voting has now closed ({self.decisions._state_words(referral)})."
        return Receipt(message, changed=True, closed=closed)

    # Closing ------------------------------------------------------------------------------------------
    async def close_ballot(self, *, actor: Actor, reference: str) -> str:
        """The BM closes voting early; only once quorum is met (docs/ballots.md, rule 5)."""
        self.require_bm(actor, "close a vote")
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            ballot = await uow.ballots.current(referral, lock=True)
            if ballot is None or ballot.closed_at is not None or referral.status != Status.WITH_PANEL:
                raise WrongState(f"Voting on {referral.reference} is not open, so there is nothing to close.")
            self._refuse_advisory(referral, "close")
            t = await self.decisions._tally(uow, ballot)
            if not t.quorum_met:
                raise WrongState(
                    f"{referral.reference} has no quorum yet ({self.decisions._missing_words(t)}), "
                    "so voting cannot be closed. "
                    f"You can escalate it to the {self.preset.role_label(self.preset.tie_break_role)} instead."
                )
            self.decisions._card_update(uow, referral)
            await self.decisions._close(uow, referral, ballot, t, rules.CloseReason.CLOSED_BY_BM, actor)
            await self.finish(uow)
        return f"Voting on {referral.reference} is closed: {self.decisions._state_words(referral)}."

    async def escalate(self, *, actor: Actor, reference: str) -> str:
        """Before quorum the BM cannot close, only pass the referral to the tie-break role."""
        self.require_bm(actor, "escalate a referral")
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            ballot = await uow.ballots.current(referral, lock=True)
            check_transition(referral.reference, Status(referral.status), Status.ESCALATED)
            self._refuse_advisory(referral, "escalate")
            assert ballot is not None
            t = await self.decisions._tally(uow, ballot)
            self.decisions._card_update(uow, referral)
            await self.decisions._close(
                uow, referral, ballot, t, rules.CloseReason.CLOSED_BY_BM, actor, force_escalate=True
            )
            await self.finish(uow)
        return f"{referral.reference} is escalated to the {self.preset.role_label(self.preset.tie_break_role)}."

    async def chair_decide(self, *, actor: Actor, reference: str, outcome: str, reason: str) -> str:
        """The tie-break role decides an escalated referral, with a reason (docs/ballots.md)."""
        chair_label = self.preset.role_label(self.preset.tie_break_role)
        self.check_actor(actor)
        permissions.require_chair(actor.role, self.preset)
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please give the reason for your decision; it is recorded with it.")
        self.decisions._screen(reason, "reason")
        outcome_id = self.decisions._outcome_id(outcome)
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            if referral.status != Status.ESCALATED:
                raise WrongState(
                    f"{referral.reference} is not waiting for the {chair_label}, so there is nothing to decide."
                )
            self.decisions._outcome_id(outcome_id, referral.referral_type)  # one that applies to this referral's type
            self.decisions._card_update(uow, referral)
            await self.decisions._record_decision(uow, referral, outcome_id, how="chair", actor=actor, reason=reason)
            await self.decisions._decision_notice(uow, referral)
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
            due = await uow.ballots.due_for_closing(now)
            closed = []
            for referral, ballot in due:
                if self.decisions._advisory(referral):
                    continue  # advice stays open until the meeting or the business manager decides
                t = await self.decisions._tally(uow, ballot)
                if rules.closing(t, deadline_passed=True) is not None:
                    self.decisions._card_update(uow, referral)
                    await self.decisions._evaluate(uow, referral, ballot, deadline_passed=True)
                    closed.append(referral.reference)
            await self.finish(uow)
        return closed
