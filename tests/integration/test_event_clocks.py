"""Windows, clocks before a planned event, the sooner of two, and requests without a return clock (issue 21,
sections 2 and 4), through the shared commands on the database, with the clock moved by hand.

Hand counts: see tests/unit/test_clock_timing.py. Bank holidays Fri 25 Dec 2026, Mon 28 Dec 2026 (Boxing Day
observed) and Fri 1 Jan 2027. UK times are GMT in winter.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.commands import run
from bot.service import Actor
from flows.referrals import ReferralDraft
from storage.models import Deadline, OutboxMessage

OP = Actor.operator()


def uk(text: str) -> datetime:
    """A UK winter time written plainly, as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def file(panel, rtype: str | None = None) -> str:
    draft = ReferralDraft(referral_type=rtype or panel.preset.referral_types[0].id, referrer="Health visitor",
                          category="baby", letter="A", summary="Fracture found at a routine check.")
    return await panel.file_referral(actor=OP, draft=draft)


async def say(panel, line: str) -> str:
    reply = await run(panel, OP, line)
    text = " ".join(reply.lines).replace("**", "")
    assert reply.ok, text
    return text


async def refused(panel, line: str) -> str:
    reply = await run(panel, OP, line)
    assert not reply.ok, reply.lines
    return " ".join(reply.lines)


async def reminders_about(panel, clock_id: str) -> list[tuple[str, str, str]]:
    """(when queued, kind, to whom) of the reminders and escalations about one clock, in order."""
    async with panel.uow() as uow:
        wanted = set((await uow.session.execute(select(Deadline.id).where(Deadline.clock_id == clock_id))).scalars())
        rows = (await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.kind.in_(("reminder", "escalation"))).order_by(OutboxMessage.id)
        )).scalars()
        return [(panel.fmt(r.created_at), r.kind, r.purpose) for r in rows if r.body.get("deadline_id") in wanted]


async def sweep_hourly(panel, clock, until: datetime) -> None:
    while clock.now < until:
        clock.advance(hours=1)
        await panel.run_reminders()


async def running(panel, ref: str, clock_id: str) -> list[Deadline]:
    async with panel.uow() as uow:
        referral = await panel.referral(uow, ref)
        return await uow.deadlines.running(referral, [clock_id])


# Dudley: the rapid review meeting's window ---------------------------------------------------------------------


