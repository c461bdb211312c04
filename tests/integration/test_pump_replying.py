"""Replying first (`Panel.replying`, around every platform handler): the person who acted is answered
before the outbox is woken, and a slow answer does not hold the outbox back. On a panel on the test
database; the pump on its own is tests/unit/test_pump.py."""

from __future__ import annotations

import asyncio


async def test_inside_a_platform_handler_the_outbox_is_woken_when_the_person_has_been_answered(make_panel) -> None:
    from bot.service import Actor
    from flows.referrals import ReferralDraft

    panel = await make_panel("salford")
    pokes: list[str] = []

    async def on_outbox() -> None:
        pokes.append("poke")

    panel.on_outbox = on_outbox
    draft = ReferralDraft("rapid_review", "CSC", "baby", "A", "Summary")
    async with panel.replying():
        await panel.file_referral(actor=Actor.operator(), draft=draft)  # queues the referral card
        assert pokes == []  # not while the handler is still answering the person
    assert pokes == ["poke"]  # once it has: the card goes out
    await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft("rapid_review", "CSC", "baby", "B", "S"))
    assert pokes == ["poke", "poke"]  # outside a handler, at once as before


async def test_a_slow_answer_does_not_hold_the_outbox_back(make_panel, monkeypatch) -> None:
    import bot.service.base as base
    from bot.service import Actor
    from flows.referrals import ReferralDraft

    panel = await make_panel("salford")
    pokes: list[str] = []

    async def on_outbox() -> None:
        pokes.append("poke")

    panel.on_outbox = on_outbox
    monkeypatch.setattr(base, "REPLY_FIRST", 0.0)  # the answer has already taken longer than the outbox waits
    async with panel.replying():
        await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft("rapid_review", "CSC", "baby", "A", "S"))
        for _ in range(3):  # let the timer and the task it starts run (no time passes)
            await asyncio.sleep(0)
        assert pokes == ["poke"]  # woken without waiting for the answer
    assert pokes == ["poke"]  # and not a second time when the handler ends
