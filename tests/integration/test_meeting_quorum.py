"""Each meeting checked against its own quorum (issue 21 section 1; gap G1 of its audit), through the shared
commands, on both databases.

- Stockport section 10: "The Review Panel will be quorate when the police, health and local authority
  representatives are present, together with the Review Panel Chair/Report Author". The review panel meets during
  a review (section 9: 3 to 6 times), so once `event REF review_commissioned` is recorded a referral's meeting is
  the review panel.
- Stockport section 8: the screening panel is its chair (the Head of Safeguarding and Learning), the Board Business
  Manager and agency representatives case by case: quorate with the chair and the Business Manager.

Hand counts (England): a meeting on Tue 12 Jan 2027, 10:00 must have its attendance known by the working day
before, Mon 11 Jan, 17:00, and those missing are reminded the working day before that, Fri 8 Jan, 09:00. A
meeting on Tue 22 Dec 2026, 10:00: known by Mon 21 Dec, 17:00, reminded Fri 18 Dec, 09:00. Five working days
after Tue 22 Dec 2026 is Thu 31 Dec (Fri 25 and Mon 28 Dec are bank holidays).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.commands import run
from bot.service import Actor
from flows.referrals import ReferralDraft
from storage.models import AuditEntry, Deadline, OutboxMessage

OP = Actor.operator()
PEOPLE = [("Bea", "business_manager"), ("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health"),
          ("Rex", "review_panel_chair"), ("Sue", "screening_panel_chair"), ("Ian", "independent_chair")]
REVIEW_QUORUM = "Local authority, Police, Health (ICB), Review Panel Chair / Report Author"
SCREENING_QUORUM = "Business Manager, Head of Safeguarding and Learning (screening panel chair)"


def uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)  # GMT in winter


async def stockport(make_panel):  # type: ignore[no-untyped-def]
    panel = await make_panel("stockport")
    for name, role in PEOPLE:
        await panel.add_member(actor=OP, name=name, role=role)
    return panel


async def file(panel, referral_type: str) -> str:  # type: ignore[no-untyped-def]
    draft = ReferralDraft(referral_type=referral_type, referrer="Adult Social Care", category="adult", letter="D",
                          summary="Died at home after months of self-neglect; several agencies involved.")
    return await panel.file_referral(actor=OP, draft=draft)


async def say(panel, line: str, name: str | None = None) -> str:  # type: ignore[no-untyped-def]
    actor = OP if name is None else await panel.actor_named(name)
    reply = await run(panel, actor, line)
    text = " ".join(reply.lines).replace("**", "")
    assert reply.ok, text
    return text


async def refused(panel, line: str, name: str | None = None) -> str:  # type: ignore[no-untyped-def]
    actor = OP if name is None else await panel.actor_named(name)
    reply = await run(panel, actor, line)
    assert not reply.ok, reply.lines
    return " ".join(reply.lines)


async def outbox(panel) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        return list((await uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def told(panel) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The meeting's reminders and warnings queued so far, oldest first: (the member's name, or BM; the text)."""
    names = {(await panel.actor_named(n)).member_id: n for n, _ in PEOPLE}
    return [(names[int(m.purpose[7:])] if m.purpose.startswith("member:") else "BM", m.body["text"])
            for m in await outbox(panel) if (m.purpose.startswith("member:") or m.purpose == "bm")
            and ("quorate" in m.body["text"] or "attend" in m.body["text"])]


async def posted(panel) -> list[dict]:  # type: ignore[no-untyped-def]
    return [m.body for m in await outbox(panel) if m.purpose == "panel" and m.kind == "notice"]


