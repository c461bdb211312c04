"""Voting through the Panel on the real database (SQLite, and PostgreSQL when configured).

The rules come from domain/BALLOTS.md (how a vote is decided, with its worked examples), Salford 7.5 (the
virtual panel: quorum of two, majority decides, the Independent Adviser informs a disagreement, the BM may
decide an obvious rapid review at once) and Dudley's rapid review meeting (one representative of each
statutory partner). Assertions are on what people see: receipts, refusals, the card and the outbox.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.service import Actor
from flows.errors import InvalidInput, NotAllowed, WrongState
from flows.referrals import ReferralDraft, Status
from flows.views import card_lines
from storage.models import AuditEntry, Ballot, OutboxMessage, Referral, Vote

OP = Actor.operator()

SALFORD = [("Ann", "independent_adviser"), ("Ben", "chair"), ("Cat", "deputy_chair"), ("Dee", "business_manager")]
DUDLEY = [("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health"), ("Bob", "business_manager"),
          ("Ivy", "independent_chair")]

COMMENCE, CASE_REVIEW, NEITHER = "commence_rapid_review", "case_review", "neither_threshold"
CSPR, ALTERNATIVE, SAR, NO_REVIEW = "cspr", "alternative_review", "sar", "no_review"


# Helpers ---------------------------------------------------------------------------------------------------

async def panel_with(make_panel, preset: str, members):
    panel = await make_panel(preset)
    for name, role in members:
        await panel.add_member(actor=OP, name=name, role=role)
    return panel


async def salford(make_panel):
    return await panel_with(make_panel, "salford", SALFORD)


async def dudley(make_panel):
    return await panel_with(make_panel, "dudley", DUDLEY)


async def file(panel, letter: str = "C", referral_type: str | None = None) -> str:
    rtype = referral_type or panel.preset.referral_types[0].id
    draft = ReferralDraft(referral_type=rtype, referrer="Children's Social Care", category="young person",
                          letter=letter, summary="Unexplained bruising seen at school; family known to services.")
    return await panel.file_referral(actor=OP, draft=draft)


async def vote(panel, name: str, ref: str, outcome: str, reason: str = "", **kw):
    return await panel.vote(actor=await panel.actor_named(name), reference=ref, outcome=outcome, reason=reason, **kw)


async def card(panel, ref: str) -> list[str]:
    return card_lines(await panel.card(ref), panel.cal)


def text_of(lines: list[str]) -> str:
    return "\n".join(lines)


async def count(panel, model, *where) -> int:
    async with panel.uow() as uow:
        return (await uow.session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def outbox(panel, ref: str, kind: str | None = None) -> list[OutboxMessage]:
    async with panel.uow() as uow:
        rid = (await uow.session.execute(select(Referral.id).where(Referral.reference == ref))).scalar_one()
        stmt = select(OutboxMessage).where(OutboxMessage.referral_id == rid).order_by(OutboxMessage.id)
        if kind is not None:
            stmt = stmt.where(OutboxMessage.kind == kind)
        return list((await uow.session.execute(stmt)).scalars())


async def votes_of(panel, name: str) -> list[Vote]:
    actor = await panel.actor_named(name)
    async with panel.uow() as uow:
        return list((await uow.session.execute(
            select(Vote).where(Vote.member_id == actor.member_id).order_by(Vote.id))).scalars())


async def all_votes(panel) -> int:
    return await count(panel, Vote)


# Salford: count quorum of two, majority decides ---------------------------------------------------------

async def test_salford_two_votes_keep_the_ballot_open(make_panel):
    """Salford 7.5 / BALLOTS.md 'A, A': quorum met, but the other two could make it 2-2, so it stays open."""
    panel = await salford(make_panel)
    ref = await file(panel)
    r1 = await vote(panel, "Ann", ref, COMMENCE)
    r2 = await vote(panel, "Ben", ref, COMMENCE)
    assert r1.message == f"Your vote on {ref} is recorded: Commence rapid review."
    assert r2.changed and not r2.closed
    view = await panel.card(ref)
    assert view.open and view.status == Status.WITH_PANEL
    lines = await card(panel, ref)
    assert "Panel decision due **Wed 25 Nov 2026, 10:12** (48 hours)" in lines
    assert "Quorum met" in text_of(lines)
    assert "Leading: Commence rapid review 2–0." in text_of(lines)
    assert "Closes early at 3 votes for one outcome." in text_of(lines)
    assert not any(line.startswith("**Decided") for line in lines)


async def test_salford_three_same_votes_decide(make_panel):
    """Salford 7.5 / BALLOTS.md 'A, A, A': 3 > (3 + 1) / 2, the result cannot change: decided at once, the
    card says so with the decision's next step (7.7: agency requests within 2 WD), and the panel and BM are
    told."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    await vote(panel, "Ben", ref, COMMENCE)
    receipt = await vote(panel, "Cat", ref, COMMENCE)
    assert receipt.closed
    assert receipt.message == (f"Your vote on {ref} is recorded: Commence rapid review. "
                               "Voting has now closed (decided: Commence rapid review).")
    view = await panel.card(ref)
    assert view.status == Status.DECIDED and not view.open
    lines = await card(panel, ref)
    assert "**Decided: Commence rapid review** (Mon 23 Nov 2026, 10:12)" in lines
    assert "Decided by the panel, by majority." in lines
    assert "Next: Agency summary and chronology requests sent by **Wed 25 Nov 2026, 17:00**" in lines
    assert not any("Panel decision due" in line for line in lines)
    assert sorted(m.purpose for m in await outbox(panel, ref, "decision")) == ["bm", "panel"]


