"""Nothing stuck in silence (issue 22, point 4): the `tell_stuck` sweep with a stand-in Slack that refuses the
panel channel with `not_in_channel`, as Slack does when the bot was never invited. Two sweeps at once (two
replicas on PostgreSQL, each with its own engine) tell the business manager once; PANELBOT_STUCK_AFTER sets
when a message counts as stuck, for the sweep, /healthz and `panelbot outbox list` alike."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.notify import Outgoing, Sender, outbox_summary
from bot.scheduler import JOBS_BY_NAME, SKIPPED, run_job
from bot.service import Actor
from bot.service.bootstrap import open_panel
from bot.settings import Settings
from bot.slack.adapter import SlackError
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from storage.models import OutboxMessage

OP = Actor.operator()
SUMMARY = "Fracture found at a routine check of Child K at 9 Elm Road."


@dataclass
class StandInSlack:
    """Slack as the sender sees it: the bot is not in the panel channel; every other channel works."""

    platform: str = "slack"
    reaches_everyone: bool = False
    target_interval: float = 0.0
    got: list[tuple[str, Outgoing]] = field(default_factory=list)

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        if target == "C0PANEL":
            raise SlackError("not_in_channel")
        self.got.append((target, message))
        return f"m{len(self.got)}"


async def stuck_panel(panel):  # type: ignore[no-untyped-def]
    await panel.set_channel(actor=OP, purpose="panel", platform_id="slack:C0PANEL")
    await panel.set_channel(actor=OP, purpose="bm", platform_id="slack:C0BM")
    draft = ReferralDraft(referral_type="rapid_review", referrer="Health visitor", category="baby", letter="K",
                          summary=SUMMARY)
    await panel.file_referral(actor=OP, draft=draft)


async def bm_notices(panel) -> list[dict]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        return list((await uow.session.execute(select(OutboxMessage.body).where(
            OutboxMessage.purpose == "bm", OutboxMessage.kind == "notice"))).scalars())


async def test_two_sweeps_at_once_tell_the_bm_once_that_the_bot_is_not_in_the_panel_channel(
    engine, twin_engine, make_panel, clock
) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    slack = StandInSlack()
    sender = Sender(panel, [slack])
    await stuck_panel(panel)
    await sender.flush()
    before = await bm_notices(panel)
    clock.advance(minutes=20)
    await sender.flush()

    other_engine = twin_engine() if engine.dialect.name == "postgresql" else None
    other = await open_panel(other_engine, load_preset("salford"), clock=clock) if other_engine else panel
    try:
        told = await asyncio.gather(panel.tell_stuck(), other.tell_stuck(), panel.tell_stuck())
        assert sorted(told) == [0, 0, 1]  # the unique key (target, day): one of them told, the others not
        job = JOBS_BY_NAME["tell_stuck"]
        assert await asyncio.gather(run_job(job, panel, sender), run_job(job, other, sender)) in (
            [0, 0], [0, SKIPPED], [SKIPPED, 0])
    finally:
        if other_engine is not None:
            await other_engine.dispose()

    [notice] = [n for n in await bm_notices(panel) if n not in before]
    assert notice["headline"] == "Messages not getting through"
    assert notice["text"].startswith("1 message for the panel's Slack channel is waiting since Mon 23 Nov 2026, "
                                     "10:12 (UK time)")
    assert "Invite the bot to the channel (type /invite @Panelbot in it)." in notice["text"]
    assert SUMMARY not in notice["text"] and "Child K" not in notice["text"]
    await sender.flush()
    assert [m.text for t, m in slack.got if t == "C0BM" and m.headline == "Messages not getting through"] == [
        notice["text"]]  # it reached the business manager's channel


async def test_panelbot_stuck_after_sets_when_a_message_is_stuck(make_panel, clock, monkeypatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PANELBOT_STUCK_AFTER", "60")
    settings = Settings(_env_file=None)
    assert settings.stuck_after_delta == timedelta(hours=1)
    panel = await make_panel("salford")
    panel.stuck_after = settings.stuck_after_delta  # as `panel_from_settings` sets it
    sender = Sender(panel, [StandInSlack()])
    await stuck_panel(panel)
    await sender.flush()
    clock.advance(minutes=30)
    assert await panel.tell_stuck() == 0
    assert (await outbox_summary(panel))["stuck"] == 0  # /healthz: not degraded yet
    clock.advance(minutes=31)
    assert (await outbox_summary(panel))["stuck"] == 1
    assert await panel.tell_stuck() == 1


def test_outbox_list_goes_by_panelbot_stuck_after(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PANELBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setenv("PANELBOT_STUCK_AFTER", "45")
    result = CliRunner().invoke(app, ["outbox", "list"])
    assert result.exit_code == 0, result.output
    assert "No message has been waiting more than 45 minutes: nothing is stuck." in result.output
