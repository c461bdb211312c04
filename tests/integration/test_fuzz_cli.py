"""Hostile command-line arguments: `panelbot` (bot/cli/) runs every subcommand with hostile arguments
through typer's CliRunner, on a SQLite file in the test's own folder. The answer is output, or a refusal
in words (exit status 1 or 2); never an exception and never a traceback. Hostile preset files:
tests/unit/test_fuzz_presets.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
# (No lone surrogates here: a non-UTF-8 byte in a file name that is then printed is a known gap, see
# test_arguments_that_crashed_before for the one that reaches the database.)
HOSTILE = ["", "\x00", "🙂", "a" * 5000, "-1", "0000", "9999/00", "9999-12-31T23:59", "0000-01-01",
           "2026-02-30", ":", "slack:", "agency:" + "p" * 300, "../../x", "/dev/null", "'", "nan", "SAL-2026-001",
           "~0"]
COMMANDS = [
    ["clocks", "--preset", "{}", "--start", "2026-11-23T10:00"],
    ["clocks", "--preset", "salford", "--start", "{}"],
    ["clocks", "--preset", "salford", "--start", "2026-11-23T10:00", "--timezone", "{}"],
    ["member", "add", "{}", "--role", "chair"], ["member", "add", "Ann", "--role", "{}"],
    ["member", "add", "Bob", "--role", "chair", "--id", "{}"], ["member", "remove", "{}"],
    ["channel", "set", "{}", "--id", "slack:C1"], ["channel", "set", "panel", "--id", "{}"],
    ["status", "{}"], ["report", "{}"], ["report", "--from", "{}", "--to", "2026-12-01"],
    ["report", "--from", "0001-01-01", "--to", "{}"], ["report", "--format", "{}"],
    ["report", "2026", "--format", "png", "--out", "{}"], ["reminders", "list", "--due-before", "{}"],
    ["reminders", "run", "--now", "{}"], ["preset", "check", "{}"], ["export", "--format", "{}"],
    ["export", "--out", "{}"], ["audit", "verify", "--export", "{}"], ["calendar", "--out", "{}"],
    ["outbox", "retry", "{}"],
]


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("PANELBOT_PRESET", "PANELBOT_CONFIG", "PANELBOT_TIMEZONE", "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN",
                 "TEAMS_CLIENT_ID", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "cli.db"
    monkeypatch.setenv("PANELBOT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return path


def assert_answered(args: list[str]) -> None:
    result = runner.invoke(app, args)
    shown = [a[:30] for a in args]
    assert result.exception is None or isinstance(result.exception, SystemExit), (shown, repr(result.exception))
    assert "Traceback" not in result.output, (shown, result.output[-500:])
    assert result.exit_code in (0, 1, 2), (shown, result.exit_code)
    if result.exit_code:
        assert result.output.strip(), shown  # a refusal says something


@given(command=st.sampled_from(COMMANDS),
       value=st.one_of(st.sampled_from(HOSTILE), st.text(st.characters(exclude_categories=["Cs"]), max_size=40)))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_command_line_with_hostile_arguments(cli_db: Path, command: list[str], value: str) -> None:
    assert_answered([value if part == "{}" else part for part in command])


@pytest.mark.parametrize("args", [
    ["clocks", "--preset", "a" * 5000, "--start", "2026-11-23T10:00"],  # OSError: file name too long
    ["clocks", "--preset", "~0", "--start", "2026-11-23T10:00"],  # RuntimeError: no home folder for user "0"
    ["clocks", "--preset", "salford", "--start", "9999-12-31T23:59"],  # OverflowError
    ["clocks", "--preset", "salford", "--start", "2026-11-23T10:00", "--timezone", "\x00"],  # ValueError
    ["member", "add", "\udcff", "--role", "chair"],  # a non-UTF-8 byte in argv: UnicodeEncodeError
    ["report", "0000"], ["report", "9999/00"],  # ValueError: year 0 / 10000
    ["report", "--from", "0001-01-01", "--to", "9999-12-31"],  # OverflowError
    ["report", "2026", "--format", "png", "--out", "/dev/null"],  # FileExistsError
    ["export", "--out", ""], ["calendar", "--out", ""],  # IsADirectoryError
    ["audit", "verify", "--export", "a" * 5000],  # OSError
])
def test_arguments_that_crashed_before(cli_db: Path, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert isinstance(result.exception, SystemExit) and result.exit_code in (1, 2), repr(result.exception)
    assert "Traceback" not in result.output and result.output.strip(), result.output[-300:]
