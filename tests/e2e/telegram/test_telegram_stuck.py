"""Nothing stuck in silence (issue 22, point 4), on Telegram: the real python-telegram-bot client against the
fake Bot API. Police's channel is the private chat of its contact, who has never pressed Start, so Telegram
answers "chat not found" to every message for it. After PANELBOT_STUCK_AFTER the business manager is told in
their chat, once, with what to do and never what the messages said; told again a day later while it lasts;
and told nothing more once it is put right. When the business manager's own chat is the one stuck, the log
says so at WARNING and nothing is queued to it."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from telegram_harness import BEA, HAL, LEE, PAT

from bot.notify import outbox_summary, retry_now
from bot.scheduler import JOBS_BY_NAME, run_job
from bot.service import Actor
from storage.models import OutboxMessage

MEMBERS = {"Bea": ("business_manager", BEA), "Lee": ("local_authority", LEE), "Pat": ("police", PAT),
           "Hal": ("health", HAL)}
SECRET = "Child D was seen at 4 Acacia Avenue"  # what a message may hold: never repeated to anyone else
TELL_STUCK = JOBS_BY_NAME["tell_stuck"]


async def queue(panel, purpose: str, text: str = SECRET) -> None:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        panel.notice(uow, purpose, text)
        await panel.finish(uow)


async def sweep(tg) -> object:  # type: ignore[no-untyped-def]
    """One tick of the scheduler: deliver what is due, then look for stuck targets, then deliver again."""
    await tg.sender.flush()
    told = await run_job(TELL_STUCK, tg.panel, tg.sender)
    await tg.sender.flush()
    return told


async def test_a_telegram_chat_not_found_is_told_to_the_bm_once_a_day_with_what_to_do_until_put_right(
    telegram, clock
) -> None:  # type: ignore[no-untyped-def]
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    tg.panel.on_outbox = None  # this test drives the sender and the sweep by hand, as the scheduler does
    api, op = tg.api, Actor.operator()
    bm_chat = api.private(BEA)["id"]
    await tg.panel.set_channel(actor=op, purpose="bm", platform_id=f"telegram:{bm_chat}")
    await tg.panel.set_channel(actor=op, purpose="agency:police", platform_id=f"telegram:{PAT['id']}")
    await queue(tg.panel, "agency:police")
    await queue(tg.panel, "agency:police", "A second message for Police")

    assert await sweep(tg) == 0
    async with tg.panel.uow() as uow:
        errors = (await uow.session.execute(select(OutboxMessage.last_error).where(
            OutboxMessage.sent_at.is_(None)))).scalars().all()
    assert errors == ["telegram: TelegramRefused: chat not found"] * 2  # the adapter records Telegram's reason
    clock.advance(minutes=10)
    assert await sweep(tg) == 0  # 10 minutes: not stuck yet
    assert api.bot_messages(bm_chat) == []

    clock.advance(minutes=10)  # 20 minutes of "chat not found"
    assert await sweep(tg) == 1
    [told] = api.bot_messages(bm_chat)
    text = told["text"]
    assert "Messages not getting through" in text
    assert (
        "2 messages for the Telegram chat of agency:police (West Midlands Police) are waiting since "
        "Mon 23 Nov 2026, 10:12 (UK time)"
    ) in text
    assert "West Midlands Police has never pressed Start on the Telegram bot" in text
    assert SECRET not in text and "second message" not in text

    for minutes in (2, 60, 60 * 12):  # later sweeps the same day, and through the night: nothing more
        clock.advance(minutes=minutes)
        assert await sweep(tg) == 0
    assert len(api.bot_messages(bm_chat)) == 1

    clock.advance(hours=12)  # a day after it was told, still failing: told once more
    assert await sweep(tg) == 1
    assert await sweep(tg) == 0
    again = api.bot_messages(bm_chat)
    assert len(again) == 2 and "Messages still not getting through" in again[1]["text"]
    assert "2 messages for the Telegram chat of agency:police (West Midlands Police)" in again[1]["text"]

    api.private(PAT)  # Police's contact presses Start
    await retry_now(tg.panel)
    await tg.sender.flush()
    assert [m["text"] for m in api.bot_messages(PAT["id"])] == [SECRET, "A second message for Police"]
    for _ in range(3):  # put right: nothing more is said, the next day or after
        clock.advance(days=1)
        assert await sweep(tg) == 0
    assert len(api.bot_messages(bm_chat)) == 2


async def test_when_the_bms_own_chat_is_stuck_the_log_says_so_and_nothing_is_queued_to_it(
    telegram, clock, caplog
) -> None:  # type: ignore[no-untyped-def]
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    tg.panel.on_outbox = None
    await tg.panel.set_channel(actor=Actor.operator(), purpose="bm", platform_id=f"telegram:{BEA['id']}")  # no Start
    await queue(tg.panel, "bm")
    await tg.sender.flush()
    clock.advance(minutes=20)
    with caplog.at_level(logging.WARNING):
        assert await sweep(tg) == 1
        assert await sweep(tg) == 0  # said once a day, not on every sweep
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "business manager" in
                r.getMessage()]
    assert len(warnings) == 1
    assert "the business manager's Telegram chat" in warnings[0] and "never pressed Start" in warnings[0]
    assert SECRET not in caplog.text
    async with tg.panel.uow() as uow:
        rows = (await uow.session.execute(select(func.count(OutboxMessage.id)))).scalar_one()
    assert rows == 1  # only the message that was stuck: no notice queued to a chat that cannot be reached
    assert (await outbox_summary(tg.panel))["stuck"] == 1  # and /healthz says degraded
