"""Every shared command works on every platform (issue 17, point 3).

Each command of `bot.commands.COMMANDS` is typed, with valid arguments, by the business manager and by a
panel member on each platform: the terminal (`ConsoleSession`), Slack (`/panel ...`, signed, to the bot's
`/slack/events` through bolt, answered through the fake Slack's `response_url`), Telegram (`/...` by webhook
to the real python-telegram-bot `Application`, answered through the fake Bot API) and Teams (an @-mention
posted to `/api/messages` of the real Agents SDK host, answered through the fake Bot Connector). A case
fails when the person is told "Something went wrong", when a request gets a 5xx, when anything is logged at
ERROR or with a traceback, or when the person does not see what the command shows when it works (or, for a
member, the business manager's refusal).

The cases are derived from `COMMANDS`: each command's own `example` supplies the arguments (its reference
replaced by a referral prepared in the state the command needs), and `CASES` says which state that is and
what the person then sees. A command added to `COMMANDS` without a row in `CASES` fails
`test_every_command_has_a_case`, and once it has one it runs on every platform by construction.

One panel per platform, shared by the module (SQLite): the referrals each command needs are filed through
the service as the operator, and their cards reach the platform's panel channel through the outbox, as in
`panelbot run`. The report's charts are drawn once and reused (drawing takes about a second; uploading them
is what each platform does differently).
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from rich.console import Console
from sqlalchemy import select

from bot.commands import COMMANDS
from bot.console.adapter import ConsoleAdapter
from bot.console.repl import ConsoleSession, SimClock
from bot.notify import Sender
from bot.platforms import delivery_only, platform_class, platform_names
from bot.service import Actor, Panel
from bot.service.bootstrap import open_panel
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from flows.views import card_lines
from storage.db import make_engine, upgrade
from storage.models import Referral

HERE = Path(__file__).resolve().parent
for _sub in ("slack", "telegram", "teams"):
    if str(HERE / _sub) not in sys.path:
        sys.path.append(str(HERE / _sub))

import slack_fake  # noqa: E402
import teams_fake  # noqa: E402
import telegram_harness as tg  # noqa: E402
from fake_bot_api import FakeBotAPI  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOW = datetime(2026, 11, 23, 10, 12, tzinfo=UTC)  # Monday morning; the clock does not move here
OP = Actor.operator()
PRESET = "salford"
PLATFORMS = ("console", "slack", "telegram", "teams")
# The two people who type: the business manager, and a voting panel member who is not the BM (Salford 7.5).
BM, MEMBER = "Bea", "Pat"
STRANGER = "Mallory"  # in the chat, not on the panel
ROLES = {BM: "business_manager", MEMBER: "chair"}
# Two more voters, on no platform, who make a ballot quorate for `close`.
OTHER_VOTERS = {"Ann": "independent_adviser", "Dee": "deputy_chair"}
# What a panel member may do besides the reads: vote, recuse, and what needs no role.
MEMBER_MAY = {"vote", "recuse", "help"}
# A member's refusal, where it is not the business manager's alone: a return is the agency's (or the BM's).
REFUSED_BECAUSE = {"returned": "or the business manager can record its return, so nothing was changed"}
READS = {"help", "status", "overdue", "show", "requests", "members", "report", "disagreements", "agenda", "meeting",
         "complaints"}
BM_ONLY = "Only the business manager can"
REF = re.compile(r"\b[A-Z]{2,6}-\d{4}-\d{3,}\b")


@dataclass(frozen=True)
class Case:
    state: str | None  # the state of the referral the command is given (None: it takes no reference)
    sees: str  # what the person sees when it works (formatting removed)
    args: str | None = None  # the arguments, when the command's own example does not suit ({ref}: the referral)


# One row per shared command. The arguments are the command's own example unless `args` says otherwise.
CASES: dict[str, Case] = {
    "help": Case(None, "REF is a referral reference"),
    "new": Case(None, "New referral"),  # the intake form opens (filing through it: `test_the_intake_form`)
    "status": Case("with_panel", "waiting for"),
    "overdue": Case(None, "overdue"),
    "show": Case("with_panel", "{ref} · Young Person"),
    "vote": Case("with_panel", "Your vote on {ref} is recorded"),
    "recuse": Case("with_panel", "{ref}"),
    "decide": Case("with_panel", "{ref}"),
    "close": Case("quorum", "{ref}"),
    "escalate": Case("with_panel", "{ref}"),
    "return": Case("with_panel", "{ref}"),
    "resubmit": Case("returned", "{ref}"),
    "hold": Case("with_panel", "{ref}", args="{ref} until 2026-12-20 waiting for the inquest"),
    "resume": Case("on_hold", "{ref}"),
    "withdraw": Case("with_panel", "{ref}"),
    "event": Case("with_panel", "Recorded"),
    "done": Case("with_panel", "{ref}"),
    "request": Case("decided", "Information requests for {ref}"),
    "returned": Case("requested", "{ref}"),
    "extend": Case("requested", "{ref}", args="{ref} police 2026-12-24 awaiting records from archive"),
    "requests": Case("requested", "Greater Manchester Police: sent"),
    "members": Case(None, "Bea: Business Manager"),
    "agenda": Case(None, "has no monthly panel"),
    "meeting": Case(None, "No meetings are scheduled"),  # `meeting list`; scheduling: tests/integration/test_meetings
    "report": Case(None, "Rapid review"),
    "disagree": Case("decided", "{ref}"),
    "disagreements": Case(None, "disagree"),
    "contact": Case(None, "is now a contact for Greater Manchester Police", args="add agency:police slack:U0AGENCY"),
    # Issue 23: a notification made later, a parallel process starting, and complaints (Salford's procedure has no
    # complaints procedure, so the business manager is told so in a sentence; Stockport's: tests/integration/
    # test_complaints.py).
    "notified": Case("with_panel", "Ofsted notified on Fri 20 Nov 2026", args="{ref} ofsted on 2026-11-20"),
    "parallel": Case("with_panel", "is recorded as running alongside"),
    "complaint": Case("decided", "sets out no complaints procedure"),
    "complaints": Case(None, "No complaints have been recorded"),
}


# Subcommands that change the record, each run like a command below on every platform, as the BM and a member:
# issue 21 section 1, the rapid review meeting's decision (Salford 7.12), recorded with who attended.
SUBCOMMANDS: dict[str, Case] = {
    # Issue 21, sections 1, 2 and 4, typed: the referral's meeting scheduled, moved, cancelled and held; the partners
    # who attend named by the business manager (and one taken back); its calendar file, which anyone on the panel
    # may have; publication planned for a date; a request given its due date. Salford: no window, papers due 24 hours
    # before the meeting (7.11), the National Panel told a week before publication (8.3).
    "meeting schedule": Case("with_panel", "is scheduled for Tue 1 Dec 2026, 10:00, Room 2. Rapid review meeting "
                             "papers shared: due Mon 30 Nov 2026, 10:00.",
                             args="schedule {ref} 2026-12-01 10:00 Room 2"),
    "meeting move": Case("rr_meeting", "is moved to Thu 3 Dec 2026, 14:00", args="move {ref} 2026-12-03 14:00"),
    "meeting cancel": Case("rr_meeting", "on Tue 1 Dec 2026, 10:12 is cancelled",
                           args="cancel {ref} the family asked for a later date"),
    "meeting held": Case("rr_meeting", "attended by Local authority, Police, Health (ICB) (quorate)",
                         args="held {ref} local_authority police health"),
    "meeting attend": Case("rr_meeting", "Recorded: Police attends the rapid review meeting for {ref}",
                           args="attend {ref} police"),
    "meeting attend withdraw": Case("attending",
                                    "Withdrawn: Police no longer attends the rapid review meeting for {ref}",
                                    args="attend {ref} withdraw police"),
    "meeting invitation": Case("rr_meeting", "The meeting's calendar file", args="invitation {ref}"),
    "event ... on": Case("decided", "Publication of {ref} is planned for Wed 13 Jan 2027. Report sent to the National "
                         "Panel (before publication): due Wed 6 Jan 2027, 17:00.",
                         args="{ref} publication on 2027-01-13"),
    "request ... due": Case("decided", "Greater Manchester Police: requested, due Sun 20 Dec 2026, 17:00",
                            args="{ref} police due 2026-12-20"),
    "meeting held ... outcome": Case("rr_meeting", "Decided at the rapid review meeting for {ref}",
                                     args="held {ref} local_authority police health outcome cspr the partners agreed"),
    "meeting decide": Case("rr_meeting_held", "Decided at the rapid review meeting for {ref}",
                           args="decide {ref} cspr the partners agreed"),
    # With no day, the meeting form opens (for the business manager only); filled in on every platform:
    # tests/e2e/test_meeting_form.py.
    "meeting schedule (form)": Case("with_panel", "when its meeting is held, and where", args="schedule {ref}"),
    # With no day, the move form opens, saying when the meeting is now; with no reason, the cancel form (for the
    # business manager only); filled in on every platform: tests/e2e/test_meeting_form.py.
    "meeting move (form)": Case("rr_meeting", "the rapid review meeting is now on Tue 1 Dec 2026, 10:12, Room 2",
                                args="move {ref}"),
    "meeting cancel (form)": Case("rr_meeting", "cancel the rapid review meeting on Tue 1 Dec 2026, 10:12, Room 2",
                                  args="cancel {ref}"),
    # With no roles, the held form opens (for the business manager only), asking who attended and, as Salford's rapid
    # review meeting decides the stage after the panel's, what it decided; filled in on every platform:
    # tests/e2e/test_meeting_form.py.
    "meeting held (form)": Case("rr_meeting", "record the rapid review meeting on Tue 1 Dec 2026, 10:12, Room 2 as "
                                "held: who attended, and what it decided.", args="held {ref}"),
    # With no agency, the request form opens (for the business manager only), offering the police, who have a
    # channel on every platform here; filled in on every platform: tests/e2e/test_request_form.py.
    "request (form)": Case("decided", "send an information request to each agency you choose", args="{ref}"),
}
FORM_LINES = re.compile(r"new|meeting (schedule|move|cancel|held) \S+|request \S+")  # a command that opens a form


# A subcommand a member (Salford's chair) may run too, and the refusal of one that is not the business manager's alone.
SUB_MEMBER_MAY = {"meeting invitation"}
SUB_REFUSED = {"meeting attend": "Only a statutory partner's members", "meeting attend withdraw":
               "Only a statutory partner's members"}


def command_line(name: str, ref: str | None) -> str:
    """The command as typed: its example (or the table's arguments), on the prepared referral."""
    case = CASES[name]
    if case.args is not None:
        args = case.args.format(ref=ref)
    else:
        args = COMMANDS[name].example.split(" ", 1)[1] if " " in COMMANDS[name].example else ""
        if ref is not None:
            args = REF.sub(ref, args)
    return f"{name} {args}".strip()


async def test_every_command_has_a_case() -> None:
    """A new command must get a row in CASES; then it runs below on every platform, as the BM and a member."""
    assert set(CASES) == set(COMMANDS), f"commands without a case: {set(COMMANDS) - set(CASES)}"
    for name, cmd in COMMANDS.items():
        line = command_line(name, "SAL-2026-001" if CASES[name].state else None)
        assert len(line.split()) - 1 >= cmd.min_args, f"the arguments for {name} are too few: {line!r}"
        takes_ref = "REF" in cmd.usage.split()[1:2]
        assert takes_ref == (CASES[name].state is not None and "[REF]" not in cmd.usage), (name, cmd.usage)


# What a person sees -------------------------------------------------------------------------------------------

_TAGS = re.compile(r"<[^>]+>")


def seen(text: str) -> str:
    """Text as read: markup (HTML tags, **bold**, *bold*, `code`) gone, entities shown, spaces collapsed."""
    import html

    text = html.unescape(_TAGS.sub(" ", text)).replace("**", "").replace("`", "").replace("\u2060", "")
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    return " ".join(text.split())


@dataclass
class Answer:
    text: str  # everything the person was shown in answer, as read
    statuses: list[int] = field(default_factory=list)  # the HTTP statuses of the requests the platform sent


# The platforms ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """A referral as the business manager files it through the intake form: from an agency the preset does not
    list, a date of awareness first typed in the future (refused at its own question, or beside its field),
    and a summary naming a team after a person (asked once whether it names anyone, and kept)."""

    other: str = "Fire and rescue service"
    future: str = "2030-01-01"
    summary: str = "Seen by the Mary Seacole outreach team after a fall at home"
    # Issue 23: who verified it, what runs alongside (by number on the interviews: "1, 2"), no looked-after
    # child's death, and the National Panel already notified, today.
    authorised: str = "Designated safeguarding lead"
    parallel: tuple[str, ...] = ("criminal_investigation", "child_death_review")
    notified: tuple[str, ...] = ("national_panel",)


class Platform:
    """One platform with the panel on it: `run(name, line)` types a command as BM or MEMBER; `file(form)` files
    a referral through the platform's own intake form as the BM."""

    panel: Panel

    async def file(self, form: Form) -> str:
        raise NotImplementedError

    async def start(self, panel: Panel) -> None:
        raise NotImplementedError

    async def run(self, who: str, line: str) -> Answer:
        raise NotImplementedError

    async def settle(self) -> None:
        """Wait until what the outbox holds has been delivered."""

    async def close(self) -> None:
        pass


class ConsolePlatform(Platform):
    async def start(self, panel: Panel) -> None:
        self.panel = panel
        for name, role in ROLES.items():
            await panel.add_member(actor=OP, name=name, role=role)
        self.buffer = io.StringIO()
        console = Console(file=self.buffer, width=200, color_system=None, force_terminal=False)
        self.sender = Sender(panel, [ConsoleAdapter(panel, console)])
        await panel.set_channel(actor=OP, purpose="agency:police", platform_id="console:police")

        self.answers: list[str] = []

        async def scripted(prompt: str) -> str:
            if not self.answers:
                raise AssertionError(f"a shared command asked {prompt!r}")
            return self.answers.pop(0)

        self.session = ConsoleSession(panel, self.sender, console, SimClock(real=panel.now), input_fn=scripted)

    async def file(self, form: Form) -> str:
        """`new`, answering each question as it is asked; a refused answer is given again, corrected."""
        agencies = len(self.panel.preset.agencies)
        self.answers = ["1", "1", str(agencies + 1), form.other, form.future, "", "3", "D", form.summary, "keep", "",
                        form.authorised, "1, 2", "No", "1", ""]
        assert await self.session.handle(f"as {BM}")
        start = self.buffer.tell()
        assert await self.session.handle("new")
        assert not self.answers, self.answers
        return seen(self.buffer.getvalue()[start:])

    async def run(self, who: str, line: str) -> Answer:
        assert await self.session.handle(f"as {who}")
        assert self.session.actor is not None and self.session.actor.name == who
        start = self.buffer.tell()
        self.answers = ["cancel"] if FORM_LINES.fullmatch(line) else []  # the form's first question: leave it there
        assert await self.session.handle(line)
        return Answer(seen(self.buffer.getvalue()[start:]))

    async def settle(self) -> None:
        await self.sender.flush()


class SlackPlatform(Platform):
    IDS = {BM: "U0BM", MEMBER: "U0PAT", STRANGER: "U0STRANGER"}

    async def start(self, panel: Panel) -> None:
        self.panel = panel
        self.fake = slack_fake.FakeSlack()
        await self.fake.start()
        self.h = await slack_fake.Harness(panel, self.fake).start()
        for name, uid in self.IDS.items():
            if name in ROLES:
                await panel.add_member(actor=OP, name=name, role=ROLES[name], ids=[f"slack:{uid}"])
        assert await self.h.slash(self.IDS[BM], "setup") == 200
        await panel.set_channel(actor=OP, purpose="agency:police", platform_id="slack:C0POLICE")

    async def run(self, who: str, line: str) -> Answer:
        user = self.IDS[who]
        before, views = len(self.fake.private), len(self.fake.views)
        status = await self.h.slash(user, line, channel="C0ELSEWHERE")
        shown = [m.shown for m in self.fake.private[before:] if m.to_user == user]
        shown += [f'{view["title"]["text"]} {slack_fake.flat_blocks(view["blocks"])}'  # a form it opened
                  for view in self.fake.views[views:]]
        return Answer(" ".join(shown), [status])

    async def settle(self) -> None:
        await self.h.flush()

    async def close(self) -> None:
        await self.h.close()
        await self.fake.stop()

    async def file(self, form: Form) -> str:
        """`/panel new` opens the modal; submitted whole, each error comes back beside its box."""
        user, said = self.IDS[BM], []
        await self.h.slash(user, "new", channel="C0ELSEWHERE")
        answers = {"referral_type": "rapid_review", "source": "agency", "referrer": "other_agency",
                   "referrer_other": form.other, "aware_on": form.future, "category": "adult", "letter": "D",
                   "summary": form.summary, "authorised_by": form.authorised, "parallel": list(form.parallel),
                   "looked_after": "no", "notified": list(form.notified)}
        await self.h.submit(user, self.h.modal(), answers)
        said += json.loads(self.h.last_response)["errors"].values()
        await self.h.submit(user, self.h.modal(), {**answers, "aware_on": ""})
        asked = self.h.modal()  # the same form again, asking whether it names anyone
        said += [b["text"]["text"] for b in asked["blocks"] if b["type"] == "section"]
        before = len(self.fake.private)
        await self.h.submit(user, asked, {**answers, "aware_on": "", "names_confirmed": ["yes"]})
        said += [m.shown for m in self.fake.private[before:] if m.to_user == user]
        return seen(" ".join(said))


class TelegramPlatform(Platform):
    PEOPLE = {BM: tg.BEA, MEMBER: tg.PAT, STRANGER: tg.MALLORY}
    GROUP = -1001234567890

    async def start(self, panel: Panel) -> None:
        self.panel = panel
        self.api = FakeBotAPI()
        await self.api.start()
        for name, user in self.PEOPLE.items():
            if name in ROLES:
                await panel.add_member(actor=OP, name=name, role=ROLES[name], ids=[f"telegram:{user['id']}"])
            self.api.private(user)
        self.h = tg.Harness(panel, self.api, "webhook")
        await self.h.start()
        group = self.api.group(self.GROUP, "Panel")
        await self.h.say(group, tg.BEA, "/setup")
        await panel.set_channel(actor=OP, purpose="agency:police", platform_id="telegram:-1009999")
        self.api.group(-1009999, "Police")

    async def run(self, who: str, line: str) -> Answer:
        """The person sends `/line` in their private chat with the bot, then `/start`: updates are handled one
        at a time, so once `/start` is answered, everything the command said has been said."""
        user = self.PEOPLE[who]
        chat = self.api.chats[user["id"]]
        before = len(self.api.bot_messages(chat["id"]))
        statuses = [await self.h.post(self.api.text(chat, user, f"/{line}"))]
        statuses.append(await self.h.post(self.api.text(chat, user, "/start")))
        if all(s < 300 for s in statuses):

            def answered() -> bool:
                return any(sentinel in m.get("text", "") for m in self.api.bot_messages(chat["id"])[before:]
                           for sentinel in ("Send /help to see the commands", "Your Telegram user id is"))

            await self.api.wait_for(answered)
        said = [m.get("text") or m.get("caption") or "" for m in self.api.bot_messages(chat["id"])[before:]]
        shown = [s for s in said if "Send /help to see the commands" not in s and "Your Telegram user id is" not in s]
        return Answer(seen(" ".join(shown)), statuses)

    async def settle(self) -> None:
        assert self.h.pump is not None and self.h.sender is not None
        await self.h.sender.flush()
        await self.h.pump.idle()

    async def close(self) -> None:
        await self.h.stop()
        await self.api.stop()

    async def file(self, form: Form) -> str:
        """`/new` asks one question at a time, with buttons where there are choices. What each message said is
        taken as it arrives: a question's message is later edited to show the answer given."""
        user = self.PEOPLE[BM]
        chat = self.api.chats[user["id"]]
        said: list[str] = []

        async def latest(fragment: str) -> dict:
            message = await self.api.wait_for(lambda: self.api.said(chat["id"], fragment))
            said.append(message.get("text", ""))
            return message

        async def say(text: str) -> dict:
            (answer,) = await self.h.say(chat, user, text)
            said.append(answer.get("text", ""))
            return answer

        _, question = await self.h.say(chat, user, "/new", expect=2)
        await self.h.press(question, user, self.api.buttons(question)[0])
        await self.h.press(await latest("Where did the referral come from?"), user, "A partner agency")
        await self.h.press(await latest("Which agency"), user, "Another agency or service (say which)")
        await latest("Which agency or service")
        await say(form.other)
        await say(form.future)  # refused, and asked again
        await self.h.press(await latest("become aware"), user, "Today")
        await self.h.press(await latest("Subject category?"), user, "Adult (18 and over)")
        await latest("Subject letter")
        await say("D")
        await self.h.press(await say(form.summary), user, "It names no one: keep it as written")
        await self.h.press(await latest("Themes?"), user, "None")
        await latest("Verified internally by?")
        await say(form.authorised)
        await latest("Which processes run alongside it?")
        await say("1, 2")
        await self.h.press(await latest("looked-after child?"), user, "No")
        await latest("Which notifications have already been made?")
        await say("1")
        await self.h.press(await latest("When were they made?"), user, "Today")
        await self.h.press(await latest("Please check the referral"), user, "File referral")
        await latest("and posted it to the panel")
        return seen(" ".join(said))


class TeamsPlatform(Platform):
    PEOPLE = {BM: teams_fake.person("Bea"), MEMBER: teams_fake.person("Pat"), STRANGER: teams_fake.person("Mallory")}
    GENERAL = "19:general@thread.tacv2"  # a channel that is not the panel's: only the answer lands there

    async def start(self, panel: Panel) -> None:
        self.panel = panel
        self.fake = teams_fake.FakeConnector()
        await self.fake.start()
        self.h = await teams_fake.Harness(panel, self.fake).start()
        for name, who in self.PEOPLE.items():
            if name in ROLES:
                await self.h.member(name, ROLES[name], who)
        self.fake.join(teams_fake.PANEL, *self.PEOPLE.values())
        self.fake.join(self.GENERAL, *self.PEOPLE.values())  # the stranger is in the team, not on the panel
        answer = await self.h.say(self.PEOPLE[BM], "setup")
        assert "This is now the" in answer[0].shown
        self.fake.join(teams_fake.AGENCY_CHAT, self.PEOPLE[BM])
        answer = await self.h.say(self.PEOPLE[BM], "setup agency:police", where="groupChat")
        assert "Done: Panelbot will send the messages for police here." in answer[0].shown

    async def run(self, who: str, line: str) -> Answer:
        person = self.PEOPLE[who]
        before = len(self.fake.messages)
        status, _ = await self.h.post(self.h.message(person, line, "channel", conversation=self.GENERAL))
        shown = [m.shown for m in self.fake.messages[before:] if m.conversation == self.GENERAL]
        return Answer(seen(" ".join(shown)), [status])

    async def settle(self) -> None:
        await self.h.flush()

    async def close(self) -> None:
        await self.h.close()
        await self.fake.stop()


async def _teams_file(self: TeamsPlatform, form: Form) -> str:
    """`new` posts the form as a card; pressed, a refused form comes back filled in, each error under its field."""
    person, said = self.PEOPLE[BM], []
    card = (await self.h.say(person, "new", conversation=self.GENERAL))[0]
    answers = {"referral_type": "rapid_review", "source": "agency", "referrer": "other_agency",
               "referrer_other": form.other, "aware_on": form.future, "category": "adult", "letter": "D",
               "summary": form.summary, "authorised_by": form.authorised, "parallel": ",".join(form.parallel),
               "looked_after": "no", "notified": ",".join(form.notified)}
    for values in (answers, {**answers, "aware_on": ""}, {**answers, "aware_on": "", "names_confirmed": "true"}):
        response = await self.h.press(person, card, "File referral", values)
        said.append(teams_fake.response_text(response))
        if response["type"] == "application/vnd.microsoft.card.adaptive":
            card = teams_fake.Posted(card.conversation, card.id, {"attachments": [{"content": response["value"]}]},
                                     card.thread)
    return seen(" ".join(said))


TeamsPlatform.file = _teams_file  # type: ignore[attr-defined]


PLATFORM_CLASSES: dict[str, type[Platform]] = {
    "console": ConsolePlatform,
    "slack": SlackPlatform,
    "telegram": TelegramPlatform,
    "teams": TeamsPlatform,
}


# The panel each platform shares ---------------------------------------------------------------------------------


@dataclass
class World:
    platform: Platform
    ready: dict[str, str] = field(default_factory=dict)  # state -> a referral in that state
    letters: Any = None

    @property
    def panel(self) -> Panel:
        return self.platform.panel


def _draft(letter: str) -> ReferralDraft:
    return ReferralDraft(
        referral_type="rapid_review",
        referrer="Children's Social Care",
        category="young person",
        letter=letter,
        summary="Unexplained bruising seen at school; family known to services.",
    )


async def prepare(w: World, state: str) -> str:
    """A referral in `state`, brought there through the service by the operator and the other voters."""
    if state in w.ready:
        return w.ready[state]
    p = w.panel
    ref = await p.file_referral(actor=OP, draft=_draft(next(w.letters)))
    if state == "quorum":  # two agreeing votes: quorate (Salford 7.5) but not settled, so voting stays open
        for name in OTHER_VOTERS:
            await p.vote(actor=await p.actor_named(name), reference=ref, outcome="commence_rapid_review")
    elif state == "returned":
        await p.return_incomplete(actor=OP, reference=ref, missing="no chronology attached")
    elif state == "on_hold":
        await p.hold(actor=OP, reference=ref)
    elif state in ("rr_meeting", "rr_meeting_held", "attending"):  # Salford 7.12: the panel commenced a rapid review
        await p.decide_now(actor=OP, reference=ref, outcome="commence_rapid_review", reason="obvious")
        await p.schedule_meeting(actor=OP, reference=ref, at=NOW + timedelta(days=8), place="Room 2")
        if state == "rr_meeting_held":
            await p.meeting_held(actor=OP, reference=ref, roles=["local_authority", "police", "health"])
        if state == "attending":  # the police said they attend
            await p.attend_meeting(actor=OP, reference=ref, roles=["police"])
    elif state in ("decided", "requested"):
        await p.decide_now(actor=OP, reference=ref, outcome="commence_rapid_review", reason="obvious")
        if state == "requested":
            await p.send_requests(actor=OP, reference=ref, agencies=["police"])
    else:
        assert state == "with_panel", state
    await w.platform.settle()
    w.ready[state] = ref
    return ref


def _letters() -> Any:
    while True:
        yield from "ABCDEFGHJKLMNPQRSTUVWXYZ"


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=PLATFORMS)
async def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp(request.param) / 'panel.db'}")
    patch = pytest.MonkeyPatch()
    from bot.reports import charts

    drawn: dict[str, Any] = {}
    real = charts.report_charts

    def charts_once(report: Any, cal: Any) -> Any:
        if "files" not in drawn:
            drawn["files"] = real(report, cal)
        return drawn["files"]

    patch.setattr(charts, "report_charts", charts_once)
    platform = PLATFORM_CLASSES[request.param]()
    try:
        await upgrade(engine)
        panel = await open_panel(engine, load_preset(PRESET), clock=lambda: NOW)
        for name, role in OTHER_VOTERS.items():
            await panel.add_member(actor=OP, name=name, role=role)
        await platform.start(panel)
        yield World(platform, letters=_letters())
    finally:
        await platform.close()
        patch.undo()
        await engine.dispose()


