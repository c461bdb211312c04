"""Suffolk's monthly panel as meetings of the partnership (issue 21, section 3), on the in-memory record.

Hand-worked (Suffolk section 3: the 25th, or the working day before): December 2026's panel is Thu 24 Dec (the
25th is Christmas Day), January 2027's Mon 25 Jan, February's Thu 25 Feb, March's Thu 25 Mar (before the clocks
go forward on Sun 28 Mar) and April's Fri 23 Apr (the 25th is a Sunday). A panel is planned at 10:00 UK time.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from icalendar import Calendar
from memory_panel import OP, file, memory_panel, outbox, rows, uk

from bot.commands import run
from bot.reports.ics import feed
from flows.referrals import ReferralDraft
from storage.models import Deadline

SUFFOLK = [("Bea", "business_manager"), ("Pol", "police")]


async def say(panel, line: str, actor=OP) -> str:  # type: ignore[no-untyped-def]
    reply = await run(panel, actor, line)
    assert reply.ok, reply.lines
    return " ".join(reply.lines).replace("**", "")


async def test_the_monthly_panels_are_planned_ahead_once_listed_moved_and_cancelled(clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await memory_panel("suffolk", clock, SUFFOLK)
    assert await panel.plan_panels() == ["PANEL-2026-12", "PANEL-2027-01", "PANEL-2027-02"]
    assert await panel.plan_panels() == []  # planned once
    (posted,) = [m for m in await outbox(panel, "notice") if m.purpose == "panel"]
    assert posted.body["text"].startswith(
        "Planned: the monthly panel of December 2026 (PANEL-2026-12): **Thu 24 Dec 2026, 10:00**; the monthly "
        "panel of January 2027 (PANEL-2027-01): **Mon 25 Jan 2027, 10:00**; ")
    assert [(a["label"], a["command"]) for a in posted.body["actions"]] == [  # for the statutory partners
        ("I attend the December 2026 panel", "meeting attend PANEL-2026-12"),
        ("I attend the January 2027 panel", "meeting attend PANEL-2027-01"),
        ("I attend the February 2027 panel", "meeting attend PANEL-2027-02")]
    names = [name for name, _ in posted.body["files"]]
    assert names == ["PANEL-2026-12-meeting.ics", "PANEL-2027-01-meeting.ics", "PANEL-2027-02-meeting.ics"]
    (event,) = Calendar.from_ical(base64.b64decode(posted.body["files"][1][1])).walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2027, 1, 25, 10, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Suffolk Safeguarding Partnership: monthly panel of January 2027"

    nobody = "Attending: nobody has confirmed yet. Still needed: Local authority, Police, Health (ICB)."
    assert await say(panel, "meeting list") == (
        f"PANEL-2026-12: the monthly panel of December 2026, Thu 24 Dec 2026, 10:00. {nobody} PANEL-2027-01: the "
        f"monthly panel of January 2027, Mon 25 Jan 2027, 10:00. {nobody} PANEL-2027-02: the monthly panel of "
        f"February 2027, Thu 25 Feb 2027, 10:00. {nobody}"
    )
    said = await say(panel, "agenda")
    assert said.startswith("Agenda for the panel of Thu 24 Dec 2026, 10:00 (PANEL-2026-12):")

    # Only the business manager moves or cancels one; a panel not planned, or not a month, is refused.
    pol = await panel.actor_named("Pol")
    refused = await run(panel, pol, "meeting move PANEL-2027-01 2027-01-22 10:00")
    assert not refused.ok and refused.lines[0].startswith("Only the business manager can move meetings")
    refused = await run(panel, OP, "meeting move PANEL-2027-06 2027-06-22 10:00")
    assert refused.lines == ["The monthly panel of June 2027 is not planned yet: Panelbot plans the monthly panels 3 "
                             "months ahead."]
    refused = await run(panel, OP, "meeting held PANEL-2027-01 police")
    assert refused.lines == ["The monthly panel of January 2027 meets on Mon 25 Jan 2027, 10:00; record who attended "
                             "once it has met. Nothing was recorded."]
    refused = await run(panel, OP, "meeting invitation PANEL-2027-01")
    assert not refused.ok and refused.lines[0].startswith("PANEL-2027-01 is the partnership's monthly panel:")

    assert await say(panel, "meeting move panel-2027-01 2027-01-22 14:00") == (
        "The monthly panel of January 2027 (PANEL-2027-01) is moved to Fri 22 Jan 2027, 14:00 (was Mon 25 Jan "
        "2027, 10:00)."
    )
    moved = [m for m in await outbox(panel, "notice") if m.purpose == "panel"][-1]
    (event,) = Calendar.from_ical(base64.b64decode(moved.body["files"][0][1])).walk("VEVENT")
    assert (event.decoded("DTSTART"), event.decoded("SEQUENCE")) == (datetime(2027, 1, 22, 14, 0, tzinfo=UTC), 1)
    assert await say(panel, "meeting cancel PANEL-2026-12 the chair is away over Christmas") == (
        "The monthly panel of December 2026 (PANEL-2026-12) on Thu 24 Dec 2026, 10:00 is cancelled."
    )
    refused = await run(panel, OP, "meeting move PANEL-2026-12 2026-12-23 10:00")
    assert refused.lines == ["The monthly panel of December 2026 was cancelled. Nothing was changed."]
    assert await panel.plan_panels() == []  # neither the moved nor the cancelled one is planned again

    # The agenda names the real next panel: December's is cancelled, January's moved.
    said = await say(panel, "agenda")
    assert said.startswith("Agenda for the panel of Fri 22 Jan 2027, 14:00 (PANEL-2027-01):")
    assert (await say(panel, "meeting list")).startswith(
        "PANEL-2027-01: the monthly panel of January 2027, Fri 22 Jan 2027, 14:00.")
    uids = [str(e["UID"]) for e in Calendar.from_ical(feed(
        panel.preset, panel.cal, await panel.calendar_entries(), panel.now(), await panel.calendar_meetings()
    )).walk("VEVENT") if str(e["UID"]).startswith("meeting-")]
    assert len(uids) == 2  # January's and February's

    # In the new year the next one is planned, and only it.
    clock.set(uk("2027-01-04T09:00"))
    assert await panel.plan_panels() == ["PANEL-2027-03"]


async def test_a_referral_for_the_moved_panel_is_on_its_agenda(clock):
    # Filed Mon 14 Dec 2026: in time for Thu 24 Dec (10 days before). December's panel moved to Wed 23 Dec:
    # the referral follows it (its decision is due then), so it is still on its agenda, which names the new date.
    clock.set(uk("2026-12-14T10:00"))
    panel = await memory_panel("suffolk", clock, SUFFOLK)
    await panel.plan_panels()
    draft = ReferralDraft(referral_type="child", referrer="Health visitor", category="baby", letter="A",
                          summary="Fracture found at a routine check.")
    ref = await panel.file_referral(actor=OP, draft=draft)
    await say(panel, "meeting move PANEL-2026-12 2026-12-23 10:00")
    said = await say(panel, "agenda")
    # A referral filed today, after the move, is counted to the real date: 9 days before Wed 23 Dec, so January's.
    assert " ".join(said.split()) == (f"Agenda for the panel of Wed 23 Dec 2026, 10:00 (PANEL-2026-12): New "
                                      f"referrals (1): {ref} · Baby A (Children's case review referral) On hold: none. "
                                      "A referral received today is past this panel's cut-off and goes to the panel "
                                      "of Mon 25 Jan 2027.")


async def test_a_partnership_without_a_monthly_panel_plans_none(clock):
    clock.set(uk("2026-12-14T10:00"))
    panel = await memory_panel("dudley", clock, [])
    assert await panel.plan_panels() == []
    refused = await run(panel, OP, "meeting cancel PANEL-2027-01 no panel")
    assert refused.lines == ["The Dudley Safeguarding People Partnership has no monthly panel."]


async def dues(panel, ref: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The referral's running clocks, each with its due time as shown (UK time)."""
    return {(f"{d.clock_id}:{d.agency}" if d.agency else d.clock_id): panel.fmt(d.due_at)
            for d in await rows(panel, Deadline) if d.done_at is None and d.cancelled_at is None
            and d.referral_id == int(ref.rsplit("-", 1)[1])}


