"""Before Suffolk's monthly panel (issue 21, sections 1 and 3), as before a referral's meeting: the statutory
partners not yet confirmed are reminded, each once, at the start of the working day before attendance must be
known, and if the panel would still not be quorate then (the working day before the panel, 17:00 UK time) the
business manager is told, once. A moved panel is reminded for its new time and not its old; a cancelled one is not
reminded; one already recorded as held is not reminded.

Hand counts (England; the panel meets at 10:00 UK time):
- January 2027: Mon 25 Jan. Known by Fri 22 Jan, 17:00; the partners reminded Thu 21 Jan, 09:00.
- December 2026: Thu 24 Dec (the 25th is Christmas Day). Known by Wed 23 Dec, 17:00; reminded Tue 22 Dec, 09:00.
  Moved to Tue 29 Dec, 14:00: known by Thu 24 Dec, 17:00 (Fri 25 and Mon 28 Dec are bank holidays); reminded Wed
  23 Dec, 09:00. Moved again to Wed 30 Dec, 10:00: known by Tue 29 Dec, 17:00; its reminder time (Thu 24 Dec,
  09:00) has passed, so the next sweep reminds.
- April 2027: Fri 23 Apr (the 25th is a Sunday), in British Summer Time (from Sun 28 Mar): known by Thu 22 Apr,
  17:00 BST (16:00 UTC); reminded Wed 21 Apr, 09:00 BST (08:00 UTC). March's, Thu 25 Mar, would have been reminded
  Tue 23 Mar, 09:00 and known by Wed 24 Mar, 17:00.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from bot.commands import run
from bot.service import Actor
from flows.preset import load_preset
from flows.preset.model import QuorateBy
from storage.models import OutboxMessage

OP = Actor.operator()
PEOPLE = [("Bea", "business_manager"), ("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health"),
          ("Meg", "mental_health_trust")]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def suffolk(make_panel, preset=None):  # type: ignore[no-untyped-def]
    panel = await make_panel(preset or "suffolk")
    for name, role in PEOPLE:
        await panel.add_member(actor=OP, name=name, role=role)
    return panel


async def say(panel, line: str, actor: Actor = OP) -> list[str]:  # type: ignore[no-untyped-def]
    reply = await run(panel, actor, line)
    lines = [x.replace("**", "") for x in reply.lines]
    assert reply.ok, lines
    return lines


async def who(panel, name: str) -> Actor:  # type: ignore[no-untyped-def]
    return await panel.actor_named(name)


async def sweep_twice(panel) -> list[int]:  # type: ignore[no-untyped-def]
    return [await panel.remind_meetings(), await panel.remind_meetings()]


async def told(panel) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every reminder and warning queued so far, oldest first: (the member's name, or BM; the text)."""
    names = {(await who(panel, n)).member_id: n for n, _ in PEOPLE}
    async with panel.uow() as uow:
        rows = (await uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [(names[int(m.purpose[7:])] if m.purpose.startswith("member:") else "BM", m.body["text"])
                for m in rows if m.purpose.startswith("member:") or m.purpose == "bm"]


async def buttons(panel) -> list[str]:  # type: ignore[no-untyped-def]
    """The commands of the buttons on the reminders to members."""
    async with panel.uow() as uow:
        rows = (await uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [a["command"] for m in rows if m.purpose.startswith("member:") for a in m.body.get("actions", [])]


JANUARY = "the monthly panel of January 2027 (**PANEL-2027-01**) on Mon 25 Jan 2027, 10:00"


async def test_the_missing_partners_are_reminded_once_and_the_business_manager_warned(make_panel, clock):
    clock.set(utc("2027-01-04T10:00"))
    panel = await suffolk(make_panel)
    assert await panel.plan_panels() == ["PANEL-2027-01", "PANEL-2027-02", "PANEL-2027-03"]
    await say(panel, "meeting attend PANEL-2027-01", await who(panel, "Lia"))

    clock.set(utc("2027-01-21T08:59"))
    assert await sweep_twice(panel) == [0, 0]
    clock.set(utc("2027-01-21T09:00"))
    assert await sweep_twice(panel) == [2, 0]  # the police and health; once
    assert await told(panel) == [
        ("Pol", f"Please confirm who attends {JANUARY} for Police: nobody has yet."),
        ("Hal", f"Please confirm who attends {JANUARY} for Health (ICB): nobody has yet."),
    ]  # not the local authority (confirmed), the mental health trust (not statutory) nor the business manager
    assert await buttons(panel) == ["meeting attend PANEL-2027-01"] * 2
    # The police press the reminder's button.
    assert await say(panel, "meeting attend PANEL-2027-01", await who(panel, "Pol")) == [
        "Recorded: Police attends the monthly panel of January 2027 (PANEL-2027-01) on Mon 25 Jan 2027, 10:00.",
        "Attending: Local authority, Police. Still needed: Health (ICB).",
    ]

    clock.set(utc("2027-01-22T16:59"))
    assert await sweep_twice(panel) == [0, 0]
    clock.set(utc("2027-01-22T17:00"))
    assert await sweep_twice(panel) == [1, 0]
    assert (await told(panel))[2:] == [
        ("BM", "The monthly panel of January 2027 (**PANEL-2027-01**) on Mon 25 Jan 2027, 10:00 would not be quorate: "
               "Attending: Local authority, Police. Still needed: Health (ICB). The statutory partners were asked to "
               "confirm by Fri 22 Jan 2027, 17:00."),
    ]

    # The local authority withdraws: it is reminded again, once, and the business manager told again.
    clock.set(utc("2027-01-22T17:30"))
    assert await say(panel, "meeting attend PANEL-2027-01 withdraw", await who(panel, "Lia")) == [
        "Withdrawn: Local authority no longer attends the monthly panel of January 2027 (PANEL-2027-01) on Mon 25 "
        "Jan 2027, 10:00; the partner is needed again and will be reminded.",
        "Attending: Police. Still needed: Local authority, Health (ICB).",
    ]
    assert await sweep_twice(panel) == [2, 0]
    assert (await told(panel))[3:] == [
        ("Lia", f"Please confirm who attends {JANUARY} for Local authority: its confirmation was withdrawn."),
        ("BM", "The monthly panel of January 2027 (**PANEL-2027-01**) on Mon 25 Jan 2027, 10:00 would not be quorate: "
               "Attending: Police. Still needed: Local authority, Health (ICB). The statutory partners were asked to "
               "confirm by Fri 22 Jan 2027, 17:00."),
    ]
    # From the panel's time, nothing more about it.
    clock.set(utc("2027-01-25T10:00"))
    assert await sweep_twice(panel) == [0, 0]


async def test_a_moved_panel_is_reminded_at_its_new_time_and_not_its_old(make_panel, clock):
    clock.set(utc("2026-12-07T10:00"))
    panel = await suffolk(make_panel)
    assert (await panel.plan_panels())[0] == "PANEL-2026-12"
    clock.set(utc("2026-12-14T10:00"))
    assert (await say(panel, "meeting move PANEL-2026-12 2026-12-29 14:00"))[0] == (
        "The monthly panel of December 2026 (PANEL-2026-12) is moved to Tue 29 Dec 2026, 14:00 (was Thu 24 Dec 2026, "
        "10:00).")

    clock.set(utc("2026-12-22T09:00"))  # the old reminder time
    assert await sweep_twice(panel) == [0, 0]
    clock.set(utc("2026-12-23T08:59"))
    assert await sweep_twice(panel) == [0, 0]
    clock.set(utc("2026-12-23T09:00"))
    assert await sweep_twice(panel) == [3, 0]
    december = "the monthly panel of December 2026 (**PANEL-2026-12**) on Tue 29 Dec 2026, 14:00"
    assert await told(panel) == [
        ("Lia", f"Please confirm who attends {december} for Local authority: nobody has yet."),
        ("Pol", f"Please confirm who attends {december} for Police: nobody has yet."),
        ("Hal", f"Please confirm who attends {december} for Health (ICB): nobody has yet."),
    ]
    clock.set(utc("2026-12-23T17:00"))  # the old warning time
    assert await sweep_twice(panel) == [0, 0]
    await say(panel, "meeting attend PANEL-2026-12", await who(panel, "Hal"))
    clock.set(utc("2026-12-24T16:59"))
    assert await sweep_twice(panel) == [0, 0]
    clock.set(utc("2026-12-24T17:00"))
    assert await sweep_twice(panel) == [1, 0]
    assert (await told(panel))[3:] == [
        ("BM", "The monthly panel of December 2026 (**PANEL-2026-12**) on Tue 29 Dec 2026, 14:00 would not be "
               "quorate: Attending: Health (ICB). Still needed: Local authority, Police. The statutory partners were "
               "asked to confirm by Thu 24 Dec 2026, 17:00."),
    ]

    # Moved again, to Wed 30 Dec, 10:00: its reminder time has passed, so the partners still missing are reminded
    # for the new time at the next sweep, once; the business manager on Tue 29 Dec, 17:00.
    clock.set(utc("2026-12-24T17:30"))
    await say(panel, "meeting move PANEL-2026-12 2026-12-30 10:00")
    assert await sweep_twice(panel) == [2, 0]
    moved = "the monthly panel of December 2026 (**PANEL-2026-12**) on Wed 30 Dec 2026, 10:00"
    assert (await told(panel))[4:] == [
        ("Lia", f"Please confirm who attends {moved} for Local authority: nobody has yet."),
        ("Pol", f"Please confirm who attends {moved} for Police: nobody has yet."),
    ]
    clock.set(utc("2026-12-29T16:59"))
    assert await sweep_twice(panel) == [0, 0]
    clock.set(utc("2026-12-29T17:00"))
    assert await sweep_twice(panel) == [1, 0]
    assert (await told(panel))[-1][1].startswith(f"{moved[0].upper()}{moved[1:]} would not be quorate: ")


async def test_a_cancelled_panel_is_not_reminded_and_times_are_uk_time(make_panel, clock):
    clock.set(utc("2027-03-04T10:00"))
    panel = await suffolk(make_panel)
    assert await panel.plan_panels() == ["PANEL-2027-03", "PANEL-2027-04", "PANEL-2027-05"]
    await say(panel, "meeting cancel PANEL-2027-03 the chair is away")
    for when in ("2027-03-23T09:00", "2027-03-24T17:00", "2027-03-25T09:00"):
        clock.set(utc(when))
        assert await sweep_twice(panel) == [0, 0], when

    # April's panel, Fri 23 Apr 2027, 10:00 BST: reminded Wed 21 Apr, 09:00 BST (08:00 UTC).
    clock.set(utc("2027-04-21T07:59"))
    assert await sweep_twice(panel) == [0, 0]
    clock.set(utc("2027-04-21T08:00"))
    assert await sweep_twice(panel) == [3, 0]
    april = "the monthly panel of April 2027 (**PANEL-2027-04**) on Fri 23 Apr 2027, 10:00"
    assert (await told(panel))[0] == ("Lia", f"Please confirm who attends {april} for Local authority: nobody has yet.")
    await say(panel, "meeting attend PANEL-2027-04 police local_authority")
    # Known by Thu 22 Apr, 17:00 BST (16:00 UTC).
    clock.set(utc("2027-04-22T15:59"))
    assert await sweep_twice(panel) == [0, 0]
    clock.set(utc("2027-04-22T16:00"))
    assert await sweep_twice(panel) == [1, 0]
    assert (await told(panel))[3:] == [
        ("BM", "The monthly panel of April 2027 (**PANEL-2027-04**) on Fri 23 Apr 2027, 10:00 would not be quorate: "
               "Attending: Local authority, Police. Still needed: Health (ICB). The statutory partners were asked to "
               "confirm by Thu 22 Apr 2027, 17:00."),
    ]


async def test_a_panel_recorded_as_held_is_not_reminded(make_panel, clock):
    # A partnership whose attendance must be known on the panel's day, 09:30: January's panel (Mon 25 Jan 2027,
    # 10:00) is reminded Fri 22 Jan, 09:00; February's (Thu 25 Feb) Wed 24 Feb, 09:00. Each is recorded by the
    # business manager at 09:00 on its day: January's as not quorate, February's as held. Neither is warned of at
    # 09:30, nor reminded again.
    preset = replace(load_preset("suffolk"), meeting_quorate_by=QuorateBy(working_days_before=0, at="09:30"))
    clock.set(utc("2027-01-04T10:00"))
    panel = await suffolk(make_panel, preset)
    await panel.plan_panels()
    clock.set(utc("2027-01-22T09:00"))
    assert await sweep_twice(panel) == [3, 0]
    clock.set(utc("2027-01-25T09:00"))
    assert (await say(panel, "meeting held PANEL-2027-01 local_authority police"))[0].endswith(
        "is recorded as not quorate (attended: Local authority, Police; still needed: Health (ICB)).")
    clock.set(utc("2027-01-25T09:30"))
    assert await sweep_twice(panel) == [0, 0]

    clock.set(utc("2027-02-24T09:00"))
    assert await sweep_twice(panel) == [3, 0]
    clock.set(utc("2027-02-25T09:00"))
    await say(panel, "meeting held PANEL-2027-02 local_authority police health")
    clock.set(utc("2027-02-25T09:30"))
    assert await sweep_twice(panel) == [0, 0]
    assert [n for n, _ in await told(panel)] == ["Lia", "Pol", "Hal"] * 2  # no warning to the business manager
