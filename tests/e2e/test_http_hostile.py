"""Hostile requests at the raw HTTP layer, on every route of the bot's one web server: `/slack/events`,
`/telegram/webhook`, `/api/messages` (anonymous mode, and with the SDK's JWT check on), `/calendar/TOKEN.ics`
and `/healthz`.

Requests are written byte by byte on a socket, so nothing between the test and the server tidies them:
bogus and non-UTF-8 charsets, JSON nested 200,000 deep, numbers of 5,000 digits, bytes that are not UTF-8,
bodies over each route's limit (with a Content-Length, and chunked), a body that never finishes arriving, a
client that hangs up mid-body, and headers of every odd kind; each sent without the route's credentials
and with them (Slack's signature computed over exactly the bytes sent, Telegram's secret header).

Whatever arrives: the answer is a 4xx or a 2xx, never a 5xx (the database is up); nothing is logged at
ERROR and no traceback is logged; nothing in the database changes; and a request without the route's
credentials does not reach the database at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from fuzzing import database_state
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from bot.http_guard import SLACK_MAX_BODY, TEAMS_MAX_BODY, TELEGRAM_MAX_BODY
from bot.notify import OutboxPump, Sender
from bot.server import make_app, make_runner
from bot.settings import Settings
from bot.slack.app import SlackBot, SlackConfig
from bot.teams import TeamsBot, TeamsConfig
from bot.telegram import TelegramBot
from bot.telegram.webhook import SECRET_HEADER

HERE = Path(__file__).resolve().parent
for folder in ("slack", "telegram", "teams"):  # the platforms' fakes
    if str(HERE / folder) not in sys.path:
        sys.path.append(str(HERE / folder))

from fake_bot_api import TOKEN as TELEGRAM_TOKEN  # noqa: E402
from fake_bot_api import FakeBotAPI  # noqa: E402
from slack_fake import FakeSlack  # noqa: E402
from teams_fake import FakeConnector, anonymous_config  # noqa: E402

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TELEGRAM_SECRET = "s3cret-Token_for-tests"
CALENDAR_TOKEN = "k" * 40
BODY_TIMEOUT = 0.3  # seconds: injected, so the slow-body tests wait a fraction of a second, not 10
ROUTES = ("/slack/events", "/telegram/webhook", "/api/messages", "/api/messages (JWT)",
          f"/calendar/{CALENDAR_TOKEN}.ics", "/calendar/wrong.ics", "/healthz")
DEEP = b"[" * 200_000  # the reproduced RecursionError
NINES = "9" * 5000  # past Python's limit on the digits of an int


def production_config() -> TeamsConfig:
    config = TeamsConfig.from_settings(Settings(
        _env_file=None,
        CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID="00000000-0000-0000-0000-00000000b07f",
        CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET="not-a-real-secret",
        CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID="5a0ac5d5-2b8f-4f0a-9d55-7f0f0e6c1a11",
    ), environ={})
    assert config is not None and not config.anonymous
    return config


class Server:
    """`panelbot run` with every platform configured, on one web server (and a second one with Teams'
    JWT check on), with the fakes of Slack, Telegram and the Bot Connector."""

    def __init__(self, panel: Any, engine: Any) -> None:
        self.panel, self.engine = panel, engine
        self.runners: list[web.AppRunner] = []
        self.ports: dict[str, int] = {}
        self.checkouts = 0  # connections taken from the database pool

    async def start(self) -> Server:
        self.slack_api, self.telegram_api, self.connector = FakeSlack(), FakeBotAPI(), FakeConnector()
        await self.slack_api.start()
        await self.telegram_api.start()
        await self.connector.start()
        self.slack = SlackBot(self.panel, SlackConfig(bot_token="xoxb-test-token", signing_secret=SLACK_SECRET,
                                                      api_url=self.slack_api.api_url))
        self.telegram = TelegramBot(self.panel, TELEGRAM_TOKEN, api_url=self.telegram_api.url,
                                    webhook_url="https://panel.example.org", webhook_secret=TELEGRAM_SECRET)
        self.teams = TeamsBot(self.panel, anonymous_config())
        self.secured = TeamsBot(self.panel, production_config())
        pump = OutboxPump(Sender(self.panel, [self.slack.adapter, self.telegram.adapter, self.teams.adapter]))
        self.slack.pump = self.teams.pump = self.pump = pump
        self.panel.on_outbox = pump.poke
        app = make_app(self.panel, calendar_token=CALENDAR_TOKEN, body_timeout=BODY_TIMEOUT)
        self.telegram.add_routes(app)
        self.slack.mount(app)
        self.teams.mount(app)
        secured = make_app(self.panel, body_timeout=BODY_TIMEOUT)
        self.secured.mount(secured)
        for name, each in (("main", app), ("secured", secured)):
            runner = make_runner(each)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.runners.append(runner)
            self.ports[name] = runner.addresses[0][1]
        await self.telegram.start()
        event.listen(self.engine.sync_engine.pool, "checkout", self._checked_out)
        return self

    def _checked_out(self, *args: Any) -> None:
        self.checkouts += 1

    async def stop(self) -> None:
        event.remove(self.engine.sync_engine.pool, "checkout", self._checked_out)
        await self.slack.stop()
        await self.teams.stop()
        await self.pump.close()
        await self.telegram.stop()
        self.panel.on_outbox = None
        for runner in self.runners:
            await runner.cleanup()
        for fake in (self.slack_api, self.telegram_api, self.connector):
            await fake.stop()

    def port(self, route: str) -> int:
        return self.ports["secured" if route.endswith("(JWT)") else "main"]


@pytest.fixture
async def server(make_panel: Callable, engine: Any) -> AsyncIterator[Server]:
    started = await Server(await make_panel("dudley"), engine).start()
    yield started
    await started.stop()


# Raw HTTP -----------------------------------------------------------------------------------------------


def slack_signature(body: bytes, timestamp: str, secret: str = SLACK_SECRET) -> str:
    """Slack's signature over exactly these bytes (computed here, not by the code under test)."""
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return "v0=" + digest


