"""Meetings of a referral (issue 21, section 1) through the shared commands: scheduled against the preset's
window in plain words (outside it only with a reason), moved and cancelled with the clocks due before them,
held with attendance checked against the meeting's quorum (one of each statutory partner).

Hand counts (England): after Mon 14 Dec 2026, the 7th working day is Wed 23 Dec and the 13th Tue 5 Jan 2027
(Fri 25 Dec, Mon 28 Dec and Fri 1 Jan are bank holidays). 2 working days after Tue 5 Jan is Thu 7 Jan.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.commands import run
from bot.service import Actor
from flows.referrals import ReferralDraft
from flows.reports import parse_period
from storage.models import AuditEntry, Deadline, OutboxMessage

OP = Actor.operator()


def uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def file(panel) -> str:
    draft = ReferralDraft(referral_type=panel.preset.referral_types[0].id, referrer="Health visitor",
                          category="baby", letter="A", summary="Fracture found at a routine check.")
    return await panel.file_referral(actor=OP, draft=draft)


async def say(panel, line: str, actor: Actor = OP) -> str:
    reply = await run(panel, actor, line)
    text = " ".join(reply.lines).replace("**", "")
    assert reply.ok, text
    return text


async def refused(panel, line: str, actor: Actor = OP) -> str:
    reply = await run(panel, actor, line)
    assert not reply.ok, reply.lines
    return " ".join(reply.lines)


async def running(panel, ref: str, clock_id: str) -> list[Deadline]:
    async with panel.uow() as uow:
        referral = await panel.referral(uow, ref)
        return await uow.deadlines.running(referral, [clock_id])


DUDLEY_WINDOW = (
    "Dudley Safeguarding People Partnership holds the rapid review meeting 7 to 13 working days after the referral "
    "is received: Wed 23 Dec 2026 to Tue 5 Jan 2027."
)


async def test_dudley_meeting_walked_through_from_schedule_to_held(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    ref = await file(panel)
    clock.set(uk("2026-12-15T10:00"))

    said = await refused(panel, f"meeting schedule {ref} 2026-12-22 10:00 Room 2")
    assert said == (
        f"{DUDLEY_WINDOW} Tue 22 Dec 2026 is before the window. To hold it then anyway, add `override REASON`. "
        "Nothing was changed."
    )
    assert await say(panel, "meeting list") == (
        "No meetings are scheduled. The business manager schedules one with `meeting schedule REF DATE TIME`."
    )

    said = await say(panel, f"meeting schedule {ref} 2026-12-30 10:00 Room 2")
    assert said == (
        f"The rapid review meeting for {ref} is scheduled for Wed 30 Dec 2026, 10:00, Room 2. {DUDLEY_WINDOW} "
        "Wed 30 Dec 2026 is inside it."
    )
    async with panel.uow() as uow:
        posted = [m.body["text"] for m in (await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.purpose == "panel", OutboxMessage.kind == "notice"))).scalars()]
    assert posted == [
        f"The rapid review meeting for **{ref} · Baby A**: **Wed 30 Dec 2026, 10:00**, Room 2. It is quorate with "
        "one representative of each statutory partner: Local authority, Police, Health (ICB); each, please confirm "
        f"who attends for your agency (the button, or `meeting attend {ref}`)."
    ]
    assert "already scheduled for Wed 30 Dec 2026, 10:00" in await refused(panel, f"meeting schedule {ref} "
                                                                             "2027-01-04 10:00")

    assert "Planned: the rapid review meeting, Wed 30 Dec 2026, 10:00, Room 2." in (await panel.card(ref)).next_steps
    said = await say(panel, f"meeting move {ref} 2027-01-05 14:00")
    assert said.startswith(f"The rapid review meeting for {ref} is moved to Tue 5 Jan 2027, 14:00 (was Wed 30 Dec "
                           "2026, 10:00).")
    assert await say(panel, f"meeting attend {ref} police local_authority") == (
        f"Recorded: Local authority, Police attend the rapid review meeting for {ref} on Tue 5 Jan 2027, 14:00. "
        "Attending: Local authority, Police. Still needed: Health (ICB)."
    )
    assert await say(panel, "meeting list") == (
        f"{ref} · Baby A: the rapid review meeting Tue 5 Jan 2027, 14:00, Room 2. {DUDLEY_WINDOW} Tue 5 Jan 2027 is "
        "inside it. Attending: Local authority, Police. Still needed: Health (ICB). No views yet."
    )  # the meeting decides this child's referral: the views before it, none so far, are listed with it
    # Attendance must be known by the working day before, Mon 4 Jan 2027, 17:00 (Fri 1 Jan is a bank holiday):
    # then the business manager is told, once, that the meeting would not be quorate.
    clock.set(uk("2027-01-04T16:59"))
    assert await panel.remind_meetings() == 0
    clock.set(uk("2027-01-04T17:00"))
    assert [await panel.remind_meetings(), await panel.remind_meetings()] == [1, 0]
    async with panel.uow() as uow:
        told = select(OutboxMessage.body).where(OutboxMessage.purpose == "bm")
        (warned,) = [b for b in (await uow.session.execute(told)).scalars() if "quorate" in b["text"]]
    assert warned["text"] == (f"The rapid review meeting for **{ref} · Baby A** on Tue 5 Jan 2027, 14:00 would not be "
                              "quorate: Attending: Local authority, Police. Still needed: Health (ICB). The statutory "
                              "partners were asked to confirm by Mon 4 Jan 2027, 17:00.")

    clock.set(uk("2027-01-05T16:00"))
    said = await say(panel, f"meeting held {ref} police health")
    assert said == (
        f"The rapid review meeting for {ref} on Tue 5 Jan 2027, 14:00 is recorded as not quorate (attended: Police, "
        "Health (ICB); still needed: Local authority). It does not count as the rapid review meeting; to count it "
        "anyway, add `override REASON`."
    )
    assert len(await running(panel, ref, "rr_meeting")) == 1
    assert await running(panel, ref, "national_panel_outcome") == []

    said = await say(panel, f"meeting held {ref} police health local_authority")
    assert said == (
        f"The rapid review meeting for {ref} is recorded: held Tue 5 Jan 2027, 14:00, attended by Local authority, "
        "Police, Health (ICB) (quorate). Clocks started: national_panel_outcome. Met: Rapid review meeting held, on "
        "time."
    )
    assert await running(panel, ref, "rr_meeting") == []
    (row,) = await running(panel, ref, "national_panel_outcome")
    assert panel.fmt(row.due_at) == "Thu 7 Jan 2027, 17:00"
    assert "No meetings are scheduled" in await say(panel, "meeting list")
    # The report for January 2027 counts it: held inside the window and quorate (section 5).
    report = await panel.report(parse_period("2027-01", today=date(2027, 1, 6)))
    assert [(t.label, t.met, t.missed) for t in report.meetings] == [
        ("Meetings held inside their window", 1, 0), ("Meetings quorate", 1, 0)
    ]


async def test_a_meeting_outside_the_window_with_a_reason_and_a_quorum_override(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    ref = await file(panel)
    said = await refused(panel, f"meeting schedule {ref} 2026-12-22 10:00 override")
    assert said == "Give the reason for a time outside the window after `override`. Nothing was changed."
    said = await say(panel, f"meeting schedule {ref} 2026-12-22 10:00 override the chair is away from 23 Dec")
    assert "Tue 22 Dec 2026 is before the window. Held then anyway: the chair is away from 23 Dec" in said
    clock.set(uk("2026-12-22T12:00"))
    said = await say(panel, f"meeting held {ref} police health override the local authority sent its views")
    assert "(not quorate, counted by the business manager: the local authority sent its views)" in said
    assert "Flagged: " + DUDLEY_WINDOW + " Tue 22 Dec 2026 is before the window." in said
    async with panel.uow() as uow:
        actions = [(a.action, a.payload) for a in (await uow.session.execute(
            select(AuditEntry).where(AuditEntry.action.in_(("meeting_scheduled", "meeting_held"))))).scalars()]
    assert actions[0][1]["window_override"] == "the chair is away from 23 Dec"
    assert actions[1][1]["quorum_override"] == "the local authority sent its views"
    assert actions[1][1]["attended"] == ["police", "health"]


async def test_salford_papers_due_24_hours_before_the_meeting_move_with_it(make_panel, clock):
    """Salford 7.11: papers at least 24 hours before the meeting. Scheduled for Tue 22 Dec 2026, 10:00: due Mon
    21 Dec, 10:00. Moved to Tue 29 Dec, 10:00: due Mon 28 Dec, 10:00 (a bank holiday: hours count), and the one
    reminder moves back to the last working half hour before it, Thu 24 Dec 16:30. Nothing is sent for 21 Dec."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    said = await say(panel, f"meeting schedule {ref} 2026-12-22 10:00 https://call.example/rr")
    assert "Rapid review meeting papers shared: due Mon 21 Dec 2026, 10:00." in said
    clock.set(uk("2026-12-18T12:00"))
    said = await say(panel, f"meeting move {ref} 2026-12-29 10:00")
    assert "Rapid review meeting papers shared: due Mon 28 Dec 2026, 10:00." in said
    while clock.now < uk("2026-12-28T12:00"):
        clock.advance(minutes=30)
        await panel.run_reminders()
    async with panel.uow() as uow:
        papers = set((await uow.session.execute(select(Deadline.id).where(Deadline.clock_id == "rr_papers"))).scalars())
        sent = [(panel.fmt(m.created_at), m.kind, m.purpose) for m in (await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.kind.in_(("reminder", "escalation"))).order_by(OutboxMessage.id)
        )).scalars() if m.body.get("deadline_id") in papers]
    assert sent == [("Thu 24 Dec 2026, 16:30", "reminder", "bm")]

    said = await say(panel, f"meeting cancel {ref} the family asked for it to wait")
    assert said == f"The rapid review meeting for {ref} on Tue 29 Dec 2026, 10:00 is cancelled."
    assert await running(panel, ref, "rr_papers") == []


