"""The bot's one aiohttp web server. `/healthz` now; the platform issues add `/slack/events`,
`/telegram/webhook` and `/api/messages` to the same application. `/calendar/TOKEN.ics` serves the open
deadlines as an iCalendar feed when PANELBOT_CALENDAR_TOKEN is set."""

from __future__ import annotations

import hmac

from aiohttp import web
from sqlalchemy import text

from bot.service import Panel


def make_app(panel: Panel, *, calendar_token: str | None = None) -> web.Application:
    app = web.Application()

    async def healthz(request: web.Request) -> web.Response:
        try:
            async with panel.uow() as uow:
                await uow.session.execute(text("SELECT 1"))
            database = "ok"
        except Exception:
            database = "unavailable"
        status = 200 if database == "ok" else 503
        return web.json_response(
            {"status": "ok" if status == 200 else "degraded", "database": database, "partnership": panel.preset.id},
            status=status,
        )

    app.router.add_get("/healthz", healthz)

    async def calendar(request: web.Request) -> web.Response:
        """The open deadlines as an iCalendar feed, for a BM to subscribe to (issue 8). The long random token
        in the path is the only key: no token set, or any other token, is a plain 404, and the comparison
        takes the same time however much of the token is right."""
        given = request.match_info.get("token", "").encode()
        if not calendar_token or not hmac.compare_digest(given, calendar_token.encode()):
            raise web.HTTPNotFound(text="Not found")
        from bot.reports.ics import feed

        body = feed(panel.preset, panel.cal, await panel.calendar_entries(), panel.now())
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
