"""Information requests and reminders (the reminder issue), through the Panel on the real database.

Rules: Salford 7.7 and Dudley (agency returns within 5 working days), Kirklees (the information gathering
tool back within 48 hours); the product's reminder plans (flows/reminders.py): for a 5 WD return a reminder
1 working day before, one on the due morning, then each working morning while overdue and an escalation
after 2 working days; for a 48-hour return, 24 and 4 hours before (moved into working hours), at due, each
working morning, escalation after 1 working day. Time travels; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.notify import Sender
from bot.service import Actor
from flows.errors import InvalidInput, NotAllowed
from flows.referrals import ReferralDraft
from storage.models import Deadline, OutboxMessage

OP = Actor.operator()


def uk(text: str) -> datetime:
    """A UK local time written plainly (GMT in winter), as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def file(panel, rtype: str | None = None) -> str:
    draft = ReferralDraft(referral_type=rtype or panel.preset.referral_types[0].id, referrer="Health visitor",
                          category="baby", letter="A", summary="Fracture found at a routine check.")
    return await panel.file_referral(actor=OP, draft=draft)


async def messages(panel, *, clock_id: str = "agency_return") -> list[OutboxMessage]:
    """Reminders and escalations queued about one kind of clock (by default: agencies' returns)."""
    async with panel.uow() as uow:
        wanted = set((await uow.session.execute(
            select(Deadline.id).where(Deadline.clock_id == clock_id))).scalars())
        rows = (await uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.kind.in_(("reminder", "escalation")))
            .order_by(OutboxMessage.id))).scalars()
        return [r for r in rows if r.body.get("deadline_id") in wanted]


async def sweep_hourly(panel, clock, until: datetime) -> None:
    """Run the sweep every hour, as the scheduler would (it also wakes at exact reminder times)."""
    while clock.now < until:
        clock.advance(hours=1)
        await panel.run_reminders()


def sent(panel, rows) -> list[tuple[str, str, str]]:
    return [(panel.fmt(r.created_at), r.kind, r.purpose) for r in rows]


async def test_five_working_day_return_over_christmas(make_panel, clock):
    """Salford 7.7: requested Thu 24 Dec 2026, due Tue 5 Jan 2027 (25, 28 Dec and 1 Jan are bank holidays).
    Reminders on Mon 4 Jan (1 WD before), Tue 5 Jan (due day), then overdue each working morning, and the
    escalation to the BM and the agency's safeguarding lead after 2 working days. None over Christmas."""
    clock.set(uk("2026-12-24T10:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    lines = await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    assert "due Tue 5 Jan 2027, 17:00" in lines[0]
    await sweep_hourly(panel, clock, uk("2027-01-08T12:00"))
    assert sent(panel, await messages(panel)) == [
        ("Mon 4 Jan 2027, 09:00", "reminder", "agency:police"),
        ("Tue 5 Jan 2027, 09:00", "reminder", "agency:police"),
        ("Wed 6 Jan 2027, 09:00", "reminder", "agency:police"),
        ("Thu 7 Jan 2027, 09:00", "reminder", "agency:police"),
        ("Thu 7 Jan 2027, 09:00", "escalation", "bm"),
        ("Thu 7 Jan 2027, 09:00", "escalation", "agency:police:lead"),
        ("Fri 8 Jan 2027, 09:00", "reminder", "agency:police"),
    ]
    texts = [r.body["text"] for r in await messages(panel)]
    assert "is due **Tue 5 Jan 2027, 17:00** (tomorrow)" in texts[0]
    assert texts[2].startswith("**Overdue since Tue 5 Jan 2027, 17:00**")
    assert all(f"{ref} · Baby A" in t for t in texts)
    assert (await messages(panel))[0].body["actions"] == [
        {"label": "Mark as returned", "command": f"returned {ref} police", "style": "primary"}
    ]


async def test_kirklees_48_hour_return_sent_on_a_friday_afternoon(make_panel, clock):
    """Kirklees: the tool comes back within 48 hours. Sent Fri 27 Nov 2026 15:00, due Sun 29 Nov 15:00.
    The 24- and 4-hour warnings fall on the weekend, so the final warning moves back into Friday's working
    hours (16:30); the overdue reminder waits for Monday morning; escalation after 1 working day."""
    clock.set(uk("2026-11-27T15:00"))
    panel = await make_panel("kirklees")
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=[panel.preset.agencies[0].id])
    await sweep_hourly(panel, clock, uk("2026-12-01T12:00"))
    # The sweep at 16:00 runs before 16:30; the next hourly sweep (17:00) is after hours, so the scheduler's
    # exact wake-up is what sends it. Here: run the sweep at the exact time the plan names.
    rows = await messages(panel)
    assert [(k, p.split(":")[0]) for _, k, p in sent(panel, rows)] == [
        ("reminder", "agency"), ("reminder", "agency"), ("escalation", "bm"),
    ]
    assert [t for t, _, _ in sent(panel, rows)] == [
        "Mon 30 Nov 2026, 09:00", "Tue 1 Dec 2026, 09:00", "Tue 1 Dec 2026, 09:00"
    ]
    assert "Overdue since Sun 29 Nov 2026, 15:00" in rows[0].body["text"]


async def test_kirklees_final_warning_is_sent_at_its_exact_time(make_panel, clock):
    """The same Friday request: at exactly 16:30 the "due in under 24 hours" warning goes out, inside
    working hours, and `next_reminder_time` told the scheduler to wake then."""
    clock.set(uk("2026-11-27T15:00"))
    panel = await make_panel("kirklees")
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=[panel.preset.agencies[0].id])
    assert panel.fmt(await panel.next_reminder_time()) == "Fri 27 Nov 2026, 16:30"
    clock.set(uk("2026-11-27T16:30"))
    assert await panel.run_reminders() == 1
    (row,) = await messages(panel)
    assert "is due **Sun 29 Nov 2026, 15:00**" in row.body["text"]
    assert panel.fmt(await panel.next_reminder_time()) == "Mon 30 Nov 2026, 09:00"


