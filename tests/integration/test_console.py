"""The terminal panel: a ConsoleSession driven line by line, with scripted answers to its questions.

Runs on SQLite, and on PostgreSQL when PANELBOT_TEST_DATABASE_URL is set (the conftest `engine`). The
session's clock is a SimClock over the test clock (Mon 23 Nov 2026, 10:12 GMT), so `clock +3d` moves
simulated time without anyone sleeping. What is checked is what the person reads on the screen, and that
a refused or cancelled form saved nothing.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from rich.console import Console
from sqlalchemy import func, select

from bot.console.adapter import ConsoleAdapter
from bot.console.repl import ConsoleSession, SimClock
from bot.notify import Sender
from bot.service.bootstrap import open_panel
from flows.preset import load_preset
from storage.models import AuditEntry, OutboxMessage, Referral

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# Answers to `new` on the Salford preset, in the order the form asks.
TYPE_RAPID_REVIEW = "1"
REFERRER = "Children's Social Care"
AWARE_TODAY = ""
CATEGORY_YOUNG_PERSON = "2"
LETTER = "C"
SUMMARY_WITH_POSTCODE = "Bruising seen at school; the family lives at M5 4WT"
CLEAN_SUMMARY = "Bruising seen at school; family known to services for two years"
NO_THEMES = ""
# Issue 23: Salford then asks who verified it internally, what runs alongside, whether a looked-after child has
# died and which notifications were made; each left blank here.
NO_EXTRAS = ("", "", "", "")


class Script:
    """The person at the keyboard: answers popped in order; every prompt is remembered."""

    def __init__(self) -> None:
        self.answers: list[str] = []
        self.prompts: list[str] = []

    def feed(self, *answers: str) -> None:
        self.answers.extend(answers)

    async def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.answers:
            raise AssertionError(f"the session asked {prompt!r} but the script has no answer left")
        return self.answers.pop(0)


class Terminal:
    def __init__(self, session: ConsoleSession, buffer: io.StringIO, script: Script, sim: SimClock) -> None:
        self.session = session
        self.buffer = buffer
        self.script = script
        self.sim = sim
        self.panel = session.panel
        self._mark = 0

    async def type(self, line: str, *answers: str) -> str:
        """Type one line (answering any questions it asks) and return what appeared on screen, flattened."""
        self.script.feed(*answers)
        start = self.buffer.tell()
        keep_going = await self.session.handle(line)
        assert keep_going or line.split()[0] in ("quit", "exit")
        assert not self.script.answers, f"unused answers after {line!r}: {self.script.answers}"
        return flat(self.buffer.getvalue()[start:])

    @property
    def screen(self) -> str:
        return flat(self.buffer.getvalue())


def flat(text: str) -> str:
    return " ".join(ANSI.sub("", text).split())


async def terminal(engine, clock, preset: str = "salford", practice: bool = True) -> Terminal:  # type: ignore[no-untyped-def]
    """A terminal on a practice database (where `clock` moves time), or on a real record."""
    sim = SimClock(real=clock)
    panel = await open_panel(engine, load_preset(preset), clock=sim, practice=practice)
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, force_terminal=False)
    sender = Sender(panel, [ConsoleAdapter(panel, console)])
    script = Script()
    session = ConsoleSession(panel, sender, console, sim, input_fn=script)
    return Terminal(session, buffer, script, sim)


@pytest.fixture
async def term(engine, clock) -> Terminal:  # type: ignore[no-untyped-def]
    return await terminal(engine, clock)


async def count(t: Terminal, model) -> int:  # type: ignore[no-untyped-def]
    async with t.panel.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(model))).scalar_one())


async def file_one(t: Terminal) -> str:
    """`sample`, `as bm`, `new` with clean answers; returns what the filing printed."""
    await t.type("sample")
    await t.type("as bm")
    return await t.type(
        "new", TYPE_RAPID_REVIEW, REFERRER, AWARE_TODAY, CATEGORY_YOUNG_PERSON, LETTER, CLEAN_SUMMARY, NO_THEMES,
        *NO_EXTRAS,
    )


# Setting up ------------------------------------------------------------------------------------------------


async def test_sample_panel_then_act_as_the_business_manager(term: Terminal) -> None:
    await term.session.intro()
    assert "The panel has no members yet. Type sample" in term.screen
    assert "Mon 23 Nov 2026, 10:12" in term.screen  # simulated time starts at the test clock, UK time

    said = await term.type("sample")
    for line in ("Added Alex: Independent Adviser, votes", "Added Sam: Chair, votes",
                 "Added Jo: Deputy Chair, votes", "Added Priya: Business Manager, votes"):
        assert line in said

    said = await term.type("as bm")
    assert said == "You are Priya, Business Manager."
    assert term.session.actor is not None and term.session.actor.role == "business_manager"

    assert "The panel already has members" in await term.type("sample")


async def test_unknown_command_says_so_and_points_to_help(term: Terminal) -> None:
    await term.type("sample")
    await term.type("as bm")
    said = await term.type("frobnicate now")
    assert '"frobnicate" is not a command' in said
    assert "help" in said


async def test_unknown_command_before_saying_who_you_are_is_still_not_a_command(term: Terminal) -> None:
    # A typo is a typo whoever you are; "First say who you are" would send the person the wrong way.
    said = await term.type("stauts")
    assert '"stauts" is not a command' in said
    assert "help" in said


async def test_vote_before_saying_who_you_are_is_refused_politely(term: Terminal) -> None:
    await file_one(term)
    term.session.actor = None
    audit_before = await count(term, AuditEntry)

    said = await term.type("vote SAL-2026-001 commence_rapid_review")
    assert "First say who you are" in said
    assert "as bm" in said
    assert await count(term, AuditEntry) == audit_before
    assert "No votes yet" in await term.type("show SAL-2026-001")


# Filing ----------------------------------------------------------------------------------------------------


async def test_new_refuses_a_postcode_asks_again_and_files_the_clean_summary(term: Terminal) -> None:
    await term.type("sample")
    await term.type("as bm")

    said = await term.type(
        "new",
        TYPE_RAPID_REVIEW, REFERRER, AWARE_TODAY, CATEGORY_YOUNG_PERSON, LETTER,
        SUMMARY_WITH_POSTCODE,  # refused ...
        CLEAN_SUMMARY,          # ... and asked again, the earlier answers kept
        NO_THEMES,
        *NO_EXTRAS,
    )
    summary_prompts = [p for p in term.script.prompts if "Summary" in p]
    assert len(summary_prompts) == 2, term.script.prompts
    assert sum("Referral type" in p for p in term.script.prompts) == 1  # the form was not restarted
    assert "looks like it contains a postcode, which is not repeated here" in said and "M5 4WT" not in said
    assert "nothing was saved" in said

    assert "Filed SAL-2026-001" in said
    assert "SAL-2026-001 · Young Person C · Rapid review" in said
    assert "Referred by Children's Social Care · received Mon 23 Nov 2026, 10:12" in said
    assert "Panel decision due Wed 25 Nov 2026, 10:12 (48 hours)" in said

    async with term.panel.uow() as uow:
        summaries = list((await uow.session.execute(select(Referral.summary))).scalars())
        payloads = [str(p) for p in (await uow.session.execute(select(AuditEntry.payload))).scalars()]
        outbox = [str(b) for b in (await uow.session.execute(select(OutboxMessage.body))).scalars()]
    assert summaries == [CLEAN_SUMMARY]
    assert not any("M5 4WT" in text for text in payloads + outbox)


async def test_new_refuses_a_possible_name_at_the_summary_question(term: Terminal) -> None:
    """Issue 18 (2): a name in the summary is refused at its own question (not after the last one, where
    the service would refuse it), with what to write instead; the incident date in the rewrite stays."""
    await term.type("sample")
    await term.type("as bm")
    rewritten = "Police attended on 01/12/2026; the mother's partner was arrested."
    said = await term.type(
        "new", TYPE_RAPID_REVIEW, REFERRER, AWARE_TODAY, CATEGORY_YOUNG_PERSON, LETTER,
        "Police attended on 01/12/2026; Dean Hughes was arrested.", rewritten, NO_THEMES, *NO_EXTRAS,
    )
    assert sum("Summary" in p for p in term.script.prompts) == 2, term.script.prompts
    assert "looks like it names a person" in said and '"the daughter"' in said
    assert "Hughes" not in said
    assert "Filed SAL-2026-001" in said
    async with term.panel.uow() as uow:
        assert list((await uow.session.execute(select(Referral.summary))).scalars()) == [rewritten]


async def test_cancel_during_new_saves_nothing(term: Terminal) -> None:
    await term.type("sample")
    await term.type("as bm")
    before = [await count(term, model) for model in (Referral, AuditEntry, OutboxMessage)]

    said = await term.type("new", TYPE_RAPID_REVIEW, REFERRER, AWARE_TODAY, CATEGORY_YOUNG_PERSON, "cancel")
    assert "Filing cancelled; nothing was saved." in said
    assert "Filed" not in said

    assert [await count(term, model) for model in (Referral, AuditEntry, OutboxMessage)] == before
    assert await term.type("status") == "No open referrals."


async def test_police_cannot_file_a_referral(engine, clock) -> None:  # type: ignore[no-untyped-def]
    t = await terminal(engine, clock, "dudley")
    await t.type("sample")
    assert await t.type("as police") == "You are Sam, Police."  # second of Dudley's voting roles

    said = await t.type("new")  # refused before a single question is asked
    assert "Only the business manager" in said
    assert "Nothing was changed" in said
    assert t.script.prompts == []
    assert await count(t, Referral) == 0


# Voting ----------------------------------------------------------------------------------------------------


async def test_members_vote_and_the_decision_appears(term: Terminal) -> None:
    await file_one(term)

    await term.type("as Alex")
    said = await term.type("vote SAL-2026-001 commence_rapid_review")
    assert "Your vote on SAL-2026-001 is recorded: Commence rapid review." in said
    assert "Independent Adviser (Alex): Commence rapid review" in said  # the card updates

    await term.type("as chair")
    said = await term.type("vote SAL-2026-001 commence_rapid_review")
    assert "Quorum met" in said
    assert "Decided" not in said  # the other two could still make it 2-2

    await term.type("as Jo")
    said = await term.type("vote SAL-2026-001 commence_rapid_review")
    assert "Voting has now closed" in said
    assert "Decided: Commence rapid review" in said
    assert "Next: Agency summary and chronology requests sent by" in said

    await term.type("as bm")
    said = await term.type("vote SAL-2026-001 case_review")
    assert "Voting on SAL-2026-001 closed" in said
    assert "Your vote was not recorded" in said


async def test_clock_forward_three_days_closes_the_ballot_at_its_deadline(term: Terminal) -> None:
    await file_one(term)
    for who in ("Alex", "Sam"):
        await term.type(f"as {who}")
        await term.type("vote SAL-2026-001 commence_rapid_review")
    assert "Decided" not in term.screen

    said = await term.type("clock +3d")
    assert "Simulated time: Thu 26 Nov 2026, 10:12." in said
    assert "Decided: Commence rapid review" in said
    assert "Decided by the panel, by majority" in said
    assert "thread reply" in said  # the decision goes to the panel channel's thread


async def test_decision_at_the_deadline_is_dated_at_the_deadline(term: Terminal) -> None:
    # BALLOTS.md: the ballot closes at the earliest of ... the decision deadline. Moving the clock three
    # days on must not make the record say the panel decided a day after its 48 hours were up.
    await file_one(term)
    for who in ("Alex", "Sam"):
        await term.type(f"as {who}")
        await term.type("vote SAL-2026-001 commence_rapid_review")

    said = await term.type("clock +3d")
    assert "Decided: Commence rapid review (Wed 25 Nov 2026, 10:12)" in said


async def test_a_vote_after_the_deadline_is_not_counted_even_before_the_scheduler_runs(term: Terminal) -> None:
    # The deadline (Wed 25 Nov 10:12) passes while the 60-second close_due_ballots job has not run yet (here:
    # simulated time moves without `clock`, which would run the jobs). At the deadline the ballot stood
    # 2-0 with quorum: decided. Two late votes must not turn that into a 2-2 tie.
    await file_one(term)
    for who in ("Alex", "Sam"):
        await term.type(f"as {who}")
        await term.type("vote SAL-2026-001 commence_rapid_review")
    term.sim.offset += timedelta(days=3)

    for who in ("Jo", "Priya"):
        await term.type(f"as {who}")
        said = await term.type("vote SAL-2026-001 case_review")
        assert "Your vote was not recorded" in said
        assert "tied" not in said

    await term.type("clock +1m")
    said = await term.type("show SAL-2026-001")
    assert "Decided: Commence rapid review" in said


async def test_clock_forward_with_no_quorum_escalates_to_the_independent_adviser(term: Terminal) -> None:
    await file_one(term)
    await term.type("as Alex")
    await term.type("vote SAL-2026-001 commence_rapid_review")

    said = await term.type("clock +3d")
    assert "Escalated to the Independent Adviser: no quorum (1 more vote needed)" in said
    assert "Privately to Alex (Independent Adviser)" in said
    assert "decide SAL-2026-001 OUTCOME REASON" in said
    assert "To the business manager" in said

    said = await term.type("decide SAL-2026-001 commence_rapid_review Thresholds are met")
    assert "SAL-2026-001 is decided: Commence rapid review." in said
    assert "Decided by the Independent Adviser (Alex). Reason: Thresholds are met" in said


async def test_overdue_lists_what_is_past_its_deadline(term: Terminal) -> None:
    await file_one(term)
    assert await term.type("overdue") == "Nothing is overdue."

    await term.type("clock +3d")
    said = await term.type("overdue")
    # info_request_send: 2 working days from Mon 23 Nov -> Wed 25 Nov 2026, 17:00; one working day late.
    assert "Overdue since Wed 25 Nov 2026, 17:00 (1 working day late)" in said
    assert "Agency summary and chronology requests sent for SAL-2026-001 · Young Person C" in said


async def test_clock_refuses_to_go_backwards_and_explains_its_forms(term: Terminal) -> None:
    assert "only moves forward" in await term.type("clock 2026-11-20 10:00")
    assert "clock +2d" in await term.type("clock sometime")
    assert await term.type("clock") == "Simulated time: Mon 23 Nov 2026, 10:12."
    assert await term.type("clock 2026-11-24 09:30") == "Simulated time: Tue 24 Nov 2026, 09:30."
    assert "Tue 24 Nov 2026, 11:30" in await term.type("clock +2h")


async def test_on_the_real_record_the_clock_cannot_move(engine, clock) -> None:  # type: ignore[no-untyped-def]
    t = await terminal(engine, clock, practice=False)
    await t.session.intro()
    assert "the real record" in t.screen
    assert "panelbot run --practice" in t.screen
    said = await file_one(t)
    assert "PRACTICE" not in said
    entries = await count(t, AuditEntry)

    for line in ("clock +3d", "clock 2026-12-01 09:00", "clock +1m"):
        said = await t.type(line)
        assert said == (
            "This is the real record, so its time cannot be moved; to practise with simulated time, start the "
            "practice database with panelbot run --practice (or ./scripts/start --practice)."
        )
    assert t.sim.offset == timedelta(0)
    assert await t.type("clock") == "Time: Mon 23 Nov 2026, 10:12."
    assert await count(t, AuditEntry) == entries  # nothing was decided or escalated at a simulated time
    assert "Decided" not in await t.type("show SAL-2026-001")


async def test_a_practice_database_says_so_on_every_card_and_report(term: Terminal, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # the terminal saves the report's charts in the working folder
    await term.session.intro()
    assert "PRACTICE database" in term.screen
    said = await file_one(term)
    assert "PRACTICE · SAL-2026-001 · Young Person C · Rapid review" in said  # the card posted to the panel
    assert "PRACTICE · SAL-2026-001 · Young Person C" in await term.type("show SAL-2026-001")
    for who in ("Alex", "Sam"):
        await term.type(f"as {who}")
        await term.type("vote SAL-2026-001 commence_rapid_review")
    said = await term.type("clock +3d")
    assert "thread reply: PRACTICE · SAL-2026-001 · Young Person C: Decided" in said
    said = await term.type("report 2026-Q4")
    assert "PRACTICE · Salford Safeguarding Children Partnership: report for" in said


async def test_loop_reads_until_quit(term: Terminal) -> None:
    term.script.feed("sample", "as bm", "whoami", "quit")
    await term.session.loop()
    assert "You are Priya, Business Manager." in term.screen
    assert term.screen.endswith("Goodbye.")
    assert term.script.prompts[0] == "[nobody] > "
    assert term.script.prompts[-1] == "[Priya] > "


async def test_loop_ends_politely_at_end_of_input(term: Terminal) -> None:
    async def eof(prompt: str) -> str:
        raise EOFError

    term.session._input = eof
    await term.session.loop()
    assert term.screen.endswith("Goodbye.")


# Information requests and reminders ---------------------------------------------------------------------------


async def test_request_reminder_and_mark_as_returned_in_the_terminal(term: Terminal) -> None:
    """Salford 7.7: the BM sends a request, the agency sees it with its button, is reminded the day before
    it is due (5 working days from Mon 23 Nov 2026: Mon 30 Nov 17:00), and marks it returned."""
    await file_one(term)
    said = await term.type("request SAL-2026-001 police")
    assert "Greater Manchester Police: requested, due Mon 30 Nov 2026, 17:00." in said
    assert "No channel is set for police yet" in said
    assert ("✉ To Greater Manchester Police: Information request for SAL-2026-001 · Young Person C "
            "(Rapid review).") in said
    assert "[Mark as returned] type returned SAL-2026-001 police" in said

    said = await term.type("clock 2026-11-27 09:05")
    assert ("✉ To Greater Manchester Police: Reminder: the agency summary report and a chronology of your "
            "involvement (Documents 8 and 9, section 7.7) for SAL-2026-001 · Young Person C is due "
            "Mon 30 Nov 2026, 17:00 (in 3 days).") in said

    said = await term.type("returned SAL-2026-001 police")
    assert "Thank you: Greater Manchester Police's return for SAL-2026-001 is recorded. No more reminders." in said
    assert "✉ To the business manager: Greater Manchester Police has returned its information" in said
    said = await term.type("clock 2026-12-02 09:30")
    assert "Greater Manchester Police" not in said
    assert "Agency summary and chronology returned" not in await term.type("overdue")
