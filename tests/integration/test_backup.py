"""Backups that restore, and upgrades that keep the record (issue 22, point 5).

A year of a Salford panel's activity (tests/activity.py) is backed up and restored into an empty database;
every row of every table comes back as it was (so every open deadline and its next reminder are due at the
same moment), and `audit verify` passes. On SQLite with `panelbot db backup` / `panelbot db restore`; on
PostgreSQL with the `pg_dump` command `panelbot db backup` prints for the configured database, restored
with `pg_restore` into a new database.

And every earlier migration: the same record, taken back to that revision (the tables it did not have yet
go, with their rows) and upgraded to the latest again, keeps every row it had. A new migration is covered
with nothing to add: the revisions are read from the migrations folder.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import uuid

import pytest
from activity import year_of_activity
from alembic import command
from sqlalchemy import MetaData, Table, inspect, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from bot.cli import app
from storage.audit import verify
from storage.db import _alembic_config, head_revision, make_engine, upgrade
from storage.models import Base

runner = CliRunner()
PG_URL = os.environ.get("PANELBOT_TEST_DATABASE_URL", "")


async def snapshot(engine) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    """Every row of every table the database has, in primary-key order."""
    async with engine.connect() as conn:
        present = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        out: dict[str, list[tuple]] = {}
        for table in Base.metadata.sorted_tables:
            if table.name in present:
                rows = await conn.execute(select(table).order_by(*table.primary_key.columns))
                out[table.name] = [tuple(r) for r in rows]
        return out


async def chain_ok(engine) -> bool:  # type: ignore[no-untyped-def]
    from sqlalchemy.ext.asyncio import AsyncSession

    async with AsyncSession(engine) as session:
        return (await verify(session)).ok


def invoke(monkeypatch: pytest.MonkeyPatch, url: str, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PANELBOT_DATABASE_URL", url)
    return runner.invoke(app, list(args))


async def test_sqlite_backup_restores_every_row_and_the_chain(tmp_path, monkeypatch, clock) -> None:
    from bot.service.bootstrap import open_panel
    from flows.preset import load_preset

    source = tmp_path / "panel.db"
    engine = make_engine(f"sqlite+aiosqlite:///{source}")
    await upgrade(engine)
    panel = await open_panel(engine, load_preset("salford"), clock=clock)
    await year_of_activity(panel, clock)
    before = await snapshot(engine)
    assert len(before["audit_log"]) > 200 and before["deadlines"] and before["info_requests"]

    backup = tmp_path / "backups" / "panelbot-2026-12-30.db"
    backup.parent.mkdir()
    made = invoke(monkeypatch, f"sqlite:///{source}", "db", "backup", str(backup))
    assert made.exit_code == 0, made.output
    assert f"Backed up to {backup} ({len(before['audit_log'])} audit entries)" in made.output.replace("\n", " ")
    await engine.dispose()

    restored_file = tmp_path / "restored.db"  # an empty place, as on a new machine
    done = invoke(monkeypatch, f"sqlite:///{restored_file}", "db", "restore", str(backup))
    assert done.exit_code == 0, done.output
    restored = make_engine(f"sqlite+aiosqlite:///{restored_file}")
    try:
        assert await snapshot(restored) == before
        assert await chain_ok(restored)
    finally:
        await restored.dispose()


async def test_restore_never_loses_a_newer_record_unless_forced(tmp_path, monkeypatch, clock) -> None:
    from bot.service.bootstrap import open_panel
    from flows.preset import load_preset

    source = tmp_path / "panel.db"
    url = f"sqlite:///{source}"
    engine = make_engine(f"sqlite+aiosqlite:///{source}")
    await upgrade(engine)
    panel = await open_panel(engine, load_preset("salford"), clock=clock)
    await year_of_activity(panel, clock)
    backup = tmp_path / "old.db"
    assert invoke(monkeypatch, url, "db", "backup", str(backup)).exit_code == 0
    assert invoke(monkeypatch, url, "db", "backup", str(backup)).exit_code == 1  # never overwrites a backup
    await panel.add_member(actor=panel_operator(), name="Eve", role="police")  # the record grows afterwards
    newer = await snapshot(engine)
    await engine.dispose()

    refused = invoke(monkeypatch, url, "db", "restore", str(backup))
    assert refused.exit_code == 1
    assert "would lose the newer record. Nothing was changed; add --force" in " ".join(refused.output.split())
    engine = make_engine(f"sqlite+aiosqlite:///{source}")
    assert await snapshot(engine) == newer
    await engine.dispose()

    not_ours = tmp_path / "notes.db"
    not_ours.write_bytes(b"not a database")
    wrong = invoke(monkeypatch, url, "db", "restore", str(not_ours))
    assert wrong.exit_code == 1 and "is not a Panelbot database backup" in " ".join(wrong.output.split())

    forced = invoke(monkeypatch, url, "db", "restore", str(backup), "--force")
    assert forced.exit_code == 0, forced.output
    engine = make_engine(f"sqlite+aiosqlite:///{source}")
    assert len((await snapshot(engine))["audit_log"]) == len(newer["audit_log"]) - 1
    await engine.dispose()


def panel_operator():  # type: ignore[no-untyped-def]
    from bot.service import Actor

    return Actor.operator()


@pytest.mark.skipif(not PG_URL, reason="PANELBOT_TEST_DATABASE_URL is not set to a PostgreSQL URL")
async def test_postgresql_backup_with_the_printed_pg_dump_restores_every_row(tmp_path, monkeypatch, clock) -> None:
    from bot.service.bootstrap import open_panel
    from flows.preset import load_preset

    schema = f"bk_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    restore_db = f"restore_{uuid.uuid4().hex[:12]}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    options = {"options": f"-c search_path={schema}"}
    engine = make_engine(PG_URL, connect_args=options)
    try:
        await upgrade(engine)
        panel = await open_panel(engine, load_preset("salford"), clock=clock)
        await year_of_activity(panel, clock)
        before = await snapshot(engine)

        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        dump = tmp_path / "panelbot.dump"
        printed = invoke(monkeypatch, url.render_as_string(hide_password=False), "db", "backup", str(dump))
        assert printed.exit_code == 0, printed.output
        line = next(x.strip() for x in printed.output.splitlines() if x.strip().startswith(("pg_dump", "PGPASSWORD")))
        args = shlex.split(line)
        assert args[0] == "pg_dump" and f"--schema={schema}" in args  # only this installation's schema
        subprocess.run(args, check=True, capture_output=True, timeout=120)

        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{restore_db}"'))
        target = make_url(PG_URL).set(database=restore_db)
        target_dsn = target.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={target_dsn}", str(dump)], check=True,
                       capture_output=True, timeout=120)
        restored = make_engine(target.render_as_string(hide_password=False), connect_args=options)
        try:
            assert await snapshot(restored) == before
            assert await chain_ok(restored)
        finally:
            await restored.dispose()
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{restore_db}"'))
        await admin.dispose()


def _revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))][:-1]  # every one before the head


@pytest.fixture
async def empty_database(engine, tmp_path):  # type: ignore[no-untyped-def]
    """A second, empty database of the same kind as `engine` (a file, or a PostgreSQL schema of its own)."""
    if engine.dialect.name == "sqlite":
        other = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'older.db'}")
        yield other
        await other.dispose()
        return
    schema = f"old_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    other = make_engine(PG_URL, connect_args={"options": f"-c search_path={schema}"})
    yield other
    await other.dispose()
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


async def _columns(engine) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda c: {t: [col["name"] for col in inspect(c).get_columns(t)] for t in inspect(c).get_table_names()}
        )


async def _rows(engine, table: str, columns: list[str]) -> list[tuple]:  # type: ignore[no-untyped-def]
    model = Base.metadata.tables[table]
    async with engine.connect() as conn:
        result = await conn.execute(select(*(model.c[c] for c in columns)).order_by(*model.primary_key.columns))
        return [tuple(r) for r in result]


@pytest.mark.parametrize("revision", _revisions())
async def test_a_database_at_an_earlier_migration_upgrades_with_its_record_intact(
    engine, empty_database, make_panel, clock, revision
):
    """A year's record, as a database at `revision` would have held it (the tables and columns it had then),
    upgraded to the latest migration: every row and value it held is still there, and the chain verifies."""
    panel = await make_panel("salford")
    await year_of_activity(panel, clock, every=4)

    async with empty_database.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), revision))
    then = {t: cols for t, cols in (await _columns(empty_database)).items() if t in Base.metadata.tables}
    assert then and set(then) <= set(Base.metadata.tables)
    held: dict[str, list[tuple]] = {}
    for table in Base.metadata.sorted_tables:  # parents before children
        if table.name not in then:
            continue
        held[table.name] = await _rows(engine, table.name, then[table.name])
        if not held[table.name]:
            continue
        async with empty_database.begin() as conn:  # written through the table as it was then (reflected)
            def insert(c, name=table.name, rows=held[table.name], cols=then[table.name]):  # type: ignore[no-untyped-def]
                old = Table(name, MetaData(), autoload_with=c)
                c.execute(old.insert(), [dict(zip(cols, row, strict=True)) for row in rows])

            await conn.run_sync(insert)
    assert held["audit_log"] and held["votes"]

    await upgrade(empty_database)
    for table, rows in held.items():
        assert await _rows(empty_database, table, then[table]) == rows, table  # nothing lost or changed
    assert await chain_ok(empty_database)
    assert head_revision() != revision
