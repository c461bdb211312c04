"""Voting through the service on the in-memory record: quorum, majority, recusal, escalation and the chair's
decision, refusals that change nothing. The same rules and sentences as tests/test_service_voting.py (which
runs them on SQLite and PostgreSQL), in milliseconds. Salford 7.5: quorum of two, majority decides; Dudley:
one vote from each statutory partner."""

from __future__ import annotations

import pytest
from memory_panel import CASE_REVIEW, COMMENCE, CSPR, actions, dudley, file, outbox, rows, salford, vote

from bot.service import Actor
from flows.errors import InvalidInput, NotAllowed, WrongState
from flows.referrals import Status
from flows.views import card_lines
from storage.models import Vote


async def card(panel, ref: str) -> str:
    return "\n".join(card_lines(await panel.card(ref), panel.cal))


async def test_two_votes_meet_quorum_but_keep_the_ballot_open(clock):
    panel = await salford(clock)
    ref = await file(panel)
    first = await vote(panel, "Ann", ref, COMMENCE)
    second = await vote(panel, "Ben", ref, COMMENCE)
    assert first.message == f"Your vote on {ref} is recorded: Commence rapid review."
    assert second.changed and not second.closed
    text = await card(panel, ref)
    assert "Quorum met" in text
    assert "Leading: Commence rapid review 2–0." in text
    assert "Closes early at 3 votes for one outcome." in text


async def test_a_third_vote_the_same_way_decides_and_tells_the_panel_and_the_bm(clock):
    panel = await salford(clock)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    await vote(panel, "Ben", ref, COMMENCE)
    receipt = await vote(panel, "Cat", ref, COMMENCE)
    assert receipt.closed
    assert receipt.message == (f"Your vote on {ref} is recorded: Commence rapid review. "
                               "Voting has now closed (decided: Commence rapid review).")
    text = await card(panel, ref)
    assert "**Decided: Commence rapid review** (Mon 23 Nov 2026, 10:12)" in text
    assert "Decided by the panel, by majority." in text
    assert "Next: Agency summary and chronology requests sent by **Wed 25 Nov 2026, 17:00**" in text
    assert sorted(m.purpose for m in await outbox(panel, "decision")) == ["bm", "panel"]


async def test_a_ballot_open_at_its_deadline_is_decided_then_as_it_stood(clock):
    panel = await salford(clock)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    await vote(panel, "Ben", ref, COMMENCE)
    await vote(panel, "Cat", ref, CASE_REVIEW, reason="Better as a case review")
    clock.advance(hours=47, minutes=59)
    assert await panel.check_deadlines() == []
    clock.advance(minutes=1)
    assert await panel.check_deadlines() == [ref]
    assert "**Decided: Commence rapid review** (Wed 25 Nov 2026, 10:12)" in await card(panel, ref)
    assert await panel.check_deadlines() == []  # once


async def test_a_late_vote_closes_the_ballot_as_it_stood_and_is_refused(clock):
    panel = await salford(clock)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    await vote(panel, "Ben", ref, COMMENCE)
    clock.advance(hours=49)
    with pytest.raises(WrongState) as refused:
        await vote(panel, "Cat", ref, CASE_REVIEW, reason="Too late")
    assert str(refused.value) == (
        f"Voting on {ref} closed at Wed 25 Nov 2026, 10:12 (decided: commence rapid review). "
        "Your vote was not recorded."
    )
    assert (await panel.card(ref)).status == Status.DECIDED


async def test_a_tie_escalates_to_the_tie_break_role_who_alone_decides(clock):
    panel = await salford(clock)
    ref = await file(panel)
    for name, outcome in (("Ann", COMMENCE), ("Ben", CASE_REVIEW), ("Cat", COMMENCE)):
        await vote(panel, name, ref, outcome)
    receipt = await vote(panel, "Dee", ref, CASE_REVIEW)
    assert "Voting has now closed (escalated to the Independent Adviser)" in receipt.message
    assert "**Escalated to the Independent Adviser: the panel is tied**" in await card(panel, ref)
    ann = await panel.actor_named("Ann")
    assert sorted(m.purpose for m in await outbox(panel, "escalation")) == sorted(
        [f"member:{ann.member_id}", "bm", "panel"]
    )
    with pytest.raises(NotAllowed) as refused:
        await panel.chair_decide(actor=await panel.actor_named("Ben"), reference=ref, outcome=COMMENCE,
                                 reason="I prefer a rapid review")
    assert str(refused.value) == "Only the Independent Adviser can decide an escalated referral. Nothing was changed."
    said = await panel.chair_decide(actor=ann, reference=ref, outcome=CASE_REVIEW,
                                    reason="Learning is best drawn through a case review")
    assert said == f"{ref} is decided: Case review instead."
    assert ("Decided by the Independent Adviser (Ann). Reason: Learning is best drawn through a case review"
            in await card(panel, ref))
    with pytest.raises(WrongState):
        await panel.chair_decide(actor=ann, reference=ref, outcome=COMMENCE, reason="Changed my mind")


async def test_a_recusal_shrinks_the_panel_and_bars_the_member_from_voting(clock):
    panel = await salford(clock)
    ref = await file(panel)
    recusal = await panel.recuse(actor=await panel.actor_named("Ben"), reference=ref, reason="Conflict of interest")
    assert recusal.message == f"You have recused yourself from {ref}; you no longer count towards its vote."
    assert "3 of 3 eligible members still to vote." in await card(panel, ref)
    again = await panel.recuse(actor=await panel.actor_named("Ben"), reference=ref)
    assert again.message == f"You have already recused yourself from {ref}." and not again.changed
    await vote(panel, "Ann", ref, COMMENCE)
    assert (await vote(panel, "Cat", ref, COMMENCE)).closed  # 2 of 3 eligible: a majority that cannot change
    assert "Chair (Ben): recused" in await card(panel, ref)


