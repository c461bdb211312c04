"""The information request form on every platform (issue 21, section 1: the business manager's commands "by command
and form on every platform").

`request REF` typed with no agency opens the form in the platform's own idiom: a Slack modal (`/panel request REF`,
signed, through bolt), a Teams card (an @-mention to the real Agents SDK host, sent back with Action.Execute), and
one question at a time on Telegram (`/request REF` by webhook to the real python-telegram-bot `Application`, typed
or answered with its buttons) and in the terminal (`ConsoleSession`). It offers the agencies that have a channel or
a contact, several of which may be chosen, and an optional due date; its answers go through the typed command's own
service call, so who may, the agencies and the due date are checked once, in the service.

Salford sets agency returns at 5 working days (7.7). In summer, UK time is an hour ahead of UTC: the requests go
out on Mon 6 Jul 2026 at 10:00 UK time (09:00 UTC) and are due five working days on, Mon 13 Jul 2026, at the close
of the day, 17:00 UK time (16:00 UTC). The police and health have a channel on the platform, probation a contact,
education neither.

What is checked on each platform, as the person sees it:
* the business manager opens the form: it offers the police, health and probation, not education; two chosen and
  no due date given, the business manager is told both requests went, due Mon 13 Jul 2026, 17:00, and each agency's
  channel gets its request naming that time;
* a due date in the past is refused in the form (beside the date, or by asking it again) and nothing is sent; a
  later date given, the requests go, due at 17:00 UK time on that day;
* a panel member who is not the business manager, and someone not on the panel, get the usual refusal and no form.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from rich.console import Console

from bot.commands.requests import form_for
from bot.console.adapter import ConsoleAdapter
from bot.console.repl import ConsoleSession, SimClock
from bot.notify import Sender
from bot.service import Actor, Panel
from bot.service.bootstrap import open_panel
from flows.intake import parse_date
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from storage.db import make_engine, upgrade

HERE = Path(__file__).resolve().parent
for _sub in ("slack", "telegram", "teams"):
    if str(HERE / _sub) not in sys.path:
        sys.path.append(str(HERE / _sub))

import slack_fake  # noqa: E402
import teams_fake  # noqa: E402
import telegram_harness as tg  # noqa: E402
from fake_bot_api import FakeBotAPI  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOW = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)  # Mon 6 Jul 2026, 10:00 UK time (BST); the clock does not move here
OP = Actor.operator()
PRESET = "salford"
PLATFORMS = ("console", "slack", "telegram", "teams")
BM, MEMBER, STRANGER = "Bea", "Pat", "Mallory"  # the business manager, the panel's chair, someone not on the panel
ROLES = {BM: "business_manager", MEMBER: "chair"}
CHANNELS = ("police", "health")  # the agencies with a channel on the platform; probation has a contact
POLICE, HEALTH = "Greater Manchester Police", "Health (ICB)"
OFFERED = (POLICE, HEALTH, "Probation")  # in the preset's order: 1, 2 and 3 on the interviews
FIELDS = form_for(load_preset(PRESET), "SAL-2026-001", "", "rapid_review", ("police", "health", "probation")).fields
TITLE, SUBMIT = "Information requests", "Send requests"

_TAGS = re.compile(r"<[^>]+>")


def seen(text: str) -> str:
    """Text as read: markup (HTML tags, **bold**, *bold*, `code`) gone, entities shown, spaces collapsed."""
    import html

    text = html.unescape(_TAGS.sub(" ", text)).replace("**", "").replace("`", "").replace("\u2060", "")
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    return " ".join(text.split())


def picked(values: dict[str, Any]) -> dict[str, Any]:
    """The answers as a whole form's pickers send them: the agencies by id, the due date as 2026-07-20."""
    out = dict(values)
    if out.get("due"):
        out["due"] = parse_date(out["due"]).isoformat()
    return out


# The platforms ------------------------------------------------------------------------------------------------


class Driver:
    """One platform with the panel on it. `open(who, ref)` types `request REF` as that person: whether a form
    opened, and what they saw (the agencies it offers among it). `send(values)` fills the open form with `values`
    (`agencies`: their ids; `due`: a date, or left out to leave it blank) and sends it, or answers the questions
    asked until it is sent, or until one is asked again because it was refused: what the person then saw.
    `agency(id)` is that agency's channel as read."""

    panel: Panel
    platform = ""

    async def start(self, panel: Panel) -> None:
        raise NotImplementedError

    async def open(self, who: str, ref: str) -> tuple[bool, str]:
        raise NotImplementedError

    async def send(self, values: dict[str, Any]) -> str:
        raise NotImplementedError

    async def settle(self) -> None:
        """Wait until what the outbox holds has been delivered."""

    def agency(self, agency: str) -> str:
        raise NotImplementedError

    async def close(self) -> None:
        pass


