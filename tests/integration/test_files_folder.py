"""Files Panelbot writes go where the person said (`--out`) or into one folder, with names without spaces, and
nothing personal lands in the folder it was started in, which is usually the repository (issue 18, section 3).

The one folder is PANELBOT_FILES_DIR, else the user's data folder ($XDG_DATA_HOME/panelbot/files, by default
~/.local/share/panelbot/files). Each test starts Panelbot in an empty "repository" folder and checks it stays
empty but for the database.
"""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from bot.cli import app
from bot.console.adapter import ConsoleAdapter
from bot.console.repl import ConsoleSession, SimClock
from bot.notify import Sender
from bot.service import Actor
from bot.service.bootstrap import open_panel
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from storage.db import make_engine, upgrade

runner = CliRunner()
OP = Actor.operator()


def every_file(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def repo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty folder Panelbot is started in, a home with no Panelbot folder, and no PANELBOT_FILES_DIR."""
    folder = tmp_path / "clone"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("PANELBOT_FILES_DIR", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("PANELBOT_PRESET", "PANELBOT_CONFIG", "PANELBOT_TIMEZONE", "SLACK_BOT_TOKEN",
                 "TELEGRAM_BOT_TOKEN", "TEAMS_CLIENT_ID", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("PANELBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db' / 'p.db'}")
    (tmp_path / "db").mkdir()
    return folder


def seed(tmp_path: Path) -> None:
    async def go() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'db' / 'p.db'}")
        await upgrade(engine)
        try:
            panel = await open_panel(engine, load_preset("salford"),
                                     clock=lambda: datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
            draft = ReferralDraft(referral_type="rapid_review", referrer="School", category="baby", letter="A",
                                  summary="Bruising noticed by the nursery.")
            await panel.file_referral(actor=OP, draft=draft)
        finally:
            await engine.dispose()

    asyncio.run(go())


def test_export_and_report_files_go_to_the_data_folder_not_the_repository(repo: Path, tmp_path: Path) -> None:
    seed(tmp_path)
    files = tmp_path / "home" / ".local" / "share" / "panelbot" / "files"

    result = runner.invoke(app, ["export"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", "2026-Q4", "--format", "csv"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    # (how many files is test_reports_cli's to check; this test checks where they go)
    assert re.search(rf"Wrote \d+ CSV files to {re.escape(str(files / 'reports' / 'report-2026-Q4'))}", said), said

    assert every_file(repo) == []  # nothing written where Panelbot was started
    written = every_file(files)
    assert any(re.fullmatch(r"panelbot-export-\d{8}-\d{4}\.json", name) for name in written), written
    assert "reports/report-2026-Q4/referrals_by_type.csv" in written
    assert not [name for name in written if " " in name]


def test_panelbot_files_dir_names_the_one_folder(repo: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seed(tmp_path)
    monkeypatch.setenv("PANELBOT_FILES_DIR", str(tmp_path / "our files"))
    assert runner.invoke(app, ["export", "--format", "csv"]).exit_code == 0
    assert every_file(repo) == []
    assert [p.name for p in (tmp_path / "our files").iterdir()][0].startswith("panelbot-export-")
    # --out is where the person said.
    assert runner.invoke(app, ["export", "--out", "mine.json"]).exit_code == 0
    assert every_file(repo) == ["mine.json"]


async def test_the_terminal_saves_report_charts_in_the_data_folder(repo: Path, tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'db' / 't.db'}")
    await upgrade(engine)
    try:
        sim = SimClock(real=clock)
        panel = await open_panel(engine, load_preset("salford"), clock=sim)
        buffer = io.StringIO()
        console = Console(file=buffer, width=300, color_system=None, force_terminal=False)
        session = ConsoleSession(panel, Sender(panel, [ConsoleAdapter(panel, console)]), console, sim)
        await session.handle("report 2026-Q4")
    finally:
        await engine.dispose()
    folder = tmp_path / "home" / ".local" / "share" / "panelbot" / "files" / "reports" / "20261123-101200"
    assert f"Charts saved in {folder}: referrals-per-month.png, timeliness.png" in " ".join(buffer.getvalue().split())
    assert every_file(repo) == []
    assert every_file(folder) == ["referrals-per-month.png", "timeliness.png"]
