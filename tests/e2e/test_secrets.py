"""Secrets never show: not in `repr(settings)` or any config built from it, not in an error message, not in a
log line at DEBUG, when the database or a platform refuses.

Every secret is set to a recognisable value (`SECRETS`). The platforms are pointed at a local server that
refuses everything, the way a revoked token is refused; the database is PostgreSQL (when the tests have
one) with a password in its URL and a database that does not exist. Logging is set up as `panelbot run`
sets it (`bot.cli.configure_logging`), with every logger captured at DEBUG.

tests/integration/test_cli.py already checks `repr(settings)` for the Slack and Telegram tokens and a refused
connection to port 1; this file adds the other secrets, the objects built from the settings, refused
platform calls and a real database refusal, and a whole start at DEBUG with every platform configured
(Telegram in webhook mode, Slack in Socket Mode and over HTTP, Teams, the calendar feed, the database
password in its URL), each route used once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from bot.app import serve
from bot.cli import app as cli_app
from bot.cli import configure_logging
from bot.notify import Outgoing, Sender
from bot.server import make_app
from bot.service import Actor
from bot.settings import Settings
from bot.slack.app import SlackBot, SlackConfig
from flows.errors import PanelError

PG_URL = os.environ.get("PANELBOT_TEST_DATABASE_URL", "")
DB_PASSWORD = "db-Pa55word-7Qx"
SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-0000-slack-bot-token-7Qx",
    "SLACK_SIGNING_SECRET": "slack-signing-secret-7Qx",
    "SLACK_APP_TOKEN": "xapp-slack-app-token-7Qx",
    "TELEGRAM_BOT_TOKEN": "123456:telegram-bot-token-7Qx",
    "TELEGRAM_WEBHOOK_SECRET": "telegram-webhook-secret-7Qx",
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET": "teams-client-secret-7Qx",
    "PANELBOT_CALENDAR_TOKEN": "calendar-token-0123456789abcdef-7Qx",
}
# What must never appear: each secret, and the part of each that is not a common prefix.
NEVER = [*SECRETS.values(), DB_PASSWORD, "7Qx"]


def assert_no_secret(text: str, where: str) -> None:
    for secret in NEVER:
        assert secret not in text, f"{secret!r} appears in {where}: {text[:500]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(params=["text", "json"])
def logs(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture):  # type: ignore[no-untyped-def]
    """Logging as `panelbot run` configures it, everything captured at DEBUG; the text of every record, or with
    PANELBOT_LOG_FORMAT=json every line as the JSON formatter writes it (bot/logging_json.py)."""
    names = ("apscheduler", "alembic", "aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "psycopg", "aiohttp.access",
             "httpx")
    levels = {n: logging.getLogger(n).level for n in names}
    caplog.set_level(logging.DEBUG)
    handlers = {h: (h.formatter, list(h.filters)) for h in logging.getLogger().handlers}
    configure_logging("DEBUG", request.param)

    def text() -> str:
        if request.param == "json":
            lines = [caplog.handler.format(r) for r in caplog.records]
            assert all(isinstance(json.loads(line), dict) for line in lines)
            return "\n".join(lines)
        return "\n".join(
            f"{r.name} {r.getMessage()} {r.exc_text or ''} "
            f"{logging.Formatter().formatException(r.exc_info) if r.exc_info else ''}"
            for r in caplog.records
        )

    text.format = request.param  # type: ignore[attr-defined]
    yield text
    for n, level in levels.items():
        logging.getLogger(n).setLevel(level)
    for h, (formatter, filters) in handlers.items():
        h.setFormatter(formatter)
        h.filters[:] = filters


@pytest.fixture
async def refusing() -> AsyncIterator[str]:
    """A platform API on 127.0.0.1 that refuses every call, as Slack and Telegram refuse a revoked token."""
    calls: list[str] = []

    async def refuse(request: web.Request) -> web.Response:
        calls.append(request.path)
        if request.path.startswith("/bot"):
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        return web.json_response({"ok": False, "error": "invalid_auth"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
    assert calls, "nothing called the refusing server"


def all_settings(tmp_path: Path, api: str = "http://127.0.0.1:9", **extra: str) -> Settings:
    values = {
        "PANELBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
        "PANELBOT_HTTP_PORT": str(free_port()),
        "SLACK_API_URL": f"{api}/slack/",
        "TELEGRAM_API_URL": api,
        "TEAMS_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
        "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": "00000000-0000-0000-0000-000000000002",
        **SECRETS,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_settings_and_every_config_built_from_them_hide_the_secrets(tmp_path: Path) -> None:
    pg = f"postgresql+psycopg://panelbot:{DB_PASSWORD}@db.internal:5432/panel"
    settings = all_settings(tmp_path, PANELBOT_DATABASE_URL=pg)
    assert settings.telegram.webhook_secret is not None
    assert settings.telegram.webhook_secret.get_secret_value() == SECRETS["TELEGRAM_WEBHOOK_SECRET"]
    assert DB_PASSWORD in settings.database_url.get_secret_value()
    for shown in (repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump())):
        assert_no_secret(shown, "the settings")
    slack = SlackConfig.from_settings(settings)
    assert slack is not None and slack.bot_token == SECRETS["SLACK_BOT_TOKEN"]
    assert_no_secret(repr(slack), "repr(SlackConfig)")
    assert_no_secret(str(make_url(settings.database_url.get_secret_value())), "the database URL as SQLAlchemy shows it")


async def test_refused_platform_calls_never_show_a_token(tmp_path: Path, refusing: str, logs, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    # Telegram refuses the token at start: `panelbot run` stops with one sentence, no token in it.
    with pytest.raises(PanelError) as stopped:
        await serve(all_settings(tmp_path, refusing), console_mode=False)
    assert "TELEGRAM_BOT_TOKEN" in str(stopped.value)
    assert_no_secret(str(stopped.value), "the error message")
    assert_no_secret(repr(stopped.value), "the error's repr")

    # Slack refuses a message: the adapter's error and the sender's log name the failure, not the token.
    settings = all_settings(tmp_path, refusing, TELEGRAM_BOT_TOKEN="")
    from bot.service.bootstrap import open_panel
    from flows.preset import load_preset
    from storage.db import make_engine, upgrade

    engine = make_engine(settings.database_url.get_secret_value())
    try:
        await upgrade(engine)
        panel = await open_panel(engine, load_preset("salford"))
        await panel.set_channel(actor=Actor.operator(), purpose="bm", platform_id="slack:C-BM")
        config = SlackConfig.from_settings(settings)
        assert config is not None
        bot = SlackBot(panel, config)
        with pytest.raises(Exception) as refused:
            await bot.adapter.deliver("C-BM", Outgoing(kind="notice", purpose="bm", text="hello"), None)
        assert_no_secret(str(refused.value), "Slack's error")
        assert_no_secret(repr(refused.value), "Slack's error repr")
        # Through the outbox: one notice for the BM, delivered by the sender, refused by Slack.
        async with panel.uow() as uow:
            panel.notice(uow, "bm", "A notice for the business manager.")
            await uow.commit()
        await Sender(panel, [bot.adapter]).flush()
    finally:
        await engine.dispose()
    text = logs()
    assert "delivery of outbox" in text  # the failure was logged, and below, without the token
    assert_no_secret(text, "the logs")


async def test_the_calendar_feed_token_is_not_logged(tmp_path: Path, logs) -> None:
    from bot.service.bootstrap import open_panel
    from flows.preset import load_preset
    from storage.db import make_engine, upgrade

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    token = SECRETS["PANELBOT_CALENDAR_TOKEN"]
    try:
        await upgrade(engine)
        panel = await open_panel(engine, load_preset("salford"))
        async with TestClient(TestServer(make_app(panel, calendar_token=token))) as client:
            ok = await client.get(f"/calendar/{token}.ics")
            assert ok.status == 200 and "BEGIN:VCALENDAR" in await ok.text()
            wrong = await client.get(f"/calendar/{token[:-1]}X.ics")
            assert wrong.status == 404
            assert_no_secret(await wrong.text(), "the 404 page")
    finally:
        await engine.dispose()
    assert_no_secret(logs(), "the logs")


@pytest.mark.skipif(not PG_URL, reason="PANELBOT_TEST_DATABASE_URL is not set")
def test_a_database_refusal_never_shows_the_password(logs, monkeypatch: pytest.MonkeyPatch) -> None:
    url = make_url(PG_URL).set(password=DB_PASSWORD, database="panelbot_no_such_database")
    monkeypatch.setenv("PANELBOT_DATABASE_URL", url.render_as_string(hide_password=False))
    result = CliRunner().invoke(cli_app, ["member", "list"])
    assert result.exit_code != 0
    said = result.output
    assert "Could not use the database" in said and "panelbot_no_such_database" in said
    assert_no_secret(said, "the command's output")
    assert_no_secret(repr(result.exception), "the exception")
    assert_no_secret(logs(), "the logs")


@pytest.fixture
async def accepting() -> AsyncIterator[tuple[str, dict[str, asyncio.Event]]]:
    """Slack's Web API and Socket Mode, and Telegram's Bot API, on 127.0.0.1, accepting every token: a start
    that succeeds, so everything a start logs is logged. Events say when Telegram's webhook is set and when
    Slack's Socket Mode connection is open."""
    events = {"setWebhook": asyncio.Event(), "socket": asyncio.Event(), "sendMessage": asyncio.Event()}
    base = ""

    async def slack(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": f"{base.replace('http', 'ws')}/link?ticket=t-1"})
        if method == "auth.test":
            return web.json_response({"ok": True, "team_id": "T0", "user_id": "U0BOT", "bot_id": "B0BOT"})
        return web.json_response({"ok": True, "channel": "C0", "ts": "1.000001"})

    async def link(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0"}})
        events["socket"].set()
        async for _ in ws:
            pass
        return ws

    async def telegram(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        await request.post()
        if method in events:
            events[method].set()
        if method == "getMe":
            return web.json_response({"ok": True, "result": {"id": 999, "is_bot": True, "first_name": "Panelbot",
                                                             "username": "panelbot_test_bot"}})
        if method == "sendMessage":
            return web.json_response({"ok": True, "result": {"message_id": 1, "date": 0,
                                                             "chat": {"id": 1001, "type": "private"}, "text": "x"}})
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/slack/{method}", slack)
    app.router.add_get("/link", link)
    app.router.add_route("*", "/bot{token}/{method}", telegram)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    try:
        yield base, events
    finally:
        await runner.cleanup()


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """The test PostgreSQL (in a schema of its own) with DB_PASSWORD in the URL, or a SQLite file."""
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
        return
    from sqlalchemy import text

    from storage.db import make_engine, upgrade

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # The test server trusts local connections, so the password is carried but not needed.
    url = make_url(PG_URL).set(password=DB_PASSWORD).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        await upgrade(engine)  # `panelbot db upgrade`, done before the run as an operator would
    finally:
        await engine.dispose()
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def test_a_start_with_every_platform_at_debug_logs_no_secret(
    tmp_path: Path, accepting: tuple[str, dict[str, asyncio.Event]], database_url: str, logs, monkeypatch
) -> None:
    """`panelbot run` at PANELBOT_LOG_LEVEL=DEBUG with Slack (signing secret, bot token, Socket Mode app token),
    Telegram in webhook mode (token and webhook secret), Teams (client secret), the calendar feed (token) and
    the database (password in its URL): started, used once on each route, stopped. No secret in any log."""
    monkeypatch.chdir(tmp_path)
    api, events = accepting
    port = free_port()
    settings = all_settings(
        tmp_path,
        api,
        PANELBOT_DATABASE_URL=database_url,
        PANELBOT_HTTP_PORT=str(port),
        PANELBOT_LOG_LEVEL="DEBUG",
        TELEGRAM_WEBHOOK_URL="https://panel.example.org",
    )
    running = asyncio.create_task(serve(settings, console_mode=False))
    try:
        async with asyncio.timeout(30):
            await events["setWebhook"].wait()
            await events["socket"].wait()
        token = SECRETS["PANELBOT_CALENDAR_TOKEN"]
        async with ClientSession(f"http://127.0.0.1:{port}") as http:
            async with http.post("/api/messages", json={"type": "message"}) as r:
                assert r.status == 401  # Teams: no Bot Connector token
            async with http.get(f"/calendar/{token}.ics") as r:
                assert r.status == 200
            update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/help",
                                                  "chat": {"id": 1001, "type": "private"},
                                                  "from": {"id": 1001, "is_bot": False, "first_name": "Bea"},
                                                  "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRETS["TELEGRAM_WEBHOOK_SECRET"]}
            async with http.post("/telegram/webhook", json=update, headers=headers) as r:
                assert r.status == 200
            async with asyncio.timeout(30):
                await events["sendMessage"].wait()
            body = "token=x&command=%2Fpanel&text=help&user_id=U1&channel_id=C1&team_id=T0&trigger_id=t"
            signed = SignatureVerifier(SECRETS["SLACK_SIGNING_SECRET"]).generate_signature(
                timestamp=str(int(time.time())), body=body)
            async with http.post("/slack/events", data=body, headers={
                "X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": signed,
                "Content-Type": "application/x-www-form-urlencoded"}) as r:
                assert r.status == 200
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    text = logs()
    assert "setWebhook" in text and "Socket Mode" in text  # logged at DEBUG, and below, without a secret
    assert_no_secret(text, "the DEBUG logs of a start")
    if logs.format == "json":  # each platform's request is named on the lines logged while it was served
        lines = [json.loads(line) for line in text.splitlines()]
        for platform, route in (("telegram", "/telegram/webhook"), ("slack", "/slack/events"),
                                ("teams", "/api/messages")):
            served = [x for x in lines if x.get("route") == route]
            assert served and all(x["platform"] == platform and x.get("request_id") for x in served), route
            assert any(x.get("status") and "duration_ms" in x for x in served), route
