"""The terminal and the command line accept the same forms (issue 18, section 3): `member add NAME ROLE` and
`--role`, the role aliases `bm` and `chair`, dates written 2026-12-24 or 24/12/2026, and a mistyped command is
answered with the nearest one in the terminal (and every chat) as on the command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_console import terminal
from typer.testing import CliRunner

from bot.cli import app
from bot.commands import run
from bot.service import Actor

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
OP = Actor.operator()


def flat(text: str) -> str:
    return " ".join(ANSI.sub("", text).split())


@pytest.fixture
def dudley_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("PANELBOT_CONFIG", "PANELBOT_TIMEZONE", "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "TEAMS_CLIENT_ID",
                 "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("PANELBOT_PRESET", "dudley")
    path = tmp_path / "d.db"
    monkeypatch.setenv("PANELBOT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


# member add ---------------------------------------------------------------------------------------------------


def test_the_command_line_adds_a_member_with_a_role_as_the_terminal_does(dudley_db: Path) -> None:
    result = runner.invoke(app, ["member", "add", "Ann", "chair"])  # the terminal's form; chair: Dudley's tie-breaker
    assert result.exit_code == 0, result.output
    assert flat(result.output) == "Added Ann as Independent Chair."
    result = runner.invoke(app, ["member", "add", "Bea Jones", "--role", "bm"])
    assert result.exit_code == 0, result.output
    assert flat(result.output) == "Added Bea Jones as Business Manager."
    result = runner.invoke(app, ["member", "add", "Cy"])
    assert result.exit_code == 2
    assert "Say the member's role: panelbot member add NAME ROLE (or --role ROLE)." in flat(result.output)


async def test_the_terminal_adds_a_member_with_role_as_the_command_line_does(engine, clock) -> None:  # type: ignore[no-untyped-def]
    t = await terminal(engine, clock, "dudley")
    assert await t.type('member add "Bea Jones" --role bm --id slack:U1') == "Added Bea Jones as Business Manager."
    assert await t.type("member add Ann chair") == "Added Ann as Independent Chair."
    assert await t.type("member add Lou la telegram:5") == "Added Lou as Local authority."
    assert "Usage: member add" in await t.type("member add Cy --role")
    assert await t.type("as chair") == "You are Ann, Independent Chair."


# Dates ---------------------------------------------------------------------------------------------------------


async def test_the_terminal_clock_takes_a_date_written_either_way(engine, clock) -> None:  # type: ignore[no-untyped-def]
    t = await terminal(engine, clock)
    assert await t.type("clock 24/11/2026 09:30") == "Simulated time: Tue 24 Nov 2026, 09:30."
    assert await t.type("clock 2026-11-25 09:30") == "Simulated time: Wed 25 Nov 2026, 09:30."
    assert "clock 01/12/2026 09:00" in await t.type("clock 31/11/2026 09:00")


def test_the_command_line_takes_a_date_written_either_way(dudley_db: Path) -> None:
    iso = runner.invoke(app, ["clocks", "--preset", "salford", "--start", "2026-11-23T10:12"])
    uk = runner.invoke(app, ["clocks", "--preset", "salford", "--start", "23/11/2026 10:12"])
    assert uk.exit_code == 0, uk.output
    assert flat(uk.output) == flat(iso.output)
    result = runner.invoke(app, ["reminders", "list", "--due-before", "24/12/2026 09:00"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["reminders", "list", "--due-before", "next tuesday"])
    assert result.exit_code == 2
    assert '"next tuesday" is not a time; write it like 2026-12-01T09:30 or 01/12/2026 09:30.' in flat(result.output)


# Did you mean ----------------------------------------------------------------------------------------------------


async def test_a_mistyped_command_gets_did_you_mean_in_the_terminal(engine, clock) -> None:  # type: ignore[no-untyped-def]
    t = await terminal(engine, clock)
    assert await t.type("stauts") == '"stauts" is not a command. Did you mean status? Type help to see the commands.'
    assert await t.type("smaple") == '"smaple" is not a command. Did you mean sample? Type help to see the commands.'
    assert await t.type("frobnicate") == '"frobnicate" is not a command. Type help to see the commands.'


async def test_a_mistyped_command_gets_did_you_mean_in_every_chat(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    reply = await run(panel, OP, "overdeu")
    assert not reply.ok
    assert reply.lines == ['"overdeu" is not a command. Did you mean `overdue`? Type `help` to see the commands.']