def key_of(question: str, by: str) -> str:
    """The field a question asks, by its label (the terminal's prompt) or its question (Telegram's message)."""
    found = [f.key for f in FIELDS if (f.question in question if by == "question" else
                                         question.strip().startswith(f.label))]
    assert len(found) == 1, f"which field does {question!r} ask? {found}"
    return found[0]


def numbers(values: dict[str, Any]) -> str:
    """The agencies chosen as typed one question at a time: their numbers in the list the form shows."""
    ids = [f.value for f in FIELDS[0].choices]
    return ", ".join(str(ids.index(a) + 1) for a in values.get("agencies", []))


class ConsoleDriver(Driver):
    """The terminal: the form asks at the prompt, one field at a time; `cancel` stops it. The terminal stands for
    every channel, so an agency's channel is the lines addressed to it."""

    platform = "console"

    async def start(self, panel: Panel) -> None:
        self.panel = panel
        for name, role in ROLES.items():
            await panel.add_member(actor=OP, name=name, role=role)
        for agency in CHANNELS:
            await panel.set_channel(actor=OP, purpose=f"agency:{agency}", platform_id=f"console:{agency}")
        self.buffer = io.StringIO()
        console = Console(file=self.buffer, width=400, color_system=None, force_terminal=False)
        self.sender = Sender(panel, [ConsoleAdapter(panel, console)])
        self.prompts: asyncio.Queue[str] = asyncio.Queue()
        self.answers: asyncio.Queue[str] = asyncio.Queue()

        async def keyboard(prompt: str) -> str:
            await self.prompts.put(prompt)
            return await self.answers.get()

        self.session = ConsoleSession(panel, self.sender, console, SimClock(real=panel.now), input_fn=keyboard)
        self.task: asyncio.Future | None = None
        self.prompt: str | None = None

    async def _next(self) -> str | None:
        """The form's next prompt, or None once the command has finished."""
        assert self.task is not None
        asked = asyncio.ensure_future(self.prompts.get())
        done, _ = await asyncio.wait({asked, self.task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if asked in done:
            return asked.result()
        asked.cancel()
        assert self.task.done(), "the terminal neither asked nor finished"
        assert self.task.result() is True
        self.task = None
        return None

    async def open(self, who: str, ref: str) -> tuple[bool, str]:
        assert await self.session.handle(f"as {who}")
        start = self.buffer.tell()
        self.task = asyncio.ensure_future(self.session.handle(f"request {ref}"))
        self.prompt = await self._next()
        return self.prompt is not None, seen(self.buffer.getvalue()[start:] + " " + (self.prompt or ""))

    async def send(self, values: dict[str, Any]) -> str:
        start, asked = self.buffer.tell(), set()
        while self.prompt is not None:
            key = key_of(self.prompt, "label")
            if key in asked:  # asked again: the form refused an answer
                break
            asked.add(key)
            await self.answers.put(numbers(values) if key == "agencies" else values.get(key, ""))
            self.prompt = await self._next()
        return seen(self.buffer.getvalue()[start:])

    async def settle(self) -> None:
        await self.sender.flush()

    def agency(self, agency: str) -> str:
        label = {"police": POLICE, "health": HEALTH}[agency]
        return seen(" ".join(line for line in self.buffer.getvalue().splitlines() if f"✉ To {label}:" in line))

    async def close(self) -> None:
        if self.task is not None:  # a form left open: stop it
            await self.answers.put("cancel")
            await self.task


class SlackDriver(Driver):
    """Slack: the form is a modal; a refusal is shown beside its field, the modal still open."""

    platform = "slack"
    IDS = {BM: "U0BM", MEMBER: "U0PAT", STRANGER: "U0STRANGER"}
    AGENCY = {"police": "C0POLICE", "health": "C0HEALTH"}

    async def start(self, panel: Panel) -> None:
        self.panel = panel
        self.fake = slack_fake.FakeSlack()
        await self.fake.start()
        self.h = await slack_fake.Harness(panel, self.fake).start()
        for name, uid in self.IDS.items():
            if name in ROLES:
                await panel.add_member(actor=OP, name=name, role=ROLES[name], ids=[f"slack:{uid}"])
        assert await self.h.slash(self.IDS[BM], "setup") == 200
        for agency, channel in self.AGENCY.items():  # the business manager runs `/panel setup agency:NAME` there
            assert await self.h.slash(self.IDS[BM], f"setup agency:{agency}", channel=channel) == 200

    async def open(self, who: str, ref: str) -> tuple[bool, str]:
        self.user = self.IDS[who]
        before, views = len(self.fake.private), len(self.fake.views)
        assert await self.h.slash(self.user, f"request {ref}", channel="C0ELSEWHERE") == 200
        shown = [m.shown for m in self.fake.private[before:] if m.to_user == self.user]
        opened = [view["title"]["text"] + " " + slack_fake.flat_blocks(view["blocks"]) + " " + " ".join(
            o["text"]["text"] for block in view["blocks"] for o in block.get("element", {}).get("options", []))
            for view in self.fake.views[views:]]
        return bool(opened), seen(" ".join(shown + opened))

    async def send(self, values: dict[str, Any]) -> str:
        before = len(self.fake.private)
        assert await self.h.submit(self.user, self.h.modal(), picked(values)) == 200
        answer = json.loads(self.h.last_response) if self.h.last_response else {}
        said = list(answer.get("errors", {}).values()) if answer.get("response_action") == "errors" else []
        said += [m.shown for m in self.fake.private[before:] if m.to_user == self.user]
        return seen(" ".join(said))

    async def settle(self) -> None:
        await self.h.flush()

    def agency(self, agency: str) -> str:
        return seen(" ".join(m.shown for m in self.fake.in_channel(self.AGENCY[agency])))

    async def close(self) -> None:
        await self.h.close()
        await self.fake.stop()


class TeamsDriver(Driver):
    """Teams: the form is an Adaptive Card; sent back refused, it comes back filled in, the refusal under its
    field."""

    platform = "teams"
    PEOPLE = {BM: teams_fake.person("Bea"), MEMBER: teams_fake.person("Pat"), STRANGER: teams_fake.person("Mallory")}
    GENERAL = "19:general@thread.tacv2"  # a channel that is not the panel's: only the answer lands there
    AGENCY = {"police": "19:police-liaison@thread.v2", "health": "19:health-liaison@thread.v2"}

    async def start(self, panel: Panel) -> None:
        self.panel = panel
        self.fake = teams_fake.FakeConnector()
        await self.fake.start()
        self.h = await teams_fake.Harness(panel, self.fake).start()
        for name, who in self.PEOPLE.items():
            if name in ROLES:
                await self.h.member(name, ROLES[name], who)
        self.fake.join(teams_fake.PANEL, *self.PEOPLE.values())
        self.fake.join(self.GENERAL, *self.PEOPLE.values())
        assert "This is now the" in (await self.h.say(self.PEOPLE[BM], "setup"))[0].shown
        for agency, chat in self.AGENCY.items():  # the business manager types `setup agency:NAME` in its chat
            self.fake.join(chat, self.PEOPLE[BM])
            said = await self.h.say(self.PEOPLE[BM], f"setup agency:{agency}", where="groupChat", conversation=chat)
            assert f"Done: Panelbot will send the messages for {agency} here." in said[0].shown

    async def open(self, who: str, ref: str) -> tuple[bool, str]:
        self.person = self.PEOPLE[who]
        posted = await self.h.say(self.person, f"request {ref}", conversation=self.GENERAL)
        forms = [m for m in posted if SUBMIT in [b["title"] for b in m.buttons]]
        self.card = forms[0] if forms else None
        inputs = [f"{i.get('label', '')} " + " ".join(c["title"] for c in i.get("choices", []))
                  for m in forms for i in m.inputs]
        return bool(forms), seen(" ".join([m.shown for m in posted] + inputs))

    async def send(self, values: dict[str, Any]) -> str:
        assert self.card is not None
        inputs = {**picked(values), "agencies": ",".join(values.get("agencies", []))}
        response = await self.h.press(self.person, self.card, SUBMIT, inputs)
        if SUBMIT in teams_fake.response_buttons(response):  # the form again, each refusal under its field
            self.card = teams_fake.Posted(self.card.conversation, self.card.id,
                                          {"attachments": [{"content": response["value"]}]}, self.card.thread)
        return teams_fake.response_text(response)

    async def settle(self) -> None:
        await self.h.flush()

    def agency(self, agency: str) -> str:
        return seen(" ".join(m.shown for m in self.fake.in_conversation(self.AGENCY[agency])))

    async def close(self) -> None:
        await self.h.close()
        await self.fake.stop()


class TelegramDriver(Driver):
    """Telegram: one question at a time in the person's chat with the bot, typed or answered with its buttons (Skip
    for a due date left blank), then the answers to check and Send requests."""

    platform = "telegram"
    PEOPLE = {BM: tg.BEA, MEMBER: tg.PAT, STRANGER: tg.MALLORY}
    GROUP = -1001234567890
    AGENCY = {"police": -1001000000001, "health": -1001000000002}

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
        await self.h.say(self.api.group(self.GROUP, "Panel"), tg.BEA, "/setup")
        for agency, chat in self.AGENCY.items():  # the business manager sends `/setup agency:NAME` in its group
            await self.h.say(self.api.group(chat, agency.title()), tg.BEA, f"/setup agency:{agency}")
        self.question: dict | None = None

    async def _after(self, action: Any) -> dict:
        """What the bot says next in the person's chat after `action`."""
        chat = self.chat["id"]
        before = len(self.api.bot_messages(chat))
        await action()
        await self.api.wait_for(lambda: len(self.api.bot_messages(chat)) > before)
        return self.api.bot_messages(chat)[before]

    async def open(self, who: str, ref: str) -> tuple[bool, str]:
        """The person sends the command, then `/start`: updates are handled one at a time, so once `/start` is
        answered, everything the command said has been said."""
        self.user = self.PEOPLE[who]
        self.chat = self.api.chats[self.user["id"]]
        before = len(self.api.bot_messages(self.chat["id"]))
        assert await self.h.post(self.api.text(self.chat, self.user, f"/request {ref}")) == 200
        assert await self.h.post(self.api.text(self.chat, self.user, "/start")) == 200
        sentinels = ("Send /help to see the commands", "Your Telegram user id is")
        await self.api.wait_for(lambda: any(s in m.get("text", "") for m in self.api.bot_messages(self.chat["id"])
                                            [before:] for s in sentinels))
        said = [m for m in self.api.bot_messages(self.chat["id"])[before:]
                if not any(s in m.get("text", "") for s in sentinels)]
        questions = [m for m in said if any(f.question in m.get("text", "") for f in FIELDS)]
        self.question = questions[-1] if questions else None
        return self.question is not None, seen(" ".join(m.get("text", "") for m in said))

    async def send(self, values: dict[str, Any]) -> str:
        said: list[str] = []
        asked: set[str] = set()
        while self.question is not None:
            question = self.question
            if "Please check the requests" in question["text"]:  # every question answered: send it
                answer = await self._after(lambda q=question: self.h.press(q, self.user, SUBMIT))
                said.append(answer.get("text", ""))
                refused = any(f.question in answer.get("text", "") for f in FIELDS)
                self.question = answer if refused else None
                break
            key = key_of(question["text"], "question")
            if key in asked:  # asked again: the answer was refused
                break
            asked.add(key)
            if key == "agencies":
                answer = await self._after(lambda: self.h.say(self.chat, self.user, numbers(values)))
            elif values.get(key):
                answer = await self._after(lambda k=key: self.h.say(self.chat, self.user, values[k]))
            else:
                answer = await self._after(lambda q=question: self.h.press(q, self.user, "Skip"))
            said.append(answer.get("text", ""))
            self.question = answer
        return seen(" ".join(said))

    async def settle(self) -> None:
        assert self.h.pump is not None and self.h.sender is not None
        await self.h.sender.flush()
        await self.h.pump.idle()

    def agency(self, agency: str) -> str:
        return seen(" ".join(m.get("text") or "" for m in self.api.bot_messages(self.AGENCY[agency])))

    async def close(self) -> None:
        await self.h.stop()
        await self.api.stop()


DRIVERS: dict[str, type[Driver]] = {
    "console": ConsoleDriver,
    "slack": SlackDriver,
    "telegram": TelegramDriver,
    "teams": TeamsDriver,
}


# The panel each platform shares ---------------------------------------------------------------------------------


@dataclass
class World:
    platform: Driver
    letters: Any = field(default_factory=lambda: iter("ABCDEFGHJKLMNPQRSTUVWXYZ"))

    @property
    def panel(self) -> Panel:
        return self.platform.panel

    async def referral(self) -> str:
        """A new referral, decided for a rapid review (the requests go out then, Salford 7.7)."""
        draft = ReferralDraft(referral_type="rapid_review", referrer="Health visitor", category="young person",
                              letter=next(self.letters), summary="Bruising seen at school; family known to services.")
        ref = await self.panel.file_referral(actor=OP, draft=draft)
        await self.panel.decide_now(actor=OP, reference=ref, outcome="commence_rapid_review", reason="obvious")
        await self.platform.settle()
        return ref

    async def requested(self, ref: str) -> list[tuple[str, datetime]]:
        return [(r.agency, r.due_at) for r in await self.panel.list_requests(ref)]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=PLATFORMS)
async def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp(request.param) / 'panel.db'}")
    platform = DRIVERS[request.param]()
    try:
        await upgrade(engine)
        panel = await open_panel(engine, load_preset(PRESET), clock=lambda: NOW)
        await platform.start(panel)
        # Probation has no channel, but a contact who may mark its returns made: the form offers it too.
        await panel.add_contact(actor=OP, agency="probation", platform_id=f"{platform.platform}:probation-contact")
        yield World(platform)
    finally:
        await platform.close()
        await engine.dispose()


