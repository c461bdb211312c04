"""Meetings and clocks hung on events through the service on the in-memory record (its `uow.events`,
`uow.stopped_clocks` and `uow.agenda`), with the same sentences as tests/integration/test_meetings.py and
test_agenda.py: Dudley's rapid review meeting scheduled inside its window (7 to 13 working days, past the bank
holidays of 25 and 28 Dec and 1 Jan), moved, held without and then with its quorum; Salford's papers due 24
hours before the meeting, moving with it; Suffolk's agenda."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

from icalendar import Calendar
from memory_panel import OP, actions, dudley, file, memory_panel, outbox, salford, uk, vote

from bot.commands import run
from bot.reports.ics import feed
from bot.reports.tables import chat_lines, report_tables
from flows.reports import parse_period
from storage.models import Deadline, ScheduledEvent

DUDLEY_WINDOW = (
    "Dudley Safeguarding People Partnership holds the rapid review meeting 7 to 13 working days after the referral "
    "is received: Wed 23 Dec 2026 to Tue 5 Jan 2027."
)


async def say(panel, line: str) -> str:  # type: ignore[no-untyped-def]
    reply = await run(panel, OP, line)
    assert reply.ok, reply.lines
    return " ".join(reply.lines)


async def running(panel, ref: str, clock_id: str) -> list[Deadline]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        return await uow.deadlines.running(await panel.referral(uow, ref), [clock_id])


async def test_dudley_meeting_scheduled_moved_and_held_with_its_quorum(clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(clock)
    ref = await file(panel)
    said = await say(panel, f"meeting schedule {ref} 2026-12-30 10:00 Room 2")
    assert said == (
        f"The rapid review meeting for {ref} is scheduled for Wed 30 Dec 2026, 10:00, Room 2. {DUDLEY_WINDOW} "
        "Wed 30 Dec 2026 is inside it."
    )
    said = await say(panel, f"meeting move {ref} 2027-01-05 14:00")
    assert said.startswith(f"The rapid review meeting for {ref} is moved to Tue 5 Jan 2027, 14:00 (was Wed 30 Dec "
                           "2026, 10:00).")
    assert "Planned: the rapid review meeting, Tue 5 Jan 2027, 14:00, Room 2." in (await panel.card(ref)).next_steps

    clock.set(uk("2027-01-05T16:00"))
    said = await say(panel, f"meeting held {ref} police health")
    assert "is recorded as not quorate (attended: Police, Health (ICB); still needed: Local authority)" in said
    assert await running(panel, ref, "national_panel_outcome") == []
    said = await say(panel, f"meeting held {ref} police health local_authority")
    assert said == (
        f"The rapid review meeting for {ref} is recorded: held Tue 5 Jan 2027, 14:00, attended by Local authority, "
        "Police, Health (ICB) (quorate). Clocks started: national_panel_outcome. Met: Rapid review meeting held, on "
        "time."
    )
    (row,) = await running(panel, ref, "national_panel_outcome")
    assert panel.fmt(row.due_at) == "Thu 7 Jan 2027, 17:00"
    assert "No meetings are scheduled" in await say(panel, "meeting list")


async def test_salford_papers_move_with_the_meeting_and_stop_when_it_is_cancelled(clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await salford(clock)
    ref = await file(panel)
    said = await say(panel, f"meeting schedule {ref} 2026-12-22 10:00 https://call.example/rr")
    assert "Rapid review meeting papers shared: due Mon 21 Dec 2026, 10:00." in said
    said = await say(panel, f"meeting move {ref} 2026-12-29 10:00")
    assert "Rapid review meeting papers shared: due Mon 28 Dec 2026, 10:00." in said
    assert [panel.fmt(d.due_at) for d in await running(panel, ref, "rr_papers")] == ["Mon 28 Dec 2026, 10:00"]
    said = await say(panel, f"meeting cancel {ref} the family asked for a later date")
    assert said == f"The rapid review meeting for {ref} on Tue 29 Dec 2026, 10:00 is cancelled."
    assert await running(panel, ref, "rr_papers") == []
    async with panel.uow() as uow:
        assert [e.status for e in uow.store.all(ScheduledEvent)] == ["cancelled"]  # type: ignore[attr-defined]


async def test_suffolk_agenda_lists_the_next_panel_s_new_referrals_and_cases_on_hold(clock):
    clock.set(uk("2026-11-02T10:00"))
    panel = await memory_panel("suffolk", clock, [("Bea", "business_manager")])
    first = await file(panel)
    second = await file(panel, letter="D")
    await panel.hold(actor=OP, reference=second)
    said = await say(panel, "agenda")
    assert said.startswith("Agenda for the panel of Wed 25 Nov 2026: New referrals (1): ")
    assert f"**{first} · " in said and f"On hold, back at this panel (1):   **{second} · " in said


def invitation_of(message):  # type: ignore[no-untyped-def]
    """The `.ics` file a panel post carries, parsed: (file name, its one event, its method)."""
    ((name, data),) = message.body["files"]
    calendar = Calendar.from_ical(base64.b64decode(data))
    (event,) = calendar.walk("VEVENT")
    return name, event, str(calendar["METHOD"])


async def test_the_meeting_is_posted_with_an_invitation_and_shows_in_the_calendar_feed(clock):
    # Mon 15 Mar 2027 (GMT): Salford's meeting on Tue 30 Mar 2027, 10:00, is after the clocks go forward on
    # Sun 28 Mar, so 10:00 UK time is 09:00 UTC; moved to Wed 31 Mar 14:00 BST, 13:00 UTC.
    clock.set(uk("2027-03-15T10:00"))
    panel = await salford(clock)
    ref = await file(panel)
    await say(panel, f"meeting schedule {ref} 2027-03-30 10:00 Room 2")
    (posted,) = [m for m in await outbox(panel, "notice") if m.purpose == "panel" and "files" in m.body]
    assert posted.body["text"].startswith(f"The rapid review meeting for **{ref} · ")
    name, event, method = invitation_of(posted)
    assert (name, method) == (f"{ref}-meeting.ics", "PUBLISH")
    assert event.decoded("DTSTART") == datetime(2027, 3, 30, 9, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2027, 3, 30, 10, 0, tzinfo=UTC)
    assert str(event["LOCATION"]) == "Room 2"
    assert str(event["SUMMARY"]).startswith(f"Rapid review meeting: {ref} · ")
    assert "Tue 30 Mar 2027, 10:00 (UK time)" in str(event["DESCRIPTION"])
    uid = str(event["UID"])

    await say(panel, f"meeting move {ref} 2027-03-31 14:00")
    moved = [m for m in await outbox(panel, "notice") if m.purpose == "panel" and "files" in m.body][-1]
    _, event, _ = invitation_of(moved)
    assert (str(event["UID"]), event.decoded("SEQUENCE")) == (uid, 1)  # the same meeting, replaced
    assert event.decoded("DTSTART") == datetime(2027, 3, 31, 13, 0, tzinfo=UTC)

    body = feed(panel.preset, panel.cal, await panel.calendar_entries(), panel.now(), await panel.calendar_meetings())
    meetings = [e for e in Calendar.from_ical(body).walk("VEVENT") if str(e["UID"]) == uid]
    assert [m.decoded("DTSTART") for m in meetings] == [datetime(2027, 3, 31, 13, 0, tzinfo=UTC)]

    # Anyone on the panel asks for the file again (the post's "Send me the calendar file"): the meeting as it is.
    reply = await run(panel, await panel.actor_named("Ann"), f"meeting invitation {ref}")
    assert reply.lines == [f"The meeting's calendar file, {ref}-meeting.ics: open it to put the meeting in your "
                           "calendar."]
    ((name, data),) = reply.files
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    assert (name, str(event["UID"]), event.decoded("DTSTART")) == (f"{ref}-meeting.ics", uid,
                                                                   datetime(2027, 3, 31, 13, 0, tzinfo=UTC))

    await say(panel, f"meeting cancel {ref} the chair is unwell")
    refused = await run(panel, await panel.actor_named("Ann"), f"meeting invitation {ref}")
    assert (refused.ok, refused.files) == (False, ())
    assert refused.lines[0].startswith(f"No rapid review meeting is scheduled for {ref}")
    cancelled = [m for m in await outbox(panel, "notice") if m.purpose == "panel" and "files" in m.body][-1]
    _, event, method = invitation_of(cancelled)
    assert (str(event["UID"]), method, str(event["STATUS"])) == (uid, "CANCEL", "CANCELLED")
    assert await panel.calendar_meetings() == []


async def test_partners_confirm_who_attends_are_reminded_and_the_bm_is_told_once_if_not_quorate(clock):
    # Dudley, filed Mon 14 Dec 2026; the meeting on Wed 30 Dec 2026, 10:00. Attendance must be known by the working
    # day before: Tue 29 Dec, 17:00 (Mon 28 Dec is a bank holiday). The partners still missing are reminded the
    # working day before that: Thu 24 Dec, 09:00 (Fri 25 and Mon 28 Dec are bank holidays).
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(clock)
    ref = await file(panel)
    await say(panel, f"meeting schedule {ref} 2026-12-30 10:00 Room 2")
    posted = [m for m in await outbox(panel, "notice") if m.purpose == "panel"][-1]
    assert posted.body["actions"] == [
        {"label": "I attend for my agency", "command": f"meeting attend {ref}", "style": "primary"},
        {"label": "Send me the calendar file", "command": f"meeting invitation {ref}"},
    ]
    pol, ivy = await panel.actor_named("Pol"), await panel.actor_named("Ivy")
    reply = await run(panel, pol, f"meeting attend {ref}")
    assert reply.lines == [
        f"Recorded: Police attends the rapid review meeting for {ref} on Wed 30 Dec 2026, 10:00.",
        "Attending: Police. Still needed: Local authority, Health (ICB).",
    ]
    refused = await run(panel, ivy, f"meeting attend {ref}")
    assert not refused.ok and refused.lines[0].startswith("Only a statutory partner's members (Local authority, "
                                                          "Police, Health (ICB)) confirm who attends")
    assert "Attending: Police. Still needed: Local authority, Health (ICB)." in (await panel.card(ref)).next_steps
    assert "Attending: Police. Still needed: Local authority, Health (ICB)." in await say(panel, "meeting list")

    members = {m.id: m.name for m in await panel.list_members()}

    async def reminded() -> list[tuple[str, str]]:
        queued = [m for m in await outbox(panel, "notice") if m.purpose.startswith(("member:", "bm"))]
        return [(members.get(int(m.purpose[7:]), "") if m.purpose.startswith("member:") else "BM", m.body["text"])
                for m in queued]

    clock.set(uk("2026-12-23T16:59"))
    assert await panel.remind_meetings() == 0
    clock.set(uk("2026-12-24T09:00"))
    assert await panel.remind_meetings() == 2
    assert await panel.remind_meetings() == 0  # once
    name = f"the rapid review meeting for **{ref} · Young Person C** on Wed 30 Dec 2026, 10:00"
    assert await reminded() == [
        ("Lia", f"Please confirm who attends {name} for Local authority: nobody has yet."),
        ("Hal", f"Please confirm who attends {name} for Health (ICB): nobody has yet."),
    ]
    await run(panel, await panel.actor_named("Lia"), f"meeting attend {ref}")

    clock.set(uk("2026-12-29T16:59"))
    assert await panel.remind_meetings() == 0
    clock.set(uk("2026-12-29T17:00"))
    assert await panel.remind_meetings() == 1
    assert await panel.remind_meetings() == 0  # told once
    assert (await reminded())[-1] == ("BM", f"The rapid review meeting for **{ref} · Young Person C** on Wed 30 Dec "
                                            "2026, 10:00 would not be quorate: Attending: Local authority, Police. "
                                            "Still needed: Health (ICB). The statutory partners were asked to confirm "
                                            "by Tue 29 Dec 2026, 17:00.")

    # Moved to Tue 5 Jan 2027, 14:00: known by Mon 4 Jan, 17:00; Health reminded Thu 31 Dec, 09:00 (Fri 1 Jan is a
    # bank holiday), again once, for the new time.
    await say(panel, f"meeting move {ref} 2027-01-05 14:00")
    assert await panel.remind_meetings() == 0
    clock.set(uk("2026-12-31T09:00"))
    assert await panel.remind_meetings() == 1
    assert (await reminded())[-1][0] == "Hal"
    await run(panel, await panel.actor_named("Hal"), f"meeting attend {ref}")
    clock.set(uk("2027-01-04T17:00"))
    assert await panel.remind_meetings() == 0  # quorate: nobody is told anything
    assert ("Attending: Local authority, Police, Health (ICB). Every statutory partner is attending."
            in (await panel.card(ref)).next_steps)


async def test_the_report_measures_meetings_inside_the_window_quorate_and_papers_on_time(clock):
    # Dudley, both filed Mon 14 Dec 2026: the window is Wed 23 Dec to Tue 5 Jan 2027. The first meeting, Wed 30 Dec,
    # is inside it and quorate; the second, Tue 22 Dec, is before it (overridden) and not quorate (counted anyway).
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(clock)
    first, second = await file(panel), await file(panel, letter="D")
    await say(panel, f"meeting schedule {first} 2026-12-30 10:00")
    await say(panel, f"meeting schedule {second} 2026-12-22 10:00 override the family asked for it")
    clock.set(uk("2026-12-22T12:00"))
    await say(panel, f"meeting held {second} police health override the chair counted it")
    clock.set(uk("2026-12-30T12:00"))
    await say(panel, f"meeting held {first} police health local_authority")
    report = await panel.report(parse_period("2026-12", today=date(2027, 1, 4)))
    assert report.meetings_held == 2
    assert [(t.label, t.met, t.missed) for t in report.meetings] == [
        ("Meetings held inside their window", 1, 1),
        ("Meetings quorate", 1, 1),  # Dudley has no papers clock, so that measure is left out
    ]
    assert ("Meetings held: 2; held inside their window 1 of 2; quorate 1 of 2."
            in chat_lines(report, panel.preset, panel.cal))
    (table,) = [t for t in report_tables(report, panel.preset, panel.cal) if t.id == "meetings"]
    assert table.rows == (("Meetings held inside their window", 1, 1), ("Meetings quorate", 1, 1))


async def test_salford_papers_shared_after_their_due_time_are_late_in_the_report(clock):
    # Salford 7.11: papers at least 24 hours before the meeting of Tue 22 Dec 2026, 10:00: due Mon 21 Dec, 10:00;
    # shared at 11:00, an hour late. The meeting is quorate; Salford has no window.
    clock.set(uk("2026-12-14T10:00"))
    panel = await salford(clock)
    ref = await file(panel)
    await say(panel, f"meeting schedule {ref} 2026-12-22 10:00")
    clock.set(uk("2026-12-21T11:00"))
    await say(panel, f"done {ref} rr_papers")
    clock.set(uk("2026-12-22T12:00"))
    await say(panel, f"meeting held {ref} local_authority police health")
    report = await panel.report(parse_period("2026-12", today=date(2027, 1, 4)))
    assert [(t.label, t.met, t.missed) for t in report.meetings] == [
        ("Meetings quorate", 1, 0),
        ("Meeting papers shared on time", 0, 1),
    ]


async def test_the_rapid_review_meeting_s_decision_is_in_the_report_and_the_export(clock):
    # Salford 7.12 on the in-memory record, as on the database (tests/integration/test_stages.py): two referrals
    # commenced at once by the business manager (7.5); one's meeting, Tue 22 Dec 2026, 10:00, decides a CSPR, and
    # `meeting list` said beforehand what it still decides.
    clock.set(uk("2026-12-14T10:00"))
    panel = await salford(clock)
    ref, other = await file(panel), await file(panel, letter="D")
    for r in (ref, other):
        await say(panel, f"decide {r} commence_rapid_review obviously a rapid review")
    await say(panel, f"meeting schedule {ref} 2026-12-22 10:00")
    assert (await say(panel, "meeting list")).endswith(
        "Still to decide: the rapid review meeting decides (Recommend a child safeguarding practice review, Other "
        "local review or learning event, No further action).")
    clock.set(uk("2026-12-22T12:00"))
    await say(panel, f"meeting held {ref} local_authority police health outcome cspr national learning")
    report = await panel.report(parse_period("2026-12", today=date(2027, 1, 4)))
    lines = chat_lines(report, panel.preset, panel.cal)
    assert "By outcome: Commence rapid review 2." in lines
    assert ("The rapid review meeting's decision: Recommend a child safeguarding practice review 1 · Not yet "
            "decided 1.") in lines
    data = await panel.export_record()
    assert [(d["reference"], d["stage"], d["outcome"], d["decided_at"]) for d in data["stage_decisions"]] == [
        (ref, "rapid_review_meeting", "cspr", "2026-12-22T10:00:00+00:00")]


async def test_a_deciding_meeting_is_listed_with_the_views_so_far(clock):
    # Dudley: the rapid review meeting decides a child's referral; the partners' votes before it are advice.
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(clock)
    ref = await file(panel)
    await say(panel, f"meeting schedule {ref} 2026-12-30 10:00")
    assert (await say(panel, "meeting list")).endswith("No views yet.")
    for name in ("Lia", "Hal"):
        await vote(panel, name, ref, "cspr")
    assert (await say(panel, "meeting list")).endswith(
        "Views so far: Undertake a child safeguarding practice review 2.")


async def test_a_partner_withdraws_its_confirmation_and_is_reminded_again(clock):
    # Dudley, the meeting on Wed 30 Dec 2026, 10:00: the partners missing are reminded Thu 24 Dec, 09:00, and
    # attendance must be known by Tue 29 Dec, 17:00. The police confirm before the reminder, so are not reminded
    # then; they withdraw on Mon 28 Dec and are reminded at the next sweep, once; the BM is told at 17:00 the day
    # after.
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(clock)
    ref = await file(panel)
    await say(panel, f"meeting schedule {ref} 2026-12-30 10:00 Room 2")
    pol, lia, bob = [await panel.actor_named(n) for n in ("Pol", "Lia", "Bob")]
    await run(panel, pol, f"meeting attend {ref}")
    await run(panel, lia, f"meeting attend {ref}")

    refused = await run(panel, await panel.actor_named("Hal"), f"meeting attend {ref} withdraw")
    assert (refused.ok, refused.lines) == (False, [
        f"Health (ICB) had not confirmed attending the rapid review meeting for {ref}, so there is nothing to "
        "withdraw. Nothing was changed."
    ])
    refused = await run(panel, await panel.actor_named("Ivy"), f"meeting attend {ref} withdraw")
    assert not refused.ok and refused.lines[0].startswith("Only a statutory partner's members")

    members = {m.id: m.name for m in await panel.list_members()}

    async def reminded() -> list[tuple[str, str]]:
        queued = [m for m in await outbox(panel, "notice") if m.purpose.startswith(("member:", "bm"))]
        return [(members.get(int(m.purpose[7:]), "") if m.purpose.startswith("member:") else "BM", m.body["text"])
                for m in queued]

    name = f"the rapid review meeting for **{ref} · Young Person C** on Wed 30 Dec 2026, 10:00"
    clock.set(uk("2026-12-24T09:00"))
    assert await panel.remind_meetings() == 1
    assert await reminded() == [("Hal", f"Please confirm who attends {name} for Health (ICB): nobody has yet.")]

    clock.set(uk("2026-12-28T11:00"))
    reply = await run(panel, pol, f"meeting attend {ref} withdraw")
    assert reply.lines == [
        f"Withdrawn: Police no longer attends the rapid review meeting for {ref} on Wed 30 Dec 2026, 10:00; the "
        "partner is needed again and will be reminded.",
        "Attending: Local authority. Still needed: Police, Health (ICB).",
    ]
    assert "Attending: Local authority. Still needed: Police, Health (ICB)." in (await panel.card(ref)).next_steps
    assert "Attending: Local authority. Still needed: Police, Health (ICB)." in await say(panel, "meeting list")
    assert await panel.remind_meetings() == 1  # the police only: health was reminded already
    assert await panel.remind_meetings() == 0
    assert (await reminded())[-1] == (
        "Pol", f"Please confirm who attends {name} for Police: its confirmation was withdrawn."
    )

    # The business manager records, for the local authority, that it cannot come after all.
    reply = await run(panel, bob, f"meeting attend {ref} withdraw local_authority")
    assert reply.lines[-1] == ("Attending: nobody has confirmed yet. Still needed: Local authority, Police, Health "
                               "(ICB).")
    assert await panel.remind_meetings() == 1
    assert (await reminded())[-1][0] == "Lia"
    clock.set(uk("2026-12-29T17:00"))
    assert await panel.remind_meetings() == 1
    assert (await reminded())[-1] == ("BM", f"The rapid review meeting for **{ref} · Young Person C** on Wed 30 Dec "
                                            "2026, 10:00 would not be quorate: Attending: nobody has confirmed yet. "
                                            "Still needed: Local authority, Police, Health (ICB). The statutory "
                                            "partners were asked to confirm by Tue 29 Dec 2026, 17:00.")
    assert [a for a in await actions(panel) if a.startswith("meeting_att")] == [
        "meeting_attending", "meeting_attending", "meeting_attendance_withdrawn", "meeting_attendance_withdrawn",
    ]
