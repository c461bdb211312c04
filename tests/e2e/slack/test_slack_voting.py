"""Voting in Slack, end to end: signed requests to /slack/events, a fake Slack Web API on 127.0.0.1, the
real bolt app, Panel and outbox. Each test checks what people see: the card in the panel channel (posted,
then updated in place), the thread reply, the chair's direct message, and what each person is told privately.

Presets: a partnership whose panel decides by vote, Dudley's preset without its `[[stages]]` entry
(tests/stage_presets.py; role quorum: one vote each from local authority, police and health; Independent Chair
breaks ties), since these tests are about the vote and the shipped Dudley has a child's referral decided at the
rapid review meeting, with the votes before it as advice (test_slack_meeting.py walks that through Slack); and
Salford 7.5 (count quorum of 2 among four voting roles; the Independent Adviser decides a
tie; 48 hours to decide).
"""

from __future__ import annotations

from slack_fake import PANEL_CHANNEL, Harness
from sqlalchemy import func, select
from stage_presets import dudley_panel_votes

from flows.preset import Preset
from storage.models import Vote

SUMMARY = "Unexplained injuries reported by the school nurse"


async def file_referral(h: Harness, bm: str = "U0BM", **answers: str) -> str:
    await h.slash(bm, "new")
    values = {"referral_type": h.panel.preset.referral_types[0].id, "referrer": "Children's Social Care",
              "category": "young_person", "letter": "C", "summary": SUMMARY, **answers}
    # The referrer is chosen from the preset's agencies; one it does not list is "another", typed.
    agencies = {a.label: a.id for a in h.panel.preset.agencies}
    if values["referrer"] in agencies:
        values["referrer"] = agencies[values["referrer"]]
    else:
        values["referrer"], values["referrer_other"] = "other_agency", values["referrer"]
    await h.submit(bm, h.modal(), values)
    reference = h.said_to(bm).split("Filed ", 1)[1].split(" ", 1)[0].rstrip(".")
    return reference


async def vote(h: Harness, user: str, reference: str, label: str, reason: str = "") -> str:
    """Press an outcome button on the card, give the reason in the modal, submit; what the voter is told."""
    await h.press(user, h.card(reference), label)
    modal = h.modal()
    assert modal["callback_id"] == "panel_vote"
    await h.submit(user, modal, {"reason": reason})
    return h.said_to(user)


async def dudley(slack, preset: str | Preset = "dudley") -> Harness:  # type: ignore[no-untyped-def]
    """Dudley's members on Slack; the shipped Dudley unless `preset` says otherwise."""
    h = await slack(preset)
    await h.member("Bea", "business_manager", "U0BM")
    await h.member("Lou", "local_authority", "U0LA")
    await h.member("Pat", "police", "U0POL")
    await h.member("Hal", "health", "U0HEA")
    await h.member("Ivy", "independent_chair", "U0CHAIR")
    await h.slash("U0BM", "setup")
    return h


async def voting_dudley(slack) -> Harness:  # type: ignore[no-untyped-def]
    """Dudley's members on the panel whose vote decides (tests/stage_presets.py)."""
    return await dudley(slack, dudley_panel_votes())


async def salford(slack) -> Harness:  # type: ignore[no-untyped-def]
    h = await slack("salford")
    await h.member("Alex", "independent_adviser", "U0ADV")
    await h.member("Sam", "chair", "U0CHAIR")
    await h.member("Jo", "deputy_chair", "U0DEP")
    await h.member("Bea", "business_manager", "U0BM")
    await h.slash("U0BM", "setup")
    return h


