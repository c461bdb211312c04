"""The database knows its partnership (issue 18, point 1): with no preset named, `panelbot` uses the one the
database holds; a partnership is never created or switched implicitly; `--preset` is accepted on every command
that reads the record. Driven through typer's CliRunner on a SQLite file in the test's own directory."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()

# Every command that reads the record, with the arguments it needs to run on an empty panel.
READS = [
    ["status"], ["overdue"], ["member", "list"], ["channel", "list"], ["report", "2026-Q4"], ["calendar"],
    ["audit", "verify"], ["reminders", "list"], ["reminders", "run"], ["outbox", "list"], ["outbox", "retry"],
]


ADD_LEE = ["member", "add", "Lee", "--role", "local_authority", "--preset", "dudley"]


def said(result) -> str:  # type: ignore[no-untyped-def]
    return " ".join(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.output).split())


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("PANELBOT_PRESET", "PANELBOT_CONFIG", "PANELBOT_TIMEZONE", "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "p.db"
    monkeypatch.setenv("PANELBOT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def partnerships(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT preset_id FROM partnerships ORDER BY id")]


def test_a_dudley_database_shows_dudley_with_no_preset_named(db: Path) -> None:
    added = runner.invoke(app, ["member", "add", "Lee", "--role", "local_authority", "--preset", "dudley"])
    assert added.exit_code == 0, said(added)
    assert partnerships(db) == ["dudley"]

    members = said(runner.invoke(app, ["member", "list"]))  # no --preset, no PANELBOT_PRESET
    assert "Lee" in members and "Local authority" in members
    report = said(runner.invoke(app, ["report", "2026-Q4"]))
    assert report.startswith("Dudley Safeguarding People Partnership: report for"), report[:200]
    assert partnerships(db) == ["dudley"]  # Salford was not created behind the BM's back


def test_a_preset_the_database_does_not_hold_is_refused_unless_added(db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(app, ADD_LEE).exit_code == 0
    refusal = ("This database holds Dudley Safeguarding People Partnership (dudley), not Salford Safeguarding "
               "Children Partnership (salford): name a partnership it holds with --preset (or PANELBOT_PRESET), "
               "or add this one with --add-partnership.")
    result = runner.invoke(app, ["status", "--preset", "salford"])
    assert result.exit_code == 1
    assert said(result) == refusal
    monkeypatch.setenv("PANELBOT_PRESET", "salford")
    assert said(runner.invoke(app, ["member", "list"])) == refusal
    assert partnerships(db) == ["dudley"]

    added = runner.invoke(app, ["member", "add", "Ann", "--role", "independent_adviser", "--add-partnership"])
    assert added.exit_code == 0, said(added)
    assert partnerships(db) == ["dudley", "salford"]
    with sqlite3.connect(db) as conn:
        assert conn.execute(
            "SELECT actor, subject FROM audit_log WHERE action = 'partnership_created' ORDER BY seq"
        ).fetchall() == [("Panelbot", "dudley"), ("operator (command line)", "salford")]

    monkeypatch.delenv("PANELBOT_PRESET")
    result = runner.invoke(app, ["status"])  # two partnerships now: which?
    assert result.exit_code == 1
    assert said(result) == ("This database holds 2 partnerships (dudley, salford); say which with --preset NAME "
                            "(or PANELBOT_PRESET).")
    assert "Ann" in said(runner.invoke(app, ["member", "list", "--preset", "salford"]))
    assert "Ann" not in said(runner.invoke(app, ["member", "list", "--preset", "dudley"]))


@pytest.mark.parametrize("command", READS, ids=" ".join)
def test_every_command_that_reads_the_record_takes_preset(db: Path, command: list[str]) -> None:
    assert runner.invoke(app, ADD_LEE).exit_code == 0
    result = runner.invoke(app, [*command, "--preset", "dudley"])
    assert result.exit_code == 0, said(result)
    refused = runner.invoke(app, [*command, "--preset", "kirklees"])
    assert refused.exit_code == 1
    assert "This database holds Dudley Safeguarding People Partnership (dudley), not Kirklees" in said(refused)
    assert partnerships(db) == ["dudley"]

