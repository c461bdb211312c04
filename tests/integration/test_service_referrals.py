"""The business manager's referral commands through the Panel, on the real database.

Rules come from domain/PROCEDURES.md: Salford 7.5 (48-hour panel decision, incomplete referrals resubmitted
within 5 WD), Salford 7.7 (agency requests within 2 WD), Salford 7.4 (LA notification within 5 WD of
becoming aware), Suffolk section 3 (monthly panel on the 25th with a 15th cut-off; cases on hold for a set
period or indefinitely) and the anonymity rule ("nothing that identifies a person goes into a channel").
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bot.service import Actor
from flows.errors import InvalidInput, NotAllowed, WrongState
from flows.referrals import ReferralDraft, Status
from flows.views import card_lines
from storage.models import AuditEntry, Ballot, Deadline, OutboxMessage, Referral

OP = Actor.operator()

SALFORD = [("Ann", "independent_adviser"), ("Ben", "chair"), ("Cat", "deputy_chair"), ("Dee", "business_manager")]
SUFFOLK = [("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health"), ("Bob", "business_manager"),
           ("Ivy", "independent_chair")]

SUMMARY = "Unexplained bruising seen at school; family known to services."


async def panel_with(make_panel, preset: str, members=()):
    panel = await make_panel(preset)
    for name, role in members:
        await panel.add_member(actor=OP, name=name, role=role)
    return panel


def draft(panel, **kw) -> ReferralDraft:
    fields = dict(referral_type=panel.preset.referral_types[0].id, referrer="Children's Social Care",
                  category="young person", letter="C", summary=SUMMARY)
    fields.update(kw)
    return ReferralDraft(**fields)


async def file(panel, **kw) -> str:
    return await panel.file_referral(actor=OP, draft=draft(panel, **kw))


async def card(panel, ref: str) -> list[str]:
    return card_lines(await panel.card(ref), panel.cal)


async def count(panel, model, *where) -> int:
    async with panel.uow() as uow:
        return (await uow.session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def deadlines(panel, ref: str) -> dict[str, Deadline]:
    """The referral's deadlines by clock id (the latest row for each clock)."""
    async with panel.uow() as uow:
        rid = (await uow.session.execute(select(Referral.id).where(Referral.reference == ref))).scalar_one()
        rows = (await uow.session.execute(
            select(Deadline).where(Deadline.referral_id == rid).order_by(Deadline.id))).scalars()
        return {d.clock_id: d for d in rows}


async def ballots(panel, ref: str) -> list[Ballot]:
    async with panel.uow() as uow:
        rid = (await uow.session.execute(select(Referral.id).where(Referral.reference == ref))).scalar_one()
        return list((await uow.session.execute(
            select(Ballot).where(Ballot.referral_id == rid).order_by(Ballot.round))).scalars())


def fmt(panel, dt: datetime) -> str:
    return panel.cal.format(dt)


# Filing ------------------------------------------------------------------------------------------------

async def test_references_count_per_year(make_panel, clock):
    """MESSAGES.md / flows.referrals: a reference is the partnership prefix, the year received and a number
    counted per year (SAL-2026-001, SAL-2026-002, then SAL-2027-001 in the new year)."""
    panel = await panel_with(make_panel, "salford")
    assert await file(panel) == "SAL-2026-001"
    assert await file(panel, letter="D") == "SAL-2026-002"
    clock.set(datetime(2027, 1, 4, 9, 30, tzinfo=UTC))
    assert await file(panel, letter="E") == "SAL-2027-001"
    lines = await card(panel, "SAL-2026-002")
    assert lines[0] == "**SAL-2026-002 · Young Person D · Rapid review**"
    assert lines[1] == "Referred by Children's Social Care · received Mon 23 Nov 2026, 10:12"