async def test_return_marked_just_before_its_reminder_gets_none(make_panel, clock):
    clock.set(uk("2026-12-24T10:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    clock.set(uk("2027-01-04T08:59:59"))
    await panel.add_contact(actor=OP, agency="agency:police", platform_id="slack:U0POLICE")
    agency_contact = Actor.guest("slack", "U0POLICE", "Sgt Example")  # the police contact the BM registered
    reply = await panel.mark_returned(actor=agency_contact, reference=ref, agency="police")
    assert reply == f"Thank you: Greater Manchester Police's return for {ref} is recorded. No more reminders."
    await sweep_hourly(panel, clock, uk("2027-01-12T12:00"))
    assert await messages(panel) == []
    (line,) = await panel.list_requests(ref)
    assert line.returned_by == "Sgt Example (slack:U0POLICE) (guest)"


async def test_a_reminder_queued_before_the_return_is_not_delivered(make_panel, clock):
    """Done a moment after the sweep queued it, before the sender delivered it: nobody is reminded of what
    they have already done."""
    clock.set(uk("2026-12-24T10:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    delivered = []

    class Fake:
        platform, reaches_everyone = "fake", True
        target_interval = 0.0

        async def deliver(self, target, message, previous_id):
            delivered.append((message.kind, target))

    sender = Sender(panel, [Fake()])
    await sender.flush()  # the card and the request itself
    clock.set(uk("2027-01-04T09:00"))
    await panel.run_reminders()
    assert len(await messages(panel)) == 1  # queued for the police
    clock.advance(seconds=1)
    await panel.mark_returned(actor=OP, reference=ref, agency="police")
    await sender.flush()
    assert ("request", "agency:police") in delivered
    assert ("reminder", "agency:police") not in delivered
    assert ("notice", "bm") in delivered  # the BM hears it has been returned


async def test_catch_up_after_three_days_down_is_one_message_per_item(make_panel, clock):
    """The bot is down from Mon 4 Jan 08:00 to Thu 7 Jan 10:00: on start, one collapsed "overdue since"
    reminder per open request, and the escalation once, not the four reminders it missed."""
    clock.set(uk("2026-12-24T10:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=["police", "health"])
    clock.set(uk("2027-01-07T10:00"))
    await panel.run_reminders()
    rows = await messages(panel)
    assert sorted((r.kind, r.purpose) for r in rows) == [
        ("escalation", "agency:health:lead"), ("escalation", "agency:police:lead"),
        ("escalation", "bm"), ("escalation", "bm"),
        ("reminder", "agency:health"), ("reminder", "agency:police"),
    ]
    assert all("Overdue since Tue 5 Jan 2027, 17:00" in r.body["text"] for r in rows if r.kind == "reminder")
    await panel.run_reminders()
    assert len(await messages(panel)) == 6


async def test_nothing_is_sent_outside_working_hours(make_panel, clock):
    clock.set(uk("2026-12-24T10:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    clock.set(uk("2027-01-06T20:00"))  # Wednesday evening, two reminders behind
    assert await panel.run_reminders() == 0
    assert await messages(panel) == []
    clock.set(uk("2027-01-07T09:00"))
    await panel.run_reminders()
    # the overdue reminder, and the escalation to the BM and the lead
    assert sorted(r.purpose for r in await messages(panel)) == ["agency:police", "agency:police:lead", "bm"]


async def test_panel_members_who_have_not_voted_are_reminded(make_panel, clock):
    """Salford 7.5: the panel decides within 48 hours. Members who voted or recused get no reminder."""
    panel = await make_panel("salford")
    for name, role in [("Ann", "independent_adviser"), ("Ben", "chair"), ("Cat", "deputy_chair"),
                       ("Dee", "business_manager")]:
        await panel.add_member(actor=OP, name=name, role=role)
    ref = await file(panel)  # Mon 23 Nov 2026 10:12, decision due Wed 25 Nov 10:12
    await panel.vote(actor=await panel.actor_named("Ann"), reference=ref, outcome="commence_rapid_review")
    await panel.recuse(actor=await panel.actor_named("Ben"), reference=ref, reason="I know the family")
    clock.set(uk("2026-11-24T10:12"))
    await panel.run_reminders()
    members = {m.name: m.id for m in await panel.list_members()}
    rows = await messages(panel, clock_id="panel_decision")
    assert sorted(r.purpose for r in rows) == sorted([f"member:{members['Cat']}", f"member:{members['Dee']}"])
    assert "your vote on **" in rows[0].body["text"] and "Wed 25 Nov 2026, 10:12" in rows[0].body["text"]


async def test_extension_moves_the_due_date_and_restarts_reminders(make_panel, clock):
    clock.set(uk("2026-12-24T10:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    from datetime import date
    reply = await panel.extend_request(actor=OP, reference=ref, agency="police", until=date(2027, 1, 12),
                                       reason="records held in archive")
    assert reply.endswith("is now due Tue 12 Jan 2027, 17:00.")
    await sweep_hourly(panel, clock, uk("2027-01-12T12:00"))
    assert [t for t, _, _ in sent(panel, await messages(panel))] == ["Mon 11 Jan 2027, 09:00",
                                                                      "Tue 12 Jan 2027, 09:00"]


async def test_request_refusals_change_nothing(make_panel, clock):
    panel = await make_panel("salford")
    ref = await file(panel)
    with pytest.raises(InvalidInput, match='"fire brigade" is not an agency this partnership sends requests to'):
        await panel.send_requests(actor=OP, reference=ref, agencies=["fire brigade"])
    await panel.add_member(actor=OP, name="Pat", role="police")
    with pytest.raises(NotAllowed, match="Only the business manager can send information requests"):
        await panel.send_requests(actor=await panel.actor_named("Pat"), reference=ref, agencies=["police"])
    assert await panel.list_requests(ref) == []
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    again = await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    assert again == ["Greater Manchester Police: a request is already open; nothing sent again."]
    assert len(await panel.list_requests(ref)) == 1


async def test_sending_requests_meets_the_two_working_day_milestone(make_panel, clock):
    """Salford 7.7: requests go out within 2 WD of the referral; sending them stops that clock."""
    panel = await make_panel("salford")
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    clock.advance(days=10)
    assert "Agency summary and chronology requests sent" not in [o.label for o in await panel.overdue()]
    assert "Agency summary and chronology returned" in [o.label for o in await panel.overdue()]


async def test_two_schedulers_never_send_a_reminder_twice(engine, twin_engine, clock):
    """Two bot processes sweeping the same database at the same moment: each reminder is queued once."""
    from bot.service.bootstrap import open_panel
    from flows.preset import load_preset

    clock.set(uk("2026-12-24T10:00"))
    first = await open_panel(engine, load_preset("salford"), clock=clock)
    refs = [await file(first) for _ in range(5)]
    for ref in refs:
        await first.send_requests(actor=OP, reference=ref, agencies=["police", "health", "education"])
    other_engine = twin_engine()
    try:
        second = await open_panel(other_engine, load_preset("salford"), clock=clock)
        clock.set(uk("2027-01-07T10:00"))
        counts = await asyncio.gather(first.run_reminders(), second.run_reminders())
    finally:
        await other_engine.dispose()
    rows = await messages(first)
    keys = [(r.body["deadline_id"], r.purpose, r.kind) for r in rows]
    # per request: one reminder, and the escalation to the BM and to the agency's lead
    assert len(keys) == len(set(keys)) == 15 * 3
    async with first.uow() as uow:
        queued = (await uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.kind.in_(("reminder", "escalation"))))).scalars().all()
    every_key = [(r.body["deadline_id"], r.body["occurrence"], r.purpose) for r in queued]
    assert sum(counts) == len(every_key) == len(set(every_key))  # the BM's own clocks too: nothing twice


@pytest.mark.parametrize("failure", ["rate limited", "server error"])
async def test_a_failing_platform_gets_the_reminder_once_after_retrying(make_panel, clock, failure):
    """A 429 (retry after 30 s) or a 500 (backoff 10 s) on the first try: the reminder arrives once."""
    from bot.notify import RetryLater

    clock.set(uk("2026-12-24T10:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    calls = []

    class Flaky:
        platform, reaches_everyone = "flaky", True
        target_interval = 0.0

        async def deliver(self, target, message, previous_id):
            if message.kind != "reminder" or target != "agency:police":
                return None
            calls.append(clock.now)
            if len(calls) == 1:
                if failure == "rate limited":
                    raise RetryLater(30)
                raise RuntimeError("500 Internal Server Error")
            return "m1"

    sender = Sender(panel, [Flaky()])
    clock.set(uk("2027-01-04T09:00"))
    await panel.run_reminders()
    await sender.flush()
    wait = 30 if failure == "rate limited" else 10
    clock.advance(seconds=wait - 1)
    await sender.flush()
    assert len(calls) == 1  # not before the platform's wait
    clock.advance(seconds=2)
    await sender.flush()
    clock.advance(minutes=5)
    await sender.flush()
    assert len(calls) == 2  # retried once, delivered, never again
