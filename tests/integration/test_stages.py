"""Who decides each stage of a referral (issue 21 section 1, issue 23 section 2), through the shared commands on
SQLite and PostgreSQL: Dudley's rapid review meeting decides a child's referral (the votes before it are
advice), Salford's rapid review meeting decides after the panel's "commence rapid review" (7.12), and
Stockport's business manager decides a child's pathway after the three partners' views (section 1).

Hand counts (England; Fri 25 Dec, Mon 28 Dec 2026 and Fri 1 Jan 2027 are bank holidays):
- Dudley: the rapid review meeting held Wed 30 Dec 2026, 10:00; the template to the National Panel 2 working days
  after: Thu 31 Dec (1), Mon 4 Jan 2027 (2), so Mon 4 Jan 2027, 17:00. The panel's decision clock, 13 working
  days after Mon 14 Dec 2026: Tue 5 Jan 2027, 17:00.
- Salford: the meeting held Tue 22 Dec 2026, 14:00; the report to the National Panel 2 working days after: Wed 23
  (1), Thu 24 Dec (2), so Thu 24 Dec 2026, 17:00; the lead reviewer 10 working days after the CSPR decision:
  Wed 23, Thu 24, Tue 29, Wed 30, Thu 31 Dec, Mon 4, Tue 5, Wed 6, Thu 7, Fri 8 Jan, so Fri 8 Jan 2027, 17:00.
- Stockport: the virtual panel's 5 working days after Mon 14 Dec 2026, 10:00: Mon 21 Dec 2026, 17:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.commands import run
from bot.service import Actor
from bot.service.bootstrap import open_panel
from flows.preset import load_preset
from flows.referrals import ReferralDraft, Status
from flows.views import card_lines
from storage.models import Ballot, Deadline, OutboxMessage, StageDecision

OP = Actor.operator()
ALL_THREE = "local_authority police health"


def uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)  # GMT in winter


async def panel_with(make_panel, preset: str, members):  # type: ignore[no-untyped-def]
    panel = await make_panel(preset)
    for name, role in members:
        await panel.add_member(actor=OP, name=name, role=role)
    return panel


async def file(panel, referral_type: str, letter: str = "C") -> str:  # type: ignore[no-untyped-def]
    draft = ReferralDraft(referral_type=referral_type, referrer="Children's Social Care", category="young person",
                          letter=letter, summary="Unexplained bruising seen at school; family known to services.")
    return await panel.file_referral(actor=OP, draft=draft)


async def say(panel, line: str, actor: Actor = OP) -> str:  # type: ignore[no-untyped-def]
    reply = await run(panel, actor, line)
    text = " ".join(reply.lines).replace("**", "")
    assert reply.ok, text
    return text


async def refused(panel, line: str, actor: Actor = OP) -> str:  # type: ignore[no-untyped-def]
    reply = await run(panel, actor, line)
    assert not reply.ok, reply.lines
    return " ".join(reply.lines)


async def card(panel, ref: str) -> str:  # type: ignore[no-untyped-def]
    return " ".join(card_lines(await panel.card(ref), panel.cal)).replace("**", "")


async def deadlines(panel, ref: str, clock_id: str) -> list[Deadline]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        referral = await panel.referral(uow, ref)
        rows = (await uow.session.execute(select(Deadline).where(Deadline.referral_id == referral.id,
                                                                 Deadline.clock_id == clock_id))).scalars()
        return list(rows)


async def decisions_posted(panel, ref: str) -> int:  # type: ignore[no-untyped-def]
    """How many decision messages the outbox holds for the referral (what the panel is told)."""
    async with panel.uow() as uow:
        referral = await uow.referrals.by_reference(ref)
        rows = (await uow.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "decision"))).scalars()
        return sum(1 for row in rows if row.referral_id == referral.id and row.purpose == "panel")


async def vote(panel, name: str, ref: str, outcome: str, reason: str = ""):  # type: ignore[no-untyped-def]
    return await panel.vote(actor=await panel.actor_named(name), reference=ref, outcome=outcome, reason=reason)


DUDLEY = [("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health"), ("Bob", "business_manager")]


async def dudley(engine, clock):  # type: ignore[no-untyped-def]
    """Dudley as shipped: its rapid review meeting decides a child's referral."""
    panel = await open_panel(engine, load_preset("dudley"), clock=clock)
    for name, role in DUDLEY:
        await panel.add_member(actor=OP, name=name, role=role)
    return panel


