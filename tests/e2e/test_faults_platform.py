"""The platform's API fails for minutes (issue 9, faults): messages wait in the outbox, are retried with
backoff, and each is delivered exactly once when the platform recovers.

The real Slack adapter (bolt's Web API client) talks to the fake Slack of tests/e2e/slack through a
`FaultProxy`, so the fake can answer 429 with Retry-After, answer 500, hang (the proxy holds the connection,
nothing comes back before the client's time limit) and be unreachable (the proxy stops listening: connection
refused). Time is the injected clock; the only real waiting is the Slack client's one-second time limit in
the hang phase.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from faultproxy import FaultProxy
from sqlalchemy import select

from bot.notify import Outgoing, Sender, outbox_summary
from bot.service import Actor
from bot.slack.app import SlackBot, SlackConfig
from flows.referrals import ReferralDraft
from storage.models import OutboxMessage

HERE = Path(__file__).resolve().parent
if str(HERE / "slack") not in sys.path:
    sys.path.append(str(HERE / "slack"))
from slack_fake import PANEL_CHANNEL, FakeSlack  # noqa: E402

BM_CHANNEL = "C0BM"


@pytest.fixture
async def slack_behind_proxy() -> AsyncIterator[tuple[FakeSlack, FaultProxy]]:
    fake = FakeSlack()
    await fake.start()
    port = int(fake.base.rsplit(":", 1)[1])
    proxy = await FaultProxy("127.0.0.1", port).start()
    yield fake, proxy
    await proxy.stop()
    await fake.stop()


def draft(letter: str) -> ReferralDraft:
    return ReferralDraft(
        referral_type="cspr", referrer="Children's Social Care", category="young_person", letter=letter, summary="x"
    )


async def waiting(panel) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        query = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)
        return list((await uow.session.execute(query)).scalars())


def posted(fake: FakeSlack, reference: str) -> int:
    """How many times a message about `reference` reached the panel channel (successful chat.postMessage)."""
    return sum(
        1
        for c in fake.called("chat.postMessage")
        if c.args.get("channel") == PANEL_CHANNEL and reference in str(c.args.get("text")) + str(c.args.get("blocks"))
    )


async def test_minutes_of_429_500_hangs_and_refused_connections_then_each_message_goes_out_once(
    make_panel, clock, slack_behind_proxy
) -> None:  # type: ignore[no-untyped-def]
    fake, proxy = slack_behind_proxy
    panel = await make_panel("dudley")
    await panel.set_channel(actor=Actor.operator(), purpose="panel", platform_id=f"slack:{PANEL_CHANNEL}")
    await panel.set_channel(actor=Actor.operator(), purpose="bm", platform_id=f"slack:{BM_CHANNEL}")
    url = f"http://127.0.0.1:{proxy.port}/api/"
    bot = SlackBot(panel, SlackConfig(bot_token="xoxb-test-token", signing_secret="s", api_url=url, timeout=1))
    sender = Sender(panel, [bot.adapter])
    refs = [await panel.file_referral(actor=Actor.operator(), draft=draft(letter)) for letter in "CD"]
    queued = len(await waiting(panel))
    assert queued >= 2  # two cards, and whatever notices filing queued

    # 1. Slack says 429, Retry-After 30 to the first card: it comes back exactly then. (Messages to the
    # business manager's channel, another target, may go out meanwhile.)
    fake.fail("chat.postMessage", 429, retry_after=30)
    await sender.flush()
    rows = await waiting(panel)
    assert rows and rows[0].kind == "referral_card" and all(r.kind == "referral_card" for r in rows)
    total, queued = queued, len(rows)
    early = [posted(fake, ref) for ref in refs]  # what reached the panel channel before the trouble
    assert early[0] == 0
    assert rows[0].next_attempt_at.replace(tzinfo=clock.now.tzinfo) == clock.now + timedelta(seconds=30)
    clock.advance(seconds=29)
    calls = len(fake.calls)
    await sender.flush()
    assert len(fake.calls) == calls  # not before Slack said

    # 2. Then a minute of 500s: one call per flush at most (the rest of the flush leaves Slack alone).
    fake._failures.clear()
    for _ in range(20):
        fake.fail("chat.postMessage", 500)
        fake.fail("chat.update", 500)
    clock.advance(seconds=1)
    for _ in range(3):
        calls = len(fake.calls)
        await sender.flush()
        assert len(fake.calls) - calls <= 1
        clock.advance(seconds=20)
    rows = await waiting(panel)
    assert len(rows) == queued and "slack: HTTP 500" in (rows[0].last_error or "")

    # 3. Then Slack hangs: nothing comes back. The flush gives up after the client's time limit, once.
    await proxy.cut("hold")
    clock.advance(minutes=5)  # past every backoff so far
    started = time.monotonic()
    await asyncio.wait_for(sender.flush(), timeout=10)
    took = time.monotonic() - started
    assert took < 5, f"a hung Slack held the flush for {took:.1f} s"
    assert proxy.turned_away == 1  # one call timed out; the other message did not wait for a second time-out
    rows = await waiting(panel)
    assert len(rows) == queued and "slack: timed out" in (rows[0].last_error or "")

    # 4. Then Slack is unreachable (connection refused) for minutes; backoff grows, nothing is lost.
    await proxy.cut("refuse")
    before = {r.id: r.attempts for r in rows}
    gaps = []
    for _ in range(2):  # each time the row falls due, it fails again and waits longer
        clock.set(max(r.next_attempt_at for r in await waiting(panel)).replace(tzinfo=clock.now.tzinfo))
        await sender.flush()
        row = (await waiting(panel))[0]
        gaps.append(row.next_attempt_at.replace(tzinfo=clock.now.tzinfo) - clock.now)
    rows = await waiting(panel)
    assert len(rows) == queued
    assert all(r.attempts > before[r.id] for r in rows)
    assert gaps[0] < gaps[1], gaps  # longer and longer waits (backoff)
    assert "slack: unreachable" in (rows[0].last_error or "")
    clock.advance(minutes=15)  # still unreachable a quarter of an hour later
    summary = await outbox_summary(panel)
    assert summary["waiting"] == queued and summary["stuck"] == queued  # /healthz and the CLI now say so
    assert [posted(fake, ref) for ref in refs] == early  # nothing got through during the trouble

    # 5. Slack recovers: every message goes out, once.
    await proxy.restore()
    fake._failures.clear()
    clock.advance(hours=1)
    await sender.flush()
    assert await waiting(panel) == []
    for _ in range(3):  # later flushes (the scheduler's, every 5 s) send nothing again
        clock.advance(hours=1)
        await sender.flush()
    assert [posted(fake, ref) for ref in refs] == [1, 1]
    cards = [m for m in fake.in_channel(PANEL_CHANNEL) if any(ref in m.raw for ref in refs)]
    assert len(cards) == 2
    assert len(fake.called("chat.postMessage")) == total  # every queued message reached Slack exactly once


class Hangs:
    """An adapter whose platform never answers, and which has no time limit of its own."""

    platform = "teams"
    reaches_everyone = True
    target_interval = 0.0

    def __init__(self) -> None:
        self.calls = 0

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        self.calls += 1
        await asyncio.Event().wait()
        return None


class Works:
    platform = "slack"
    reaches_everyone = True
    target_interval = 0.0

    def __init__(self) -> None:
        self.delivered: list[str] = []

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        self.delivered.append(message.kind)
        return None


async def test_a_platform_that_never_answers_cannot_hold_up_the_others(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("dudley")
    works = Works()
    hangs = Hangs()
    sender = Sender(panel, [hangs, works], delivery_timeout=0.2)
    await panel.file_referral(actor=Actor.operator(), draft=draft("C"))
    await panel.file_referral(actor=Actor.operator(), draft=draft("D"))
    queued = len(await waiting(panel))
    started = time.monotonic()
    assert await asyncio.wait_for(sender.flush(), timeout=5) == 0
    assert time.monotonic() - started < 2
    assert hangs.calls == 1  # one time limit for the dead platform in this flush, not one per message
    assert works.delivered.count("referral_card") == 2  # the working platform got everything at once
    rows = await waiting(panel)
    assert len(rows) == queued
    assert all(r.delivered_to == [f"slack:{r.purpose}"] for r in rows)  # only the hung platform is still owed
    assert "teams: timed out" in (rows[0].last_error or "")
    assert "teams: not tried, the platform was down (timed out)" in (rows[-1].last_error or "")