async def test_every_platform_in_the_registry_is_tried_here() -> None:
    """A platform added to the registry is run through every command here, or this fails. A platform that only
    delivers (email: nobody types commands to it; what people do from an email is the link pages', tested with
    them) says so with `delivery_only`, and is the one kind left out."""
    typed = {n for n in platform_names() if (cls := platform_class(n)) is None or not delivery_only(cls)}
    assert set(PLATFORMS) == typed
    assert typed < set(platform_names()) and "email" not in typed


async def test_a_stranger_is_refused_and_changes_nothing(world: World) -> None:
    """Someone in the chat but not on the panel reads nothing and changes nothing, on every chat platform (the
    terminal is the operator's own, so it has no strangers)."""
    if isinstance(world.platform, ConsolePlatform):
        pytest.skip("the terminal has no strangers: whoever types there is the operator")
    ref = await prepare(world, "with_panel")
    for line in ("status", f"show {ref}", f"vote {ref} commence_rapid_review", "new", f"hold {ref}"):
        answer = await world.platform.run(STRANGER, line)
        assert "You are not on this partnership's panel" in answer.text, (line, answer.text)
        assert ref not in answer.text and "Young Person" not in answer.text, (line, answer.text)
    card = await world.panel.card(ref)
    assert card.status == "with_panel" and all(v.outcome is None and not v.recused for v in card.votes)


