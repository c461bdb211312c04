"""Panel members with an email id get the new referral (with a vote link of their own), their vote reminders
and the decision, like chat members; the referring agency is told the decision and what happens next on its
channel (here, by email), with the reason where the outcome requires one; a referrer Panelbot cannot reach is
the business manager's to tell."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from mail_world import OP, SUMMARY, MailWorld, draft, mail_world
from smtp_fake import FakeRelay

MEMBERS = {"Ann": "independent_adviser", "Cat": "chair", "Dan": "deputy_chair"}
POLICE, BM = "safeguarding@police.example", "bea@partnership.example"


def address(name: str) -> str:
    return f"{name.lower()}@members.example"


@pytest.fixture
async def world(make_panel) -> AsyncIterator[MailWorld]:  # type: ignore[no-untyped-def]
    relay = await FakeRelay().start()
    panel = await make_panel("salford")
    made = await mail_world(panel, relay)
    for name, role in MEMBERS.items():
        await panel.add_member(actor=OP, name=name, role=role, ids=[f"email:{address(name)}"])
    await panel.add_member(actor=OP, name="Bea", role="business_manager")
    await panel.set_channel(actor=OP, purpose="bm", platform_id=f"email:{BM}")
    try:
        yield made
    finally:
        await made.platform.stop(1.0)
        await relay.stop()


async def test_members_by_email_get_the_referral_their_reminder_and_the_decision(world: MailWorld, clock) -> None:  # type: ignore[no-untyped-def]
    panel = world.panel
    await panel.set_channel(actor=OP, purpose="agency:police", platform_id=f"email:{POLICE}")
    ref = await panel.file_referral(actor=OP, draft=draft())  # referred by the police
    await world.flush()
    ballots = set()
    for name in MEMBERS:
        [card] = world.relay.to(address(name))
        assert card.subject.startswith(f"[{ref}] New referral: Rapid review, vote by "), card.subject
        action, claim = world.claim(card)
        assert action == "vote" and claim.sent_to(address(name))  # each member's own link
        assert not any(claim.sent_to(address(other)) for other in MEMBERS if other != name)
        ballots.add(claim.target_id)
        assert SUMMARY not in card.part("plain") and "Young Person C" in card.part("plain")
    assert len(ballots) == 1

    # Ann votes; the card's update is not emailed (one email per vote would be noise).
    ann, cat = await panel.actor_named("Ann"), await panel.actor_named("Cat")
    await panel.vote(actor=ann, reference=ref, outcome="neither_threshold", reason="Single-agency learning only")
    await world.flush()
    assert all(len(world.relay.to(address(n))) == 1 for n in MEMBERS)

    # The reminder sweep an hour before the deadline (in working hours): those who have not voted are reminded,
    # each with their own link.
    card = await panel.card(ref)
    clock.set(card.deadline - timedelta(hours=1))
    await panel.run_reminders()
    await world.flush()
    reminded = {n for n in MEMBERS if any("Reminder: your vote" in m.subject for m in world.relay.to(address(n)))}
    assert reminded == {"Cat", "Dan"}, [m.subject for m in world.relay.received]
    [reminder] = [m for m in world.relay.to(address("Cat")) if "Reminder" in m.subject]
    assert world.claim(reminder)[1].target_id in ballots

    # Cat's vote decides it: every member is told, and the police, who referred it, with the reason.
    dan = await panel.actor_named("Dan")
    await panel.recuse(actor=dan, reference=ref, reason="I know the family")
    await panel.vote(actor=cat, reference=ref, outcome="neither_threshold", reason="Single-agency learning only")
    await world.flush()
    for name in MEMBERS:
        [decided] = [m for m in world.relay.to(address(name)) if "Decision" in m.subject]
        assert decided.subject == f"[{ref}] Decision: Decided: Meets neither threshold", decided.subject
    [told] = world.relay.to(POLICE)
    said = told.part("plain")
    assert "The panel's decision on" in said and "Meets neither threshold" in said, said
    assert "The reason: Single-agency learning only" in said, said
    assert SUMMARY not in said


async def test_a_referrer_panelbot_cannot_reach_is_the_business_manager_s_to_tell(world: MailWorld) -> None:
    panel = world.panel
    ref = await panel.file_referral(actor=OP, draft=replace(draft(), referrer="The GP practice"))
    for name in ("Ann", "Cat"):
        await panel.vote(actor=await panel.actor_named(name), reference=ref, outcome="commence_rapid_review")
    await panel.recuse(actor=await panel.actor_named("Dan"), reference=ref, reason="I know the family")
    await world.flush()
    [ask] = [m for m in world.relay.to(BM) if "Please tell the referrer" in m.part("plain")]
    said = ask.part("plain")
    assert "(The GP practice)" in said and "is not one of the partnership's agencies" in said, said
    assert "Commence rapid review" in said, said
