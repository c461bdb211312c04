"""A case the panel decides to put on hold (Suffolk 3, Referral Decision: "The review can be put on hold for a
specific period or an indeterminate length of time. Cases on hold will be reviewed at each Panel meeting to
ensure the need continues or else to take a different decision"; issue 21, section 3).

The decision leaves the case on hold, as the business manager's `hold REF` does: it is on each panel's agenda and
in its held cases' notice, and its review (`on_hold_review`, counted in monthly panels from the decision, with no
cut-off: that is a new referral's) is due at the first panel after the day it was decided, then again at the next
panel after each one, until `resume REF` brings it back to the panel to decide again.

Suffolk's panels, hand-worked (the 25th, or the working day before): Fri 23 Oct 2026 (Sun 25 Oct is a Sunday, the
day British Summer Time ends), Wed 25 Nov 2026, Thu 24 Dec 2026 (the 25th is Christmas Day), Mon 25 Jan 2027,
Thu 25 Feb 2027. Each is planned at 10:00 UK time; a clock counted to one is due at 17:00 UK time on its day.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from suffolk_panel import OP, at, file, refused, say
from suffolk_panel import PEOPLE as BASE_PEOPLE
from suffolk_panel import suffolk as suffolk_panel

from flows.views import card_lines, decision_lines
from storage.models import OutboxMessage

PEOPLE = [*BASE_PEOPLE, ("Ian", "independent_chair")]
REASONS = {"Lia": "waiting for the strategy meeting's minutes", "Pol": "the police enquiry is still open",
           "Hal": "the GP records are not in yet"}
STATUS = "(Safeguarding adults review referral): on hold; waiting for its review at each panel, until the business " \
         "manager resumes it. Next: Case on hold reviewed at the next panel by"


async def suffolk(make_panel, clock, when: str):  # type: ignore[no-untyped-def]
    return await suffolk_panel(make_panel, clock, when, PEOPLE)


async def vote_on_hold(panel, ref: str) -> None:  # type: ignore[no-untyped-def]
    """The three statutory partners vote to put it on hold: the ballot closes when the last has voted."""
    for name in ("Lia", "Pol", "Hal"):
        await say(panel, f"vote {ref} on_hold {REASONS[name]}", await panel.actor_named(name))


async def card(panel, ref: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The referral's card as the terminal prints it."""
    return [" ".join(x.replace("**", "").split()) for x in card_lines(await panel.card(ref), panel.cal)]


async def status_of(panel, ref: str) -> str:  # type: ignore[no-untyped-def]
    return next(line for line in await say(panel, "status") if line.startswith(ref))


