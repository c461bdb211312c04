"""The meeting form on every platform (issue 21, section 1: the business manager schedules a meeting "by command
and form on every platform").

`meeting schedule REF` typed with no day opens the form in the platform's own idiom: a Slack modal (`/panel
meeting schedule REF`, signed, through bolt), a Teams card (an @-mention to the real Agents SDK host, sent back
with Action.Execute), and one question at a time on Telegram (`/meeting schedule REF` by webhook to the real
python-telegram-bot `Application`, answered by typing or with its buttons) and in the terminal
(`ConsoleSession`). It asks for the day, the time, the place or call link and the reason for a day outside the
window; its answers go through the typed command's own service call, so the window, the screening and who may
are checked once, in the service.

Dudley's rapid review meeting is held 7 to 13 working days after the referral. Hand count: received Mon 14 Dec
2026, the 7th working day is Wed 23 Dec and the 13th Tue 5 Jan 2027 (Fri 25 Dec, Mon 28 Dec and Fri 1 Jan are
bank holidays). Winter: UK time is UTC.

What is checked on each platform, as the person sees it:
* the business manager opens the form and fills it: told the meeting is scheduled, with the window in plain
  words, and the panel's channel gets the post naming the day and time in UK time;
* a day before the window without a reason is refused in the form (beside the day, or by asking the day
  again), with the window in plain words, and nothing is scheduled; with a reason it is, and the reason is
  recorded;
* a date of birth in the place is refused in the form and nothing is scheduled; the place rewritten, it is;
* a panel member who is not the business manager, and someone not on the panel, get the usual refusal and no
  form.
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
from sqlalchemy import select

from bot.console.adapter import ConsoleAdapter
from bot.console.repl import ConsoleSession, SimClock
from bot.notify import Sender
from bot.service import Actor, Panel
from bot.service.bootstrap import open_panel
from flows.intake import parse_date
from flows.meetings import cancel_form, held_form, move_form, schedule_form
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from flows.views import card_lines
from storage.db import make_engine, upgrade
from storage.models import AuditEntry

HERE = Path(__file__).resolve().parent
for _sub in ("slack", "telegram", "teams"):
    if str(HERE / _sub) not in sys.path:
        sys.path.append(str(HERE / _sub))

import slack_fake  # noqa: E402
import teams_fake  # noqa: E402
import telegram_harness as tg  # noqa: E402
from fake_bot_api import FakeBotAPI  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOW = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)  # Mon 14 Dec 2026, 10:00 UK time; the clock does not move here
OP = Actor.operator()
PRESET = "dudley"
PLATFORMS = ("console", "slack", "telegram", "teams")
BM, MEMBER, STRANGER = "Bea", "Pat", "Mallory"  # the business manager, the police's member, someone not on the panel
ROLES = {BM: "business_manager", MEMBER: "police"}
# Each form by the subcommand that opens it: its questions, to know which one is asked, and its button.
ALL_THREE = ("local_authority", "police", "health")  # Dudley's statutory partners: its rapid review meeting's quorum
_DUDLEY = load_preset(PRESET)
FORMS = {"schedule": schedule_form("DUD-2026-001", ""), "move": move_form("DUD-2026-001", "", "", ""),
         "cancel": cancel_form("DUD-2026-001", "", "", ""),
         "held": held_form(_DUDLEY, "DUD-2026-001", "", "", "", ALL_THREE,
                           tuple(o.id for o in _DUDLEY.outcomes_for(_DUDLEY.referral_types[0].id)))}
WINDOW = ("Dudley Safeguarding People Partnership holds the rapid review meeting 7 to 13 working days after the "
          "referral is received: Wed 23 Dec 2026 to Tue 5 Jan 2027.")

_TAGS = re.compile(r"<[^>]+>")


def seen(text: str) -> str:
    """Text as read: markup (HTML tags, **bold**, *bold*, `code`) gone, entities shown, spaces collapsed."""
    import html

    text = html.unescape(_TAGS.sub(" ", text)).replace("**", "").replace("`", "").replace("\u2060", "")
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    return " ".join(text.split())


def typed(form: Any, key: str, value: Any) -> str:
    """An answer as typed one question at a time: several choices as their numbers in the list the form shows."""
    if isinstance(value, list):
        field = form.field(key)
        ids = [c.value for c in field.choices]
        return ", ".join(str(ids.index(v) + 1) for v in value)
    return value or ""


def picked(values: dict[str, Any]) -> dict[str, Any]:
    """The answers as a whole form's pickers send them: the day as 2026-12-30, the time as 10:00."""
    out = dict(values)
    if out.get("date"):
        out["date"] = parse_date(out["date"]).isoformat()
    return out


