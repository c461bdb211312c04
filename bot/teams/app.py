"""The Teams side of the one bot process, on the Microsoft 365 Agents SDK:

* the SDK's host: an `MsalConnectionManager` from the SDK's configuration, a `CloudAdapter`, and an
  `AgentApplication` whose proactive support stores conversation references in the project's database;
* `POST /api/messages` on the bot's own aiohttp server, behind the SDK's JWT middleware: a request without a
  valid token is refused with 401 before anything runs, unless anonymous mode is switched on explicitly
  for local testing (and then a warning is logged);
* the outbox adapter (what a Teams command queued is delivered by the shared `bot.notify.OutboxPump`).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from typing import Any

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware, start_agent_process
from microsoft_agents.hosting.core import AgentApplication, ApplicationOptions, MemoryStorage, TurnContext, TurnState
from microsoft_agents.hosting.core.app.proactive import ProactiveOptions

from bot.http_guard import teams_request
from bot.notify import OutboxPump
from bot.server import database_ok, unavailable
from bot.service import Panel
from bot.settings import Settings
from bot.teams.adapter import TeamsAdapter
from bot.teams.config import TeamsConfig
from bot.teams.guard import refuse_remote
from bot.teams.handlers import readable, register
from bot.teams.proactive import Outbound
from bot.teams.store import DatabaseStorage, People
from flows.errors import PanelError

log = logging.getLogger(__name__)

API_PREFIX = "/api"
MESSAGES_PATH = "/api/messages"


def quiet_sdk_warnings() -> None:
    """The SDK's JWT middleware stores the caller's claims under a string key and aiohttp warns about that
    on every request. It is the SDK's choice, not a fault: keep it out of the log."""
    warnings.filterwarnings("ignore", message=r"It is recommended to use web\.RequestKey", module=r"microsoft_agents\.")


@web.middleware
async def token_checked(request: web.Request, handler: Any) -> web.StreamResponse:
    """The SDK's JWT middleware, failing closed: a token it cannot even examine (an unsigned `alg: none` token
    has no key id, and the SDK's lookup raises KeyError) is a 401 like any other bad token, not a 500. An
    exception from the route itself, after the token was accepted, is left alone."""
    reached = False

    async def route(req: web.Request) -> web.StreamResponse:
        nonlocal reached
        reached = True
        return await handler(req)

    try:
        return await jwt_authorization_middleware(request, route)
    except Exception as exc:
        if reached:
            raise
        log.warning("Teams: refused a request whose token could not be checked (%s)", type(exc).__name__)
        return web.json_response({"error": "Invalid token or authentication failed."}, status=401)


class TeamsBot:
    def __init__(self, panel: Panel, config: TeamsConfig) -> None:
        quiet_sdk_warnings()
        self.panel = panel
        self.config = config
        try:
            self.connections = MsalConnectionManager(**config.sdk)
        except ValueError as exc:  # the SDK's own check of its settings, e.g. a certificate type with no file
            raise PanelError(f"The Teams settings are incomplete: {exc}") from None
        self.cloud = CloudAdapter(connection_manager=self.connections)
        self.cloud.on_turn_error = self._turn_error  # never answer a failure with its details
        self.storage = DatabaseStorage(panel)
        self.app: AgentApplication[TurnState] = AgentApplication[TurnState](
            ApplicationOptions(
                storage=MemoryStorage(),  # per-turn state only; Panelbot keeps nothing there
                start_typing_timer=False,
                proactive=ProactiveOptions(storage=self.storage),
            ),
            connection_manager=self.connections,
            agent_name="Panelbot",
        )
        self.app.error(self._app_error)
        self.outbound = Outbound(panel, self.app, self.cloud, self.storage, People(panel))
        self.handlers = register(self.app, panel, self.outbound)
        self.adapter = TeamsAdapter(panel, self.outbound)
        # The shared outbox pump (`panel.on_outbox`), set by whoever wires the outbox (`serve()`, the tests):
        # `settle()` and `stop()` wait for the flush a Teams turn started.
        self.pump: OutboxPump | None = None
        config.warn_if_anonymous()
        if config.anonymous:  # without an app id the SDK warns on every turn that it has none: once is enough
            logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(
                logging.ERROR
            )

    @classmethod
    def from_settings(cls, panel: Panel, settings: Settings) -> TeamsBot | None:
        config = TeamsConfig.from_settings(settings)
        return None if config is None else cls(panel, config)

    # Wiring -------------------------------------------------------------------------------------------------
    def mount(self, web_app: web.Application) -> None:
        """`POST /api/messages` on the bot's web server, behind the SDK's JWT middleware (a sub-application,
        so the middleware guards this route only)."""
        api = web.Application(middlewares=[token_checked])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the SDK's middleware looks its settings up under a string key
            api["agent_configuration"] = self.connections.get_default_connection_configuration()
        api.router.add_post(MESSAGES_PATH.removeprefix(API_PREFIX), self.handle)
        web_app.add_subapp(API_PREFIX, api)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        # Behind the JWT middleware. The body is read within a size and a time limit and must be JSON before
        # anything else (bot/http_guard.py). While the database is unreachable, 503 before the turn runs: the
        # Bot Connector retries a 5xx, rather than the person being answered for something not recorded.
        request = await teams_request(request)
        if not await database_ok(self.panel):
            return unavailable()
        try:
            body = await request.json()
            if not readable(body):
                return web.Response(status=400, text="Not an activity.")
            if (refused := refuse_remote(self.config, body)) is not None:
                return refused  # anonymous mode: a serviceUrl off this machine is never answered
            # The turn runs inside the request, so the Bot Connector's answer (an invoke's card, a message's
            # 200) goes only after its work has committed. A turn the database failed is answered 503, and the
            # Connector sends the activity again; one whose work had committed records nothing twice.
            activity_id = body.get("id") if isinstance(body.get("id"), str) and body.get("id") else None
            with self.panel.delivering(f"teams:{activity_id}" if activity_id else None) as delivery:
                response = await start_agent_process(request, self.app, self.cloud)
            if delivery is not None and delivery.outage:
                return unavailable()
        except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError; so is bad JSON
            # Authenticated, but not an activity the SDK can read (a field of the wrong type, not JSON): 400,
            # not a 500 with the SDK's traceback. Nothing in it was acted on.
            log.info("Teams: refused a request that is not a readable activity (%s)", type(exc).__name__)
            return web.Response(status=400, text="Not an activity.")
        return response if response is not None else web.Response(status=202)

    async def start(self) -> None:
        log.info("Teams: listening for the Bot Connector at %s", MESSAGES_PATH)

    async def settle(self) -> None:
        """Wait until the outbox work a turn started has been delivered."""
        if self.pump is not None:
            await self.pump.idle()

    async def stop(self, grace: float = 10.0) -> None:
        try:
            await asyncio.wait_for(self.settle(), timeout=grace)
        except TimeoutError:
            log.warning("Teams: stopped with outbox work still running")

    # Failures -----------------------------------------------------------------------------------------------
    async def _app_error(self, context: TurnContext, error: Exception) -> None:
        if self.panel.note_outage(error):
            log.warning("Teams: a turn waits for the database (%s); it comes again", type(error).__name__)
            return
        log.error("Teams turn failed: %s", type(error).__name__, exc_info=error)

    async def _turn_error(self, context: TurnContext, error: Exception) -> None:
        if self.panel.note_outage(error):
            log.warning("Teams: a turn waits for the database (%s); it comes again", type(error).__name__)
            return
        log.error("Teams turn failed in the SDK pipeline: %s", type(error).__name__, exc_info=error)