async def texts(panel, purpose: str | None = None, kind: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        rows = (await uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [" ".join(m.body.get("text", "").replace("**", "").split()) for m in rows
                if (purpose is None or m.purpose == purpose) and (kind is None or m.kind == kind)]


async def running(panel, ref: str) -> dict[str, datetime]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        referral = await panel.referral(uow, ref)
        return {d.clock_id: d.due_at.astimezone(UTC) for d in await uow.deadlines.running(referral)}




def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def test_voted_on_hold_before_christmas_it_is_back_at_the_christmas_panel_then_at_each_panel(make_panel, clock):
    """Filed Tue 1 Dec 2026, voted on hold Mon 21 Dec. The next panel is Thu 24 Dec (the 25th is Christmas Day), 3
    days later: a new referral's 10-day cut-off would send it to Mon 25 Jan 2027, but a case on hold has none."""
    panel = await suffolk(make_panel, clock, "2026-12-01T10:00")
    ref = await file(panel, "A")
    clock.set(at("2026-12-21T11:00"))
    await vote_on_hold(panel, ref)

    shown = await card(panel, ref)
    assert "Decided: On hold: more information needed (Mon 21 Dec 2026, 11:00)" in shown
    assert "Next: Case on hold reviewed at the next panel by Thu 24 Dec 2026, 17:00" in shown
    assert "Next: Case on hold reviewed at the next panel by **Thu 24 Dec 2026, 17:00**" in decision_lines(
        await panel.card(ref), panel.cal)  # the decision's message, to the panel and the business manager
    assert (await status_of(panel, ref)).startswith(f"{ref} · Adult A {STATUS} Thu 24 Dec 2026, 17:00.")
    assert await say(panel, "agenda") == [
        "Agenda for the panel of Thu 24 Dec 2026, 10:00 (PANEL-2026-12):", "New referrals: none.",
        "On hold, back at this panel (1):", f"{ref} · Adult A (Safeguarding adults review referral)",
        "A referral received today is past this panel's cut-off and goes to the panel of Mon 25 Jan 2027."]
    assert await refused(panel, f"vote {ref} independent_review", await panel.actor_named("Lia")) == (
        f"{ref} is on hold, so voting is paused. Your vote was not recorded.")
    assert await refused(panel, f"hold {ref}", OP) == f"{ref} is on hold, so it cannot be put on hold."

    # Reminded the working day before and on the day; the held cases' notice on the panel's day names it.
    clock.set(at("2026-12-23T09:30"))
    assert await panel.run_reminders() == 1
    assert (await texts(panel, kind="reminder"))[-1] == (
        f"Reminder: Case on hold reviewed at the next panel for {ref} · Adult A is due Thu 24 Dec 2026, 17:00 "
        "(tomorrow).")
    clock.set(at("2026-12-24T09:00"))
    assert await panel.hold_agenda() == [ref]
    assert (await texts(panel, "panel"))[-1] == (await texts(panel, "bm"))[-1] == (
        f"Cases on hold, back at the panel of Thu 24 Dec 2026: {ref} · Adult A.")
    clock.set(at("2026-12-24T09:30"))
    assert await panel.run_reminders() == 1

    # After the Christmas panel it is due at the next: Mon 25 Jan 2027. Nothing is overdue, nobody is reminded of
    # the panel gone (Tue 29 Dec is the next working day: 25 and 28 Dec are bank holidays).
    clock.set(at("2026-12-24T17:30"))
    assert await panel.hold_agenda() == []  # the notice went this morning
    assert await running(panel, ref) == {"on_hold_review": utc("2027-01-25T17:00")}
    assert "Next: Case on hold reviewed at the next panel by Mon 25 Jan 2027, 17:00" in await card(panel, ref)
    clock.set(at("2026-12-29T09:30"))
    assert await panel.run_reminders() == 0
    assert (await say(panel, "overdue"))[0] == "Nothing is overdue."
    assert (await status_of(panel, ref)).startswith(f"{ref} · Adult A {STATUS} Mon 25 Jan 2027, 17:00.")
    assert await say(panel, "agenda") == [
        "Agenda for the panel of Mon 25 Jan 2027, 10:00 (PANEL-2027-01):", "New referrals: none.",
        "On hold, back at this panel (1):", f"{ref} · Adult A (Safeguarding adults review referral)"]

    # At January's panel it is back again, and after it due at February's, Thu 25 Feb 2027.
    clock.set(at("2027-01-25T09:00"))
    assert await panel.hold_agenda() == [ref]
    assert (await texts(panel, "bm"))[-1] == f"Cases on hold, back at the panel of Mon 25 Jan 2027: {ref} · Adult A."
    clock.set(at("2027-01-25T18:00"))
    await panel.hold_agenda()
    assert await running(panel, ref) == {"on_hold_review": utc("2027-02-25T17:00")}
    assert (await status_of(panel, ref)).startswith(f"{ref} · Adult A {STATUS} Thu 25 Feb 2027, 17:00.")

    # Taken off hold, as the business manager's own hold is: a new round of voting, and the panel decides again.
    clock.set(at("2027-01-26T10:00"))
    assert (await refused(panel, f"resume {ref}", await panel.actor_named("Pol"))).startswith(
        "Only the business manager can resume a referral")
    assert await say(panel, f"resume {ref}") == [
        f"{ref} is back with the panel, to decide again: voting is open until Thu 25 Feb 2027, 17:00."]
    assert await running(panel, ref) == {"panel_decision": utc("2027-02-25T17:00")}
    agenda = await say(panel, "agenda")
    assert agenda[:3] == ["Agenda for the panel of Thu 25 Feb 2027, 10:00 (PANEL-2027-02):", "New referrals (1):",
                          f"{ref} · Adult A (Safeguarding adults review referral)"]
    assert agenda[3] == "On hold: none."
    for name in ("Lia", "Pol", "Hal"):
        await say(panel, f"vote {ref} independent_review", await panel.actor_named(name))
    shown = await card(panel, ref)
    assert "Decided: Independent review (LCSPR or SAR) (Tue 26 Jan 2027, 10:00)" in shown
    assert not any("on hold" in line.lower() for line in shown if not line.startswith("Votes"))
    assert list(await running(panel, ref)) == ["independent_review"]
    clock.set(at("2027-02-25T18:00"))
    await panel.hold_agenda()
    assert list(await running(panel, ref)) == ["independent_review"]  # decided again: no review at the panel


async def test_decided_on_hold_the_day_before_a_panel_it_is_at_that_panel_then_at_the_next_as_planned(
    make_panel, clock
):
    """The chair decides on hold on Tue 24 Nov 2026, the day before November's panel (Wed 25 Nov): it is on that
    panel's agenda. December's panel (Thu 24 Dec) is cancelled, so after November's it is due at January's, which
    is moved to Wed 27 Jan 2027 (it moves with it); after that, at February's, Thu 25 Feb."""
    panel = await suffolk(make_panel, clock, "2026-11-02T10:00")
    ref = await file(panel, "B")
    clock.set(at("2026-11-24T09:30"))
    for name, outcome in (("Lia", "on_hold"), ("Pol", "no_review"), ("Hal", "action_learning")):
        await say(panel, f"vote {ref} {outcome} {REASONS[name]}", await panel.actor_named(name))
    assert (await panel.card(ref)).status == "escalated"  # no majority: the Independent Chair decides
    clock.set(at("2026-11-24T14:00"))
    assert await say(panel, f"decide {ref} on_hold the strategy meeting is on Friday", await panel.actor_named(
        "Ian")) == [f"{ref} is decided: On hold: more information needed."]

    assert await running(panel, ref) == {"on_hold_review": utc("2026-11-25T17:00")}
    shown = await card(panel, ref)
    assert "Decided by the Independent Chair (Ian). Reason: the strategy meeting is on Friday" in shown
    assert "Next: Case on hold reviewed at the next panel by Wed 25 Nov 2026, 17:00" in shown
    assert (await status_of(panel, ref)).startswith(f"{ref} · Adult B {STATUS} Wed 25 Nov 2026, 17:00.")
    assert (await say(panel, "agenda"))[:4] == [
        "Agenda for the panel of Wed 25 Nov 2026, 10:00 (PANEL-2026-11):", "New referrals: none.",
        "On hold, back at this panel (1):", f"{ref} · Adult B (Safeguarding adults review referral)"]

    # December's panel is cancelled before November's meets: nothing of this case is counted to it yet.
    assert await say(panel, "meeting cancel PANEL-2026-12 the chair is away") == [
        "The monthly panel of December 2026 (PANEL-2026-12) on Thu 24 Dec 2026, 10:00 is cancelled."]
    clock.set(at("2026-11-25T09:00"))
    assert await panel.hold_agenda() == [ref]
    assert (await texts(panel, "bm"))[-1] == f"Cases on hold, back at the panel of Wed 25 Nov 2026: {ref} · Adult B."

    clock.set(at("2026-11-25T17:30"))
    await panel.hold_agenda()
    assert await running(panel, ref) == {"on_hold_review": utc("2027-01-25T17:00")}  # December's is cancelled
    assert "Next: Case on hold reviewed at the next panel by Mon 25 Jan 2027, 17:00" in await card(panel, ref)
    clock.set(at("2026-11-26T10:00"))
    assert (await status_of(panel, ref)).startswith(f"{ref} · Adult B {STATUS} Mon 25 Jan 2027, 17:00.")
    assert (await say(panel, "agenda"))[:4] == [
        "Agenda for the panel of Mon 25 Jan 2027, 10:00 (PANEL-2027-01):", "New referrals: none.",
        "On hold, back at this panel (1):", f"{ref} · Adult B (Safeguarding adults review referral)"]
    for when in ("2026-12-23T09:30", "2026-12-24T09:30", "2026-12-29T09:30"):
        clock.set(at(when))
        assert await panel.hold_agenda() == [], when  # no panel meets in December now
        assert await panel.run_reminders() == 0, when

    clock.set(at("2027-01-04T10:00"))
    assert (await say(panel, "meeting move PANEL-2027-01 2027-01-27 14:00"))[1:] == [
        f"{ref} · Adult B: Case on hold reviewed at the next panel, now due Wed 27 Jan 2027, 17:00."]
    assert (await status_of(panel, ref)).startswith(f"{ref} · Adult B {STATUS} Wed 27 Jan 2027, 17:00.")
    clock.set(at("2027-01-25T18:00"))
    await panel.hold_agenda()  # the preset's date is not the panel's: nothing moves
    assert await running(panel, ref) == {"on_hold_review": utc("2027-01-27T17:00")}
    clock.set(at("2027-01-27T17:30"))
    assert await panel.hold_agenda() == [ref]
    assert (await texts(panel, "bm"))[-1] == f"Cases on hold, back at the panel of Wed 27 Jan 2027: {ref} · Adult B."
    assert await running(panel, ref) == {"on_hold_review": utc("2027-02-25T17:00")}
    assert "Next: Case on hold reviewed at the next panel by Thu 25 Feb 2027, 17:00" in await card(panel, ref)


async def test_on_hold_across_the_end_of_british_summer_time(make_panel, clock):
    """October 2026's panel: Sun 25 Oct is a Sunday (the day British Summer Time ends), so Fri 23 Oct. Voted on hold
    Thu 22 Oct, 14:00 BST: due Fri 23 Oct, 17:00 BST (16:00 UTC); after that panel, Wed 25 Nov, 17:00 GMT
    (17:00 UTC), reminded Tue 24 Nov, 09:00 GMT, the working day before."""
    panel = await suffolk(make_panel, clock, "2026-10-01T09:00")  # 10:00 BST
    ref = await file(panel, "C")
    clock.set(at("2026-10-22T13:00"))  # 14:00 BST
    await vote_on_hold(panel, ref)
    assert await running(panel, ref) == {"on_hold_review": utc("2026-10-23T16:00")}
    assert "Next: Case on hold reviewed at the next panel by Fri 23 Oct 2026, 17:00" in await card(panel, ref)
    assert (await status_of(panel, ref)).startswith(f"{ref} · Adult C {STATUS} Fri 23 Oct 2026, 17:00.")
    assert (await say(panel, "agenda"))[:4] == [
        "Agenda for the panel of Fri 23 Oct 2026, 10:00 (PANEL-2026-10):", "New referrals: none.",
        "On hold, back at this panel (1):", f"{ref} · Adult C (Safeguarding adults review referral)"]

    clock.set(at("2026-10-23T08:30"))  # 09:30 BST
    assert await panel.hold_agenda() == [ref]
    assert (await texts(panel, "bm"))[-1] == f"Cases on hold, back at the panel of Fri 23 Oct 2026: {ref} · Adult C."
    assert await panel.run_reminders() == 1
    assert (await texts(panel, kind="reminder"))[-1] == (
        f"Reminder: Case on hold reviewed at the next panel for {ref} · Adult C is due Fri 23 Oct 2026, 17:00 "
        "(today).")
    clock.set(at("2026-10-23T15:30"))  # 16:30 BST: the panel's day is not over
    await panel.hold_agenda()
    assert await running(panel, ref) == {"on_hold_review": utc("2026-10-23T16:00")}

    clock.set(at("2026-10-23T16:30"))  # 17:30 BST
    await panel.hold_agenda()
    assert await running(panel, ref) == {"on_hold_review": utc("2026-11-25T17:00")}
    clock.set(at("2026-10-26T09:30"))  # Mon 26 Oct, 09:30 GMT
    assert await panel.run_reminders() == 0
    assert (await say(panel, "overdue"))[0] == "Nothing is overdue."
    assert "Next: Case on hold reviewed at the next panel by Wed 25 Nov 2026, 17:00" in await card(panel, ref)
    assert (await status_of(panel, ref)).startswith(f"{ref} · Adult C {STATUS} Wed 25 Nov 2026, 17:00.")
    assert (await say(panel, "agenda"))[:4] == [
        "Agenda for the panel of Wed 25 Nov 2026, 10:00 (PANEL-2026-11):", "New referrals: none.",
        "On hold, back at this panel (1):", f"{ref} · Adult C (Safeguarding adults review referral)"]
    clock.set(at("2026-11-24T09:30"))
    assert await panel.run_reminders() == 1
    assert (await texts(panel, kind="reminder"))[-1] == (
        f"Reminder: Case on hold reviewed at the next panel for {ref} · Adult C is due Wed 25 Nov 2026, 17:00 "
        "(tomorrow).")