async def test_dudley_window_is_not_overdue_before_its_latest_day(make_panel, clock):
    """Filed Mon 14 Dec 2026: the meeting may be held Wed 23 Dec to Tue 5 Jan. Nothing says it is late before
    Tue 5 Jan 17:00: the reminders are Mon 4 Jan (the working day before) and the morning of Tue 5 Jan."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    ref = await file(panel)
    await sweep_hourly(panel, clock, uk("2027-01-05T16:00"))
    assert await reminders_about(panel, "rr_meeting") == [
        ("Mon 4 Jan 2027, 09:00", "reminder", "bm"),
        ("Tue 5 Jan 2027, 09:00", "reminder", "bm"),
    ]
    assert not any("Rapid review meeting" in line for line in (await run(panel, OP, "overdue")).lines)
    (row,) = await running(panel, ref, "rr_meeting")
    assert panel.fmt(row.due_at) == "Tue 5 Jan 2027, 17:00"


async def test_dudley_meeting_inside_the_window_meets_it(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    ref = await file(panel)
    clock.set(uk("2026-12-30T11:00"))
    text = await say(panel, f"event {ref} rr_meeting")
    assert "Clocks started: national_panel_outcome." in text
    assert "Met: Rapid review meeting held, on time." in text
    assert "Flagged" not in text
    assert await running(panel, ref, "rr_meeting") == []
    await sweep_hourly(panel, clock, uk("2027-01-08T12:00"))
    assert await reminders_about(panel, "rr_meeting") == []


async def test_dudley_meeting_before_the_window_is_flagged_not_refused(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    ref = await file(panel)
    clock.set(uk("2026-12-22T10:00"))
    text = await say(panel, f"event {ref} rr_meeting")
    assert "Met: Rapid review meeting held, on time." in text
    assert (
        "Flagged: Dudley Safeguarding People Partnership holds the rapid review meeting 7 to 13 working days after "
        "the referral is received: Wed 23 Dec 2026 to Tue 5 Jan 2027. Tue 22 Dec 2026 is before the window."
    ) in text
    async with panel.uow() as uow:
        told = [m.body["text"] for m in (await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.purpose == "bm"))).scalars()]
    assert any("is before the window" in t for t in told), "the business manager is told, not only the typist"


# Before a planned event: publication ----------------------------------------------------------------------------


async def test_suffolk_report_due_seven_working_days_before_publication_moves_with_it(make_panel, clock):
    """Suffolk 7: no later than 7 working days before publication. Planned for Wed 13 Jan 2027: due Mon 4 Jan.
    Moved to Tue 5 Jan 2027: due Tue 22 Dec 2026 (over the bank holidays). Each reminder is sent once, for the
    date then planned; none for the date it moved from."""
    clock.set(uk("2026-12-21T10:00"))
    panel = await make_panel("suffolk")
    ref = await file(panel, "child")
    text = await say(panel, f"event {ref} publication on 2027-01-13")
    assert text == (
        f"Publication of {ref} is planned for Wed 13 Jan 2027. Full LCSPR report to the National Panel, Ofsted and "
        "the Secretary of State (before publication): due Mon 4 Jan 2027, 17:00."
    )
    assert (await panel.card(ref)).next_steps == ("Planned: publication, Wed 13 Jan 2027.",)
    clock.set(uk("2026-12-21T11:00"))
    text = await say(panel, f"event {ref} publication on 05/01/2027")
    assert f"Publication of {ref} is planned for Tue 5 Jan 2027 (was Wed 13 Jan 2027)." in text
    assert "due Tue 22 Dec 2026, 17:00" in text
    await sweep_hourly(panel, clock, uk("2026-12-22T12:00"))
    assert await reminders_about(panel, "publication_notice") == [("Tue 22 Dec 2026, 09:00", "reminder", "bm")]
    # Back to 13 January: the report is due Mon 4 Jan again; the old date's overdue reminders never come.
    await say(panel, f"event {ref} publication on 2027-01-13")
    await sweep_hourly(panel, clock, uk("2027-01-05T12:00"))
    assert await reminders_about(panel, "publication_notice") == [
        ("Tue 22 Dec 2026, 09:00", "reminder", "bm"),
        ("Thu 31 Dec 2026, 09:00", "reminder", "bm"),
        ("Mon 4 Jan 2027, 09:00", "reminder", "bm"),
        ("Tue 5 Jan 2027, 09:00", "reminder", "bm"),
    ]
    assert len(await running(panel, ref, "publication_notice")) == 1


async def test_publication_in_the_past_is_refused_and_nothing_changes(make_panel, clock):
    clock.set(uk("2026-12-21T10:00"))
    panel = await make_panel("suffolk")
    ref = await file(panel, "child")
    said = await refused(panel, f"event {ref} publication on 2026-12-18")
    assert said == (
        f"The publication date must be in the future; to record that it happened, use `event {ref} publication`."
    )
    assert await running(panel, ref, "publication_notice") == []
    said = await refused(panel, f"event {ref} rr_meeting on 2027-01-04")
    assert '"rr_meeting" cannot be planned with a date' in said


async def test_kirklees_report_after_completion_or_before_publication_whichever_is_sooner(make_panel, clock):
    clock.set(uk("2026-12-14T15:00"))
    panel = await make_panel("kirklees")
    ref = await file(panel)
    await say(panel, f"event {ref} board_sign_off")
    (row,) = await running(panel, ref, "publication_notice")
    assert panel.fmt(row.due_at) == "Wed 23 Dec 2026, 17:00"  # 7 WD after completion
    text = await say(panel, f"event {ref} publication on 2027-01-05")
    assert "due Tue 22 Dec 2026, 17:00" in text  # 7 WD before publication is sooner
    text = await say(panel, f"event {ref} publication on 2027-01-13")
    assert "due Wed 23 Dec 2026, 17:00" in text  # now completion's is sooner again
    assert len(await running(panel, ref, "publication_notice")) == 1


async def test_kirklees_publication_planned_before_completion(make_panel, clock):
    clock.set(uk("2026-12-14T15:00"))
    panel = await make_panel("kirklees")
    ref = await file(panel)
    await say(panel, f"event {ref} publication on 2027-01-05")
    await say(panel, f"event {ref} board_sign_off")
    (row,) = await running(panel, ref, "publication_notice")
    assert panel.fmt(row.due_at) == "Tue 22 Dec 2026, 17:00"


# Section 4: requests where the preset sets no return time ---------------------------------------------------


async def test_stockport_request_with_a_due_date_and_its_reminders(make_panel, clock):
    """Stockport sets no return time: the BM gives the date. Due Sun 20 Dec 2026: a reminder the working day
    before (Fri 18 Dec), overdue from Mon 21 Dec, escalated to the BM two working days after (Tue 22 Dec)."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("stockport")
    ref = await file(panel, "child")
    said = await refused(panel, f"request {ref} police health")
    assert said == (
        "The Stockport Safeguarding Children Partnership and Safeguarding Adults Board procedure sets no time for "
        f"agency returns, so give the date the information is due, e.g. `request {ref} police health due "
        "2026-12-20`. Nothing was sent."
    )
    text = await say(panel, f"request {ref} police due 2026-12-20")
    assert "Greater Manchester Police: requested, due Sun 20 Dec 2026, 17:00." in text
    await sweep_hourly(panel, clock, uk("2026-12-22T12:00"))
    assert await reminders_about(panel, "agency_return") == [
        ("Fri 18 Dec 2026, 09:00", "reminder", "agency:police"),
        ("Mon 21 Dec 2026, 09:00", "reminder", "agency:police"),
        ("Tue 22 Dec 2026, 09:00", "reminder", "agency:police"),
        ("Tue 22 Dec 2026, 09:00", "escalation", "bm"),
    ]