def credentials(route: str, body: bytes) -> list[tuple[str, str]]:
    """The headers that authenticate `body` on `route` (nothing more is needed in anonymous mode)."""
    if route == "/slack/events":
        ts = str(int(time.time()))
        return [("X-Slack-Request-Timestamp", ts), ("X-Slack-Signature", slack_signature(body, ts))]
    if route == "/telegram/webhook":
        return [(SECRET_HEADER, TELEGRAM_SECRET)]
    return []


def method_of(route: str) -> str:
    return "GET" if route.startswith(("/calendar", "/healthz")) else "POST"


async def send(port: int, head: bytes, chunks: list[bytes] = (), *, hang_up: bool = False) -> int | None:  # type: ignore[assignment]
    """Write a request as raw bytes and return the status of the answer (None: closed without one)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
        if hang_up:
            return None
        line = await asyncio.wait_for(reader.readline(), 10)
        return int(line.split()[1]) if line.startswith(b"HTTP/1.") else None
    except (ConnectionError, OSError):
        return None
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


def head_of(route: str, headers: list[tuple[str, str]], *, length: int | None, chunked: bool = False) -> bytes:
    path = route.removesuffix(" (JWT)")
    lines = [f"{method_of(route)} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    elif length is not None:
        lines.append(f"Content-Length: {length}")
    raw = ("\r\n".join(lines) + "\r\n").encode()
    for name, value in headers:
        raw += name.encode("latin-1", "replace") + b": " + value.encode("utf-8", "surrogateescape") + b"\r\n"
    return raw + b"\r\n"


async def post(server: Server, route: str, body: bytes, content_type: str | None = "application/json", *,
               signed: bool = False, extra: list[tuple[str, str]] = (), chunked: bool = False) -> int | None:  # type: ignore[assignment]
    headers = [("Content-Type", content_type)] if content_type is not None else []
    headers += credentials(route, body) if signed else []
    headers += list(extra)
    if chunked:
        pieces = [body[i:i + 65536] for i in range(0, len(body), 65536)]
        chunks = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"]
    else:
        chunks = [body]
    return await send(server.port(route), head_of(route, headers, length=len(body), chunked=chunked), chunks)


class Watch:
    """What some requests did: errors and tracebacks logged, rows changed, connections taken from the pool."""

    def __init__(self, server: Server, caplog: pytest.LogCaptureFixture) -> None:
        self.server, self.caplog = server, caplog

    async def __aenter__(self) -> Watch:
        self.before = await database_state(self.server.panel, leave_out={"conversation_state"})
        self.logged = len(self.caplog.records)
        self.checkouts = self.server.checkouts
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.reached_database = self.server.checkouts - self.checkouts
        await self.server.slack.settle()
        await self.server.pump.idle()
        self.records = self.caplog.records[self.logged:]
        self.after = await database_state(self.server.panel, leave_out={"conversation_state"})

    @property
    def ours(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.name == "bot.http_guard" or r.name.startswith("bot.")]

    def assert_harmless(self, *statuses: int | None, authenticated: bool = True) -> None:
        for status in statuses:
            assert status is None or status < 500, statuses
        bad = [f"{r.name} {r.levelname} {r.getMessage()}" for r in self.records
               if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.getMessage()]
        assert not bad, bad
        assert self.after == self.before
        if not authenticated:
            assert self.reached_database == 0, "an unauthenticated request reached the database"


@pytest.fixture(autouse=True)
def info_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


# The reproduced defects, one by one -------------------------------------------------------------------


async def test_slack_json_nested_200000_deep_is_refused_unsigned_and_signed(server, caplog) -> None:
    """Was a 500 with a RecursionError traceback at ERROR, for a request with no signature at all."""
    async with Watch(server, caplog) as unsigned:
        statuses = [await post(server, "/slack/events", DEEP),
                    await post(server, "/slack/events", DEEP, extra=[
                        ("X-Slack-Request-Timestamp", str(int(time.time()))), ("X-Slack-Signature", "v0=" + "0" * 64)])]
    assert statuses == [401, 401]
    unsigned.assert_harmless(*statuses, authenticated=False)
    assert unsigned.ours == ["Invalid or stale request signature: refused with 401 (Slack)"] * 2
    async with Watch(server, caplog) as signed:
        status = await post(server, "/slack/events", DEEP, signed=True)
    assert status == 400
    signed.assert_harmless(status)
    assert len(signed.ours) == 1


async def test_slack_form_with_a_bogus_charset_is_refused(server, caplog) -> None:
    """`charset=x-bogus-9` was a LookupError: a 500 and a traceback, unsigned."""
    body = b"command=%2Fpanel&text=help&user_id=U0BM&channel_id=C0PANEL"
    form = "application/x-www-form-urlencoded; charset=x-bogus-9"
    async with Watch(server, caplog) as unsigned:
        status = await post(server, "/slack/events", body, form)
    assert status == 401
    unsigned.assert_harmless(status, authenticated=False)
    async with Watch(server, caplog) as signed:
        status = await post(server, "/slack/events", body, form, signed=True)
    assert status == 400
    signed.assert_harmless(status)
    assert signed.ours == ["Slack: refused a body declared as 'x-bogus-9'"]


async def test_slack_timestamp_of_5000_nines_is_refused(server, caplog) -> None:
    """Past Python's limit on an int's digits, bolt's int() raised: a 500 with a traceback."""
    body = b"command=%2Fpanel&text=help"
    async with Watch(server, caplog) as w:
        status = await post(server, "/slack/events", body, "application/x-www-form-urlencoded", extra=[
            ("X-Slack-Request-Timestamp", NINES), ("X-Slack-Signature", slack_signature(body, NINES))])
    assert status == 401
    w.assert_harmless(status, authenticated=False)
    assert len(w.ours) == 1


