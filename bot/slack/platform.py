"""Slack as a `bot.platforms.Platform`: on when SLACK_BOT_TOKEN is set."""

from __future__ import annotations

from aiohttp import web

from bot.notify import Adapter, OutboxPump
from bot.service import Panel
from bot.settings import Settings
from bot.slack.app import SlackBot, SlackConfig
from flows.errors import PanelError


class SlackPlatform:
    name = "slack"

    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot

    @staticmethod
    def enabled(settings: Settings) -> bool:
        return settings.slack.bot_token is not None

    @classmethod
    def build(cls, panel: Panel, settings: Settings, pump: OutboxPump) -> SlackPlatform:
        config = SlackConfig.from_settings(settings)
        if config is None:
            raise PanelError("SLACK_BOT_TOKEN is not set.")
        bot = SlackBot(panel, config)
        bot.pump = pump
        return cls(bot)

    @property
    def adapter(self) -> Adapter:
        return self.bot.adapter

    def add_routes(self, app: web.Application) -> None:
        self.bot.mount(app)  # POST /slack/events, when SLACK_SIGNING_SECRET is set

    async def start(self) -> None:
        try:
            await self.bot.start()  # Socket Mode connects here when SLACK_APP_TOKEN is set
        except Exception as exc:
            raise PanelError(
                f"Could not connect to Slack in Socket Mode ({type(exc).__name__}). Check SLACK_APP_TOKEN."
            ) from None

    async def stop_intake(self) -> None:
        await self.bot.close_socket()

    async def stop(self, grace: float) -> None:
        await self.bot.stop(grace)
