"""Nothing that identifies a person leaves the bot: every message of a whole life cycle, every reply, the
export, the calendar feed, the platform renderings and the logs go through `assert_no_personal_data`.

The fixture subject (tests/confidentiality.py: a name, a date of birth, an address, a postcode and an NHS
number) is typed into the terminal in every free-text field a person fills in, the way a hurried referrer
might. The intake must refuse each attempt, and its refusal must not repeat what it refused: the refusal
is shown where the person typed, which may be a group chat. Then the same life cycle runs with clean text
through the terminal (the REPL and the terminal adapter, through the real outbox sender) and every outgoing
message is also rendered by the Slack, Telegram and Teams renderers and checked as JSON.
"""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from confidentiality import SUBJECT, assert_no_personal_data, findings
from rich.console import Console

from bot.cli import configure_logging
from bot.console.adapter import ConsoleAdapter
from bot.console.repl import ConsoleSession, SimClock
from bot.notify import Outgoing, Sender
from bot.reports.ics import feed
from bot.service.bootstrap import open_panel
from bot.slack import blocks as slack
from bot.teams import cards as teams
from bot.telegram import render as telegram
from flows.preset import load_preset
from flows.views import card_lines

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# What a hurried referrer might type: each carries a detail the intake can detect, and the subject's name
# and address (which it cannot detect alone) beside it, so an echo of the text would show them too.
DOB = f"{SUBJECT.name}, born {SUBJECT.dob:%d/%m/%Y}, bruising seen at school"
POSTCODE = f"{SUBJECT.first_name} lives at {SUBJECT.address}, Salford {SUBJECT.postcode}"
NHS = f"{SUBJECT.last_name} (NHS 943 476 5919) was seen at A&E"
WRITTEN_DOB = f"child born {SUBJECT.dob.day} April {SUBJECT.dob.year}"
CLEAN = "Bruising seen at school; family known to services for two years"


# The checker itself --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "born 03/04/2015", "born 3.4.2015", "born 2015-04-03", "born 3 April 2015", "born 3rd Apr 2015",
        "born April 3, 2015", "dob 12/11/09", "dob 1 January 2001", "lives at SW1A 1AA", "postcode m6 8qr",
        "NHS 943 476 5919", "NHS 943-476-5919", "NHS 9434765919", "Jayden was seen", "OKONKWO-WHITFIELD",
        "14 Larkspur Close",
    ],
)
def test_the_checker_catches_personal_data(text: str) -> None:
    assert findings(text), text
    with pytest.raises(AssertionError):
        assert_no_personal_data(text)


@pytest.mark.parametrize(
    "text",
    [
        "Panel decision due **Wed 25 Nov 2026, 10:12** (48 hours from receipt).",
        "Received Mon 23 Nov 2026, 10:12", "report 2026-04-01..2027-03-31", "2026-11-23T10:12:00+00:00",
        "Overdue since Thu 26 Nov 2026, 17:00 (2 working days late)", "SAL-2026-014 · Young Person C",
        "aware 2026-01-05", "reported for April 2015", "ten digits 1234567890 that fail the check",
        "<!date^1795430000^{date}|x>", "hash 7f3a9b2c4d5e6f708192a3b4c5d6e7f8", "Greater Manchester Police",
    ],
)
def test_the_checker_lets_the_bots_own_words_through(text: str) -> None:
    assert_no_personal_data(text)


# The life cycle --------------------------------------------------------------------------------------------


class Recorder:
    """Every outgoing message, as the sender hands it to a platform that reaches every channel."""

    platform = "recorder"
    reaches_everyone = True
    target_interval = 0.0

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        self.sent.append(message)
        return f"r{len(self.sent)}"


class Keyboard:
    def __init__(self) -> None:
        self.answers: list[str] = []

    async def __call__(self, prompt: str) -> str:
        assert self.answers, f"the terminal asked {prompt!r} with no answer left"
        return self.answers.pop(0)


def renderings(message: Outgoing, cal) -> list[str]:  # type: ignore[no-untyped-def]
    """The message as each platform would post it, as JSON text."""
    out = [json.dumps(slack.message_blocks(message, cal)), json.dumps(teams.message_card(message, cal))]
    if message.card is not None:
        card = message.card
        keyboard = telegram.card_keyboard(card)
        out += [
            json.dumps(slack.card_blocks(card, cal)),
            slack.card_text(card, cal),
            json.dumps(teams.referral_card(card, cal)),
            teams.referral_summary(card, cal),
            telegram.card_html(card, cal),
            json.dumps(keyboard.to_dict() if keyboard else None),
            telegram.to_html(telegram.decision_lines(card, cal)),
        ]
    markup, stored = telegram.action_keyboard(message.actions)
    out += [
        telegram.to_html(telegram.notice_lines(message.headline, message.text)),
        json.dumps(markup.to_dict() if markup else None),
        *stored,
    ]
    return out


