"""How a panel vote is decided (docs/ballots.md), as pure functions over plain values.

The storage layer loads the eligible members and their current votes, calls `tally` and `closing`, and
records what they say. Keeping the rule here, once, means every platform shows the same tally and every
result can be explained on the card.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from flows.preset import Quorum


@dataclass(frozen=True)
class Voter:
    """A panel member with a voting role who has not recused on this referral."""

    member_id: int
    role: str


@dataclass(frozen=True)
class Vote:
    """A member's current vote: one outcome (the reason is kept by storage, it does not decide anything)."""

    member_id: int
    role: str
    outcome: str


@dataclass(frozen=True)
class Tally:
    counts: dict[str, int]  # outcome -> votes, only outcomes with votes
    votes_cast: int
    eligible: int
    remaining: tuple[Voter, ...]  # eligible members who have not voted
    quorum_met: bool
    missing_roles: tuple[str, ...]  # role quorum: roles with no vote yet
    missing_votes: int  # count quorum: votes still needed
    impossible_roles: tuple[str, ...]  # role quorum: roles with no eligible member left
    leader: str | None  # the single leading outcome, None on a tie for the lead or no votes
    leader_votes: int
    leaders: tuple[str, ...] = ()  # every outcome sharing the most votes

    @property
    def majority(self) -> str | None:
        """An outcome with more than half of the votes cast."""
        if self.leader is not None and self.leader_votes * 2 > self.votes_cast:
            return self.leader
        return None

    @property
    def settled(self) -> bool:
        """Quorum is met and the leader keeps a majority whatever the remaining members vote."""
        if not self.quorum_met or self.leader is None:
            return False
        return self.leader_votes * 2 > self.votes_cast + len(self.remaining)

    @property
    def quorum_possible(self) -> bool:
        return not self.impossible_roles and len(self.remaining) >= self.missing_votes


def tally(quorum: Quorum, eligible: list[Voter], votes: list[Vote]) -> Tally:
    """Count the current votes of eligible members. Votes from members who are not eligible (recused or
    not on the panel) are ignored here; the service refuses them before they are stored."""
    eligible_ids = {v.member_id for v in eligible}
    counted = [v for v in votes if v.member_id in eligible_ids]
    voted_ids = {v.member_id for v in counted}
    counts = Counter(v.outcome for v in counted)
    remaining = tuple(v for v in eligible if v.member_id not in voted_ids)
    ranked = counts.most_common()
    leader, leader_votes, leaders = None, 0, []
    if ranked:
        top = ranked[0][1]
        leaders = [o for o, n in ranked if n == top]
        leader_votes = top
        leader = leaders[0] if len(leaders) == 1 else None

    if quorum.roles:
        voted_roles = {v.role for v in counted}
        eligible_roles = {v.role for v in eligible}
        missing_roles = tuple(r for r in quorum.roles if r not in voted_roles)
        impossible = tuple(r for r in missing_roles if r not in eligible_roles)
        quorum_met = not missing_roles
        missing_votes = 0
    else:
        need = quorum.count or 0
        missing_votes = max(0, need - len(counted))
        quorum_met = missing_votes == 0
        missing_roles = ()
        impossible = ()
    return Tally(
        counts=dict(counts),
        votes_cast=len(counted),
        eligible=len(eligible),
        remaining=remaining,
        quorum_met=quorum_met,
        missing_roles=missing_roles,
        missing_votes=missing_votes,
        impossible_roles=impossible,
        leader=leader,
        leader_votes=leader_votes,
        leaders=tuple(leaders),
    )


class CloseReason(StrEnum):
    ALL_VOTED = "all_voted"
    SETTLED = "settled"
    QUORUM_IMPOSSIBLE = "quorum_impossible"
    DEADLINE = "deadline"
    CLOSED_BY_BM = "closed_by_bm"


class ResultKind(StrEnum):
    DECIDED = "decided"
    TIE = "tie"  # quorum met, two outcomes share the lead
    NO_MAJORITY = "no_majority"  # quorum met, a leader without more than half
    NO_QUORUM = "no_quorum"


@dataclass(frozen=True)
class Result:
    kind: ResultKind
    outcome: str | None = None
    missing_roles: tuple[str, ...] = ()
    missing_votes: int = 0

    @property
    def escalated(self) -> bool:
        return self.kind is not ResultKind.DECIDED


def closing(t: Tally, *, deadline_passed: bool) -> CloseReason | None:
    """Why the ballot closes now, or None while it stays open (docs/ballots.md, "When voting closes")."""
    if t.eligible and not t.remaining:
        return CloseReason.ALL_VOTED
    if t.settled:
        return CloseReason.SETTLED
    if not t.quorum_possible:
        return CloseReason.QUORUM_IMPOSSIBLE
    if deadline_passed:
        return CloseReason.DEADLINE
    return None


def result(t: Tally) -> Result:
    """What a closed ballot means (docs/ballots.md, "What the result is")."""
    if not t.quorum_met:
        # Name the roles nobody eligible can fill first (rule 3: so the BM can add a substitute).
        missing = t.impossible_roles or t.missing_roles
        return Result(ResultKind.NO_QUORUM, missing_roles=missing, missing_votes=t.missing_votes)
    if t.majority is not None:
        return Result(ResultKind.DECIDED, outcome=t.majority)
    if len(t.leaders) == 2:  # two outcomes level at the top: A, B, A, B
        return Result(ResultKind.TIE)
    return Result(ResultKind.NO_MAJORITY)  # a spread such as 1-1-1, or a leader short of half