async def test_suffolk_requests_are_due_before_the_panel_that_considers_them(make_panel, clock):
    """Suffolk 3: requests go to the safeguarding leads and are collated for the next panel. Filed Mon 7 Dec
    2026, the referral goes to December's panel: the 25th is Christmas Day, so the panel meets Thu 24 Dec and
    the returns are due the working day before, Wed 23 Dec, 17:00."""
    clock.set(uk("2026-12-07T10:00"))
    panel = await make_panel("suffolk")
    ref = await file(panel, "child")
    text = await say(panel, f"request {ref} police")
    assert "Suffolk Constabulary safeguarding lead: requested, due Wed 23 Dec 2026, 17:00." in text


async def test_salford_return_stops_the_request_clocks_and_resubmission_restarts_them(make_panel, clock):
    """Salford 7.5 and 7.7: filed Mon 14 Dec 2026, the requests are due out by Wed 16 Dec. Returned as incomplete
    on Tue 15 Dec, that clock stops, the card says so, and nothing reminds anyone of it. Resubmitted Mon 21 Dec:
    it starts again, due 2 working days later, Wed 23 Dec."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    clock.set(uk("2026-12-15T10:00"))
    text = await say(panel, f"return {ref} no chronology attached")
    assert text == (
        f"{ref} is returned as incomplete. Stopped until it is resubmitted: Agency summary and chronology requests "
        "sent."
    )
    card = await panel.card(ref)
    assert "Stopped until it is resubmitted: Agency summary and chronology requests sent." in card.next_steps
    await sweep_hourly(panel, clock, uk("2026-12-21T10:00"))
    assert await reminders_about(panel, "info_request_send") == []
    text = await say(panel, f"resubmit {ref}")
    assert text == (
        f"{ref} is resubmitted and back with the panel. Started again: Agency summary and chronology requests "
        "sent: due Wed 23 Dec 2026, 17:00."
    )
    assert not any("Stopped" in line for line in (await panel.card(ref)).next_steps)


async def test_salford_return_stops_an_agency_return_already_requested(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    await say(panel, f"request {ref} police")
    text = await say(panel, f"return {ref} no chronology attached")
    assert (
        "Stopped until it is resubmitted: Agency summary and chronology returned (Greater Manchester Police)." in text
    )
    clock.set(uk("2026-12-21T10:00"))
    text = await say(panel, f"resubmit {ref}")
    # 5 working days from Mon 21 Dec: Tue 22, Wed 23, Thu 24, Tue 29, Wed 30 Dec.
    assert "Agency summary and chronology returned (Greater Manchester Police): due Wed 30 Dec 2026, 17:00" in text
    text = await say(panel, f"returned {ref} police")
    assert "is recorded" in text


async def test_salford_resubmission_across_the_end_of_bst_restarts_the_requests_clock(make_panel, clock):
    """Salford 7.5 and 7.7 across the clock change: filed Thu 22 Oct 2026, 10:00 BST, the requests are due out by
    Mon 26 Oct. Returned as incomplete at 11:00, resubmitted Fri 23 Oct, 10:00 BST: 2 working days from then are
    Mon 26 Oct (=1, GMT from Sun 25 Oct) and Tue 27 Oct (=2), due 17:00 GMT."""
    clock.set(datetime.fromisoformat("2026-10-22T10:00+01:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    (row,) = await running(panel, ref, "info_request_send")
    assert panel.fmt(row.due_at) == "Mon 26 Oct 2026, 17:00"
    clock.set(datetime.fromisoformat("2026-10-22T11:00+01:00"))
    await say(panel, f"return {ref} no chronology attached")
    assert await running(panel, ref, "info_request_send") == []
    clock.set(datetime.fromisoformat("2026-10-23T10:00+01:00"))
    text = await say(panel, f"resubmit {ref}")
    assert "Started again: Agency summary and chronology requests sent: due Tue 27 Oct 2026, 17:00." in text
    (row,) = await running(panel, ref, "info_request_send")
    assert row.due_at == uk("2026-10-27T17:00")  # 17:00 GMT, the clocks gone back


async def test_dudley_sar_returned_incomplete_stops_its_scoping_clocks_until_resubmitted(make_panel, clock):
    """Dudley SARs ("Referrals": incomplete referrals are returned to the sender, before scoping is agreed). Filed
    Mon 14 Dec 2026: scoping from all partners within 20 working days (Thu 14 Jan 2027, past the bank holidays of
    25 and 28 Dec and 1 Jan) and the sub-group's decision within 8 weeks (Mon 8 Feb 2027). Returned Tue 15 Dec,
    both stop and the card says so. Resubmitted Wed 23 Dec, they start again from then: 20 working days are Thu 24
    (=1), Tue 29, Wed 30, Thu 31 Dec (=4), Mon 4 to Fri 8 Jan (=9), 11 to 15 (=14), 18 to 22 (=19), Mon 25 Jan
    2027 (=20); 8 weeks are Wed 17 Feb 2027."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    ref = await file(panel, "sar")
    assert [panel.fmt(r.due_at) for r in await running(panel, ref, "sar_scoping_returns")] == [
        "Thu 14 Jan 2027, 17:00"]
    assert [panel.fmt(r.due_at) for r in await running(panel, ref, "sar_subgroup_decision")] == [
        "Mon 8 Feb 2027, 17:00"]
    clock.set(uk("2026-12-15T10:00"))
    text = await say(panel, f"return {ref} the authorising safeguarding lead is not named")
    stopped = ("Stopped until it is resubmitted: SAR scoping returned by all partners; SAR sub-group decides whether "
               "to convene a SAR.")
    assert text == f"{ref} is returned as incomplete. {stopped}"
    assert stopped in (await panel.card(ref)).next_steps
    assert await running(panel, ref, "sar_scoping_returns") == []
    assert await running(panel, ref, "sar_subgroup_decision") == []
    clock.set(uk("2026-12-23T10:00"))
    text = await say(panel, f"resubmit {ref}")
    assert text == (
        f"{ref} is resubmitted and back with the panel. Started again: SAR scoping returned by all partners: due Mon "
        "25 Jan 2027, 17:00; SAR sub-group decides whether to convene a SAR: due Wed 17 Feb 2027, 17:00."
    )
    assert not any("Stopped" in line for line in (await panel.card(ref)).next_steps)


