"""A meeting on Telegram, end to end against the fake Bot API: the business manager schedules Dudley's rapid review
meeting by command; the panel group gets the post, then the invitation as a document (`sendDocument`: an `.ics`
file, not a photo), with the button each statutory partner presses to confirm who attends; a move and a
cancellation post their own `.ics` (the same UID; METHOD:CANCEL)."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from telegram_harness import BEA, HAL, LEE, PAT

GROUP = -1001234567891
DUDLEY = {"Bea": ("business_manager", BEA), "Lee": ("local_authority", LEE), "Pat": ("police", PAT),
          "Hal": ("health", HAL)}


def uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)  # winter: UK time is UTC


def invitation(document: dict):  # type: ignore[no-untyped-def]
    cal = Calendar.from_ical(document["_bytes"])
    (event,) = cal.walk("VEVENT")
    return cal, event


async def test_the_meeting_invitation_reaches_the_telegram_group_as_an_ics_document(telegram, clock):
    clock.set(uk("2026-12-14T10:00"))
    tg = await telegram("dudley", mode="webhook", members=DUDLEY)
    api = tg.api
    group, bea = api.group(GROUP, "Dudley virtual panel"), api.private(BEA)
    await tg.say(group, BEA, "/setup@panelbot_test_bot")
    ref = await tg.panel.file_referral(actor=await tg.panel.actor_named("Bea"), draft=_draft(tg.panel))
    await api.wait_for(lambda: api.said(GROUP, ref))

    (reply,) = await tg.say(bea, BEA, f"/meeting schedule {ref} 2026-12-30 10:00 Room 2")
    assert reply["text"].startswith(f"The rapid review meeting for {ref} is scheduled for Wed 30 Dec 2026, 10:00, "
                                    "Room 2.")
    (document,) = await api.wait_for(lambda: api.documents(GROUP))
    post = api.said(GROUP, "please confirm who attends")
    assert post["text"].startswith(f"The rapid review meeting for {ref} · Young Person C: Wed 30 Dec 2026, 10:00, "
                                   "Room 2.")
    assert api.buttons(post) == ["I attend for my agency", "Send me the calendar file"]
    assert api.bot_messages(GROUP).index(document) == api.bot_messages(GROUP).index(post) + 1  # the file follows
    assert document["document"]["file_name"] == f"{ref}-meeting.ics"
    assert document["caption"] == f"{ref}-meeting.ics: open it to put the meeting in your calendar"
    assert api.count("sendPhoto") == 0
    assert not api.said(GROUP, "did not take")
    cal, event = invitation(document)
    assert (str(cal["METHOD"]), event.decoded("DTSTART"), str(event["LOCATION"])) == (
        "PUBLISH", uk("2026-12-30T10:00"), "Room 2")
    uid = str(event["UID"])

    # The police press the button under the post: recorded, and the card says who is still needed.
    toast = await tg.press(post, PAT, "I attend for my agency")
    assert toast["text"].startswith(f"Recorded: Police attends the rapid review meeting for {ref}")
    await api.wait_for(lambda: "Attending: Police. Still needed: Local authority, Health (ICB)."
                       in tg.card(GROUP, ref)["text"])

    await tg.say(bea, BEA, f"/meeting move {ref} 2027-01-05 14:00")
    await api.wait_for(lambda: len(api.documents(GROUP)) == 2)
    _, moved = invitation(api.documents(GROUP)[-1])
    assert (str(moved["UID"]), moved.decoded("DTSTART"), int(moved["SEQUENCE"])) == (uid, uk("2027-01-05T14:00"), 1)

    await tg.say(bea, BEA, f"/meeting cancel {ref} the family asked for a later date")
    await api.wait_for(lambda: len(api.documents(GROUP)) == 3)
    cal, cancelled = invitation(api.documents(GROUP)[-1])
    assert (str(cal["METHOD"]), str(cancelled["UID"]), str(cancelled["STATUS"])) == ("CANCEL", uid, "CANCELLED")


def _draft(panel):  # type: ignore[no-untyped-def]
    from flows.referrals import ReferralDraft

    return ReferralDraft(referral_type=panel.preset.referral_types[0].id, referrer="Children's Social Care",
                         category="young person", letter="C",
                         summary="Unexplained bruising seen at school; family known to services.")
