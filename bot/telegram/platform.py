"""Telegram as a `bot.platforms.Platform`: on when TELEGRAM_BOT_TOKEN is set."""

from __future__ import annotations

from aiohttp import web

from bot.notify import Adapter, OutboxPump
from bot.service import Panel
from bot.settings import Settings
from bot.telegram.runner import TelegramBot


class TelegramPlatform:
    name = "telegram"

    def __init__(self, bot: TelegramBot) -> None:
        self.bot = bot

    @staticmethod
    def enabled(settings: Settings) -> bool:
        return settings.telegram.bot_token is not None

    @classmethod
    def build(cls, panel: Panel, settings: Settings, pump: OutboxPump) -> TelegramPlatform:
        return cls(TelegramBot.from_settings(panel, settings))

    @property
    def adapter(self) -> Adapter:
        return self.bot.adapter

    def add_routes(self, app: web.Application) -> None:
        self.bot.add_routes(app)  # POST /telegram/webhook in webhook mode

    async def start(self) -> None:
        await self.bot.start()

    async def stop_intake(self) -> None:
        await self.bot.stop_polling()

    async def stop(self, grace: float) -> None:
        await self.bot.stop()
