"""`POST /telegram/webhook` on the bot's own aiohttp server (python-telegram-bot's custom-webhook pattern).

Telegram sends the secret given to `setWebhook` in `X-Telegram-Bot-Api-Secret-Token`. A request without
it, or with another value, is refused with 403 before its body is read. An accepted update is processed
inside the request, and the request is answered 200 only once its work has committed
(`bot.telegram.updates`): a crash before then leaves Telegram without an answer, and it sends the update
again.

While the panel's database is unreachable an update is answered 503 (before it is processed, or when the
database goes away while it is): Telegram keeps it and sends it again later (it retries any webhook answer
that is not 2xx), instead of the bot accepting a vote it cannot record.
"""

from __future__ import annotations

import logging

from aiohttp import web
from telegram.ext import Application

from bot.http_guard import telegram_update
from bot.server import PANEL, database_ok, unavailable
from bot.telegram.updates import process, read_update

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
        update = read_update(data, application)
        if update is None:
            # Signed with our secret but not an update the bot can read: answered 200 all the same, or Telegram
            # would send it again and again. Nothing in it is acted on.
            log.info("ignored a Telegram webhook update of an unexpected shape")
            return web.Response(text="ignored")  # 200: Telegram must not send it again
        if panel is not None and not await process(application, panel, update):
            return unavailable()  # nothing was committed; Telegram sends it again later
        if panel is None:  # a web app without a panel (never in the bot itself): hand it to the application
            await application.process_update(update)
        return web.Response(text="ok")

    app.router.add_post(WEBHOOK_PATH, telegram_webhook)
