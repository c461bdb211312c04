"""A mistyped date is quoted back so the person can see what they typed (Suffolk 3: anonymity), through
the shared `hold` command on a panel on the test database. The guard itself: tests/unit/test_anonymity.py."""

from __future__ import annotations


async def test_the_hold_command_quotes_back_a_mistyped_date(make_panel) -> None:
    from bot.commands import run
    from bot.service import Actor
    from flows.referrals import ReferralDraft

    panel = await make_panel("suffolk")
    op = Actor.operator()
    ref = await panel.file_referral(actor=op, draft=ReferralDraft(
        referral_type=panel.preset.referral_types[0].id, referrer="Police", category="adult", letter="D",
        summary="Fall at home."))
    reply = await run(panel, op, f"hold {ref} until 31/02/2027 awaiting the inquest")
    assert not reply.ok
    assert reply.lines == ['"31/02/2027" is not a date; write it like 2026-12-25 or 25/12/2026.']
