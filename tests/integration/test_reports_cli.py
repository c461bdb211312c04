"""`panelbot report`, `panelbot calendar`, `panelbot export` and `panelbot audit verify --export` (issue 8),
driven the way a person types them, on a SQLite file seeded through the Panel with a fixed clock.

The command line runs at the real time, so these tests check only what does not depend on it (what was
received, decided, written, and proved); the figures that do are tested with an injected clock in
test_reports_service.py.
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from bot.cli import app
from bot.service import Actor
from bot.service.bootstrap import open_panel
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from storage.db import make_engine, upgrade

runner = CliRunner()
OP = Actor.operator()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def said(result) -> str:  # type: ignore[no-untyped-def]
    return " ".join(ANSI.sub("", result.output).split())


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A Salford database: SAL-2026-001 filed Mon 2 Nov 2026 and decided to commence a rapid review by two
    votes with reasons, requests to the police and health; SAL-2026-002 filed the same day, still open."""
    monkeypatch.chdir(tmp_path)
    for name in ("PANELBOT_PRESET", "PANELBOT_CONFIG", "PANELBOT_TIMEZONE", "PANELBOT_CALENDAR_TOKEN",
                 "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "TEAMS_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "r.db"
    url = f"sqlite+aiosqlite:///{path}"
    monkeypatch.setenv("PANELBOT_DATABASE_URL", url)

    async def seed() -> None:
        engine = make_engine(url)
        await upgrade(engine)
        now = [datetime(2026, 11, 2, 10, 0, tzinfo=UTC)]
        try:
            panel = await open_panel(engine, load_preset("salford"), clock=lambda: now[0])
            for name, role in [("Ann", "independent_adviser"), ("Cat", "chair"), ("Bea", "business_manager")]:
                await panel.add_member(actor=OP, name=name, role=role)
            draft = ReferralDraft(referral_type="rapid_review", referrer="School", category="baby", letter="A",
                                  summary="Bruising noticed by the nursery.", themes=["neglect"])
            r1 = await panel.file_referral(actor=OP, draft=draft)
            await panel.file_referral(actor=OP, draft=draft)
            for name in ("Ann", "Cat"):
                await panel.vote(actor=await panel.actor_named(name), reference=r1, outcome="commence",
                                 reason=f"{name}: clearly a rapid review")
            await panel.send_requests(actor=OP, reference=r1, agencies=["police", "health"])
        finally:
            await engine.dispose()

    asyncio.run(seed())
    return path


def test_report_prints_a_table_per_measure(db: Path) -> None:
    result = invoke("report", "--from", "2026-10-01", "--to", "2026-12-31")
    assert result.exit_code == 0, result.output
    out = said(result)
    assert "Salford Safeguarding Children Partnership: report for 1 Oct 2026 to 31 Dec 2026, as at" in out
    assert "Referrals received in the period: 2" in out
    assert "Referrals by type (Salford 10.3 (a))" in out
    assert re.search(r"Rapid review\s*│\s*2", out)
    assert re.search(r"Commence rapid review\s*│\s*1", out)
    assert re.search(r"Not yet decided\s*│\s*1", out)
    assert "The rapid review meeting's decision, by outcome" in out  # Salford 7.12, after commencing one
    assert re.search(r"Recommend a child safeguarding practice review\s*│\s*0", out)
    assert "Timeliness by clock (Salford 10.3 (d))" in out
    assert "Information returns by agency" in out


def test_report_writes_one_csv_per_measure(db: Path, tmp_path: Path) -> None:
    result = invoke("report", "2026-Q4", "--format", "csv", "--out", str(tmp_path / "q4"))
    assert result.exit_code == 0, result.output
    # No disagreements were recorded, so there is no list of them: 14 files, the rapid review meeting's decisions
    # (Salford 7.12) among them.
    assert f"Wrote 14 CSV files to {tmp_path / 'q4'}" in said(result)
    meeting = (tmp_path / "q4" / "stage_rapid_review_meeting.csv").read_text("utf-8-sig").splitlines()
    assert list(csv.reader(meeting))[-2:] == [["Not yet decided", "1"], ["Total", "1"]]  # commenced, not yet met
    assert "disagreements.csv" in said(result) and "disagreements_list.csv" not in said(result)
    rows = list(csv.reader((tmp_path / "q4" / "referrals_by_outcome.csv").read_text("utf-8-sig").splitlines()))
    assert rows[0] == ["Outcome", "Referrals"]
    assert ["Commence rapid review", "1"] in rows and ["Total", "2"] in rows
    themes = list(csv.reader((tmp_path / "q4" / "referrals_by_theme.csv").read_text("utf-8-sig").splitlines()))
    assert ["Neglect", "2"] in themes


def test_report_writes_the_charts_and_markdown(db: Path, tmp_path: Path) -> None:
    result = invoke("report", "2026", "--format", "png", "--out", str(tmp_path / "charts"))
    assert result.exit_code == 0, result.output
    for name in ("referrals-per-month.png", "timeliness.png"):
        assert (tmp_path / "charts" / name).read_bytes().startswith(b"\x89PNG")
    result = invoke("report", "2026", "--format", "markdown", "--out", str(tmp_path / "md"))
    assert result.exit_code == 0, result.output
    text = (tmp_path / "md" / "report.md").read_text(encoding="utf-8")
    assert text.startswith("# Salford Safeguarding Children Partnership: report for 2026 (1 Jan 2026 to 31 Dec 2026)")
    assert "| Rapid review | 2 |" in text


@pytest.mark.parametrize(
    ("args", "says", "code"),
    [
        (("--format", "pdf"), '--format "pdf" is not one of table, markdown, csv, png.', 2),
        (("--from", "2026-04-01"), "Give both --from and --to, or a PERIOD such as 2026-Q3.", 2),
        (("2026", "--from", "2026-04-01", "--to", "2026-05-01"), "Give either a PERIOD or --from and --to", 2),
        (("--from", "2026-04-31", "--to", "2027-03-31"), '--from: "2026-04-31" is not a date', 2),
        (("--from", "2027-04-01", "--to", "2026-03-31"), "The period ends (31 Mar 2026) before it starts", 1),
        (("whenever",), '"whenever" is not a period.', 1),
    ],
)
def test_report_refusals_are_one_sentence(db: Path, args: tuple[str, ...], says: str, code: int) -> None:
    result = invoke("report", *args)
    assert result.exit_code == code, result.output
    assert says in said(result) and "Traceback" not in result.output


def test_calendar_writes_every_open_deadline(db: Path, tmp_path: Path) -> None:
    result = invoke("calendar", "--out", str(tmp_path / "deadlines.ics"))
    assert result.exit_code == 0, result.output
    body = (tmp_path / "deadlines.ics").read_bytes()
    events = list(Calendar.from_ical(body).walk("VEVENT"))
    # SAL-2026-001 (decided): LA notification, National Panel result, two agency returns (requests sent met
    # the 2 WD clock). SAL-2026-002 (open): decision, requests sent, National Panel result, LA notification.
    assert len(events) == 8
    assert f"Wrote 8 open deadlines to {tmp_path / 'deadlines.ics'}." in said(result)
    assert b"nursery" not in body
    printed = invoke("calendar")
    assert printed.exit_code == 0 and printed.stdout.startswith("BEGIN:VCALENDAR")


def test_export_then_prove_the_archive_complete(db: Path, tmp_path: Path) -> None:
    result = invoke("export", "--out", str(tmp_path / "archive.json"))
    assert result.exit_code == 0, result.output
    out = said(result)
    assert ("Exported 2 referrals, 2 votes, 1 decisions, 2 requests, 0 reminders and 0 disagreements to "
            f"{tmp_path / 'archive.json'}.") in out
    data = json.loads((tmp_path / "archive.json").read_text(encoding="utf-8"))
    head = data["manifest"]["audit_head_hash"]
    assert f"head hash {head}" in out
    assert sorted(v["reason"] for v in data["votes"]) == ["Ann: clearly a rapid review", "Cat: clearly a rapid review"]

    verified = invoke("audit", "verify", "--export", str(tmp_path / "archive.json"))
    assert verified.exit_code == 0, verified.output
    text = said(verified)
    assert f"Head hash {head}" in text and "is complete:" in text and "all 2 votes match" in text

    result = invoke("export", "--format", "csv", "--out", str(tmp_path / "archive"))
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "archive").iterdir()} == {
        "manifest.csv", "referrals.csv", "decisions.csv", "stage_decisions.csv", "ballots.csv", "votes.csv",
        "deadlines.csv", "requests.csv", "reminders.csv", "disagreements.csv", "complaints.csv", "audit_log.csv",
    }
    assert invoke("audit", "verify", "--export", str(tmp_path / "archive")).exit_code == 0

    # An archive someone edited afterwards is refused.
    data["votes"][0]["reason"] = "changed later"
    (tmp_path / "edited.json").write_text(json.dumps(data), encoding="utf-8")
    refused = invoke("audit", "verify", "--export", str(tmp_path / "edited.json"))
    assert refused.exit_code == 1
    assert "differs from what the audit log recorded" in said(refused)
    assert "does NOT match the record: 1 problem(s) found." in said(refused)

    (tmp_path / "junk.json").write_text("{}", encoding="utf-8")
    junk = invoke("audit", "verify", "--export", str(tmp_path / "junk.json"))
    assert junk.exit_code == 1 and "is not a Panelbot export" in said(junk)