async def test_telegram_deep_json_and_a_bogus_charset_are_refused(server, caplog) -> None:
    """The webhook did the same as Slack for both: a 500 and a traceback (behind the secret, but still)."""
    async with Watch(server, caplog) as unsigned:
        statuses = [await post(server, "/telegram/webhook", DEEP),
                    await post(server, "/telegram/webhook", b'{"update_id": 1}', "application/json; charset=x-bogus-9")]
    assert statuses == [403, 403]
    unsigned.assert_harmless(*statuses, authenticated=False)
    async with Watch(server, caplog) as signed:
        statuses = [await post(server, "/telegram/webhook", DEEP, signed=True),
                    await post(server, "/telegram/webhook", b'{"update_id": 1}', "application/json; charset=x-bogus-9",
                               signed=True),
                    await post(server, "/telegram/webhook", b'{"update_id": ' + NINES.encode() + b"}", signed=True)]
    assert statuses == [400, 400, 400]
    signed.assert_harmless(*statuses)
    assert len(signed.ours) == 3


async def test_teams_deep_json_bogus_charset_and_huge_numbers_are_refused(server, caplog) -> None:
    async with Watch(server, caplog) as w:
        statuses = [await post(server, "/api/messages", DEEP),
                    await post(server, "/api/messages", b'{"type": "message"}', "application/json; charset=x-bogus-9"),
                    await post(server, "/api/messages", b'{"type": "message", "id": ' + NINES.encode() + b"}"),
                    await post(server, "/api/messages", b'{"type": "message", "text": "\xff\xfe"}')]
    assert statuses == [400, 400, 400, 400]
    w.assert_harmless(*statuses)
    assert len(w.ours) == 4