async def test_a_dated_request_across_the_end_of_bst_is_reminded_in_uk_time(make_panel, clock):
    """Stockport sets no return time. Sent Thu 22 Oct 2026, 10:00 BST, due Mon 26 Oct: reminded the working day
    before (Fri 23 Oct, 09:00 BST) and on the morning it is due (09:00 GMT: the clocks went back on Sun 25 Oct),
    overdue from Tue 27 Oct, escalated to the BM two working days after (Wed 28 Oct)."""
    clock.set(datetime.fromisoformat("2026-10-22T10:00+01:00"))
    panel = await make_panel("stockport")
    ref = await file(panel, "child")
    text = await say(panel, f"request {ref} police due 2026-10-26")
    assert "Greater Manchester Police: requested, due Mon 26 Oct 2026, 17:00." in text
    await sweep_hourly(panel, clock, uk("2026-10-28T12:00"))
    assert await reminders_about(panel, "agency_return") == [
        ("Fri 23 Oct 2026, 09:00", "reminder", "agency:police"),
        ("Mon 26 Oct 2026, 09:00", "reminder", "agency:police"),
        ("Tue 27 Oct 2026, 09:00", "reminder", "agency:police"),
        ("Wed 28 Oct 2026, 09:00", "reminder", "agency:police"),
        ("Wed 28 Oct 2026, 09:00", "escalation", "bm"),
    ]


async def test_suffolk_request_dated_on_a_bank_holiday_is_reminded_on_working_days(make_panel, clock):
    """Suffolk sets no return time either; a date the business manager gives replaces the panel's. Sent Mon 21 Dec
    2026, due Mon 28 Dec (Boxing Day, observed): reminded on Thu 24 Dec (the working day before; Fri 25 Dec is
    Christmas Day), overdue from Tue 29 Dec, escalated to the BM two working days after the due day (Wed 30 Dec)."""
    clock.set(uk("2026-12-21T10:00"))
    panel = await make_panel("suffolk")
    ref = await file(panel, "child")
    text = await say(panel, f"request {ref} police due 2026-12-28")
    assert "Suffolk Constabulary safeguarding lead: requested, due Mon 28 Dec 2026, 17:00." in text
    await sweep_hourly(panel, clock, uk("2026-12-30T12:00"))
    assert await reminders_about(panel, "agency_return") == [
        ("Thu 24 Dec 2026, 09:00", "reminder", "agency:police"),
        ("Tue 29 Dec 2026, 09:00", "reminder", "agency:police"),
        ("Wed 30 Dec 2026, 09:00", "reminder", "agency:police"),
        ("Wed 30 Dec 2026, 09:00", "escalation", "bm"),
    ]
