"""A clean stop (issue 22, point 3): SIGTERM in the middle of a burst of signed Slack votes, on SQLite and on
PostgreSQL (when PANELBOT_TEST_DATABASE_URL is set).

The real `panelbot run --no-console` runs as a subprocess on its own database (a file, or a schema of its own),
with Slack pointed at the fake Slack (the set-up of tests/e2e/test_crash_burst_pg.py). The fake holds every
`chat.postMessage` and `chat.update` (a slow Slack), so the outbox has messages claimed and in hand when the
signal comes. Then:

* from the signal on, `/readyz` answers 503 while the requests in flight finish;
* the process exits 0 within its grace period, with no traceback in its log;
* every vote answered 200 is recorded exactly once, and nothing is recorded twice;
* after a restart, with Slack fast again, the messages the stopped process had claimed go out within seconds,
  not after the two-minute lease a killed process would leave on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from botprocess import Bot
from sqlalchemy import select
from test_crash_burst_pg import (  # the fake Slack, the burst
    IN_FLIGHT,
    NONE,
    OK,
    PG_URL,
    Schema,
    Slack,
    burst_plan,
    file_referrals,
    new_schema,
    outbox_drained,
    poll,
)

from storage.audit import verify
from storage.models import OutboxMessage, Vote

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="SIGTERM is a POSIX signal")

GRACE = 3  # PANELBOT_SHUTDOWN_GRACE for this test: seconds each step of the stop may take
LEASE_SECONDS = 120  # bot/notify/sender.py LEASE: what a claimed message waits after a crash


async def claimed_unsent(panel) -> list[int]:  # type: ignore[no-untyped-def]
    """Messages not sent and not due yet: claimed (leased) by a process, or waiting out a backoff."""
    from datetime import UTC, datetime

    async with panel.uow() as uow:
        rows = (
            await uow.session.execute(
                select(OutboxMessage.id, OutboxMessage.next_attempt_at).where(OutboxMessage.sent_at.is_(None))
            )
        ).all()
    now = datetime.now(UTC)
    return [i for i, at in rows if (at if at.tzinfo else at.replace(tzinfo=UTC)) > now]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL, reason="PANELBOT_TEST_DATABASE_URL is not set to a PostgreSQL URL"))])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Schema]:
    if request.param == "postgresql":
        async with new_schema() as made:
            yield made
        return
    from bot.service.bootstrap import open_panel
    from flows.preset import load_preset
    from storage.db import make_engine, upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}"
    engine = make_engine(url)
    try:
        await upgrade(engine)
        yield Schema(url, await open_panel(engine, load_preset("dudley")))
    finally:
        await engine.dispose()


async def test_sigterm_mid_burst_stops_cleanly_and_hands_back_what_it_had_claimed(database: Schema, tmp_path: Path):
    schema = database
    platform = Slack()
    await platform.start()
    panel = schema.panel
    bot = Bot(tmp_path, schema.url, {**platform.env(), "PANELBOT_SHUTDOWN_GRACE": str(GRACE)})
    fake = platform.fake
    try:
        await platform.prepare(panel)
        refs = await file_referrals(panel)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
            await bot.start(http)

            async def cards() -> bool:
                return platform.cards_posted(refs)

            await poll(cards, "every referral card posted", 60)
            async with http.get(f"{bot.url}/readyz") as response:
                assert response.status == 200 and (await response.json())["status"] == "ready"

            # Slack turns slow: posts and card updates hang, so the outbox holds claimed rows in hand.
            for method in ("chat.postMessage", "chat.update"):
                fake.gates[method] = asyncio.Event()
            requests = burst_plan()
            for request in requests:
                platform.build(request, refs[request.index])
            gate = asyncio.Semaphore(IN_FLIGHT)
            answered = 0
            enough = asyncio.Event()

            async def one(request) -> None:  # type: ignore[no-untyped-def]
                nonlocal answered
                async with gate:
                    try:
                        request.answer = await platform.send(http, bot, request)
                    except (aiohttp.ClientError, TimeoutError):
                        return  # the server closed: no answer
                    if request.answer != NONE:
                        answered += 1
                        if answered >= len(requests) // 3:
                            enough.set()

            burst = asyncio.gather(*(one(r) for r in requests))
            await asyncio.wait_for(enough.wait(), 60)
            assert bot.proc is not None
            signalled = time.monotonic()
            bot.proc.send_signal(signal.SIGTERM)
            # Not ready from the signal on: a load balancer takes this replica out while it finishes.
            readiness: list[int] = []

            async def not_ready() -> bool:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{bot.url}/readyz") as response:
                        readiness.append(response.status)
                        return response.status == 503
                return bot.proc is not None and bot.proc.returncode is not None

            await poll(not_ready, "/readyz answering 503 after SIGTERM", 10)
            assert 503 in readiness  # seen while it was still finishing, not only once it was gone
            code = await asyncio.wait_for(bot.proc.wait(), 8 * GRACE + 30)
            stopped_in = time.monotonic() - signalled
            await burst
            log = bot.log.read_text()
            assert code == 0, log[-3000:]
            assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
            assert "claimed message(s) handed back" in log  # the flush was cut short, and said so
            assert await claimed_unsent(panel) == []  # nothing left leased: all due at once

            # Every vote answered 200 is recorded, once.
            async with panel.uow() as uow:
                votes = list((await uow.session.execute(select(Vote))).scalars())
                assert (await verify(uow.session)).ok
            keys = Counter(v.delivery_key for v in votes)
            assert all(n == 1 for n in keys.values())
            assert all(r.key in keys for r in requests if r.answer == OK)
            assert {r.key for r in requests} >= set(keys)

            # Restarted with Slack fast again, what was claimed goes out now, not after the lease.
            for method in ("chat.postMessage", "chat.update"):
                fake.gates.pop(method).set()
            restarted = time.monotonic()
            await bot.start(http)

            async def drained() -> bool:
                return await outbox_drained(panel)

            await poll(drained, "the outbox delivered after the restart", LEASE_SECONDS / 2)
            assert time.monotonic() - restarted < LEASE_SECONDS
    finally:
        await bot.stop()
        await platform.stop()
    print(f"\nSIGTERM: {answered} answered, stopped in {stopped_in:.1f} s, {len(votes)} votes recorded")