@pytest.mark.parametrize("route,limit", [("/slack/events", SLACK_MAX_BODY), ("/telegram/webhook", TELEGRAM_MAX_BODY),
                                         ("/api/messages", TEAMS_MAX_BODY)])
async def test_a_body_over_the_route_limit_is_413_before_it_is_read(server, caplog, route, limit) -> None:
    """A Content-Length over the limit is refused from the headers alone (the body is never sent here); a
    chunked body is cut off once it passes the limit. Both unsigned and signed."""
    async with Watch(server, caplog) as w:
        told = await send(server.port(route), head_of(route, [("Content-Type", "application/json")]
                                                      + credentials(route, b""), length=limit + 1))
        over = b'{"x": "' + b"a" * limit + b'"}'
        chunked_unsigned = await post(server, route, over, chunked=True)
        chunked_signed = await post(server, route, over, signed=True, chunked=True)
        at_limit = await post(server, route, b" " * (limit - 2) + b"{}")  # just inside: read, then refused
    assert told == 413
    assert chunked_signed == 413
    assert chunked_unsigned == (413 if route == "/api/messages" else 401 if route == "/slack/events" else 403)
    assert at_limit in (400, 401, 403)
    w.assert_harmless(told, chunked_unsigned, chunked_signed, at_limit)


@pytest.mark.parametrize("route", ["/slack/events", "/telegram/webhook", "/api/messages"])
async def test_a_body_that_never_finishes_is_408_after_the_timeout(server, caplog, route) -> None:
    """A byte, then nothing: answered 408 once the injected timeout (0.3 s here, 10 s in production) passes,
    with one INFO line. Before, such a connection was kept as long as the sender liked."""
    async with Watch(server, caplog) as w:
        status = await send(server.port(route), head_of(route, [("Content-Type", "application/json")]
                                                        + credentials(route, b"{}"), length=2), [b"{"])
    assert status == 408
    w.assert_harmless(status)
    assert [m for m in w.ours if "408" in m] and len(w.ours) == 1


class Heard(logging.Handler):
    """Sets an event when the guard logs something, so a test waits for it without sleeping."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "bot.http_guard":
            self.event.set()


@pytest.mark.parametrize("route", ["/slack/events", "/telegram/webhook", "/api/messages"])
async def test_a_client_that_hangs_up_mid_body_is_one_info_line(server, caplog, route) -> None:
    heard = Heard()
    logging.getLogger("bot.http_guard").addHandler(heard)
    try:
        async with Watch(server, caplog) as w:
            await send(server.port(route), head_of(route, [("Content-Type", "application/json")]
                                                   + credentials(route, b'{"a": 1}'), length=1000),
                       [b'{"a": 1'], hang_up=True)
            await asyncio.wait_for(heard.event.wait(), 5)
    finally:
        logging.getLogger("bot.http_guard").removeHandler(heard)
    w.assert_harmless()
    assert len(w.ours) == 1 and "could not be read" in w.ours[0], w.ours


async def test_unauthenticated_requests_never_reach_the_database(server, caplog) -> None:
    """Credentials first, then the database gate: a flood of strangers' requests costs no connection."""
    async with Watch(server, caplog) as w:
        statuses = [await post(server, "/slack/events", b'{"type": "event_callback"}'),
                    await post(server, "/slack/events", b"payload=%7B%7D", "application/x-www-form-urlencoded",
                               extra=[("X-Slack-Request-Timestamp", str(int(time.time()))),
                                      ("X-Slack-Signature", "v0=" + "f" * 64)]),
                    await post(server, "/telegram/webhook", b'{"update_id": 5}', extra=[(SECRET_HEADER, "guess")]),
                    await post(server, "/api/messages (JWT)", b'{"type": "message"}'),
                    await send(server.port("/calendar/wrong.ics"),
                               head_of("/calendar/wrong.ics", [], length=None))]
    assert statuses == [401, 401, 403, 401, 404]
    w.assert_harmless(*statuses, authenticated=False)


