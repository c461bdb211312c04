"""The database goes away while Telegram and Teams requests arrive (issue 9, faults), PostgreSQL only.

The bot reaches PostgreSQL through `FaultProxy`. While it is cut, Telegram's webhook and Teams'
`/api/messages` answer 503 (Telegram retries any webhook answer that is not 2xx; the Bot Connector retries a
5xx) and nothing is written. After `restore()` the same engine reconnects by itself, and the same update
or activity sent again is recorded exactly once, however often it is re-sent. `/healthz` answers 503 during
the cut and 200 after. (Slack: tests/e2e/slack/test_slack_db_outage.py.)
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from faultproxy import FaultProxy, counts, postgres_behind_proxy
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.notify import OutboxPump, Sender
from bot.server import make_app
from bot.service import Actor
from bot.service.bootstrap import open_panel
from flows.preset import load_preset
from flows.referrals import ReferralDraft

HERE = Path(__file__).resolve().parent
for folder in ("telegram", "teams"):  # their fakes (not their conftest.py, which would clash)
    if str(HERE / folder) not in sys.path:
        sys.path.append(str(HERE / folder))

from fake_bot_api import TOKEN, FakeBotAPI  # noqa: E402
from teams_fake import PANEL, FakeConnector, person  # noqa: E402
from teams_fake import Harness as TeamsHarness  # noqa: E402

PG_URL = os.environ.get("PANELBOT_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL, reason="PANELBOT_TEST_DATABASE_URL is not set to a PostgreSQL URL")

OUTCOME = "Undertake a child safeguarding practice review"
SECRET = "faults-webhook-secret"
GROUP = -100777


@pytest.fixture
async def outage() -> AsyncIterator[tuple[FaultProxy, AsyncEngine, AsyncEngine]]:
    async with postgres_behind_proxy(PG_URL) as parts:
        yield parts


def draft() -> ReferralDraft:
    return ReferralDraft(
        referral_type="cspr", referrer="Children's Social Care", category="young_person", letter="C", summary="x"
    )


def tg_person(user_id: int, first_name: str) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en-GB"}


async def test_telegram_webhook_answers_503_while_the_database_is_away_and_the_resent_vote_counts_once(
    outage, clock
) -> None:  # type: ignore[no-untyped-def]
    from bot.telegram import TelegramBot
    from bot.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH

    proxy, proxied, direct = outage
    api = FakeBotAPI()
    await api.start()
    panel = await open_panel(proxied, load_preset("dudley"), clock=clock)
    lee = tg_person(1002, "Lee")
    for name, role, who in [("Bea", "business_manager", tg_person(1001, "Bea")), ("Lee", "local_authority", lee),
                            ("Pat", "police", tg_person(1003, "Pat")), ("Hal", "health", tg_person(1004, "Hal"))]:
        await panel.add_member(actor=Actor.operator(), name=name, role=role, ids=[f"telegram:{who['id']}"])
    api.group(GROUP, "Dudley panel")
    await panel.set_channel(actor=Actor.operator(), purpose="panel", platform_id=f"telegram:{GROUP}")
    bot = TelegramBot(panel, TOKEN, api_url=api.url, webhook_url="https://panel.example.org", webhook_secret=SECRET)
    sender = Sender(panel, [bot.adapter])
    pump = OutboxPump(sender)
    panel.on_outbox = pump.poke
    web_app = make_app(panel)
    bot.add_routes(web_app)
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    await bot.start()
    try:
        ref = await panel.file_referral(actor=Actor.operator(), draft=draft())
        await pump.idle()
        card = next(m for m in api.bot_messages(GROUP) if m["text"].startswith(f"{ref} · "))
        update = api.press(card, lee, OUTCOME)
        before = await counts(direct)

        async def post() -> int:
            response = await client.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET})
            body = await response.text()
            assert "Traceback" not in body and "psycopg" not in body
            return response.status

        await proxy.cut()
        assert await post() == 503  # Telegram keeps the update and delivers it again later
        assert await post() == 503
        assert (await client.get("/healthz")).status == 503
        assert await counts(direct) == before
        assert update["callback_query"]["id"] not in api.answers  # nobody was told anything

        await proxy.restore()
        assert (await client.get("/healthz")).status == 200
        assert await post() == 200
        await api.wait_for(lambda: update["callback_query"]["id"] in api.answers)
        assert api.answers[update["callback_query"]["id"]]["text"].startswith(f"Your vote on {ref} is recorded")
        assert await post() == 200  # Telegram delivering it once more changes nothing
        await pump.idle()
        assert (await counts(direct))["votes"] == 1
        await api.wait_for(lambda: "Local authority (Lee): Undertake" in next(
            m for m in api.bot_messages(GROUP) if m["text"].startswith(f"{ref} · "))["text"])
    finally:
        await pump.close()
        await bot.stop()
        await client.close()
        await api.stop()


async def test_teams_answers_503_while_the_database_is_away_and_the_resent_vote_counts_once(outage, clock) -> None:  # type: ignore[no-untyped-def]
    proxy, proxied, direct = outage
    connector = FakeConnector()
    await connector.start()
    panel = await open_panel(proxied, load_preset("dudley"), clock=clock)
    h = await TeamsHarness(panel, connector).start()
    bea, lou, pat, hal = person("Bea"), person("Lou"), person("Pat"), person("Hal")
    try:
        for name, role, who in [("Bea", "business_manager", bea), ("Lou", "local_authority", lou),
                                ("Pat", "police", pat), ("Hal", "health", hal)]:
            await h.member(name, role, who)
        connector.join(PANEL, bea, lou, pat, hal)
        await h.say(bea, "setup")
        ref = await panel.file_referral(actor=Actor.operator(), draft=draft())
        await h.settle()
        press = h.invoke_activity(lou, h.card(ref), OUTCOME)
        before = await counts(direct)

        await proxy.cut()
        status, body = await h.post(press)
        assert status == 503 and "Traceback" not in str(body)  # the Bot Connector retries a 5xx
        status, _ = await h.post(h.message(bea, f"status {ref}"))
        assert status == 503
        assert await counts(direct) == before

        await proxy.restore()
        status, body = await h.post(press)
        assert status == 200 and body["statusCode"] == 200
        status, body = await h.post(press)  # the same activity again (a retry): changes nothing
        assert status == 200
        assert (await counts(direct))["votes"] == 1
        assert "Local authority (Lou): Undertake" in h.card(ref).shown
    finally:
        await h.close()
        await connector.stop()


async def test_a_database_that_stops_answering_gets_a_503_within_the_time_limit(outage, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A network that swallows packets: connections to the database neither answer nor fail. The platform
    # still gets its 503 in time (Slack wants an answer within 3 seconds), and the bot recovers after.
    import bot.server

    monkeypatch.setattr(bot.server, "GATE_TIMEOUT", 0.5)
    monkeypatch.setattr(bot.server, "HEALTH_TIMEOUT", 0.5)
    proxy, proxied, direct = outage
    panel = await open_panel(proxied, load_preset("dudley"), clock=clock)
    async with TestClient(TestServer(make_app(panel), host="127.0.0.1")) as client:
        assert (await client.get("/healthz")).status == 200
        await proxy.cut("hold")
        started = asyncio.get_running_loop().time()
        assert (await client.get("/healthz")).status == 503
        assert await bot.server.database_ok(panel) is False
        assert asyncio.get_running_loop().time() - started < 3
        # More requests at once than the pool holds connections: each gives up; none is left holding a slot.
        assert await asyncio.gather(*(bot.server.database_ok(panel) for _ in range(20))) == [False] * 20
        await proxy.restore()
        assert (await client.get("/healthz")).status == 200
        assert await asyncio.gather(*(bot.server.database_ok(panel) for _ in range(20))) == [True] * 20