# The platforms ------------------------------------------------------------------------------------------------


class Driver:
    """One platform with the panel on it. `open(who, ref, what)` types `meeting schedule REF` (or `meeting move
    REF`, `meeting cancel REF`) as that person: whether a form opened, and what they saw. `send(values)` fills the
    open form with `values` (by field key; a key left out is left blank, or skipped) and sends it, or answers the
    questions asked until it is sent, or until one is asked again because it was refused: what the person then saw.
    `channel()` is the panel's place as read."""

    panel: Panel
    form = FORMS["schedule"]  # the form the last command opened (or would have)

    async def start(self, panel: Panel) -> None:
        raise NotImplementedError

    async def open(self, who: str, ref: str, what: str = "schedule") -> tuple[bool, str]:
        raise NotImplementedError

    async def send(self, values: dict[str, str]) -> str:
        raise NotImplementedError

    async def settle(self) -> None:
        """Wait until what the outbox holds has been delivered."""

    def channel(self) -> str:
        raise NotImplementedError

    async def close(self) -> None:
        pass


def key_of(question: str, by: str, fields: tuple) -> str:
    """The field a question asks, by its label (the terminal's prompt) or its question (Telegram's message)."""
    found = [f.key for f in fields if (f.question in question if by == "question" else
                                         question.strip().startswith(f.label))]
    assert len(found) == 1, f"which field does {question!r} ask? {found}"
    return found[0]


class ConsoleDriver(Driver):
    """The terminal: the form asks at the prompt, one field at a time; `cancel` stops it."""

    async def start(self, panel: Panel) -> None:
        self.panel = panel
        for name, role in ROLES.items():
            await panel.add_member(actor=OP, name=name, role=role)
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

    async def open(self, who: str, ref: str, what: str = "schedule") -> tuple[bool, str]:
        assert await self.session.handle(f"as {who}")
        start, self.form = self.buffer.tell(), FORMS[what]
        self.task = asyncio.ensure_future(self.session.handle(f"meeting {what} {ref}"))
        self.prompt = await self._next()
        return self.prompt is not None, seen(self.buffer.getvalue()[start:])

    async def send(self, values: dict[str, str]) -> str:
        start, asked = self.buffer.tell(), set()
        while self.prompt is not None:
            key = key_of(self.prompt, "label", self.form.fields)
            if key in asked:  # asked again: the form refused an answer
                break
            asked.add(key)
            await self.answers.put(typed(self.form, key, values.get(key)))
            self.prompt = await self._next()
        return seen(self.buffer.getvalue()[start:])

    async def settle(self) -> None:
        await self.sender.flush()

    def channel(self) -> str:
        return seen(self.buffer.getvalue())

    async def close(self) -> None:
        if self.task is not None:  # a form left open: stop it
            await self.answers.put("cancel")
            await self.task


