"""The bot is killed (SIGKILL) between committing an information request and emailing it (issue 20, faults).

The real bot runs as a subprocess (`panelbot run`, no terminal attached) on a SQLite file, its relay the test's
own SMTP server on 127.0.0.1, which is down at first. The request is committed (as `panelbot request` would, from
another process), the bot tries to send it and records the failure; it is then killed, the relay comes back,
`panelbot outbox retry` makes the message due, and the bot is started again: the email arrives exactly once. A
second request afterwards arrives too, behind it, with no second copy of the first (rows go out in order).

As everywhere in the outbox, the guarantee at the relay's edge is at-least-once: had the kill come after the
relay accepted the message but before the bot recorded it, it would be sent again, with the same Message-ID."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from botprocess import Bot
from mail_world import OP, SECRET, draft
from smtp_fake import FakeRelay
from sqlalchemy import select

from bot.notify import retry_now
from bot.service.bootstrap import open_panel
from flows.preset import load_preset
from storage.db import make_engine, upgrade
from storage.models import OutboxMessage

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is a POSIX signal")

POLICE, HEALTH = "safeguarding@police.example", "safeguarding@health.example"


async def with_panel(db_url: str, work):  # type: ignore[no-untyped-def]
    """Run `work(panel)` on the bot's database from this process, as another `panelbot` command would."""
    engine = make_engine(db_url)
    try:
        await upgrade(engine)
        return await work(await open_panel(engine, load_preset("salford")))
    finally:
        await engine.dispose()


async def failure_recorded(db_url: str) -> bool:
    """The request's failed attempt is recorded and it waits out a short backoff (not a flush's lease)."""
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(OutboxMessage.last_error, OutboxMessage.next_attempt_at).where(
                OutboxMessage.kind == "request", OutboxMessage.sent_at.is_(None)))).all()
    finally:
        await engine.dispose()
    soon = datetime.now(UTC) + timedelta(seconds=90)
    return bool(rows) and all(e is not None and (a if a.tzinfo else a.replace(tzinfo=UTC)) < soon for e, a in rows)


async def wait_until(check, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.05)  # polling the relay the bot writes to, not waiting for time to pass


async def test_killed_between_commit_and_send_the_email_goes_out_once(tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}"
    relay = await FakeRelay().start()
    await relay.stop()  # the relay is down; its port is kept for when it comes back

    async def prepare(panel):  # type: ignore[no-untyped-def]
        await panel.set_channel(actor=OP, purpose="agency:police", platform_id=f"email:{POLICE}")
        await panel.set_channel(actor=OP, purpose="agency:health", platform_id=f"email:{HEALTH}")
        return await panel.file_referral(actor=OP, draft=draft())

    ref = await with_panel(db_url, prepare)
    bot = Bot(tmp_path, db_url, {"PANELBOT_PRESET": "salford", "PANELBOT_SMTP_URL": relay.url,
                                 "PANELBOT_LINK_SECRET": SECRET, "PANELBOT_SMTP_RATE": "100000",
                                 "PANELBOT_FILES_DIR": str(tmp_path / "files")})
    async with aiohttp.ClientSession() as http:
        try:
            await bot.start(http)
            await with_panel(db_url, lambda p: p.send_requests(actor=OP, reference=ref, agencies=["police"]))
            async with asyncio.timeout(60):
                while not await failure_recorded(db_url):
                    await asyncio.sleep(0.05)  # polling the bot's database
            await bot.kill()  # SIGKILL: no shutdown code runs

            await relay.start()  # the relay is back
            assert await with_panel(db_url, retry_now) == 1  # `panelbot outbox retry`
            await bot.start(http)
            await wait_until(lambda: relay.to(POLICE))
            # Another request, after the restart: it arrives behind the first, and the first is not sent again.
            await with_panel(db_url, lambda p: p.send_requests(actor=OP, reference=ref, agencies=["health"]))
            await wait_until(lambda: relay.to(HEALTH))
        finally:
            await bot.stop()
            await relay.stop()
    assert len(relay.to(POLICE)) == 1 and len(relay.to(HEALTH)) == 1
    [mail] = relay.to(POLICE)
    assert mail.subject.startswith(f"[{ref}] Information request: return due ")
    assert SECRET not in bot.log.read_text() and "smtp://" not in bot.log.read_text()