@pytest.mark.parametrize(
    ("changes", "expect"),
    [
        ({"summary": "The family live at M5 4WT."}, 'looks like it contains a postcode,'),
        ({"summary": "Health records: NHS number 943 476 5919."}, 'contains an NHS number,'),
        ({"summary": "Child born 12/03/2014, injuries seen."}, 'contains a date of birth,'),
        ({"summary": "Baby born 1 March 2025 at home."}, 'contains a date of birth,'),
        ({"referrer": "Police at SW1A 1AA"}, "postcode"),
        ({"summary": "The family live at m6-5ab."}, 'contains a postcode,'),
        ({"summary": "NHS 943.476.5919 per the GP."}, 'contains an NHS number,'),
        ({"summary": "Jane Smith, 9, injured at home."}, 'looks like it names a person'),
        ({"referrer": "Mrs Patel at the school"}, 'The referring agency looks like it names a person'),
        ({"referral_type": "sar"}, '"sar" is not a referral type here. Choose one of: rapid_review'),
        ({"letter": "AB"}, "single letter A to Z"),
        ({"letter": "7"}, "single letter A to Z"),
        ({"category": "toddler"}, '"toddler" is not a subject category'),
        ({"summary": "   "}, "Please give a short summary"),
    ],
)
async def test_intake_refusals_save_nothing(make_panel, changes, expect):
    """PROCEDURES.md, "What follows": nothing that identifies a person (date of birth, postcode, NHS number)
    goes in; Suffolk section 3 anonymity: subjects are a category and one letter; the preset's referral
    types only. A refused intake form saves nothing at all."""
    panel = await panel_with(make_panel, "salford", SALFORD)
    audit_before = await count(panel, AuditEntry)
    with pytest.raises(InvalidInput) as refused:
        await file(panel, **changes)
    assert expect in str(refused.value)
    assert await panel.status() == []
    assert await count(panel, Referral) == 0
    assert await count(panel, Deadline) == 0
    assert await count(panel, OutboxMessage) == 0
    assert await count(panel, AuditEntry) == audit_before
    # The next good referral still gets number 001.
    assert await file(panel) == "SAL-2026-001"


async def test_a_possible_name_is_refused_until_the_bm_confirms_it_is_not_one(make_panel):
    """Issue 18 (2): text that reads as a person's name is not silently accepted. The refusal tells the BM
    to write a role instead and does not repeat the name; once the BM confirms it is not a name (the flag a
    form sets after asking), the same text is filed. Other dates, such as the incident's, stay."""
    panel = await panel_with(make_panel, "salford", SALFORD)
    summary = "Police attended on 01/12/2026 after Kelly Hughes called from Walkden."
    with pytest.raises(InvalidInput) as refused:
        await file(panel, summary=summary)
    message = str(refused.value)
    assert message.startswith("The summary looks like it names a person")
    assert '"the daughter"' in message and "nothing was saved" in message
    assert "Kelly" not in message and "Hughes" not in message
    assert await count(panel, Referral) == 0
    ref = await file(panel, summary=summary, names_confirmed=True)
    async with panel.uow() as uow:
        stored = (await uow.session.execute(select(Referral.summary).where(Referral.reference == ref))).scalar_one()
    assert stored == summary
    # The confirmation is about names only: a date of birth is refused with it all the same.
    with pytest.raises(InvalidInput, match="date of birth"):
        await file(panel, summary="Kelly Hughes, born 12/03/2014.", names_confirmed=True)


async def test_incident_dates_agencies_and_roles_are_filed(make_panel):
    """Issue 18 (2): a date is refused only where it reads as a date of birth; the agencies, places and
    subject labels of ordinary panel text are not taken for names."""
    panel = await panel_with(make_panel, "salford", SALFORD)
    summary = ("Young Person C, aged 9, was seen at Salford Royal on 01/12/2026 at 10:30; Greater Manchester "
               "Police and the health visitor attended the Rapid Review on Monday 7 December 2026.")
    ref = await file(panel, summary=summary, referrer="Greater Manchester Police")
    assert ref == "SAL-2026-001"


async def test_salford_clocks_started_at_filing(make_panel):
    """Salford 7.5: the panel decides within 48 hours (Mon 23 Nov 2026, 10:12 -> Wed 25 Nov 2026, 10:12);
    Salford 7.7: agency requests within 2 WD (-> Wed 25 Nov 2026, 17:00); 7.4: LA notification within 5 WD
    of becoming aware (aware Fri 20 Nov -> Fri 27 Nov 2026, 17:00); 15 days for the RR result."""
    panel = await panel_with(make_panel, "salford", SALFORD)
    ref = await file(panel, aware_on=date(2026, 11, 20))
    due = {cid: fmt(panel, d.due_at) for cid, d in (await deadlines(panel, ref)).items()}
    assert due["panel_decision"] == "Wed 25 Nov 2026, 10:12"
    assert due["info_request_send"] == "Wed 25 Nov 2026, 17:00"
    assert due["la_notification"] == "Fri 27 Nov 2026, 17:00"
    assert due["national_panel_result"] == "Tue 8 Dec 2026, 17:00"
    # Clocks that start from later events are not running yet.
    assert "agency_return" not in due and "resubmission" not in due and "case_review" not in due
    assert "Panel decision due **Wed 25 Nov 2026, 10:12** (48 hours)" in await card(panel, ref)
    [line] = await panel.status()
    assert line.next_due_label == "Virtual panel decision"
    assert fmt(panel, line.next_due) == "Wed 25 Nov 2026, 10:12"


