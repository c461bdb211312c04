"""Seeing stuck messages (issue 9, faults): `panelbot outbox list` / `panelbot outbox retry`. The outbox part
of `/healthz`, over HTTP: tests/e2e/test_outbox_healthz.py.

A message a platform keeps refusing stays in the outbox. The business manager sees it listed with its id,
kind, where it is for, attempts, how long it has waited, the next attempt in UK time and the last error,
and never its text (it may hold a case's details).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.notify import Outgoing, PlatformUnavailable, RetryLater, Sender
from bot.service import Actor
from bot.service.bootstrap import open_panel
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from storage.db import make_engine
from storage.models import OutboxMessage

runner = CliRunner()
SUMMARY = "Bruising seen by the health visitor at 14 Acacia Road"


def said(result) -> str:  # type: ignore[no-untyped-def]
    return " ".join(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.output).split())


class DownPlatform:
    """A platform that answers every delivery with a server error."""

    platform = "slack"
    reaches_everyone = True
    target_interval = 0.0

    def __init__(self, retry_after: float | None = None) -> None:
        self.calls = 0
        self.retry_after = retry_after  # answer 429 with this Retry-After instead of a server error

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        self.calls += 1
        if self.retry_after is not None:
            raise RetryLater(self.retry_after, "slack: rate limited")
        raise PlatformUnavailable("HTTP 503")


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("PANELBOT_PRESET", "PANELBOT_CONFIG", "PANELBOT_TIMEZONE", "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "o.db"
    monkeypatch.setenv("PANELBOT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return path


def listed_output(args: list[str]) -> list[str]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def stuck_messages(
    path: Path, *, filed_ago: timedelta, retry_after: float | None = None
) -> tuple[list[int], list[str]]:
    """File a Salford referral (and send the police a request) `filed_ago`, and fail to deliver what that
    queued, twice, with a platform that is down. Returns the outbox ids and every text they hold."""

    async def go() -> tuple[list[int], list[str]]:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            now = datetime.now(UTC).replace(microsecond=0) - filed_ago
            moment = {"now": now}
            panel = await open_panel(engine, load_preset("salford"), clock=lambda: moment["now"])
            ref = await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft(
                referral_type="rapid_review", referrer="School", category="young_person", letter="D",
                summary=SUMMARY))
            await panel.send_requests(actor=Actor.operator(), reference=ref, agencies=["police"])
            sender = Sender(panel, [DownPlatform(retry_after)])
            await sender.flush()
            moment["now"] = now + timedelta(minutes=5)
            await sender.flush()
            async with panel.uow() as uow:
                rows = list((await uow.session.execute(select(OutboxMessage))).scalars())
            texts = [str(r.body.get("text")) for r in rows if r.body.get("text")]
            return [r.id for r in rows if r.sent_at is None], texts
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_outbox_list_says_plainly_when_nothing_is_stuck(db: Path) -> None:
    result = runner.invoke(app, ["outbox", "list"])
    assert result.exit_code == 0
    assert said(result) == "No message has been waiting more than 15 minutes: nothing is stuck."


def test_outbox_list_shows_stuck_messages_without_their_text(db: Path) -> None:
    ids, texts = stuck_messages(db, filed_ago=timedelta(hours=2))
    assert ids and texts  # something is stuck, and some of it holds text
    result = runner.invoke(app, ["outbox", "list"])
    out = said(result)
    assert result.exit_code == 0, out
    assert out.startswith(f"{len(ids)} messages have been waiting more than 15 minutes to be delivered")
    for row_id in ids:
        assert re.search(rf"│ {row_id}\s+│", result.output), f"message {row_id} is not listed"
    assert "referral_card" in out and "panel" in out and "agency:police" in out
    assert "2 h 00 min" in out  # how long each has waited since it was queued
    assert "slack: HTTP 503" in out and "slack: not tried, the platform was down (HTTP 503)" in out  # last errors
    assert re.search(r"│ 2\s+│ 2 h 00 min", result.output)  # two attempts so far
    assert "Next attempt (UK time)" in out
    # The next attempt is a UK time (GMT in winter, BST in summer): a time of day, never raw UTC ISO text.
    assert not re.search(r"\d{4}-\d\d-\d\dT", out)
    for body in texts:
        assert body not in result.output
    assert "Acacia" not in result.output and SUMMARY not in result.output


def test_outbox_list_threshold_and_retry_make_them_due_now(db: Path) -> None:
    ids, _ = stuck_messages(db, filed_ago=timedelta(minutes=8), retry_after=3600)  # Slack said: in an hour
    assert said(runner.invoke(app, ["outbox", "list"])).startswith(
        f"No message has been waiting more than 15 minutes: nothing is stuck. {len(ids)} newer messages are on the way"
    )
    listed = said(runner.invoke(app, ["outbox", "list", "--older-than", "0"]))
    assert listed.startswith(f"{len(ids)} messages have been waiting at all")  # every waiting one
    rows = [line for line in listed_output(["outbox", "list", "--older-than", "0"]) if line.startswith("│")]
    assert len(rows) == len(ids) and not any("│ now" in line for line in rows)  # each waits the hour Slack asked

    result = runner.invoke(app, ["outbox", "retry", str(ids[0])])
    assert result.exit_code == 0
    assert said(result) == "1 waiting message is due now: the running bot sends it within a few seconds."
    after = runner.invoke(app, ["outbox", "list", "--older-than", "0"]).output
    first = next(line for line in after.splitlines() if re.search(rf"│ {ids[0]}\s+│", line))
    assert "│ now" in first
    result = runner.invoke(app, ["outbox", "retry"])
    assert said(result) == f"{len(ids)} waiting messages are due now: the running bot sends them within a few seconds."
    nothing = said(runner.invoke(app, ["outbox", "retry", "999"]))
    assert nothing == "No message with those ids is waiting to be delivered."
