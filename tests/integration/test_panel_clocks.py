"""Suffolk's monthly panel moved or cancelled (issue 21, section 3): the clocks counted to it follow it, once.

Suffolk section 3: a referral is decided at the first panel at least 10 days after it (`panel_decision`), a case
put on hold comes back at the next panel (`on_hold_review`), and the agencies' information is collated for the
panel that considers the referral (due the working day before it). Planned panels (10:00 UK time): Thu 24 Dec
2026 (the 25th is Christmas Day, a bank holiday), Mon 25 Jan 2027, Thu 25 Feb 2027, Thu 25 Mar 2027 (British
Summer Time starts on Sun 28 Mar 2027).

Hand-worked:
- January's panel moved from Mon 25 Jan to Mon 1 Feb 2027, 14:00: the decisions and the held case's review are
  due Mon 1 Feb, 17:00 (were Mon 25 Jan); the police's information the working day before, Fri 29 Jan, 17:00,
  across the weekend (was Fri 22 Jan). Their reminders: the police's Thu 28 Jan, 09:00 (the working day before it
  is due) and Fri 29 Jan, 09:00 (its day); the vote's and the review's Fri 29 Jan, 09:00. Nothing goes at the old
  times (Thu 21 and Fri 22 Jan). The held cases' notice goes on Mon 1 Feb, naming it, and not on Mon 25 Jan.
- December's panel (Thu 24 Dec 2026) cancelled: its decision goes to Mon 25 Jan 2027, 17:00, and the information
  due Wed 23 Dec, 17:00 to Fri 22 Jan 2027, 17:00 (reminded Thu 21 Jan, 09:00); the vote stays open past 24 Dec.
- March's panel moved from Thu 25 Mar to Tue 30 Mar 2027, after the clocks go forward (Sun 28 Mar) and past Easter
  (Good Friday 26 Mar and Easter Monday 29 Mar are bank holidays): the decision is due Tue 30 Mar, 17:00 BST
  (16:00 UTC); the information the working day before, Thu 25 Mar, 17:00 GMT (17:00 UTC). A referral received Sat
  20 Mar is 10 days before it, in time (5 before the preset's date); one received Sun 21 Mar goes to April's panel,
  Fri 23 Apr (the 25th is a Sunday).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from suffolk_panel import OP, at, file, refused, say, suffolk

from storage.models import AuditEntry, Deadline, OutboxMessage


async def running(panel, ref: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The referral's running clocks, each with its due time as shown (UK time)."""
    async with panel.uow() as uow:
        referral = await panel.referral(uow, ref)
        rows = await uow.deadlines.running(referral)
    return {(f"{d.clock_id}:{d.agency}" if d.agency else d.clock_id): panel.fmt(d.due_at) for d in rows}


