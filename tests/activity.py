"""A year of a Salford panel's activity, through the commands a business manager and the panel use: referrals
filed every fortnight, votes, decisions by the panel and by the business manager, escalations at the deadline,
information requests and returns (some late), extensions, holds, a withdrawal, disagreements, and the reminder
sweeps in between. Sized for CI: about 26 referrals and a few hundred audit entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.service import Actor, Panel
from flows.referrals import ReferralDraft

OP = Actor.operator()
MEMBERS = [("Ann", "independent_adviser"), ("Cat", "chair"), ("Dan", "deputy_chair"), ("Bea", "business_manager")]
START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # Mon 5 Jan 2026
THEMES = ["neglect", "domestic abuse", "mental health"]


async def year_of_activity(panel: Panel, clock, every: int = 2) -> list[str]:  # type: ignore[no-untyped-def]
    """A referral every `every` weeks; returns the references filed. Leaves some referrals open, with deadlines
    and reminders still due."""
    for name, role in MEMBERS:
        await panel.add_member(actor=OP, name=name, role=role)
    ann, cat = await panel.actor_named("Ann"), await panel.actor_named("Cat")
    refs: list[str] = []
    for n, week in enumerate(range(0, 52, every)):
        clock.set(START + timedelta(weeks=week))
        i = n if every == 2 else n * 3 + 1  # a different mix of cases when sparser
        draft = ReferralDraft(
            referral_type="rapid_review" if i % 3 else "case_review",
            referrer=["Police", "Children's Social Care", "Health"][i % 3],
            category="young person",
            letter="ABCDEFGHJK"[i % 10],
            summary="Unexplained injury reported by the school nurse; the family is known to services.",
            themes=[THEMES[i % 3]],
        )
        ref = await panel.file_referral(actor=OP, draft=draft)
        refs.append(ref)
        outcome = "commence_rapid_review" if draft.referral_type == "rapid_review" else "neither_threshold"
        reason = "" if outcome == "commence_rapid_review" else "No abuse or neglect suspected"
        if i % 5 == 4:
            clock.set(clock.now + timedelta(days=3))  # nobody voted: escalated at the deadline
            await panel.check_deadlines()
            continue
        if i % 7 == 6:
            await panel.hold(actor=OP, reference=ref, until=(clock.now + timedelta(days=30)).date(),
                             reason="awaiting the police view")
            continue
        if i == 11:
            await panel.withdraw(actor=OP, reference=ref, reason="filed twice")
            continue
        clock.set(clock.now + timedelta(minutes=20))
        await panel.vote(actor=ann, reference=ref, outcome=outcome, reason=reason)
        await panel.vote(actor=cat, reference=ref, outcome=outcome, reason=reason)
        await panel.close_ballot(actor=OP, reference=ref)
        if outcome == "neither_threshold" and i % 2:
            await panel.record_disagreement(actor=OP, reference=ref, party="referrer", reason="They see it otherwise")
        if outcome == "commence_rapid_review":
            clock.set(clock.now + timedelta(days=1))
            await panel.send_requests(actor=OP, reference=ref, agencies=["police", "health"])
            clock.set(clock.now + timedelta(days=3 + i % 6))
            await panel.run_reminders()
            if week < 48:  # the last ones stay open: their deadlines and reminders are still to come
                await panel.mark_returned(actor=OP, reference=ref, agency="police")
                if i % 4:
                    await panel.mark_returned(actor=OP, reference=ref, agency="health")
        await panel.run_reminders()
    clock.set(datetime(2026, 12, 30, 11, 0, tzinfo=UTC))
    await panel.run_reminders()
    return refs


