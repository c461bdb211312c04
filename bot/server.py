"""The bot's one aiohttp web server. `/healthz` now; the platform issues add `/slack/events`,
`/telegram/webhook` and `/api/messages` to the same application. `/calendar/TOKEN.ics` serves the open
deadlines as an iCalendar feed when PANELBOT_CALENDAR_TOKEN is set.

`/healthz` answers:

* 503 `{"status": "degraded", "database": "unavailable"}` when the database does not answer: this process
  cannot serve anyone, so a load balancer should send people elsewhere (and each platform's request gets a
  5xx, so the platform tries again later);
* 200 `{"status": "degraded", ..., "outbox": {"stuck": M, ...}}` when messages have been waiting longer than
  `STUCK_AFTER` (a platform refusing or unreachable): the process is alive and still records votes, and
  restarting it would not help, so it stays in service; monitoring should alert on the status;
* 200 `{"status": "ok", ...}` otherwise. `outbox` always says how many messages wait to be delivered, how many
  are stuck, and how old the oldest is, in minutes.

`database_ok` is also the gate in front of each platform's endpoint: while the database is unreachable a
request is answered 503 before anything acknowledges it, so the platform sends it again instead of being
told "done" for something that could not be recorded.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.web_log import AccessLogger
from aiohttp.web_request import BaseRequest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.http_guard import (
    BODY_BUDGET,
    BODY_BUDGET_KEY,
    BODY_TIMEOUT,
    BODY_TIMEOUT_KEY,
    Budget,
    hang_up_after_refusal,
    quiet_protocol_errors,
)
from bot.metrics import METRICS, Metrics, measured
from bot.service import Panel
from storage.db import database_outage  # noqa: F401 - the adapters' one test of an outage

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 5.0  # seconds /healthz waits for the database before calling it unavailable
GATE_TIMEOUT = 2.0  # seconds a platform request waits for the database check (Slack allows 3 for an answer)


def _dialect(panel: Panel) -> str:
    bind = panel.sessionmaker.kw.get("bind")
    return bind.dialect.name if bind is not None else ""


async def database_ok(panel: Panel, timeout: float | None = None, *, always: bool = False) -> bool:
    """True when the database answers a `SELECT 1` within `timeout` seconds. A SQLite file is local and
    cannot go away between requests, so it is not checked unless `always` (every check would take SQLite's
    write lock). Requests that arrive while a check is under way share its answer, so a burst of votes
    costs one check rather than one pooled connection each (which had made busy moments look like an
    outage)."""
    if not always and _dialect(panel) == "sqlite":
        return True
    limit = GATE_TIMEOUT if timeout is None else timeout
    loop = asyncio.get_running_loop()
    key = (id(panel), limit)
    check = _checks.get(key)
    if check is None or check.done() or check.get_loop() is not loop:
        check = loop.create_task(_check(panel, limit), name="database-check")
        _checks[key] = check
        check.add_done_callback(lambda done: _checks.pop(key, None) if _checks.get(key) is done else None)
    return await asyncio.shield(check)


_checks: dict[tuple[int, float], asyncio.Task[bool]] = {}  # the check under way, per panel and time limit


async def _check(panel: Panel, limit: float) -> bool:
    try:
        async with asyncio.timeout(limit):
            engine = panel.sessionmaker.kw.get("bind")
            if isinstance(engine, AsyncEngine) and getattr(engine.pool, "_pre_ping", False):
                # Taking a connection from the pool pings the server (`pool_pre_ping`, set for PostgreSQL), and
                # reconnects if the connection had died: that one round trip is the check.
                async with engine.connect():
                    pass
            else:
                async with panel.uow() as uow:
                    await uow.session.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # never the error's text: it can hold the connection's address
        log.warning("the database is not answering (%s)", type(exc).__name__)
        return False


def unavailable() -> web.Response:
    """What a platform is told while the database is away: try again later (every platform retries a 5xx)."""
    return web.Response(
        status=503,
        text="The panel's database is not reachable just now; try again shortly.",
        headers={"Retry-After": "30"},
    )


class Lifecycle:
    """Whether the web server is taking requests, and how many are in flight (`make_app`'s middleware). On a
    stop, `stopping` makes every new request a 503 (`/readyz` first, so a load balancer takes this replica out;
    a platform sends a 503'd request again, to another replica or after the restart) while those already in
    flight finish (`drained`)."""

    def __init__(self) -> None:
        self.stopping = False
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.scheduler_running: Callable[[], bool] = lambda: True
        self.migrated = False  # once the database was found at the latest migration

    def enter(self) -> None:
        self.in_flight += 1
        self._idle.clear()

    def leave(self) -> None:
        self.in_flight -= 1
        if self.in_flight <= 0:
            self._idle.set()

    async def drained(self, timeout: float) -> bool:
        """Wait until no request is in flight (True), or `timeout` seconds (False)."""
        if self._idle.is_set():
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except TimeoutError:
            return False


LIFECYCLE = web.AppKey("lifecycle", Lifecycle)


@web.middleware
async def while_running(request: web.Request, handler: Any) -> web.StreamResponse:
    """Count the requests in flight; once the bot is stopping, answer new ones 503 (`/healthz` excepted: the
    process is still alive; `/readyz` says why it is not ready)."""
    lifecycle = request.app[LIFECYCLE]
    if lifecycle.stopping and request.path not in ("/healthz", "/readyz"):
        return web.Response(
            status=503, text="Panelbot is stopping; try again shortly.", headers={"Retry-After": "5"}
        )
    lifecycle.enter()
    try:
        return await handler(request)
    finally:
        lifecycle.leave()


# Paths whose last part is a key (a signed email link's token, the calendar feed's token): never logged.
SECRET_PATHS = re.compile(r"^(/email/[a-z]+/|/calendar/)[^/?]+")


class RedactedAccessLogger(AccessLogger):
    """aiohttp's access log (logger `aiohttp.access`, off below WARNING unless an operator turns it on), with
    the token of an email link or the calendar feed replaced by `TOKEN`, and the query left out."""

    def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = request.rel_url.path
        if SECRET_PATHS.match(path):
            request = request.clone(rel_url=SECRET_PATHS.sub(r"\1TOKEN", path))
        super().log(request, response, time)


def make_runner(app: web.Application, **kwargs: object) -> web.AppRunner:
    """The runner for the bot's web server. Request bodies are not decompressed: no platform compresses what
    it sends, a signature covers the bytes as sent, and a broken compressed body would otherwise fail inside
    aiohttp (a 500, or a traceback while it discards a body nobody read). The access log never holds a
    token (`RedactedAccessLogger`)."""
    kwargs.setdefault("access_log_class", RedactedAccessLogger)
    return web.AppRunner(app, auto_decompress=False, **kwargs)  # type: ignore[arg-type]


PANEL = web.AppKey("panel", Panel)  # the panel this web server serves, for routes added by the adapters


def make_app(
    panel: Panel, *, calendar_token: str | None = None, body_timeout: float = BODY_TIMEOUT,
    body_budget: int = BODY_BUDGET, lifecycle: Lifecycle | None = None, metrics: Metrics | None = None,
) -> web.Application:
    """The web server's application. `body_timeout`: seconds a platform route waits for a request's whole
    body; `body_budget`: bytes of bodies held at once (bot/http_guard.py, which also holds each route's size
    limit). `metrics`: what GET /metrics serves (bot/metrics.py; off, a 404, unless it was given a token or
    `local`)."""
    app = web.Application(middlewares=[measured, while_running, hang_up_after_refusal])
    app[PANEL] = panel
    app[METRICS] = metrics = metrics or Metrics(panel)
    app.router.add_get("/metrics", metrics.handler)
    app[LIFECYCLE] = lifecycle = lifecycle or Lifecycle()
    app[BODY_TIMEOUT_KEY] = body_timeout
    app[BODY_BUDGET_KEY] = Budget(body_budget)
    quiet_protocol_errors()

    async def healthz(request: web.Request) -> web.Response:
        from bot.notify import outbox_summary

        body: dict[str, object] = {"status": "ok", "database": "ok", "partnership": panel.preset.id}
        if not await database_ok(panel, HEALTH_TIMEOUT, always=True):
            body.update(status="degraded", database="unavailable")
            return web.json_response(body, status=503)
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT):
                outbox = await outbox_summary(panel)
        except Exception as exc:
            log.warning("could not read the outbox for /healthz (%s)", type(exc).__name__)
            body.update(status="degraded", database="unavailable")
            return web.json_response(body, status=503)
        body["outbox"] = outbox
        if outbox["stuck"]:
            body["status"] = "degraded"
        return web.json_response(body)

    app.router.add_get("/healthz", healthz)

    async def readyz(request: web.Request) -> web.Response:
        """Whether this replica should be sent requests: not stopping, the database reachable and at the latest
        migration, the scheduler running. 503 with the reasons otherwise."""
        from storage.db import current_revision, head_revision

        problems: list[str] = []
        if lifecycle.stopping:
            problems.append("stopping")
        elif not await database_ok(panel, HEALTH_TIMEOUT, always=True):
            problems.append("database unavailable")
        elif not lifecycle.migrated:
            engine = panel.sessionmaker.kw.get("bind")
            try:
                async with asyncio.timeout(HEALTH_TIMEOUT):
                    lifecycle.migrated = engine is not None and await current_revision(engine) == head_revision()
            except Exception as exc:
                log.warning("could not read the database's migration for /readyz (%s)", type(exc).__name__)
            if not lifecycle.migrated:
                problems.append("database not at the latest migration (run panelbot db upgrade)")
        if not lifecycle.stopping and not lifecycle.scheduler_running():
            problems.append("scheduler not running")
        if problems:
            return web.json_response({"status": "not ready", "problems": problems}, status=503)
        return web.json_response({"status": "ready"})

    app.router.add_get("/readyz", readyz)

    async def calendar(request: web.Request) -> web.Response:
        """The open deadlines as an iCalendar feed, for a BM to subscribe to (issue 8). The long random token
        in the path is the only key: no token set, or any other token, is a plain 404, and the comparison
        takes the same time however much of the token is right."""
        given = request.match_info.get("token", "").encode()
        if not calendar_token or not hmac.compare_digest(given, calendar_token.encode()):
            raise web.HTTPNotFound(text="Not found")
        from bot.reports.ics import feed

        body = feed(panel.preset, panel.cal, await panel.calendar_entries(), panel.now(),
                    await panel.calendar_meetings())
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={
                "Cache-Control": "private, max-age=300",
                "Content-Disposition": 'inline; filename="deadlines.ics"',
            },
        )

    app.router.add_get("/calendar/{token}.ics", calendar)
    return app
