"""Sending to Telegram through the outbox: flood control honoured with nothing lost or sent twice, cards
edited in place, text escaped and cut to Telegram's 4,096 characters, and messages of kinds this adapter
does not know (an agency's information request) shown as notices with working buttons."""

from __future__ import annotations

from sqlalchemy import select
from telegram_harness import BEA, HAL, LEE, PAT, person

from bot.notify import Action, Outgoing, RetryLater, Sender
from bot.service import Actor
from flows.referrals import ReferralDraft
from storage.models import OutboxMessage

GROUP = -100555
# A full Dudley quorum (one member for each statutory partner), so no "cannot reach quorum" notice joins in.
MEMBERS = {"Bea": ("business_manager", BEA), "Lee": ("local_authority", LEE), "Pat": ("police", PAT),
           "Hal": ("health", HAL)}


def draft(letter: str = "C") -> ReferralDraft:
    return ReferralDraft(
        referral_type="cspr", referrer="Children's Social Care", category="young_person", letter=letter, summary="x"
    )


async def test_flood_control_then_success_posts_each_card_once(telegram, clock):
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    tg.panel.on_outbox = None  # this test drives the sender by hand, as the scheduler's job does
    api = tg.api
    api.group(GROUP, "Dudley panel")
    await tg.panel.set_channel(actor=Actor.operator(), purpose="panel", platform_id=f"telegram:{GROUP}")
    first = await tg.panel.file_referral(actor=Actor.operator(), draft=draft("C"))
    second = await tg.panel.file_referral(actor=Actor.operator(), draft=draft("D"))

    api.fail_next("sendMessage", retry_after=7)  # Telegram: 429, parameters.retry_after = 7
    assert await tg.sender.flush() == 0
    assert api.bot_messages(GROUP) == []
    assert api.count("sendMessage") == 1  # the chat is left alone until Telegram said: no second attempt

    clock.advance(seconds=6)
    assert await tg.sender.flush() == 0
    assert api.count("sendMessage") == 1

    clock.advance(seconds=1)
    assert await tg.sender.flush() == 2
    cards = api.bot_messages(GROUP)
    assert [c["text"].split(" · ")[0] for c in cards] == [first, second]

    clock.advance(minutes=10)
    assert await tg.sender.flush() == 0
    assert len(api.bot_messages(GROUP)) == 2  # sent once each

    # The card's id was remembered through the retry: a vote edits that message, not a new one.
    await tg.panel.vote(actor=await tg.panel.actor_named("Lee"), reference=first, outcome="cspr")
    await tg.sender.flush()
    assert len(api.bot_messages(GROUP)) == 2
    assert "Local authority (Lee): Undertake a child safeguarding practice review" in tg.card(GROUP, first)["text"]


async def test_card_updates_are_edits_and_repeats_are_harmless(telegram):
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    api = tg.api
    api.group(GROUP, "Dudley panel")
    adapter = tg.bot.adapter
    card = await tg.panel.card(await tg.panel.file_referral(actor=Actor.operator(), draft=draft()))
    # Never posted here (the group was set up later): there is nothing to edit and nothing is sent.
    assert await adapter.deliver(str(GROUP), Outgoing("card_update", "panel", card=card), None) is None
    assert api.bot_messages(GROUP) == []
    message_id = await adapter.deliver(str(GROUP), Outgoing("referral_card", "panel", card=card), None)
    update = Outgoing("card_update", "panel", card=card)
    assert await adapter.deliver(str(GROUP), update, message_id) == message_id  # "not modified" is fine
    assert len(api.bot_messages(GROUP)) == 1


async def test_text_is_escaped_and_cut_to_telegram_length(telegram):
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    api = tg.api
    api.group(GROUP, "Dudley panel")
    typed = "Tags <b>stay</b> text & so do <a href='x'>links</a>; **bold** is ours. "
    text = typed + "x" * 5000
    await tg.bot.adapter.deliver(str(GROUP), Outgoing("notice", "panel", text=text, headline="A <long> one"), None)
    message = api.last(GROUP)
    assert message["text"].startswith("A <long> one\nTags <b>stay</b> text & so do <a href='x'>links</a>; bold is")
    assert len(message["text"]) == 4096 and message["text"].endswith("…")
    assert "<b>A &lt;long&gt; one</b>" in message["_html"] and "&lt;b&gt;stay&lt;/b&gt;" in message["_html"]