async def test_dudley_the_meeting_decides_and_the_votes_before_it_are_advice(engine, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(engine, clock)
    ref = await file(panel, "cspr")
    for name in ("Lia", "Pol"):
        receipt = await vote(panel, name, ref, "cspr")
        assert not receipt.closed
    receipt = await vote(panel, "Hal", ref, "alternative_review")
    assert receipt.message == (f"Your vote on {ref} is recorded: No CSPR: alternative learning review or audit (for "
                               "example a table top review). These votes are advice for the rapid review meeting, "
                               "which decides; they close nothing.")
    assert not receipt.closed  # every partner has voted, with a majority: still advice
    shown = await card(panel, ref)
    assert ("Views so far: Undertake a child safeguarding practice review 2, No CSPR: alternative learning review or "
            "audit (for example a table top review) 1. These votes are advice for the rapid review meeting, which "
            "decides; they close nothing.") in shown
    assert (await panel.card(ref)).status == Status.WITH_PANEL
    assert [(s.reference, s.waiting_for) for s in await panel.status()] == [(ref, "the rapid review meeting")]
    assert await refused(panel, f"close {ref}") == (
        f"The votes on {ref} are advice and the rapid review meeting decides, so there is nothing to close.")
    assert await refused(panel, f"decide {ref} cspr obvious") == (
        f"{ref} is decided at the rapid review meeting, not by the business manager at once: record the meeting's "
        f"decision with `meeting held {ref} ROLE... outcome OUTCOME`. Nothing was changed.")

    await say(panel, f"meeting schedule {ref} 2026-12-30 10:00 Room 2")
    # `meeting list` gives the views so far in the card's words, for the meeting that will decide.
    listed = await say(panel, "meeting list")
    assert listed.startswith(f"{ref} · Young Person C: the rapid review meeting Wed 30 Dec 2026, 10:00, Room 2.")
    assert listed.endswith("Views so far: Undertake a child safeguarding practice review 2, No CSPR: alternative "
                           "learning review or audit (for example a table top review) 1.")
    await vote(panel, "Pol", ref, "alternative_review")  # a view changed shows at once
    assert (await say(panel, "meeting list")).endswith(
        "Views so far: No CSPR: alternative learning review or audit (for example a table top review) 2, Undertake "
        "a child safeguarding practice review 1.")
    clock.set(uk("2026-12-30T12:00"))
    # Not quorate: a meeting without health cannot decide, and nothing is recorded.
    assert await refused(panel, f"meeting held {ref} local_authority police outcome cspr agreed") == (
        f"The rapid review meeting for {ref} was not quorate (still needed: Health (ICB)), so it cannot decide; add "
        "`override REASON` before `outcome` to count it anyway. Nothing was recorded.")
    # An outcome of another stage or type is refused.
    assert "is not an outcome of the panel's decision" in await refused(
        panel, f"meeting held {ref} {ALL_THREE} outcome sar")
    assert (await panel.card(ref)).status == Status.WITH_PANEL

    said = await say(panel, f"meeting held {ref} {ALL_THREE} outcome cspr the partners agreed on the learning")
    assert said == (
        f"The rapid review meeting for {ref} is recorded: held Wed 30 Dec 2026, 10:00, attended by Local authority, "
        "Police, Health (ICB) (quorate). Clocks started: national_panel_outcome. Met: Rapid review meeting held, on "
        f"time. Decided at the rapid review meeting for {ref}: Undertake a child safeguarding practice review "
        "(attended by Local authority, Police, Health (ICB)). Next: Rapid review template sent to the National Panel; "
        "referrer and agencies told the outcome, due Mon 4 Jan 2027, 17:00."
    )
    assert await decisions_posted(panel, ref) == 1  # the panel is told the meeting's decision
    view = await panel.card(ref)
    assert view.status == Status.DECIDED and view.decided_at == uk("2026-12-30T10:00")
    lines = card_lines(view, panel.cal)
    assert "**Decided: Undertake a child safeguarding practice review** (Wed 30 Dec 2026, 10:00)" in lines
    assert ("Decided by the rapid review meeting (attended by Local authority, Police, Health (ICB)). Reason: the "
            "partners agreed on the learning") in lines
    # The clock that follows starts once, as a vote's decision would start it, from the meeting.
    (template,) = await deadlines(panel, ref, "national_panel_outcome")
    assert template.due_at == uk("2027-01-04T17:00") and template.started_at == uk("2026-12-30T10:00")
    (decision,) = await deadlines(panel, ref, "panel_decision")
    assert decision.done_at == uk("2026-12-30T10:00") and decision.due_at == uk("2027-01-05T17:00")
    async with panel.uow() as uow:
        (ballot,) = (await uow.session.execute(select(Ballot))).scalars()
    assert (ballot.close_reason, ballot.result_outcome) == ("decided_at_meeting", "cspr")

    # One decision at this stage: a second is refused, naming the first.
    assert await refused(panel, f"meeting decide {ref} no_review no learning") == (
        f"{ref} already has the panel's decision: Undertake a child safeguarding practice review (Wed 30 Dec 2026, "
        "10:00). A referral has one decision at each stage, so nothing was changed.")


async def test_dudley_advice_stays_open_past_the_deadline_and_meeting_decide_follows_meeting_held(engine, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(engine, clock)
    ref = await file(panel, "cspr")
    await say(panel, f"meeting schedule {ref} 2027-01-05 14:00")
    assert (await say(panel, "meeting list")).endswith("No views yet.")
    clock.set(uk("2027-01-05T17:01"))  # the decision clock has passed: advice is not escalated
    assert await panel.check_deadlines() == []
    assert (await vote(panel, "Lia", ref, "no_review", "no new learning")).message.startswith(
        f"Your vote on {ref} is recorded: No review required.")
    assert (await panel.card(ref)).status == Status.WITH_PANEL
    assert await refused(panel, f"meeting decide {ref} cspr") == (
        f"The rapid review meeting for {ref} is not recorded as held yet; record it with its decision: `meeting held "
        f"{ref} ROLE... outcome OUTCOME`.")
    await say(panel, f"meeting held {ref} {ALL_THREE}")  # recorded first, decided after
    assert await refused(panel, f"meeting decide {ref} no_review") == (
        'Please give a reason for "No review required" after it; the procedure asks for one. Nothing was recorded.')
    said = await say(panel, f"meeting decide {ref} no_review no multi-agency learning")
    assert said.startswith(f"Decided at the rapid review meeting for {ref}: No review required (attended by Local "
                           "authority, Police, Health (ICB)).")
    view = await panel.card(ref)
    assert view.status == Status.DECIDED and view.decided_at == uk("2027-01-05T14:00")
    assert (await refused(panel, f"meeting decide {ref} cspr")).startswith(f"{ref} already has the panel's decision")


SALFORD = [("Ann", "independent_adviser"), ("Ben", "chair"), ("Dee", "business_manager"),
           ("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health")]


async def test_salford_the_rapid_review_meeting_decides_after_the_panel_commences_one(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await panel_with(make_panel, "salford", SALFORD)
    ref = await file(panel, "rapid_review")
    # The meeting's outcomes are not the panel's.
    said = await refused(panel, f"vote {ref} cspr", await panel.actor_named("Ann"))
    assert said.startswith('"Recommend a child safeguarding practice review" is for the rapid review meeting\'s '
                           "decision, not the panel; choose one of: commence_rapid_review (Commence rapid review),")
    await say(panel, f"meeting schedule {ref} 2026-12-22 14:00 Room 2")
    assert await refused(panel, f"meeting held {ref} {ALL_THREE} outcome cspr") == (
        f"The rapid review meeting does not decide {ref}: the panel's vote decides it. Nothing was recorded.")
    # Salford 7.5's immediate decision by the business manager stays as it was.
    await say(panel, f"decide {ref} commence_rapid_review obviously a rapid review")
    assert ("Still to decide: the rapid review meeting decides (Recommend a child safeguarding practice review, "
            "Other local review or learning event, No further action).") in await card(panel, ref)

    clock.set(uk("2026-12-22T16:00"))
    assert await refused(panel, f"meeting held {ref} {ALL_THREE} outcome no_further_action") == (
        'Please give a reason for "No further action" after it; the procedure asks for one. Nothing was recorded.')
    said = await say(panel, f"meeting held {ref} {ALL_THREE} outcome cspr learning of national importance")
    assert f"Decided at the rapid review meeting for {ref}: Recommend a child safeguarding practice review" in said
    assert "Next: Lead reviewer appointed, due Fri 8 Jan 2027, 17:00." in said
    (lead,) = await deadlines(panel, ref, "lead_reviewer")
    assert lead.started_at == uk("2026-12-22T14:00") and lead.due_at == uk("2027-01-08T17:00")
    (report,) = await deadlines(panel, ref, "national_panel_outcome")
    assert report.due_at == uk("2026-12-24T17:00")
    shown = await card(panel, ref)
    assert ("The rapid review meeting's decision: Recommend a child safeguarding practice review (Tue 22 Dec 2026, "
            "14:00; attended by Local authority, Police, Health (ICB)). Reason: learning of national importance"
            ) in shown
    assert "Decided: Commence rapid review" in shown  # the panel's decision stands beside it
    async with panel.uow() as uow:
        (row,) = (await uow.session.execute(select(StageDecision))).scalars()
    assert (row.stage, row.outcome, row.how, row.attended) == (
        "rapid_review_meeting", "cspr", "meeting", ["local_authority", "police", "health"])
    assert await refused(panel, f"meeting decide {ref} local_review") == (
        f"{ref} already has the rapid review meeting's decision: Recommend a child safeguarding practice review (Tue "
        "22 Dec 2026, 14:00). A referral has one decision at each stage, so nothing was changed.")
    assert await refused(panel, f"decide {ref} case_review second thoughts") == (
        f"{ref} already has the panel's decision: Commence rapid review (Mon 14 Dec 2026, 10:00). A referral has one "
        "decision at each stage, so nothing was changed.")
    assert await refused(panel, f"meeting decide {ref} cspr", await panel.actor_named("Ben")) == (
        "Only the business manager can record a meeting's decision. Nothing was changed.")


async def test_salford_meeting_list_then_the_report_and_export_count_the_panel_s_and_the_meeting_s_decisions(
    make_panel, clock
):
    """Salford 7.5 then 7.12, as the business manager sees it: the virtual panel votes to commence a rapid review
    (the meeting has no views to show: the panel's votes decided the panel's own stage, and `meeting list` says
    instead what the meeting still decides, as the card does); the meeting decides a CSPR; December's report
    counts the panel's decisions as before and the meeting's beside them, and the export lists it."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await panel_with(make_panel, "salford", SALFORD)
    ref = await file(panel, "rapid_review")
    other = await file(panel, "rapid_review", letter="D")
    await say(panel, f"meeting schedule {ref} 2026-12-22 14:00 Room 2")
    listed = await say(panel, "meeting list")
    assert listed.endswith("Still needed: Local authority, Police, Health (ICB).")  # the panel's vote decides now
    assert not (await vote(panel, "Ann", ref, "commence_rapid_review")).closed
    assert (await vote(panel, "Ben", ref, "commence_rapid_review")).closed  # 7.5: two agree, quorate: decided
    await say(panel, f"decide {other} commence_rapid_review obviously a rapid review")  # 7.5, at once
    listed = await say(panel, "meeting list")
    assert listed.endswith(
        "Still to decide: the rapid review meeting decides (Recommend a child safeguarding practice review, Other "
        "local review or learning event, No further action).")
    assert "Views so far" not in listed and "No views yet" not in listed

    clock.set(uk("2026-12-22T16:00"))
    await say(panel, f"meeting held {ref} {ALL_THREE} outcome cspr learning of national importance")
    assert "Still to decide" not in await say(panel, "meeting list")

    clock.set(uk("2027-01-11T12:00"))
    report = await say(panel, "report 2026-12")
    assert "By outcome: Commence rapid review 2." in report  # the panel's decisions, counted as they were
    assert "Reviews by type and outcome: Rapid review: Commence rapid review 2." in report
    assert ("The rapid review meeting's decision: Recommend a child safeguarding practice review 1 · Not yet "
            "decided 1.") in report
    async with panel.uow() as uow:
        (row,) = (await uow.session.execute(select(StageDecision))).scalars()
    data = await panel.export_record()
    assert [(d["reference"], d["outcome"], d["how"]) for d in data["decisions"]] == [
        (ref, "commence_rapid_review", "panel"), (other, "commence_rapid_review", "bm")]
    assert data["stage_decisions"] == [{
        "stage_decision_id": row.id, "reference": ref, "stage": "rapid_review_meeting",
        "stage_label": "the rapid review meeting's decision", "outcome": "cspr",
        "outcome_label": "Recommend a child safeguarding practice review", "how": "meeting",
        "attended": "local_authority; police; health", "reason": "learning of national importance",
        "decided_at": "2026-12-22T14:00:00+00:00", "recorded_at": "2026-12-22T16:00:00+00:00",
        "recorded_by": None,
    }]
    assert data["manifest"]["rows"]["stage_decisions"] == 1


STOCKPORT = [("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health"), ("Bea", "business_manager")]


async def test_stockport_the_bm_decides_the_pathway_after_the_partners_views(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await panel_with(make_panel, "stockport", STOCKPORT)
    bea = await panel.actor_named("Bea")
    ref = await file(panel, "child")
    receipt = await vote(panel, "Lia", ref, "rapid_review")
    assert not receipt.closed and receipt.message.endswith(
        "These are the partners' views; the Business Manager decides, once every statutory partner has given a view "
        "or the decision deadline has passed.")
    assert await refused(panel, f"decide {ref} rapid_review the threshold is met", bea) == (
        f"{ref} is still awaiting the views of Police and Health (ICB): the Business Manager decides the pathway once "
        "every statutory partner has given a view or the decision deadline, Mon 21 Dec 2026, 17:00, has passed, so "
        "nothing was recorded.")
    assert await refused(panel, f"decide {ref} rapid_review the threshold is met", await panel.actor_named("Pol")) == (
        "Only the business manager can decide the pathway. Nothing was changed.")
    assert [s.waiting_for for s in await panel.status()] == ["views from Police, Health (ICB)"]
    await vote(panel, "Pol", ref, "rapid_review")
    assert not (await vote(panel, "Hal", ref, "practice_review")).closed  # the ballot does not close the referral
    # A meeting of the referral decides nothing here (the Business Manager does), so `meeting list` gives no views.
    await say(panel, f"meeting schedule {ref} 2026-12-17 10:00", bea)
    listed = await say(panel, "meeting list")
    assert listed.startswith(f"{ref} · Young Person C: ") and "Views so far" not in listed
    assert [s.waiting_for for s in await panel.status()] == ["the Business Manager's decision"]
    assert ("Views so far: Rapid review 2, Practice review 1. Every statutory partner has given a view."
            in await card(panel, ref))
    assert await refused(panel, f"escalate {ref}") == (
        f"The votes on {ref} are advice and the Business Manager decides, so there is nothing to escalate.")
    assert await say(panel, f"decide {ref} rapid_review two partners see the threshold met", bea) == (
        f"{ref} is decided: Rapid review. The panel has been told.")
    assert await decisions_posted(panel, ref) == 1  # as the reply says
    lines = card_lines(await panel.card(ref), panel.cal)
    assert ("Decided by the Business Manager (Bea), after the partners' views. Reason: two partners see the threshold "
            "met") in lines
    assert (await refused(panel, f"decide {ref} practice_review changed my mind", bea)).startswith(
        f"{ref} already has the panel's decision: Rapid review (Mon 14 Dec 2026, 10:00).")


async def test_stockport_once_the_decision_clock_has_passed_the_bm_decides_without_every_view(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await panel_with(make_panel, "stockport", STOCKPORT)
    bea = await panel.actor_named("Bea")
    ref = await file(panel, "child")
    await vote(panel, "Lia", ref, "practice_review")
    clock.set(uk("2026-12-21T16:59"))
    early = await refused(panel, f"decide {ref} practice_review x", bea)
    assert "awaiting the views of Police and Health (ICB)" in early
    clock.set(uk("2026-12-21T17:00") + timedelta(minutes=1))
    assert await panel.check_deadlines() == []  # views are never escalated to the chair
    assert (await panel.card(ref)).status == Status.WITH_PANEL
    assert await say(panel, f"decide {ref} practice_review only the local authority answered", bea) == (
        f"{ref} is decided: Practice review. The panel has been told.")
    # A SAR referral is still decided by the panel's vote (section 5): three agreeing votes decide it.
    sar = await file(panel, "sar", letter="D")
    for name in ("Lia", "Pol"):
        await vote(panel, name, sar, "refer_sar_screening")
    assert (await vote(panel, "Hal", sar, "refer_sar_screening")).closed
