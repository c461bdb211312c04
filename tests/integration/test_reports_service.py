"""The business manager's view from the stored record (issue 8): the report's figures, disagreements, the
calendar's open deadlines, status and overdue, and the export, through the Panel on the real database
(SQLite, and PostgreSQL when PANELBOT_TEST_DATABASE_URL is set).

One Salford scenario, run with the commands a business manager uses, with every figure worked out by hand
in the comments. Bank holidays play no part between 23 Nov and 7 Dec 2026; all times are GMT (= UTC).

  Mon 23 Nov 10:12  SAL-2026-001 (rapid review, "Police", neglect), -002 (case review, "Children's Social
                    Care", domestic abuse + mental health) and -003 (rapid review, "police", no theme) filed.
                    Each starts: panel decision (48 h: Wed 25 Nov 10:12), requests sent (2 WD: Wed 25 Nov
                    17:00), National Panel result (15 days: Tue 8 Dec 17:00), LA notification (5 WD from
                    becoming aware, here the filing: Tue 24 = 1 ... Mon 30 Nov = 5, 17:00).
  Mon 23 Nov 10:30  -001: two votes to commence, BM closes: decided by the panel. -002: two votes for
                    "meets neither threshold", BM closes: decided; that stops its requests-sent and National
                    Panel clocks (before they were due).
  Tue 24 Nov 10:00  -001: requests to the police and health (due 5 WD later: Wed 25 = 1 ... Tue 1 Dec = 5,
                    17:00); that meets -001's requests-sent clock. The referrer disagrees with -002's decision.
  Wed 25 Nov 10:12  -003's deadline: no votes, no quorum, escalated to the Independent Adviser; the decision
                    clock closes at the deadline (met).
  Thu  3 Dec 10:00  The police return for -001: after Tue 1 Dec, Wed 2 = 1, Thu 3 = 2 working days late.
  Mon  7 Dec 12:00  The report, for 2026-Q4.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from bot.reports.export import check
from bot.service import Actor
from flows.errors import InvalidInput, NotAllowed, WrongState
from flows.referrals import ReferralDraft
from flows.reports import NO_THEME, NOT_DECIDED, WITHDRAWN, Period
from storage.audit import verify
from storage.models import AuditEntry, Disagreement, OutboxMessage

OP = Actor.operator()
MEMBERS = [("Ann", "independent_adviser"), ("Cat", "chair"), ("Dan", "deputy_chair"), ("Bea", "business_manager")]
Q4 = Period(date(2026, 10, 1), date(2026, 12, 31), "2026-Q4")
REPORT_TIME = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def scenario(make_panel, clock):  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    for name, role in MEMBERS:
        await panel.add_member(actor=OP, name=name, role=role)
    ann, cat = await panel.actor_named("Ann"), await panel.actor_named("Cat")

    def d(rtype: str, referrer: str, letter: str, themes: list[str]) -> ReferralDraft:
        return ReferralDraft(referral_type=rtype, referrer=referrer, category="young person", letter=letter,
                             summary="Unexplained injury reported by the school nurse.", themes=themes)

    r1 = await panel.file_referral(actor=OP, draft=d("rapid_review", "Police", "A", ["neglect"]))
    r2 = await panel.file_referral(
        actor=OP, draft=d("case_review", "Children's Social Care", "B", ["domestic abuse", "mental health"])
    )
    r3 = await panel.file_referral(actor=OP, draft=d("rapid_review", "police ", "C", []))
    clock.set(utc(2026, 11, 23, 10, 30))
    for who in (ann, cat):
        await panel.vote(actor=who, reference=r1, outcome="commence_rapid_review", reason="")
        await panel.vote(actor=who, reference=r2, outcome="neither_threshold", reason="No abuse or neglect suspected")
    await panel.close_ballot(actor=OP, reference=r1)
    await panel.close_ballot(actor=OP, reference=r2)
    clock.set(utc(2026, 11, 24, 10, 0))
    await panel.send_requests(actor=OP, reference=r1, agencies=["police", "health"])
    await panel.record_disagreement(
        actor=OP, reference=r2, party="referrer", reason="They consider the RR threshold met"
    )
    clock.set(utc(2026, 11, 25, 10, 12))
    assert await panel.check_deadlines() == [r3]
    clock.set(utc(2026, 12, 3, 10, 0))
    await panel.mark_returned(actor=OP, reference=r1, agency="police")
    clock.set(REPORT_TIME)
    return panel, (r1, r2, r3)


# The report -------------------------------------------------------------------------------------------------


async def test_the_report_for_a_quarter_from_the_stored_record(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, _ = await scenario(make_panel, clock)
    report = await panel.report(Q4)
    assert report.received == 3
    assert report.as_at == REPORT_TIME
    assert report.by_type == (("Rapid review", 2), ("Case review", 1))
    assert dict(report.by_outcome) == {
        "Commence rapid review": 1,
        "Case review instead": 0,
        "Incomplete referral": 0,
        "Meets neither threshold": 1,
        NOT_DECIDED: 1,  # -003, escalated
        WITHDRAWN: 0,
    }
    # "Police" and "police " are one agency: the partnership's own, named as its preset names it.
    assert report.by_referrer == (("Greater Manchester Police", 2), ("Children's Social Care", 1))
    themes = dict(report.by_theme)
    assert (themes["Neglect"], themes["Domestic abuse"], themes["Mental health"], themes[NO_THEME]) == (1, 1, 1, 1)
    assert sum(themes.values()) == 4
    assert report.reviews.cell("Rapid review", "Commence rapid review") == 1
    assert report.reviews.cell("Case review", "Meets neither threshold") == 1
    assert sum(map(sum, report.reviews.cells)) == 2
    assert dict(report.decided_by)["The panel, by majority"] == 2
    assert report.disagreements_by_party == (("The referrer", 1), ("The National Panel", 0))
    [dispute] = report.disagreements
    assert (dispute.reference, dispute.decision, dispute.reason) == (
        "SAL-2026-002", "neither_threshold", "They consider the RR threshold met"
    )


async def test_timeliness_per_clock_from_the_stored_deadlines(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, _ = await scenario(make_panel, clock)
    t = {row.key: row for row in (await panel.report(Q4)).timeliness}

    def figures(key: str) -> tuple:
        row = t[key]
        return row.met, row.missed, row.running, row.median_late, row.worst_late

    # Three decisions: two closed by the BM at 10:30 on the 23rd, one at its deadline.
    assert figures("panel_decision") == (3, 0, 0, None, None)
    # -001 met (sent Tue 24 Nov); -002 stopped by its decision; -003 still open since Wed 25 Nov 17:00: Thu 26,
    # Fri 27, Mon 30, Tue 1, Wed 2, Thu 3, Fri 4, Mon 7 = 8 working days late.
    assert figures("info_request_send") == (1, 1, 0, 8.0, 8)
    # The police 2 late; health still open since Tue 1 Dec 17:00: Wed 2, Thu 3, Fri 4, Mon 7 = 4. Median 3.
    assert figures("agency_return") == (0, 2, 0, 3.0, 4)
    # -001 and -003 due Tue 8 Dec, not yet; -002's was stopped.
    assert figures("national_panel_result") == (0, 0, 2, None, None)
    # All three open since Mon 30 Nov 17:00: Tue 1, Wed 2, Thu 3, Fri 4, Mon 7 = 5 each.
    assert figures("la_notification") == (0, 3, 0, 5.0, 5)
    assert figures("case_review") == (0, 0, 0, None, None)

    agencies = {row.label: (row.met, row.missed, row.median_late, row.worst_late)
                for row in (await panel.report(Q4)).returns_by_agency}
    assert agencies == {"Greater Manchester Police": (0, 1, 2.0, 2), "Health (ICB)": (0, 1, 4.0, 4)}


async def test_a_period_before_anything_happened_is_empty(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, _ = await scenario(make_panel, clock)
    report = await panel.report(Period(date(2026, 4, 1), date(2026, 9, 30)))
    assert report.received == 0
    assert all(t.met + t.missed + t.running == 0 for t in report.timeliness)
    assert report.disagreements == ()


# Disagreements ----------------------------------------------------------------------------------------------


async def test_a_disagreement_is_stored_audited_and_the_adviser_is_told(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, (_, r2, _) = await scenario(make_panel, clock)
    said = await panel.record_disagreement(
        actor=OP, reference=r2.lower(), party="national panel", reason="The National Panel asks for a rapid review"
    )
    assert said == (
        "Recorded: the national panel disagrees with the decision on SAL-2026-002 (Meets neither threshold). "
        "It will appear in the report's disagreements."
    )
    async with panel.uow() as uow:
        rows = list((await uow.session.execute(select(Disagreement).order_by(Disagreement.id))).scalars())
        entries = list(
            (await uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == "disagreement_recorded").order_by(AuditEntry.seq)
            )).scalars()
        )
        notices = list(
            (await uow.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "notice"))).scalars()
        )
        assert (await verify(uow.session)).ok
    assert [(r.party, r.decision) for r in rows] == [("referrer", "neither_threshold"),
                                                     ("national_panel", "neither_threshold")]
    assert [e.payload["party"] for e in entries] == ["referrer", "national_panel"]
    assert entries[0].subject == "SAL-2026-002" and entries[0].actor == "operator (command line)"
    # Salford 7.5: when the referrer disagrees, the Independent Adviser's view informs the final decision.
    ann = await panel.actor_named("Ann")
    [to_adviser] = [n for n in notices if n.purpose == f"member:{ann.member_id}"]
    assert "The referrer (Children's Social Care) disagrees with the decision on **SAL-2026-002" in (
        to_adviser.body["text"]
    )
    assert [r.party for r in await panel.list_disagreements("SAL-2026-002")] == ["referrer", "national_panel"]
    assert await panel.list_disagreements("SAL-2026-001") == []


async def test_disagreements_that_cannot_be_recorded(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, (r1, _, r3) = await scenario(make_panel, clock)
    cat = await panel.actor_named("Cat")
    with pytest.raises(NotAllowed) as refused:
        await panel.record_disagreement(actor=cat, reference=r1, party="referrer", reason="x")
    assert str(refused.value) == "Only the business manager can record a disagreement. Nothing was changed."
    with pytest.raises(WrongState) as refused:
        await panel.record_disagreement(actor=OP, reference=r3, party="referrer", reason="x")
    assert "SAL-2026-003 has not been decided" in str(refused.value)
    with pytest.raises(InvalidInput) as refused:
        await panel.record_disagreement(actor=OP, reference=r1, party="ofsted", reason="x")
    assert str(refused.value) == '"ofsted" is not who disagrees; say referrer or national_panel.'
    with pytest.raises(InvalidInput):
        await panel.record_disagreement(actor=OP, reference=r1, party="referrer", reason="  ")
    with pytest.raises(InvalidInput) as refused:
        await panel.record_disagreement(actor=OP, reference=r1, party="referrer", reason="born 12/03/2014")
    assert "date of birth" in str(refused.value)
    assert len(await panel.list_disagreements()) == 1  # only the scenario's


# Status and overdue -----------------------------------------------------------------------------------------


async def test_status_names_who_each_referral_waits_on_even_after_the_decision(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, (r1, r2, r3) = await scenario(make_panel, clock)
    lines = {s.reference: s for s in await panel.status()}
    assert list(lines) == [r1, r2, r3]
    # Who, soonest due first; what each owes is the next deadline's label and the card's (one line a referral).
    assert lines[r1].waiting_for == "the local authority, Health (ICB) and the business manager"
    assert lines[r1].next_due == utc(2026, 11, 30, 17)
    assert panel.fmt(lines[r1].next_due) == "Mon 30 Nov 2026, 17:00"
    assert lines[r2].waiting_for == "the local authority"
    assert lines[r2].next_due_label == "Local authority notification to the National Panel"
    assert lines[r3].waiting_for == "the Independent Adviser's decision"


async def test_overdue_is_sorted_by_how_late(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, (r1, r2, r3) = await scenario(make_panel, clock)
    rows = [(o.reference, o.label, o.owner, o.working_days_late) for o in await panel.overdue()]
    assert rows == [
        (r3, "Agency summary and chronology requests sent", "business manager", 8),
        (r1, "Local authority notification to the National Panel", "local authority", 5),
        (r2, "Local authority notification to the National Panel", "local authority", 5),
        (r3, "Local authority notification to the National Panel", "local authority", 5),
        (r1, "Agency summary and chronology returned", "Health (ICB)", 4),
    ]


# The calendar's deadlines ------------------------------------------------------------------------------------


async def test_calendar_entries_are_every_open_deadline_soonest_first(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, (r1, r2, r3) = await scenario(make_panel, clock)
    entries = await panel.calendar_entries()
    assert [(e.reference, e.clock_id, e.due_at) for e in entries] == [
        (r3, "info_request_send", utc(2026, 11, 25, 17)),
        (r1, "la_notification", utc(2026, 11, 30, 17)),
        (r2, "la_notification", utc(2026, 11, 30, 17)),
        (r3, "la_notification", utc(2026, 11, 30, 17)),
        (r1, "agency_return", utc(2026, 12, 1, 17)),
        (r1, "national_panel_result", utc(2026, 12, 8, 17)),
        (r3, "national_panel_result", utc(2026, 12, 8, 17)),
    ]
    assert entries[4].owner == "Health (ICB)" and entries[4].subject == "Young Person A"
    assert len({e.deadline_id for e in entries}) == 7


# The export -------------------------------------------------------------------------------------------------


async def test_the_export_holds_the_whole_record_and_its_head_hash(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, (r1, r2, r3) = await scenario(make_panel, clock)
    data = await panel.export_record()
    m = data["manifest"]
    async with panel.uow() as uow:
        live = await verify(uow.session)
    assert m["audit_verified"] is True and m["audit_problems"] == []
    assert (m["audit_head_hash"], m["audit_entries"]) == (live.head, live.entries)
    assert m["rows"]["referrals"] == 3 and m["rows"]["votes"] == 4 and m["rows"]["decisions"] == 2
    assert m["rows"]["requests"] == 2 and m["rows"]["disagreements"] == 1 and m["rows"]["ballots"] == 3
    assert [r["reference"] for r in data["referrals"]] == [r1, r2, r3]
    assert {v["reason"] for v in data["votes"] if v["reference"] == r2} == {"No abuse or neglect suspected"}
    assert [(d["reference"], d["outcome"], d["how"]) for d in data["decisions"]] == [
        (r1, "commence_rapid_review", "panel"),
        (r2, "neither_threshold", "panel"),
    ]
    police = next(q for q in data["requests"] if q["agency"] == "police")
    assert (police["due_at"], police["returned_at"]) == ("2026-12-01T17:00:00+00:00", "2026-12-03T10:00:00+00:00")
    assert data["audit_log"][-1]["hash"] == live.head
    json.dumps(data)  # plain JSON all the way down

    seq_hash = await _live(panel)
    problems, proved = check(data, seq_hash)
    assert problems == []
    assert f"{live.entries} audit entries, unbroken, ending in head hash {live.head}" in proved
    assert "all 4 votes match" in proved

    # More happens after the export: the archive is still the record as it stood then.
    await panel.record_disagreement(actor=OP, reference=r1, party="national_panel", reason="Asked for a CSPR")
    assert check(data, await _live(panel))[0] == []


async def test_an_altered_archive_or_record_is_caught(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, _ = await scenario(make_panel, clock)
    data = await panel.export_record()
    live = await _live(panel)

    changed_vote = json.loads(json.dumps(data))
    changed_vote["votes"][0]["reason"] = "something else"
    assert any("differs from what the audit log recorded" in p for p in check(changed_vote, live)[0])

    dropped_vote = json.loads(json.dumps(data))
    gone = dropped_vote["votes"].pop()
    assert f"Vote {gone['vote_id']} was recorded in the audit log but is missing from the archive." in (
        check(dropped_vote, live)[0]
    )

    edited_entry = json.loads(json.dumps(data))
    edited_entry["audit_log"][3]["actor"] = "someone else"
    assert "The archive's audit entry 4 (" in " ".join(check(edited_entry, live)[0])

    # The database itself rewritten after the export: its entry at the archive's head no longer matches.
    async with panel.uow() as uow:
        last = data["manifest"]["audit_entries"]
        await uow.session.execute(update(AuditEntry).where(AuditEntry.seq == last).values(hash="f" * 64))
        await uow.commit()
    assert any("is not the record as the database holds it" in p for p in check(data, await _live(panel))[0])


async def _live(panel) -> dict[int, str]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        rows = await uow.session.execute(select(AuditEntry.seq, AuditEntry.hash))
        return {seq: hash_ for seq, hash_ in rows}


async def test_the_calendar_shows_when_a_window_opens(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    """Dudley's rapid review meeting is a window, 7 to 13 working days after the referral (issue 21, section 2).
    Filed Thu 22 Oct 2026, 11:00 BST: the window opens on the 7th working day, Mon 2 Nov (GMT from Sun 25 Oct),
    and closes on the 13th, Tue 10 Nov, 17:00. The feed says both, so nobody reads the window's start as a
    deadline or the meeting as late before its end; an ordinary deadline has no window."""
    from icalendar import Calendar

    from bot.reports.ics import feed

    clock.set(datetime.fromisoformat("2026-10-22T11:00+01:00"))
    panel = await make_panel("dudley")
    draft = ReferralDraft(referral_type="cspr", referrer="Health visitor", category="baby", letter="A",
                          summary="Fracture found at a routine check.")
    ref = await panel.file_referral(actor=Actor.operator(), draft=draft)
    entries = {e.clock_id: e for e in await panel.calendar_entries()}
    window = entries["rr_meeting"]
    assert (panel.fmt(window.opens_at), panel.fmt(window.due_at)) == ("Mon 2 Nov 2026, 00:00", "Tue 10 Nov 2026, 17:00")
    assert entries["info_request_send"].opens_at is None
    events = {str(e["CATEGORIES"].cats[1]): e
              for e in Calendar.from_ical(feed(panel.preset, panel.cal, list(entries.values()), panel.now())).walk(
                  "VEVENT")}
    assert str(events["rr_meeting"]["SUMMARY"]) == (
        f"{ref} · Baby A: Rapid review meeting held (window Mon 2 Nov 2026 to Tue 10 Nov 2026)")
    assert ("due Tue 10 Nov 2026, 17:00 (UK time), waiting on the business manager. Started Thu 22 Oct 2026, 11:00. "
            "The window opens Mon 2 Nov 2026: it can be met from then, and is late only after the due time."
            ) == str(events["rr_meeting"]["DESCRIPTION"]).split(f"{ref} · Baby A, ", 1)[1]
    assert "window" not in str(events["info_request_send"]["SUMMARY"])
