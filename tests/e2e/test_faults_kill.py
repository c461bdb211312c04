"""The bot is killed (SIGKILL) between committing a decision and sending it (issue 9, faults).

The real bot runs as a subprocess (`panelbot run`, no terminal attached) on a SQLite file, with Slack
pointed at the fake Slack this test runs on 127.0.0.1. The third vote that decides a Dudley referral is sent
to the bot as Slack would (signed requests to /slack/events) while the fake fails every post (500), so the
decision is committed with its messages still in the outbox. The process is killed with SIGKILL, Slack
recovers, the bot is started again: the decision reaches Slack exactly once.

The guarantee is at-least-once at Slack's edge: had the kill come after Slack accepted the post but before
the bot recorded it, the post would be sent again. Here the post was refused, so once is exact.

The panel is the test preset of a partnership whose panel decides by vote (tests/stage_presets.py: Dudley's
preset without its `[[stages]]` entry): the shipped Dudley has a child's referral decided at the rapid review
meeting, where the votes are advice and no third vote decides anything; what is tested here is a decision's
delivery.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.notify import Sender
from bot.service import Actor
from bot.service.bootstrap import open_panel
from bot.slack.app import SlackBot, SlackConfig
from flows.referrals import ReferralDraft
from storage.db import make_engine, upgrade
from storage.models import OutboxMessage, Vote

HERE = Path(__file__).resolve().parent
if str(HERE / "slack") not in sys.path:
    sys.path.append(str(HERE / "slack"))
from botprocess import Bot  # noqa: E402
from slack_fake import PANEL_CHANNEL, SECRET, FakeSlack, Payloads, sign  # noqa: E402
from stage_presets import dudley_panel_votes, write_dudley_panel_votes  # noqa: E402

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is a POSIX signal")

OUTCOME = "Undertake a child safeguarding practice review"


def slack_bot(tmp_path: Path, db_url: str, api_url: str) -> Bot:
    """The bot with Slack pointed at the fake Slack this test runs."""
    return Bot(tmp_path, db_url, {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SECRET,
                                  "SLACK_API_URL": api_url,
                                  "PANELBOT_PRESET": str(write_dudley_panel_votes(tmp_path))})


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


async def prepare(db_url: str, fake: FakeSlack) -> str:
    """A Dudley panel (whose vote decides) on Slack with a referral whose card is posted and two of the three
    votes cast."""
    engine = make_engine(db_url)
    try:
        await upgrade(engine)
        panel = await open_panel(engine, dudley_panel_votes())
        for name, role, user in [("Bea", "business_manager", "U0BM"), ("Lou", "local_authority", "U0LA"),
                                 ("Pat", "police", "U0POL"), ("Hal", "health", "U0HEA")]:
            await panel.add_member(actor=Actor.operator(), name=name, role=role, ids=[f"slack:{user}"])
        await panel.set_channel(actor=Actor.operator(), purpose="panel", platform_id=f"slack:{PANEL_CHANNEL}")
        ref = await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft(
            referral_type="cspr", referrer="Children's Social Care", category="young_person", letter="C",
            summary="Injuries noticed at school"))
        for member in ("Lou", "Pat"):
            await panel.vote(actor=await panel.actor_named(member), reference=ref, outcome="cspr")
        bot = SlackBot(panel, SlackConfig(bot_token="xoxb-test-token", signing_secret=SECRET, api_url=fake.api_url))
        await Sender(panel, [bot.adapter]).flush()  # the card is on Slack, with both votes
        return ref
    finally:
        await engine.dispose()


async def outbox_state(db_url: str) -> tuple[int, list[tuple[str, bool]]]:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            votes = (await conn.execute(select(func.count(Vote.id)))).scalar_one()
            rows = (await conn.execute(select(OutboxMessage.kind, OutboxMessage.sent_at).order_by(OutboxMessage.id)))
            return votes, [(kind, sent is not None) for kind, sent in rows]
    finally:
        await engine.dispose()


async def failure_recorded(db_url: str) -> bool:
    """Every unsent row has had its failed attempt recorded and waits out a backoff (seconds), not the
    2-minute lease of a flush still under way: killing the bot now is killing it "between committing the
    decision and sending it", not in the middle of a send."""
    from datetime import UTC, datetime, timedelta

    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(OutboxMessage.last_error, OutboxMessage.next_attempt_at).where(
                        OutboxMessage.sent_at.is_(None)
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    soon = datetime.now(UTC) + timedelta(seconds=90)
    return bool(rows) and all(
        error is not None and (at if at.tzinfo else at.replace(tzinfo=UTC)) < soon for error, at in rows
    )


async def test_killed_after_the_decision_is_committed_the_decision_goes_out_once_after_restart(
    tmp_path: Path, fake: FakeSlack
) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}"
    ref = await prepare(db_url, fake)
    card = next(m for m in fake.in_channel(PANEL_CHANNEL) if ref in m.raw)
    assert "2 of 3 statutory partners have voted" in card.shown

    bot = slack_bot(tmp_path, db_url, fake.api_url)
    async with aiohttp.ClientSession() as http:
        try:
            await bot.start(http)
            # Slack starts failing every post and edit (500). (Not a 429 with a short Retry-After: the bot
            # would come back by itself a moment later, and a kill during that flush would leave the rows
            # claimed for the 2-minute lease, which is right, but slow for a test.)
            for _ in range(50):
                fake.fail("chat.postMessage", 500)
                fake.fail("chat.update", 500)
            # Hal presses the outcome button on the card and submits the form: the deciding vote.
            slack = Payloads(fake)
            for payload in (slack.press_payload("U0HEA", card, OUTCOME), None):
                if payload is None:
                    payload = slack.submit_payload("U0HEA", fake.views[-1], {"reason": "Agree with partners"})
                body = urlencode({"payload": json.dumps(payload)})
                headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
                async with http.post(f"{bot.url}/slack/events", data=body, headers=headers) as response:
                    assert response.status == 200
                if payload["type"] == "block_actions":
                    await fake.wait_for(lambda: fake.views, timeout=45)
            # The vote is told to Hal, the decision is committed, and Slack refused its messages.
            await fake.wait_for(lambda: any("Voting has now closed" in s for s in fake.said_to("U0HEA")), timeout=45)
            await fake.wait_for(lambda: any(c.status == 500 for c in fake.calls), timeout=45)
            async with asyncio.timeout(45):
                while not await failure_recorded(db_url):
                    await asyncio.sleep(0.05)  # polling the bot's database, not waiting for time to pass
            votes, rows = await outbox_state(db_url)
            assert votes == 3
            assert ("decision", False) in rows  # committed, not sent
            assert fake.thread(PANEL_CHANNEL, card.ts) == []

            await bot.kill()  # SIGKILL: no shutdown code runs
            fake._failures.clear()  # Slack recovers
            await bot.start(http)
            # The failed rows wait out their 10-second backoff, then the scheduler's flush (every 5 s) sends them.
            await fake.wait_for(lambda: fake.thread(PANEL_CHANNEL, card.ts), timeout=60)
            await fake.wait_for(lambda: "Decided: " in fake.find(PANEL_CHANNEL, card.ts).shown, timeout=45)
            votes, rows = await outbox_state(db_url)
            assert votes == 3 and all(sent for _, sent in rows), rows  # nothing left to send
        finally:
            await bot.stop()

    thread = fake.thread(PANEL_CHANNEL, card.ts)
    assert len(thread) == 1, [m.shown for m in thread]  # the decision, once
    assert f"Decided: {OUTCOME}" in thread[0].shown
    assert len([m for m in fake.in_channel(PANEL_CHANNEL) if ref in m.raw]) == 1  # one card, edited in place
    assert "xoxb-test-token" not in bot.log.read_text()  # no secret in the service log
