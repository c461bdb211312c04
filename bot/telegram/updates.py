"""One Telegram update, processed to its end before Telegram is told it was received.

Both ways Telegram reaches the bot confirm an update only after its work has committed:

* webhook: the update is processed inside the request, and `POST /telegram/webhook` answers 200 only then;
  while the database cannot be reached it answers 503, and Telegram sends the update again later;
* long polling (`Poller`): the next `getUpdates` offset, which is what confirms updates to Telegram, moves
  past an update only once it has been processed; while the database cannot be reached, the same update is
  fetched again after a pause, and processed once when the database is back.

Each update runs inside `Panel.delivering("telegram:BOT:UPDATE_ID")`, so an update Telegram sends again
after its work had committed (the bot was killed before it could answer) records nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.service import Panel
from bot.telegram.adapter import retry_seconds

log = logging.getLogger(__name__)

OUTAGE_PAUSE = 5.0  # seconds before an update the database could not take is tried again (long polling)
NETWORK_PAUSE = 5.0  # seconds before getUpdates is tried again after a network failure


def read_update(data: Any, application: Application) -> Update | None:
    """An update as Telegram sent it, or None for one of a shape the bot cannot act on (it is then confirmed
    and left alone: sending it again would not make it readable)."""
    if not isinstance(data, dict) or not well_formed(data):
        return None
    try:
        return Update.de_json(data, application.bot)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        return None


async def process(application: Application, panel: Panel, update: Update) -> bool:
    """Run `update` through the handlers. True when it is done with (its work committed, or it was refused
    or answered); False when the database could not be reached and the update must come again."""
    with panel.delivering(f"telegram:{application.bot.id}:{update.update_id}") as delivery:
        await application.process_update(update)  # the error handler marks a database outage (`note_outage`)
    return delivery is None or not delivery.outage


class Poller:
    """Long polling that confirms an update to Telegram only after it has been processed (see the module)."""

    def __init__(
        self,
        application: Application,
        panel: Panel,
        *,
        timeout: int,
        allowed_updates: list[str],
        pause: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.application = application
        self.panel = panel
        self.timeout = timeout
        self.allowed_updates = allowed_updates
        self.pause = pause  # the tests pass time without waiting
        self.offset: int | None = None  # every update below it has been processed
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._busy = False  # processing a batch (not waiting on getUpdates)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        # getUpdates is refused while a webhook is set (say, from an earlier run in webhook mode).
        await self.application.bot.delete_webhook()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="telegram-polling")

    async def stop(self, grace: float = 10.0) -> None:
        """Fetch no more updates. A batch being processed is finished first (for up to `grace` seconds); a
        long poll still waiting is simply ended."""
        self._stopping = True
        if self._task is not None:
            if self._busy:
                await asyncio.wait({self._task}, timeout=grace)
            if not self._task.done():
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self.offset is not None:
            # Confirm what was processed, so the next start does not fetch it again (if this fails, the next
            # start fetches it again, and `delivering` makes sure it records nothing twice).
            with contextlib.suppress(TelegramError, Exception):
                await self._fetch(timeout=0, limit=1)

    async def _fetch(self, *, timeout: int, limit: int = 100) -> list[Any]:
        bot = self.application.bot
        read_timeout = (bot.request.read_timeout or 5.0) + timeout  # type: ignore[attr-defined]
        result = await bot.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": self.offset,
                "timeout": timeout,
                "limit": limit,
                "allowed_updates": self.allowed_updates,
            },
            read_timeout=read_timeout,
        )
        return result if isinstance(result, list) else []

    async def _run(self) -> None:
        while not self._stopping:
            try:
                batch = await self._fetch(timeout=self.timeout)
            except TimedOut:
                continue
            except RetryAfter as exc:
                await self.pause(retry_seconds(exc))
                continue
            except (NetworkError, TelegramError) as exc:
                log.warning("Telegram: getUpdates failed (%s); trying again shortly", type(exc).__name__)
                await self.pause(NETWORK_PAUSE)
                continue
            self._busy = True
            try:
                await self._take(batch)
            finally:
                self._busy = False

    async def _take(self, batch: list[Any]) -> None:
        for data in batch:
            if self._stopping:
                return  # the update in hand is finished; the rest are not confirmed, and the next start has them
            update_id = data.get("update_id") if isinstance(data, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                continue  # nothing to confirm it by; Telegram never sends one
            update = read_update(data, self.application)
            if update is None:
                log.info("Telegram: ignored an update of an unexpected shape")
            elif not await process(self.application, self.panel, update):
                log.warning("Telegram: the database is unreachable; an update waits until it is back")
                await self.pause(OUTAGE_PAUSE)
                return  # not confirmed: it (and the rest of the batch) is fetched again
            self.offset = update_id + 1


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _person(value: object) -> bool:
    return (isinstance(value, dict) and _int(value.get("id")) and isinstance(value.get("is_bot", False), bool)
            and isinstance(value.get("first_name", ""), str))


def _message(value: object, depth: int = 0) -> bool:
    if not isinstance(value, dict) or depth > 2:
        return False
    chat = value.get("chat")
    entities = value.get("entities", [])
    return (
        _int(value.get("message_id")) and _int(value.get("date"))
        and isinstance(chat, dict) and _int(chat.get("id")) and isinstance(chat.get("type"), str)
        and ("from" not in value or _person(value["from"]))
        and isinstance(value.get("text", ""), str)
        and isinstance(entities, list)
        and all(isinstance(e, dict) and isinstance(e.get("type"), str) and _int(e.get("offset"))
                and _int(e.get("length")) for e in entities)
        and ("reply_to_message" not in value or _message(value["reply_to_message"], depth + 1))
    )


def well_formed(data: dict) -> bool:
    """Whether a webhook update has the shape Telegram gives the two kinds the bot asks for (`message`,
    `callback_query`). python-telegram-bot reads almost anything, so a body with a chat id that is a list or a
    sender that is a string would otherwise reach the handlers and fail there. Other kinds pass (no handler
    takes them)."""
    if not _int(data.get("update_id")):
        return False
    if "message" in data and not _message(data["message"]):
        return False
    if "callback_query" in data:
        query = data["callback_query"]
        if not (isinstance(query, dict) and isinstance(query.get("id"), str) and _person(query.get("from"))
                and isinstance(query.get("chat_instance", ""), str) and isinstance(query.get("data", ""), str)
                and ("message" not in query or _message(query["message"]))):
            return False
    return True
