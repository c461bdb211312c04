"""Every registered platform against the platform contract (bot/platforms.py), one test each, parametrised over
the registry: a new platform is checked by construction, and a registered platform without a harness here
fails `test_every_registered_platform_has_a_harness`.

For each platform, built exactly as `serve()` builds it (`Platform.build` from settings pointing at its fake
server on 127.0.0.1), mounted on the bot's web server and started:

* its name is its folder's, its settings switch it on, and empty settings do not;
* every route it adds answers junk from a stranger with a 4xx, never a 5xx;
* a Salford panel on that platform alone does what produces every kind of outbox message (`OUTBOX_KINDS`:
  a referral card, card updates, a decision, an escalation, notices, an information request, reminders),
  and its adapter delivers every one of them to the fake: nothing left unsent, no error recorded.

What people see on each platform (help listing every command, a stranger refused, forms) is checked for every
shared command on every platform by tests/e2e/test_every_command.py and tests/integration/test_access_matrix.py.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.notify import OUTBOX_KINDS, OutboxPump, Sender
from bot.platforms import REGISTRY, platform_classes, platform_names
from bot.server import make_app, make_runner
from bot.service import Actor, Panel
from bot.settings import Settings
from flows.referrals import ReferralDraft
from storage.models import OutboxMessage

HERE = Path(__file__).resolve().parent
for sub in ("slack", "telegram", "teams", "mail"):
    if str(HERE / sub) not in sys.path:
        sys.path.append(str(HERE / sub))

OP = Actor.operator()
MEMBERS = [("Ann", "independent_adviser"), ("Cat", "chair"), ("Dan", "deputy_chair"), ("Bea", "business_manager")]
JUNK: list[tuple[bytes, dict[str, str]]] = [
    (b"", {}),
    (b"{}", {"Content-Type": "application/json"}),
    (b"payload=%7B%22type%22%3A%22block_actions%22%7D", {"Content-Type": "application/x-www-form-urlencoded"}),
    (b"[" * 5000, {"Content-Type": "application/json"}),
    (b"\xff\xfe\x00garbage", {"Content-Type": "application/json; charset=x-bogus"}),
    (b"x" * 300_000, {"Content-Type": "text/plain"}),
]


class Harness:
    """One platform's fake server, the settings that point the bot at it, and where its people and chats are."""

    name = ""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...

    def env(self) -> dict[str, str]:
        raise NotImplementedError

    def member_id(self, name: str) -> str:
        raise NotImplementedError

    async def channels(self, panel: Panel, url: str, http: aiohttp.ClientSession) -> None:
        """Make the panel channel, the business manager's and the police's channel places on this platform."""
        raise NotImplementedError


class SlackHarness(Harness):
    name = "slack"

    def __init__(self) -> None:
        slack_fake = importlib.import_module("slack_fake")
        self.mod = slack_fake
        self.fake = slack_fake.FakeSlack()

    async def start(self) -> None:
        await self.fake.start()

    async def stop(self) -> None:
        await self.fake.stop()

    def env(self) -> dict[str, str]:
        return {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": self.mod.SECRET,
                "SLACK_API_URL": self.fake.api_url}

    def member_id(self, name: str) -> str:
        return f"slack:U0{name.upper()}"

    async def channels(self, panel: Panel, url: str, http: aiohttp.ClientSession) -> None:
        places = (("panel", self.mod.PANEL_CHANNEL), ("bm", "D0BEA"), ("agency:police", "C0POLICE"),
                  ("agency:police:lead", "C0POLICELEAD"))
        for purpose, channel in places:
            await panel.set_channel(actor=OP, purpose=purpose, platform_id=f"slack:{channel}")


class TelegramHarness(Harness):
    name = "telegram"
    GROUP, POLICE, LEAD = -1001234567890, -1009876543210, -1005555555555

    def __init__(self) -> None:
        fake_bot_api = importlib.import_module("fake_bot_api")
        self.mod = fake_bot_api
        self.api = fake_bot_api.FakeBotAPI()
        self.url = ""
        self.people = {name: {"id": 3001 + i, "is_bot": False, "first_name": name} for i, (name, _) in
                       enumerate(MEMBERS)}

    async def start(self) -> None:
        self.url = await self.api.start()
        self.api.group(self.GROUP, "Salford panel")
        self.api.group(self.POLICE, "Police liaison")
        self.api.group(self.LEAD, "Police safeguarding lead")
        for person in self.people.values():
            self.api.private(person)  # each pressed Start, so the bot may write to them

    async def stop(self) -> None:
        await self.api.stop()

    def env(self) -> dict[str, str]:
        return {"TELEGRAM_BOT_TOKEN": self.mod.TOKEN, "TELEGRAM_API_URL": self.url,
                "TELEGRAM_WEBHOOK_URL": "https://panel.example.org", "TELEGRAM_WEBHOOK_SECRET": "contract-secret"}

    def member_id(self, name: str) -> str:
        return f"telegram:{self.people[name]['id']}"

    async def channels(self, panel: Panel, url: str, http: aiohttp.ClientSession) -> None:
        places = (("panel", self.GROUP), ("bm", self.people["Bea"]["id"]), ("agency:police", self.POLICE),
                  ("agency:police:lead", self.LEAD))
        for purpose, chat in places:
            await panel.set_channel(actor=OP, purpose=purpose, platform_id=f"telegram:{chat}")