async def test_the_intake_form(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 18 and 19 (2): one intake form, defined once, on every platform. A wrong answer is refused at its
    own question (one at a time) or beside its own field (a whole form), never losing the rest; a possible
    name is asked about once and, confirmed, kept as written; the referrer is the preset's list or another
    agency named in words."""
    caplog.set_level(logging.INFO)
    form = Form()
    said = await world.platform.file(form)
    await world.platform.settle()
    assert "The date the partnership became aware cannot be in the future." in said, said
    assert "The summary looks like it names a person, which is not repeated here." in said, said
    reference = re.search(r"Filed (SAL-2026-\d{3})", said)
    assert reference, said
    async with world.panel.uow() as uow:
        query = select(Referral).where(Referral.reference == reference.group(1))
        filed = (await uow.session.execute(query)).scalar_one()
    assert (filed.referrer, filed.summary, filed.subject) == (form.other, form.summary, "Adult D")
    # Issue 23: the fields the preset adds, filed through the same form on every platform.
    assert (filed.source, filed.authorised_by, filed.parallel) == ("agency", form.authorised, list(form.parallel))
    assert filed.notifications == {"national_panel": "2026-11-23"} and not filed.looked_after
    card = "\n".join(card_lines(await world.panel.card(filed.reference), world.panel.cal))
    assert "Verified internally by: Designated safeguarding lead" in card, card
    assert "Running alongside: Criminal investigation or proceedings; Child death review (CDOP)" in card, card
    assert ("Notified: National Panel (by the local authority) on Mon 23 Nov 2026 (Local authority notification to "
            "the National Panel: met)") in card, card
    assert "Before publication: Check with the police before publishing" in card, card
    assert "Not yet recorded as notified" not in card, card
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not failures, [(r.name, r.getMessage()) for r in failures]


CELLS = [
    pytest.param(name, who, id=f"{name}|{'bm' if who == BM else 'member'}")
    for name in COMMANDS
    for who in (BM, MEMBER)
]


@pytest.mark.parametrize(("name", "who"), CELLS)
async def test_command(world: World, name: str, who: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    case = CASES[name]
    ref = await prepare(world, case.state) if case.state else None
    line = command_line(name, ref)
    answer = await world.platform.run(who, line)
    await world.platform.settle()
    if name not in READS:
        world.ready.pop(case.state or "", None)  # used up: the next case gets a fresh referral

    where = f"{line!r} as {'the BM' if who == BM else 'a member'}: {answer.text[:600]!r}"
    assert "something went wrong" not in answer.text.lower(), where
    assert all(s < 500 for s in answer.statuses), f"{answer.statuses} for {where}"
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not failures, f"{where}: logged {[(r.name, r.getMessage()) for r in failures]}"
    if who == BM or name in READS or name in MEMBER_MAY:
        expected = case.sees.format(ref=ref)
        assert expected in answer.text, f"expected {expected!r} for {where}"
        assert name == "help" or BM_ONLY not in answer.text, where  # help says who may change things
    else:
        assert REFUSED_BECAUSE.get(name, BM_ONLY) in answer.text, where
    if name == "help":  # `help` is the list: every shared command is in it, on every platform
        missing = [c.usage for c in COMMANDS.values() if c.name != "help" and seen(c.usage) not in answer.text]
        assert not missing, f"help on {type(world.platform).__name__} does not list {missing}"


@pytest.mark.parametrize(("name", "who"), [pytest.param(n, w, id=f"{n}|{'bm' if w == BM else 'member'}")
                                           for n in SUBCOMMANDS for w in (BM, MEMBER)])
async def test_subcommand(world: World, name: str, who: str, caplog: pytest.LogCaptureFixture) -> None:
    """A subcommand that changes the record works for the business manager and is refused to a member (a read, such
    as a meeting's calendar file, works for both), on every platform, with nothing logged as an error."""
    caplog.set_level(logging.INFO)
    case = SUBCOMMANDS[name]
    assert case.state is not None and case.args is not None
    ref = await prepare(world, case.state)
    line = f"{name.split()[0]} {case.args.format(ref=ref)}"
    answer = await world.platform.run(who, line)
    await world.platform.settle()
    world.ready.pop(case.state, None)
    where = f"{line!r} as {'the BM' if who == BM else 'a member'}: {answer.text[:600]!r}"
    assert "something went wrong" not in answer.text.lower(), where
    assert all(s < 500 for s in answer.statuses), f"{answer.statuses} for {where}"
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not failures, f"{where}: logged {[(r.name, r.getMessage()) for r in failures]}"
    if who == BM or name in SUB_MEMBER_MAY:
        assert case.sees.format(ref=ref) in answer.text, where
    else:
        assert SUB_REFUSED.get(name, BM_ONLY) in answer.text, where


# The monthly panel's forms of `meeting` (issue 21, section 3), on every platform: a Suffolk panel of its own, on
# the day of January 2027's panel (Mon 25 Jan 2027), where the member who types holds the police's role. A member
# confirms their agency attends, and is refused recording who attended; the business manager records attendance
# for the partners who said so elsewhere, moves February's panel and records January's as held; `meeting list`
# shows it.
PANEL_NOW = datetime(2027, 1, 25, 12, 0, tzinfo=UTC)
PANEL_FORMS = [  # (who types, the line, what they see)
    (MEMBER, "meeting attend PANEL-2027-01", "Recorded: Police attends the monthly panel of January 2027"),
    (MEMBER, "meeting held PANEL-2027-01 local_authority police health", BM_ONLY),
    (MEMBER, "meeting attend PANEL-2027-02 withdraw", "Police had not confirmed attending the monthly panel of "
                                                      "February 2027, so there is nothing to withdraw"),
    (BM, "meeting attend PANEL-2027-01 health local_authority", "Every statutory partner is attending."),
    (BM, "meeting move PANEL-2027-02 2027-02-24 14:00", "(PANEL-2027-02) is moved to Wed 24 Feb 2027, 14:00"),
    (BM, "meeting held PANEL-2027-01 local_authority police health",
     "held Mon 25 Jan 2027, 10:00, attended by Local authority, Police, Health (ICB) (quorate)"),
    (MEMBER, "meeting list", "PANEL-2027-01: the monthly panel of January 2027, Mon 25 Jan 2027, 10:00. Held: "
                             "attended by Local authority, Police, Health (ICB) (quorate)."),
]


@pytest.mark.parametrize("platform_name", PLATFORMS)
async def test_the_monthly_panels_forms(platform_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setitem(ROLES, MEMBER, "police")
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}")
    platform = PLATFORM_CLASSES[platform_name]()
    try:
        await upgrade(engine)
        await platform.start(await open_panel(engine, load_preset("suffolk"), clock=lambda: PANEL_NOW))
        assert await platform.panel.plan_panels() == ["PANEL-2027-01", "PANEL-2027-02", "PANEL-2027-03"]
        for who, line, sees in PANEL_FORMS:
            answer = await platform.run(who, line)
            await platform.settle()
            where = f"{line!r} as {'the BM' if who == BM else 'a member'} on {platform_name}: {answer.text[:600]!r}"
            assert "something went wrong" not in answer.text.lower(), where
            assert all(s < 500 for s in answer.statuses), where
            assert sees in answer.text, where
        failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        assert not failures, [(r.name, r.getMessage()) for r in failures]
    finally:
        await platform.close()
        await engine.dispose()
