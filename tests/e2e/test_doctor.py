"""`panelbot doctor` against the fake Slack, Telegram Bot API and Entra token service, all on 127.0.0.1.

A good set-up: Slack, Telegram (webhook mode) and Teams switched on, the panel channel on Slack and Telegram,
the BM's chat on Teams, a member for every voting role, a channel for every agency, strong secrets. Every
check passes and the command exits 0. Then one thing at a time is broken, as an operator meets it: a revoked
token on each platform, the bot not in its channel, a role with nobody to vote, a weak secret, a webhook
Telegram does not have. Each is a ✗ line naming the part and the fix, the command exits 1, and no secret's
value is ever in the output, text or JSON.

The command runs through typer's CliRunner in a worker thread (it calls asyncio.run itself), while the fakes
keep answering on the test's own event loop.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import msal.application
import msal.authority
import pytest
from microsoft_agents.activity import ChannelAccount, ConversationAccount, ConversationReference
from microsoft_agents.hosting.core.app.proactive import Conversation
from typer.testing import CliRunner

from bot.cli import app
from bot.service import Actor
from bot.service.bootstrap import open_panel
from bot.teams.store import DatabaseStorage
from flows.preset import load_preset
from storage.db import make_engine, upgrade

HERE = Path(__file__).resolve().parent
for _sub in ("slack", "telegram", "teams"):
    if str(HERE / _sub) not in sys.path:
        sys.path.append(str(HERE / _sub))

import fake_bot_api  # noqa: E402
import slack_fake  # noqa: E402
import teams_fake  # noqa: E402

PANEL_GROUP = -1001234567890
BM_CHAT = "a:1bm-personal-chat"
CLIENT_ID = "6c0f3d2e-8a1b-4c5d-9e7f-0a1b2c3d4e5f"
TEAMS_SECRET = "Entra~client.secret_value-0123456789abcdef"
WEBHOOK_URL = "https://panel.example.org/telegram/webhook"
WEBHOOK_SECRET = "w3bhook-Secret_that-is-long-enough-0123456789"
CALENDAR_TOKEN = "cal-Token_0123456789abcdefghijklmnopqrstuv"
DB_PASSWORD = "pg-Passw0rd-never-shown"
SECRETS = (slack_fake.SECRET, "xoxb-test-token", fake_bot_api.TOKEN, TEAMS_SECRET, WEBHOOK_SECRET, CALENDAR_TOKEN)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MARK = {"✓": "ok", "✗": "fail", "–": "not set up"}


class World:
    """The fakes, a migrated database with a set-up panel, and the environment a good deployment has."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.slack = slack_fake.FakeSlack()
        self.telegram = fake_bot_api.FakeBotAPI()
        self.entra = teams_fake.FakeEntra(tmp)
        self.url = f"sqlite+aiosqlite:///{tmp / 'panel.db'}"
        self.env: dict[str, str] = {}
        self.panel = None

    async def start(self) -> World:
        await self.slack.start()
        await self.telegram.start()
        await self.entra.start()
        self.entra.register(CLIENT_ID, TEAMS_SECRET)
        self.telegram.group(PANEL_GROUP, "Salford panel")
        self.telegram.webhook = {"url": WEBHOOK_URL, "secret_token": WEBHOOK_SECRET, "allowed": []}
        self.env = {
            "PANELBOT_DATABASE_URL": self.url,
            "PANELBOT_PRESET": "salford",
            "PANELBOT_CALENDAR_TOKEN": CALENDAR_TOKEN,
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": slack_fake.SECRET,
            "SLACK_API_URL": self.slack.api_url,
            "TELEGRAM_BOT_TOKEN": fake_bot_api.TOKEN,
            "TELEGRAM_API_URL": self.telegram.url,
            "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": CLIENT_ID,
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET": TEAMS_SECRET,
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": teams_fake.TENANT,
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHORITY": self.entra.authority,
            "REQUESTS_CA_BUNDLE": str(self.entra.ca_file),  # MSAL (requests) trusts the fake Entra's certificate
        }
        engine = make_engine(self.url)
        await upgrade(engine)
        self.engine = engine
        preset = load_preset("salford")
        self.panel = panel = await open_panel(engine, preset)
        op = Actor.operator()
        for i, role in enumerate(preset.voting_roles):
            await panel.add_member(actor=op, name=f"Member {i}", role=role, ids=[f"slack:U0VOTER{i}"])
        await panel.set_channel(actor=op, purpose="panel", platform_id="slack:C0PANEL")
        await panel.set_channel(actor=op, purpose="panel", platform_id=f"telegram:{PANEL_GROUP}")
        await panel.set_channel(actor=op, purpose="bm", platform_id=f"teams:{BM_CHAT}")
        for agency in preset.agencies:
            await panel.set_channel(actor=op, purpose=f"agency:{agency.id}", platform_id=f"slack:C0{agency.id.upper()}")
        # What the Teams adapter stores when the BM first talks to the bot in their 1:1 chat.
        reference = ConversationReference(
            conversation=ConversationAccount(id=BM_CHAT, conversation_type="personal", tenant_id=teams_fake.TENANT),
            bot=ChannelAccount(id=teams_fake.BOT["id"], name="Panelbot"),
            user=ChannelAccount(id="29:1bea-teams-id", aad_object_id="00000001-0000-4000-8000-000000000001"),
            channel_id="msteams",
            service_url="https://smba.trafficmanager.net/uk/",
        )
        await DatabaseStorage(panel).write({f"conversation/{BM_CHAT}": Conversation({}, reference)})
        return self

    async def stop(self) -> None:
        await self.slack.stop()
        await self.telegram.stop()
        await self.entra.stop()
        await self.engine.dispose()

    async def doctor(self, *args: str, **changes: str | None) -> tuple[int, str]:
        env = {**self.env, **changes}
        env = {k: v for k, v in env.items() if v is not None}
        result = await asyncio.to_thread(CliRunner().invoke, app, ["doctor", *args], env=env)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        output = ANSI.sub("", result.output)
        assert "Traceback" not in output
        for secret in (*SECRETS, DB_PASSWORD):
            assert secret not in output, f"a secret was printed: {secret[:4]}…"
        return result.exit_code, output


