"""The first checks: the settings can be read, the database is at the latest migration, the preset is valid, and
which platforms the settings switch on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from bot.doctor.checks import TIMEOUT, Check, fail, ok, one_line
from bot.settings import Settings


def check_settings(load: Callable[[], Settings] = Settings) -> tuple[Check, Settings | None]:
    try:
        settings = load()
    except ValidationError as exc:  # name the setting, never echo its value
        first = exc.errors()[0]
        name = first["loc"][0] if first["loc"] else "a setting"
        return (
            fail("Settings", f"{name} is not valid: {first['msg']}.",
                 f"Correct {name} in the environment or .env (.env.example explains each setting)."),
            None,
        )
    on = platforms_on(settings)
    listed = ", ".join(on) if on else "none"
    return ok("Settings", f"read; platforms with settings: {listed} (email is on too wherever an address is "
                          "in use: see Platforms)."), settings


async def check_database(settings: Settings) -> tuple[Check, Any]:
    """(the check, an engine at the latest migration or None)."""
    from sqlalchemy.engine import make_url

    from flows.errors import PanelError
    from storage.db import async_url, current_revision, head_revision, is_fresh_sqlite, make_engine

    name = "Database"
    url = settings.database_url.get_secret_value()
    try:
        where = make_url(async_url(url))
    except PanelError as exc:
        return fail(name, str(exc), "Set PANELBOT_DATABASE_URL to a sqlite:/// or postgresql:// URL."), None
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot read
        return fail(name, "PANELBOT_DATABASE_URL is not a database URL.",
                    "Set PANELBOT_DATABASE_URL to a sqlite:/// or postgresql:// URL."), None
    label = f"{where.get_backend_name()} {where.database or ''}".strip()
    if where.get_backend_name() == "postgresql":
        label = f"postgresql on {where.host or 'localhost'}, database {where.database or '(default)'}"
    if is_fresh_sqlite(url):
        return fail(name, f"{label} does not exist yet.",
                    "Run `panelbot db upgrade` to create it (or check PANELBOT_DATABASE_URL)."), None
    try:
        engine = make_engine(url)
    except PanelError as exc:
        return fail(name, str(exc), "Check PANELBOT_DATABASE_URL."), None
    head = head_revision()
    try:
        async with asyncio.timeout(TIMEOUT):
            current = await current_revision(engine)
    except Exception as exc:  # noqa: BLE001 - unreachable, refused, wrong password, not a database
        await engine.dispose()
        reason = one_line(getattr(exc, "orig", None) or exc) if not isinstance(exc, TimeoutError) else "no answer"
        return fail(name, f"could not use {label} ({reason}).",
                    "Check PANELBOT_DATABASE_URL and that the database server is running and reachable."), None
    if current != head:
        await engine.dispose()
        return fail(name, f"{label} is at migration {current or 'none (empty)'}, the latest is {head}.",
                    "Run `panelbot db upgrade`."), None
    return ok(name, f"{label}, at the latest migration ({head})."), engine


def check_preset(settings: Settings) -> tuple[Check, Any]:
    from zoneinfo import ZoneInfo

    from flows.clocks import calendar_for
    from flows.preset import PresetError, load_preset

    try:
        preset = load_preset(settings.preset)
    except PresetError as exc:
        return fail("Preset", str(exc),
                    "Correct the preset (check it with `panelbot preset check FILE`) or PANELBOT_PRESET."), None
    try:
        ZoneInfo(settings.timezone or preset.timezone)
        calendar_for(preset, settings.timezone)
    except (ValueError, LookupError, OSError):
        return fail("Preset", f'PANELBOT_TIMEZONE "{settings.timezone}" is not a time zone.',
                    "Set PANELBOT_TIMEZONE to a zone like Europe/London, or leave it unset."), None
    return ok("Preset", f"{preset.name} ({preset.id}): {len(preset.roles)} roles, {len(preset.clocks)} clocks."), preset


def platforms_on(settings: Settings) -> list[str]:
    """The registered platforms the settings switch on (bot/platforms.py), by name."""
    from bot.platforms import platform_classes

    return sorted(cls.name for cls in platform_classes() if cls.enabled(settings))


def check_platforms(on: list[str]) -> Check:
    """The platforms switched on: by the settings, and email by the record too (`bot.doctor.email`)."""
    if not on:
        return fail("Platforms", "no chat platform is switched on, so nobody is told anything.",
                    "Set SLACK_BOT_TOKEN, TELEGRAM_BOT_TOKEN or the Teams app registration (see the README), or give "
                    "someone an email address.")
    return ok("Platforms", f"switched on: {', '.join(on)}.")