# Incomplete referrals ------------------------------------------------------------------------------------

async def test_return_incomplete_then_resubmit_opens_round_two(make_panel, clock):
    """Salford 7.5: an incomplete referral goes back to the referrer and is resubmitted within 5 WD of
    return (Mon 23 Nov -> Mon 30 Nov 2026, 17:00); resubmission puts it back to the panel with a fresh
    48-hour deadline and a new round of voting."""
    panel = await panel_with(make_panel, "salford", SALFORD)
    ref = await file(panel)
    await panel.vote(actor=await panel.actor_named("Ann"), reference=ref, outcome="commence_rapid_review")
    said = await panel.return_incomplete(actor=OP, reference=ref, missing="Health chronology not attached")
    assert said == (f"{ref} is returned as incomplete. Stopped until it is resubmitted: Agency summary and "
                    "chronology requests sent.")  # issue 21: the requests no longer apply while it is away
    view = await panel.card(ref)
    assert view.status == Status.RETURNED and not view.open
    lines = card_lines(view, panel.cal)
    assert "Returned as incomplete. Missing: Health chronology not attached" in lines
    assert "Next: Incomplete referral resubmitted by **Mon 30 Nov 2026, 17:00**" in lines
    rows = await deadlines(panel, ref)
    assert fmt(panel, rows["resubmission"].due_at) == "Mon 30 Nov 2026, 17:00"
    assert rows["panel_decision"].cancelled_at is not None
    [status] = await panel.status()
    assert status.status_label == "returned as incomplete"
    assert status.waiting_for == "resubmission by Children's Social Care"
    # Voting is closed while it is with the referrer.
    with pytest.raises(WrongState):
        await panel.vote(actor=await panel.actor_named("Ben"), reference=ref, outcome="commence_rapid_review")

    clock.set(datetime(2026, 11, 26, 14, 30, tzinfo=UTC))  # Thu 26 Nov 2026, 14:30
    assert await panel.resubmit(actor=OP, reference=ref) == (
        f"{ref} is resubmitted and back with the panel. Started again: Agency summary and chronology requests sent: "
        "due Mon 30 Nov 2026, 17:00."  # 2 working days from Thu 26 Nov (Salford 7.7)
    )
    view = await panel.card(ref)
    assert view.open and view.status == Status.WITH_PANEL
    lines = card_lines(view, panel.cal)
    assert "Panel decision due **Sat 28 Nov 2026, 14:30** (48 hours)" in lines
    assert not any(line.startswith("Returned as incomplete") for line in lines)
    # The round-1 vote does not carry over.
    assert "Independent Adviser (Ann): –" in "\n".join(lines)
    rounds = await ballots(panel, ref)
    assert [b.round for b in rounds] == [1, 2]
    assert rounds[0].closed_at is not None and rounds[1].closed_at is None
    assert fmt(panel, rounds[1].deadline_at) == "Sat 28 Nov 2026, 14:30"
    rows = await deadlines(panel, ref)
    assert rows["resubmission"].done_at is not None
    assert fmt(panel, rows["panel_decision"].due_at) == "Sat 28 Nov 2026, 14:30"
    # Round 2 votes count.
    receipt = await panel.vote(actor=await panel.actor_named("Ann"), reference=ref, outcome="case_review")
    assert receipt.changed
    with pytest.raises(WrongState):
        await panel.resubmit(actor=OP, reference=ref)


# Hold and resume (Suffolk) -------------------------------------------------------------------------------

