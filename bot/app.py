"""The running bot: one asyncio process holding the web server, the scheduler, the outbox sender and the
adapters (the terminal when no platform token is set)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config_file import apply_config
from bot.console.adapter import ConsoleAdapter
from bot.console.repl import ConsoleSession, SimClock
from bot.metrics import Metrics
from bot.notify import Adapter, OutboxPump, Sender
from bot.platforms import Platform, enabled_platforms
from bot.scheduler import start_scheduler, stop_scheduler
from bot.server import Lifecycle, make_app, make_runner
from bot.service import Panel
from bot.service.bootstrap import open_panel
from bot.settings import DEFAULT_PRESET, Settings
from flows.errors import PanelError
from flows.preset import Preset, PresetError, load_preset
from storage.db import ensure_ready, is_fresh_sqlite, make_engine
from storage.models import Partnership

log = logging.getLogger("panelbot")


@asynccontextmanager
async def panel_from_settings(  # type: ignore[no-untyped-def]
    settings: Settings,
    *,
    migrate_fresh: bool = False,
    clock=None,
    practice: bool = False,
    preset: str | None = None,
    add_partnership: bool = False,
) -> AsyncIterator[Panel]:
    """The panel the settings describe, on a database that is ready. Used by `run` and every CLI command.
    `practice` opens the practice database (PANELBOT_PRACTICE_DATABASE_URL) instead of the real one. The
    partnership is `preset` (`--preset`), else PANELBOT_PRESET, else the one the database holds
    (`partnership_preset`)."""
    url = (settings.practice_database_url if practice else settings.database_url).get_secret_value()
    fresh = is_fresh_sqlite(url)
    engine = make_engine(url)
    try:
        await ensure_ready(engine, migrate_fresh=migrate_fresh and fresh)
        chosen, adding = await partnership_preset(engine, preset or settings.preset or None, add=add_partnership)
        yield await open_panel(
            engine,
            chosen,
            timezone=settings.timezone,
            clock=clock,
            practice=practice,
            created_by="operator (command line)" if adding else "Panelbot",
            stuck_after=settings.stuck_after_delta,
        )
    finally:
        await engine.dispose()


async def partnership_preset(engine: AsyncEngine, named: str | None, *, add: bool = False) -> tuple[Preset, bool]:
    """Which partnership a command works on, and whether it is being added to a database that holds others.
    A partnership is never created or switched implicitly: with none named, the one the database holds (a new,
    empty database gets the default); a named one the database does not hold only when `add` says so."""
    async with engine.connect() as conn:
        held = (await conn.execute(select(Partnership.preset_id, Partnership.name).order_by(Partnership.id))).all()
    if named is None:
        if not held:
            return load_preset(DEFAULT_PRESET), False
        if len(held) > 1:
            ids = ", ".join(row.preset_id for row in held)
            raise PanelError(
                f"This database holds {len(held)} partnerships ({ids}); say which with --preset NAME "
                "(or PANELBOT_PRESET)."
            )
        try:
            return load_preset(held[0].preset_id), False
        except PresetError:
            raise PanelError(
                f'This database holds {held[0].name}, whose preset "{held[0].preset_id}" is not a shipped one; '
                "give its file with --preset PATH (or PANELBOT_PRESET)."
            ) from None
    preset = load_preset(named)
    if not held or any(row.preset_id == preset.id for row in held):
        return preset, False
    if add:
        return preset, True
    names = ", ".join(f"{row.name} ({row.preset_id})" for row in held)
    raise PanelError(
        f"This database holds {names}, not {preset.name} ({preset.id}): name a partnership it holds with "
        "--preset (or PANELBOT_PRESET), or add this one with --add-partnership."
    )


async def serve(
    settings: Settings,
    *,
    console_mode: bool | None = None,
    practice: bool = False,
    preset: str | None = None,
    add_partnership: bool = False,
) -> None:
    interactive = sys.stdin.isatty() if console_mode is None else console_mode
    if interactive:
        # At the terminal the person reads each command's answer and each message; the per-command and
        # per-delivery log lines (for a log service) would only interleave with them.
        for name in ("bot.commands", "bot.notify"):
            if logging.getLogger(name).getEffectiveLevel() == logging.INFO:
                logging.getLogger(name).setLevel(logging.WARNING)
    clock = SimClock()
    console = Console(markup=False, emoji=False)  # the terminal shows typed and preset text as it is
    async with panel_from_settings(
        settings, migrate_fresh=True, clock=clock, practice=practice, preset=preset, add_partnership=add_partnership
    ) as panel:
        if settings.config is not None:
            for change in await apply_config(panel, settings.config):
                log.info("panel config: %s", change)
        # The terminal shows every channel's messages only when someone is at it; with no terminal attached,
        # printing them would put the panel's traffic into a service log.
        adapters: list[Adapter] = [ConsoleAdapter(panel, console)] if interactive else []
        sender = Sender(panel, adapters)
        # One pump for every platform: what a command queued goes out as soon as the command has answered.
        pump = OutboxPump(sender)
        # Every platform the settings switch on (bot/platforms.py), each delivering the outbox to its people.
        platforms = await enabled_platforms(panel, settings, pump)
        adapters.extend(p.adapter for p in platforms)
        if platforms:
            panel.on_outbox = pump.poke

        # The terminal session flushes the outbox after printing each reply, so replies come before the
        # messages they caused; the scheduler's flush_outbox job delivers the rest.
        scheduler = start_scheduler(panel, sender)
        calendar_token = settings.calendar_token.get_secret_value() if settings.calendar_token else None
        lifecycle = Lifecycle()
        lifecycle.scheduler_running = lambda: bool(scheduler.running)
        # GET /calendar/TOKEN.ics when the token is set; /healthz, /readyz
        metrics = Metrics.from_settings(panel, settings, sender)  # GET /metrics, when a token or `local` is set
        web_app = make_app(panel, calendar_token=calendar_token, lifecycle=lifecycle, metrics=metrics)
        for platform in platforms:
            platform.add_routes(web_app)
        add_email_pages(web_app, panel, settings)
        runner = make_runner(web_app)
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
        started: list[Platform] = []
        for platform in platforms:
            try:
                await platform.start()
            except PanelError:
                await shut_down(settings.shutdown_grace, lifecycle, runner, scheduler, pump, sender, started)
                raise
            started.append(platform)
        if panel.on_outbox is not None:
            # What an earlier run left undelivered (it stopped, or was killed, between committing and sending)
            # goes out now, not at the scheduler's first round a few seconds from now.
            await pump.poke()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # SIGTERM (a service manager) and, with no terminal attached, SIGINT: a clean stop. At a terminal,
        # Ctrl-C and `quit` end the session as they always have.
        signals = [signal.SIGTERM] if interactive else [signal.SIGTERM, signal.SIGINT]
        for sig in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows; not off the main thread
                loop.add_signal_handler(sig, stop.set)
        try:
            if interactive:
                session = asyncio.ensure_future(ConsoleSession(panel, sender, console, clock).loop())
                stopped = asyncio.ensure_future(stop.wait())
                await asyncio.wait({session, stopped}, return_when=asyncio.FIRST_COMPLETED)
                stopped.cancel()
                if session.done():
                    session.result()  # a failure in the session is not swallowed
                else:
                    session.cancel()
            else:
                console.print("Panelbot is running with no terminal attached. Stop it with Ctrl-C.")
                await stop.wait()
        finally:
            for sig in signals:
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(sig)
            await shut_down(settings.shutdown_grace, lifecycle, runner, scheduler, pump, sender, platforms)


def add_email_pages(web_app: web.Application, panel: Panel, settings: Settings) -> None:
    """The pages signed email links open (bot/email/pages.py), on every bot: with no relay the .eml files'
    links point at this server. They are mounted whether or not email is switched on now, so that a link already
    sent keeps working (the email platform's own `add_routes` adds nothing)."""
    from bot.email.pages import add_page_routes
    from bot.email.setup import links_for

    try:
        links = links_for(settings)
    except OSError as exc:
        log.warning("email link pages are off: the link secret could not be kept (%s)", exc.strerror or exc)
        return
    add_page_routes(web_app, panel, links)


async def shut_down(  # type: ignore[no-untyped-def]
    grace: float, lifecycle: Lifecycle, runner: web.AppRunner, scheduler, pump: OutboxPump, sender: Sender,
    platforms: list[Platform],
) -> None:
    """A clean stop, in order: take no new requests (`/readyz` and every platform route answer 503 at once), stop
    fetching Telegram updates, let the requests in flight finish, then the work they started, the sweep under
    way and the outbox flush (each for up to `grace` seconds), hand back the outbox rows this process had
    claimed so the next start (or another replica) sends them at once, and close every connection."""
    lifecycle.stopping = True
    log.info("stopping: no new requests; %d in flight, given up to %g s", lifecycle.in_flight, grace)
    steps = [
        *((f"{p.name}: new work", p.stop_intake()) for p in platforms),
        ("requests in flight", lifecycle.drained(grace)),
        ("the outbox", pump.close(grace)),  # before the platforms settle: they would wait for it
        *((p.name, p.stop(grace)) for p in platforms),
        ("scheduled sweeps", stop_scheduler(scheduler, grace)),
        ("claimed messages", sender.release()),
        ("web server", runner.cleanup()),
    ]
    for what, step in steps:
        if step is None:
            continue
        try:
            result = await step
        except Exception as exc:  # a stop never ends in a traceback; the next start picks up what is left
            log.warning("stopping: %s did not stop cleanly (%s)", what, type(exc).__name__)
            continue
        if what == "requests in flight" and result is False:
            log.warning("stopping: %d request(s) still in flight after %g s", lifecycle.in_flight, grace)
        if what == "claimed messages" and result:
            log.info("stopping: %d claimed message(s) handed back, to be sent at the next start", result)
    log.info("stopped")