def test_export_refuses_an_unknown_format(db: Path) -> None:
    result = invoke("export", "--format", "xml")
    assert result.exit_code == 2 and '--format "xml" is not one of json, csv.' in said(result)


def test_meeting_list_on_the_command_line_gives_the_views_before_a_deciding_meeting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`panelbot meeting list` says what `meeting list` says in chat (one shared wording): for Dudley's rapid review
    meeting, which decides a child's referral, the views the partners have given so far."""
    for name in ("PANELBOT_PRESET", "PANELBOT_CONFIG", "PANELBOT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    url = f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"
    monkeypatch.setenv("PANELBOT_DATABASE_URL", url)

    async def seed() -> str:
        engine = make_engine(url)
        await upgrade(engine)
        try:
            panel = await open_panel(engine, load_preset("dudley"),
                                     clock=lambda: datetime(2026, 12, 14, 10, 0, tzinfo=UTC))
            for name, role in [("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health")]:
                await panel.add_member(actor=OP, name=name, role=role)
            draft = ReferralDraft(referral_type="cspr", referrer="School", category="baby", letter="A",
                                  summary="Bruising noticed by the nursery.")
            ref = await panel.file_referral(actor=OP, draft=draft)
            for name, outcome in (("Lia", "cspr"), ("Pol", "no_review")):
                await panel.vote(actor=await panel.actor_named(name), reference=ref, outcome=outcome,
                                 reason="no new learning" if outcome == "no_review" else "")
            await panel.schedule_meeting(actor=OP, reference=ref, at=datetime(2026, 12, 30, 10, 0, tzinfo=UTC))
            return ref
        finally:
            await engine.dispose()

    ref = asyncio.run(seed())
    result = invoke("meeting", "list")
    assert result.exit_code == 0, result.output
    out = said(result)
    assert out.startswith(f"{ref} · Baby A: the rapid review meeting Wed 30 Dec 2026, 10:00.")
    assert out.endswith("Views so far: Undertake a child safeguarding practice review 1, No review required 1.")