async def test_suffolk_hold_pauses_voting_and_resume_moves_the_deadline(make_panel, clock):
    """Suffolk section 3: the panel meets on the 25th; a referral received after the 15th goes to the next
    month's panel (filed Mon 23 Nov 2026 -> the December panel; 25 Dec is Christmas Day, so the last working
    day before it, Thu 24 Dec 2026). A case can be put on hold indefinitely: voting pauses, the passing
    deadline does not close the ballot, and on resume (Mon 4 Jan 2027) the deadline is the next panel,
    Mon 25 Jan 2027."""
    panel = await panel_with(make_panel, "suffolk", SUFFOLK)
    ref = await file(panel)
    assert "Panel decision due **Thu 24 Dec 2026, 17:00** (its monthly panel)" in await card(panel, ref)

    said = await panel.hold(actor=OP, reference=ref, reason="Awaiting the police disclosure")
    assert said == f"{ref} is on hold until you resume it."
    view = await panel.card(ref)
    assert view.status == Status.ON_HOLD and not view.open
    assert "Status: on hold" in card_lines(view, panel.cal)
    [status] = await panel.status()
    assert status.status_label == "on hold"
    assert status.waiting_for == "the business manager to resume it"
    with pytest.raises(WrongState) as refused:
        await panel.vote(actor=await panel.actor_named("Lia"), reference=ref, outcome="partnership_review")
    assert str(refused.value) == f"{ref} is on hold, so voting is paused. Your vote was not recorded."

    clock.set(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))  # past the December panel, still on hold
    assert await panel.check_deadlines() == []
    assert (await panel.card(ref)).status == Status.ON_HOLD

    assert await panel.resume(actor=OP, reference=ref) == f"{ref} is back with the panel."
    view = await panel.card(ref)
    assert view.open and view.status == Status.WITH_PANEL
    assert "Panel decision due **Mon 25 Jan 2027, 17:00** (its monthly panel)" in card_lines(view, panel.cal)
    assert fmt(panel, (await deadlines(panel, ref))["panel_decision"].due_at) == "Mon 25 Jan 2027, 17:00"
    receipt = await panel.vote(actor=await panel.actor_named("Lia"), reference=ref, outcome="partnership_review")
    assert receipt.changed
    with pytest.raises(WrongState):
        await panel.resume(actor=OP, reference=ref)


async def test_suffolk_held_case_decision_is_not_listed_overdue(make_panel, clock):
    """Suffolk section 3 (cases on hold for a set period or indefinitely): while a case is on hold its panel
    decision is paused, so it is not reported as overdue to the business manager."""
    panel = await panel_with(make_panel, "suffolk", SUFFOLK)
    ref = await file(panel)
    await panel.hold(actor=OP, reference=ref, reason="Awaiting the police disclosure")
    clock.set(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))  # the December panel (Thu 24 Dec) has passed
    overdue = await panel.overdue()
    assert [o.label for o in overdue if o.reference == ref and o.owner == "the panel"
            and "decision" in o.label.lower()] == []


async def test_suffolk_hold_with_end_date_is_released_by_the_scheduler(make_panel, clock):
    """Suffolk section 3: a case on hold for a set period comes back by itself when the period ends; the BM is
    told. Held on Mon 23 Nov 2026 until Tue 1 Dec 2026: released from Tue 1 Dec 00:00, and the deadline is
    then the December panel (1 Dec is before the 15th): Thu 24 Dec 2026, 17:00."""
    panel = await panel_with(make_panel, "suffolk", SUFFOLK)
    ref = await file(panel)
    with pytest.raises(InvalidInput):  # the end of a hold must be in the future
        await panel.hold(actor=OP, reference=ref, until=date(2026, 11, 23))
    said = await panel.hold(actor=OP, reference=ref, until=date(2026, 12, 1), reason="Court hearing pending")
    assert said == f"{ref} is on hold until Tue 1 Dec 2026."
    lines = await card(panel, ref)
    assert any(line.startswith("On hold until Tue 1 Dec 2026") for line in lines)
    [status] = await panel.status()
    assert status.waiting_for == "the end of the hold"

    clock.set(datetime(2026, 11, 30, 23, 59, tzinfo=UTC))
    assert await panel.release_holds() == []
    assert (await panel.card(ref)).status == Status.ON_HOLD
    clock.set(datetime(2026, 12, 1, 0, 1, tzinfo=UTC))
    assert await panel.release_holds() == [ref]
    view = await panel.card(ref)
    assert view.status == Status.WITH_PANEL and view.open and view.hold_until is None
    assert "Panel decision due **Thu 24 Dec 2026, 17:00** (its monthly panel)" in card_lines(view, panel.cal)
    async with panel.uow() as uow:
        notices = list((await uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.purpose == "bm", OutboxMessage.kind == "notice"))).scalars())
    assert [n.body["text"] for n in notices] == [
        f"{ref} · Young Person C: the hold has ended and it is back with the panel."]
    # Released once only.
    assert await panel.release_holds() == []


# Withdrawal, overdue and status ----------------------------------------------------------------------------