class SlackDriver(Driver):
    """Slack: the form is a modal; a refusal is shown beside its field, the modal still open."""

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

    async def open(self, who: str, ref: str, what: str = "schedule") -> tuple[bool, str]:
        self.user, self.form = self.IDS[who], FORMS[what]
        before, views = len(self.fake.private), len(self.fake.views)
        assert await self.h.slash(self.user, f"meeting {what} {ref}", channel="C0ELSEWHERE") == 200
        shown = [m.shown for m in self.fake.private[before:] if m.to_user == self.user]
        opened = [view["title"]["text"] + " " + slack_fake.flat_blocks(view["blocks"])
                  for view in self.fake.views[views:]]
        return bool(opened), seen(" ".join(shown + opened))

    async def send(self, values: dict[str, str]) -> str:
        before = len(self.fake.private)
        assert await self.h.submit(self.user, self.h.modal(), picked(values)) == 200
        answer = json.loads(self.h.last_response) if self.h.last_response else {}
        said = list(answer.get("errors", {}).values()) if answer.get("response_action") == "errors" else []
        said += [m.shown for m in self.fake.private[before:] if m.to_user == self.user]
        return seen(" ".join(said))

    async def settle(self) -> None:
        await self.h.flush()

    def channel(self) -> str:
        return seen(" ".join(m.shown for m in self.fake.messages if m.channel == slack_fake.PANEL_CHANNEL))

    async def close(self) -> None:
        await self.h.close()
        await self.fake.stop()


class TeamsDriver(Driver):
    """Teams: the form is an Adaptive Card; sent back refused, it comes back filled in, the refusal under its
    field."""

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
        self.fake.join(self.GENERAL, *self.PEOPLE.values())
        assert "This is now the" in (await self.h.say(self.PEOPLE[BM], "setup"))[0].shown

    async def open(self, who: str, ref: str, what: str = "schedule") -> tuple[bool, str]:
        self.person, self.form = self.PEOPLE[who], FORMS[what]
        posted = await self.h.say(self.person, f"meeting {what} {ref}", conversation=self.GENERAL)
        forms = [m for m in posted if self.form.submit in [b["title"] for b in m.buttons]]
        self.card = forms[0] if forms else None
        return bool(forms), seen(" ".join(m.shown for m in posted))

    async def send(self, values: dict[str, str]) -> str:
        assert self.card is not None
        inputs = {k: ",".join(v) if isinstance(v, list) else v for k, v in picked(values).items()}
        response = await self.h.press(self.person, self.card, self.form.submit, inputs)
        if self.form.submit in teams_fake.response_buttons(response):  # the form again, each refusal under its field
            self.card = teams_fake.Posted(self.card.conversation, self.card.id,
                                          {"attachments": [{"content": response["value"]}]}, self.card.thread)
        return teams_fake.response_text(response)

    async def settle(self) -> None:
        await self.h.flush()

    def channel(self) -> str:
        return seen(" ".join(m.shown for m in self.fake.messages if m.conversation == teams_fake.PANEL))

    async def close(self) -> None:
        await self.h.close()
        await self.fake.stop()


