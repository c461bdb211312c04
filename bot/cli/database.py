"""`panelbot db`: migrations, backup and restore.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import typer

import bot.cli.common as cli
from bot.cli.common import call, fail, not_written, settings

db_app = typer.Typer(help="The database.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every database migration not yet applied."""
    from storage.db import make_engine, upgrade

    async def go() -> tuple[str | None, str]:
        engine = make_engine(settings().database_url.get_secret_value())
        try:
            return await upgrade(engine)
        finally:
            await engine.dispose()

    before, after = call(go())
    if before == after:
        cli.out.print(f"The database is already up to date (migration {after}).")
    else:
        cli.out.print(f"Database upgraded from {before or 'empty'} to migration {after}.")


@db_app.command("backup")
def db_backup(file: Path = typer.Argument(..., help="A new file for the copy, e.g. panelbot-2026-12-06.db.")) -> None:
    """An online, consistent copy of the database (SQLite); for PostgreSQL, the pg_dump command to use."""
    from storage.backup import BackupError, backup, pg_dump_command, sqlite_file

    url = settings().database_url.get_secret_value()
    if sqlite_file(url) is None:
        cli.out.print("Back up PostgreSQL with its own tool, for example:", markup=False, highlight=False)
        cli.out.print(f"  {pg_dump_command(url, file)}", markup=False, highlight=False, soft_wrap=True)
        return
    try:
        entries = backup(url, file)
    except BackupError as exc:
        raise fail(str(exc)) from None
    except sqlite3.Error as exc:
        raise fail(f"Could not copy the database ({exc}). Nothing was written.") from None
    except OSError as exc:
        raise not_written(exc) from None
    cli.out.print(f"Backed up to {file} ({entries} audit entries). Keep it as safe as the database.", markup=False,
              highlight=False, soft_wrap=True)


@db_app.command("restore")
def db_restore(
    file: Path = typer.Argument(..., help="A backup made with `panelbot db backup`."),
    force: bool = typer.Option(False, "--force", help="Overwrite a database that holds a longer record."),
) -> None:
    """Put a backup back as the database (SQLite; stop the bot first). Refuses to lose a newer record."""
    from storage.backup import BackupError, restore

    url = settings().database_url.get_secret_value()
    try:
        entries = restore(file, url, force=force)
    except BackupError as exc:
        raise fail(str(exc)) from None
    except sqlite3.Error as exc:
        raise fail(f"Could not restore the database ({exc}). Nothing was changed.") from None
    except OSError as exc:
        raise not_written(exc) from None
    cli.out.print(f"Restored from {file} ({entries} audit entries). Run `panelbot audit verify` to check it.",
              markup=False, highlight=False, soft_wrap=True)