async def test_withdraw_cancels_open_deadlines(make_panel, clock):
    """PROCEDURES.md clocks: a withdrawn referral has nothing left to wait for, so every open deadline is
    cancelled, voting closes, and nothing about it is later reported overdue."""
    panel = await panel_with(make_panel, "salford", SALFORD)
    ref = await file(panel)
    with pytest.raises(InvalidInput):
        await panel.withdraw(actor=OP, reference=ref, reason=" ")
    said = await panel.withdraw(actor=OP, reference=ref, reason="Sent to us in error")
    assert said == f"{ref} is withdrawn; its open deadlines are cancelled."
    rows = await deadlines(panel, ref)
    assert rows and all(d.cancelled_at is not None for d in rows.values())
    view = await panel.card(ref)
    assert view.status == Status.WITHDRAWN and not view.open
    assert view.result_text == "Withdrawn"
    assert await panel.status() == []
    [line] = await panel.status(ref)
    assert line.status_label == "withdrawn" and line.next_due is None
    with pytest.raises(WrongState):
        await panel.vote(actor=await panel.actor_named("Ann"), reference=ref, outcome="commence_rapid_review")
    clock.set(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    assert await panel.overdue() == []
    assert await panel.check_deadlines() == []
    with pytest.raises(WrongState):
        await panel.withdraw(actor=OP, reference=ref, reason="Again")


async def test_overdue_lists_passed_deadlines_sorted_with_working_days_late(make_panel, clock):
    """PROCEDURES.md clocks (Salford 7.5 48 hours, 7.7 2 WD, 7.4 5 WD): on Thu 3 Dec 2026 the panel decision
    (Wed 25 Nov 10:12) and the agency requests (Wed 25 Nov 17:00) are 6 working days late, the LA
    notification (Mon 30 Nov 17:00) 3; the 15-day RR result (Tue 8 Dec) is not yet due."""
    panel = await panel_with(make_panel, "salford", SALFORD)
    ref = await file(panel)
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    assert await panel.overdue() == []
    clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    lines = await panel.overdue()
    assert [(o.reference, o.label, fmt(panel, o.due), o.working_days_late, o.owner) for o in lines] == [
        (ref, "Virtual panel decision", "Wed 25 Nov 2026, 10:12", 6, "the panel"),
        (ref, "Agency summary and chronology requests sent", "Wed 25 Nov 2026, 17:00", 6, "business manager"),
        (ref, "Local authority notification to the National Panel", "Mon 30 Nov 2026, 17:00", 3, "local authority"),
    ]
    assert all(line.subject == "Young Person C" for line in lines)
    assert [o.due for o in lines] == sorted(o.due for o in lines)
    # A milestone marked done leaves the list.
    await panel.mark_done(actor=OP, reference=ref, clock_id="info_request_send")
    assert [o.label for o in await panel.overdue()] == [
        "Virtual panel decision", "Local authority notification to the National Panel"]


async def test_status_shows_what_each_referral_waits_for(make_panel):
    """BALLOTS.md terms, shown in `status`: a count quorum waits for votes (Salford 7.5: two), a role quorum
    names the roles still needed (Suffolk section 3 statutory partners), an escalated one the chair."""
    sal = await panel_with(make_panel, "salford", SALFORD)
    ref = await file(sal)
    assert [(s.reference, s.status_label, s.waiting_for) for s in await sal.status()] == [
        (ref, "with the panel", "2 more votes for quorum")]
    await sal.vote(actor=await sal.actor_named("Ann"), reference=ref, outcome="commence_rapid_review")
    assert (await sal.status())[0].waiting_for == "1 more vote for quorum"
    await sal.vote(actor=await sal.actor_named("Ben"), reference=ref, outcome="commence_rapid_review")
    assert (await sal.status())[0].waiting_for == "2 more votes, or the deadline"

    suf = await panel_with(make_panel, "suffolk", SUFFOLK)
    ref2 = await file(suf)
    assert (await suf.status())[0].waiting_for == "votes from Local authority, Police, Health (ICB)"
    await suf.vote(actor=await suf.actor_named("Pol"), reference=ref2, outcome="partnership_review")
    assert (await suf.status())[0].waiting_for == "votes from Local authority, Health (ICB)"
    await suf.escalate(actor=OP, reference=ref2)
    [line] = await suf.status()
    assert line.waiting_for == "the Independent Chair's decision"


# Members, channels and who may file -----------------------------------------------------------------------

async def test_member_add_refusals(make_panel):
    """PROCEDURES.md: a preset names the panel roles (Salford 7.5 virtual panel); only those roles, known
    platforms and an identity nobody else holds are accepted."""
    panel = await panel_with(make_panel, "salford")
    with pytest.raises(InvalidInput) as refused:
        await panel.add_member(actor=OP, name="Wendy", role="wizard")
    assert str(refused.value) == (
        '"wizard" is not a role in the Salford Safeguarding Children Partnership panel; use one of '
        "independent_adviser, chair, deputy_chair, business_manager, local_authority, police, health.")
    with pytest.raises(InvalidInput) as refused:
        await panel.add_member(actor=OP, name="Wendy", role="chair", ids=["myspace:42"])
    assert '"myspace" is not a platform Panelbot knows; use one of email, slack, teams, telegram, console.' == str(
        refused.value)
    assert await panel.list_members() == []

    added = await panel.add_member(actor=OP, name="Wendy", role="Deputy Chair", ids=["slack:U0123"])
    assert (added.role, added.role_label, added.votes, added.identities) == (
        "deputy_chair", "Deputy Chair", True, ("slack:U0123",))
    with pytest.raises(InvalidInput) as refused:
        await panel.add_member(actor=OP, name="Xavier", role="chair", ids=["slack:U0123"])
    assert str(refused.value) == "slack:U0123 already belongs to Wendy."
    with pytest.raises(InvalidInput) as refused:
        await panel.add_member(actor=OP, name="wendy", role="chair")
    assert "already on the panel (as Deputy Chair)" in str(refused.value)
    assert [m.name for m in await panel.list_members()] == ["Wendy"]
    assert await panel.actor_for("slack", "U0123") == Actor(added.id, "Wendy", "deputy_chair")
    with pytest.raises(NotAllowed):
        await panel.add_member(actor=Actor(added.id, "Wendy", "deputy_chair"), name="Yan", role="chair")


async def test_set_channel_refuses_an_unknown_purpose(make_panel):
    """The bot speaks in the panel channel, the BM's channel, or an agency's channel; nothing else."""
    panel = await panel_with(make_panel, "salford")
    with pytest.raises(InvalidInput) as refused:
        await panel.set_channel(actor=OP, purpose="gossip", platform_id="slack:C999")
    assert str(refused.value) == '"gossip" is not a channel purpose; use panel, bm or agency:NAME.'
    assert await panel.list_channels() == []
    assert await panel.set_channel(actor=OP, purpose="Agency: Police", platform_id="slack:C1") == (
        "agency:police", "slack", "C1")
    assert await panel.set_channel(actor=OP, purpose="panel", platform_id="slack:C2") == ("panel", "slack", "C2")
    assert await panel.list_channels() == [("agency:police", "slack", "C1"), ("panel", "slack", "C2")]


async def test_only_the_bm_may_file(make_panel):
    """Salford 7.5: referrals come to the business unit, which forwards them to the panel; a police member
    (a statutory partner) cannot file, and is told so politely; nothing is saved."""
    panel = await panel_with(make_panel, "salford", SALFORD)
    await panel.add_member(actor=OP, name="Pat", role="police")
    with pytest.raises(NotAllowed) as refused:
        await panel.file_referral(actor=await panel.actor_named("Pat"), draft=draft(panel))
    assert str(refused.value) == "Only the business manager can file a referral. Nothing was changed."
    assert await panel.status() == []
    ref = await panel.file_referral(actor=await panel.actor_named("Dee"), draft=draft(panel))
    assert ref == "SAL-2026-001"
    assert [s.reference for s in await panel.status()] == [ref]


async def test_filings_at_the_same_moment_each_get_their_own_reference(make_panel, twin_engine):
    """Two business managers (or two replicas) filing at once: every referral is kept, numbered in turn. On
    PostgreSQL each filing runs on its own connection; before the partnership row was held while numbering,
    all but one failed on the unique reference and the BM's filing was lost."""
    import asyncio

    from bot.service.bootstrap import open_panel
    from flows.preset import load_preset

    panel = await panel_with(make_panel, "salford", SALFORD)
    others = [twin_engine() for _ in range(3)]
    try:
        panels = [panel] + [await open_panel(e, load_preset("salford"), clock=panel.now) for e in others]
        refs = await asyncio.gather(*(file(panels[i % len(panels)]) for i in range(12)))
    finally:
        for e in others:
            await e.dispose()
    assert sorted(refs) == [f"SAL-{panel.now().year}-{n:03d}" for n in range(1, 13)]
    assert await count(panel, Referral) == 12