async def test_only_the_business_manager_schedules_and_bad_input_changes_nothing(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    member = await panel.add_member(actor=OP, name="Pat", role="chair")
    pat = await panel.actor_named("Pat")
    assert member is not None
    assert "Only the business manager can schedule meetings" in await refused(
        panel, f"meeting schedule {ref} 2026-12-22 10:00", pat)
    assert "No meetings are scheduled" in await say(panel, "meeting list", pat)  # anyone on the panel may read
    assert "is not a time" in await refused(panel, f"meeting schedule {ref} 2026-12-22 ten")
    assert "must be in the future" in await refused(panel, f"meeting schedule {ref} 2026-12-01 10:00")
    assert "Usage: `meeting" in await refused(panel, "meeting reschedule")
    assert "No rapid review meeting is scheduled" in await refused(panel, f"meeting held {ref} police")
    await say(panel, f"meeting schedule {ref} {(clock.now + timedelta(days=2)).date()} 10:00")
    said = await refused(panel, f"meeting held {ref} police dentist")
    assert said.startswith('"dentist" is not a role of this partnership; use one of')


async def test_a_withdrawn_confirmation_is_kept_and_the_partner_reminded_again(make_panel, clock):
    # Dudley, the meeting on Wed 30 Dec 2026, 10:00: the partners missing are reminded Thu 24 Dec, 09:00. The police
    # confirmed, then withdraw on Mon 28 Dec: their member is reminded at the next sweep, once.
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    ref = await file(panel)
    await panel.add_member(actor=OP, name="Pol", role="police")
    pol = await panel.actor_named("Pol")
    await say(panel, f"meeting schedule {ref} 2026-12-30 10:00 Room 2")
    await say(panel, f"meeting attend {ref}", pol)
    clock.set(uk("2026-12-24T09:00"))
    assert await panel.remind_meetings() == 0  # nobody of the local authority or health is a member here
    clock.set(uk("2026-12-28T11:00"))
    assert await say(panel, f"meeting attend {ref} withdraw", pol) == (
        f"Withdrawn: Police no longer attends the rapid review meeting for {ref} on Wed 30 Dec 2026, 10:00; the "
        "partner is needed again and will be reminded. Attending: nobody has confirmed yet. Still needed: Local "
        "authority, Police, Health (ICB)."
    )
    assert await say(panel, "meeting list") == (
        f"{ref} · Baby A: the rapid review meeting Wed 30 Dec 2026, 10:00, Room 2. {DUDLEY_WINDOW} Wed 30 Dec 2026 is "
        "inside it. Attending: nobody has confirmed yet. Still needed: Local authority, Police, Health (ICB). No "
        "views yet."
    )
    assert [await panel.remind_meetings(), await panel.remind_meetings()] == [1, 0]
    async with panel.uow() as uow:
        texts = [m.body["text"] for m in (await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.purpose.like("member:%")))).scalars()]
        audit = (await uow.session.execute(select(AuditEntry).where(
            AuditEntry.action == "meeting_attendance_withdrawn"))).scalar_one()
    assert texts == [f"Please confirm who attends the rapid review meeting for **{ref} · Baby A** on Wed 30 Dec 2026, "
                     "10:00 for Police: its confirmation was withdrawn."]
    assert (audit.actor, audit.payload["roles"]) == ("Pol (police)", ["police"])