class TelegramDriver(Driver):
    """Telegram: one question at a time in the person's chat with the bot, typed or answered with its buttons
    (None for a question that may be skipped), then the answers to check and Schedule meeting."""

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
        await self.h.say(self.api.group(self.GROUP, "Panel"), tg.BEA, "/setup")
        self.question: dict | None = None

    async def _after(self, action: Any) -> dict:
        """What the bot says next in the person's chat after `action`."""
        chat = self.chat["id"]
        before = len(self.api.bot_messages(chat))
        await action()
        await self.api.wait_for(lambda: len(self.api.bot_messages(chat)) > before)
        return self.api.bot_messages(chat)[before]

    async def open(self, who: str, ref: str, what: str = "schedule") -> tuple[bool, str]:
        """The person sends the command, then `/start`: updates are handled one at a time, so once `/start` is
        answered, everything the command said has been said."""
        self.user, self.form = self.PEOPLE[who], FORMS[what]
        self.chat = self.api.chats[self.user["id"]]
        before = len(self.api.bot_messages(self.chat["id"]))
        assert await self.h.post(self.api.text(self.chat, self.user, f"/meeting {what} {ref}")) == 200
        assert await self.h.post(self.api.text(self.chat, self.user, "/start")) == 200
        sentinels = ("Send /help to see the commands", "Your Telegram user id is")
        await self.api.wait_for(lambda: any(s in m.get("text", "") for m in self.api.bot_messages(self.chat["id"])
                                            [before:] for s in sentinels))
        said = [m for m in self.api.bot_messages(self.chat["id"])[before:]
                if not any(s in m.get("text", "") for s in sentinels)]
        questions = [m for m in said if any(f.question in m.get("text", "") for f in self.form.fields)]
        self.question = questions[-1] if questions else None
        return self.question is not None, seen(" ".join(m.get("text", "") for m in said))

    async def send(self, values: dict[str, str]) -> str:
        said: list[str] = []
        asked: set[str] = set()
        while self.question is not None:
            question = self.question
            if f"Please check the {self.form.what}" in question["text"]:  # every question answered: send it
                answer = await self._after(lambda q=question: self.h.press(q, self.user, self.form.submit))
                said.append(answer.get("text", ""))
                refused = any(f.question in answer.get("text", "") for f in self.form.fields)
                self.question = answer if refused else None
                break
            key = key_of(question["text"], "question", self.form.fields)
            if key in asked:  # asked again: the answer was refused
                break
            asked.add(key)
            if values.get(key):
                answer = await self._after(lambda k=key: self.h.say(self.chat, self.user,
                                                                    typed(self.form, k, values[k])))
            else:
                answer = await self._after(lambda q=question: self.h.press(q, self.user, "None"))
            said.append(answer.get("text", ""))
            self.question = answer
        return seen(" ".join(said))

    async def settle(self) -> None:
        assert self.h.pump is not None and self.h.sender is not None
        await self.h.sender.flush()
        await self.h.pump.idle()

    def channel(self) -> str:
        return seen(" ".join(m.get("text") or m.get("caption") or "" for m in self.api.bot_messages(self.GROUP)))

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
        """A new referral, received now (Mon 14 Dec 2026): its meeting's window is Wed 23 Dec to Tue 5 Jan 2027."""
        draft = ReferralDraft(referral_type=self.panel.preset.referral_types[0].id, referrer="Health visitor",
                              category="young person", letter=next(self.letters),
                              summary="Bruising seen at school; family known to services.")
        ref = await self.panel.file_referral(actor=OP, draft=draft)
        await self.platform.settle()
        return ref

    async def meetings(self, ref: str) -> list[Any]:
        return [m for m in await self.panel.list_meetings() if m.reference == ref]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=PLATFORMS)
async def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp(request.param) / 'panel.db'}")
    platform = DRIVERS[request.param]()
    try:
        await upgrade(engine)
        panel = await open_panel(engine, load_preset(PRESET), clock=lambda: NOW)
        await platform.start(panel)
        yield World(platform)
    finally:
        await platform.close()
        await engine.dispose()


def no_failures(caplog: pytest.LogCaptureFixture) -> None:
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not failures, [(r.name, r.getMessage()) for r in failures]


async def test_every_platform_has_the_meeting_form() -> None:
    """The platforms here are those of the all-platform command test (every one people type commands on)."""
    from test_every_command import PLATFORMS as EVERY

    assert set(PLATFORMS) == set(EVERY)