async def test_malformed_http_that_aiohttp_refuses_is_logged_at_info_without_a_traceback(server, caplog) -> None:
    heads = [b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 20_000 + b"\r\n\r\n",
             b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
             b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad\x01Header: 1\r\n\r\n",
             b"POST /telegram/webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]
    async with Watch(server, caplog) as w:
        statuses = [await send(server.port("/healthz"), head) for head in heads]
    assert all(s is not None and 400 <= s < 500 for s in statuses), statuses
    w.assert_harmless(*statuses, authenticated=False)


# Anything at all ----------------------------------------------------------------------------------------


CHARSETS = ["", "; charset=utf-8", "; charset=UTF-8", "; charset=x-bogus-9", "; charset=utf-16", "; charset=latin-1",
            '; charset="utf-8"', "; charset=", "; charset=\u00e9", "; charset=" + "u" * 300, "; boundary=x"]
TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data", "", "*/*"]
ODD_HEADERS = [
    ("X-Slack-Request-Timestamp", NINES), ("X-Slack-Request-Timestamp", "-1"), ("X-Slack-Request-Timestamp", "1e9"),
    ("X-Slack-Request-Timestamp", "\u0661\u0662"), ("X-Slack-Signature", "v0=\u00e9" * 20), ("X-Slack-Signature", ""),
    (SECRET_HEADER, "\u00e9" * 10), (SECRET_HEADER, TELEGRAM_SECRET + " "), ("Authorization", "Bearer \u00e9"),
    ("Authorization", "Bearer " + "a" * 5000), ("Authorization", "Basic x"), ("Content-Encoding", "gzip"),
    ("Content-Encoding", "br"), ("Expect", "100-continue"), ("Accept", "text/html"),
]


def nested(depth: int) -> bytes:
    return b'{"a": ' * depth + b"1" + b"}" * depth


bodies = st.one_of(
    st.sampled_from([b"", b"{}", b"[]", b"null", b"1", b'"x"', DEEP, nested(70), nested(30), b"[" * 5000 + b"]" * 5000,
                     b'{"update_id": ' + NINES.encode() + b"}", b'{"type": "message", "n": 1e999999}',
                     b"payload=" + b"%5B" * 50_000, b"payload=%7B%22type%22%3A%22block_actions%22%7D",
                     b"\xff\xfe\x00", b'{"text": "\xed\xa0\x80"}', b"\x1f\x8b\x08\x00garbage"]),
    st.binary(max_size=300),
    st.binary(min_size=1, max_size=4).map(lambda b: b * 80_000),
)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), body=bodies, kind=st.sampled_from(TYPES), charset=st.sampled_from(CHARSETS),
       signed=st.booleans(), odd=st.lists(st.sampled_from(ODD_HEADERS), max_size=2), chunked=st.booleans())
async def test_no_request_of_any_shape_is_a_5xx_an_error_or_a_change(server, caplog, route, body, kind, charset,
                                                                      signed, odd, chunked) -> None:
    content_type = (kind + charset) if kind else None
    async with Watch(server, caplog) as w:
        status = await post(server, route, body, content_type, signed=signed, extra=odd, chunked=chunked)
    # An authenticated one may reach the database (the gate, bolt's listeners, a Telegram update ignored).
    authenticated = signed or route == "/api/messages" or route == f"/calendar/{CALENDAR_TOKEN}.ics" or \
        route == "/healthz"
    w.assert_harmless(status, authenticated=authenticated)
    assert status is not None