async def test_three_votes_from_the_statutory_partners_decide_and_the_card_loses_its_buttons(slack) -> None:
    # Dudley: quorum is one vote from each statutory partner; all three agreeing decides at once.
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    card = h.card(ref)
    labels = [b["label"] for b in card.buttons]
    assert labels[-1] == "Recuse" and "Undertake a child safeguarding practice review" in labels
    assert "0 of 3 statutory partners have voted. Still needed: Local authority, Police, Health (ICB)." in card.shown

    told = await vote(h, "U0LA", ref, "Undertake a child safeguarding practice review")
    assert told == f"Your vote on {ref} is recorded: Undertake a child safeguarding practice review."
    card = h.card(ref)
    assert "1 of 3 statutory partners have voted. Still needed: Police, Health (ICB)." in card.shown
    assert card.updates == 1  # edited in place, not posted again

    await vote(h, "U0POL", ref, "Undertake a child safeguarding practice review")
    assert "2 of 3 statutory partners have voted. Still needed: Health (ICB)." in h.card(ref).shown
    told = await vote(h, "U0HEA", ref, "Undertake a child safeguarding practice review", "Agree with partners")
    assert "Voting has now closed (decided: Undertake a child safeguarding practice review)" in told

    card = h.card(ref)
    assert card.buttons == []
    assert "Decided: Undertake a child safeguarding practice review" in card.shown
    assert "Local authority (Lou): Undertake a child safeguarding practice review" in card.shown
    assert "Police (Pat): Undertake" in card.shown and "Health (ICB) (Hal): Undertake" in card.shown
    assert "Decided by the panel, by majority." in card.shown
    assert len(h.fake.in_channel(PANEL_CHANNEL)) == 2  # the set-up note and the one card
    thread = h.fake.thread(PANEL_CHANNEL, card.ts)
    assert len(thread) == 1
    assert f"{ref} · Young Person C: Decided: Undertake a child safeguarding practice review" in thread[0].shown
    assert SUMMARY not in card.raw and SUMMARY not in thread[0].raw  # nothing about the subject beyond the label


async def test_count_quorum_majority_at_the_deadline(slack, clock) -> None:
    # Salford 7.5: two of the panel are quorate; at the 48-hour deadline the majority decides.
    h = await salford(slack)
    ref = await file_referral(h)
    await vote(h, "U0ADV", ref, "Commence rapid review")
    await vote(h, "U0CHAIR", ref, "Commence rapid review")
    await vote(h, "U0DEP", ref, "Case review instead")
    card = h.card(ref)
    assert "Quorum met (3 votes; 2 needed)." in card.shown and "Leading: Commence rapid review 2–1." in card.shown
    assert card.buttons  # still open: the business manager has not voted and the deadline has not passed

    clock.advance(hours=48)
    assert await h.panel.check_deadlines() == [ref]  # the scheduler's job
    await h.settle()
    card = h.card(ref)
    assert card.buttons == []
    assert "Decided: Commence rapid review (Wed 25 Nov 2026, 10:12)" in card.shown
    assert "Business Manager (Bea): –" in card.shown
    thread = h.fake.thread(PANEL_CHANNEL, card.ts)
    assert "Next: Agency summary and chronology requests sent by" in thread[-1].shown


async def test_a_tie_goes_to_the_tie_break_role_by_direct_message_with_buttons_to_decide(slack) -> None:
    # Salford: 2-2 among the four voting roles is a tie; the Independent Adviser decides, with a reason.
    h = await salford(slack)
    ref = await file_referral(h)
    await vote(h, "U0ADV", ref, "Commence rapid review", "Clear multi-agency concerns")
    await vote(h, "U0CHAIR", ref, "Case review instead", "<!here> better as a case review")
    await vote(h, "U0DEP", ref, "Commence rapid review")
    told = await vote(h, "U0BM", ref, "Case review instead")
    assert "Voting has now closed (escalated to the Independent Adviser)" in told

    card = h.card(ref)
    assert card.buttons == []
    assert "Escalated to the Independent Adviser: the panel is tied" in card.shown

    dm = h.fake.dms("U0ADV")
    assert len(dm) == 1
    shown = dm[0].shown
    assert f"{ref} · Young Person C: the panel is tied (Commence rapid review 2, Case review instead 2)." in shown
    assert "Independent Adviser (Alex): Commence rapid review. Reason: Clear multi-agency concerns" in shown
    assert "Chair (Sam): Case review instead. Reason: <!here> better as a case review" in shown  # as typed...
    assert "<!here>" not in dm[0].raw and "&lt;!here&gt;" in dm[0].raw  # ...but it cannot ping anyone
    assert [b["label"] for b in dm[0].buttons] == [
        "Commence rapid review…", "Case review instead…", "Incomplete referral…", "Meets neither threshold…"]
    bm_dm = h.fake.dms("U0BM")
    assert not bm_dm  # the business manager's messages go to the bm channel, which is not set on Slack

    await h.press("U0ADV", dm[0], "Case review instead")
    modal = h.modal()
    assert modal["callback_id"] == "panel_reason"
    await h.submit("U0ADV", modal, {"reason": "Single agency learning is enough"})
    assert h.said_to("U0ADV") == f"{ref} is decided: Case review instead."
    card = h.card(ref)
    assert "Decided: Case review instead" in card.shown
    assert "Decided by the Independent Adviser (Alex). Reason: Single agency learning is enough" in card.shown


