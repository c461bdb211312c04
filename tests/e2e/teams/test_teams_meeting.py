"""A meeting's `.ics` invitation on Teams, end to end against the fake Bot Connector. Teams takes a file that is
not an image from a bot only in a 1:1 chat, with the person's consent: the post in the panel channel has a
"Send me the calendar file" button; pressed, the file-consent card reaches the presser's chat with Panelbot;
Allow uploads the file to the URL Teams gives and posts it as a file card. Typed in a 1:1 chat, `meeting
invitation REF` offers it there."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from teams_fake import PANEL, Harness, person, response_text

from flows.referrals import ReferralDraft

BEA, LOU, PAT, HAL = person("Bea"), person("Lou"), person("Pat"), person("Hal")
CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"


def uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def attachments(h: Harness, conversation: str, kind: str) -> list:
    return [(m, a) for m in h.fake.in_conversation(conversation) for a in m.activity.get("attachments") or []
            if a.get("contentType") == kind]


async def test_the_meeting_invitation_reaches_a_teams_user_as_a_file_with_their_consent(teams, clock) -> None:
    clock.set(uk("2026-12-14T10:00"))
    h = await teams("dudley")
    for name, role, who in (("Bea", "business_manager", BEA), ("Lou", "local_authority", LOU),
                            ("Pat", "police", PAT), ("Hal", "health", HAL)):
        await h.member(name, role, who)
    h.fake.join(PANEL, BEA, LOU, PAT, HAL)
    await h.say(BEA, "setup")
    draft = ReferralDraft(referral_type=h.panel.preset.referral_types[0].id, referrer="Children's Social Care",
                          category="young person", letter="C", summary="Injuries seen at school.")
    ref = await h.panel.file_referral(actor=await h.panel.actor_named("Bea"), draft=draft)
    await h.flush()

    answer = (await h.say(BEA, f"meeting schedule {ref} 2026-12-30 10:00 Room 2"))[0]
    assert answer.shown.startswith(f"The rapid review meeting for {ref} is scheduled for Wed 30 Dec 2026, 10:00")
    await h.flush()
    (post,) = [m for m in h.fake.messages if "please confirm who attends" in m.shown]
    assert [b["title"] for b in post.buttons] == ["I attend for my agency", "Send me the calendar file"]
    assert attachments(h, PANEL, CONSENT) == []  # never in the channel: Teams would not take it there

    # Pat presses the button in the channel: told where the file is; the consent card is in Pat's 1:1 chat.
    told = response_text(await h.press(PAT, post, "Send me the calendar file"))
    assert f"{ref}-meeting.ics is waiting for you in your chat with Panelbot" in told
    (created,) = h.fake.created
    chat = "a:1personal-chat-1"
    ((offer, card),) = attachments(h, chat, CONSENT)
    assert card["name"] == f"{ref}-meeting.ics"
    assert card["content"]["description"] == (f"{ref}-meeting.ics, a calendar file: open it to put the meeting in "
                                              "your calendar.")
    assert card["content"]["acceptContext"] == {"command": f"meeting invitation {ref}", "name": f"{ref}-meeting.ics"}

    # Allow: the file goes to the upload URL in one PUT and is shown as a file card.
    status, _ = await h.consent(PAT, offer)
    assert status == 200
    data = h.fake.uploads[f"{ref}-meeting.ics"]
    assert len(data) == card["content"]["sizeInBytes"]
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    assert (event.decoded("DTSTART"), str(event["LOCATION"])) == (uk("2026-12-30T10:00"), "Room 2")
    ((_, info),) = attachments(h, chat, FILE_INFO)
    assert info["name"] == f"{ref}-meeting.ics" and info["contentUrl"].endswith(f"/Documents/{ref}-meeting.ics")
    assert info["content"]["fileType"] == "ics"

    # Moved: asked again in the 1:1 chat, the file is the meeting as it is now; Decline sends nothing.
    await h.say(BEA, f"meeting move {ref} 2027-01-05 14:00")
    lines = await h.say(PAT, f"meeting invitation {ref}", where="personal")
    assert any("The meeting's calendar file" in m.shown for m in lines)
    (_, again) = attachments(h, h.personal_chat(PAT), CONSENT)[-1]
    assert again["content"]["sizeInBytes"] > 0
    status, _ = await h.consent(PAT, attachments(h, h.personal_chat(PAT), CONSENT)[-1][0], allow=False)
    assert status == 200
    assert any(m.activity.get("text") == f"{ref}-meeting.ics was not sent." for m in h.fake.messages)
    await h.consent(PAT, attachments(h, h.personal_chat(PAT), CONSENT)[-1][0])
    (event,) = Calendar.from_ical(h.fake.uploads[f"{ref}-meeting.ics"]).walk("VEVENT")
    assert (event.decoded("DTSTART"), int(event["SEQUENCE"])) == (uk("2027-01-05T14:00"), 1)

    # Someone not on the panel gets nothing, even with a card's context.
    mal = person("Mallory")
    h.fake.join(PANEL, mal)
    lines = await h.say(mal, f"meeting invitation {ref}")
    assert attachments(h, h.personal_chat(mal), CONSENT) == []
    assert any("not on this partnership's panel" in m.shown for m in lines)