async def test_a_recused_member_s_vote_is_refused(clock):
    panel = await salford(clock)
    ref = await file(panel)
    await panel.recuse(actor=await panel.actor_named("Ben"), reference=ref, reason="Conflict of interest")
    with pytest.raises(WrongState) as refused:
        await vote(panel, "Ben", ref, CASE_REVIEW)
    assert str(refused.value) == f"You recused yourself from {ref}, so your vote was not counted."


async def test_role_quorum_waits_for_each_statutory_partner(clock):
    panel = await dudley(clock)
    ref = await file(panel, referral_type="sar")  # a SAR referral is decided by the vote (a child's, at the meeting)
    await vote(panel, "Lia", ref, "sar")
    assert not (await vote(panel, "Hal", ref, "sar")).closed
    assert "2 of 3 statutory partners have voted. Still needed: Police." in await card(panel, ref)
    assert [(s.reference, s.waiting_for) for s in await panel.status()] == [(ref, "votes from Police")]


async def test_when_the_only_police_member_recuses_quorum_is_impossible_and_it_escalates_at_once(clock):
    panel = await dudley(clock)
    ref = await file(panel, referral_type="sar")
    receipt = await panel.recuse(actor=await panel.actor_named("Pol"), reference=ref, reason="Officer involved")
    assert receipt.closed
    view = await panel.card(ref)
    assert view.status == Status.ESCALATED
    assert (view.result_text or "").startswith("Escalated to the Independent Chair: no quorum")


async def test_a_member_without_a_voting_role_is_refused(clock):
    panel = await dudley(clock)
    ref = await file(panel)
    with pytest.raises(NotAllowed) as refused:
        await vote(panel, "Bob", ref, CSPR)
    assert str(refused.value) == (
        "As Business Manager you are not a voting member of this panel, so your vote was not counted."
    )


async def test_a_changed_vote_replaces_the_current_one_and_keeps_the_old_as_history(clock):
    panel = await salford(clock)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    receipt = await vote(panel, "Ann", ref, CASE_REVIEW, reason="Read the chronology again")
    assert receipt.message == f"Your vote on {ref} is changed to Case review instead."
    assert [(v.outcome, v.is_current) for v in await rows(panel, Vote)] == [(COMMENCE, False), (CASE_REVIEW, True)]
    same = await vote(panel, "Ann", ref, CASE_REVIEW, reason="Read the chronology again")
    assert same.message == f"Your vote on {ref} is already Case review instead; nothing has changed."


async def test_a_vote_delivered_twice_is_recorded_once(clock):
    panel = await salford(clock)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE, delivery_key="evt-1")
    repeat = await vote(panel, "Ann", ref, CASE_REVIEW, delivery_key="evt-1")
    assert repeat.message == "That vote was already recorded; nothing has changed." and not repeat.changed
    assert len(await rows(panel, Vote)) == 1


async def test_a_refused_vote_changes_nothing(clock):
    panel = await salford(clock)
    ref = await file(panel)
    before = await actions(panel)
    with pytest.raises(InvalidInput):
        await vote(panel, "Ann", ref, "no such outcome")
    with pytest.raises(InvalidInput):
        await vote(panel, "Ann", ref, COMMENCE, reason="born 12/03/2015")
    # Refused only once the vote row is written (the audit entry checks who is named): all of it is undone.
    ann = await panel.actor_named("Ann")
    forged = Actor(ann.member_id, "Ann", "chair")  # claims a role her member row does not hold
    with pytest.raises(NotAllowed) as refused:
        await panel.vote(actor=forged, reference=ref, outcome=COMMENCE)
    assert str(refused.value) == (
        "You are not on this partnership's panel, so Panelbot cannot do that for you. Nothing was changed."
    )
    assert await rows(panel, Vote) == []
    assert await actions(panel) == before
    assert "4 of 4 eligible members still to vote." in await card(panel, ref)


async def test_an_account_is_looked_up_in_the_vote_and_can_do_nothing_else_unresolved(clock):
    """One actor type reaches the service: an account not looked up yet (`Actor.of_account`, the Slack vote
    path) votes as the member behind it, is a guest when there is none, and is refused everything else."""
    panel = await salford(clock)
    await panel.add_member(actor=Actor.operator(), name="Zed", role="chair", ids=["slack:U0ZED"])
    ref = await file(panel)
    receipt = await panel.vote(actor=Actor.of_account("slack", "U0ZED"), reference=ref, outcome=COMMENCE)
    assert receipt.message == f"Your vote on {ref} is recorded: Commence rapid review."
    voted = [(v.member, v.outcome) for v in (await panel.card(ref)).votes if v.outcome]
    assert voted == [("Zed", "Commence rapid review")]
    before = await rows(panel, Vote)
    with pytest.raises(NotAllowed):
        await panel.vote(actor=Actor.of_account("slack", "U0NOBODY"), reference=ref, outcome=COMMENCE)
    with pytest.raises(NotAllowed):
        await panel.hold(actor=Actor.of_account("slack", "U0ZED"), reference=ref)
    assert await rows(panel, Vote) == before
