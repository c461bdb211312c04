"""A meeting's own quorum through the service on the in-memory record, with the same sentences as
tests/integration/test_meeting_quorum.py: Stockport's screening meeting (section 8: its chair and the Business
Manager) and a later meeting that never decides the referral (only its first meeting does)."""

from __future__ import annotations

from dataclasses import replace

from memory_panel import DUDLEY, OP, file, memory_panel, preset, uk

from bot.commands import run
from flows.preset import MeetingRule

STOCKPORT = [("Bea", "business_manager"), ("Pol", "police"), ("Sue", "screening_panel_chair")]


async def said(panel, line: str, name: str | None = None) -> tuple[bool, str]:  # type: ignore[no-untyped-def]
    actor = OP if name is None else await panel.actor_named(name)
    reply = await run(panel, actor, line)
    return reply.ok, " ".join(reply.lines)


async def test_stockport_screening_meeting_with_its_chair_and_the_business_manager(clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await memory_panel("stockport", clock, STOCKPORT)
    ref = await file(panel, "D", "sar")
    assert (await said(panel, f"meeting schedule {ref} 2026-12-22 10:00", "Bea"))[0]
    assert await said(panel, f"meeting attend {ref}", "Pol") == (False, (
        "Only the members of the roles this meeting needs (Business Manager, Head of Safeguarding and Learning "
        "(screening panel chair)) confirm they attend. Nothing was recorded."))
    assert (await said(panel, f"meeting attend {ref}", "Sue"))[0]
    assert (await said(panel, f"meeting attend {ref}", "Bea"))[1].endswith("Everyone the meeting needs is attending.")
    clock.set(uk("2026-12-22T11:00"))
    assert await said(panel, f"meeting held {ref} business_manager screening_panel_chair", "Bea") == (True, (
        f"The SAR screening meeting for {ref} is recorded: held Tue 22 Dec 2026, 10:00, attended by Business Manager, "
        "Head of Safeguarding and Learning (screening panel chair) (quorate). Clocks started: sar_recommendation. "
        "Met: SAR screening meeting held, on time."))


async def test_a_later_meeting_does_not_decide_the_referral(clock):
    # Dudley's rapid review meeting decides a child's referral; a review panel after the commission, added here,
    # is a meeting of its own that decides nothing.
    dudley = preset("dudley")
    later = MeetingRule("review_panel", ("local_authority", "police", "health", "independent_chair"), "a test", (),
                        "review_commissioned")
    clock.set(uk("2026-12-14T10:00"))
    panel = await memory_panel(replace(dudley, meetings=(*dudley.meetings, later)), clock, DUDLEY)
    ref = await file(panel)
    assert (await said(panel, f"event {ref} review_commissioned"))[0]
    assert await said(panel, f"meeting schedule {ref} 2027-01-12 10:00") == (
        True, f"The review panel meeting for {ref} is scheduled for Tue 12 Jan 2027, 10:00.")
    clock.set(uk("2027-01-12T11:00"))
    assert await said(panel, f"meeting held {ref} local_authority police health independent_chair outcome cspr "
                             "agreed") == (False, (
        f"The review panel meeting does not decide {ref}; only the rapid review meeting does. Nothing was recorded."))
    assert await said(panel, f"meeting held {ref} local_authority police health") == (True, (
        f"The review panel meeting for {ref} on Tue 12 Jan 2027, 10:00 is recorded as not quorate (attended: Local "
        "authority, Police, Health (ICB); still needed: Independent Chair). It does not count as the review panel "
        "meeting; to count it anyway, add `override REASON`."))
