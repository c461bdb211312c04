"""The walkthrough, as a new user would follow it: an agency reached only by email gets an information request,
is reminded on the preset's plan as the days pass, and its return is marked made, after which nobody is
reminded again: the agency presses the button on the page its email's link opens. Everything goes through a
real SMTP server and the bot's own web server on 127.0.0.1; the clock is moved, never waited for.

Salford's return is due 5 working days after the request (7.7): the agency is reminded the working day before,
on the day it falls due, then each working day it is overdue; two working days late it is escalated, to the
business manager and (Salford's preset says so) to the agency's own safeguarding lead, each by email here."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer
from email_pages import form_fields
from mail_world import LINK, OP, PUBLIC, SUMMARY, MailWorld, draft, mail_world
from smtp_fake import FakeRelay

from bot.email.pages import add_page_routes
from bot.server import make_app

POLICE, LEAD, BM = "safeguarding@police.example", "lead@police.example", "bea@partnership.example"


@pytest.fixture
async def world(make_panel) -> AsyncIterator[MailWorld]:  # type: ignore[no-untyped-def]
    relay = await FakeRelay().start()
    made = await mail_world(await make_panel("salford"), relay)
    try:
        yield made
    finally:
        await made.platform.stop(1.0)
        await relay.stop()


async def a_day_passes(world: MailWorld, clock, day: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Move the clock to 10:00 on that day of December 2026 (UK time, GMT), run the reminder sweep as the
    scheduler would, deliver, and return the subjects that arrived."""
    before = len(world.relay.received)
    clock.set(datetime(2026, 11 if day > 20 else 12, day, 10, 0, tzinfo=clock.now.tzinfo))
    await world.panel.run_reminders()
    await world.flush()
    return [f"{', '.join(m.to)}: {m.subject}" for m in world.relay.received[before:]]


def to_the_agency(subjects: list[str]) -> list[str]:
    """What reached the police and their lead (the business manager also gets the reminders of their own
    milestones for the referral, which this walkthrough is not about)."""
    return sorted(s for s in subjects if not s.startswith(BM))


async def test_an_agency_by_email_is_asked_reminded_and_its_return_marked(world: MailWorld, clock) -> None:  # type: ignore[no-untyped-def]
    panel = world.panel
    # 1. The agency has only an email address; its safeguarding lead and the business manager too.
    await panel.set_channel(actor=OP, purpose="agency:police", platform_id=f"email:{POLICE}")
    await panel.set_channel(actor=OP, purpose="agency:police:lead", platform_id=f"email:{LEAD}")
    await panel.set_channel(actor=OP, purpose="bm", platform_id=f"email:{BM}")
    ref = await panel.file_referral(actor=OP, draft=draft())  # Mon 23 Nov 2026, 10:12

    # 2. The request goes out, due Mon 30 Nov 2026 at 17:00, with its signed "Mark as returned" link.
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    await world.flush()
    [request] = world.relay.to(POLICE)
    assert request.subject == f"[{ref}] Information request: return due Mon 30 Nov 2026, 17:00"
    action, claim = world.claim(request)
    assert action == "return" and claim.sent_to(POLICE)

    # 3. The days pass: a reminder the working day before, on the day, then each day it is overdue; each is
    #    one email per address.
    assert to_the_agency(await a_day_passes(world, clock, 26)) == []
    assert to_the_agency(await a_day_passes(world, clock, 27)) == [  # the working day before
        f"{POLICE}: [{ref}] Reminder: information due Mon 30 Nov 2026, 17:00"]
    assert to_the_agency(await a_day_passes(world, clock, 30)) == [
        f"{POLICE}: [{ref}] Reminder: information due Mon 30 Nov 2026, 17:00"]
    assert to_the_agency(await a_day_passes(world, clock, 1)) == [
        f"{POLICE}: [{ref}] Overdue: information due Mon 30 Nov 2026, 17:00"]
    escalated = await a_day_passes(world, clock, 2)
    assert to_the_agency(escalated) == [
        f"{LEAD}: [{ref}] Escalation: information overdue since Mon 30 Nov 2026, 17:00",
        f"{POLICE}: [{ref}] Overdue: information due Mon 30 Nov 2026, 17:00",
    ], escalated
    # The business manager is told too, by email (their own milestones' escalations come the same way).
    [to_bm] = [m for m in world.relay.to(BM) if "Greater Manchester Police's information" in m.part("plain")]
    assert to_bm.subject.startswith(f"[{ref}] Escalation: ") and f"{BM}: {to_bm.subject}" in escalated
    # Every reminder to the agency and its lead carries the same return link (bound to the request and to
    # the address it went to); the business manager's copy has none.
    for mail in world.relay.to(POLICE) + world.relay.to(LEAD):
        action, reminded = world.claim(mail)
        assert (action, reminded.target_id) == ("return", claim.target_id)
        assert reminded.sent_to(mail.to[0]) and not reminded.sent_to(BM)
    assert all("/email/" not in m.part("plain") for m in world.relay.to(BM))
    # None of it names anyone: the reference and "Young Person C", never the summary.
    for mail in world.relay.received:
        assert SUMMARY not in mail.part("plain") and SUMMARY not in mail.part("html")

    # 4. The police open the link in their email: a GET only shows the page (a mail gateway opening it first
    #    changes nothing); pressing its button marks the return made, from that address.
    path = LINK.search(world.relay.to(POLICE)[-1].part("plain")).group(0).removeprefix(PUBLIC)
    app = make_app(panel)
    add_page_routes(app, panel, world.links)
    async with TestClient(TestServer(app, host="127.0.0.1")) as browser:
        scanned = await browser.get(path)
        assert scanned.status == 200 and "Mark as returned" in await scanned.text()
        assert (await world.request()).returned_at is None  # the GET recorded nothing
        page = await (await browser.get(path)).text()
        pressed = await browser.post(path, data=form_fields(page))
        assert pressed.status == 200
        assert f"return for {ref} is recorded. No more reminders." in html.unescape(await pressed.text())
    request = await world.request()
    assert request.returned_at == clock.now and request.returned_by == f"{POLICE} (by email)"
    await world.flush()
    assert any("has returned its information" in m.part("plain") for m in world.relay.to(BM))

    # 5. Nobody is reminded again.
    assert to_the_agency(await a_day_passes(world, clock, 3)) == []
    assert to_the_agency(await a_day_passes(world, clock, 7)) == []
