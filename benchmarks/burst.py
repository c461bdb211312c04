"""Burst send: 1,000 reminders to 50 channels through a fake Slack that allows about one message a second per
channel (429 with Retry-After beyond that), delivered by the real outbox `Sender`, `OutboxPump`, scheduler
and Slack adapter as `panelbot run` wires them.

Floor: the allowed rate, 50 channels × 1 message/s. The figure is the achieved steady rate: messages after
each channel's first, divided by the time from the first message to the last. Target: ≥ 90% of the allowed
rate, nothing lost or out of order within a channel, and the number of 429s printed (no 429 storm).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, insert, select

from benchmarks.common import Context, Row, sqlite_file
from benchmarks.fake_slack import FakeSlack

NAME = "burst"
TITLE = "1,000 reminders to 50 Slack channels at ~1 message/s per channel"
RATE = 1.0  # Slack: about one message a second per channel


async def scenario(messages: int, channels: int, timeout: float) -> dict:
    from bot.notify import OutboxPump, Sender
    from bot.scheduler import start_scheduler
    from bot.service.bootstrap import open_panel
    from bot.slack.adapter import SlackAdapter
    from flows.preset import load_preset
    from storage.models import Channel, OutboxMessage

    fake = FakeSlack(rate_per_channel=RATE)
    await fake.start()
    folder = Path(tempfile.mkdtemp(prefix="panelbot-bench-"))
    async with sqlite_file(folder) as engine:
        panel = await open_panel(engine, load_preset("salford"))  # real time: this is a benchmark
        client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_url)
        sender = Sender(panel, [SlackAdapter(panel, client)])
        pump = OutboxPump(sender)
        panel.on_outbox = pump.poke
        now = datetime.now(UTC)
        async with panel.uow() as uow:
            await uow.session.execute(insert(Channel), [
                {"partnership_id": panel.partnership_id, "purpose": f"agency:bench{c:02d}", "platform": "slack",
                 "external_id": f"C0BENCH{c:02d}", "updated_at": now} for c in range(channels)])
            await uow.session.execute(insert(OutboxMessage), [
                {"partnership_id": panel.partnership_id, "created_at": now, "kind": "notice",
                 "purpose": f"agency:bench{n % channels:02d}",
                 "body": {"text": f"Reminder {n:05d}: information request due."}, "next_attempt_at": now,
                 "delivered_to": []} for n in range(messages)])
            await uow.commit()
        scheduler = start_scheduler(panel, sender)  # its flush_outbox job every 5 s, as in `panelbot run`
        began = time.monotonic()
        try:
            await pump.poke()  # as a reminder sweep does after queueing its messages
            unsent = messages
            while unsent and time.monotonic() - began < timeout:
                await asyncio.sleep(0.25)
                async with panel.uow() as uow:
                    unsent = (await uow.session.execute(select(func.count()).select_from(OutboxMessage)
                                                        .where(OutboxMessage.sent_at.is_(None)))).scalar_one()
        finally:
            scheduler.shutdown(wait=False)
            await pump.close(grace=2)
        await client.session.close() if client.session else None
    await fake.stop()
    times = sorted(t for posts in fake.accepted.values() for t, _ in posts)
    accepted = len(times)
    in_order = all([text for _, text in posts] == sorted(text for _, text in posts) for posts in fake.accepted.values())
    distinct = len({text for posts in fake.accepted.values() for _, text in posts})
    window = (times[-1] - times[0]) if accepted > 1 else 0.0
    steady = (accepted - len(fake.accepted)) / window if window > 0 else 0.0
    return {"accepted": accepted, "distinct": distinct, "unsent": unsent, "refused": fake.refused,
            "in_order": in_order, "window": window, "rate": steady, "total": time.monotonic() - began}


async def run(ctx: Context) -> list[Row]:
    messages, channels = (30, 10) if ctx.quick else (1000, 50)
    got = await scenario(messages, channels, timeout=20 if ctx.quick else 60)
    allowed = channels * RATE
    lost = messages - got["distinct"]  # not delivered by the time limit
    dupes = got["accepted"] - got["distinct"]
    ok = got["rate"] >= 0.9 * allowed
    notes = (f"{got['accepted']:,} delivered in {got['window']:.1f} s (first to last; {got['total']:.1f} s from the "
             f"poke), {lost} lost, {dupes} duplicated, per-channel order {'kept' if got['in_order'] else 'BROKEN'}")
    return [
        Row(NAME, f"send rate, {messages:,} msgs / {channels} channels", round(got["rate"], 2), "msg/s",
            floor=allowed, floor_name="allowed rate", target="≥ 0.9× allowed; none lost",
            met=ok and lost == 0 and dupes == 0 and got["in_order"], notes=notes),
        Row(NAME, "429 answers from Slack", got["refused"], "count", target="no storm (≤ 1 per channel per burst)",
            met=got["refused"] <= 2 * channels, notes="each is a wasted call and a risk of a longer penalty"),
    ]
