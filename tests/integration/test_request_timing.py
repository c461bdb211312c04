"""When an information request is due where the children's return clock does not apply (issue 21, section 4),
and a meeting recorded only with who attended (section 1), through the shared commands on the database, with
the clock moved by hand.

- Dudley's SAR requests are due by the partners' scoping deadline (`return_clock = "sar_scoping_returns"`), not
  by the children's 5-working-day template.
- Stockport's SAR requests are due before the screening meeting that considers them (section 8: "submitted in
  advance of screening meeting"), at the close of the working day before it, and follow it when it moves, once.
- `event REF rr_meeting` is refused while the meeting is scheduled or was recorded as not quorate.

Hand counts (England). Bank holidays Fri 25 Dec 2026, Mon 28 Dec 2026 (Boxing Day observed) and Fri 1 Jan 2027.
20 working days after Mon 14 Dec 2026: Tue 15 to Fri 18 (=4), Mon 21 to Thu 24 (=8), Tue 29 to Thu 31 Dec (=11),
Mon 4 to Fri 8 Jan (=16), Mon 11 to Thu 14 Jan 2027 (=20). British Summer Time ends Sun 25 Oct 2026 (02:00 BST
becomes 01:00 GMT).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.commands import run
from bot.service import Actor
from flows.referrals import ReferralDraft
from storage.models import AuditEntry, Deadline, OutboxMessage

OP = Actor.operator()


def uk(text: str) -> datetime:
    """A UK winter time written plainly, as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def file(panel, rtype: str) -> str:
    draft = ReferralDraft(referral_type=rtype, referrer="Adult social care", category="adult", letter="B",
                          summary="Concerns about care at home before a fall.")
    return await panel.file_referral(actor=OP, draft=draft)


async def request(panel, line: str) -> list[str]:
    """The answer to a `request`, one line per agency (after its heading, "Information requests for REF:")."""
    reply = await run(panel, OP, line)
    assert reply.ok, reply.lines
    return list(reply.lines[1:])


async def channels(panel, *agencies: str) -> None:
    for agency in agencies:
        await panel.set_channel(actor=OP, purpose=f"agency:{agency}", platform_id=f"slack:C-{agency.upper()}")


async def say(panel, line: str) -> str:
    reply = await run(panel, OP, line)
    text = " ".join(reply.lines).replace("**", "")
    assert reply.ok, text
    return text


async def refused(panel, line: str) -> str:
    reply = await run(panel, OP, line)
    assert not reply.ok, reply.lines
    return " ".join(reply.lines)


async def running(panel, ref: str, clock_id: str) -> list[Deadline]:
    async with panel.uow() as uow:
        referral = await panel.referral(uow, ref)
        return await uow.deadlines.running(referral, [clock_id])


async def to_agency(panel, agency: str) -> list[str]:
    """What the agency's channel was sent about its requests, in order."""
    async with panel.uow() as uow:
        rows = (await uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.purpose == f"agency:{agency}", OutboxMessage.kind == "request").order_by(OutboxMessage.id)
        )).scalars()
        return [r.body["text"].replace("**", "") for r in rows]


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