def lines(output: str) -> dict[str, tuple[str, str]]:
    """check name -> (status, the rest of the line), from the text output."""
    out = {}
    for line in output.splitlines():
        if line[:1] in MARK and ": " in line:
            name, _, rest = line[2:].partition(": ")
            out[name] = (MARK[line[0]], rest)
    return out


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    for name in ("SLACK_APP_TOKEN", "PANELBOT_CONFIG", "PANELBOT_TIMEZONE",
                 "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED",
                 "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE"):
        monkeypatch.delenv(name, raising=False)
    w = await World(tmp_path).start()
    # MSAL asks Microsoft's instance discovery service (at login.microsoftonline.com) about an authority it
    # does not know; the fake Entra answers that too, in its place.
    discovery = f"{w.entra.base}/common/discovery/instance"
    for module in (msal.authority, msal.application):
        monkeypatch.setattr(module, "_get_instance_discovery_endpoint", lambda _instance: discovery)
    yield w
    await w.stop()


async def test_a_good_set_up_passes_every_check(world: World) -> None:
    code, output = await world.doctor()
    found = lines(output)
    assert code == 0, output
    assert [n for n, (s, _) in found.items() if s == "fail"] == [], output
    for name in ("Settings", "Database", "Preset", "Platforms", "Slack", "Telegram", "Telegram webhook", "Teams",
                 "Panel channel (slack:C0PANEL)", f"Panel channel (telegram:{PANEL_GROUP})",
                 f"BM channel (teams:{BM_CHAT})", "Voting roles", "Agencies", "PANELBOT_CALENDAR_TOKEN",
                 "TELEGRAM_WEBHOOK_SECRET", "SLACK_SIGNING_SECRET", "TELEGRAM_WEBHOOK_URL"):
        assert found.get(name, ("missing",))[0] == "ok", (name, output)
    assert "Ready: nothing failed." in output
    # It asked each platform, as the brief says: Slack auth.test and conversations.info, Telegram getMe,
    # getWebhookInfo, getChat and getChatMember, and Entra a token for the app.
    assert world.slack.called("auth.test") and world.slack.called("conversations.info")
    asked = {m for m, _ in world.telegram.calls}
    assert {"getMe", "getWebhookInfo", "getChat", "getChatMember"} <= asked
    assert any(path.endswith("/oauth2/v2.0/token") and form.get("client_id") == CLIENT_ID
               for path, form in world.entra.requests)
    # A secret is shown only as set, with a short fingerprint.
    assert re.search(r"token set \(sha256 [0-9a-f]{4}…\)", found["Slack"][1])

    code, text = await world.doctor("--json")
    assert code == 0
    rows = json.loads(text)
    assert all(set(r) == {"check", "status", "detail", "fix"} for r in rows)
    assert {r["status"] for r in rows} <= {"ok", "not set up"}
    assert [r["check"] for r in rows] == list(found)  # the same checks, in the same order


