"""Who may act, and on what (`flows.permissions`): pure rules, given the facts, with the sentence each refusal
says. No database: the service looks the facts up and asks these."""

from __future__ import annotations

import pytest

from flows import permissions as p
from flows.ballots import Voter
from flows.errors import NotAllowed, WrongState
from flows.permissions import MemberFacts
from flows.preset import load_preset

SALFORD = load_preset("salford")  # voting: independent adviser, chair, deputy chair, business manager
DUDLEY = load_preset("dudley")

ANN = MemberFacts(1, "independent_adviser", partnership_id=7)
BEN = MemberFacts(2, "chair", partnership_id=7)


def refusal(fn, *args, **kwargs) -> str:
    with pytest.raises(NotAllowed) as caught:
        fn(*args, **kwargs)
    return str(caught.value)


def test_a_guest_may_give_only_the_commands_that_need_no_role():
    assert p.may_run("guest", "returned", {"help", "returned"})
    assert p.may_run("guest", "help", {"help", "returned"})
    assert not p.may_run("guest", "vote", {"help", "returned"})
    assert p.may_run("chair", "vote", {"help", "returned"})  # a member may try any; each command checks its own


def test_only_the_business_manager_runs_the_panel():
    p.require_bm("business_manager", "file a referral")
    assert refusal(p.require_bm, "chair", "file a referral") == (
        "Only the business manager can file a referral. Nothing was changed."
    )
    assert refusal(p.require_bm, "guest", "set channels") == (
        "Only the business manager can set channels. Nothing was changed."
    )


def test_reports_are_for_the_panel_not_for_strangers():
    p.require_panel("police", "see reports")
    p.require_panel("business_manager", "see reports")
    assert refusal(p.require_panel, "guest", "see reports") == (
        "Only panel members and the business manager can see reports."
    )


def test_an_escalated_referral_is_decided_by_the_tie_break_role_alone():
    p.require_chair("independent_adviser", SALFORD)
    assert refusal(p.require_chair, "chair", SALFORD) == (
        "Only the Independent Adviser can decide an escalated referral. Nothing was changed."
    )
    assert refusal(p.require_chair, "business_manager", SALFORD).startswith("Only the Independent Adviser")


def test_an_actor_of_another_partnership_is_refused():
    p.check_partnership(7, 7)
    p.check_partnership(None, 7)  # made by hand: `check_member` checks the row instead
    assert refusal(p.check_partnership, 8, 7) == (
        "You are not on this partnership's panel, so Panelbot cannot do that for you. Nothing was changed."
    )


@pytest.mark.parametrize(
    ("member", "claimed"),
    [
        (None, "chair"),  # a forged id: no such row
        (MemberFacts(2, "chair", partnership_id=8), "chair"),  # another partnership's member
        (MemberFacts(2, "chair", partnership_id=7, removed=True), "chair"),  # removed since looked up
        (BEN, "business_manager"),  # claims a role they do not hold
    ],
    ids=["no-row", "other-partnership", "removed", "wrong-role"],
)
def test_a_member_row_must_be_a_current_member_of_this_partnership_in_the_role_claimed(member, claimed):
    assert refusal(p.check_member, member, claimed_role=claimed, partnership=7).startswith(
        "You are not on this partnership's panel"
    )


def test_a_current_member_in_their_role_passes():
    p.check_member(BEN, claimed_role="chair", partnership=7)


def test_a_vote_counts_only_from_a_current_member_with_a_voting_role():
    p.check_voter(ANN, SALFORD)
    assert refusal(p.check_voter, None, SALFORD) == (
        "You are not on this partnership's panel, so your vote was not counted. Ask the business manager to add you."
    )
    gone = MemberFacts(1, "independent_adviser", partnership_id=7, removed=True)
    assert refusal(p.check_voter, gone, SALFORD).startswith("You are not on this partnership's panel")
    # Dudley's business manager runs the panel but does not vote on it.
    bob = MemberFacts(4, "business_manager", partnership_id=7)
    assert refusal(p.check_voter, bob, DUDLEY) == (
        "As Business Manager you are not a voting member of this panel, so your vote was not counted."
    )


def test_a_member_who_recused_cannot_then_vote():
    p.check_not_recused(None, "SAL-2026-001")
    p.check_not_recused("vote", "SAL-2026-001")
    with pytest.raises(WrongState) as caught:
        p.check_not_recused("recuse", "SAL-2026-001")
    assert str(caught.value) == "You recused yourself from SAL-2026-001, so your vote was not counted."


def test_eligible_voters_are_the_voting_roles_less_those_who_recused():
    members = [ANN, BEN, MemberFacts(3, "deputy_chair", 7), MemberFacts(9, "business_manager", 7)]
    assert p.eligible_voters(members, SALFORD, recused={2}) == [
        Voter(1, "independent_adviser"),
        Voter(3, "deputy_chair"),
        Voter(9, "business_manager"),
    ]
    bob = MemberFacts(4, "business_manager", 7)
    pol = MemberFacts(5, "police", 7)
    assert p.eligible_voters([bob, pol], DUDLEY, recused=()) == [Voter(5, "police")]