class TeamsHarness(Harness):
    name = "teams"

    def __init__(self) -> None:
        teams_fake = importlib.import_module("teams_fake")
        self.mod = teams_fake
        self.fake = teams_fake.FakeConnector()
        self.people = {name: teams_fake.person(name) for name, _ in MEMBERS}

    async def start(self) -> None:
        await self.fake.start()
        self.fake.join(self.mod.PANEL, *self.people.values())
        self.fake.join(self.mod.AGENCY_CHAT, self.people["Bea"])

    async def stop(self) -> None:
        await self.fake.stop()

    def env(self) -> dict[str, str]:
        return {"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED": "true"}

    def member_id(self, name: str) -> str:
        return f"teams:{self.people[name].aad}"

    async def channels(self, panel: Panel, url: str, http: aiohttp.ClientSession) -> None:
        # As on Teams: the business manager types `setup` where each place is, so the bot keeps the conversation
        # it will post to. The in-process harness only builds the activities; they go to the platform under test.
        builder = self.mod.Harness(panel, self.fake)
        bea = self.people["Bea"]
        lead = "19:police-lead@thread.v2"
        self.fake.join(lead, bea)
        steps = (("setup", "channel", None), ("setup bm", "personal", None),
                 ("setup agency:police", "groupChat", None), ("setup agency:police:lead", "groupChat", lead))
        for text, where, conversation in steps:
            activity = builder.message(bea, text, where, conversation)
            async with http.post(f"{url}/api/messages", json=activity) as response:
                assert response.status in (200, 202), await response.text()


class EmailHarness(Harness):
    """Email against a real SMTP server (aiosmtpd on 127.0.0.1). It only delivers: people do not type to it
    (its inbound side is the pages its links open, docs/email-pages.md), so it has no panel room, and the
    panel's messages go to each member with an address."""

    name = "email"

    def __init__(self) -> None:
        self.relay = importlib.import_module("smtp_fake").FakeRelay()

    async def start(self) -> None:
        await self.relay.start()

    async def stop(self) -> None:
        await self.relay.stop()

    def env(self) -> dict[str, str]:
        return {"PANELBOT_SMTP_URL": self.relay.url, "PANELBOT_LINK_SECRET": "contract-" + "s" * 40,
                "PANELBOT_SMTP_RATE": "100000"}

    def member_id(self, name: str) -> str:
        return f"email:{name.lower()}@members.example"

    async def channels(self, panel: Panel, url: str, http: aiohttp.ClientSession) -> None:
        places = (("bm", "bea@partnership.example"), ("agency:police", "safeguarding@police.example"),
                  ("agency:police:lead", "lead@police.example"))
        for purpose, address in places:
            await panel.set_channel(actor=OP, purpose=purpose, platform_id=f"email:{address}")


HARNESSES: dict[str, type[Harness]] = {"slack": SlackHarness, "telegram": TelegramHarness, "teams": TeamsHarness,
                                       "email": EmailHarness}


def test_every_registered_platform_has_a_harness() -> None:
    registered = {cls.name for cls in platform_classes()}
    assert registered == set(HARNESSES), f"a platform without a contract harness: {registered - set(HARNESSES)}"
    assert set(platform_names()) == registered | {"console"}
    for entry, cls in zip(REGISTRY, platform_classes(), strict=True):
        assert entry.split(".")[1] == cls.name  # the folder is named as the platform


class DownOnly:
    """The panel as an adapter may see it while delivering: its clock, calendar and words, nothing it reads
    from the record (a call back into the service would render a card again, once per platform)."""

    ALLOWED = frozenset({"now", "cal", "preset", "fmt", "practice", "partnership_id"})

    def __init__(self, panel: Panel) -> None:
        self._panel = panel

    def __getattr__(self, name: str) -> Any:
        if name not in self.ALLOWED:
            raise AssertionError(f"an adapter called back into the service while delivering: panel.{name}")
        return getattr(self._panel, name)


