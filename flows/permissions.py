"""Who may act, and on what: the rules, decided once, from facts the caller passes in (no database).

The service looks up the facts (the member row behind an actor, their current vote on a ballot) and asks
these functions, which either return or raise the one sentence the person is told (`NotAllowed`, or
`WrongState` for a vote on a referral they recused from). Who may mark an agency's information return made
is the same kind of rule, with more facts: `flows.returns.who_marks_return`.

Roles: the business manager (`business_manager`) runs the panel; a preset's voting roles vote; its
tie-break role decides an escalated referral; a `guest` is someone with no member row (an agency contact
pressing Mark as returned), and `system` is the bot itself (closing a ballot at its deadline).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flows.ballots import Voter
from flows.errors import NotAllowed, WrongState
from flows.preset import Preset

BM_ROLE = "business_manager"
GUEST_ROLE = "guest"
SYSTEM_ROLE = "system"

NOT_ON_PANEL = "You are not on this partnership's panel, so Panelbot cannot do that for you. Nothing was changed."


@dataclass(frozen=True)
class MemberFacts:
    """What the rules need to know about a member row: whose it is, their role, and whether they were removed."""

    member_id: int
    role: str
    partnership_id: int
    removed: bool = False


def may_run(role: str, command: str, guest_commands: Iterable[str]) -> bool:
    """Whether someone of `role` may give the shared command `command` at all: a guest (not on the panel) only
    the few that need no role; anyone on the panel any, each command then checking its own rights."""
    return role != GUEST_ROLE or command in set(guest_commands)


def check_partnership(actor_partnership: int | None, partnership: int) -> None:
    """An actor looked up in another partnership's panel (an adapter wired to the wrong panel) is refused.
    An actor made by hand (`actor_partnership` None) is checked by `check_member` instead."""
    if actor_partnership is not None and actor_partnership != partnership:
        raise NotAllowed(NOT_ON_PANEL)


def check_member(member: MemberFacts | None, *, claimed_role: str, partnership: int) -> None:
    """The member row an actor claims must be a current member of *this* partnership with the role claimed:
    not a member of another partnership sharing the database, not someone removed since they were looked up,
    not a forged id. `member` None means no such row."""
    if member is None or member.partnership_id != partnership or member.removed or member.role != claimed_role:
        raise NotAllowed(NOT_ON_PANEL)


def require_bm(role: str, doing: str) -> None:
    """Only the business manager (or the operator at the command line, who acts as one) can `doing`."""
    if role != BM_ROLE:
        raise NotAllowed(f"Only the business manager can {doing}. Nothing was changed.")


def require_panel(role: str, doing: str) -> None:
    """Panel members and the business manager can `doing`; someone not on the panel cannot."""
    if role == GUEST_ROLE:
        raise NotAllowed(f"Only panel members and the business manager can {doing}.")


def require_chair(role: str, preset: Preset) -> None:
    """An escalated referral is decided by the preset's tie-break role alone."""
    if role != preset.tie_break_role:
        chair_label = preset.role_label(preset.tie_break_role)
        raise NotAllowed(f"Only the {chair_label} can decide an escalated referral. Nothing was changed.")


def check_voter(member: MemberFacts | None, preset: Preset) -> None:
    """A vote (or a recusal) counts only from a current member with one of the preset's voting roles."""
    if member is None or member.removed:
        raise NotAllowed(
            "You are not on this partnership's panel, so your vote was not counted. "
            "Ask the business manager to add you."
        )
    if member.role not in preset.voting_roles:
        raise NotAllowed(
            f"As {preset.role_label(member.role)} you are not a voting member of this panel, "
            "so your vote was not counted."
        )


def check_not_recused(current_kind: str | None, reference: str) -> None:
    """A member who recused from a referral cannot then vote on it (`current_kind`: their current row's kind,
    `vote` or `recuse`, None when they have none)."""
    if current_kind == "recuse":
        raise WrongState(f"You recused yourself from {reference}, so your vote was not counted.")


def eligible_voters(members: Iterable[MemberFacts], preset: Preset, recused: Iterable[int]) -> list[Voter]:
    """Who counts towards a ballot: the current members with a voting role, less those who recused from it."""
    out = set(recused)
    voting = set(preset.voting_roles)
    return [Voter(m.member_id, m.role) for m in members if m.role in voting and m.member_id not in out]
