"""The database goes away while Slack requests arrive (issue 9, faults), PostgreSQL only.

The bot reaches PostgreSQL through `FaultProxy` (tests/faultproxy.py), which can cut every connection. The
real aiohttp app, bolt and the Slack adapter run against the fake Slack Web API. While the proxy is cut:
vote submissions and slash commands are answered 503 (so Slack offers "try again" and re-sends; events are
retried by Slack itself), nobody is told anything half-true, and nothing is written. After `restore()` the
same engine reconnects by itself (no restart, no dispose), and the same submissions re-sent as Slack's
retries are each recorded exactly once.
Dudley here is the test preset of a partnership whose panel decides by vote (tests/stage_presets.py: Dudley's
preset without its `[[stages]]` entry): the shipped Dudley has a child's referral decided at the rapid review
meeting, where the votes are advice and close nothing, and what is tested here is votes reaching the record.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from faultproxy import FaultProxy, counts, postgres_behind_proxy
from slack_fake import PANEL_CHANNEL, FakeSlack, Harness, Payloads, sign
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from stage_presets import dudley_panel_votes

from bot.notify import OutboxPump, Sender
from bot.service import Actor, Panel
from bot.service.bootstrap import open_panel
from bot.slack.app import SlackBot, SlackConfig
from flows.referrals import ReferralDraft
from storage.models import AuditEntry, Vote

PG_URL = os.environ.get("PANELBOT_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL, reason="PANELBOT_TEST_DATABASE_URL is not set to a PostgreSQL URL")

VOTERS = {"U0LA": "Lou", "U0POL": "Pat", "U0HEA": "Hal"}
OUTCOME = "Undertake a child safeguarding practice review"


@pytest.fixture
async def outage() -> AsyncIterator[tuple[FaultProxy, AsyncEngine, AsyncEngine]]:
    """(proxy, engine through the proxy, direct engine) on a fresh schema."""
    async with postgres_behind_proxy(PG_URL) as parts:
        yield parts


async def file_referral(panel: Panel) -> str:
    """One referral for the panel to vote on, filed while the database is well."""
    draft = ReferralDraft(referral_type="cspr", referrer="Children's Social Care", category="young_person",
                          letter="C", summary="Injuries noticed at school")
    return await panel.file_referral(actor=Actor.operator(), draft=draft)


def submission(h: Harness, user: str, view: dict) -> str:
    return urlencode({"payload": json.dumps(h.submit_payload(user, view, {"reason": "Agree with partners"}))})


async def send(h: Harness, body: str, retry: int | None = None) -> int:
    headers = sign(body)
    if retry is not None:  # what Slack adds when it sends a request again
        headers = {**headers, "X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"}
    return await h.post(body, headers, "application/x-www-form-urlencoded")


async def test_votes_sent_while_the_database_is_away_get_a_5xx_write_nothing_and_count_once_after(
    outage, clock
) -> None:  # type: ignore[no-untyped-def]
    proxy, proxied, direct = outage
    fake = FakeSlack()
    await fake.start()
    panel = await open_panel(proxied, dudley_panel_votes(), clock=clock)
    h = await Harness(panel, fake).start()
    try:
        for name, role, user in [("Bea", "business_manager", "U0BM"), ("Lou", "local_authority", "U0LA"),
                                 ("Pat", "police", "U0POL"), ("Hal", "health", "U0HEA")]:
            await h.member(name, role, user)
        assert await h.slash("U0BM", "setup") == 200
        ref = await file_referral(panel)
        await h.settle()
        # Each voter presses the outcome button and gets the form while everything is well.
        views = {}
        for user in VOTERS:
            assert await h.press(user, h.card(ref), OUTCOME) == 200
            views[user] = h.modal()
        health = await h.client.get("/healthz")
        assert health.status == 200 and (await health.json())["database"] == "ok"
        before = await counts(direct)

        await proxy.cut()
        bodies = {user: submission(h, user, view) for user, view in views.items()}
        for user, body in bodies.items():
            status = await send(h, body)
            assert status == 503, f"{user}'s vote was answered {status} while the database was away"
            assert "Traceback" not in h.last_response and "psycopg" not in h.last_response
            assert status == await send(h, body, retry=1)  # Slack's first retry, still during the outage
        assert await h.slash("U0BM", f"status {ref}") == 503
        told_before = {user: fake.said_to(user) for user in VOTERS}
        health = await h.client.get("/healthz")
        assert health.status == 503
        assert await health.json() == {"status": "degraded", "database": "unavailable", "partnership": "dudley"}
        assert await counts(direct) == before  # nothing half-written
        assert {user: fake.said_to(user) for user in VOTERS} == told_before  # nobody was told anything

        await proxy.restore()
        # Same engine, same pool, no restart: the first request after the outage works.
        health = await h.client.get("/healthz")
        assert health.status == 200 and (await health.json())["status"] == "ok"
        for user, body in bodies.items():
            assert await send(h, body, retry=2) == 200
            assert fake.said_to(user)[-1].startswith(f"Your vote on {ref} is recorded") or "Voting has now closed" in (
                fake.said_to(user)[-1]
            )
        # A retry that arrives late, after the vote went through, changes nothing.
        assert await send(h, bodies["U0LA"], retry=3) == 200
        await h.settle()

        async with direct.connect() as conn:
            per_member = (
                await conn.execute(select(Vote.member_id, func.count(Vote.id)).group_by(Vote.member_id))
            ).all()
            vote_audits = (
                await conn.execute(select(func.count(AuditEntry.id)).where(AuditEntry.action.like("vote%")))
            ).scalar_one()
        assert sorted(n for _, n in per_member) == [1, 1, 1]  # each vote recorded exactly once
        assert vote_audits == 3
        card = h.card(ref)
        assert card.buttons == [] and f"Decided: {OUTCOME}" in card.shown
        assert len(fake.thread(PANEL_CHANNEL, card.ts)) == 1  # one decision message
    finally:
        await h.close()
        await fake.stop()


async def test_after_a_database_restart_with_no_request_in_between_the_next_vote_just_works(outage, clock) -> None:  # type: ignore[no-untyped-def]
    # The pool still holds connections the restart killed; each is checked before use (pool_pre_ping), so the
    # first vote afterwards is recorded at once instead of failing on a dead connection.
    proxy, proxied, direct = outage
    fake = FakeSlack()
    await fake.start()
    panel = await open_panel(proxied, dudley_panel_votes(), clock=clock)
    h = await Harness(panel, fake).start()
    try:
        await h.member("Bea", "business_manager", "U0BM")
        await h.member("Lou", "local_authority", "U0LA")
        assert await h.slash("U0BM", "setup") == 200
        ref = await file_referral(panel)
        await h.settle()
        assert await h.press("U0LA", h.card(ref), OUTCOME) == 200
        view = h.modal()

        await proxy.cut()
        await proxy.restore()

        assert await send(h, submission(h, "U0LA", view)) == 200
        assert fake.said_to("U0LA")[-1].startswith(f"Your vote on {ref} is recorded")
        assert (await counts(direct))["votes"] == 1
    finally:
        await h.close()
        await fake.stop()


async def test_socket_mode_leaves_requests_unacknowledged_while_the_database_is_away(outage, clock) -> None:  # type: ignore[no-untyped-def]
    # Socket Mode has no HTTP status to answer with: an envelope not acknowledged is what makes Slack send an
    # event again (and show "try again" on a form). After the outage the re-sent vote counts once.
    proxy, proxied, direct = outage
    fake = FakeSlack()
    await fake.start()
    panel = await open_panel(proxied, dudley_panel_votes(), clock=clock)
    config = SlackConfig(bot_token="xoxb-test-token", app_token="xapp-test-token", api_url=fake.api_url)
    bot = SlackBot(panel, config)
    sender = Sender(panel, [bot.adapter])
    bot.pump = OutboxPump(sender)
    panel.on_outbox = bot.pump.poke
    slack = Payloads(fake)
    await panel.add_member(actor=Actor.operator(), name="Bea", role="business_manager", ids=["slack:U0BM"])
    await panel.add_member(actor=Actor.operator(), name="Lou", role="local_authority", ids=["slack:U0LA"])
    await bot.start()
    try:
        await fake.envelope("slash_commands", slack.slash_payload("U0BM", "setup"))
        await bot.settle()
        ref = await file_referral(panel)
        await bot.settle()
        card = next(m for m in fake.in_channel(PANEL_CHANNEL) if ref in m.raw)
        await fake.envelope("interactive", slack.press_payload("U0LA", card, OUTCOME))
        await bot.settle()
        vote = slack.submit_payload("U0LA", fake.views[-1], {"reason": "Agree"})

        await proxy.cut()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(fake.envelope("interactive", vote), timeout=0.5)  # never acknowledged
        assert (await counts(direct))["votes"] == 0

        await proxy.restore()
        ack = await asyncio.wait_for(fake.envelope("interactive", vote), timeout=5)  # Slack sends it again
        assert ack["envelope_id"]
        await bot.settle()
        await asyncio.wait_for(fake.envelope("interactive", vote), timeout=5)  # and once more: no change
        await bot.settle()
        assert (await counts(direct))["votes"] == 1
        told = fake.said_to("U0LA")
        assert told[-2].startswith(f"Your vote on {ref} is recorded")
        assert told[-1] == "That vote was already recorded; nothing has changed."
    finally:
        await bot.stop()
        await fake.stop()