def no_failures(caplog: pytest.LogCaptureFixture) -> None:
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not failures, [(r.name, r.getMessage()) for r in failures]


async def test_every_platform_has_the_request_form() -> None:
    """The platforms here are those of the all-platform command test (every one people type commands on)."""
    from test_every_command import PLATFORMS as EVERY

    assert set(PLATFORMS) == set(EVERY)


async def test_the_business_manager_chooses_two_agencies_and_the_requests_go_out(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ref = await world.referral()
    opened, shown = await world.platform.open(BM, ref)
    assert opened, shown
    assert f"{ref} · Young Person" in shown and "send an information request to each agency you choose" in shown, \
        shown
    assert "With no due date, each is due within the procedure's 5 working days." in shown, shown
    assert all(label in shown for label in OFFERED) and "Education" not in shown, shown

    said = await world.platform.send({"agencies": ["police", "health"]})
    assert (f"Information requests for {ref}: {POLICE}: requested, due Mon 13 Jul 2026, 17:00. {HEALTH}: requested, "
            "due Mon 13 Jul 2026, 17:00.") in said, said
    due = datetime(2026, 7, 13, 16, 0, tzinfo=UTC)  # 17:00 UK time, in summer
    assert sorted(await world.requested(ref)) == [(POLICE, due), (HEALTH, due)]
    await world.platform.settle()
    for agency in CHANNELS:
        request = world.platform.agency(agency)
        assert f"Information request for {ref} · Young Person" in request, (agency, request)
        assert "by Mon 13 Jul 2026, 17:00 (5 working days)" in request, (agency, request)
    no_failures(caplog)


async def test_a_due_date_in_the_past_is_refused_in_the_form_and_nothing_is_sent(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ref = await world.referral()
    opened, shown = await world.platform.open(BM, ref)
    assert opened, shown

    said = await world.platform.send({"agencies": ["police", "health"], "due": "03/07/2026"})
    assert "The due date must be in the future." in said, said
    assert "requested, due" not in said, said
    assert await world.requested(ref) == []
    await world.platform.settle()
    assert ref not in world.platform.agency("police")

    said = await world.platform.send({"agencies": ["police", "health"], "due": "20/07/2026"})
    assert (f"Information requests for {ref}: {POLICE}: requested, due Mon 20 Jul 2026, 17:00. {HEALTH}: requested, "
            "due Mon 20 Jul 2026, 17:00.") in said, said
    due = datetime(2026, 7, 20, 16, 0, tzinfo=UTC)
    assert sorted(await world.requested(ref)) == [(POLICE, due), (HEALTH, due)]
    await world.platform.settle()
    request = world.platform.agency("police")
    assert f"Information request for {ref} · Young Person" in request, request
    assert "by Mon 20 Jul 2026, 17:00 (the date the business manager set)" in request, request
    no_failures(caplog)


async def test_only_the_business_manager_gets_the_form(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """A panel member who is not the business manager gets the business manager's refusal and no form; someone
    in the chat but not on the panel gets the usual refusal (the terminal has no strangers: whoever types there
    is the operator)."""
    caplog.set_level(logging.INFO)
    ref = await world.referral()
    opened, shown = await world.platform.open(MEMBER, ref)
    assert not opened, shown
    assert "Only the business manager can send information requests. Nothing was changed." in shown, shown
    if not isinstance(world.platform, ConsoleDriver):
        opened, shown = await world.platform.open(STRANGER, ref)
        assert not opened, shown
        assert "You are not on this partnership's panel" in shown and ref not in shown, shown
    assert await world.requested(ref) == []
    no_failures(caplog)