async def texts(panel, purpose: str | None = None, kind: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        rows = (await uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [" ".join(m.body.get("text", "").replace("**", "").split()) for m in rows
                if (purpose is None or m.purpose == purpose) and (kind is None or m.kind == kind)]


async def decide_on_hold(panel, ref: str) -> None:  # type: ignore[no-untyped-def]
    """The three statutory partners vote to put it on hold (Suffolk 3): its review is due at the next panel."""
    for name in ("Lia", "Pol", "Hal"):
        await panel.vote(actor=await panel.actor_named(name), reference=ref, outcome="on_hold",
                         reason="waiting for the strategy meeting's minutes")
    if (await panel.card(ref)).open:
        await panel.close_ballot(actor=OP, reference=ref)
    assert (await panel.card(ref)).result_text == "Decided: On hold: more information needed"


async def test_moving_the_january_panel_moves_its_clocks_and_reminders_once(make_panel, clock):
    panel = await suffolk(make_panel, clock, "2027-01-04T10:00")
    a = await file(panel, "A")
    b = await file(panel, "B")
    await decide_on_hold(panel, b)
    c = await file(panel, "C")
    await panel.hold(actor=OP, reference=c, reason="waiting for the inquest")
    await say(panel, f"request {a} police")
    assert (await texts(panel, "agency:police"))[-1] == (
        f"Information request for {a} · Adult A (Safeguarding adults review referral). Please send the rapid review "
        "information request (section 3) by Fri 22 Jan 2027, 17:00 (the working day before the panel that considers "
        "it). When it is sent, press Mark as returned.")
    assert await running(panel, a) == {"panel_decision": "Mon 25 Jan 2027, 17:00",
                                       "agency_return:police": "Fri 22 Jan 2027, 17:00"}
    assert await running(panel, b) == {"on_hold_review": "Mon 25 Jan 2027, 17:00"}

    # A member cannot move it, and nothing changes.
    pol = await panel.actor_named("Pol")
    assert (await refused(panel, "meeting move PANEL-2027-01 2027-02-01 14:00", pol)).startswith(
        "Only the business manager can move meetings")
    assert (await running(panel, a))["panel_decision"] == "Mon 25 Jan 2027, 17:00"

    clock.set(at("2027-01-11T10:00"))
    assert await say(panel, "meeting move PANEL-2027-01 2027-02-01 14:00") == [
        "The monthly panel of January 2027 (PANEL-2027-01) is moved to Mon 1 Feb 2027, 14:00 (was Mon 25 Jan 2027, "
        "10:00).",
        f"{a} · Adult A: Case Review Panel decision (at its monthly panel), now due Mon 1 Feb 2027, 17:00.",
        f"{b} · Adult B: Case on hold reviewed at the next panel, now due Mon 1 Feb 2027, 17:00.",
        f"{a} · Adult A: Information for the panel returned by the agency (Suffolk Constabulary safeguarding lead), "
        "now due Fri 29 Jan 2027, 17:00.",
    ]
    assert await running(panel, a) == {"panel_decision": "Mon 1 Feb 2027, 17:00",
                                       "agency_return:police": "Fri 29 Jan 2027, 17:00"}
    assert await running(panel, b) == {"on_hold_review": "Mon 1 Feb 2027, 17:00"}
    assert panel.fmt((await panel.card(a)).deadline) == "Mon 1 Feb 2027, 17:00"  # the vote closes then
    assert (await texts(panel, "panel", "notice"))[-1] == (
        "The monthly panel of January 2027 is moved from Mon 25 Jan 2027, 10:00 to Mon 1 Feb 2027, 14:00. Moved with "
        f"it: {a}, {b} (due at the panel), now due Mon 1 Feb 2027, 17:00; the agencies' information for {a}, now due "
        "Fri 29 Jan 2027, 17:00.")
    assert (await texts(panel, "agency:police"))[-1] == (
        f"The monthly panel of January 2027 has moved: the information for {a} · Adult A is now due Fri 29 Jan 2027, "
        "17:00, the working day before the panel.")
    status = " ".join(await say(panel, "status"))
    assert f"{a} · Adult A (Safeguarding adults review referral): with the panel; waiting for votes from Local " \
           "authority, Police, Health (ICB). Next: Information for the panel returned by the agency (Suffolk " \
           "Constabulary safeguarding lead) by Fri 29 Jan 2027, 17:00." in status
    assert f"{b} · Adult B (Safeguarding adults review referral): on hold; waiting for its review at each panel, " \
           "until the business manager resumes it. Next: Case on hold reviewed at the next panel by Mon 1 Feb 2027, " \
           "17:00." in status
    assert await say(panel, "agenda") == [
        "Agenda for the panel of Mon 1 Feb 2027, 14:00 (PANEL-2027-01):", "New referrals (1):",
        f"{a} · Adult A (Safeguarding adults review referral)", "On hold, back at this panel (2):",
        f"{b} · Adult B (Safeguarding adults review referral)", f"{c} · Adult C (Safeguarding adults review referral)"]

    # Another hour on the same day moves no clock, and starts none again.
    async with panel.uow() as uow:
        before = len(list((await uow.session.execute(select(Deadline))).scalars()))
    assert await say(panel, "meeting move PANEL-2027-01 2027-02-01 10:00") == [
        "The monthly panel of January 2027 (PANEL-2027-01) is moved to Mon 1 Feb 2027, 10:00 (was Mon 1 Feb 2027, "
        "14:00)."]
    async with panel.uow() as uow:
        assert len(list((await uow.session.execute(select(Deadline))).scalars())) == before

    # Reminders: none at the old times; each once at the new.
    for when in ("2027-01-21T09:30", "2027-01-22T09:30", "2027-01-25T09:30"):
        clock.set(at(when))
        assert await panel.run_reminders() == 0, when
    clock.set(at("2027-01-25T17:30"))
    assert await panel.check_deadlines() == []  # the vote stays open until the moved panel
    clock.set(at("2027-01-28T09:30"))
    assert await panel.run_reminders() == 1
    assert (await texts(panel, "agency:police", "reminder"))[-1].startswith(
        f"Reminder: the rapid review information request (section 3) for {a} · Adult A is due Fri 29 Jan 2027, 17:00 "
        "(tomorrow).")
    assert await panel.run_reminders() == 0
    clock.set(at("2027-01-29T09:30"))
    assert await panel.run_reminders() == 5  # the three votes still needed, the held case's review, the police
    assert sorted((await texts(panel, kind="reminder"))[-5:])[:2] == [
        f"Reminder: Case on hold reviewed at the next panel for {b} · Adult B is due Mon 1 Feb 2027, 17:00 (in 3 "
        "days).",
        f"Reminder: the rapid review information request (section 3) for {a} · Adult A is due Fri 29 Jan 2027, 17:00 "
        "(today). Press Mark as returned once it is sent. Questions: reply here and the business manager will see "
        "it."]
    assert (await texts(panel, kind="reminder"))[-1 - 4].startswith(
        f"Reminder: your vote on {a} · Adult A is needed by Mon 1 Feb 2027, 17:00 (in 3 days).")
    assert await panel.run_reminders() == 0

    # The held cases' notice: nothing on the preset's date, the moved date on the panel's day.
    clock.set(at("2027-01-25T10:00"))
    assert await panel.hold_agenda() == []
    clock.set(at("2027-02-01T09:00"))
    assert await panel.hold_agenda() == [b, c]  # the panel's hold and the business manager's
    assert (await texts(panel, "bm"))[-1] == (
        f"Cases on hold, back at the panel of Mon 1 Feb 2027: {b} · Adult B; {c} · Adult C.")
    assert await panel.hold_agenda() == []

    clock.set(at("2027-02-01T18:00"))
    assert (await say(panel, "overdue"))[0] == (
        f"Overdue since Fri 29 Jan 2027, 17:00 (1 working day late): Information for the panel returned by the agency "
        f"for {a} · Adult A (waiting on Suffolk Constabulary safeguarding lead).")
    async with panel.uow() as uow:
        moves = [e for e in (await uow.session.execute(select(AuditEntry))).scalars() if e.action == "meeting_moved"]
    assert [(e.subject, e.payload["clocks_moved"]) for e in moves] == [("PANEL-2027-01", 3), ("PANEL-2027-01", 0)]


async def test_cancelling_the_christmas_panel_sends_its_clocks_to_january(make_panel, clock):
    panel = await suffolk(make_panel, clock, "2026-12-07T10:00")
    a = await file(panel, "A")
    c = await file(panel, "C")
    await panel.hold(actor=OP, reference=c, reason="waiting for the inquest")
    await say(panel, f"request {a} police")
    assert await running(panel, a) == {"panel_decision": "Thu 24 Dec 2026, 17:00",
                                       "agency_return:police": "Wed 23 Dec 2026, 17:00"}
    hal = await panel.actor_named("Hal")
    assert (await refused(panel, "meeting cancel PANEL-2026-12 the chair is away", hal)).startswith(
        "Only the business manager can cancel meetings")
    assert (await running(panel, a))["panel_decision"] == "Thu 24 Dec 2026, 17:00"

    assert await say(panel, "meeting cancel PANEL-2026-12 the chair is away") == [
        "The monthly panel of December 2026 (PANEL-2026-12) on Thu 24 Dec 2026, 10:00 is cancelled. Its cases go to "
        "the monthly panel of January 2027 (Mon 25 Jan 2027):",
        f"{a} · Adult A: Case Review Panel decision (at its monthly panel), now due Mon 25 Jan 2027, 17:00.",
        f"{a} · Adult A: Information for the panel returned by the agency (Suffolk Constabulary safeguarding lead), "
        "now due Fri 22 Jan 2027, 17:00.",
    ]
    assert await running(panel, a) == {"panel_decision": "Mon 25 Jan 2027, 17:00",
                                       "agency_return:police": "Fri 22 Jan 2027, 17:00"}
    assert (await texts(panel, "panel", "notice"))[-1] == (
        "The monthly panel of December 2026 on Thu 24 Dec 2026, 10:00 is cancelled: the chair is away. Its cases go to "
        f"the monthly panel of January 2027 (Mon 25 Jan 2027). Moved with it: {a} (due at the panel), now due Mon 25 "
        f"Jan 2027, 17:00; the agencies' information for {a}, now due Fri 22 Jan 2027, 17:00.")
    assert (await texts(panel, "agency:police"))[-1] == (
        f"The monthly panel of December 2026 is cancelled: the information for {a} · Adult A is now due Fri 22 Jan "
        "2027, 17:00, the working day before the panel.")
    assert (await say(panel, "agenda"))[0] == "Agenda for the panel of Mon 25 Jan 2027, 10:00 (PANEL-2027-01):"

    for when in ("2026-12-22T09:30", "2026-12-23T09:30", "2026-12-24T09:30"):
        clock.set(at(when))
        assert await panel.run_reminders() == 0, when
        assert await panel.hold_agenda() == [], when  # no panel meets before Christmas now
    clock.set(at("2026-12-24T17:30"))
    assert await panel.check_deadlines() == []
    assert (await panel.card(a)).open
    clock.set(at("2027-01-21T09:30"))
    assert await panel.run_reminders() == 1  # the police's, the working day before it is due
    assert await panel.run_reminders() == 0
    clock.set(at("2027-01-25T11:00"))
    assert await panel.hold_agenda() == [c]
    assert (await texts(panel, "bm"))[-1] == f"Cases on hold, back at the panel of Mon 25 Jan 2027: {c} · Adult C."


async def test_a_panel_moved_past_the_clock_change_counts_new_referrals_to_its_real_day(make_panel, clock):
    panel = await suffolk(make_panel, clock, "2027-03-01T10:00")
    a = await file(panel, "A")
    await say(panel, f"request {a} police")
    assert await running(panel, a) == {"panel_decision": "Thu 25 Mar 2027, 17:00",
                                       "agency_return:police": "Wed 24 Mar 2027, 17:00"}
    said = await refused(panel, "meeting move PANEL-2027-03 2027-04-23 10:00", OP)
    assert said == ("The monthly panel of March 2027 must meet after the panel of Thu 25 Feb 2027 and before the panel "
                    "of Fri 23 Apr 2027, so that the panels keep their order and each referral its panel; Fri 23 Apr "
                    "2027 is not. Nothing was moved.")
    assert (await running(panel, a))["panel_decision"] == "Thu 25 Mar 2027, 17:00"

    await say(panel, "meeting move PANEL-2027-03 2027-03-30 10:00")  # a Tuesday in British Summer Time
    async with panel.uow() as uow:
        referral = await panel.referral(uow, a)
        dues = {d.clock_id: d.due_at for d in await uow.deadlines.running(referral)}
    assert dues == {"panel_decision": datetime(2027, 3, 30, 16, 0, tzinfo=UTC),  # 17:00 BST
                    "agency_return": datetime(2027, 3, 25, 17, 0, tzinfo=UTC)}  # 17:00 GMT, before Easter
    assert (await say(panel, "meeting list"))[0].startswith(
        "PANEL-2027-03: the monthly panel of March 2027, Tue 30 Mar 2027, 10:00.")

    clock.set(at("2027-03-20T10:00"))  # 10 days before Tue 30 Mar: in time (5 before the preset's Thu 25 Mar)
    b = await file(panel, "B")
    assert await running(panel, b) == {"panel_decision": "Tue 30 Mar 2027, 17:00"}
    await say(panel, f"request {b} police")  # collated for its panel: Thu 25 Mar, before the Easter holidays
    assert (await running(panel, b))["agency_return:police"] == "Thu 25 Mar 2027, 17:00"
    clock.set(at("2027-03-21T10:00"))  # 9 days before: April's, Fri 23 Apr (the 25th is a Sunday)
    c = await file(panel, "C")
    assert await running(panel, c) == {"panel_decision": "Fri 23 Apr 2027, 17:00"}
    assert (await say(panel, "agenda"))[-1] == (
        "A referral received today is past this panel's cut-off and goes to the panel of Fri 23 Apr 2027.")
