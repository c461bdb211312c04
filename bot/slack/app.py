"""The Slack side of the one bot process: a bolt `AsyncApp` on a Web API client pointed at `SLACK_API_URL`,
its listeners, the outbox adapter, and the two ways Slack reaches the bot:

* HTTP: `POST /slack/events` on the bot's own aiohttp server (slash commands, buttons, modals and events
  on one URL), every request checked against the signing secret by bolt (HMAC-SHA256, 5-minute window);
* Socket Mode, when an app-level token (`SLACK_APP_TOKEN`, xapp-...) is set: no public URL needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.http_guard import slack_body, too_deep
from bot.notify import OutboxPump
from bot.server import database_ok, unavailable
from bot.service import Panel
from bot.settings import Settings
from bot.slack.adapter import SlackAdapter
from bot.slack.handlers import register, well_shaped
from flows.errors import PanelError

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DEFAULT_API_URL = "https://slack.com/api/"
API_TIMEOUT = 10  # seconds (slack_sdk's own default is 30)
# slack_sdk and bolt log whole request and response bodies at DEBUG (a vote's reason, a referral's summary).
QUIET_LOGGERS = ("slack_sdk", "slack_bolt", "panelbot.slack.bolt")


class _NoRefusedBodies(logging.Filter):
    """bolt logs the whole body of a request whose signature is wrong or stale; a stale request can be a
    real one (a form with a referral's summary), so the line keeps only the fact."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Invalid request signature detected"):
            record.msg, record.args = "Invalid or stale request signature: refused with 401", None
        return True


def quieten_library_logs() -> None:
    """Logs never carry what people typed about a referral: Slack's libraries log at INFO at the most."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    for name in ("slack_bolt.RequestVerification", "slack_bolt.AsyncRequestVerification"):
        verification = logging.getLogger(name)
        if not any(isinstance(f, _NoRefusedBodies) for f in verification.filters):
            verification.addFilter(_NoRefusedBodies())


class GatedSocketModeHandler(AsyncSocketModeHandler):
    """Socket Mode with the same database gate as `POST /slack/events`: while the database is unreachable an
    envelope is left unacknowledged, so Slack sends an event again (and shows a form's "try again") instead
    of the bot saying "done" for something it cannot record."""

    def __init__(self, app: AsyncApp, app_token: str, panel: Panel) -> None:
        super().__init__(app, app_token)
        self.panel = panel

    async def handle(self, client, req) -> None:  # type: ignore[no-untyped-def,override]
        if not await database_ok(self.panel):
            log.warning("Slack (Socket Mode): the database is unreachable; a request is left for Slack to resend")
            return
        await super().handle(client, req)


@dataclass(frozen=True)
class SlackConfig:
    # The secrets stay out of repr(), which a traceback or a debugging log line may print.
    bot_token: str = field(repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
    timeout: int = API_TIMEOUT  # seconds for one Web API call

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackConfig | None:
        """The Slack settings, or None when no bot token is set. Refuses, in one sentence, a set-up that
        could never receive anything."""
        if settings.slack.bot_token is None:
            return None
        secret = settings.slack.signing_secret.get_secret_value() if settings.slack.signing_secret else None
        app_token = settings.slack.app_token.get_secret_value() if settings.slack.app_token else None
        if not secret and not app_token:
            raise PanelError(
                "SLACK_BOT_TOKEN is set but Slack cannot reach the bot: set SLACK_SIGNING_SECRET (requests to "
                "/slack/events) or SLACK_APP_TOKEN (Socket Mode)."
            )
        return cls(
            bot_token=settings.slack.bot_token.get_secret_value(),
            signing_secret=secret,
            app_token=app_token,
            api_url=settings.slack.api_url or DEFAULT_API_URL,
        )


class SlackBot:
    def __init__(self, panel: Panel, config: SlackConfig) -> None:
        self.panel = panel
        self.config = config
        quieten_library_logs()
        base_url = config.api_url if config.api_url.endswith("/") else config.api_url + "/"
        # A time limit on every Web API call, so a Slack that hangs cannot hold a listener or the outbox.
        self.client = AsyncWebClient(token=config.bot_token, base_url=base_url, timeout=config.timeout)
        self.app = AsyncApp(
            client=self.client,
            # Without a secret no HTTP request can be verified, so every one is refused (Socket Mode needs none).
            signing_secret=config.signing_secret or "",
            name="panelbot",
            logger=logging.getLogger("panelbot.slack.bolt"),
            # Slack is answered when a listener returns, and ours return at the ack (`Handlers.listener`).
            process_before_response=True,
        )
        self.tasks: set[asyncio.Task] = set()
        self.handlers = register(self.app, panel, self.tasks)
        self.adapter = SlackAdapter(panel, self.client)
        self.socket: AsyncSocketModeHandler | None = None
        # The shared outbox pump (`panel.on_outbox`), set by whoever wires the outbox (`serve()`, the tests):
        # `settle()` and `stop()` wait for the flush a Slack command started.
        self.pump: OutboxPump | None = None

    def mount(self, web_app: web.Application) -> None:
        """`POST /slack/events` on the bot's web server (only when a signing secret is set)."""
        if self.config.signing_secret:
            web_app.router.add_post(EVENTS_PATH, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        # Nothing in a request is decoded or parsed before its signature is checked on the raw bytes, within
        # a size and a time limit (bot/http_guard.py); bolt checks it again. Only then the database gate:
        # every listener acknowledges before it touches the database, so once bolt runs, Slack is told "done"
        # whatever happens next. While the database is unreachable, say 503 instead: Slack retries an event,
        # and a form (a vote) stays open with "try again", which re-sends the same submission.
        body = await slack_body(request, self.config.signing_secret or "")
        if not await database_ok(self.panel):
            return unavailable()
        try:
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string,
                                            headers=request.headers)  # type: ignore[arg-type]
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
            # Signed, but not the JSON or form it claims to be: refused here, not a 500 (nothing in it has been
            # acted on).
            log.info("Slack: refused a signed request whose body could not be read")
            return web.Response(status=400, text="Malformed request body.")
        if too_deep(bolt_request.body) or not well_shaped(bolt_request.body):  # bolt's middleware indexes into it
            log.info("Slack: refused a signed request of an unexpected shape")
            return web.Response(status=400, text="Malformed request body.")
        response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    async def start(self) -> None:
        if self.config.app_token:
            self.socket = GatedSocketModeHandler(self.app, self.config.app_token, self.panel)
            await self.socket.connect_async()
            log.info("Slack: connected in Socket Mode")
        if self.config.signing_secret:
            log.info("Slack: listening for requests at %s", EVENTS_PATH)

    async def settle(self) -> None:
        """Wait until every listener has finished its work after the ack and the outbox is delivered."""
        while True:
            pending = [t for t in self.tasks if t is not asyncio.current_task() and not t.done()]
            flushing = self.pump is not None and self.pump.busy
            if not pending and not flushing:
                return
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            if self.pump is not None:
                await self.pump.idle()

    async def close_socket(self) -> None:
        """Take no more requests over Socket Mode (HTTP requests are refused by the stopping web server)."""
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close_async()
            self.socket = None

    async def stop(self, grace: float = 10.0) -> None:
        await self.close_socket()
        try:
            await asyncio.wait_for(self.settle(), timeout=grace)
        except TimeoutError:
            log.warning("Slack: stopped with work still running")