async def test_the_place_and_reasons_are_screened_like_every_text_and_a_refusal_changes_nothing(make_panel, clock):
    """Issue 21 section 1: the place or call link is free text, screened like every text; so are the reasons for an
    override and a cancellation. What was typed is not repeated, and nothing is scheduled, moved or cancelled."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("dudley")
    ref = await file(panel)
    said = await refused(panel, f"meeting schedule {ref} 2026-12-30 10:00 14 Acacia Avenue DY1 4AB")
    assert said == ("The place looks like it contains a postcode, which is not repeated here. Please remove it; "
                    "nothing was saved.")
    assert "No meetings are scheduled" in await say(panel, "meeting list")
    await say(panel, f"meeting schedule {ref} 2026-12-30 10:00 Room 2")
    said = await refused(panel, f"meeting move {ref} 2026-12-22 10:00 override the child was born 01/02/2015")
    assert said.startswith("The reason looks like it contains a date of birth, which is not repeated here.")
    assert "01/02/2015" not in said
    said = await refused(panel, f"meeting cancel {ref} NHS number 943 476 5919 was wrong")
    assert said.startswith("The reason looks like it contains an NHS number") and "5919" not in said
    assert (await say(panel, "meeting list")).startswith(
        f"{ref} · Baby A: the rapid review meeting Wed 30 Dec 2026, 10:00, Room 2.")
    async with panel.uow() as uow:
        actions = [a.action for a in (await uow.session.execute(select(AuditEntry))).scalars()]
    assert "meeting_moved" not in actions and "meeting_cancelled" not in actions
