"""Delivers outbox messages to Telegram chats: referral cards (edited in place on every change, the keyboard
going when voting closes), decisions, escalations, notices, and any kind added later, shown as a notice.

Files (`Outgoing.files`) follow the message: images (a report's charts) as photos (`sendPhoto`), anything else
(a meeting's `.ics` invitation) as a document (`sendDocument`), each with its title as the caption. A file
Telegram refuses (too large, not an image) is logged and the chat is told in one sentence; retrying would not
help.

Flood control: a `RetryAfter` from Telegram becomes `bot.notify.RetryLater`, so the sender tries the row
again when Telegram said, and the chat is left alone until then (nothing else is sent into it early). When
that happens between a message and its photos, the adapter remembers (in memory) what was already posted,
so the retry sends only the rest: nothing is posted twice.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.notify import Outgoing, PlatformUnavailable, RetryLater
from bot.service import Panel
from bot.telegram import render
from bot.telegram.conversation import ConversationStore
from flows.views import reasons_lines

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
MAX_PARTLY_SENT = 1000  # messages remembered as partly sent (posted, photos still to come)


# What Telegram says when it will not deliver to a chat, as recorded in the outbox's `last_error`, from which
# the business manager is told what to do (`flows.stuck`). Telegram's own words, matched in lower case; only
# these fixed phrases are ever recorded, never the rest of an error (which could quote what was sent).
REFUSALS = (
    "chat not found",
    "bot was blocked by the user",
    "bot can't initiate conversation with a user",
    "bot was kicked",
    "bot is not a member",
    "not enough rights",
    "have no rights to send",
    "need administrator rights",
    "chat_write_forbidden",
    "user is deactivated",
)


class TelegramRefused(Exception):
    """Telegram refused a message for this chat (a 400 or a 403): the chat is not found, the bot was blocked or
    removed, it may not post. The message is one of `REFUSALS`, else only the error's class."""


def refusal(exc: BadRequest | Forbidden) -> TelegramRefused:
    said = str(exc).lower()
    return TelegramRefused(next((r for r in REFUSALS if r in said), type(exc).__name__))


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked to wait. PTB 22 is moving `retry_after` from int to timedelta."""
    value = getattr(exc, "_retry_after", None)
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def chat_id_of(target: str) -> int | str:
    """`-100123` and `5551234` are chat ids; `@name` is a public channel's username."""
    try:
        return int(target)
    except ValueError:
        return target


@dataclass
class Progress:
    """A message posted to a chat whose files are not all posted yet (flood control stopped them)."""

    message_id: str | None
    files_sent: int = 0
    refused: list[str] = field(default_factory=list)  # names of the files Telegram would not take


def progress_key(target: str, message: Outgoing, previous_id: str | None) -> str:
    """The same outbox row, retried, gives the same key (a card's wording may have changed meanwhile, so the
    card counts by its reference only)."""
    digest = hashlib.sha256()
    parts = [target, message.kind, message.purpose, message.headline or "", message.text or "", previous_id or ""]
    parts.append(message.card.reference if message.card is not None else "")
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    for name, data in message.files:
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


