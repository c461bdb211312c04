"""Information requests and their reminders by email, received by a real SMTP server and read with the standard
`email` package: subject, parts, the signed link, and nothing that identifies anyone."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from mail_world import OP, SUMMARY, MailWorld, draft, mail_world
from smtp_fake import FakeRelay

POLICE = "safeguarding@police.example"


@pytest.fixture
async def world(make_panel) -> AsyncIterator[MailWorld]:  # type: ignore[no-untyped-def]
    relay = await FakeRelay().start()
    panel = await make_panel("salford")
    made = await mail_world(panel, relay)
    try:
        yield made
    finally:
        await made.platform.stop(1.0)
        await relay.stop()


async def test_an_information_request_goes_out_by_email_with_its_return_link(world: MailWorld, clock) -> None:  # type: ignore[no-untyped-def]
    panel = world.panel
    await panel.set_channel(actor=OP, purpose="agency:police", platform_id=f"email:{POLICE}")
    ref = await panel.file_referral(actor=OP, draft=draft())
    lines = await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    assert "No channel is set" not in lines[0]
    await world.flush()
    [mail] = world.relay.to(POLICE)
    due = (await panel.list_requests(ref))[0].due_at
    assert mail.subject == f"[{ref}] Information request: return due {panel.fmt(due)}"
    assert mail.message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.message.iter_parts()] == ["text/plain", "text/html"]
    plain, html = mail.part("plain"), mail.part("html")
    assert f"{ref} · Young Person C" in plain and f"{panel.fmt(due)} (UK time)" in plain
    assert SUMMARY not in plain and SUMMARY not in html and "**" not in plain
    action, claim = world.claim(mail)
    assert action == "return" and claim.sent_to(POLICE)
    assert world.claim(mail, "html")[1] == claim
    assert str(mail.message["Message-ID"]).startswith("<panelbot.")