async def test_the_christmas_panel_moved_past_the_bank_holidays(clock):
    # Filed Mon 7 Dec 2026 for Thu 24 Dec. Moved to Tue 29 Dec: decided then; the information collated for it is
    # due the working day before, Thu 24 Dec (Fri 25 and Mon 28 Dec are bank holidays). The education lead's
    # request, dated by the business manager, keeps its date.
    clock.set(uk("2026-12-07T10:00"))
    panel = await memory_panel("suffolk", clock, SUFFOLK)
    await panel.plan_panels()
    ref = await file(panel, "A", "adult")
    await say(panel, f"request {ref} police")
    await say(panel, f"request {ref} education due 2026-12-23")
    assert await dues(panel, ref) == {"panel_decision": "Thu 24 Dec 2026, 17:00",
                                      "agency_return:police": "Wed 23 Dec 2026, 17:00",
                                      "agency_return:education": "Wed 23 Dec 2026, 17:00"}
    assert await say(panel, "meeting move PANEL-2026-12 2026-12-29 10:00") == (
        "The monthly panel of December 2026 (PANEL-2026-12) is moved to Tue 29 Dec 2026, 10:00 (was Thu 24 Dec 2026, "
        f"10:00). {ref} · Young Person A: Case Review Panel decision (at its monthly panel), now due Tue 29 Dec 2026, "
        f"17:00. {ref} · Young Person A: Information for the panel returned by the agency (Suffolk Constabulary "
        "safeguarding lead), now due Thu 24 Dec 2026, 17:00.")
    assert await dues(panel, ref) == {"panel_decision": "Tue 29 Dec 2026, 17:00",
                                      "agency_return:police": "Thu 24 Dec 2026, 17:00",
                                      "agency_return:education": "Wed 23 Dec 2026, 17:00"}
    # The police's request follows its clock: `returned` meets the moved one.
    await say(panel, f"returned {ref} police")
    assert "agency_return:police" not in await dues(panel, ref)