@pytest.fixture(params=["text", "json"])
def deployed_logging(request, caplog):  # type: ignore[no-untyped-def]
    """Logging as `panelbot run` sets it up (bot/cli.py), in each PANELBOT_LOG_FORMAT, with everything else
    captured at DEBUG."""
    names = ("apscheduler", "alembic", "aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "psycopg", "aiohttp.access")
    levels = {n: logging.getLogger(n).level for n in names}
    caplog.set_level(logging.DEBUG)
    handlers = {h: (h.formatter, list(h.filters)) for h in logging.getLogger().handlers}
    configure_logging("DEBUG", request.param)
    caplog.log_format = request.param
    yield caplog
    for n, level in levels.items():
        logging.getLogger(n).setLevel(level)
    for h, (formatter, filters) in handlers.items():
        h.setFormatter(formatter)
        h.filters[:] = filters


async def test_a_whole_life_cycle_shows_and_logs_no_personal_data(engine, clock, deployed_logging, tmp_path,
                                                                   monkeypatch):
    caplog = deployed_logging
    monkeypatch.chdir(tmp_path)  # the terminal saves the report's charts in the working folder
    sim = SimClock(real=clock)
    panel = await open_panel(engine, load_preset("salford"), clock=sim, practice=True)
    buffer = io.StringIO()
    console = Console(file=buffer, width=160, color_system=None, force_terminal=False)
    recorder = Recorder()
    sender = Sender(panel, [ConsoleAdapter(panel, console), recorder])
    keys = Keyboard()
    session = ConsoleSession(panel, sender, console, sim, input_fn=keys)
    replies: list[str] = []

    async def type_(line: str, *answers: str) -> str:
        keys.answers.extend(answers)
        start = buffer.tell()
        await session.handle(line)
        assert not keys.answers, f"unused answers after {line!r}"
        said = " ".join(ANSI.sub("", buffer.getvalue()[start:]).split())
        replies.append(said)
        return said

    async def new(letter: str, *refused_summaries: str, referrers: tuple[str, ...] = ()) -> str:
        said = await type_("new", "1", *referrers, "Children's Social Care", "", "2", letter, *refused_summaries,
                           CLEAN, "neglect", "", "", "", "")  # issue 23's questions, left blank
        assert re.search(r"Filed (SAL-\d{4}-\d{3})", said), said
        return said

    def ref(said: str) -> str:
        return re.search(r"Filed (SAL-\d{4}-\d{3})", said).group(1)  # type: ignore[union-attr]

    await session.intro()
    await type_("sample")
    await type_("as bm")

    # 1. Filing attempts that carry the subject's details: each refused, none repeated back.
    said = await new("J", DOB, NHS, WRITTEN_DOB, POSTCODE, referrers=(f"Dr Smith at {SUBJECT.postcode}",))
    for kind in ("date of birth", "NHS number", "postcode"):
        assert f"looks like it contains {'an' if kind[0] == 'N' else 'a'} {kind}" in said
    assert "nothing was saved" in said
    r1 = ref(said)
    r2, r3, r4, r5 = [ref(await new(letter)) for letter in "KLMN"]

    # 2. Voting, with a refused reason, a change of vote, a close by the BM: decided by the panel.
    await type_("as Alex")
    assert "looks like it contains a postcode" in await type_(f'vote {r1} commence_rapid_review "{POSTCODE}"')
    await type_(f"vote {r1} case_review the picture is not yet clear")
    await type_(f"vote {r1} commence_rapid_review serious injury to a young person")
    await type_("as Sam")
    await type_(f"vote {r1} commence_rapid_review agree")
    await type_("as bm")
    await type_(f"close {r1}")
    # Requests to agencies, one returned, one extended.
    await type_(f"request {r1} police health")
    await type_(f"returned {r1} police")
    assert "looks like it contains" in await type_(f'extend {r1} health 2026-11-30 "{NHS}"')
    await type_(f"extend {r1} health 2026-11-30 awaiting records from the archive")

    # 3. A tie goes to the Independent Adviser, who decides; the referrer disagrees.
    for who, outcome in (("Alex", "commence_rapid_review"), ("Sam", "case_review"), ("Jo", "commence_rapid_review"),
                         ("bm", "case_review")):
        await type_(f"as {who}")
        await type_(f"vote {r2} {outcome}")
    await type_("as Sam")
    await type_(f"decide {r2} neither_threshold not for me")  # refused: only the adviser decides
    await type_("as Alex")
    assert "looks like it contains" in await type_(f'decide {r2} neither_threshold "{DOB}"')
    await type_(f"decide {r2} neither_threshold the information does not meet either threshold")
    await type_("as bm")
    assert "looks like it contains" in await type_(f'disagree {r2} referrer "{WRITTEN_DOB}"')
    await type_(f"disagree {r2} referrer they consider the rapid review threshold met")

    # 4. The business manager decides one at once; returns, resubmits, holds, resumes and withdraws another.
    await type_(f"decide {r3} commence_rapid_review an obvious rapid review")
    assert "looks like it contains" in await type_(f'return {r4} "{NHS}"')
    await type_(f"return {r4} no chronology attached")
    await type_(f"resubmit {r4}")
    assert "looks like it contains" in await type_(f'hold {r4} "{POSTCODE}"')
    await type_(f"hold {r4} until 2026-12-20 waiting for the inquest")
    await type_(f"resume {r4}")
    await type_(f"withdraw {r4} filed twice")
    await type_(f"event {r1} rr_meeting")

    # 5. Time passes: reminders, the decision deadline of r5 (no quorum: escalated), overdue returns
    # escalated to the agency's lead, and a catch-up after the bot was away for a week.
    await type_("clock +1d")
    await type_("clock +2d")
    await type_("clock +8d")

    # 6. Every read and every kind of error reply.
    for line in ("status", f"status {r1}", f"show {r1}", f"show {r5}", "overdue", f"requests {r1}", "members",
                 "report", "disagreements", f"disagreements {r2}", "help", "whoami", "frobnicate", "vote",
                 "show SAL-2026-999", f"vote {r1} sideways", f"done {r1} nonsense",
                 "hold SAL-2026-999 until 31/02/2027", f"extend {r1} health not-a-date x"):
        await type_(line)
    # Details typed where a reference, an outcome or an agency belongs: the refusal does not quote them.
    for line in (f"show {SUBJECT.dob:%d/%m/%Y}", f"request {r1} {SUBJECT.postcode.replace(' ', '')}",
                 f"{SUBJECT.dob:%d/%m/%Y} status", f"returned {r1} {SUBJECT.postcode}", f"event {r3} 943-476-5919",
                 f"as {SUBJECT.postcode}"):
        said = await type_(line)
        assert "[removed]" in said, said  # the refusal still says which word it did not understand
    await type_(f"vote {r1} 943-476-5919")

    # Everything the terminal showed, every message as each platform renders it, the export and the feed.
    kinds = {m.kind for m in recorder.sent}
    assert {"referral_card", "card_update", "decision", "escalation", "notice", "request", "reminder"} <= kinds, kinds
    screen = ANSI.sub("", buffer.getvalue())
    assert f"{r1} · Young Person J" in screen and "Young Person N" in screen
    assert_no_personal_data(screen, where="the terminal")
    for said in replies:
        assert_no_personal_data(said, where="a terminal reply")
    for message in recorder.sent:
        for text in renderings(message, panel.cal):
            assert_no_personal_data(text, where=f"a {message.kind} message as a platform renders it")
        if message.card is not None:
            assert_no_personal_data("\n".join(card_lines(message.card, panel.cal)), where="a card")
    export = await panel.export_record()
    assert_no_personal_data(json.dumps(export, default=str), where="the export")
    ics = feed(panel.preset, panel.cal, await panel.calendar_entries(), panel.now()).decode()
    assert "Young Person" in ics
    assert_no_personal_data(ics, where="the calendar feed")

    # And the logs, at DEBUG, with any traceback text: as text, or each line as the JSON formatter writes it.
    if caplog.log_format == "json":
        lines = [caplog.handler.format(r) for r in caplog.records]
        assert all(isinstance(json.loads(line), dict) for line in lines)
        logged = "\n".join(lines)
    else:
        logged = "\n".join(
            f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
        )
    assert_no_personal_data(logged, where="the logs")
