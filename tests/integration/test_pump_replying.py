"""Replying first (`bot.notify.replying_first`, around every platform handler): the person who acted is
answered before the outbox is flushed, and a slow answer does not hold the outbox back. The service only pokes
the pump once a command's rows are committed; when the pump flushes is the pump's to say. On a panel on the
test database, with the real `OutboxPump` over a sender that counts its flushes."""

from __future__ import annotations

import asyncio

import bot.notify.pump as pump_module
from bot.notify import OutboxPump, replying_first
from bot.service import Actor
from flows.referrals import ReferralDraft


class CountingSender:
    def __init__(self) -> None:
        self.flushes = 0

    async def flush(self) -> int:
        self.flushes += 1
        return 0


async def settle(pump: OutboxPump) -> None:
    for _ in range(5):  # the flush the pump started, and any timer's, run (no time passes)
        await asyncio.sleep(0)
    if pump.task is not None:
        await pump.task


async def test_inside_a_platform_handler_the_outbox_is_flushed_once_the_person_has_been_answered(make_panel) -> None:
    panel = await make_panel("salford")
    sender = CountingSender()
    pump = OutboxPump(sender)  # type: ignore[arg-type]
    panel.on_outbox = pump.poke
    async with replying_first():
        await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft("rapid_review", "CSC", "baby", "A", "S"))
        await settle(pump)
        assert sender.flushes == 0  # not while the handler is still answering the person
    await settle(pump)
    assert sender.flushes == 1  # once it has: the card goes out
    await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft("rapid_review", "CSC", "baby", "B", "S"))
    await settle(pump)
    assert sender.flushes == 2  # outside a handler, at once as before


async def test_a_slow_answer_does_not_hold_the_outbox_back(make_panel, monkeypatch) -> None:
    panel = await make_panel("salford")
    sender = CountingSender()
    pump = OutboxPump(sender)  # type: ignore[arg-type]
    panel.on_outbox = pump.poke
    monkeypatch.setattr(pump_module, "REPLY_FIRST", 0.0)  # the answer has already taken longer than the pump waits
    async with replying_first():
        await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft("rapid_review", "CSC", "baby", "A", "S"))
        await settle(pump)
        assert sender.flushes == 1  # flushed without waiting for the answer
    await settle(pump)
    assert sender.flushes == 1  # and not a second time when the handler ends
