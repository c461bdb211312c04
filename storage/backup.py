"""Backups of the record, and putting one back.

* SQLite: `backup(url, FILE)` is an online, consistent copy made with SQLite's own backup API, so it can run
  while the bot is writing (a file copy could catch a half-written page, or miss what is still in the WAL).
  `restore(FILE, url)` copies a backup back the same way, and refuses to overwrite a database whose audit
  chain is longer than the backup's (it holds a record the backup does not) unless it is forced.
* PostgreSQL: the server's own tools do it better than the bot could (`pg_dump`, `pg_restore`, point-in-time
  recovery); `pg_dump_command(url, FILE)` gives the command for the configured database, password hidden.
"""

from __future__ import annotations

import shlex
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from flows.errors import PanelError


class BackupError(PanelError):
    """A backup or a restore that cannot be done; the message says why and what to do."""


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for any other database, or SQLite in memory)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def audit_length(path: Path) -> int:
    """How many entries the audit chain of a SQLite database holds (0 for one without the table)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            return int(db.execute("SELECT count(*) FROM audit_log").fetchone()[0])
        except sqlite3.DatabaseError:
            return 0


def _is_panel_database(path: Path) -> bool:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        return False
    return {"alembic_version", "audit_log", "referrals"} <= tables


def _copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def backup(url: str, dest: Path) -> int:
    """Copy the SQLite database of `url` to `dest` (a new file); returns its audit chain's length."""
    source = sqlite_file(url)
    if source is None:
        raise BackupError("Only a SQLite database is backed up by Panelbot; for PostgreSQL use pg_dump (below).")
    if not source.exists():
        raise BackupError(f"There is no database at {source} to back up.")
    if dest.exists():
        raise BackupError(f"{dest} already exists; choose a new file name so no backup is overwritten.")
    if not dest.parent.exists():
        raise BackupError(f"The folder {dest.parent} does not exist.")
    _copy(source, dest)
    return audit_length(dest)


def restore(backup_file: Path, url: str, *, force: bool = False) -> int:
    """Put `backup_file` back as the SQLite database of `url`; returns the restored chain's length. The bot
    must be stopped first: a running bot would go on from what it held in memory."""
    target = sqlite_file(url)
    if target is None:
        raise BackupError("Only a SQLite database is restored by Panelbot; for PostgreSQL use pg_restore.")
    if not backup_file.exists():
        raise BackupError(f"There is no backup at {backup_file}.")
    if not _is_panel_database(backup_file):
        raise BackupError(f"{backup_file} is not a Panelbot database backup, so nothing was restored.")
    kept = audit_length(backup_file)
    if target.exists() and not force:
        held = audit_length(target)
        if held > kept:
            raise BackupError(
                f"The database at {target} holds {held} audit entries and the backup only {kept}: restoring it "
                "would lose the newer record. Nothing was changed; add --force if that is really what you want."
            )
    _copy(backup_file, target)
    return kept


def pg_dump_command(url: str, dest: Path) -> str:
    """The `pg_dump` command that backs up the configured PostgreSQL database, with the password hidden
    (give it in PGPASSWORD or ~/.pgpass). Only the schema the bot uses, when the URL names one."""
    parsed = make_url(url)
    plain = parsed.set(drivername="postgresql", password=None, query={})
    args = ["pg_dump", "--format=custom", f"--file={dest}"]
    options = str(parsed.query.get("options", ""))
    if "search_path=" in options:
        schema = options.split("search_path=", 1)[1].split()[0]
        args.append(f"--schema={schema}")
    args.append(f"--dbname={plain.render_as_string(hide_password=True)}")
    command = " ".join(shlex.quote(a) for a in args)
    return f"PGPASSWORD=... {command}" if parsed.password else command
