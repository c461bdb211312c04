"""`panelbot`: run the bot, set up the panel, check presets and the audit log, answer "when is this due?".

Entry points are thin: parse, call the service, print. Every refusal is one plain sentence and exit
status 1 (2 for a usage mistake); no traceback reaches the person.

This module holds `app`, the helpers every command uses and the common options; the commands live one module
per group: `operations` (run, demo, clocks, jobs, doctor, preset, reminders, outbox), `records` (status,
overdue, report, calendar, export, audit), `members` (member, channel, contact), `database` (db) and `teams`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.settings import Settings
from flows.errors import PanelError
from flows.preset import PresetError

app = typer.Typer(
    help="Panelbot: a safeguarding partnership's virtual panel, in chat.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Names, reasons and preset text are printed as they are: never read as rich markup ("[bold]") or emoji codes
# (":fire:" in "agency:fire:lead").
out = Console(markup=False, emoji=False)
err = Console(stderr=True, markup=False, emoji=False)

# Every command that reads the record takes --preset: which partnership, when the database holds several or
# to be sure. Without it (and without PANELBOT_PRESET) a command uses the partnership the database holds.
PRESET = typer.Option(
    None, "--preset", help="The partnership (a preset name or file); default: the one the database holds."
)
ADD_PARTNERSHIP = typer.Option(
    False, "--add-partnership", help="Add the --preset partnership to a database that holds another one (audited)."
)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message, style="red", markup=False, highlight=False)
    return typer.Exit(code)


def settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:  # name the setting, never echo a secret's value
        first = exc.errors()[0]
        raise fail(f"Setting {first['loc'][0]} is not valid: {first['msg']}.") from None


def not_written(exc: OSError) -> typer.Exit:
    """A file or folder that cannot be used (a name too long, a folder where a file should be): one sentence."""
    return fail(f"Could not use {exc.filename or 'that path'}: {exc.strerror or exc}. Nothing was written.")


def call(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine, turning every error a person can cause into one sentence."""
    try:
        return asyncio.run(coro)
    except (PanelError, PresetError) as exc:
        raise fail(str(exc)) from None
    except UnicodeError:  # bytes in an argument that are not UTF-8 arrive as lone surrogates
        raise fail("An argument holds characters that are not valid text (UTF-8). Nothing was changed.", 2) from None
    except (OperationalError, DBAPIError) as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        raise fail(f"Could not use the database ({reason}). Check PANELBOT_DATABASE_URL.") from None


def configure_logging(level: str, fmt: str = "text") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if fmt == "json":  # PANELBOT_LOG_FORMAT=json: one JSON object per line (bot/logging_json.py)
        from bot.logging_json import use_json

        for handler in logging.getLogger().handlers:
            use_json(handler)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # These log SQL parameters at DEBUG, and parameters hold what people typed (reasons, summaries).
    for noisy in ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "psycopg"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


# Panel set-up ----------------------------------------------------------------------------------------


def with_panel(fn, clock=None, practice: bool = False, preset: str | None = None, add_partnership: bool = False):  # type: ignore[no-untyped-def]
    """Run `fn(panel)` on the configured database (at a fixed time when `clock` is given; on the practice
    database when `practice` is set), for the partnership `--preset` names, else PANELBOT_PRESET, else the one
    the database holds (see `bot.app.panel_from_settings`)."""
    from bot.app import panel_from_settings

    async def go() -> Any:
        async with panel_from_settings(
            settings(), migrate_fresh=True, clock=clock, practice=practice, preset=preset,
            add_partnership=add_partnership,
        ) as panel:
            return await fn(panel)

    return call(go())
