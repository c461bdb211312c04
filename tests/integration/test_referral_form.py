"""Issue 23 on the real database (SQLite, and PostgreSQL when PANELBOT_TEST_DATABASE_URL is set): what the
referral form adds (where it came from, who authorised it, what runs alongside, the notifications made) and
Stockport's complaints (section 21), through the shared commands a business manager types.

The times: Mon 23 Nov 2026, 10:12 GMT (the test clock's start). Salford's local authority notification clock
is 5 working days from becoming aware (here the filing): Tue 24 = 1 ... Mon 30 Nov = 5, 17:00. Stockport's
written response to a complaint is 28 days: received Mon 23 Nov, due Mon 21 Dec 2026, 17:00; the Chair's further
28 days run from the escalation.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.commands import run
from bot.reports.tables import chat_lines, report_tables
from bot.service import Actor
from flows.referrals import ReferralDraft
from flows.reports import Period
from flows.views import card_lines
from storage.models import AuditEntry, Complaint, Deadline, Referral

OP = Actor.operator()
Q4 = Period(date(2026, 10, 1), date(2026, 12, 31), "2026-Q4")
SALFORD = [("Ann", "independent_adviser"), ("Cat", "chair"), ("Bea", "business_manager")]
STOCKPORT = [("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health"), ("Bob", "business_manager"),
             ("Ivy", "independent_chair")]


async def panel_with(make_panel, name, members):  # type: ignore[no-untyped-def]
    panel = await make_panel(name)
    for member, role in members:
        await panel.add_member(actor=OP, name=member, role=role)
    return panel


async def said(panel, line: str, actor: Actor = OP) -> tuple[bool, str]:  # type: ignore[no-untyped-def]
    reply = await run(panel, actor, line)
    text = "\n".join(reply.lines)
    if reply.card is not None:
        text += "\n" + "\n".join(card_lines(reply.card, panel.cal))
    return reply.ok, text


async def actions(panel) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        rows = await uow.session.execute(select(AuditEntry.action, AuditEntry.payload).order_by(AuditEntry.seq))
        return [(a, p) for a, p in rows]


async def test_the_form_s_answers_are_kept_shown_and_changed_later(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel = await panel_with(make_panel, "salford", SALFORD)
    ref = await panel.file_referral(actor=OP, draft=ReferralDraft(
        referral_type="rapid_review", referrer="Police", category="young person", letter="C",
        summary="Found injured at home; taken to hospital.", authorised_by="Designated safeguarding lead",
        parallel=["criminal_investigation"], looked_after=True, notified=["national_panel"],
        notified_on=date(2026, 11, 20)))
    async with panel.uow() as uow:
        row = (await uow.session.execute(select(Referral).where(Referral.reference == ref))).scalar_one()
        assert (row.source, row.referrer, row.authorised_by) == ("agency", "Greater Manchester Police",
                                                                 "Designated safeguarding lead")
        assert (row.parallel, row.looked_after, row.notifications) == (
            ["criminal_investigation"], True, {"national_panel": "2026-11-20"})
        clock_row = (await uow.session.execute(select(Deadline).where(Deadline.clock_id == "la_notification"))
                     ).scalar_one()
    # Ticked on the form, the National Panel's notification meets its clock, as of the day it was made.
    assert clock_row.done_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    ok, card = await said(panel, f"show {ref}")
    assert ok
    assert "Verified internally by: Designated safeguarding lead" in card
    assert "Running alongside: Criminal investigation or proceedings" in card
    assert "A looked-after child has died." in card
    assert ("Notified: National Panel (by the local authority) on Fri 20 Nov 2026 (Local authority notification "
            "to the National Panel: met)") in card
    # A looked-after child has died: Ofsted and the Secretary of State are required, and not yet recorded.
    assert f"**Not yet recorded as notified: Ofsted** (once made: `notified {ref} ofsted on DATE`)" in card
    assert "Not yet recorded as notified: Secretary of State" in card
    assert "Before publication: Check with the police before publishing" in card
    ok, status = await said(panel, "status")
    assert "Not yet recorded as notified: Ofsted" in status and "Secretary of State" in status

    assert await said(panel, f"notified {ref} ofsted on 2026-11-21") == (
        True, f"{ref}: Ofsted notified on Sat 21 Nov 2026.")
    assert await said(panel, f"notified {ref} secretary of state") == (
        True, f"{ref}: Secretary of State notified on Mon 23 Nov 2026.")
    ok, status = await said(panel, "status")
    assert "Not yet recorded" not in status

    # Refused in one sentence, nothing changed.
    before = await actions(panel)
    for line, words in ((f"notified {ref} ofsted", "already recorded as notified on Sat 21 Nov 2026"),
                        (f"notified {ref} coroner", '"coroner" is not one of the notifications here'),
                        (f"notified {ref} national_panel on 2026-12-25", "cannot be in the future"),
                        (f"parallel {ref} add criminal_investigation", "is already recorded as running alongside"),
                        (f"parallel {ref} start sudc", "Say add or remove"),
                        (f"parallel {ref} add murder", '"murder" is not one of the parallel processes here')):
        ok, text = await said(panel, line)
        assert not ok and words in text, (line, text)
    member = await panel.actor_named("Cat")
    ok, text = await said(panel, f"parallel {ref} add sudc", member)
    assert not ok and text.startswith("Only the business manager can record parallel processes.")
    assert await actions(panel) == before

    ok, text = await said(panel, f"parallel {ref} add domestic homicide review")
    assert ok and "Domestic homicide review is recorded as running alongside" in text
    ok, text = await said(panel, f"parallel {ref} remove criminal_investigation")
    assert ok and "no longer recorded" in text
    changes = [p for a, p in await actions(panel) if a == "parallel_changed"]
    assert [(p["kind"], p["change"]) for p in changes] == [("domestic_homicide_review", "add"),
                                                           ("criminal_investigation", "remove")]
    ok, card = await said(panel, f"show {ref}")
    assert "Running alongside: Domestic homicide review" in card and "Before publication" not in card
    assert [p["kind"] for a, p in await actions(panel) if a == "notification_recorded"] == [
        "ofsted", "secretary_of_state"]

    # The export carries them; the report counts where they came from and what runs alongside.
    await panel.file_referral(actor=OP, draft=ReferralDraft(
        referral_type="case_review", referrer="The Coroner", category="baby", letter="D",
        summary="Sudden death at home.", parallel=["sudc"]))
    data = json.loads(json.dumps(await panel.export_record()))
    first, second = data["referrals"]
    assert (first["source"], first["authorised_by"], first["parallel"]) == (
        "agency", "Designated safeguarding lead", "domestic_homicide_review")
    assert first["notifications"] == "national_panel 2026-11-20; ofsted 2026-11-21; secretary_of_state 2026-11-23"
    assert (second["source"], second["referrer"], second["parallel"]) == ("coroner", "The Coroner", "sudc")
    report = await panel.report(Q4)
    assert report.by_source == (("A partner agency", 1), ("The Rapid Response Team", 0), ("The Coroner", 1),
                                ("The Child Death Overview Panel", 0))
    tables = {t.id: t for t in report_tables(report, panel.preset, panel.cal)}
    assert tables["referrals_by_parallel"].rows == (
        ("Criminal investigation or proceedings", 0), ("Child death review (CDOP)", 0),
        ("Sudden unexpected death in childhood (SUDC) review", 1), ("Domestic homicide review", 1),
        ("None recorded", 0))
    assert "By where they came from: A partner agency 1 · The Coroner 1." in chat_lines(report, panel.preset, panel.cal)


async def test_publication_planned_with_a_criminal_investigation_says_check_with_the_police(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel = await panel_with(make_panel, "suffolk", [("Bob", "business_manager")])
    ref = await panel.file_referral(actor=OP, draft=ReferralDraft(
        referral_type="child", referrer="A court", category="young person", letter="E",
        summary="Referred by the court.", parallel=["criminal_investigation"]))
    ok, text = await said(panel, f"event {ref} publication on 2027-03-01")
    assert ok and "Before publication: Check with the police before publishing" in text
    ok, card = await said(panel, f"show {ref}")
    assert "Referred by A court" in card
    # The National Panel's notification is required for a child referral and was not made on the form.
    assert "Not yet recorded as notified: National Panel (by the local authority)" in card


async def test_a_stockport_complaint_from_receipt_to_the_chair_s_response(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel = await panel_with(make_panel, "stockport", STOCKPORT)
    ref = await panel.file_referral(actor=OP, draft=ReferralDraft(
        referral_type="child", referrer="Police", category="young person", letter="C", summary="Injury at home."))
    lia = await panel.actor_named("Lia")
    ok, text = await said(panel, f"complaint {ref} about decision the family feel a review was needed", lia)
    assert not ok and text.startswith("Only the business manager can record complaints.")
    ok, text = await said(panel, f"complaint {ref} about decision they live at M5 4WT")
    assert not ok and "postcode" in text and "M5 4WT" not in text
    ok, text = await said(panel, f"complaint {ref} about timing it was slow")
    assert not ok and text == '"timing" is not what a complaint can be about here; say decision or process or outcome.'
    async with panel.uow() as uow:
        assert list((await uow.session.execute(select(Complaint))).scalars()) == []

    ok, text = await said(panel, f"complaint {ref} about decision the family feel a review was needed")
    assert ok, text
    assert text.startswith(f"Recorded complaint 1 about {ref} (the decision whether to review). A written response "
                           "is due by Mon 21 Dec 2026, 17:00.")
    assert "Reply template (send by Mon 21 Dec 2026, 17:00):" in text
    assert "Local Government and Social Care Ombudsman: www.lgo.org.uk" in text
    ok, text = await said(panel, f"complaint escalate {ref}")
    assert not ok and "has no written response recorded yet" in text

    clock.set(datetime(2026, 12, 22, 10, 0, tzinfo=UTC))  # a day after it was due
    ok, text = await said(panel, "complaints", lia)
    assert ok and "the response **overdue since Mon 21 Dec 2026, 17:00**" in text
    ok, text = await said(panel, f"complaint responded {ref} by business manager")
    assert ok and text == (f"Recorded the written response to complaint 1 about {ref}, sent Tue 22 Dec 2026, 10:00 "
                           "by business manager: 1 working day late.")
    clock.set(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    ok, text = await said(panel, f"complaint escalate {ref}")
    assert ok and "their written response is due by Mon 1 Feb 2027, 17:00" in text
    assert "Independent Chair (SSAB and SSCP) has considered it" in text and "Ombudsman" in text
    ok, text = await said(panel, f"complaint responded {ref} 1 by independent chair")
    assert ok and "the Chair's further response" in text and "in time" in text

    ok, text = await said(panel, f"complaints {ref}")
    assert "sent Tue 22 Dec 2026, 10:00 (late); escalated Mon 4 Jan 2027, 10:00, the Chair's response sent Mon 4 Jan " \
           "2027, 10:00 (in time)" in text
    acted = [a for a, _ in await actions(panel) if a.startswith("complaint")]
    assert acted == ["complaint_recorded", "complaint_responded", "complaint_escalated", "complaint_responded"]

    report = await panel.report(Period(date(2026, 11, 1), date(2027, 3, 31), "winter"))
    tables = {t.id: t for t in report_tables(report, panel.preset, panel.cal)}
    assert tables["complaints"].rows == (
        ("The decision whether to review", 1, 0, 1, 0, 0, 1, 1, 0),
        ("The review process", 0, 0, 0, 0, 0, 0, 0, 0),
        ("The outcome of the review", 0, 0, 0, 0, 0, 0, 0, 0),
        ("Total", 1, 0, 1, 0, 0, 1, 1, 0),
    )
    assert tables["complaints"].source == "Stockport section 21"
    export = json.loads(json.dumps(await panel.export_record()))
    (row,) = export["complaints"]
    assert (row["reference"], row["about"], row["responded_by"], row["chair_responded_by"]) == (
        ref, "decision", "business manager", "independent chair")
    assert row["response_due"] == "2026-12-21T17:00:00+00:00"


async def test_salford_has_no_complaints_procedure(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel = await panel_with(make_panel, "salford", SALFORD)
    ref = await panel.file_referral(actor=OP, draft=ReferralDraft(
        referral_type="rapid_review", referrer="Police", category="baby", letter="A", summary="Fall at home."))
    ok, text = await said(panel, f"complaint {ref} about decision they disagree")
    assert not ok and "sets out no complaints procedure" in text
    assert await said(panel, "complaints") == (True, "No complaints have been recorded.")
