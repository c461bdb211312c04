"""The bot's one aiohttp web server. `/healthz` now; the platform issues add `/slack/events`,
`/telegram/webhook` and `/api/messages` to the same application."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from bot.service import Panel


def make_app(panel: Panel) -> web.Application:
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
    return app