@pytest.fixture(params=list(HARNESSES))
async def running(request: pytest.FixtureRequest, make_panel: Any) -> AsyncIterator[tuple[Any, Panel, Harness]]:
    harness = HARNESSES[request.param]()
    await harness.start()
    panel: Panel = await make_panel("salford")
    settings = Settings(_env_file=None, **harness.env())  # type: ignore[call-arg]
    cls = next(c for c in platform_classes() if c.name == harness.name)
    pump = OutboxPump(Sender(panel, []))
    platform = cls.build(panel, settings, pump)
    web_app = make_app(panel)
    before = {r.canonical for r in web_app.router.resources()}
    platform.add_routes(web_app)
    runner = make_runner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    web_app_url = f"http://{host}:{port}"
    added = sorted({r.canonical for r in web_app.router.resources()} - before)
    await platform.start()
    try:
        yield (platform, panel, harness), web_app_url, added, settings, cls  # type: ignore[misc]
    finally:
        await platform.stop(1.0)
        await runner.cleanup()
        await harness.stop()


async def test_the_platform_is_switched_on_by_its_settings_only(running) -> None:  # type: ignore[no-untyped-def]
    (platform, _, harness), _, _, settings, cls = running
    assert platform.name == harness.name == cls.name
    assert cls.enabled(settings) and not cls.enabled(Settings(_env_file=None))  # type: ignore[call-arg]
    assert platform.adapter.platform == cls.name and platform.adapter.target_interval >= 0


async def test_its_routes_answer_a_stranger_s_junk_with_a_4xx(running) -> None:  # type: ignore[no-untyped-def]
    _, url, added, _, cls = running
    # A platform that only delivers (email) needs no route to send; any route it adds is checked all the same.
    assert added or getattr(cls, "delivery_only", False), "the platform adds no route"
    async with aiohttp.ClientSession() as http:
        for path in added:
            sub = "/api" + path if not path.startswith(("/slack", "/telegram", "/api")) else path
            for body, headers in JUNK:
                async with http.post(url + sub, data=body, headers=headers) as response:
                    assert 400 <= response.status < 500, (path, body[:40], response.status)


async def test_it_delivers_every_kind_of_message_the_service_produces(running, clock) -> None:  # type: ignore[no-untyped-def]
    (platform, panel, harness), url, _, _, _ = running
    for name, role in MEMBERS:
        await panel.add_member(actor=OP, name=name, role=role, ids=[harness.member_id(name)])
    async with aiohttp.ClientSession() as http:
        await harness.channels(panel, url, http)
    sender = Sender(panel, [platform.adapter])
    # Delivery only goes down (issue 19, point 4): the Sender renders each change once and hands it over; the
    # adapter formats it with the panel's clock, calendar and preset, and never reads the record itself.
    platform.adapter.panel = DownOnly(panel)
    ann, cat, dan = [await panel.actor_named(n) for n in ("Ann", "Cat", "Dan")]

    def draft(letter: str) -> ReferralDraft:
        return ReferralDraft(referral_type="rapid_review", referrer="Police", category="young person", letter=letter,
                             summary="Injuries seen at school; the family is known to services.")

    decided = await panel.file_referral(actor=OP, draft=draft("C"))  # a referral card
    await panel.vote(actor=ann, reference=decided, outcome="commence_rapid_review", reason="")  # card update
    await panel.recuse(actor=dan, reference=decided, reason="I know the family")
    await panel.vote(actor=cat, reference=decided, outcome="commence_rapid_review", reason="")  # a decision
    await panel.send_requests(actor=OP, reference=decided, agencies=["police"])  # an information request
    await sender.flush()
    escalated = await panel.file_referral(actor=OP, draft=draft("E"))
    clock.advance(days=3)
    assert escalated in await panel.check_deadlines()  # nobody voted: escalated to the Independent Adviser
    clock.advance(days=6)
    assert await panel.run_reminders() >= 1  # the police's return: reminded, then overdue

    async def deliver() -> None:
        """Flush until every row is sent: a slow answer on a loaded machine puts a row back with a backoff, so
        time moves on (two minutes a round) until it goes, as the running bot's flushes would."""
        for _ in range(30):
            await sender.flush()
            clock.advance(minutes=2)
            async with panel.uow() as uow:
                pending = (await uow.session.execute(
                    select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None)))).first()
            if pending is None:
                return

    await deliver()
    await panel.mark_returned(actor=OP, reference=decided, agency="police")  # a notice to the business manager
    await deliver()
    async with panel.uow() as uow:
        rows = list((await uow.session.execute(select(OutboxMessage))).scalars())
    assert {row.kind for row in rows} == set(OUTBOX_KINDS), "the scenario no longer makes every kind"
    unsent = [(row.kind, row.purpose, row.last_error) for row in rows if row.sent_at is None or row.last_error]
    assert unsent == [], unsent
    assert all(row.delivered_to for row in rows), [(r.kind, r.purpose) for r in rows if not r.delivered_to]
    assert timedelta(0) <= clock.now - rows[0].created_at
