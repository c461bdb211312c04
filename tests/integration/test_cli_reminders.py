"""`panelbot reminders list` and `panelbot reminders run --now` (the reminder issue): what operators see."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.service import Actor
from bot.service.bootstrap import open_panel
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from storage.db import make_engine, upgrade

runner = CliRunner()


def said(result) -> str:  # type: ignore[no-untyped-def]
    return " ".join(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.output).split())


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("PANELBOT_PRESET", "PANELBOT_CONFIG", "PANELBOT_TIMEZONE", "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "r.db"
    monkeypatch.setenv("PANELBOT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return path


@pytest.fixture
def practice_db(db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The practice database (`--practice`), beside the real one the `db` fixture set up."""
    path = tmp_path / "practice.db"
    monkeypatch.setenv("PANELBOT_PRACTICE_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def request_police(path: Path, *, practice: bool = False) -> str:
    """A Salford referral filed Thu 24 Dec 2026 with a request to the police (due Tue 5 Jan 2027)."""

    async def go() -> str:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            if practice:
                await upgrade(engine)
            panel = await open_panel(engine, load_preset("salford"),
                                     clock=lambda: datetime(2026, 12, 24, 10, 0, tzinfo=UTC), practice=practice)
            ref = await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft(
                referral_type="rapid_review", referrer="School", category="young_person", letter="D",
                summary="Concerns about neglect raised by the school."))
            await panel.send_requests(actor=Actor.operator(), reference=ref, agencies=["police"])
            return ref
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_reminders_list_shows_what_will_be_sent_and_when(db: Path) -> None:
    ref = request_police(db)
    out = said(runner.invoke(app, ["reminders", "list"]))
    assert (f"Mon 4 Jan 2027, 09:00: before · Agency summary and chronology returned (police) · {ref} · "
            "Young Person D · due Tue 5 Jan 2027, 17:00") in out
    filtered = said(runner.invoke(app, ["reminders", "list", "--due-before", "2026-12-31T00:00"]))
    assert "(police)" not in filtered


def test_reminders_run_at_a_given_time_queues_once(practice_db: Path) -> None:
    request_police(practice_db, practice=True)
    first = runner.invoke(app, ["reminders", "run", "--practice", "--now", "2027-01-07T10:00"])
    assert first.exit_code == 0
    assert re.search(r"^[1-9]\d* reminder messages? queued\.$", said(first))
    again = runner.invoke(app, ["reminders", "run", "--practice", "--now", "2027-01-07T10:05"])
    assert said(again) == "0 reminder messages queued."


def record_counts(path: Path) -> tuple[int, int, list]:
    """Outbox rows, audit entries and each deadline's reminder state: what a sweep writes."""
    with sqlite3.connect(path) as conn:
        return (
            conn.execute("SELECT count(*) FROM outbox").fetchone()[0],
            conn.execute("SELECT count(*) FROM audit_log").fetchone()[0],
            conn.execute("SELECT id, next_reminder_at, last_reminder_at, escalated_at FROM deadlines").fetchall(),
        )


def test_reminders_run_at_a_simulated_time_on_the_real_record_only_shows_what_it_would_do(db: Path) -> None:
    request_police(db)
    before = record_counts(db)
    result = runner.invoke(app, ["reminders", "run", "--now", "2027-01-07T10:00"])
    assert result.exit_code == 0
    assert re.fullmatch(
        r"Dry run at Thu 7 Jan 2027, 10:00: [1-9]\d* reminder messages? would be queued; nothing was written, "
        r"because the real record never holds a simulated time \(practise with --practice\)\.",
        said(result),
    )
    assert record_counts(db) == before  # no message, no audit entry, no reminder marked sent
    assert said(runner.invoke(app, ["reminders", "run", "--now", "2027-01-07T10:05"])) == said(result).replace(
        "10:00", "10:05"
    )


def test_the_real_record_cannot_be_opened_for_practice(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    request_police(db)
    monkeypatch.setenv("PANELBOT_PRACTICE_DATABASE_URL", f"sqlite+aiosqlite:///{db}")  # pointed at the real one
    before = record_counts(db)
    result = runner.invoke(app, ["reminders", "run", "--practice", "--now", "2027-01-07T10:00"])
    assert result.exit_code == 1
    assert said(result) == (
        "This database holds Salford Safeguarding Children Partnership's real record, so it cannot be used for "
        "practice; practise on a database of its own with `panelbot run --practice`."
    )
    assert record_counts(db) == before


def test_reminders_run_outside_working_hours_says_so(practice_db: Path) -> None:
    request_police(practice_db, practice=True)
    result = runner.invoke(app, ["reminders", "run", "--practice", "--now", "2027-01-07T20:00"])
    assert said(result) == ("0 reminder messages queued. Thu 7 Jan 2027, 20:00 is outside working hours: "
                            "reminders wait for the next working morning.")


def test_reminders_run_refuses_a_bad_time(db: Path) -> None:
    result = runner.invoke(app, ["reminders", "run", "--now", "next tuesday"])
    assert result.exit_code == 2
    assert "is not a time; write it like 2026-12-01T09:30 or 01/12/2026 09:30." in said(result)