async def test_the_business_manager_schedules_a_meeting_through_the_form(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ref = await world.referral()
    opened, shown = await world.platform.open(BM, ref)
    assert opened, shown
    assert f"{ref} · Young Person" in shown and "when its meeting is held" in shown, shown

    said = await world.platform.send({"date": "30/12/2026", "time": "10:00", "place": "Room 2"})
    assert (f"The rapid review meeting for {ref} is scheduled for Wed 30 Dec 2026, 10:00, Room 2. {WINDOW} "
            "Wed 30 Dec 2026 is inside it.") in said, said
    await world.platform.settle()
    posted = world.platform.channel()
    assert (f"The rapid review meeting for {ref} · Young Person") in posted, posted
    assert ": Wed 30 Dec 2026, 10:00, Room 2. It is quorate with one representative of each statutory partner" \
        in posted, posted
    (meeting,) = await world.meetings(ref)
    assert (meeting.at, meeting.place, meeting.window_override) == (datetime(2026, 12, 30, 10, tzinfo=UTC),
                                                                    "Room 2", None)
    no_failures(caplog)


async def test_a_day_outside_the_window_is_refused_in_the_form_then_held_with_a_reason(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ref = await world.referral()
    opened, shown = await world.platform.open(BM, ref)
    assert opened, shown

    said = await world.platform.send({"date": "2026-12-22", "time": "14:30"})
    assert (f"{WINDOW} Tue 22 Dec 2026 is before the window. Choose a day inside it, or keep this one and give the "
            "reason for holding it then. Nothing was scheduled.") in said, said
    assert "override REASON" not in said and "is scheduled for" not in said, said
    assert await world.meetings(ref) == []

    said = await world.platform.send({"date": "2026-12-22", "time": "14:30",
                                      "override": "the chair is away from 23 Dec"})
    assert f"The rapid review meeting for {ref} is scheduled for Tue 22 Dec 2026, 14:30." in said, said
    assert "Tue 22 Dec 2026 is before the window. Held then anyway: the chair is away from 23 Dec" in said, said
    (meeting,) = await world.meetings(ref)
    assert (meeting.at, meeting.window_override) == (datetime(2026, 12, 22, 14, 30, tzinfo=UTC),
                                                     "the chair is away from 23 Dec")
    async with world.panel.uow() as uow:
        audit = (await uow.session.execute(select(AuditEntry).where(
            AuditEntry.action == "meeting_scheduled", AuditEntry.subject == ref))).scalars().all()
    assert [a.payload["window_override"] for a in audit] == ["the chair is away from 23 Dec"]
    await world.platform.settle()
    assert f"The rapid review meeting for {ref} · Young Person" in world.platform.channel()
    no_failures(caplog)


async def test_a_date_of_birth_in_the_place_is_refused_in_the_form(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ref = await world.referral()
    opened, shown = await world.platform.open(BM, ref)
    assert opened, shown

    said = await world.platform.send({"date": "2027-01-04", "time": "09:30",
                                      "place": "Room 2, the boy born 03/04/2015"})
    assert "The place looks like it contains a date of birth, which is not repeated here." in said, said
    assert "03/04/2015" not in said and "is scheduled for" not in said, said
    assert await world.meetings(ref) == []

    said = await world.platform.send({"date": "2027-01-04", "time": "09:30", "place": "Room 2"})
    assert f"The rapid review meeting for {ref} is scheduled for Mon 4 Jan 2027, 09:30, Room 2." in said, said
    (meeting,) = await world.meetings(ref)
    assert meeting.place == "Room 2"
    no_failures(caplog)


async def test_only_the_business_manager_gets_the_form(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """A panel member who is not the business manager gets the business manager's refusal and no form; someone
    in the chat but not on the panel gets the usual refusal (the terminal has no strangers: whoever types there
    is the operator)."""
    caplog.set_level(logging.INFO)
    ref = await world.referral()
    opened, shown = await world.platform.open(MEMBER, ref)
    assert not opened, shown
    assert "Only the business manager can schedule meetings. Nothing was changed." in shown, shown
    if not isinstance(world.platform, ConsoleDriver):
        opened, shown = await world.platform.open(STRANGER, ref)
        assert not opened, shown
        assert "You are not on this partnership's panel" in shown and ref not in shown, shown
    assert await world.meetings(ref) == []
    no_failures(caplog)


# Moving and cancelling it: `meeting move REF` with no day, `meeting cancel REF` with no reason ------------------------


async def scheduled(world: World) -> str:
    """A new referral whose meeting the business manager has scheduled (typed), for Wed 30 Dec 2026, 10:00, Room 2."""
    ref = await world.referral()
    await world.panel.schedule_meeting(actor=OP, reference=ref, at=datetime(2026, 12, 30, 10, tzinfo=UTC),
                                       place="Room 2")
    await world.platform.settle()
    return ref


async def audited(world: World, action: str, ref: str) -> list[dict]:
    async with world.panel.uow() as uow:
        rows = (await uow.session.execute(select(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.subject == ref))).scalars().all()
    return [a.payload for a in rows]


async def test_the_business_manager_moves_a_meeting_through_the_form(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ref = await scheduled(world)
    opened, shown = await world.platform.open(BM, ref, "move")
    assert opened, shown
    assert f"{ref} · Young Person" in shown, shown
    assert "the rapid review meeting is now on Wed 30 Dec 2026, 10:00, Room 2. Choose its new day and time." in shown

    said = await world.platform.send({"date": "04/01/2027", "time": "14:30"})
    assert (f"The rapid review meeting for {ref} is moved to Mon 4 Jan 2027, 14:30 (was Wed 30 Dec 2026, 10:00). "
            f"{WINDOW} Mon 4 Jan 2027 is inside it.") in said, said
    await world.platform.settle()
    posted = world.platform.channel()
    subject = (await world.panel.card(ref)).subject
    assert (f"The rapid review meeting for {ref} · {subject} is moved from Wed 30 Dec 2026, 10:00 to Mon 4 Jan "
            "2027, 14:30.") in posted, posted
    (meeting,) = await world.meetings(ref)
    assert (meeting.at, meeting.place, meeting.window_override) == (datetime(2027, 1, 4, 14, 30, tzinfo=UTC),
                                                                    "Room 2", None)
    no_failures(caplog)


async def test_a_day_outside_the_window_is_refused_in_the_move_form_and_nothing_moves(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ref = await scheduled(world)
    opened, shown = await world.platform.open(BM, ref, "move")
    assert opened, shown

    said = await world.platform.send({"date": "2027-01-06", "time": "10:00"})
    assert (f"{WINDOW} Wed 6 Jan 2027 is after the window. Choose a day inside it, or keep this one and give the "
            "reason for holding it then. Nothing was moved.") in said, said
    assert "override REASON" not in said and "is moved to" not in said, said
    (meeting,) = await world.meetings(ref)
    assert meeting.at == datetime(2026, 12, 30, 10, tzinfo=UTC)
    assert await audited(world, "meeting_moved", ref) == []

    said = await world.platform.send({"date": "2027-01-06", "time": "10:00", "override": "the police lead is away"})
    assert f"The rapid review meeting for {ref} is moved to Wed 6 Jan 2027, 10:00" in said, said
    assert "Held then anyway: the police lead is away" in said, said
    assert [a["window_override"] for a in await audited(world, "meeting_moved", ref)] == ["the police lead is away"]
    no_failures(caplog)


async def test_the_business_manager_cancels_a_meeting_through_the_form(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ref = await scheduled(world)
    opened, shown = await world.platform.open(BM, ref, "cancel")
    assert opened, shown
    assert "cancel the rapid review meeting on Wed 30 Dec 2026, 10:00, Room 2" in shown, shown

    said = await world.platform.send({"reason": "the family's solicitor, born 03/04/1980"})
    assert "The reason looks like it contains a date of birth, which is not repeated here." in said, said
    assert "03/04/1980" not in said and "is cancelled" not in said, said
    assert len(await world.meetings(ref)) == 1

    said = await world.platform.send({"reason": "the chair is ill"})
    assert f"The rapid review meeting for {ref} on Wed 30 Dec 2026, 10:00 is cancelled." in said, said
    assert await world.meetings(ref) == []
    assert [a["reason"] for a in await audited(world, "meeting_cancelled", ref)] == ["the chair is ill"]
    await world.platform.settle()
    posted = world.platform.channel()
    subject = (await world.panel.card(ref)).subject
    assert f"The rapid review meeting for {ref} · {subject} on Wed 30 Dec 2026, 10:00 is cancelled." in posted, posted
    no_failures(caplog)


async def test_only_the_business_manager_moves_or_cancels_through_a_form(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A member gets the usual refusal and no form; with no meeting scheduled, the business manager gets one
    sentence and no form."""
    caplog.set_level(logging.INFO)
    ref = await world.referral()
    for what in ("move", "cancel"):
        opened, shown = await world.platform.open(BM, ref, what)
        assert not opened, shown
        assert f"No rapid review meeting is scheduled for {ref}; schedule one with " in shown, shown
        assert f"meeting schedule {ref} DATE TIME." in shown, shown  # in the platform's idiom (/panel ...)
    ref = await scheduled(world)
    for what in ("move", "cancel"):
        opened, shown = await world.platform.open(MEMBER, ref, what)
        assert not opened, shown
        assert f"Only the business manager can {what} meetings. Nothing was changed." in shown, shown
    (meeting,) = await world.meetings(ref)
    assert meeting.at == datetime(2026, 12, 30, 10, tzinfo=UTC)
    no_failures(caplog)


# Recording it as held: `meeting held REF` with no roles ------------------------------------------------------------


async def test_the_business_manager_records_a_meeting_held_with_its_decision_through_the_form(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Dudley's rapid review meeting decides the referral: recorded held with all three partners and its decision.
    It was scheduled for a later day, so it is recorded as held now (Mon 14 Dec 2026, 10:00 UK time)."""
    caplog.set_level(logging.INFO)
    ref = await scheduled(world)
    opened, shown = await world.platform.open(BM, ref, "held")
    assert opened, shown
    assert (f"{ref} · Young Person" in shown and "record the rapid review meeting on Wed 30 Dec 2026, 10:00, Room 2 as "
            "held: who attended, and what it decided.") in shown, shown

    said = await world.platform.send({"roles": list(ALL_THREE), "outcome": "cspr",
                                      "reason": "the partners agreed on the learning"})
    assert (f"The rapid review meeting for {ref} is recorded: held Mon 14 Dec 2026, 10:00, attended by Local "
            "authority, Police, Health (ICB) (quorate).") in said, said
    assert (f"Decided at the rapid review meeting for {ref}: Undertake a child safeguarding practice review (attended "
            "by Local authority, Police, Health (ICB)).") in said, said
    card = " ".join(card_lines(await world.panel.card(ref), world.panel.cal)).replace("**", "")
    assert "Decided: Undertake a child safeguarding practice review (Mon 14 Dec 2026, 10:00)" in card, card
    assert ("Decided by the rapid review meeting (attended by Local authority, Police, Health (ICB)). Reason: the "
            "partners agreed on the learning") in card, card
    (held,) = await audited(world, "meeting_held", ref)
    assert (held["attended"], held["quorate"]) == (list(ALL_THREE), True)
    assert await world.meetings(ref) == []  # held: no longer among the meetings to come
    no_failures(caplog)


async def test_a_meeting_not_quorate_is_recorded_as_not_quorate_through_the_form(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Without health and without a reason to count it, the meeting is recorded as not quorate and decides nothing
    (refused with a decision: tests/unit/test_meeting_form_rules.py)."""
    caplog.set_level(logging.INFO)
    ref = await scheduled(world)
    opened, shown = await world.platform.open(BM, ref, "held")
    assert opened, shown

    said = await world.platform.send({"roles": ["local_authority", "police"]})
    assert (f"The rapid review meeting for {ref} on Mon 14 Dec 2026, 10:00 is recorded as not quorate (attended: Local "
            "authority, Police; still needed: Health (ICB)). It does not count as the rapid review meeting; to count "
            "it anyway, record it again with the reason to count it.") in said, said
    (held,) = await audited(world, "meeting_held", ref)
    assert (held["attended"], held["quorate"], held["quorum_override"]) == (["local_authority", "police"], False, None)
    assert (await world.panel.card(ref)).status == "with_panel"  # it decided nothing
    no_failures(caplog)


async def test_only_the_business_manager_records_a_meeting_through_a_form(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A member gets the usual refusal and no form; with no meeting scheduled, the business manager gets one
    sentence and no form."""
    caplog.set_level(logging.INFO)
    ref = await world.referral()
    opened, shown = await world.platform.open(BM, ref, "held")
    assert not opened, shown
    assert f"No rapid review meeting is scheduled for {ref}; schedule one with " in shown, shown
    ref = await scheduled(world)
    opened, shown = await world.platform.open(MEMBER, ref, "held")
    assert not opened, shown
    assert "Only the business manager can record meetings. Nothing was changed." in shown, shown
    assert await audited(world, "meeting_held", ref) == []
    no_failures(caplog)
