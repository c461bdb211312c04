"""The reminder sweep through the service on the in-memory record: who is reminded of what, when, exactly once,
and only in working hours. The plans (flows/reminders.py): for a 5 working-day return a reminder 1 working day
before, one on the due morning, then each working morning while overdue, and an escalation to the business
manager and the agency's safeguarding lead after 2 working days. The same timetable as tests/test_reminders.py
(Salford 7.7, over Christmas), without a database."""

from __future__ import annotations

from memory_panel import CASE_REVIEW, COMMENCE, OP, memory_panel, outbox, salford, uk, vote

from flows.referrals import ReferralDraft


async def file(panel) -> str:  # type: ignore[no-untyped-def]
    draft = ReferralDraft(referral_type=panel.preset.referral_types[0].id, referrer="Health visitor",
                          category="baby", letter="A", summary="Fracture found at a routine check.")
    return await panel.file_referral(actor=OP, draft=draft)


async def return_reminders(panel) -> list:  # type: ignore[no-untyped-def]
    """Reminders and escalations about the agencies' returns, in the order queued."""
    return [
        m for m in await outbox(panel)
        if m.kind in ("reminder", "escalation") and not m.purpose.startswith("member:")
        and (m.body.get("actions") or [{}])[0].get("label") == "Mark as returned"
    ]


def sent(panel, messages) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(panel.fmt(m.created_at), m.kind, m.purpose) for m in messages]


async def test_a_five_working_day_return_over_christmas(clock):
    """Requested Thu 24 Dec 2026, due Tue 5 Jan 2027 (25, 28 Dec and 1 Jan are bank holidays): none over
    Christmas; the escalation goes once, to the BM and the police's safeguarding lead."""
    clock.set(uk("2026-12-24T10:00"))
    panel = await memory_panel("salford", clock)
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    while clock.now < uk("2027-01-08T12:00"):  # as the scheduler would, every hour
        clock.advance(hours=1)
        await panel.run_reminders()
    messages = await return_reminders(panel)
    assert sent(panel, messages) == [
        ("Mon 4 Jan 2027, 09:00", "reminder", "agency:police"),
        ("Tue 5 Jan 2027, 09:00", "reminder", "agency:police"),
        ("Wed 6 Jan 2027, 09:00", "reminder", "agency:police"),
        ("Thu 7 Jan 2027, 09:00", "reminder", "agency:police"),
        ("Thu 7 Jan 2027, 09:00", "escalation", "bm"),
        ("Thu 7 Jan 2027, 09:00", "escalation", "agency:police:lead"),
        ("Fri 8 Jan 2027, 09:00", "reminder", "agency:police"),
    ]
    assert "is due **Tue 5 Jan 2027, 17:00** (tomorrow)" in messages[0].body["text"]


async def test_after_days_down_one_message_per_item_and_never_twice(clock):
    clock.set(uk("2026-12-24T10:00"))
    panel = await memory_panel("salford", clock)
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=["police", "health"])
    clock.set(uk("2027-01-07T10:00"))
    before = len(await outbox(panel))
    queued = await panel.run_reminders()
    messages = await return_reminders(panel)
    assert sorted((m.kind, m.purpose) for m in messages) == [
        ("escalation", "agency:health:lead"), ("escalation", "agency:police:lead"),
        ("escalation", "bm"), ("escalation", "bm"),
        ("reminder", "agency:health"), ("reminder", "agency:police"),
    ]
    assert all("Overdue since Tue 5 Jan 2027, 17:00" in m.body["text"] for m in messages if m.kind == "reminder")
    assert queued == len(await outbox(panel)) - before  # the BM's own milestones are reminded too
    assert await panel.run_reminders() == 0
    assert len(await return_reminders(panel)) == 6


async def test_nothing_is_sent_outside_working_hours(clock):
    clock.set(uk("2026-12-24T10:00"))
    panel = await memory_panel("salford", clock)
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    clock.set(uk("2027-01-06T20:00"))  # Wednesday evening, two reminders behind
    assert await panel.run_reminders() == 0
    clock.set(uk("2027-01-07T09:00"))
    await panel.run_reminders()
    assert sorted(m.purpose for m in await return_reminders(panel)) == ["agency:police", "agency:police:lead", "bm"]


async def test_a_dry_run_counts_and_keeps_nothing(clock):
    clock.set(uk("2026-12-24T10:00"))
    panel = await memory_panel("salford", clock)
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    clock.set(uk("2027-01-07T09:00"))
    before = len(await outbox(panel))
    would = await panel.run_reminders(dry_run=True)
    assert would > 0 and len(await outbox(panel)) == before
    assert await panel.run_reminders() == would
    assert len(await return_reminders(panel)) == 3


async def test_only_members_who_have_not_voted_or_recused_are_reminded_to_vote(clock):
    panel = await salford(clock)
    ref = await file(panel)  # Mon 23 Nov 2026 10:12, decision due Wed 25 Nov 10:12
    await vote(panel, "Ann", ref, COMMENCE)
    await panel.recuse(actor=await panel.actor_named("Ben"), reference=ref, reason="I know the family")
    upcoming = await panel.upcoming_reminders()
    assert upcoming[0].reference == ref and upcoming[0].at == await panel.next_reminder_time()
    clock.set(uk("2026-11-24T10:12"))
    await panel.run_reminders()
    members = {m.name: m.id for m in await panel.list_members()}
    to_vote = [m for m in await outbox(panel, "reminder") if m.purpose.startswith("member:")]
    assert sorted(m.purpose for m in to_vote) == sorted([f"member:{members['Cat']}", f"member:{members['Dee']}"])
    assert "your vote on **" in to_vote[0].body["text"] and "Wed 25 Nov 2026, 10:12" in to_vote[0].body["text"]
    # Cat votes before her reminder is delivered: it is no longer wanted; Dee's still is.
    await vote(panel, "Cat", ref, CASE_REVIEW, reason="Better as a case review")  # 1-1: still open
    wanted = {m.purpose: await panel.still_wanted(m.body) for m in to_vote}
    assert wanted == {f"member:{members['Cat']}": False, f"member:{members['Dee']}": True}