async def audited(panel, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        rows = (await uow.session.execute(select(AuditEntry).where(AuditEntry.action == action))).scalars()
        return [r.payload for r in rows]


async def running(panel, ref: str, clock_id: str) -> list[Deadline]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        referral = await panel.referral(uow, ref)
        return await uow.deadlines.running(referral, [clock_id])


async def commissioned(panel, kind: str) -> str:  # type: ignore[no-untyped-def]
    """A Stockport referral whose review has been commissioned (section 11), so its meeting is the review panel."""
    ref = await file(panel, kind)
    assert (await say(panel, f"event {ref} review_commissioned")).startswith(
        f"Recorded a review is commissioned for {ref}.")
    return ref


async def test_stockport_10_a_review_panel_without_its_chair_is_not_quorate(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await stockport(make_panel)
    ref = await commissioned(panel, "child")

    assert await say(panel, f"meeting schedule {ref} 2027-01-12 10:00 Room 4", "Bea") == (
        f"The review panel meeting for {ref} is scheduled for Tue 12 Jan 2027, 10:00, Room 4.")
    (post,) = await posted(panel)
    assert post["text"] == (
        f"The review panel meeting for **{ref} · Adult D**: **Tue 12 Jan 2027, 10:00**, Room 4. It is quorate only "
        f"with each of these present: {REVIEW_QUORUM}; each, please confirm you attend (the button, or "
        f"`meeting attend {ref}`).")
    assert post["actions"][0] == {"label": "I attend", "command": f"meeting attend {ref}", "style": "primary"}

    # The partners confirm; someone the quorum does not need is refused and nothing changes.
    assert await say(panel, f"meeting attend {ref}", "Lia") == (
        f"Recorded: Local authority attends the review panel meeting for {ref} on Tue 12 Jan 2027, 10:00. Attending: "
        "Local authority. Still needed: Police, Health (ICB), Review Panel Chair / Report Author.")
    assert await say(panel, f"meeting attend {ref} police health", "Bea") == (
        f"Recorded: Police, Health (ICB) attend the review panel meeting for {ref} on Tue 12 Jan 2027, 10:00. "
        "Attending: Local authority, Police, Health (ICB). Still needed: Review Panel Chair / Report Author.")
    assert await refused(panel, f"meeting attend {ref}", "Ian") == (
        f"Only the members of the roles this meeting needs ({REVIEW_QUORUM}) confirm they attend. Nothing was "
        "recorded.")
    assert await say(panel, "meeting list") == (
        f"{ref} · Adult D: the review panel meeting Tue 12 Jan 2027, 10:00, Room 4. Attending: Local authority, "
        "Police, Health (ICB). Still needed: Review Panel Chair / Report Author.")

    # The chair, still missing, is reminded on Fri 8 Jan 2027, 09:00, once; the business manager is told on Mon 11
    # Jan, 17:00, once, that the meeting would not be quorate.
    clock.set(uk("2027-01-08T08:59"))
    assert await panel.remind_meetings() == 0
    clock.set(uk("2027-01-08T09:00"))
    assert [await panel.remind_meetings(), await panel.remind_meetings()] == [1, 0]
    clock.set(uk("2027-01-11T17:00"))
    assert [await panel.remind_meetings(), await panel.remind_meetings()] == [1, 0]
    assert await told(panel) == [
        ("Rex", f"Please confirm you attend the review panel meeting for **{ref} · Adult D** on Tue 12 Jan 2027, "
                "10:00 as Review Panel Chair / Report Author: it is not quorate without you."),
        ("BM", f"The review panel meeting for **{ref} · Adult D** on Tue 12 Jan 2027, 10:00 would not be quorate: "
               "Attending: Local authority, Police, Health (ICB). Still needed: Review Panel Chair / Report Author. "
               "Those it needs were asked to confirm by Mon 11 Jan 2027, 17:00."),
    ]

    # Held by the three partners without the chair: recorded as not quorate, saying the chair is still needed.
    clock.set(uk("2027-01-12T12:00"))
    assert await say(panel, f"meeting held {ref} local_authority police health", "Bea") == (
        f"The review panel meeting for {ref} on Tue 12 Jan 2027, 10:00 is recorded as not quorate (attended: Local "
        "authority, Police, Health (ICB); still needed: Review Panel Chair / Report Author). It does not count as the "
        "review panel meeting; to count it anyway, add `override REASON`.")
    assert (await audited(panel, "meeting_held"))[-1]["quorate"] is False
    assert await audited(panel, "event") == [{"event": "review_commissioned", "at": "2026-12-14T10:00:00+00:00"}]
    assert "Held but not quorate (attended: Local authority, Police, Health (ICB); still needed: Review Panel Chair " \
           "/ Report Author)." in await say(panel, "meeting list")

    # With the chair it is quorate, recorded as held, and the next review panel can be scheduled.
    assert await say(panel, f"meeting held {ref} local_authority police health review_panel_chair", "Bea") == (
        f"The review panel meeting for {ref} is recorded: held Tue 12 Jan 2027, 10:00, attended by {REVIEW_QUORUM} "
        "(quorate).")
    assert (await audited(panel, "meeting_held"))[-1]["quorate"] is True
    assert await say(panel, "meeting list") == (
        "No meetings are scheduled. The business manager schedules one with `meeting schedule REF DATE TIME`.")
    assert await say(panel, f"meeting schedule {ref} 2027-02-09 10:00", "Bea") == (
        f"The review panel meeting for {ref} is scheduled for Tue 9 Feb 2027, 10:00.")


async def test_stockport_10_a_review_panel_with_its_chair_confirmed_and_present_is_quorate(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await stockport(make_panel)
    ref = await commissioned(panel, "sar")  # a SAR's screening meeting is behind it: its meeting is the review panel
    assert (await say(panel, f"meeting schedule {ref} 2027-01-12 10:00", "Bea")).startswith(
        f"The review panel meeting for {ref} is scheduled")
    for name in ("Lia", "Pol", "Hal"):
        await say(panel, f"meeting attend {ref}", name)
    # The chair confirms for themself, by the button's command; naming a partner is refused.
    assert await refused(panel, f"meeting attend {ref} police", "Rex") == (
        "You confirm for yourself, as Review Panel Chair / Report Author, only: `meeting attend REF`. Nothing was "
        "recorded.")
    assert await say(panel, f"meeting attend {ref}", "Rex") == (
        f"Recorded: Review Panel Chair / Report Author attends the review panel meeting for {ref} on Tue 12 Jan 2027, "
        f"10:00. Attending: {REVIEW_QUORUM}. Everyone the meeting needs is attending.")
    # Everyone needed has confirmed: no reminder, no warning.
    clock.set(uk("2027-01-11T17:00"))
    assert await panel.remind_meetings() == 0
    # The chair withdraws: needed again, reminded again at the next sweep, and the business manager told.
    assert await say(panel, f"meeting attend {ref} withdraw", "Rex") == (
        f"Withdrawn: Review Panel Chair / Report Author no longer attends the review panel meeting for {ref} on Tue 12 "
        "Jan 2027, 10:00; the role is needed again and will be reminded. Attending: Local authority, Police, Health "
        "(ICB). Still needed: Review Panel Chair / Report Author.")
    assert await panel.remind_meetings() == 2
    assert [who for who, _ in await told(panel)] == ["Rex", "BM"]
    assert (await told(panel))[0][1] == (
        f"Please confirm you attend the review panel meeting for **{ref} · Adult D** on Tue 12 Jan 2027, 10:00 as "
        "Review Panel Chair / Report Author: it is not quorate without you.")
    await say(panel, f"meeting attend {ref}", "Rex")
    clock.set(uk("2027-01-12T11:30"))
    assert await say(panel, f"meeting held {ref} review_panel_chair health police local_authority", "Bea") == (
        f"The review panel meeting for {ref} is recorded: held Tue 12 Jan 2027, 10:00, attended by {REVIEW_QUORUM} "
        "(quorate).")


async def test_stockport_8_a_screening_meeting_held_by_the_chair_and_the_business_manager_is_quorate(make_panel,
                                                                                                     clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await stockport(make_panel)
    ref = await file(panel, "sar")
    assert await say(panel, f"meeting schedule {ref} 2026-12-22 10:00", "Bea") == (
        f"The SAR screening meeting for {ref} is scheduled for Tue 22 Dec 2026, 10:00.")
    (post,) = await posted(panel)
    assert post["text"] == (
        f"The SAR screening meeting for **{ref} · Adult D**: **Tue 22 Dec 2026, 10:00**. It is quorate only with each "
        f"of these present: {SCREENING_QUORUM}; each, please confirm you attend (the button, or "
        f"`meeting attend {ref}`).")
    # The agencies attend case by case: a statutory partner is not asked, and cannot confirm for the quorum.
    assert await refused(panel, f"meeting attend {ref}", "Pol") == (
        f"Only the members of the roles this meeting needs ({SCREENING_QUORUM}) confirm they attend. Nothing was "
        "recorded.")
    assert await say(panel, f"meeting attend {ref}", "Sue") == (
        f"Recorded: Head of Safeguarding and Learning (screening panel chair) attends the SAR screening meeting for "
        f"{ref} on Tue 22 Dec 2026, 10:00. Attending: Head of Safeguarding and Learning (screening panel chair). Still "
        "needed: Business Manager.")
    # The card says the same: the meeting's own quorum, not the statutory partners.
    steps = " ".join((await panel.card(ref)).next_steps).replace("**", "")
    assert ("Attending: Head of Safeguarding and Learning (screening panel chair). Still needed: Business Manager."
            in steps), steps
    # The Business Manager, still missing, is reminded on Fri 18 Dec, 09:00 (and nobody else is).
    clock.set(uk("2026-12-18T09:00"))
    assert await panel.remind_meetings() == 1
    assert await told(panel) == [
        ("Bea", f"Please confirm you attend the SAR screening meeting for **{ref} · Adult D** on Tue 22 Dec 2026, "
                "10:00 as Business Manager: it is not quorate without you.")]
    # The Business Manager confirms for themself, with the button's command.
    assert (await say(panel, f"meeting attend {ref}", "Bea")).endswith(
        f"Attending: {SCREENING_QUORUM}. Everyone the meeting needs is attending.")
    clock.set(uk("2026-12-21T17:00"))
    assert await panel.remind_meetings() == 0  # quorate: no warning

    clock.set(uk("2026-12-22T11:00"))
    assert await say(panel, f"meeting held {ref} screening_panel_chair business_manager", "Bea") == (
        f"The SAR screening meeting for {ref} is recorded: held Tue 22 Dec 2026, 10:00, attended by "
        f"{SCREENING_QUORUM} (quorate). Clocks started: sar_recommendation. Met: SAR screening meeting held, on time.")
    (recommendation,) = await running(panel, ref, "sar_recommendation")
    assert panel.fmt(recommendation.due_at) == "Thu 31 Dec 2026, 17:00"
    assert await running(panel, ref, "sar_screening") == []


async def test_stockport_8_a_screening_meeting_of_the_partners_alone_is_not_quorate(make_panel, clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await stockport(make_panel)
    ref = await file(panel, "sar")
    await say(panel, f"meeting schedule {ref} 2026-12-22 10:00", "Bea")
    clock.set(uk("2026-12-22T11:00"))
    assert await say(panel, f"meeting held {ref} local_authority police health business_manager", "Bea") == (
        f"The SAR screening meeting for {ref} on Tue 22 Dec 2026, 10:00 is recorded as not quorate (attended: Local "
        "authority, Police, Health (ICB), Business Manager; still needed: Head of Safeguarding and Learning (screening "
        "panel chair)). It does not count as the SAR screening meeting; to count it anyway, add `override REASON`.")
    assert len(await running(panel, ref, "sar_screening")) == 1
    assert await running(panel, ref, "sar_recommendation") == []


async def test_stockport_a_child_referral_before_its_review_has_the_rapid_review_meeting(make_panel, clock):
    """Before a review is commissioned the referral's meeting is its first, quorate with the statutory partners."""
    clock.set(uk("2026-12-14T10:00"))
    panel = await stockport(make_panel)
    ref = await file(panel, "child")
    assert await say(panel, f"meeting schedule {ref} 2026-12-22 10:00", "Bea") == (
        f"The rapid review meeting for {ref} is scheduled for Tue 22 Dec 2026, 10:00.")
    assert "It is quorate with one representative of each statutory partner: Local authority, Police, Health (ICB)" \
        in (await posted(panel))[0]["text"]
    assert await refused(panel, f"meeting attend {ref}", "Rex") == (
        "Only a statutory partner's members (Local authority, Police, Health (ICB)) confirm who attends for their "
        "agency. Nothing was recorded.")
    # Commissioned while the rapid review meeting is still planned: that meeting is still the one recorded.
    await say(panel, f"event {ref} review_commissioned")
    clock.set(uk("2026-12-22T11:00"))
    assert await say(panel, f"meeting held {ref} local_authority police health", "Bea") == (
        f"The rapid review meeting for {ref} is recorded: held Tue 22 Dec 2026, 10:00, attended by Local authority, "
        "Police, Health (ICB) (quorate).")
    assert (await say(panel, f"meeting schedule {ref} 2027-01-12 10:00", "Bea")).startswith(
        f"The review panel meeting for {ref} is scheduled")
