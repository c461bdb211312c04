"""Stuck messages in `/healthz` (issue 9, faults), over HTTP on 127.0.0.1: it counts what waits and what is
stuck, and says "degraded" (still 200: the process is alive and recording votes) once something has waited
15 minutes, never showing a message's text. `panelbot outbox list` / `retry`:
tests/integration/test_outbox_cli.py.
"""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from test_outbox_cli import SUMMARY, DownPlatform  # the stuck message and the platform that refuses it

from bot.notify import Sender
from bot.server import make_app
from bot.service import Actor
from flows.referrals import ReferralDraft
from storage.models import OutboxMessage


async def test_healthz_reports_waiting_and_stuck_messages(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    async with TestClient(TestServer(make_app(panel), host="127.0.0.1")) as client:
        await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft(
            referral_type="rapid_review", referrer="School", category="young_person", letter="D", summary=SUMMARY))
        sender = Sender(panel, [DownPlatform()])
        await sender.flush()
        clock.advance(minutes=3)
        response = await client.get("/healthz")
        body = await response.json()
        assert response.status == 200 and body["status"] == "ok"
        waiting = body["outbox"]["waiting"]
        assert waiting >= 1 and body["outbox"] == {"waiting": waiting, "stuck": 0, "oldest_minutes": 3}

        clock.advance(minutes=13)  # 16 minutes after it was queued: stuck
        response = await client.get("/healthz")
        body = await response.json()
        assert response.status == 200  # alive and recording votes: degraded, not down
        assert body["status"] == "degraded" and body["database"] == "ok"
        assert body["outbox"] == {"waiting": waiting, "stuck": waiting, "oldest_minutes": 16}
        assert SUMMARY not in await response.text()

        # The platform comes back: everything is delivered and the status is ok again.
        sender.adapters = []  # no platform: the rows are completed (nowhere to send them)
        async with panel.uow() as uow:
            for row in (await uow.session.execute(select(OutboxMessage))).scalars():
                row.next_attempt_at = clock.now
            await uow.commit()
        await sender.flush()
        body = await (await client.get("/healthz")).json()
        assert body["status"] == "ok" and body["outbox"] == {"waiting": 0, "stuck": 0, "oldest_minutes": None}
