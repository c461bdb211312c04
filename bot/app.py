"""The running bot: one asyncio process holding the web server, the scheduler, the outbox sender and the
adapters (the terminal when no platform token is set)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from rich.console import Console

from bot.config_file import apply_config
from bot.console.adapter import ConsoleAdapter
from bot.console.repl import ConsoleSession, SimClock
from bot.notify import Adapter, OutboxPump, Sender
from bot.scheduler import start_scheduler
from bot.server import make_app
from bot.service import Panel
from bot.service.bootstrap import open_panel
from bot.settings import Settings
from flows.errors import PanelError
from flows.preset import load_preset
from storage.db import ensure_ready, is_fresh_sqlite, make_engine

log = logging.getLogger("panelbot")


@asynccontextmanager
async def panel_from_settings(settings: Settings, *, migrate_fresh: bool = False, clock=None) -> AsyncIterator[Panel]:  # type: ignore[no-untyped-def]
    """The panel the settings describe, on a database that is ready. Used by `run` and every CLI command."""
    preset = load_preset(settings.preset)
    url = settings.database_url.get_secret_value()
    fresh = is_fresh_sqlite(url)
    engine = make_engine(url)
    try:
        await ensure_ready(engine, migrate_fresh=migrate_fresh and fresh)
        yield await open_panel(engine, preset, timezone=settings.timezone, clock=clock)
    finally:
        await engine.dispose()


async def serve(settings: Settings, *, console_mode: bool | None = None) -> None:
    tokens = settings.platform_tokens_set
    tokens = [t for t in tokens if t != "telegram"]  # bot/telegram is built: it starts below
    tokens = [t for t in tokens if t != "slack"]  # bot/slack is built: it starts below
    tokens = [t for t in tokens if t != "teams"]  # bot/teams is built: it starts below
    if tokens:
        log.warning(
            "Platform tokens are set (%s) but those adapters are not built yet; running the terminal adapter only.",
            ", ".join(tokens),
        )
    interactive = sys.stdin.isatty() if console_mode is None else console_mode
    clock = SimClock()
    console = Console(markup=False, emoji=False)  # the terminal shows typed and preset text as it is
    async with panel_from_settings(settings, migrate_fresh=True, clock=clock) as panel:
        if settings.config is not None:
            for change in await apply_config(panel, settings.config):
                log.info("panel config: %s", change)
        # The terminal shows every channel's messages only when someone is at it; with no terminal attached,
        # printing them would put the panel's traffic into a service log.
        adapters: list[Adapter] = [ConsoleAdapter(panel, console)] if interactive else []
        sender = Sender(panel, adapters)
        # One pump for every platform: what a command queued goes out as soon as the command has answered.
        pump = OutboxPump(sender)
        telegram = None
        if settings.telegram_bot_token:
            from bot.telegram import TelegramBot

            telegram = TelegramBot.from_settings(panel, settings)
            adapters.append(telegram.adapter)
        slack = None
        if settings.slack_bot_token:
            from bot.slack.app import SlackBot, SlackConfig

            slack_config = SlackConfig.from_settings(settings)
            assert slack_config is not None
            slack = SlackBot(panel, slack_config)
            slack.pump = pump
            adapters.append(slack.adapter)
        teams = None
        if settings.teams_client_id or settings.teams_anonymous_allowed:
            from bot.teams import TeamsBot

            teams = TeamsBot.from_settings(panel, settings)
            if teams is not None:
                teams.pump = pump
                adapters.append(teams.adapter)
        if telegram is not None or slack is not None or teams is not None:
            panel.on_outbox = pump.poke

        # The terminal session flushes the outbox after printing each reply, so replies come before the
        # messages they caused; the scheduler's flush_outbox job delivers the rest.
        scheduler = start_scheduler(panel, sender)
        calendar_token = settings.calendar_token.get_secret_value() if settings.calendar_token else None
        web_app = make_app(panel, calendar_token=calendar_token)  # GET /calendar/TOKEN.ics when the token is set
        if telegram is not None:
            telegram.add_routes(web_app)  # POST /telegram/webhook in webhook mode
        if slack is not None:
            slack.mount(web_app)  # POST /slack/events, when SLACK_SIGNING_SECRET is set
        if teams is not None:
            teams.mount(web_app)  # POST /api/messages, JWT-validated unless anonymous mode is on
        runner = web.AppRunner(web_app)
        await runner.setup()
        site = web.TCPSite(runner, settings.http_host, settings.http_port)
        try:
            await site.start()
        except OSError as exc:
            scheduler.shutdown(wait=False)
            await runner.cleanup()
            raise PanelError(
                f"Could not listen on {settings.http_host}:{settings.http_port} ({exc.strerror or exc}). "
                "Is Panelbot already running? Set PANELBOT_HTTP_PORT to use another port."
            ) from None
        log.info("listening on http://%s:%s (GET /healthz)", settings.http_host, settings.http_port)
        if telegram is not None:
            try:
                await telegram.start()
            except PanelError:
                scheduler.shutdown(wait=False)
                await runner.cleanup()
                raise
        if slack is not None:
            try:
                await slack.start()  # Socket Mode connects here when SLACK_APP_TOKEN is set
            except Exception as exc:
                scheduler.shutdown(wait=False)
                await runner.cleanup()
                raise PanelError(
                    f"Could not connect to Slack in Socket Mode ({type(exc).__name__}). Check SLACK_APP_TOKEN."
                ) from None
        if teams is not None:
            await teams.start()
        if panel.on_outbox is not None:
            # What an earlier run left undelivered (it stopped, or was killed, between committing and sending)
            # goes out now, not at the scheduler's first round a few seconds from now.
            await pump.poke()
        try:
            if interactive:
                await ConsoleSession(panel, sender, console, clock).loop()
            else:
                console.print("Panelbot is running with no terminal attached. Stop it with Ctrl-C.")
                await asyncio.Event().wait()
        finally:
            if teams is not None:
                await teams.stop()
            if slack is not None:
                await slack.stop()
            await pump.close()  # after Slack and Teams have settled; before Telegram's bot is shut down
            if telegram is not None:
                await telegram.stop()
            scheduler.shutdown(wait=False)
            await runner.cleanup()
