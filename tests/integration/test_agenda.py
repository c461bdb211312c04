"""Suffolk's monthly panel agenda (section 3; issue 21 section 3): the next panel's new referrals and every case
on hold, in chat and on the command line, and the held-cases notice naming the panel's real date.

Hand-worked: December 2026's panel is Thu 24 Dec (the 25th is Christmas Day); the cut-off is 10 calendar days
before it, so a referral of Mon 14 Dec is in time and one of Tue 15 Dec goes to Mon 25 Jan 2027. February
2027's panel is Thu 25 Feb.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.commands import run
from bot.service import Actor
from flows.referrals import ReferralDraft
from storage.models import OutboxMessage

OP = Actor.operator()


def uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def file(panel, letter: str, category: str = "baby") -> str:
    draft = ReferralDraft(referral_type="child", referrer="Health visitor", category=category, letter=letter,
                          summary="Fracture found at a routine check.")
    return await panel.file_referral(actor=OP, draft=draft)


async def agenda(panel) -> list[str]:
    reply = await run(panel, OP, "agenda")
    assert reply.ok
    return [line.replace("**", "") for line in reply.lines]


async def test_agenda_names_the_next_panel_its_new_referrals_and_every_case_on_hold(make_panel, clock):
    clock.set(uk("2026-12-07T10:00"))
    panel = await make_panel("suffolk")
    first = await file(panel, "A")
    held = await file(panel, "C", "young person")
    await panel.hold(actor=OP, reference=held, until=date(2027, 1, 25), reason="waiting for the inquest")
    clock.set(uk("2026-12-15T12:00"))
    late = await file(panel, "B")
    assert await agenda(panel) == [
        "Agenda for the panel of Thu 24 Dec 2026:",
        "New referrals (1):",
        f"  {first} · Baby A (Children's case review referral)",
        "On hold, back at this panel (1):",
        f"  {held} · Young Person C (Children's case review referral), held until Mon 25 Jan 2027",
        "A referral received today is past this panel's cut-off and goes to the panel of Mon 25 Jan 2027.",
    ]
    clock.set(uk("2026-12-29T10:00"))  # after December's panel: January's, where the late referral goes
    lines = await agenda(panel)
    assert lines[0] == "Agenda for the panel of Mon 25 Jan 2027:"
    assert f"  {late} · Baby B (Children's case review referral)" in lines
    assert f"  {first} · Baby A (Children's case review referral)" not in lines


async def test_agenda_where_there_is_no_monthly_panel(make_panel, clock):
    clock.set(uk("2026-12-07T10:00"))
    panel = await make_panel("salford")
    assert await agenda(panel) == [
        "The Salford Safeguarding Children Partnership has no monthly panel: each referral is decided by its own "
        "deadline (`status` lists them)."
    ]


async def test_held_cases_notice_names_the_panel_date_even_when_sent_a_day_late(make_panel, clock):
    """The issue: a sweep on Fri 26 Feb 2027 said "back at the panel of Fri 26 Feb", not a panel date."""
    clock.set(uk("2027-02-01T10:00"))
    panel = await make_panel("suffolk")
    held = await file(panel, "D")
    await panel.hold(actor=OP, reference=held)
    clock.set(uk("2027-02-26T10:00"))
    assert await panel.hold_agenda() == [held]
    async with panel.uow() as uow:
        texts = [m.body.get("text", "") for m in (await uow.session.execute(select(OutboxMessage))).scalars()]
    assert f"Cases on hold, back at the panel of Thu 25 Feb 2027: {held} · Baby D." in texts


def test_panelbot_agenda_on_the_command_line(monkeypatch, tmp_path):
    """`panelbot agenda`, like `panelbot status`: the next panel (a real panel date: the 25th or the working day
    before it), with nothing on it yet in a new database."""
    import re

    from typer.testing import CliRunner

    from bot.cli import app
    from flows.clocks import calendar_for
    from flows.preset import load_preset

    for name in ("PANELBOT_PRESET", "PANELBOT_CONFIG", "PANELBOT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PANELBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(app, ["agenda", "--preset", "suffolk"])
    said = " ".join(result.stdout.split())
    assert result.exit_code == 0, result.output
    found = re.match(
        r"Agenda for the panel of \w{3} (\d+) (\w{3}) (\d{4}): New referrals: none\. On hold: none\.", said
    )
    assert found, said
    day = datetime.strptime(" ".join(found.groups()), "%d %b %Y").date()
    cal = calendar_for(load_preset("suffolk"))
    assert cal.is_working_day(day)
    assert day.day == 25 or (day.day < 25 and all(not cal.is_working_day(day.replace(day=d))
                                                   for d in range(day.day + 1, 26)))


def test_panelbot_meeting_list_on_the_command_line(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from bot.cli import app

    for name in ("PANELBOT_PRESET", "PANELBOT_CONFIG", "PANELBOT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PANELBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(app, ["meeting", "list", "--preset", "dudley"])
    assert result.exit_code == 0, result.output
    assert " ".join(result.stdout.split()) == (  # the terminal shows `code` styled, without the backticks
        "No meetings are scheduled. The business manager schedules one with meeting schedule REF DATE TIME."
    )


async def test_the_monthly_panels_are_planned_once_on_the_database_and_name_the_agenda(make_panel, clock):
    # December 2026's panel is Thu 24 Dec; January's Mon 25 Jan 2027; February's Thu 25 Feb.
    clock.set(uk("2026-12-14T10:00"))
    panel = await make_panel("suffolk")
    assert await panel.plan_panels() == ["PANEL-2026-12", "PANEL-2027-01", "PANEL-2027-02"]
    assert await panel.plan_panels() == []
    reply = await run(panel, OP, "meeting move PANEL-2026-12 2026-12-23 14:00")
    assert reply.lines == ["The monthly panel of December 2026 (PANEL-2026-12) is moved to Wed 23 Dec 2026, 14:00 "
                           "(was Thu 24 Dec 2026, 10:00)."]
    assert await panel.plan_panels() == []  # the moved panel is found by the date the preset gave it
    assert (await agenda(panel))[0] == "Agenda for the panel of Wed 23 Dec 2026, 14:00 (PANEL-2026-12):"
    clock.set(uk("2027-01-04T09:00"))
    assert await panel.plan_panels() == ["PANEL-2027-03"]
    reply = await run(panel, OP, "meeting list")
    assert [line.split(":")[0].replace("**", "") for line in reply.lines] == [
        "PANEL-2027-01", "PANEL-2027-02", "PANEL-2027-03"]
