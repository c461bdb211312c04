"""Answers that don't mislead (issue 18, section 3): what `status`, the card and the reminders say.

Driven through the terminal (`tests/integration/test_console.py`'s `Terminal`) and the shared command layer; what is
checked is the text a person reads. The test clock starts Mon 23 Nov 2026, 10:12 GMT.
"""

from __future__ import annotations

import pytest
from test_console import Terminal, file_one, terminal

from bot.commands import run
from bot.service import Actor

OP = Actor.operator()


@pytest.fixture
async def term(engine, clock) -> Terminal:  # type: ignore[no-untyped-def]
    return await terminal(engine, clock)


async def decided_with_requests(t: Terminal) -> None:
    """SAL-2026-001 filed, requests out to police and health, decided by three votes; SAL-2026-002 filed."""
    await file_one(t)
    await t.type("request SAL-2026-001 police health")
    for who in ("Alex", "Sam", "Jo"):
        await t.type(f"as {who}")
        await t.type("vote SAL-2026-001 commence_rapid_review")
    await t.type("as bm")
    await t.type("new", "1", "Police", "", "2", "D", "Seen at A&E twice in a month", "", "", "", "", "")


# 1. status is a list, one referral a line ---------------------------------------------------------------------


async def test_status_is_one_short_line_a_referral_with_the_next_deadline(term: Terminal) -> None:
    await decided_with_requests(term)
    lines = (await run(term.panel, OP, "status")).lines
    assert lines == [
        "**SAL-2026-001 · Young Person C** (Rapid review): decided; waiting for the business manager, the local "
        "authority, Greater Manchester Police and Health (ICB). Next: Agency summary and chronology requests sent "
        "by **Wed 25 Nov 2026, 17:00**. Still to do (no deadline): Tell the referrer (Children's Social Care) the "
        "decision and what happens next (`done SAL-2026-001 tell_referrer`).",  # no channel: the BM tells them
        # Issue 23: a required notification not yet made (Salford 7.4) is a line under its referral until it is.
        "  **Not yet recorded as notified: National Panel (by the local authority)** (once made: `notified "
        "SAL-2026-001 national_panel on DATE`)",
        "**SAL-2026-002 · Young Person D** (Rapid review): with the panel; waiting for 2 more votes for quorum. "
        "Next: Virtual panel decision by **Wed 25 Nov 2026, 10:12**.",
        "  **Not yet recorded as notified: National Panel (by the local authority)** (once made: `notified "
        "SAL-2026-002 national_panel on DATE`)",
    ]


async def test_a_passed_deadline_is_overdue_since_not_next(term: Terminal) -> None:
    await decided_with_requests(term)
    await term.type("done SAL-2026-001 info_request_send")
    await term.type("done SAL-2026-001 la_notification")
    await term.type("clock 2026-12-01 09:00")
    lines = (await run(term.panel, OP, "status")).lines
    # The next deadline of SAL-2026-001 is the police return (Mon 30 Nov, 17:00): passed, and it names its agency.
    assert lines[0].endswith(
        "waiting for Greater Manchester Police, Health (ICB) and the business manager. **Overdue since Mon 30 Nov "
        "2026, 17:00**: Agency summary and chronology returned (Greater Manchester Police). Still to do (no "
        "deadline): Tell the referrer (Children's Social Care) the decision and what happens next (`done "
        "SAL-2026-001 tell_referrer`)."
    )
    assert "Next:" not in lines[0]

    card = await term.type("show SAL-2026-001")
    assert "Overdue since Mon 30 Nov 2026, 17:00: Agency summary and chronology returned (Greater Manchester " \
        "Police)" in card
    assert "Overdue since Mon 30 Nov 2026, 17:00: Agency summary and chronology returned (Health (ICB))" in card
    assert "Next: Agency summary" not in card
    assert "Next: Rapid review result with the National Panel by Tue 8 Dec 2026, 17:00" in card  # still ahead


async def test_counts_are_written_as_the_number_requires(term: Terminal) -> None:
    await file_one(term)
    await term.type("as Alex")
    await term.type("vote SAL-2026-001 commence_rapid_review")
    assert "waiting for 1 more vote for quorum." in await term.type("status")
    await term.type("as Sam")
    await term.type("vote SAL-2026-001 commence_rapid_review")
    await term.type("as Jo")
    await term.type("vote SAL-2026-001 commence_rapid_review")
    await term.type("as bm")
    await term.type("clock 2026-11-26 09:00")  # info_request_send was due Wed 25 Nov, 17:00
    assert "marked done, 1 working day late." in await term.type("done SAL-2026-001 info_request_send")


