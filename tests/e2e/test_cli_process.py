"""`panelbot` run as a real process: what matters is everything the person sees on stderr until the
process ends. The rest of the command line, through typer's CliRunner: tests/integration/test_cli.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from test_cli import flat  # output with rich's line wrapping undone


def test_database_that_cannot_be_opened_is_one_sentence_and_no_traceback(tmp_path: Path) -> None:
    # Run as a real process: what matters is everything the person sees on stderr until the process ends,
    # including anything a background thread prints after the command has answered. Three runs, because
    # a late thread's output depends on timing.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PANELBOT_", "SLACK_", "TELEGRAM_"))}
    env["PANELBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'x.db'}"
    env["COLUMNS"] = "200"
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", "from bot.cli import main; main()", "member", "list"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 1
        assert "Check PANELBOT_DATABASE_URL." in flat(done.stderr)
        assert flat(done.stderr).count(".") <= 3, done.stderr  # one sentence, not a dump
        assert "Traceback" not in done.stderr, done.stderr
        assert "Exception in thread" not in done.stderr, done.stderr