async def test_a_panel_is_not_moved_onto_or_past_another(clock):
    clock.set(uk("2026-12-07T10:00"))
    panel = await memory_panel("suffolk", clock, SUFFOLK)
    await panel.plan_panels()
    ref = await file(panel, "A", "adult")
    refused = await run(panel, OP, "meeting move PANEL-2026-12 2027-01-25 14:00")  # onto January's day
    assert refused.lines == [
        "The monthly panel of December 2026 must meet after the panel of Wed 25 Nov 2026 and before the panel of Mon "
        "25 Jan 2027, so that the panels keep their order and each referral its panel; Mon 25 Jan 2027 is not. "
        "Nothing was moved."]
    refused = await run(panel, OP, "meeting move PANEL-2027-02 2027-01-22 10:00")  # before January's
    assert refused.lines == [
        "The monthly panel of February 2027 must meet after the panel of Mon 25 Jan 2027 and before the panel of Thu "
        "25 Mar 2027, so that the panels keep their order and each referral its panel; Fri 22 Jan 2027 is not. "
        "Nothing was moved."]
    assert await dues(panel, ref) == {"panel_decision": "Thu 24 Dec 2026, 17:00"}
    assert [m.body["text"][:8] for m in await outbox(panel, "notice") if m.purpose == "panel"] == ["Planned:"]
