"""Microsoft Teams as a `bot.platforms.Platform`: on when the app's client id is set, or anonymous mode is (for
trying it locally)."""

from __future__ import annotations

from aiohttp import web

from bot.notify import Adapter, OutboxPump
from bot.service import Panel
from bot.settings import Settings
from bot.teams.app import TeamsBot
from bot.teams.config import TeamsConfig
from flows.errors import PanelError


class TeamsPlatform:
    name = "teams"

    def __init__(self, bot: TeamsBot) -> None:
        self.bot = bot

    @staticmethod
    def enabled(settings: Settings) -> bool:
        return bool((settings.teams.client_id or "").strip()) or settings.teams.anonymous_allowed

    @classmethod
    def build(cls, panel: Panel, settings: Settings, pump: OutboxPump) -> TeamsPlatform:
        config = TeamsConfig.from_settings(settings)
        if config is None:
            raise PanelError("Teams is not set up: set CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID.")
        bot = TeamsBot(panel, config)
        bot.pump = pump
        return cls(bot)

    @property
    def adapter(self) -> Adapter:
        return self.bot.adapter

    def add_routes(self, app: web.Application) -> None:
        self.bot.mount(app)  # POST /api/messages, JWT-validated unless anonymous mode is on

    async def start(self) -> None:
        await self.bot.start()

    async def stop_intake(self) -> None:
        return None  # the Bot Connector calls in; a stopping web server answers it 503

    async def stop(self, grace: float) -> None:
        await self.bot.stop(grace)
