"""One meeting walked end to end in the terminal (`panelbot run` on a practice database), as the person at the
keyboard reads it. Dudley (issue 21, section 1): filed Mon 14 Dec 2026; the rapid review meeting scheduled for
Wed 30 Dec 2026, 10:00 (inside the window of 7 to 13 working days: Wed 23 Dec to Tue 5 Jan 2027); the
invitation posted with its `.ics` file; the local authority and the police confirm who attends; moving the
simulated clock to Thu 24 Dec, 09:00 runs the scheduler's jobs, and health, still missing, is reminded (the
working day before attendance must be known: Tue 29 Dec, 17:00, past the bank holidays of 25 and 28 Dec);
health confirms; on Wed 30 Dec the meeting is recorded as held by all three, quorate, and the National Panel's
clock starts from it (2 working days: Mon 4 Jan 2027, 17:00).
"""

from __future__ import annotations

from datetime import UTC, datetime

from test_console import terminal


async def test_a_rapid_review_meeting_from_scheduled_to_held_in_the_terminal(engine, clock) -> None:
    clock.set(datetime(2026, 12, 14, 10, 0, tzinfo=UTC))
    t = await terminal(engine, clock, preset="dudley")
    said = await t.type("sample")
    names = {role: name for name, role in ((m.name, m.role) for m in await t.panel.list_members())}
    assert {"local_authority", "police", "health", "business_manager"} <= set(names)
    await t.type("as bm")
    said = await t.type("new", "1", "Children's Social Care", "", "2", "C",
                        "Bruising seen at school; family known to services for two years", "",
                        "", "", "")  # no themes, authorised by, looked-after child, notifications: none given
    ref = said.split("Filed ", 1)[1].split(" ", 1)[0]

    # Scheduled: the window in plain words, and the post with the invitation file.
    said = await t.type(f"meeting schedule {ref} 2026-12-30 10:00 Room 2")
    assert f"The rapid review meeting for {ref} is scheduled for Wed 30 Dec 2026, 10:00, Room 2." in said
    assert "Wed 23 Dec 2026 to Tue 5 Jan 2027. Wed 30 Dec 2026 is inside it." in said
    assert "please confirm who attends for your agency" in said  # the panel's post, printed as delivered
    said = await t.type(f"meeting invitation {ref}")
    assert "Files saved in" in said and f"{ref}-meeting.ics" in said

    # Two partners confirm.
    await t.type(f"as {names['local_authority']}")
    said = await t.type(f"meeting attend {ref}")
    assert f"Recorded: Local authority attends the rapid review meeting for {ref}" in said
    await t.type(f"as {names['police']}")
    said = await t.type(f"meeting attend {ref}")
    assert "Attending: Local authority, Police. Still needed: Health (ICB)." in said

    # The clock moves: the scheduler's jobs run, and health's member is reminded.
    said = await t.type("clock 2026-12-24 09:00")
    assert "Simulated time: Thu 24 Dec 2026, 09:00." in said
    assert (f"Please confirm who attends the rapid review meeting for {ref} · Young Person C on Wed 30 Dec 2026, "
            "10:00 for Health (ICB): nobody has yet.") in said
    await t.type(f"as {names['health']}")
    said = await t.type(f"meeting attend {ref}")
    assert "Every statutory partner is attending." in said

    # Held, quorate, and the following clock.
    await t.type("clock 2026-12-30 12:00")
    await t.type("as bm")
    said = await t.type(f"meeting held {ref} local_authority police health")
    assert said.startswith(f"The rapid review meeting for {ref} is recorded: held Wed 30 Dec 2026, 10:00, attended "
                           "by Local authority, Police, Health (ICB) (quorate). Clocks started: "
                           "national_panel_outcome.")
    async with t.panel.uow() as uow:
        (row,) = await uow.deadlines.running(await t.panel.referral(uow, ref), ["national_panel_outcome"])
    assert t.panel.fmt(row.due_at) == "Mon 4 Jan 2027, 17:00"
    assert (await t.type("meeting list")).startswith("No meetings are scheduled.")
