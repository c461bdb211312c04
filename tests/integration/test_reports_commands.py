"""The business manager's view through the shared commands every platform uses (`report`, `disagree`,
`disagreements`), the terminal (which saves the charts to a folder), and the calendar feed's token setting.
On SQLite, and PostgreSQL when PANELBOT_TEST_DATABASE_URL is set. The feed over HTTP:
tests/e2e/test_calendar_route.py.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from rich.console import Console

from bot.commands import COMMANDS, Reply, run
from bot.console.adapter import ConsoleAdapter
from bot.console.repl import ConsoleSession, SimClock
from bot.notify import Outgoing, Sender
from bot.service import Actor
from bot.service.bootstrap import open_panel
from bot.settings import Settings
from flows.errors import NotAllowed
from flows.preset import load_preset
from flows.referrals import ReferralDraft

OP = Actor.operator()
TOKEN = "k3Yp0Zb1q9V-wn_8rTgQ2uLx6sDfHj4mNc7aEi5oPy0"  # 43 URL-safe characters, as token_urlsafe(32) makes
SUMMARY = "Unexplained injury reported by the school nurse."
PNG = b"\x89PNG\r\n\x1a\n"


async def filed_and_decided(make_panel, clock):  # type: ignore[no-untyped-def]
    """SAL-2026-001 filed Mon 23 Nov 2026 10:12 and decided "meets neither threshold" by 2 of 3 votes at 10:30;
    SAL-2026-002 filed at 10:12 and still with the panel."""
    panel = await make_panel("salford")
    for name, role in [("Ann", "independent_adviser"), ("Cat", "chair"), ("Bea", "business_manager")]:
        await panel.add_member(actor=OP, name=name, role=role)
    draft = ReferralDraft(referral_type="rapid_review", referrer="School", category="baby", letter="A", summary=SUMMARY)
    r1 = await panel.file_referral(actor=OP, draft=draft)
    r2 = await panel.file_referral(actor=OP, draft=draft)
    clock.set(datetime(2026, 11, 23, 10, 30, tzinfo=UTC))
    for name in ("Ann", "Cat"):
        await panel.vote(actor=await panel.actor_named(name), reference=r1, outcome="neither", reason="Not met")
    # Two of the three voters agree, so the result can no longer change: voting closes by itself.
    return panel, r1, r2


# Shared commands --------------------------------------------------------------------------------------------


async def test_report_command_answers_in_lines_with_the_two_charts_attached(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, _, _ = await filed_and_decided(make_panel, clock)
    reply = await run(panel, await panel.actor_named("Cat"), "report 2026-Q4")
    assert reply.ok
    assert reply.lines[0] == (
        "**Salford Safeguarding Children Partnership: report for 2026-Q4 (1 Oct 2026 to 31 Dec 2026), "
        "as at Mon 23 Nov 2026, 10:30**"
    )
    assert "Referrals received: **2**." in reply.lines
    assert "By outcome: Meets neither threshold 1 · Not yet decided 1." in reply.lines
    assert [name for name, _ in reply.files] == ["referrals-per-month.png", "timeliness.png"]
    assert all(data.startswith(PNG) for _, data in reply.files)


async def test_report_command_periods_and_refusals(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, _, _ = await filed_and_decided(make_panel, clock)
    bm = OP
    year = await run(panel, bm, "report 2026-04-01..2027-03-31")
    assert "report for 1 Apr 2026 to 31 Mar 2027" in year.lines[0]
    default = await run(panel, bm, "report")  # the financial year so far
    assert "report for 2026/27 to date (1 Apr 2026 to 23 Nov 2026)" in default.lines[0]
    bad = await run(panel, bm, "report next year")
    assert not bad.ok and bad.files == ()
    assert bad.lines == ['"next year" is not a period. Write 2026-04-01..2027-03-31 (two dates), 2026-Q3 (July to '
                         "September), 2026 (the calendar year), 2026/27 (the financial year, April to March) or "
                         "2026-11 (a month)."]
    # An agency contact who is not on the panel gets no figures (the shared commands refuse guests, and the
    # service refuses them too, whoever calls it).
    agency = Actor.guest("slack", "U0AGENCY")
    guest = await run(panel, agency, "report 2026")
    assert not guest.ok and guest.files == () and "not on this partnership's panel" in guest.lines[0]
    with pytest.raises(NotAllowed) as refused:
        panel.require_panel(agency, "see reports")
    assert str(refused.value) == "Only panel members and the business manager can see reports."


async def test_disagree_and_disagreements_commands(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel, r1, r2 = await filed_and_decided(make_panel, clock)
    cat = await panel.actor_named("Cat")
    refused = await run(panel, cat, f"disagree {r1} referrer they think it meets the threshold")
    assert refused.lines == ["Only the business manager can record a disagreement. Nothing was changed."]
    assert (await run(panel, OP, f"disagree {r1} referrer")).lines == [
        "Usage: `disagree REF referrer|national_panel REASON` (for example `disagree SAL-2026-001 referrer they "
        "consider the threshold for a rapid review is met`)."
    ]
    undecided = await run(panel, OP, f"disagree {r2} referrer they think it meets the threshold")
    assert not undecided.ok and "has not been decided" in undecided.lines[0]
    done = await run(panel, OP, f"disagree {r1} referrer they think it meets the threshold")
    assert done.ok and done.lines[0].startswith("Recorded: the referrer disagrees with the decision on SAL-2026-001")
    listed = await run(panel, cat, "disagreements")
    assert listed.lines == [
        "**SAL-2026-001 · Baby A**: The referrer disagrees with Meets neither threshold (recorded Mon 23 Nov 2026, "
        "10:30): they think it meets the threshold"
    ]
    none = await run(panel, cat, f"disagreements {r2}")
    assert none.lines == ["No disagreements have been recorded for SAL-2026-002."]
    assert {"report", "disagree", "disagreements"} <= set(COMMANDS)


def test_replies_and_outgoing_messages_can_carry_files() -> None:
    assert Reply().files == () and Outgoing(kind="notice", purpose="bm").files == ()
    message = Outgoing(kind="report", purpose="bm", text="Q4", files=(("chart.png", PNG),))
    assert message.files[0][0] == "chart.png"


# The terminal ----------------------------------------------------------------------------------------------


async def test_the_terminal_saves_the_charts_and_says_where(engine, clock, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PANELBOT_FILES_DIR", str(tmp_path / "files"))
    sim = SimClock(real=clock)
    panel = await open_panel(engine, load_preset("salford"), clock=sim)
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, force_terminal=False)
    session = ConsoleSession(panel, Sender(panel, [ConsoleAdapter(panel, console)]), console, sim)
    await session.handle("report 2026-Q4")  # a read: no need to say who you are first
    said = " ".join(buffer.getvalue().split())
    assert "Referrals received: 0." in said
    match = re.search(r"Charts saved in (\S+): referrals-per-month.png, timeliness.png", said)
    assert match, said
    folder = Path(match.group(1))
    assert folder == tmp_path / "files" / "reports" / "20261123-101200"  # the UK time of the report
    assert sorted(p.name for p in folder.iterdir()) == ["referrals-per-month.png", "timeliness.png"]
    assert (folder / "timeliness.png").read_bytes().startswith(PNG)


# The calendar feed's token ---------------------------------------------------------------------------------


def test_the_calendar_token_must_be_long_and_url_safe(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("PANELBOT_CALENDAR_TOKEN", raising=False)
    assert Settings().calendar_token is None
    monkeypatch.setenv("PANELBOT_CALENDAR_TOKEN", TOKEN)
    assert Settings().calendar_token.get_secret_value() == TOKEN  # type: ignore[union-attr]
    assert TOKEN not in repr(Settings())
    for bad in ("short-token", "x" * 31, "has spaces in it but is long enough to pass", "é" * 40):
        monkeypatch.setenv("PANELBOT_CALENDAR_TOKEN", bad)
        with pytest.raises(ValidationError) as refused:
            Settings()
        assert "PANELBOT_CALENDAR_TOKEN must be 32 to 256 letters" in str(refused.value)
    monkeypatch.setenv("PANELBOT_CALENDAR_TOKEN", "")
    assert Settings().calendar_token is None