async def test_a_tie_with_a_bm_channel_set_tells_the_business_manager_too(slack) -> None:
    h = await salford(slack)
    await h.slash("U0BM", "setup bm", channel="C0BMDESK")
    ref = await file_referral(h)
    for user, label in (("U0ADV", "Commence"), ("U0CHAIR", "Case review"), ("U0DEP", "Commence"), ("U0BM", "Case")):
        await vote(h, user, ref, label)
    desk = h.fake.in_channel("C0BMDESK")
    assert any("It has been passed to the Independent Adviser to decide." in m.shown for m in desk)
    assert any("Escalated to the Independent Adviser: the panel is tied" in m.shown for m in desk)


async def test_someone_not_on_the_panel_cannot_vote(slack) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    views_before = len(h.fake.views)
    await h.press("U0STRANGER", h.card(ref), "Undertake a child safeguarding practice review")
    assert h.said_to("U0STRANGER") == (
        "You are not on this partnership's panel, so your vote was not counted. Ask the business manager to add you."
    )
    assert len(h.fake.views) == views_before  # no form to fill in for nothing
    assert "0 of 3 statutory partners have voted" in h.card(ref).shown
    assert h.card(ref).updates == 0


async def test_a_member_who_does_not_vote_is_told_so(slack) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    told = await vote(h, "U0CHAIR", ref, "No review required", "Not needed")
    assert told == "As Independent Chair you are not a voting member of this panel, so your vote was not counted."


async def test_changing_a_vote_keeps_the_history(slack, engine) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    await vote(h, "U0LA", ref, "Undertake a child safeguarding practice review")
    told = await vote(h, "U0LA", ref, "No CSPR: alternative learning review", "On reflection, an audit")
    assert told == (
        f"Your vote on {ref} is changed to "
        "No CSPR: alternative learning review or audit (for example a table top review)."
    )
    assert "Local authority (Lou): No CSPR: alternative learning review" in h.card(ref).shown
    async with h.panel.uow() as uow:
        rows = (await uow.session.execute(select(Vote.outcome, Vote.is_current).order_by(Vote.id))).all()
    assert rows == [("cspr", False), ("alternative_review", True)]


async def test_the_same_submission_delivered_twice_counts_once(slack) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    await h.press("U0LA", h.card(ref), "Undertake a child safeguarding practice review")
    modal = h.modal()
    await h.submit("U0LA", modal, {"reason": ""})
    await h.submit("U0LA", modal, {"reason": ""})  # Slack (or a double click) delivers it again
    assert h.said_to("U0LA") == "That vote was already recorded; nothing has changed."
    async with h.panel.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Vote))).scalar() == 1
    assert h.card(ref).updates == 1


async def test_a_vote_after_the_close_changes_nothing(slack) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    stale_card = h.card(ref)
    stale = type(stale_card)(**{**stale_card.__dict__, "blocks": list(stale_card.blocks)})  # an old screen
    for user in ("U0LA", "U0POL", "U0HEA"):
        await vote(h, user, ref, "No review required", "Threshold not met")
    await h.press("U0LA", stale, "Undertake a child safeguarding practice review")
    await h.submit("U0LA", h.modal(), {"reason": ""})
    told = h.said_to("U0LA")
    assert told.startswith(f"Voting on {ref} closed at Mon 23 Nov 2026, 10:12 (decided: no review required).")
    assert told.endswith("Your vote was not recorded.")
    assert "Decided: No review required" in h.card(ref).shown


