"""How the bot speaks on Telegram: messages (in the bot's HTML, split to fit), a pause Telegram asks for
honoured, photos, answers to button presses, and buttons taken off a question once it is answered. `Sending`
is the base of the handlers in `bot.telegram.handlers`."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import RetryAfter, TelegramError

from bot.service import Actor, Panel
from bot.telegram import render
from bot.telegram.adapter import NO_PREVIEW, retry_seconds
from bot.telegram.conversation import (
    ConversationStore,
    Intake,
)

log = logging.getLogger("bot.telegram.handlers")

RECUSE_REASON = "recuse_reason"
NOT_IN_USE = "This button is no longer in use."
REASON_MAX = 4000
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
MAX_PAUSE = 60.0  # seconds: the longest flood-control pause honoured inline before a direct reply
Markup = InlineKeyboardMarkup | ForceReply | None


def split_command(text: str) -> tuple[str, str]:
    """`/vote@panel_bot SAL-2026-001 commence` -> ("vote", "SAL-2026-001 commence")."""
    first, _, rest = text.strip().partition(" ")
    return first.lstrip("/").split("@", 1)[0].lower(), rest.strip()


def is_group(chat_type: str) -> bool:
    return chat_type in (ChatType.GROUP, ChatType.SUPERGROUP)


class Sending:
    def __init__(self, panel: Panel, store: ConversationStore) -> None:
        self.panel = panel
        self.store = store
        self.intake = Intake(panel)
        self.pause: Callable[[float], Awaitable[object]] = asyncio.sleep  # tests pass time without waiting

    # Who is asking -----------------------------------------------------------------------------------
    async def actor(self, user: User) -> Actor:
        """The panel member behind a Telegram account, matched by user id (never the username, which users
        can change); anyone else is a guest, who can do only what needs no role."""
        found = await self.panel.actor_for("telegram", str(user.id))
        return found or Actor.guest("telegram", str(user.id), user.full_name)

    # Sending -----------------------------------------------------------------------------------------
    async def say(
        self,
        bot: Bot,
        chat_id: int,
        lines: list[str],
        *,
        lead: list[render.Segment] | None = None,
        markup: Markup = None,
        reply_to: Message | None = None,
        html: str | None = None,
    ) -> Message:
        """Send a direct answer. Flood control pauses it once, for as long as Telegram asks (up to a minute)."""
        text = html if html is not None else render.to_html(lines, lead=lead)
        kwargs = dict(
            chat_id=chat_id,
            text=text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=NO_PREVIEW,
            reply_parameters=(
                ReplyParameters(message_id=reply_to.message_id, allow_sending_without_reply=True) if reply_to else None
            ),
        )
        return await self.patiently(bot.send_message, **kwargs)

    async def patiently(self, call: Callable[..., Awaitable[Message]], **kwargs: object) -> Message:
        """Call the Bot API; on flood control, pause once for as long as Telegram asks (up to a minute)."""
        try:
            return await call(**kwargs)
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if wait > MAX_PAUSE:
                raise
            await self.pause(wait)
            return await call(**kwargs)

    async def post_files(
        self, bot: Bot, chat_id: int, files: tuple[tuple[str, bytes], ...], *, about: str | None, reply_to: Message
    ) -> None:
        """A reply's files, each with its title as the caption, after the text: a report's charts as photos, any
        other file as a document.
        A file that cannot be posted is named to the person in one sentence; the command itself stands."""
        not_posted: list[str] = []
        for position, (name, data) in enumerate(files):
            try:
                image = render.is_image(name)
                await self.patiently(
                    bot.send_photo if image else bot.send_document,
                    chat_id=chat_id,
                    **{"photo" if image else "document": data},
                    filename=name,
                    caption=render.photo_caption(name, about),
                    parse_mode=ParseMode.HTML,
                    reply_parameters=ReplyParameters(message_id=reply_to.message_id, allow_sending_without_reply=True),
                )
            except RetryAfter:  # a longer pause than a person should wait: the rest would be held up too
                log.warning("Telegram flood control held up %d file(s)", len(files) - position)
                not_posted += [n for n, _ in files[position:]]
                break
            except TelegramError as exc:  # refused (too large, not an image) or the network failed
                log.warning("could not post the file %s on Telegram: %s", name, exc)
                not_posted.append(name)
            except Exception:
                log.exception("posting the file %s on Telegram failed", name)
                not_posted.append(name)
        if not_posted:
            try:
                await self.say(bot, chat_id, [render.files_not_shown(not_posted)], reply_to=reply_to)
            except TelegramError as exc:
                log.warning("could not say that a file was not posted: %s", type(exc).__name__)

    async def answer(self, query: CallbackQuery, lines: list[str], *, ok: bool = True) -> None:
        """The short toast after a button press; a refusal is an alert the person has to dismiss."""
        try:
            await query.answer(text=render.plain(lines) or None, show_alert=not ok)
        except TelegramError as exc:  # an old query can no longer be answered; the action itself stands
            log.info("could not answer a Telegram callback: %s", type(exc).__name__)

    async def unbutton(self, bot: Bot, chat_id: int, message_id: int | None, lines: list[str] | None = None) -> None:
        """Take the buttons off a question once it is answered (showing the answer, when given)."""
        if not message_id:
            return
        try:
            if lines:
                await bot.edit_message_text(
                    chat_id=chat_id, message_id=message_id, text=render.to_html(lines), parse_mode=ParseMode.HTML
                )
            else:
                await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
        except TelegramError as exc:
            log.info("could not tidy a Telegram question: %s", type(exc).__name__)
