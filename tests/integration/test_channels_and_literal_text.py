"""Unknown agencies are refused by `channel set` and the chat `setup`, and the terminal and the command line
print typed and preset text as it is (issue 18, section 3): rich reads `[bold]` as markup and `:fire:` as an
emoji unless told not to, so `agency:fire:lead` once showed as "agency🔥lead" and a name's `[bold]` vanished.
"""

from __future__ import annotations

import builtins
import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from test_console import terminal
from typer.testing import CliRunner

from bot.cli import app
from bot.service import Actor
from flows.errors import InvalidInput
from flows.preset import load_preset

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
OP = Actor.operator()
SALFORD_AGENCIES = ", ".join(f"agency:{a.id}" for a in load_preset("salford").agencies)


def flat(text: str) -> str:
    return " ".join(ANSI.sub("", text).split())


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("PANELBOT_PRESET", "PANELBOT_CONFIG", "PANELBOT_TIMEZONE", "SLACK_BOT_TOKEN",
                 "TELEGRAM_BOT_TOKEN", "TEAMS_CLIENT_ID", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "x.db"
    monkeypatch.setenv("PANELBOT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


async def test_set_channel_refuses_an_agency_the_partnership_does_not_have(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    with pytest.raises(InvalidInput) as refused:
        await panel.set_channel(actor=OP, purpose="agency:fire", platform_id="slack:C9")
    assert str(refused.value) == (
        f'"fire" is not one of this partnership\'s agencies; the agencies are {SALFORD_AGENCIES} (add :lead for an '
        "agency's safeguarding lead)."
    )
    with pytest.raises(InvalidInput):
        await panel.set_channel(actor=OP, purpose="agency:fire:lead", platform_id="slack:C9")
    assert await panel.list_channels() == []
    # Known agencies, by id or by label, and their safeguarding leads, are set.
    assert (await panel.set_channel(actor=OP, purpose="agency:police:lead", platform_id="slack:C1"))[0] == (
        "agency:police:lead"
    )
    assert (await panel.set_channel(actor=OP, purpose="agency:Greater Manchester Police",
                                    platform_id="slack:C2"))[0] == "agency:police"


def test_channel_set_on_the_command_line_refuses_an_unknown_agency(db: Path) -> None:
    result = runner.invoke(app, ["channel", "set", "agency:fire", "--id", "telegram:-1001"])
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert flat(result.output) == (
        f'"fire" is not one of this partnership\'s agencies; the agencies are {SALFORD_AGENCIES} (add :lead for an '
        "agency's safeguarding lead)."
    )
    assert flat(runner.invoke(app, ["channel", "list"]).output) == "No channels are set yet."


def test_the_command_line_prints_names_and_channels_as_they_are(db: Path) -> None:
    assert runner.invoke(app, ["channel", "set", "agency:police:lead", "--id", "telegram:-1001"]).exit_code == 0
    assert runner.invoke(app, ["channel", "set", "agency:health:lead", "--id", "telegram:-1002"]).exit_code == 0
    listing = flat(runner.invoke(app, ["channel", "list"]).output)
    assert listing == "agency:health:lead: telegram:-1002 agency:police:lead: telegram:-1001"

    result = runner.invoke(app, ["member", "add", "Ann [bold]Smith[/bold] :fire:", "--role", "chair"])
    assert result.exit_code == 0, result.output
    assert flat(result.output) == "Added Ann [bold]Smith[/bold] :fire: as Chair."
    assert "Ann [bold]Smith[/bold] :fire:" in flat(runner.invoke(app, ["member", "list"]).output)


async def test_the_terminal_prompt_shows_a_name_as_it_is(engine, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    t = await terminal(engine, clock)
    await t.panel.add_member(actor=OP, name="Jo [bold]Lee[/bold] :fire:", role="chair")
    await t.type("as chair")
    buffer = io.StringIO()
    t.session.console = Console(file=buffer, width=200, color_system=None, force_terminal=False)
    monkeypatch.setattr(builtins, "input", lambda *_: "quit")
    await t.session._read("[Jo [bold]Lee[/bold] :fire:] > ")
    assert buffer.getvalue() == "[Jo [bold]Lee[/bold] :fire:] > "
