"""Milestones without a clock (issue 20 section 2), through the shared commands on SQLite and PostgreSQL:
Stockport's business manager must tell the family in writing whether a CSPR/SAR will be conducted (section 11;
no time is set), and must tell a referrer Panelbot cannot reach. Each shows in `status`, the card and `overdue` as
still to do until the business manager marks it done (`done REF ID`, audited); a second `done` is refused.

Times: Mon 14 Dec 2026, 10:00 (GMT) throughout, unless moved.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.commands import run
from bot.service import Actor
from flows.referrals import ReferralDraft
from flows.views import card_lines
from storage.models import AuditEntry, Milestone, OutboxMessage

OP = Actor.operator()
STOCKPORT = [("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health"), ("Bea", "business_manager")]
FAMILY = "Tell the family in writing whether a CSPR/SAR will be conducted"


def uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)  # GMT in winter


async def stockport(make_panel, clock):  # type: ignore[no-untyped-def]
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("stockport")
    for name, role in STOCKPORT:
        await panel.add_member(actor=OP, name=name, role=role)
    return panel


async def file(panel, referral_type: str, referrer: str, letter: str = "C") -> str:  # type: ignore[no-untyped-def]
    draft = ReferralDraft(referral_type=referral_type, referrer=referrer, category="young person", letter=letter,
                          summary="Unexplained bruising seen at school; family known to services.")
    return await panel.file_referral(actor=OP, draft=draft)


async def say(panel, line: str, actor: Actor = OP) -> list[str]:  # type: ignore[no-untyped-def]
    reply = await run(panel, actor, line)
    assert reply.ok, reply.lines
    return [x.replace("**", "") for x in reply.lines]


async def refused(panel, line: str, actor: Actor = OP) -> str:  # type: ignore[no-untyped-def]
    reply = await run(panel, actor, line)
    assert not reply.ok, reply.lines
    return " ".join(reply.lines)


async def decide_child(panel, ref: str, outcome: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    for name in ("Lia", "Pol", "Hal"):
        await panel.vote(actor=await panel.actor_named(name), reference=ref, outcome=outcome, reason=reason)
    await say(panel, f"decide {ref} {outcome} {reason}", await panel.actor_named("Bea"))


async def audit(panel, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return list((await uow.session.execute(stmt)).scalars())


async def bm_notices(panel) -> list[str]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        stmt = select(OutboxMessage).where(OutboxMessage.purpose == "bm", OutboxMessage.kind == "notice")
        return [m.body["text"] for m in (await uow.session.execute(stmt.order_by(OutboxMessage.id))).scalars()]


async def test_the_family_letter_is_still_to_do_until_the_bm_marks_it_done(make_panel, clock):
    panel = await stockport(make_panel, clock)
    bea = await panel.actor_named("Bea")
    await panel.set_channel(actor=OP, purpose="agency:police", platform_id="slack:C-POLICE")
    ref = await file(panel, "child", "Greater Manchester Police")  # a referrer with a channel: told by Panelbot
    await decide_child(panel, ref, "no_review", "criteria not met")

    line = f"Still to do (no deadline): {FAMILY}. When it is done: `done {ref} tell_family`."
    assert await say(panel, "status") == [
        f"{ref} · Young Person C (Child safeguarding referral (CSPR)): decided; waiting for the business manager. "
        f"Still to do (no deadline): {FAMILY} (`done {ref} tell_family`).",
    ]
    assert line in card_lines(await panel.card(ref), panel.cal)
    assert await say(panel, "overdue") == ["Nothing is overdue.", f"{ref} · Young Person C: {line}"]
    notices = await bm_notices(panel)
    assert notices[-1] == (
        f"{ref} · Young Person C: still to do (the procedure, 11 (the Board Manager must inform the victim's family, "
        f"in writing, whether a CSPR/SAR will be conducted)): {FAMILY}. There is no deadline; it shows in `status` "
        f"until you mark it done with `done {ref} tell_family`.")
    assert not any("Please tell the referrer" in n for n in notices)

    # Only the business manager marks it done; a panel member is refused and nothing changes.
    assert await refused(panel, f"done {ref} tell_family", await panel.actor_named("Pol")) == (
        "Only the business manager can mark milestones done. Nothing was changed.")
    clock.set(uk("2026-12-16T11:30"))
    assert await say(panel, f"done {ref} tell_family", bea) == [f"{ref}: {FAMILY}: marked done."]
    (entry,) = await audit(panel, "milestone_done")
    assert (entry.actor, entry.subject, entry.payload) == ("Bea (business_manager)", ref, {"milestone": "tell_family"})
    assert entry.at == uk("2026-12-16T11:30")
    assert await say(panel, "status") == ["No open referrals."]
    assert not any("Still to do" in x for x in card_lines(await panel.card(ref), panel.cal))
    assert await say(panel, "overdue") == ["Nothing is overdue."]

    # A second `done` is refused, saying when and by whom, and changes nothing.
    assert await refused(panel, f"done {ref} tell_family", bea) == (
        f"{ref}: {FAMILY} was already marked done on Wed 16 Dec 2026, 11:30 by Bea; nothing was changed.")
    assert len(await audit(panel, "milestone_done")) == 1


async def test_a_referrer_panelbot_cannot_reach_is_a_milestone_for_the_bm(make_panel, clock):
    panel = await stockport(make_panel, clock)
    bea = await panel.actor_named("Bea")
    ref = await file(panel, "child", "the school nurse")  # not one of the partnership's agencies
    await decide_child(panel, ref, "rapid_review", "threshold met")  # not yet the position on a CSPR: no letter
    referrer = "Tell the referrer (the school nurse) the decision and what happens next"
    assert await say(panel, f"status {ref}") == [
        f"{ref} · Young Person C (Child safeguarding referral (CSPR)): decided; waiting for the business manager. "
        f"Still to do (no deadline): {referrer} (`done {ref} tell_referrer`).",
    ]
    (notice,) = [n for n in await bm_notices(panel) if "Please tell the referrer" in n]
    assert notice.endswith(f"This shows in `status` until you mark it done with `done {ref} tell_referrer`.")
    async with panel.uow() as uow:
        (row,) = (await uow.session.execute(select(Milestone))).scalars()
    assert (row.milestone, row.opened_by, row.opened_at, row.done_at) == (
        "tell_referrer", "no_channel", uk("2026-12-14T10:00"), None)
    opened = await audit(panel, "milestone_opened")
    assert [(e.actor, e.payload["milestone"]) for e in opened] == [("Panelbot (automatic)", "tell_referrer")]

    # An unknown id names what is open; then the referrer is marked told.
    assert await refused(panel, f"done {ref} tell_famly", bea) == (
        f'{ref} has no open "tell_famly" deadline or milestone. Open ones: tell_referrer.')
    assert await say(panel, f"done {ref} tell_referrer", bea) == [f"{ref}: {referrer}: marked done."]
    assert await say(panel, "status") == ["No open referrals."]


async def test_a_sar_opens_the_letter_once_at_the_chairs_decision_and_not_again_at_commissioning(make_panel, clock):
    panel = await stockport(make_panel, clock)
    ref = await file(panel, "sar", "Greater Manchester Police")
    for name in ("Lia", "Pol", "Hal"):
        await panel.vote(actor=await panel.actor_named(name), reference=ref, outcome="refer_sar_screening")
    await say(panel, f"event {ref} screening_meeting")
    await say(panel, f"event {ref} recommendation")
    async with panel.uow() as uow:
        assert list((await uow.session.execute(select(Milestone.milestone))).scalars()) == ["tell_referrer"]
    assert (await say(panel, f"done {ref} sar_chair_decision"))[0].startswith(f"{ref}: Independent Chair decides")
    await say(panel, f"event {ref} review_commissioned")
    async with panel.uow() as uow:
        rows = list((await uow.session.execute(select(Milestone).order_by(Milestone.id))).scalars())
    assert [(r.milestone, r.opened_by) for r in rows] == [
        ("tell_referrer", "no_channel"), ("tell_family", "done:sar_chair_decision")]
    assert sum("still to do (the procedure" in n for n in await bm_notices(panel)) == 1
