"""A Suffolk panel for the monthly-panel tests (tests/integration/test_panel_clocks.py, test_panel_holds.py): the
business manager and the three statutory partners (and whoever else a test names), the next three monthly panels
planned, an adult referral filed, and the shared commands typed as a person types them."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.commands import run
from bot.service import Actor
from flows.referrals import ReferralDraft

OP = Actor.operator()
PEOPLE = [("Bea", "business_manager"), ("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health")]


def at(text: str) -> datetime:
    """A UTC instant (UK time is GMT in winter, one hour ahead in British Summer Time)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def suffolk(make_panel, clock, when: str, people=PEOPLE):  # type: ignore[no-untyped-def]
    clock.set(at(when))
    panel = await make_panel("suffolk")
    for name, role in people:
        await panel.add_member(actor=OP, name=name, role=role)
    assert len(await panel.plan_panels()) == 3
    return panel


async def file(panel, letter: str) -> str:  # type: ignore[no-untyped-def]
    draft = ReferralDraft(referral_type="adult", referrer="Adult social care", category="adult", letter=letter,
                          summary="Found at home after a fall; no carer had called for a week.")
    return await panel.file_referral(actor=OP, draft=draft)


async def say(panel, line: str, actor: Actor = OP) -> list[str]:  # type: ignore[no-untyped-def]
    reply = await run(panel, actor, line)
    lines = [" ".join(x.replace("**", "").split()) for x in reply.lines]
    assert reply.ok, lines
    return lines


async def refused(panel, line: str, actor: Actor) -> str:  # type: ignore[no-untyped-def]
    reply = await run(panel, actor, line)
    assert not reply.ok, reply.lines
    return " ".join(reply.lines).replace("**", "")
