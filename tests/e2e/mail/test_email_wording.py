"""What an email asks the reader to do (issue 20): nobody reads replies to the bot's emails, and an email has no
buttons, so a message never says "reply here" or "press Mark as returned" by email: it says to press the link, and
to contact the business manager with questions. Received by a real SMTP server; Salford's return is due 5
working days after the request, Mon 30 Nov 2026, 17:00, and the police are reminded the working day before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from mail_world import OP, MailWorld, draft, mail_world
from smtp_fake import FakeRelay

from bot.email.compose import by_email
from flows.reminders import QUESTIONS_IN_CHAT

POLICE, BM = "safeguarding@police.example", "bea@partnership.example"
PRESS = "Press the Mark as returned link below once it is sent."
QUESTIONS = "Questions: please contact the business manager; replies to this email are not read."
FOOTER = ("Replies to this email are not read: for anything about it, contact the business manager. Never put a name, "
          "date of birth, address, postcode or NHS number in an email about a referral.")


@pytest.fixture
async def world(make_panel) -> AsyncIterator[MailWorld]:  # type: ignore[no-untyped-def]
    relay = await FakeRelay().start()
    made = await mail_world(await make_panel("salford"), relay)
    try:
        yield made
    finally:
        await made.platform.stop(1.0)
        await relay.stop()


async def test_a_request_and_its_reminder_by_email_say_press_the_link_and_contact_the_bm(world: MailWorld, clock):  # type: ignore[no-untyped-def]
    panel = world.panel
    await panel.set_channel(actor=OP, purpose="agency:police", platform_id=f"email:{POLICE}")
    await panel.set_channel(actor=OP, purpose="bm", platform_id=f"email:{BM}")
    ref = await panel.file_referral(actor=OP, draft=draft())
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    await world.flush()
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=clock.now.tzinfo))  # the working day before it is due
    await panel.run_reminders()
    await world.flush()

    request, reminder = world.relay.to(POLICE)
    assert reminder.subject == f"[{ref}] Reminder: information due Mon 30 Nov 2026, 17:00"
    assert "When it is sent, press the Mark as returned link below." in " ".join(request.part("plain").split())
    plain = " ".join(reminder.part("plain").split())
    assert f"{PRESS} {QUESTIONS}" in plain
    assert f"{PRESS} {QUESTIONS}" in " ".join(reminder.part("html").split())
    assert "Mark as returned: https://panel.example.org/email/return/" in plain  # the link the words point at
    for mail in world.relay.received:  # the agency's and the business manager's alike
        for part in ("plain", "html"):
            text = " ".join(mail.part(part).split())
            assert "reply here" not in text.lower() and "in a reply" not in text, (mail.subject, part)
            assert FOOTER in text, (mail.subject, part)


def test_without_a_link_the_reader_is_sent_to_the_business_manager() -> None:
    assert by_email("When it is sent, press Mark as returned.", False) == "When it is sent, tell the business manager."
    assert by_email(f"Press Mark as returned once it is sent. {QUESTIONS_IN_CHAT}", False) == (
        f"Tell the business manager once it is sent. {QUESTIONS}")