class TelegramAdapter:
    platform = "telegram"
    reaches_everyone = False
    target_interval = 0.0

    def __init__(self, bot: Bot, panel: Panel, store: ConversationStore) -> None:
        self.bot = bot
        self.panel = panel
        self.store = store
        self._quiet_until: dict[str, datetime] = {}
        self._partly_sent: dict[str, Progress] = {}

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        now = self.panel.now()
        until = self._quiet_until.get(target)
        if until is not None and now < until:
            raise RetryLater((until - now).total_seconds(), "Telegram asked for a pause in this chat")
        try:
            if message.files:
                return await self._deliver_with_files(target, message, previous_id)
            return await self._deliver(chat_id_of(target), message, previous_id)
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            self._quiet_until[target] = now + timedelta(seconds=wait)
            raise RetryLater(wait, "Telegram flood control") from None
        except (BadRequest, Forbidden) as exc:  # Telegram refused this message; the API itself is working
            raise refusal(exc) from None
        except NetworkError as exc:
            # A time-out, a refused connection or a server error: the Bot API is unreachable just now. (PTB's
            # message can carry the request URL, and the URL holds the token: it is dropped.)
            what = "timed out" if isinstance(exc, TimedOut) else "unreachable or failing"
            raise PlatformUnavailable(what) from None

    async def _deliver_with_files(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        """The message, then each file as a photo or a document. A `RetryAfter` part-way leaves what was posted
        recorded."""
        chat = chat_id_of(target)
        key = progress_key(target, message, previous_id)
        progress = self._partly_sent.get(key)
        if progress is None:
            progress = Progress(await self._deliver(chat, message, previous_id))
            if len(self._partly_sent) >= MAX_PARTLY_SENT:
                self._partly_sent.pop(next(iter(self._partly_sent)))  # the oldest: a restart would forget it too
            self._partly_sent[key] = progress
        about = message.headline or (f"{message.card.reference} · {message.card.subject}" if message.card else None)
        for name, data in message.files[progress.files_sent :]:
            try:
                send = self.bot.send_photo if render.is_image(name) else self.bot.send_document
                await send(chat, data, filename=name, caption=render.photo_caption(name, about),
                           parse_mode=ParseMode.HTML)
            except BadRequest as exc:  # Telegram will not take this file, now or later: retrying cannot help
                log.warning("Telegram refused the file %s: %s", name, exc)
                progress.refused.append(name)
            progress.files_sent += 1
        if progress.refused:
            try:
                await self._send(chat, render.to_html([render.files_not_shown(progress.refused)]), None)
            except BadRequest as exc:
                log.warning("could not say that a file was refused: %s", exc)
        self._partly_sent.pop(key, None)
        return progress.message_id

    async def _deliver(self, chat: int | str, message: Outgoing, previous_id: str | None) -> str | None:
        card = message.card
        if message.kind in ("referral_card", "card_update") and card is not None:
            text = render.card_html(card, self.panel.cal)
            keyboard = render.card_keyboard(card)
            if message.kind == "card_update":
                if previous_id is None:
                    return None  # never posted on Telegram (the group was set up later): nothing to update
                await self._edit(chat, int(previous_id), text, keyboard)
                return previous_id
            sent = await self._send(chat, text, keyboard)
            return str(sent)
        if message.kind == "decision" and card is not None:
            await self._send(chat, render.to_html(render.decision_lines(card, self.panel.cal)), None)
            return None
        keyboard, long_commands = render.action_keyboard(message.actions)
        for command in long_commands:
            await self.store.remember_command(command)
        lines = render.notice_lines(message.headline, message.text)
        if message.kind == "escalation" and card is not None:  # whoever must decide reads every vote's reason
            lines += reasons_lines(card)
        sent = await self._send(chat, render.to_html(lines), keyboard)
        return str(sent)  # its id: a Mark as returned under it counts only from this message (`flows.returns`)

    async def _send(self, chat: int | str, text: str, keyboard: InlineKeyboardMarkup | None) -> int:
        sent = await self.bot.send_message(
            chat_id=chat, text=text, parse_mode=ParseMode.HTML, reply_markup=keyboard, link_preview_options=NO_PREVIEW
        )
        return sent.message_id

    async def _edit(self, chat: int | str, message_id: int, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
        """Edit a card in place. Without a keyboard Telegram removes the old one: voting has closed."""
        try:
            await self.bot.edit_message_text(
                chat_id=chat,
                message_id=message_id,
                text=text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
                link_preview_options=NO_PREVIEW,
            )
        except BadRequest as exc:
            reason = str(exc).lower()
            if "not modified" in reason:
                return  # the card already shows this
            if "message to edit not found" in reason:
                log.warning("a referral card was deleted from a Telegram chat; it can no longer be updated")
                return
            raise
