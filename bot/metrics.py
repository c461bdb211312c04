"""`GET /metrics`: what a monitor scrapes, in the Prometheus text format (`prometheus-client`).

Off unless PANELBOT_METRICS_TOKEN is set (then the request must carry `Authorization: Bearer TOKEN`, compared
in constant time), or PANELBOT_METRICS=local (then only a client on this machine is answered, and not one
whose request came through a proxy). Anyone else, and everyone while it is off, gets a plain 404.

Each web application has its own `CollectorRegistry`, so tests (and replicas in one process) never share
counts. The metrics:

* `panelbot_http_requests_total{platform,route,status}`: requests answered. `route` is the route's pattern
  (`/calendar/{token}.ics`, never the token), or `other` for a path no route matches.
* `panelbot_http_request_duration_seconds{route}`: time to acknowledge, from the request's arrival to its
  answer (a histogram; Slack wants an answer within 3 s).
* `panelbot_outbox_waiting`, `panelbot_outbox_oldest_age_seconds`: messages not delivered yet, and how long the
  oldest has waited (0 when none). Read from the database at scrape time.
* `panelbot_outbox_sends_total{platform,result}`: deliveries to a platform's target. `result` is `sent` (on
  the message's first try), `retried` (delivered after earlier tries failed), `429` (the platform asked the
  bot to wait) or `failed` (the platform refused or could not be reached; the message is tried again later).
* `panelbot_reminders_sent_total{kind}`: reminders and escalations delivered.
* `panelbot_deadlines_overdue`: open deadlines whose time has passed, now (read at scrape time).
* `panelbot_sweep_duration_seconds{job}`: how long each scheduled sweep took (a histogram).
* `panelbot_metrics_database_up`: 1 when the scrape-time readings above came from the database, 0 when it did
  not answer within `SCRAPE_TIMEOUT` (the readings are then NaN).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import time
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.notify.summary import waiting_and_oldest
from bot.service import Panel

log = logging.getLogger(__name__)

SCRAPE_TIMEOUT = 2.0  # seconds a scrape waits for the database's readings
PLATFORM_OF_ROUTE = {"/slack/events": "slack", "/telegram/webhook": "telegram", "/api/messages": "teams"}
ACK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
SWEEP_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)
NOT_A_CALL = ("RetryLater: waiting as the platform asked", "not tried")  # rows held back: the platform not called


def route_of(request: web.Request) -> str:
    """The route's pattern, never the path as sent (a token, a hostile path)."""
    info = request.match_info
    if isinstance(info, web.UrlMappingMatchInfo) and not info.http_exception:
        canonical = info.route.resource.canonical if info.route.resource is not None else ""
        if canonical:
            return canonical
    return "other"


def is_local(request: web.Request) -> bool:
    """A client on this machine that did not come through a proxy (a proxy on this machine is loopback too)."""
    if any(h in request.headers for h in ("Forwarded", "X-Forwarded-For", "X-Real-IP")):
        return False
    try:
        return ipaddress.ip_address((request.remote or "").split("%")[0]).is_loopback
    except ValueError:
        return False


