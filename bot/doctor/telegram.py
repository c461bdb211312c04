"""Telegram: the bot token works (getMe), the webhook Telegram has is the one set, and the bot can post in a
chat."""

from __future__ import annotations

import contextlib

from bot.doctor.checks import TIMEOUT, Check, fail, ok, shown
from bot.settings import Settings


class Telegram:
    def __init__(self, settings: Settings) -> None:
        from telegram import Bot
        from telegram.request import HTTPXRequest

        from bot.telegram.runner import api_urls

        self.settings = settings
        base, files = api_urls(settings.telegram.api_url)
        self.base = base.removesuffix("/bot")
        token = settings.telegram.bot_token.get_secret_value() if settings.telegram.bot_token else ""
        request = HTTPXRequest(connect_timeout=TIMEOUT, read_timeout=TIMEOUT)
        self.bot = Bot(token, base_url=base, base_file_url=files, request=request)
        self.working = False

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.bot.shutdown()

    async def credentials(self) -> Check:
        from telegram.error import InvalidToken, NetworkError, TelegramError

        name = "Telegram"
        token = shown(self.settings.telegram.bot_token)
        try:
            await self.bot.initialize()  # getMe
        except InvalidToken:
            return fail(name, f"Telegram refused TELEGRAM_BOT_TOKEN, {token}.",
                        "Ask @BotFather for the bot's current token (/token) and set TELEGRAM_BOT_TOKEN to it.")
        except NetworkError as exc:
            return fail(name, f"could not reach the Bot API at {self.base} ({type(exc).__name__}).",
                        "Check the network (and TELEGRAM_API_URL, normally unset).")
        except TelegramError as exc:
            return fail(name, f"getMe failed ({exc}).", "Check TELEGRAM_BOT_TOKEN with @BotFather.")
        self.working = True
        mode = "webhook" if self.settings.telegram.webhook_url else "long polling"
        return ok(name, f"bot @{self.bot.username}, {mode}; token {token}.")

    async def webhook(self) -> Check:
        from telegram.error import TelegramError

        from bot.telegram.runner import webhook_address

        name = "Telegram webhook"
        try:
            info = await self.bot.get_webhook_info()
        except TelegramError as exc:
            return fail(name, f"getWebhookInfo failed ({exc}).", "Check TELEGRAM_BOT_TOKEN with @BotFather.")
        wanted = webhook_address(self.settings.telegram.webhook_url) if self.settings.telegram.webhook_url else ""
        last = f" Telegram's last delivery error: {info.last_error_message}." if info.last_error_message else ""
        if wanted:
            if info.url != wanted:
                has = f"to {info.url}" if info.url else "nowhere (no webhook is set)"
                return fail(name, f"Telegram delivers updates {has}, not to TELEGRAM_WEBHOOK_URL ({wanted}).",
                            "Start the bot (`panelbot run`): it registers TELEGRAM_WEBHOOK_URL with Telegram.")
            return ok(name, f"Telegram delivers to {wanted} ({info.pending_update_count} waiting).{last}")
        if info.url:
            return fail(name, f"a webhook is set ({info.url}) but TELEGRAM_WEBHOOK_URL is not, so long polling "
                        "gets nothing.", "Set TELEGRAM_WEBHOOK_URL to that address, or start the bot in long "
                        "polling after deleting the webhook (Bot API deleteWebhook).")
        return ok(name, "long polling; no webhook is set.")

    async def can_post(self, name: str, chat: str) -> Check:
        from telegram.constants import ChatMemberStatus
        from telegram.error import BadRequest, Forbidden, TelegramError

        try:
            found = await self.bot.get_chat(chat)
        except (BadRequest, Forbidden):
            return fail(name, f"Telegram has no chat {chat} that the bot can reach.",
                        "Add the bot to that group (or, for a person, they press Start in a chat with the bot), "
                        "then send /setup there.")
        except TelegramError as exc:
            return fail(name, f"getChat failed for {chat} ({exc}).", "Check the network and try again.")
        label = f'"{found.title}"' if found.title else f"chat {chat}"
        if found.type == "private":
            return ok(name, f"a private chat with the bot ({chat}).")
        try:
            member = await self.bot.get_chat_member(chat, self.bot.id)
        except TelegramError as exc:
            return fail(name, f"getChatMember failed in {label} ({exc}).", "Add the bot to the group again.")
        status = member.status
        if status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
            return fail(name, f"the bot is not a member of {label} ({status}), so it cannot post there.",
                        "Add the bot to the group again, then send /setup there.")
        if status == ChatMemberStatus.RESTRICTED and not getattr(member, "can_send_messages", True):
            return fail(name, f"the bot may not send messages in {label}.",
                        "Let the bot send messages in the group's permissions.")
        return ok(name, f"the bot is a {status} of {label}.")
