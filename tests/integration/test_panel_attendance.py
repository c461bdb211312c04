"""Who attends Suffolk's monthly panel, and who attended (issue 21, sections 1 and 3): each statutory partner's
member confirms their own agency for a panel named by its month, the business manager records who attended on the
panel's day, checked against the meeting's quorum (one representative of each statutory partner: the local
authority, the police and health), and `meeting list` shows it. Anyone else is refused, and nothing changes.

January 2027's panel is planned for Mon 25 Jan 2027, 10:00 UK time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.commands import run
from bot.service import Actor
from storage.models import AuditEntry, ScheduledEvent

OP = Actor.operator()
PEOPLE = [("Bea", "business_manager"), ("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health"),
          ("Meg", "mental_health_trust")]
JANUARY = "PANEL-2027-01: the monthly panel of January 2027, Mon 25 Jan 2027, 10:00."


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def say(panel, line: str, actor: Actor = OP) -> list[str]:  # type: ignore[no-untyped-def]
    reply = await run(panel, actor, line)
    lines = [x.replace("**", "") for x in reply.lines]
    assert reply.ok, lines
    return lines


async def refused(panel, line: str, actor: Actor) -> str:  # type: ignore[no-untyped-def]
    reply = await run(panel, actor, line)
    assert not reply.ok, reply.lines
    return " ".join(reply.lines)


async def january(panel) -> str:  # type: ignore[no-untyped-def]
    """January's line of `meeting list`."""
    return next(line for line in await say(panel, "meeting list") if line.startswith("PANEL-2027-01"))


async def row(panel) -> tuple:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        found = (await uow.session.execute(select(ScheduledEvent))).scalars()
        r = next(e for e in found if e.referral_id is None and str(e.slot) == "2027-01-25")
        return r.status, list(r.attending), list(r.attended), r.quorate