async def test_a_new_kind_is_a_notice_and_a_long_button_survives_a_restart(telegram):
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    api = tg.api
    group = api.group(GROUP, "Dudley panel")
    reference = await tg.panel.file_referral(actor=Actor.operator(), draft=draft())
    long_command = f"withdraw {reference} filed twice by mistake: the same case as the referral before it"
    message = Outgoing(
        "something_new",
        "panel",
        headline="Heads up",
        text="Use `status` to see **everything**.",
        actions=(Action("Show status", "status"), Action("Withdraw it", long_command)),
    )
    await tg.bot.adapter.deliver(str(GROUP), message, None)
    shown = api.last(GROUP)
    assert shown["text"] == "Heads up\nUse /status to see everything."
    assert api.buttons(shown) == ["Show status", "Withdraw it"]
    toast = await tg.press(shown, LEE, "Show status")
    assert toast["text"].startswith(f"{reference} · Young Person C (Serious incident")

    await tg.restart()
    refusal = await tg.press(shown, LEE, "Withdraw it")
    assert refusal == {"text": "Only the business manager can withdraw a referral. Nothing was changed.", "alert": True}
    toast = await tg.press(shown, BEA, "Withdraw it")
    assert toast == {"text": f"{reference} is withdrawn; its open deadlines are cancelled.", "alert": False}
    assert group["id"] == GROUP


async def test_agency_request_and_reminder_with_mark_as_returned(telegram, clock):
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    api = tg.api
    police_chat = api.group(-100900, "West Midlands Police safeguarding")
    bea = api.private(BEA)
    await tg.say(bea, BEA, "/setup bm")
    (reply,) = await tg.say(police_chat, BEA, "/setup agency:police")
    assert reply["text"] == "This chat (telegram:-100900) is now the chat for police."
    reference = await tg.panel.file_referral(actor=Actor.operator(), draft=draft())

    (reply,) = await tg.say(bea, BEA, f"/request {reference} police")
    assert reply["text"].startswith(f"Information requests for {reference}:\nWest Midlands Police: requested, due")
    request = await api.wait_for(lambda: api.said(-100900, "Information request for"))
    assert "press Mark as returned" in request["text"]
    assert api.buttons(request) == ["Mark as returned"]

    # Time passes: the reminder comes to the agency's chat too, with its own button.
    def reminders() -> list[dict]:
        return [m for m in api.bot_messages(-100900) if m is not request and "Mark as returned" in api.buttons(m)]

    tg.panel.on_outbox = None  # the scheduler's part, by hand: sweep, then deliver
    for _ in range(10):
        when = await tg.panel.next_reminder_time()
        assert when is not None
        clock.set(max(when, clock.now))
        await tg.panel.run_reminders()
        await tg.sender.flush()
        if reminders():
            break
    tg.panel.on_outbox = tg.pump.poke
    reminder = reminders()[0]
    assert reminder["text"].startswith("Reminder: the initial scoping and information sharing template (Rapid ")
    assert f"for {reference} · Young Person C is due Mon 30 Nov 2026, 17:00" in reminder["text"]

    officer = person(4242, "Olu")  # the agency's contact: not on the panel
    toast = await tg.press(reminder, officer, "Mark as returned")
    assert toast["text"] == f"Thank you: West Midlands Police's return for {reference} is recorded. No more reminders."
    told = await api.wait_for(lambda: api.said(BEA["id"], "has returned its information"))
    assert told["text"].startswith(f"West Midlands Police has returned its information for {reference}")
    toast = await tg.press(request, officer, "Mark as returned")
    assert "already recorded" in toast["text"]


class Stub:
    """An adapter that fails as it is told: flood control (RetryLater) or any other error."""

    platform = "telegram"
    reaches_everyone = True
    target_interval = 0.0

    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.sent = 0

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        if self.error is not None:
            raise self.error
        self.sent += 1
        return None


async def test_the_sender_waits_exactly_as_flood_control_asks_and_backs_off_otherwise(make_panel, clock):
    panel = await make_panel("dudley")
    for name, role in (("Lee", "local_authority"), ("Pat", "police"), ("Hal", "health")):
        await panel.add_member(actor=Actor.operator(), name=name, role=role)  # quorum possible: one message only
    await panel.file_referral(actor=Actor.operator(), draft=draft())
    stub = Stub(RetryLater(30))
    sender = Sender(panel, [stub])

    async def next_attempt() -> tuple:
        async with panel.uow() as uow:
            row = (await uow.session.execute(select(OutboxMessage))).scalars().one()
            return row.next_attempt_at - clock.now, row.sent_at

    assert await sender.flush() == 0
    wait, sent = await next_attempt()
    assert wait.total_seconds() == 30 and sent is None
    clock.advance(seconds=30)
    stub.error = RuntimeError("boom")
    assert await sender.flush() == 0
    wait, _ = await next_attempt()
    assert wait.total_seconds() == 20  # the ordinary backoff (second attempt), not the platform's pause
    clock.advance(seconds=20)
    stub.error = None
    assert await sender.flush() == 1 and stub.sent == 1


async def test_setup_for_an_agency_the_partnership_does_not_have_is_refused(telegram):
    """Issue 18: `/setup agency:fire` names no agency of Dudley's, so nothing would ever reach that chat."""
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    chat = tg.api.group(-100901, "Fire service")
    (reply,) = await tg.say(chat, BEA, "/setup agency:fire")
    assert reply["text"].startswith(
        '"fire" is not one of this partnership\'s agencies; the agencies are agency:childrens_social_care, '
        "agency:adult_social_care, agency:police"
    )
    assert await tg.panel.list_channels() == []