class Metrics:
    def __init__(self, panel: Panel, *, token: str | None = None, local: bool = False) -> None:
        self.panel = panel
        self.token = token or None
        self.local = local
        r = self.registry = CollectorRegistry()
        self.requests = Counter(
            "panelbot_http_requests", "HTTP requests answered, by platform, route and status.",
            ["platform", "route", "status"], registry=r,
        )
        self.request_seconds = Histogram(
            "panelbot_http_request_duration_seconds", "Time to acknowledge a request, by route.", ["route"],
            buckets=ACK_BUCKETS, registry=r,
        )
        self.sends = Counter(
            "panelbot_outbox_sends", "Deliveries to a platform's target, by result (sent, retried, 429, failed).",
            ["platform", "result"], registry=r,
        )
        self.reminders = Counter(
            "panelbot_reminders_sent", "Reminders and escalations delivered.", ["kind"], registry=r
        )
        self.sweep_seconds = Histogram(
            "panelbot_sweep_duration_seconds", "How long each scheduled sweep took.", ["job"],
            buckets=SWEEP_BUCKETS, registry=r,
        )
        self.waiting = Gauge("panelbot_outbox_waiting", "Messages not delivered yet.", registry=r)
        self.oldest = Gauge(
            "panelbot_outbox_oldest_age_seconds", "How long the oldest undelivered message has waited.", registry=r
        )
        self.overdue = Gauge("panelbot_deadlines_overdue", "Open deadlines whose time has passed.", registry=r)
        self.database_up = Gauge(
            "panelbot_metrics_database_up", "1 when this scrape's database readings are current.", registry=r
        )

    @classmethod
    def from_settings(cls, panel: Panel, settings: Any, sender: Any = None) -> Metrics:
        """As PANELBOT_METRICS_TOKEN and PANELBOT_METRICS say; `sender` (a `bot.notify.Sender`) reports to it."""
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        metrics = cls(panel, token=token, local=settings.metrics == "local")
        if sender is not None:
            sender.metrics = metrics
        return metrics

    @property
    def enabled(self) -> bool:
        return bool(self.token) or self.local

    def allowed(self, request: web.Request) -> bool:
        if self.token:
            given = request.headers.get("Authorization", "")
            scheme, _, value = given.partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), self.token.encode()):
                return True
        return self.local and is_local(request)

    # The hooks the sender and the scheduler call ------------------------------------------------------------

    def recorded(self, row: Any, delivered: list[str], errors: list[str]) -> None:
        """`Sender._record`: what became of one claimed row on this try."""
        before = set(row.delivered_to or [])
        new = [key for key in delivered if key not in before]
        for key in new:
            self.sends.labels(key.split(":", 1)[0], "sent" if (row.attempts or 1) <= 1 else "retried").inc()
        for error in errors:
            platform, _, why = error.partition(": ")
            if why.startswith(NOT_A_CALL):
                continue
            self.sends.labels(platform, "429" if why.startswith("RetryLater") else "failed").inc()
        if new and not errors and row.kind in ("reminder", "escalation"):
            self.reminders.labels(row.kind).inc()

    def sweep(self, job: str, seconds: float) -> None:
        self.sweep_seconds.labels(job).observe(seconds)

    # Scraping ----------------------------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Read the database's gauges, within `SCRAPE_TIMEOUT`; NaN and `database_up 0` when it does not answer."""
        panel = self.panel
        now = panel.now()
        try:
            async with asyncio.timeout(SCRAPE_TIMEOUT):
                async with panel.uow() as uow:
                    waiting, oldest = await waiting_and_oldest(uow)
                    overdue = await uow.deadlines.overdue_count(now)
        except Exception as exc:  # never the error's text: it can hold the connection's address
            log.warning("could not read the database for /metrics (%s)", type(exc).__name__)
            for gauge in (self.waiting, self.oldest, self.overdue):
                gauge.set(float("nan"))
            self.database_up.set(0)
            return
        self.waiting.set(int(waiting))
        self.oldest.set(0 if oldest is None else max((now - oldest).total_seconds(), 0.0))
        self.overdue.set(int(overdue))
        self.database_up.set(1)

    async def handler(self, request: web.Request) -> web.Response:
        if not self.enabled or not self.allowed(request):
            raise web.HTTPNotFound(text="Not found")
        await self.refresh()
        return web.Response(body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


METRICS = web.AppKey("metrics", Metrics)


@web.middleware
async def measured(request: web.Request, handler: Any) -> web.StreamResponse:
    """Count and time every request, and name it for the logs (`bot.logging_json.REQUEST`: a request id, the
    platform and the route, on every line logged while it is served)."""
    from uuid import uuid4

    from bot.logging_json import REQUEST

    route = route_of(request)
    platform = PLATFORM_OF_ROUTE.get(route, "")
    token = REQUEST.set({"request_id": uuid4().hex[:16], "platform": platform, "route": route})
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        seconds = time.perf_counter() - started
        metrics = request.app[METRICS]
        metrics.requests.labels(platform, route, str(status)).inc()
        metrics.request_seconds.labels(route).observe(seconds)
        log.debug("answered %s %s", status, route, extra={"status": status, "duration_ms": round(seconds * 1000, 1)})
        REQUEST.reset(token)