async def test_salford_case_review_decision_shows_its_own_next_step(make_panel):
    """Salford 7.5: "does not meet RR threshold, case review instead (45 WD)". When the panel decides that,
    the decided card's next steps include the case review's own deadline: 45 working days from Mon 23 Nov
    2026 (English bank holidays 25 Dec, 28 Dec, 1 Jan skipped) is Thu 28 Jan 2027, 17:00."""
    panel = await salford(make_panel)
    ref = await file(panel)
    for name in ("Ann", "Ben", "Cat"):
        await vote(panel, name, ref, CASE_REVIEW)
    lines = await card(panel, ref)
    assert "**Decided: Case review instead** (Mon 23 Nov 2026, 10:12)" in lines
    assert "Next: Case review progressed by **Thu 28 Jan 2027, 17:00**" in lines


async def test_salford_a_a_b_decided_at_the_deadline(make_panel, clock):
    """Salford 7.5 (panel decides within 48 hours) / BALLOTS.md 'A, A, B at the deadline': open until the
    deadline, then decided A (quorum met, 2 of 3 is a majority)."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    await vote(panel, "Ben", ref, COMMENCE)
    await vote(panel, "Cat", ref, CASE_REVIEW, reason="Better as a case review")
    assert (await panel.card(ref)).open
    clock.advance(hours=47, minutes=59)
    assert await panel.check_deadlines() == []
    assert (await panel.card(ref)).open
    clock.advance(minutes=1)  # Wed 25 Nov 2026, 10:12: 48 hours
    assert await panel.check_deadlines() == [ref]
    view = await panel.card(ref)
    assert view.status == Status.DECIDED
    lines = await card(panel, ref)
    assert "**Decided: Commence rapid review** (Wed 25 Nov 2026, 10:12)" in lines
    # Running the scheduler again changes nothing.
    assert await panel.check_deadlines() == []


async def test_salford_tie_escalates_to_the_independent_adviser_who_decides(make_panel):
    """Salford 7.5 (where the panel disagrees, the Independent Adviser's view informs the decision) /
    BALLOTS.md 'A, B, A, B': all voted 2-2 -> escalated as a tie to the tie-break member and the BM; only the
    Independent Adviser can decide, with a reason."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    await vote(panel, "Ben", ref, CASE_REVIEW)
    await vote(panel, "Cat", ref, COMMENCE)
    receipt = await vote(panel, "Dee", ref, CASE_REVIEW)
    assert receipt.closed
    assert "Voting has now closed (escalated to the Independent Adviser)" in receipt.message
    view = await panel.card(ref)
    assert view.status == Status.ESCALATED
    assert "**Escalated to the Independent Adviser: the panel is tied**" in await card(panel, ref)
    statuses = await panel.status()
    assert [(s.reference, s.waiting_for) for s in statuses] == [(ref, "the Independent Adviser's decision")]

    ann = await panel.actor_named("Ann")
    escalations = await outbox(panel, ref, "escalation")
    assert sorted(m.purpose for m in escalations) == sorted([f"member:{ann.member_id}", "bm", "panel"])
    for m in escalations:
        assert m.body["text"].startswith(f"{ref} · Young Person C: the panel is **tied**")
        assert m.body["headline"] == "Escalated to the Independent Adviser: the panel is tied"
    to_adviser = next(m for m in escalations if m.purpose.startswith("member:"))
    assert "As Independent Adviser you decide" in to_adviser.body["text"]

    # The Chair is not the tie-breaker here.
    with pytest.raises(NotAllowed) as refused:
        await panel.chair_decide(actor=await panel.actor_named("Ben"), reference=ref, outcome=COMMENCE,
                                 reason="I prefer a rapid review")
    assert str(refused.value) == "Only the Independent Adviser can decide an escalated referral. Nothing was changed."
    assert (await panel.card(ref)).status == Status.ESCALATED

    with pytest.raises(InvalidInput):
        await panel.chair_decide(actor=ann, reference=ref, outcome=CASE_REVIEW, reason="  ")

    said = await panel.chair_decide(actor=ann, reference=ref, outcome=CASE_REVIEW,
                                    reason="Learning is best drawn through a case review")
    assert said == f"{ref} is decided: Case review instead."
    lines = await card(panel, ref)
    assert "**Decided: Case review instead** (Mon 23 Nov 2026, 10:12)" in lines
    assert ("Decided by the Independent Adviser (Ann). Reason: Learning is best drawn through a case review"
            in lines)
    assert sorted(m.purpose for m in await outbox(panel, ref, "decision")) == ["bm", "panel"]
    # Decided once: the chair cannot decide it again.
    with pytest.raises(WrongState):
        await panel.chair_decide(actor=ann, reference=ref, outcome=COMMENCE, reason="Changed my mind")


async def test_salford_chair_recused_two_votes_decide(make_panel):
    """Salford 7.5 / BALLOTS.md 'A, A after the chair recused (3 eligible)': 2 > (2 + 1) / 2, decided A."""
    panel = await salford(make_panel)
    ref = await file(panel)
    recusal = await panel.recuse(actor=await panel.actor_named("Ben"), reference=ref, reason="Conflict of interest")
    assert recusal.message == f"You have recused yourself from {ref}; you no longer count towards its vote."
    assert "3 of 3 eligible members still to vote." in text_of(await card(panel, ref))
    await vote(panel, "Ann", ref, COMMENCE)
    receipt = await vote(panel, "Cat", ref, COMMENCE)
    assert receipt.closed
    lines = await card(panel, ref)
    assert "**Decided: Commence rapid review** (Mon 23 Nov 2026, 10:12)" in lines
    assert "Chair (Ben): recused" in text_of(lines)
    # A recused member's vote is refused.
    with pytest.raises(WrongState):
        await vote(panel, "Ben", ref, CASE_REVIEW)


# Dudley: one vote from each statutory partner ----------------------------------------------------------

async def test_dudley_role_quorum_waits_for_police_then_decides(make_panel):
    """Dudley rapid review meeting quorum / BALLOTS.md 'LA: A, health: A' -> open, "Still needed: Police";
    then 'police: B' -> all voted, decided A (2 of 3)."""
    panel = await dudley(make_panel)
    ref = await file(panel, referral_type="sar")  # a child's referral is decided at the meeting
    await vote(panel, "Lia", ref, "sar")
    receipt = await vote(panel, "Hal", ref, "sar")
    assert not receipt.closed
    lines = await card(panel, ref)
    assert "2 of 3 statutory partners have voted. Still needed: Police." in text_of(lines)
    assert [(s.reference, s.waiting_for) for s in await panel.status()] == [(ref, "votes from Police")]
    receipt = await vote(panel, "Pol", ref, NO_REVIEW, reason="No learning")
    assert receipt.closed
    lines = await card(panel, ref)
    decided = "**Decided: Recommend a safeguarding adults review to the Independent Chair** (Mon 23 Nov 2026, 10:12)"
    assert decided in lines
    assert (await panel.card(ref)).status == Status.DECIDED


async def test_dudley_deadline_without_police_escalates_naming_police(make_panel, clock):
    """Dudley rapid review meeting quorum / BALLOTS.md 'LA: A, health: A, deadline passes': escalated, no
    quorum, police missing."""
    panel = await dudley(make_panel)
    ref = await file(panel, referral_type="sar")  # a child's referral is decided at the meeting
    await vote(panel, "Lia", ref, "sar")
    await vote(panel, "Hal", ref, "sar")
    deadline = (await panel.card(ref)).deadline
    assert deadline is not None
    clock.set(deadline - timedelta(minutes=1))
    assert await panel.check_deadlines() == []
    clock.set(deadline + timedelta(minutes=1))
    assert await panel.check_deadlines() == [ref]
    view = await panel.card(ref)
    assert view.status == Status.ESCALATED
    assert "**Escalated to the Independent Chair: no quorum (missing: Police)**" in card_lines(view, panel.cal)
    escalations = await outbox(panel, ref, "escalation")
    ivy = await panel.actor_named("Ivy")
    assert sorted(m.purpose for m in escalations) == sorted([f"member:{ivy.member_id}", "bm", "panel"])
    assert all("**no quorum** (still needed: Police)" in m.body["text"] for m in escalations)


async def test_dudley_police_recusal_escalates_at_once(make_panel):
    """BALLOTS.md 'police recuses' (rule 3): no eligible police member, so quorum is impossible: escalated at
    once as no quorum, naming Police, so the BM can add a substitute."""
    panel = await dudley(make_panel)
    ref = await file(panel, referral_type="sar")  # a child's referral is decided at the meeting
    receipt = await panel.recuse(actor=await panel.actor_named("Pol"), reference=ref, reason="Officer involved")
    assert receipt.closed
    assert "Voting has now closed (escalated to the Independent Chair)" in receipt.message
    view = await panel.card(ref)
    assert view.status == Status.ESCALATED
    result = view.result_text or ""
    assert result.startswith("Escalated to the Independent Chair: no quorum")
    assert "Police" in result
    escalations = await outbox(panel, ref, "escalation")
    assert escalations and all("Police" in m.body["text"] for m in escalations)
    with pytest.raises(WrongState):
        await vote(panel, "Lia", ref, "sar")


async def test_dudley_three_different_votes_escalate_no_majority(make_panel):
    """Dudley / BALLOTS.md 'LA: A, health: B, police: C': all voted, 1-1-1 -> escalated: no majority."""
    panel = await dudley(make_panel)
    ref = await file(panel, referral_type="sar")  # a child's referral is decided at the meeting
    await vote(panel, "Lia", ref, "sar")
    await vote(panel, "Hal", ref, NO_REVIEW, reason="No learning")
    receipt = await vote(panel, "Pol", ref, "incomplete_referral", reason="No chronology")
    assert receipt.closed
    view = await panel.card(ref)
    assert view.status == Status.ESCALATED
    assert view.result_text == "Escalated to the Independent Chair: no outcome has a majority"


# Changing, refusing and repeating votes -----------------------------------------------------------------

async def test_changed_vote_replaces_the_current_one_and_keeps_history(make_panel):
    """BALLOTS.md, Terms: a changed vote replaces the current one; the old one stays in the history."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    receipt = await vote(panel, "Ann", ref, CASE_REVIEW, reason="Read the chronology again")
    assert receipt.changed
    assert receipt.message == f"Your vote on {ref} is changed to Case review instead."
    rows = await votes_of(panel, "Ann")
    assert [(r.outcome, r.is_current) for r in rows] == [(COMMENCE, False), (CASE_REVIEW, True)]
    lines = await card(panel, ref)
    assert "Independent Adviser (Ann): Case review instead" in text_of(lines)
    [votes_line] = [line for line in lines if line.startswith("Votes: ")]
    assert "Commence rapid review" not in votes_line
    assert "Leading: Case review instead 1–0." in text_of(lines)
    # Voting the same again changes nothing.
    again = await vote(panel, "Ann", ref, CASE_REVIEW, reason="Read the chronology again")
    assert not again.changed
    assert len(await votes_of(panel, "Ann")) == 2


async def test_vote_after_close_is_refused_and_changes_nothing(make_panel, clock):
    """BALLOTS.md: votes after close change nothing, and the person is told why (MESSAGES.md refusal
    'Voting on SAL-... closed at ...')."""
    panel = await salford(make_panel)
    ref = await file(panel)
    for name in ("Ann", "Ben", "Cat"):
        await vote(panel, name, ref, COMMENCE)
    before_votes, before_lines = await all_votes(panel), await card(panel, ref)
    clock.advance(hours=3)
    with pytest.raises(WrongState) as refused:
        await vote(panel, "Dee", ref, CASE_REVIEW)
    assert str(refused.value) == (f"Voting on {ref} closed at Mon 23 Nov 2026, 10:12 "
                                  "(decided: commence rapid review). Your vote was not recorded.")
    with pytest.raises(WrongState):  # a member who already voted cannot change it either
        await vote(panel, "Ann", ref, CASE_REVIEW)
    assert await all_votes(panel) == before_votes
    assert await card(panel, ref) == before_lines


async def test_non_member_vote_is_refused(make_panel):
    """BALLOTS.md: a vote from someone not eligible changes nothing; MESSAGES.md: "You are not on this
    partnership's panel, so your vote was not counted."."""
    panel = await salford(make_panel)
    ref = await file(panel)
    stranger = Actor(member_id=None, name="Stranger", role="chair")
    with pytest.raises(NotAllowed) as refused:
        await panel.vote(actor=stranger, reference=ref, outcome=COMMENCE)
    assert str(refused.value) == ("You are not on this partnership's panel, so your vote was not counted. "
                                  "Ask the business manager to add you.")
    assert await all_votes(panel) == 0


async def test_member_without_a_voting_role_is_refused(make_panel):
    """Salford 7.5: the virtual panel is the Independent Adviser, Chair, Deputy Chair and BM; a police
    member (a statutory partner, not on the virtual panel) cannot vote."""
    panel = await salford(make_panel)
    await panel.add_member(actor=OP, name="Pat", role="police")
    ref = await file(panel)
    with pytest.raises(NotAllowed) as refused:
        await vote(panel, "Pat", ref, COMMENCE)
    assert "As Police you are not a voting member of this panel, so your vote was not counted." == str(refused.value)
    assert await all_votes(panel) == 0
    assert "Police (Pat)" not in text_of(await card(panel, ref))


async def test_removed_member_vote_is_refused(make_panel):
    """BALLOTS.md: only panel members vote; a member removed from the panel is no longer eligible."""
    panel = await salford(make_panel)
    ref = await file(panel)
    cat = await panel.actor_named("Cat")
    await panel.remove_member(actor=OP, name="Cat")
    with pytest.raises(NotAllowed):
        await panel.vote(actor=cat, reference=ref, outcome=COMMENCE)
    assert await all_votes(panel) == 0


async def test_duplicate_delivery_changes_nothing(make_panel):
    """BALLOTS.md: repeated deliveries of the same vote change nothing, and the person is told why."""
    panel = await salford(make_panel)
    ref = await file(panel)
    first = await vote(panel, "Ann", ref, COMMENCE, delivery_key="slack:evt-001")
    audit_before = await count(panel, AuditEntry)
    outbox_before = len(await outbox(panel, ref))
    again = await vote(panel, "Ann", ref, COMMENCE, delivery_key="slack:evt-001")
    assert first.changed and not again.changed
    assert again.message == "That vote was already recorded; nothing has changed."
    assert len(await votes_of(panel, "Ann")) == 1
    assert await count(panel, AuditEntry) == audit_before
    assert len(await outbox(panel, ref)) == outbox_before


async def test_reason_required_by_the_preset(make_panel):
    """Salford 7.5: 'meets neither threshold' needs clear feedback with the rationale, so a vote for it
    without a reason is refused and nothing is saved."""
    panel = await salford(make_panel)
    ref = await file(panel)
    with pytest.raises(InvalidInput) as refused:
        await vote(panel, "Ann", ref, NEITHER)
    assert 'Please give a reason for "Meets neither threshold"' in str(refused.value)
    assert "Your vote was not recorded." in str(refused.value)
    assert await all_votes(panel) == 0
    ok = await vote(panel, "Ann", ref, NEITHER, reason="No harm from abuse or neglect indicated")
    assert ok.changed
    assert "Independent Adviser (Ann): Meets neither threshold" in text_of(await card(panel, ref))


async def test_reason_with_a_date_of_birth_is_refused_and_nothing_saved(make_panel):
    """PROCEDURES.md (anonymity: never a date of birth in a channel) / MESSAGES.md refusal: a reason that
    looks like it carries a date of birth is refused; nothing was saved."""
    panel = await salford(make_panel)
    ref = await file(panel)
    audit_before = await count(panel, AuditEntry)
    with pytest.raises(InvalidInput) as refused:
        await vote(panel, "Ann", ref, NEITHER, reason="Child born 12/03/2014 not known to services")
    assert "date of birth" in str(refused.value)
    assert "12/03/2014" not in str(refused.value)  # the refusal does not repeat it
    assert "nothing was saved" in str(refused.value)
    assert await all_votes(panel) == 0
    assert await count(panel, AuditEntry) == audit_before


# The business manager ------------------------------------------------------------------------------------

async def test_bm_close_refused_before_quorum_and_allowed_after(make_panel):
    """BALLOTS.md rule 5: the BM closes the ballot only once quorum is met; before that they can only
    escalate (Salford 7.5: quorum is two)."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    with pytest.raises(WrongState) as refused:
        await panel.close_ballot(actor=OP, reference=ref)
    assert str(refused.value) == (f"{ref} has no quorum yet (1 more vote needed), so voting cannot be closed. "
                                  "You can escalate it to the Independent Adviser instead.")
    assert (await panel.card(ref)).open
    with pytest.raises(NotAllowed):
        await panel.close_ballot(actor=await panel.actor_named("Ann"), reference=ref)

    await vote(panel, "Ben", ref, COMMENCE)
    said = await panel.close_ballot(actor=await panel.actor_named("Dee"), reference=ref)
    assert said == f"Voting on {ref} is closed: decided: Commence rapid review."
    assert "**Decided: Commence rapid review** (Mon 23 Nov 2026, 10:12)" in await card(panel, ref)
    async with panel.uow() as uow:
        ballot = (await uow.session.execute(select(Ballot))).scalar_one()
    assert ballot.close_reason == "closed_by_bm"


async def test_bm_escalates_before_quorum(make_panel):
    """BALLOTS.md rule 5: before quorum the BM can only escalate, to the tie-break role (Independent Adviser)."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    assert await panel.escalate(actor=OP, reference=ref) == f"{ref} is escalated to the Independent Adviser."
    view = await panel.card(ref)
    assert view.status == Status.ESCALATED
    assert (view.result_text or "").startswith("Escalated to the Independent Adviser")


async def test_salford_bm_immediate_decision(make_panel):
    """Salford 7.5: where it is obviously a rapid review, the BM decides at once and the panel is informed."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref, CASE_REVIEW)
    said = await panel.decide_now(actor=await panel.actor_named("Dee"), reference=ref, outcome=COMMENCE,
                                  reason="Child died; obvious rapid review")
    assert said == f"{ref} is decided: Commence rapid review. The panel has been told."
    lines = await card(panel, ref)
    assert "**Decided: Commence rapid review** (Mon 23 Nov 2026, 10:12)" in lines
    assert "Decided by the Business Manager (Dee). Reason: Child died; obvious rapid review" in lines
    assert sorted(m.purpose for m in await outbox(panel, ref, "decision")) == ["bm", "panel"]
    with pytest.raises(WrongState):
        await vote(panel, "Ben", ref, COMMENCE)


async def test_dudley_bm_immediate_decision_refused(make_panel):
    """Dudley's framework has no BM decision without the panel (immediate_decision = false): refused, and the
    referral stays with the panel."""
    panel = await dudley(make_panel)
    ref = await file(panel, referral_type="sar")  # a child's referral is decided at the meeting
    with pytest.raises(WrongState) as refused:
        await panel.decide_now(actor=OP, reference=ref, outcome="sar", reason="Obvious")
    assert "does not let the business manager decide at once" in str(refused.value)
    view = await panel.card(ref)
    assert view.open and view.status == Status.WITH_PANEL
    assert await outbox(panel, ref, "decision") == []


# Eligibility changes and simultaneous commands ----------------------------------------------------------

async def test_member_added_while_ballot_open_becomes_eligible(make_panel):
    """BALLOTS.md, Terms: a member added to the panel while a ballot is open becomes eligible for it. With
    three members A, B, A would be all voted (decided A); once the BM joins, A 2-1 with one to vote stays
    open, and the BM's B makes it a 2-2 tie (Salford 7.5)."""
    panel = await panel_with(make_panel, "salford", SALFORD[:3])
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    await vote(panel, "Ben", ref, CASE_REVIEW)
    await panel.add_member(actor=OP, name="Dee", role="business_manager")
    receipt = await vote(panel, "Cat", ref, COMMENCE)
    assert not receipt.closed
    lines = await card(panel, ref)
    assert "Business Manager (Dee): –" in text_of(lines)
    assert (await panel.card(ref)).open
    receipt = await vote(panel, "Dee", ref, CASE_REVIEW)
    assert receipt.closed
    assert (await panel.card(ref)).result_text == "Escalated to the Independent Adviser: the panel is tied"


async def test_simultaneous_closing_votes_decide_once(make_panel):
    """BALLOTS.md: votes after close change nothing. Two members voting at the same moment (a bot serves
    several platforms at once) for the deciding third vote: the ballot closes once, one vote is refused as
    after the close, and the panel and the BM are each told of the decision once (Salford 7.5)."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    await vote(panel, "Ben", ref, COMMENCE)
    cat, dee = await panel.actor_named("Cat"), await panel.actor_named("Dee")
    results = await asyncio.gather(
        panel.vote(actor=cat, reference=ref, outcome=COMMENCE),
        panel.vote(actor=dee, reference=ref, outcome=COMMENCE),
        return_exceptions=True,
    )
    closed = [r for r in results if not isinstance(r, BaseException) and r.closed]
    refused = [r for r in results if isinstance(r, WrongState)]
    assert len(closed) == 1 and len(refused) == 1, results
    assert sorted(m.purpose for m in await outbox(panel, ref, "decision")) == ["bm", "panel"]
    assert await count(panel, AuditEntry, AuditEntry.action == "decided") == 1
    assert await count(panel, AuditEntry, AuditEntry.action == "ballot_closed") == 1


async def test_simultaneous_duplicate_deliveries_record_one_vote(make_panel):
    """BALLOTS.md: repeated deliveries of the same vote change nothing, and the person is told why - also when
    the platform redelivers while the first delivery is still being handled."""
    panel = await salford(make_panel)
    ref = await file(panel)
    ann = await panel.actor_named("Ann")
    results = await asyncio.gather(
        *(panel.vote(actor=ann, reference=ref, outcome=COMMENCE, delivery_key="slack:evt-42") for _ in range(2)),
        return_exceptions=True,
    )
    assert not any(isinstance(r, BaseException) for r in results), results
    assert sorted(r.changed for r in results) == [False, True]
    assert len(await votes_of(panel, "Ann")) == 1


# Decisions that change which clocks run ------------------------------------------------------------------

async def test_salford_neither_threshold_stops_the_rapid_review_clocks(make_panel, clock):
    """Salford 7.5: "meets neither threshold" means no review, so the agency requests (7.7, 2 WD) and the
    National Panel result are no longer due and must not show as overdue later. The local authority's own
    notification duty (7.4) still runs."""
    panel = await salford(make_panel)
    ref = await file(panel)
    for name in ("Ann", "Ben", "Cat"):
        await vote(panel, name, ref, NEITHER, reason="no abuse or neglect suspected")
    lines = text_of(await card(panel, ref))
    assert "Decided: Meets neither threshold" in lines
    assert "Agency summary and chronology requests sent" not in lines
    clock.advance(days=30)
    assert [o.label for o in await panel.overdue()] == ["Local authority notification to the National Panel"]


async def test_salford_commence_keeps_the_agency_request_clock(make_panel):
    """The same clocks keep running when the panel commences a rapid review (Salford 7.7)."""
    panel = await salford(make_panel)
    ref = await file(panel)
    for name in ("Ann", "Ben", "Cat"):
        await vote(panel, name, ref, COMMENCE)
    assert "Next: Agency summary and chronology requests sent by **Wed 25 Nov 2026, 17:00**" in await card(panel, ref)


async def test_panel_finding_a_referral_incomplete_tells_the_bm_what_is_missing(make_panel):
    """Salford 7.5: an incomplete referral goes back to the referrer to be resubmitted within 5 WD; the
    panel's reasons say what is missing, and the BM is told."""
    panel = await salford(make_panel)
    ref = await file(panel)
    await vote(panel, "Ann", ref, "incomplete_referral", reason="no chronology attached")
    await vote(panel, "Ben", ref, "incomplete_referral", reason="no GP information")
    await vote(panel, "Cat", ref, "incomplete_referral", reason="no chronology attached")
    card_view = await panel.card(ref)
    assert card_view.status == Status.RETURNED
    assert card_view.missing_info == "no chronology attached; no GP information; no chronology attached"
    notices = [o.body["text"] for o in await outbox(panel, ref, "notice")]
    assert any("was found incomplete. Missing: no chronology attached" in t and f"resubmit {ref}" in t
               for t in notices)
    assert "Next: Incomplete referral resubmitted by **Mon 30 Nov 2026, 17:00**" in await card(panel, ref)


async def test_bm_is_told_at_filing_when_no_one_can_give_a_quorum_vote(make_panel):
    """BALLOTS.md rule 3: with no police member on the Dudley panel, quorum cannot be reached; the BM hears
    it when the referral is filed, so a substitute can be added before the deadline."""
    panel = await panel_with(make_panel, "dudley", [m for m in DUDLEY if m[1] != "police"])
    ref = await file(panel, referral_type="sar")  # a child's referral: advice for the meeting, no quorum
    (notice,) = [m for m in await outbox(panel, ref, "notice") if m.purpose == "bm"]
    assert notice.body["text"] == (
        f"{ref} · Young Person C cannot reach quorum yet: nobody on the panel can vote as Police. Add a member "
        "with `panelbot member add NAME --role ROLE`, or it will go to the Independent Chair at its deadline."
    )
    await panel.add_member(actor=OP, name="Pol", role="police")
    ref2 = await file(panel, letter="D", referral_type="sar")
    assert [m for m in await outbox(panel, ref2, "notice") if m.purpose == "bm"] == []