@pytest.mark.parametrize(
    ("platform", "line", "said", "fix"),
    [
        ("slack", "Slack", "Slack refused SLACK_BOT_TOKEN", "Reinstall the Slack app"),
        ("telegram", "Telegram", "Telegram refused TELEGRAM_BOT_TOKEN", "Ask @BotFather"),
        ("teams", "Teams", "Entra refused the app's client secret", "Create a new client secret"),
    ],
)
async def test_a_revoked_token_is_named_with_its_fix(world: World, platform: str, line: str, said: str,
                                                     fix: str) -> None:
    {"slack": world.slack.revoke, "telegram": world.telegram.revoke,
     "teams": lambda: world.entra.revoke(CLIENT_ID)}[platform]()
    code, output = await world.doctor()
    found = lines(output)
    assert code == 1
    status, rest = found[line]
    assert status == "fail" and said in rest and f"Fix: {fix}" in rest, output
    failed = [n for n, (s, _) in found.items() if s == "fail"]
    assert failed == [line], output  # only the broken part is ✗ (its channels are "not checked")

    code, text = await world.doctor("--json")
    rows = {r["check"]: r for r in json.loads(text)}
    assert code == 1 and rows[line]["status"] == "fail" and rows[line]["fix"].startswith(fix)


async def test_a_bot_not_in_its_channel(world: World) -> None:
    await world.panel.set_channel(actor=Actor.operator(), purpose="panel", platform_id="slack:C0NOTINPANEL")
    world.telegram.leave(PANEL_GROUP)
    code, output = await world.doctor()
    found = lines(output)
    assert code == 1
    status, rest = found["Panel channel (slack:C0NOTINPANEL)"]
    assert status == "fail" and "the bot is not in #notinpanel" in rest and "/invite" in rest, output
    status, rest = found[f"Panel channel (telegram:{PANEL_GROUP})"]
    assert status == "fail" and "not a member of \"Salford panel\"" in rest and "Add the bot" in rest, output


async def test_a_voting_role_with_no_member(world: World) -> None:
    preset = world.panel.preset
    first, second = preset.voting_roles[:2]
    members = await world.panel.list_members()
    await world.panel.remove_member(actor=Actor.operator(), name=next(m.name for m in members if m.role == first))
    # A member whose only id is on a platform that is not switched on cannot vote either.
    await world.panel.remove_member(actor=Actor.operator(), name=next(m.name for m in members if m.role == second))
    await world.panel.add_member(actor=Actor.operator(), name="Hal", role=second, ids=["console:hal"])
    code, output = await world.doctor()
    status, rest = lines(output)["Voting roles"]
    assert code == 1 and status == "fail", output
    assert preset.role_label(first) in rest and preset.role_label(second) in rest
    assert f"panelbot member add NAME --role {first}" in rest
    others = [preset.role_label(r) for r in preset.voting_roles[2:]]
    assert not any(label in rest for label in others), rest


async def test_a_weak_secret(world: World) -> None:
    weak = "short-secret-123"
    code, output = await world.doctor(TELEGRAM_WEBHOOK_SECRET=weak)
    status, rest = lines(output)["TELEGRAM_WEBHOOK_SECRET"]
    assert code == 1 and status == "fail" and "too weak" in rest and "32 or more" in rest, output
    assert weak not in output
    code, text = await world.doctor("--json", TELEGRAM_WEBHOOK_SECRET=weak)
    assert code == 1 and weak not in text


async def test_a_webhook_telegram_does_not_have_and_a_plain_http_address(world: World) -> None:
    world.telegram.webhook = None  # the bot has never been started with this URL
    code, output = await world.doctor(TELEGRAM_WEBHOOK_URL="http://panel.example.org/telegram/webhook")
    found = lines(output)
    assert code == 1
    status, rest = found["Telegram webhook"]
    assert status == "fail" and "delivers updates nowhere" in rest and "panelbot run" in rest, output
    status, rest = found["TELEGRAM_WEBHOOK_URL"]
    assert status == "fail" and "is not https" in rest, output


async def test_a_database_behind_its_migrations_and_no_secret_in_its_url(world: World) -> None:
    code, output = await world.doctor(
        PANELBOT_DATABASE_URL=f"postgresql+psycopg://panel:{DB_PASSWORD}@127.0.0.1:1/panel?connect_timeout=2"
    )
    status, rest = lines(output)["Database"]
    assert code == 1 and status == "fail" and "PANELBOT_DATABASE_URL" in rest, output
    assert lines(output)["Voting roles"][0] == "not set up"  # not checked without a database