# 3. Escalations say what the reader is to do; one moment, one message ----------------------------------------


def messages_to(said: str, who: str) -> list[str]:
    """The ✉ messages the terminal shows as delivered to `who` ("the business manager")."""
    return [m.strip() for m in said.split("✉ ")[1:] if m.startswith(f"To {who}:")]


async def test_the_agencys_own_lead_is_asked_to_chase_their_own_agency(term: Terminal) -> None:
    """Salford's agency returns escalate to the agency's safeguarding lead too (`escalate_to_lead`): the police
    return due Mon 30 Nov 17:00 escalates on the morning two working days later, Wed 2 Dec."""
    await file_one(term)
    await term.type("request SAL-2026-001 police")
    said = await term.type("clock 2026-12-02 09:05")
    [to_lead] = messages_to(said, "the Greater Manchester Police safeguarding lead")
    assert "Escalation:" in to_lead and "overdue since Mon 30 Nov 2026, 17:00 (2 working days late)" in to_lead
    assert "please find out who in Greater Manchester Police is preparing it and make sure it is sent" in to_lead
    assert "follow it up with" not in to_lead
    [to_bm] = [m for m in messages_to(said, "the business manager") if "Greater Manchester Police" in m]
    assert "Please follow it up with Greater Manchester Police." in to_bm


async def test_overdue_and_escalation_to_the_business_manager_at_once_are_one_message(term: Terminal) -> None:
    """The local authority notification (Mon 30 Nov 17:00) is the business manager's own: on Wed 2 Dec its
    overdue reminder and its escalation fall due together, and the business manager gets one message."""
    await file_one(term)
    said = await term.type("clock 2026-12-02 09:05")
    about = [m for m in messages_to(said, "the business manager") if "Local authority notification" in m]
    assert len(about) == 1, about
    assert about[0].startswith("To the business manager: Escalation: Local authority notification to the National "
                               "Panel for SAL-2026-001 · Young Person C is overdue since Mon 30 Nov 2026, 17:00 "
                               "(2 working days late).")
    # The next morning it is an overdue reminder again, once.
    said = await term.type("clock 2026-12-03 09:05")
    about = [m for m in messages_to(said, "the business manager") if "Local authority notification" in m]
    assert len(about) == 1 and "Overdue since Mon 30 Nov 2026, 17:00" in about[0]


# 4. The chair who breaks a tie reads every reason --------------------------------------------------------------


async def test_the_adviser_asked_to_break_a_tie_in_the_terminal_reads_every_reason(term: Terminal) -> None:
    await file_one(term)
    for who, outcome, reason in (("Alex", "commence_rapid_review", "Serious harm and abuse suspected"),
                                 ("Sam", "commence_rapid_review", "Agencies missed the signs"),
                                 ("Jo", "case_review", "Learning is wider than one incident")):
        await term.type(f"as {who}")
        await term.type(f"vote SAL-2026-001 {outcome} {reason}")
    await term.type("as bm")
    said = await term.type("vote SAL-2026-001 case_review A case review covers the years of neglect")
    asked = said.split("✉ Privately to Alex (Independent Adviser):", 1)[1].split("✉", 1)[0]
    assert "As Independent Adviser you decide" in asked
    assert ("Votes and reasons Independent Adviser (Alex): Commence rapid review. Reason: Serious harm and abuse "
            "suspected Chair (Sam): Commence rapid review. Reason: Agencies missed the signs Deputy Chair (Jo): Case "
            "review instead. Reason: Learning is wider than one incident Business Manager (Priya): Case review "
            "instead. Reason: A case review covers the years of neglect") in asked


async def test_an_agency_is_told_it_was_passed_on_only_once_it_has_been(term: Terminal) -> None:
    """The police return falls due Mon 30 Nov 17:00 and escalates on Wed 2 Dec at 09:00: the overdue reminder
    of Tue 1 Dec says when it will go to the business manager, the one of Wed 2 Dec that it has gone."""
    await file_one(term)
    await term.type("request SAL-2026-001 police")
    said = await term.type("clock 2026-12-01 09:05")
    [to_police] = messages_to(said, "Greater Manchester Police")
    assert "If it is not sent by Wed 2 Dec 2026, 09:00, it goes to the business manager." in to_police
    assert "has been passed" not in to_police
    said = await term.type("clock 2026-12-02 09:05")
    [to_police] = messages_to(said, "Greater Manchester Police")
    assert "This has been passed to the business manager." in to_police