async def audit_actions(panel) -> list[str]:
    async with panel.uow() as uow:
        return [a.action for a in (await uow.session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()]


# G2: Dudley's SAR requests run on the SAR scoping clock -------------------------------------------------------


async def test_dudley_sar_request_is_due_by_the_partners_scoping_deadline(make_panel, clock):
    """Filed Mon 14 Dec 2026: scoping from all partners within 20 working days, Thu 14 Jan 2027 (past the
    weekends and the bank holidays of 25 and 28 Dec and 1 Jan). A request sent the same day, or a week later, is
    due then; the children's template (5 working days: Mon 21 Dec) is never used for it."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    await channels(panel, "police", "health", "adult_social_care")
    ref = await file(panel, "sar")
    assert await request(panel, f"request {ref} police") == [
        "West Midlands Police: requested, due Thu 14 Jan 2027, 17:00."]
    assert await to_agency(panel, "police") == [
        f"Information request for {ref} · Adult B (Safeguarding adults review referral). Please send the SAR scoping "
        "information: your agency's involvement with the adult (SAR rapid review) by Thu 14 Jan 2027, 17:00 (20 "
        "working days after the referral is received). When it is sent, press Mark as returned."
    ]
    assert await running(panel, ref, "agency_return") == []
    rows = await running(panel, ref, "sar_scoping_returns")
    assert sorted((r.agency or "", panel.fmt(r.due_at)) for r in rows) == [
        ("", "Thu 14 Jan 2027, 17:00"), ("police", "Thu 14 Jan 2027, 17:00")]
    clock.set(uk("2026-12-21T11:00"))
    assert await request(panel, f"request {ref} health adult_social_care") == [
        "Health (ICB): requested, due Thu 14 Jan 2027, 17:00.", "Adult Social Care: requested, due Thu 14 Jan 2027, "
        "17:00."]
    lines = (await panel.card(ref)).next_steps
    assert not any("Initial scoping template" in line for line in lines)


async def test_dudley_child_request_still_uses_the_childrens_template(make_panel, clock):
    """A child's referral filed Mon 14 Dec 2026: the initial scoping template, 5 working days, Mon 21 Dec."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    await channels(panel, "police", "health", "adult_social_care")
    ref = await file(panel, "cspr")
    assert await request(panel, f"request {ref} police") == [
        "West Midlands Police: requested, due Mon 21 Dec 2026, 17:00."]
    (row,) = await running(panel, ref, "agency_return")
    assert row.label == "Initial scoping template returned by the agency"


async def test_dudley_sar_request_with_a_date_the_business_manager_gives(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    await channels(panel, "police", "health", "adult_social_care")
    ref = await file(panel, "sar")
    assert await request(panel, f"request {ref} police due 2027-01-08") == [
        "West Midlands Police: requested, due Fri 8 Jan 2027, 17:00."]
    assert (await to_agency(panel, "police"))[0].endswith(
        "by Fri 8 Jan 2027, 17:00 (the date the business manager set). When it is sent, press Mark as returned.")


async def test_dudley_sar_requests_stop_with_the_referral_and_are_met_by_their_own_return(make_panel, clock):
    """Returned as incomplete Tue 15 Dec, the police's request stops with the partners' scoping; resubmitted Wed
    23 Dec, both are due 20 working days later, Mon 25 Jan 2027. `done REF sar_scoping_returns` marks the
    referral's deadline; the police's request is met only by its return."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    await channels(panel, "police", "health", "adult_social_care")
    ref = await file(panel, "sar")
    await say(panel, f"request {ref} police")
    clock.set(uk("2026-12-15T10:00"))
    text = await say(panel, f"return {ref} the authorising safeguarding lead is not named")
    assert "SAR scoping returned by all partners (West Midlands Police)" in text
    assert await running(panel, ref, "sar_scoping_returns") == []
    clock.set(uk("2026-12-23T10:00"))
    text = await say(panel, f"resubmit {ref}")
    assert "SAR scoping returned by all partners (West Midlands Police): due Mon 25 Jan 2027, 17:00" in text
    assert await say(panel, f"done {ref} sar_scoping_returns") == f"{ref}: SAR scoping returned by all partners " \
        "marked done, on time."
    (police,) = await running(panel, ref, "sar_scoping_returns")
    assert police.agency == "police"
    assert "is recorded" in await say(panel, f"returned {ref} police")
    assert await running(panel, ref, "sar_scoping_returns") == []


# G3: a scheduled meeting is recorded with who attended --------------------------------------------------------


async def test_event_rr_meeting_is_refused_while_the_meeting_is_scheduled_or_not_quorate(make_panel, clock):
    """Dudley, a child's referral filed Mon 14 Dec 2026, its rapid review meeting scheduled Wed 30 Dec 2026, 10:00.
    The raw event would skip the quorum check: refused, before and after the meeting is recorded as not quorate,
    and nothing changes. Counted with a reason, the National Panel's template is due 2 working days after: Thu 31
    Dec (=1), Mon 4 Jan 2027 (=2; Fri 1 Jan is a bank holiday)."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    await channels(panel, "police", "health", "adult_social_care")
    ref = await file(panel, "cspr")
    await say(panel, f"meeting schedule {ref} 2026-12-30 10:00 Room 2")
    said = await refused(panel, f"event {ref} rr_meeting")
    assert said == (
        f"The rapid review meeting for {ref} is scheduled for Wed 30 Dec 2026, 10:00, so record it with who attended, "
        f"`meeting held {ref} ROLE...` (or `meeting held {ref} ROLE... override REASON` to count it though not "
        "quorate); nothing was recorded."
    )
    clock.set(uk("2026-12-30T12:00"))
    assert "is recorded as not quorate" in await say(panel, f"meeting held {ref} police")
    before = await audit_actions(panel)
    said = await refused(panel, f"event {ref} rr_meeting")
    assert said == (
        f"The rapid review meeting for {ref} on Wed 30 Dec 2026, 10:00 was recorded as not quorate, so it counts only "
        f"with who attended and a reason, `meeting held {ref} ROLE... override REASON`; nothing was recorded."
    )
    assert await audit_actions(panel) == before
    assert await running(panel, ref, "national_panel_outcome") == []
    assert len(await running(panel, ref, "rr_meeting")) == 1
    assert (await say(panel, "meeting list")).startswith(f"{ref} · Adult B: the rapid review meeting Wed 30 Dec 2026")

    said = await say(panel, f"meeting held {ref} police override health and the local authority sent written views")
    assert "(not quorate, counted by the business manager: health and the local authority sent written views)" in said
    (row,) = await running(panel, ref, "national_panel_outcome")
    assert panel.fmt(row.due_at) == "Mon 4 Jan 2027, 17:00"


# G4: Stockport's SAR requests are due before the screening meeting ---------------------------------------------


async def test_stockport_sar_request_is_due_the_working_day_before_the_screening_meeting(make_panel, clock):
    """Filed Mon 14 Dec 2026. With no meeting and no date, refused saying to give either. The screening meeting
    scheduled Tue 5 Jan 2027, 10:00: the information is due the close of the working day before, Mon 4 Jan 2027,
    17:00 (Fri 1 Jan is a bank holiday, then the weekend). Reminded Thu 31 Dec, 09:00 (the working day before the
    due day). Moved on Thu 31 Dec to Thu 7 Jan: due Wed 6 Jan, 17:00, the police told; reminded Tue 5 and Wed 6 Jan,
    09:00, and never on Mon 4 Jan for the old date. Moved again to another hour of the same day: nothing moves."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("stockport")
    await channels(panel, "police")
    ref = await file(panel, "sar")
    said = await refused(panel, f"request {ref} police")
    assert said == (
        "The Stockport Safeguarding Children Partnership and Safeguarding Adults Board procedure sets no time for "
        f"agency returns and no SAR screening meeting is scheduled for {ref}, so give the date the information is "
        f"due, e.g. `request {ref} police health due 2026-12-20`, or schedule the meeting that will consider it "
        f"first (`meeting schedule {ref} DATE TIME`). Nothing was sent."
    )
    assert await running(panel, ref, "agency_return") == []

    await say(panel, f"meeting schedule {ref} 2027-01-05 10:00 Room 4")
    said = await refused(panel, f"event {ref} screening_meeting")  # recorded with who attended, as in Dudley
    assert said.startswith(f"The SAR screening meeting for {ref} is scheduled for Tue 5 Jan 2027, 10:00, so record")
    assert await request(panel, f"request {ref} police") == [
        "Greater Manchester Police: requested, due Mon 4 Jan 2027, 17:00."]
    assert (await to_agency(panel, "police"))[0].endswith(
        "by Mon 4 Jan 2027, 17:00 (the working day before the SAR screening meeting that considers it). When it is "
        "sent, press Mark as returned.")

    await sweep_hourly(panel, clock, uk("2026-12-31T12:00"))
    clock.set(uk("2026-12-31T12:00"))
    said = await say(panel, f"meeting move {ref} 2027-01-07 10:00")
    assert said.endswith(
        f"screening meeting for {ref} is moved to Thu 7 Jan 2027, 10:00 (was Tue 5 Jan 2027, 10:00). "
        "Information for the meeting returned by the agency (Greater Manchester Police): due Wed 6 Jan 2027, 17:00."
    )
    assert (await to_agency(panel, "police"))[1:] == [
        f"The SAR screening meeting for {ref} · Adult B is now planned for Thu 7 Jan 2027, 10:00: your information "
        "for it is now due Wed 6 Jan 2027, 17:00, the working day before the meeting."
    ]
    said = await say(panel, f"meeting move {ref} 2027-01-07 14:00")
    assert said.endswith(f"screening meeting for {ref} is moved to Thu 7 Jan 2027, 14:00 (was Thu 7 Jan 2027, 10:00).")
    assert len(await to_agency(panel, "police")) == 2
    (row,) = await running(panel, ref, "agency_return")
    assert (row.agency, panel.fmt(row.due_at)) == ("police", "Wed 6 Jan 2027, 17:00")

    await sweep_hourly(panel, clock, uk("2027-01-06T18:00"))
    assert await reminders_about(panel, "agency_return") == [
        ("Thu 31 Dec 2026, 09:00", "reminder", "agency:police"),
        ("Tue 5 Jan 2027, 09:00", "reminder", "agency:police"),
        ("Wed 6 Jan 2027, 09:00", "reminder", "agency:police"),
    ]
    assert "is recorded" in await say(panel, f"returned {ref} police")


async def test_stockport_sar_request_follows_its_meeting_across_the_end_of_british_summer_time(make_panel, clock):
    """Filed Mon 12 Oct 2026. The screening meeting scheduled Fri 23 Oct, 14:00 BST: the request sent Mon 19 Oct is
    due Thu 22 Oct, 17:00 BST. Moved on Tue 20 Oct to Tue 27 Oct, 10:00 GMT (the clocks go back on Sun 25 Oct): due
    Mon 26 Oct, 17:00 GMT, across the weekend; reminded Fri 23 Oct, 09:00 BST and Mon 26 Oct, 09:00 GMT, and not on
    Wed 21 or Thu 22 Oct. Cancelled, it stays due then; scheduled again for Thu 29 Oct, it follows: Wed 28 Oct."""
    clock.set(datetime.fromisoformat("2026-10-12T10:00+01:00"))
    panel = await make_panel("stockport")
    await channels(panel, "police")
    ref = await file(panel, "sar")
    await say(panel, f"meeting schedule {ref} 2026-10-23 14:00")
    clock.set(datetime.fromisoformat("2026-10-19T10:00+01:00"))
    assert await request(panel, f"request {ref} police") == [
        "Greater Manchester Police: requested, due Thu 22 Oct 2026, 17:00."]
    (row,) = await running(panel, ref, "agency_return")
    assert row.due_at == uk("2026-10-22T16:00")  # 17:00 BST
    clock.set(datetime.fromisoformat("2026-10-20T10:00+01:00"))
    said = await say(panel, f"meeting move {ref} 2026-10-27 10:00")
    assert "(Greater Manchester Police): due Mon 26 Oct 2026, 17:00." in said
    (row,) = await running(panel, ref, "agency_return")
    assert row.due_at == uk("2026-10-26T17:00")  # 17:00 GMT, the clocks gone back
    await sweep_hourly(panel, clock, uk("2026-10-26T12:00"))
    assert await reminders_about(panel, "agency_return") == [
        ("Fri 23 Oct 2026, 09:00", "reminder", "agency:police"),
        ("Mon 26 Oct 2026, 09:00", "reminder", "agency:police"),
    ]
    assert (await say(panel, f"meeting cancel {ref} the chair is ill")).endswith(
        f"screening meeting for {ref} on Tue 27 Oct 2026, 10:00 is cancelled.")
    (row,) = await running(panel, ref, "agency_return")
    assert panel.fmt(row.due_at) == "Mon 26 Oct 2026, 17:00"
    said = await say(panel, f"meeting schedule {ref} 2026-10-29 10:00")
    assert "(Greater Manchester Police): due Wed 28 Oct 2026, 17:00." in said


async def test_stockport_meeting_too_close_for_a_request_and_a_date_given_instead(make_panel, clock):
    """The screening meeting Tue 5 Jan 2027, 10:00; on Mon 4 Jan at 17:30 its information was due half an hour ago:
    refused, naming the date to give instead, which then stays when the meeting moves."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("stockport")
    await channels(panel, "police")
    ref = await file(panel, "sar")
    await say(panel, f"meeting schedule {ref} 2027-01-05 10:00")
    clock.set(uk("2027-01-04T17:30"))
    said = await refused(panel, f"request {ref} police")
    assert said == (
        f"The SAR screening meeting for {ref} on Tue 5 Jan 2027, 10:00 is too close for a request to be answered "
        f"before it; give the date the information is due, e.g. `request {ref} police health due 2026-12-20`. "
        "Nothing was sent."
    )
    assert await request(panel, f"request {ref} police due 2027-01-06") == [
        "Greater Manchester Police: requested, due Wed 6 Jan 2027, 17:00."]
    said = await say(panel, f"meeting move {ref} 2027-01-12 10:00")
    assert "Greater Manchester Police" not in said
    (row,) = await running(panel, ref, "agency_return")
    assert panel.fmt(row.due_at) == "Wed 6 Jan 2027, 17:00"