async def test_a_reason_the_procedure_requires_cannot_be_left_out(slack) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    await h.press("U0POL", h.card(ref), "No review required")
    modal = h.modal()
    reason = next(b for b in modal["blocks"] if b.get("block_id") == "reason")
    assert not reason.get("optional")
    assert reason["hint"]["text"] == "The procedure asks for a reason for this outcome."
    try:
        await h.submit("U0POL", modal, {"reason": ""})
    except AssertionError as exc:
        assert "would not submit the form without 'Your reason'" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("the form accepted an empty required reason")


async def test_a_reason_with_a_postcode_is_refused_on_the_field_and_nothing_is_recorded(slack) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    await h.press("U0POL", h.card(ref), "No review required")
    status = await h.submit("U0POL", h.modal(), {"reason": "Family moved to M5 4WT"})
    assert status == 200
    errors = __import__("json").loads(h.last_response)
    assert errors["response_action"] == "errors"
    assert errors["errors"]["reason"].startswith("The reason looks like it contains a postcode, which is not repeated")
    assert "M5 4WT" not in errors["errors"]["reason"]
    assert h.card(ref).updates == 0


async def test_recusal_from_the_card(slack) -> None:
    h = await salford(slack)
    ref = await file_referral(h)
    await h.press("U0DEP", h.card(ref), "Recuse")
    modal = h.modal()
    assert modal["callback_id"] == "panel_recuse"
    await h.submit("U0DEP", modal, {"reason": "I know the family"})
    assert h.said_to("U0DEP") == f"You have recused yourself from {ref}; you no longer count towards its vote."
    card = h.card(ref)
    assert "Deputy Chair (Jo): recused" in card.shown
    assert "3 of 3 eligible members still to vote." in card.shown
    assert card.buttons


async def test_a_recusal_that_leaves_a_role_empty_escalates(slack) -> None:
    # Dudley: with the only police member recused, the role quorum can never be met (BALLOTS.md).
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    await h.press("U0POL", h.card(ref), "Recuse")
    await h.submit("U0POL", h.modal(), {"reason": "I know the family"})
    assert h.said_to("U0POL").endswith("Voting has now closed (escalated to the Independent Chair).")
    assert "Escalated to the Independent Chair: no quorum (missing: Police)" in h.card(ref).shown
    chair = h.fake.dms("U0CHAIR")[0]
    assert "the panel has no quorum (still needed: Local authority, Police, Health (ICB))" in chair.shown


async def test_a_missing_quorum_at_the_deadline_goes_to_the_chair_and_the_business_managers_messages(
    slack, clock
) -> None:
    # Dudley: 13 working days to decide; at the deadline only the local authority has voted, so there is no
    # quorum and the Independent Chair decides. The BM's channel is their own direct message with the app.
    h = await voting_dudley(slack)
    await h.panel.set_channel(actor=await h.panel.actor_named("Bea"), purpose="bm", platform_id="slack:U0BM")
    ref = await file_referral(h)
    await vote(h, "U0LA", ref, "No review required", "Threshold not met")
    clock.advance(days=30)
    assert await h.panel.check_deadlines() == [ref]
    await h.settle()
    card = h.card(ref)
    assert card.buttons == []
    assert "Escalated to the Independent Chair: no quorum (missing: Police, Health (ICB))" in card.shown
    chair = h.fake.dms("U0CHAIR")[-1]
    assert "the panel has no quorum (still needed: Police, Health (ICB))" in chair.shown
    assert "Local authority (Lou): No review required. Reason: Threshold not met" in chair.shown
    assert "Police (Pat): did not vote" in chair.shown
    bm = h.fake.dms("U0BM")[-1]
    assert "It has been passed to the Independent Chair to decide." in bm.shown and bm.buttons == []
    await h.press("U0CHAIR", chair, "No review required")
    await h.submit("U0CHAIR", h.modal(), {"reason": "Agree with the local authority"})
    assert "Decided: No review required" in h.card(ref).shown
    assert any("Decided: No review required" in m.shown for m in h.fake.dms("U0BM"))
