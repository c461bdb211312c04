"""`POST /telegram/webhook` on the bot's own aiohttp server (python-telegram-bot's custom-webhook pattern).

Telegram sends the secret given to `setWebhook` in `X-Telegram-Bot-Api-Secret-Token`. A request without
it, or with another value, is refused with 403 before its body is read. Accepted updates go on the
application's update queue and the request is answered at once, so Telegram never waits on the panel.

While the panel's database is unreachable an update is answered 503 before it is queued: Telegram keeps it
and sends it again later (it retries any webhook answer that is not 2xx), instead of the bot accepting a
vote it cannot record.
"""

from __future__ import annotations

import logging

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.http_guard import telegram_update
from bot.server import PANEL, database_ok, unavailable
from bot.telegram.handlers import well_formed

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def add_webhook_route(app: web.Application, application: Application, secret: str) -> None:
    expected = secret.encode("utf-8")

    async def telegram_webhook(request: web.Request) -> web.Response:
        # The secret is checked before the body is read; the body is read within a size and a time limit and
        # parsed only then (bot/http_guard.py): 403, 400, 408 or 413, each with one INFO line.
        data = await telegram_update(request, expected, SECRET_HEADER)
        if not isinstance(data, dict):
            log.info("refused a Telegram webhook request whose JSON is not an object")
            return web.Response(status=400, text="not an update")
        if not application.running:
            return web.Response(status=503, text="starting")  # Telegram sends it again later
        panel = request.config_dict.get(PANEL)
        if panel is not None and not await database_ok(panel):
            return unavailable()  # Telegram sends it again later
        if not well_formed(data):
            log.info("ignored a Telegram webhook update of an unexpected shape")
            return web.Response(text="ignored")  # 200: Telegram must not send it again
        try:
            update = Update.de_json(data, application.bot)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            # Signed with our secret but not an update python-telegram-bot can read: answered 200 all the
            # same, or Telegram would send it again and again. Nothing in it is acted on.
            log.info("ignored a Telegram webhook update that could not be read")
            return web.Response(text="ignored")
        await application.update_queue.put(update)
        return web.Response(text="ok")

    app.router.add_post(WEBHOOK_PATH, telegram_webhook)
