"""One meeting walked end to end through Slack (slack-bolt against the fake Slack on 127.0.0.1, real HTTP), as the
people in it see it. Dudley (issue 21, section 1): a referral filed Mon 14 Dec 2026; its rapid review meeting
is held 7 to 13 working days after (Wed 23 Dec to Tue 5 Jan 2027, past the bank holidays of 25 and 28 Dec and
1 Jan) and is quorate with one representative of each statutory partner. The meeting decides whether to
undertake a CSPR ("The Rapid Review Meeting"): the partners' votes before it are advice.

0. The three partners vote on the card: each is told the vote is advice, and the card stays open with the
   views so far.
1. The business manager schedules it for Wed 30 Dec 2026, 10:00, Room 2: told the window in plain words.
2. The panel channel gets the post with the `.ics` invitation uploaded with it, and the buttons.
3. The local authority presses "I attend for my agency"; the police type `/panel meeting attend REF`.
4. The sweep on Thu 24 Dec, 09:00 (the working day before attendance must be known, Tue 29 Dec 17:00) reminds
   health's member, in a direct message, and nobody else.
5. Health confirms; the card says every statutory partner is attending.
6. On Wed 30 Dec the business manager records it held by all three, with its decision: quorate, the rapid
   review meeting decides, and the National Panel's clock starts from it (2 working days: Mon 4 Jan 2027,
   17:00). The card shows the decision and who made it, and loses its buttons.
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from slack_fake import PANEL_CHANNEL
from test_slack_voting import dudley, file_referral, vote


def uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)  # winter: UK time is UTC


async def test_a_rapid_review_meeting_from_scheduled_to_held_on_slack(slack, clock) -> None:
    clock.set(uk("2026-12-14T10:00"))
    h = await dudley(slack)
    ref = await file_referral(h)
    cspr = "Undertake a child safeguarding practice review"

    # 0. The partners' votes are advice: three agreeing votes decide nothing.
    for user in ("U0LA", "U0POL", "U0HEA"):
        told = await vote(h, user, ref, cspr)
        assert told == (f"Your vote on {ref} is recorded: {cspr}. These votes are advice for the rapid review "
                        "meeting, which decides; they close nothing.")
    card = h.card(ref)
    assert (f"Views so far: {cspr} 3. These votes are advice for the rapid review meeting, which decides; they close "
            "nothing.") in card.shown
    assert "Decided" not in card.shown and cspr in [b["label"] for b in card.buttons]

    # 1. Scheduled, inside the window.
    await h.slash("U0BM", f"meeting schedule {ref} 2026-12-30 10:00 Room 2")
    assert h.said_to("U0BM") == (
        f"The rapid review meeting for {ref} is scheduled for Wed 30 Dec 2026, 10:00, Room 2. "
        "Dudley Safeguarding People Partnership holds the rapid review meeting 7 to 13 working days after the "
        "referral is received: Wed 23 Dec 2026 to Tue 5 Jan 2027. Wed 30 Dec 2026 is inside it."
    )

    # 2. The post, with its invitation.
    await h.flush()
    # In the card's thread, as every message about a referral is.
    (post,) = [m for m in h.fake.thread(PANEL_CHANNEL, h.card(ref).ts) if "please confirm who attends" in m.shown]
    assert post.shown.startswith(f"The rapid review meeting for {ref} · Young Person C: Wed 30 Dec 2026, 10:00, "
                                 "Room 2. It is quorate with one representative of each statutory partner: Local "
                                 "authority, Police, Health (ICB)")
    assert [b["label"] for b in post.buttons] == ["I attend for my agency", "Send me the calendar file"]
    (invite,) = [f for f in h.fake.shared(PANEL_CHANNEL) if f.name.endswith(".ics")]
    assert invite.name == f"{ref}-meeting.ics"
    (event,) = Calendar.from_ical(invite.content).walk("VEVENT")
    assert (event.decoded("DTSTART"), str(event["LOCATION"])) == (uk("2026-12-30T10:00"), "Room 2")

    # 3. Two partners confirm: one by the button, one by the command.
    await h.press("U0LA", post, "I attend for my agency")
    assert h.said_to("U0LA").startswith(f"Recorded: Local authority attends the rapid review meeting for {ref} on "
                                        "Wed 30 Dec 2026, 10:00.")
    await h.slash("U0POL", f"meeting attend {ref}")
    assert h.said_to("U0POL").endswith("Attending: Local authority, Police. Still needed: Health (ICB).")
    await h.flush()
    assert "Attending: Local authority, Police. Still needed: Health (ICB)." in h.card(ref).shown

    # 4. The missing partner is reminded, once, the working day before attendance must be known.
    clock.set(uk("2026-12-23T16:59"))
    assert await h.panel.remind_meetings() == 0
    clock.set(uk("2026-12-24T09:00"))
    assert await h.panel.remind_meetings() == 1
    await h.flush()
    reminder = h.said_to("U0HEA")
    assert reminder.startswith(f"Please confirm who attends the rapid review meeting for {ref} · Young Person C on "
                               "Wed 30 Dec 2026, 10:00 for Health (ICB): nobody has yet.")
    assert not [m for m in h.fake.dms("U0POL") if "Please confirm" in m.shown]

    # 5. Health confirms.
    await h.slash("U0HEA", f"meeting attend {ref}")
    await h.flush()
    assert "Every statutory partner is attending." in h.card(ref).shown
    clock.set(uk("2026-12-29T17:00"))
    assert await h.panel.remind_meetings() == 0  # quorate: the business manager is not warned

    # 6. Held, quorate: the following clock starts from it.
    clock.set(uk("2026-12-30T12:00"))
    await h.slash("U0BM", f"meeting held {ref} local_authority police health outcome cspr the partners agreed")
    assert h.said_to("U0BM") == (
        f"The rapid review meeting for {ref} is recorded: held Wed 30 Dec 2026, 10:00, attended by Local authority, "
        "Police, Health (ICB) (quorate). Clocks started: national_panel_outcome. Met: Rapid review meeting held, "
        f"on time. Decided at the rapid review meeting for {ref}: {cspr} (attended by Local authority, Police, "
        "Health (ICB)). Next: Rapid review template sent to the National Panel; referrer and agencies told the "
        "outcome, due Mon 4 Jan 2027, 17:00."
    )
    await h.flush()
    card = h.card(ref)
    assert f"Decided: {cspr} (Wed 30 Dec 2026, 10:00)" in card.shown and card.buttons == []
    assert ("Decided by the rapid review meeting (attended by Local authority, Police, Health (ICB)). Reason: the "
            "partners agreed") in card.shown
    await h.slash("U0BM", "meeting list")
    assert h.said_to("U0BM").startswith("No meetings are scheduled.")
    async with h.panel.uow() as uow:
        (row,) = await uow.deadlines.running(await h.panel.referral(uow, ref), ["national_panel_outcome"])
    assert h.panel.fmt(row.due_at) == "Mon 4 Jan 2027, 17:00"