async def test_a_panels_attendance_and_quorum_are_recorded_and_listed(make_panel, clock):
    clock.set(at("2027-01-04T10:00"))
    panel = await make_panel("suffolk")
    for name, role in PEOPLE:
        await panel.add_member(actor=OP, name=name, role=role)
    await panel.plan_panels()
    lia, pol, hal, meg = [await panel.actor_named(n) for n in ("Lia", "Pol", "Hal", "Meg")]
    stranger = Actor.guest("slack", "U0STRANGER")

    assert await say(panel, "meeting attend PANEL-2027-01", lia) == [
        "Recorded: Local authority attends the monthly panel of January 2027 (PANEL-2027-01) on Mon 25 Jan 2027, "
        "10:00.",
        "Attending: Local authority. Still needed: Police, Health (ICB).",
    ]
    # Refused, changing nothing: a member for another agency, a member of no statutory partner, a stranger, the
    # business manager naming a partner that is not statutory, a member recording who attended.
    assert await refused(panel, "meeting attend PANEL-2027-01 health", pol) == (
        "You confirm for your own agency, Police, only: `meeting attend REF`. Nothing was recorded.")
    assert (await refused(panel, "meeting attend PANEL-2027-01", meg)).startswith(
        "Only a statutory partner's members (Local authority, Police, Health (ICB)) confirm who attends")
    assert not (await run(panel, stranger, "meeting attend PANEL-2027-01")).ok
    assert (await refused(panel, "meeting attend PANEL-2027-01 mental_health_trust", OP)).startswith(
        "Mental health trust safeguarding lead is not a statutory partner")
    assert (await refused(panel, "meeting held PANEL-2027-01 local_authority police health", hal)).startswith(
        "Only the business manager can record meetings")
    assert not (await run(panel, stranger, "meeting held PANEL-2027-01 local_authority police health")).ok
    assert (await refused(panel, "meeting attend PANEL-2027-01 withdraw", pol)).startswith(
        "Police had not confirmed attending the monthly panel of January 2027")
    assert await row(panel) == ("scheduled", ["local_authority"], [], None)

    assert await say(panel, "meeting attend PANEL-2027-01 police", OP) == [
        "Recorded: Police attends the monthly panel of January 2027 (PANEL-2027-01) on Mon 25 Jan 2027, 10:00.",
        "Attending: Local authority, Police. Still needed: Health (ICB).",
    ]
    assert await january(panel) == f"{JANUARY} Attending: Local authority, Police. Still needed: Health (ICB)."
    assert (await say(panel, "meeting attend PANEL-2027-01 withdraw", pol))[1] == (
        "Attending: Local authority. Still needed: Police, Health (ICB).")
    await say(panel, "meeting attend PANEL-2027-01", pol)
    await say(panel, "meeting attend PANEL-2027-01", hal)
    assert await january(panel) == f"{JANUARY} Attending: Local authority, Police, Health (ICB). Every statutory " \
                                   "partner is attending."

    # Recorded on the panel's day, not before; `override` has nothing to count a panel for.
    assert await refused(panel, "meeting held PANEL-2027-01 local_authority police", OP) == (
        "The monthly panel of January 2027 meets on Mon 25 Jan 2027, 10:00; record who attended once it has met. "
        "Nothing was recorded.")
    clock.set(at("2027-01-25T12:30"))
    assert (await refused(panel, "meeting held PANEL-2027-01 police override the chair says so", OP)).startswith(
        "A monthly panel that was not quorate is recorded as not quorate")
    assert await refused(panel, "meeting held PANEL-2027-01 fire_service", OP) == (
        '"fire_service" is not a role of this partnership; use one of local_authority, police, health, '
        "business_manager, independent_chair, mental_health_trust. Nothing was recorded.")
    assert await say(panel, "meeting held PANEL-2027-01 local_authority police mental_health_trust", OP) == [
        "The monthly panel of January 2027 (PANEL-2027-01) on Mon 25 Jan 2027, 10:00 is recorded as not quorate "
        "(attended: Local authority, Police, Mental health trust safeguarding lead; still needed: Health (ICB))."]
    assert await january(panel) == (
        f"{JANUARY} Held but not quorate (attended: Local authority, Police, Mental health trust safeguarding lead; "
        "still needed: Health (ICB)).")
    assert await row(panel) == ("scheduled", ["local_authority", "police", "health"],
                                ["local_authority", "police", "mental_health_trust"], False)

    # Health was there after all: recorded again, quorate, and held.
    assert await say(panel, "meeting held PANEL-2027-01 local_authority police health", OP) == [
        "The monthly panel of January 2027 (PANEL-2027-01) is recorded: held Mon 25 Jan 2027, 10:00, attended by "
        "Local authority, Police, Health (ICB) (quorate)."]
    assert await january(panel) == f"{JANUARY} Held: attended by Local authority, Police, Health (ICB) (quorate)."
    assert await refused(panel, "meeting held PANEL-2027-01 police", OP) == (
        "The monthly panel of January 2027 was held. Nothing was changed.")
    assert await refused(panel, "meeting attend PANEL-2027-01 withdraw", pol) == (
        "The monthly panel of January 2027 was held. Nothing was changed.")
    assert await row(panel) == ("held", ["local_authority", "police", "health"],
                                ["local_authority", "police", "health"], True)
    async with panel.uow() as uow:
        audit = [(e.actor.split()[0], e.action, e.payload.get("quorate"))
                 for e in (await uow.session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()
                 if e.subject == "PANEL-2027-01"]
    assert audit == [("Lia", "meeting_attending", None), ("operator", "meeting_attending", None),
                     ("Pol", "meeting_attendance_withdrawn", None), ("Pol", "meeting_attending", None),
                     ("Hal", "meeting_attending", None), ("operator", "meeting_held", False),
                     ("operator", "meeting_held", True)]

    # The next day the held panel has gone from the list, which starts at February's.
    clock.set(at("2027-01-26T09:00"))
    assert (await say(panel, "meeting list"))[0].startswith("PANEL-2027-02:")
