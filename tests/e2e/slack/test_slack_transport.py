"""How Slack reaches the bot and how the bot reaches Slack: signed requests only (a forged or stale
signature is a 401 and changes nothing), Socket Mode through the same listeners, and the outbox's
delivery to the Web API: a 429 waits exactly the Retry-After, a 5xx backs off, nothing is posted twice,
and a retried card update never puts an older state over a newer one.
Dudley here is the test preset of a partnership whose panel decides by vote (tests/stage_presets.py: Dudley's
preset without its `[[stages]]` entry): the shipped Dudley has a child's referral decided at the rapid review
meeting, where the votes are advice and close nothing, and what is tested here is how votes and their cards travel.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import time
from datetime import date, timedelta
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app
from slack_fake import PANEL_CHANNEL, SECRET, Harness, Payloads, sign
from slack_sdk.socket_mode.request import SocketModeRequest
from sqlalchemy import func, select
from stage_presets import dudley_panel_votes
from test_slack_voting import file_referral, vote, voting_dudley

from bot.app import panel_from_settings, serve
from bot.notify import OutboxPump, Sender
from bot.service import Actor
from bot.settings import Settings
from bot.slack.app import SlackBot, SlackConfig
from flows.errors import PanelError
from storage.models import OutboxMessage, Referral, Vote


async def counts(h: Harness) -> tuple[int, int]:
    async with h.panel.uow() as uow:
        referrals = (await uow.session.execute(select(func.count()).select_from(Referral))).scalar_one()
        votes = (await uow.session.execute(select(func.count()).select_from(Vote))).scalar_one()
    return referrals, votes


# Signatures ---------------------------------------------------------------------------------------------


async def test_a_forged_signature_is_refused_and_changes_nothing(slack) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    await h.press("U0LA", h.card(ref), "Undertake a child safeguarding practice review")
    modal = h.modal()
    before, calls, views = await counts(h), len(h.fake.calls), len(h.fake.views)

    assert await h.slash("U0BM", "new", secret="not-the-signing-secret") == 401
    assert await h.submit("U0LA", modal, {"reason": ""}, secret="not-the-signing-secret") == 401
    assert await h.press("U0POL", h.card(ref), "Recuse", secret="guessed") == 401
    body = "command=%2Fpanel&text=close+" + ref + "&user_id=U0BM"
    tampered = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    assert await h.post(body + "x", tampered, "application/x-www-form-urlencoded") == 401  # body changed
    assert await h.post(body, {}, "application/x-www-form-urlencoded") == 401  # not signed at all

    assert await counts(h) == before
    assert len(h.fake.calls) == calls and len(h.fake.views) == views  # no call to Slack, no modal, no message
    assert "0 of 3 statutory partners have voted" in h.card(ref).shown


async def test_a_stale_signature_is_refused_and_changes_nothing(slack) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    await h.press("U0LA", h.card(ref), "Undertake a child safeguarding practice review")
    modal = h.modal()
    before, calls = await counts(h), len(h.fake.calls)
    six_minutes_ago = int(time.time()) - 6 * 60  # Slack's replay window is 5 minutes
    assert await h.submit("U0LA", modal, {"reason": ""}, timestamp=six_minutes_ago) == 401
    assert await h.slash("U0BM", "new", timestamp=six_minutes_ago) == 401
    assert await h.slash("U0BM", "new", timestamp=int(time.time()) + 6 * 60) == 401  # from the future
    assert await counts(h) == before and len(h.fake.calls) == calls

    four_minutes_ago = int(time.time()) - 4 * 60
    assert await h.submit("U0LA", modal, {"reason": ""}, timestamp=four_minutes_ago) == 200
    assert h.said_to("U0LA") == f"Your vote on {ref} is recorded: Undertake a child safeguarding practice review."


async def test_no_signing_secret_means_no_http_route(fake_slack, make_panel) -> None:
    panel = await make_panel(dudley_panel_votes())
    bot = SlackBot(panel, SlackConfig(bot_token="xoxb-test-token", app_token="xapp-test-token",
                                      api_url=fake_slack.api_url))
    from bot.server import make_app

    app = make_app(panel)
    bot.mount(app)
    assert "/slack/events" not in [r.resource.canonical for r in app.router.routes() if r.resource is not None]


async def test_slack_gets_its_acknowledgement_before_the_slow_work(slack) -> None:
    # Slack allows 3 seconds. The ack goes back at once; opening the form and answering come after it.
    h = await voting_dudley(slack)
    h.fake.gates["views.open"] = asyncio.Event()  # Slack's Web API is slow today
    body = urlencode(h.slash_payload("U0BM", "new"))
    headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    response = await h.client.post("/slack/events", data=body.encode(), headers=headers)
    assert response.status == 200 and await response.text() == ""  # acknowledged, nothing to show yet
    assert h.fake.views == [] and h.bot.tasks  # the listener is still working after the ack
    h.fake.gates["views.open"].set()
    await h.settle()
    assert h.modal()["callback_id"] == "panel_form"


async def test_a_form_that_cannot_open_in_time_is_explained_in_one_sentence(slack) -> None:
    h = await voting_dudley(slack)
    h.fake.fail("views.open", 200, error="expired_trigger_id")
    assert await h.slash("U0BM", "new") == 200
    assert h.said_to("U0BM") == "Slack took too long to open the form, so nothing was changed. Please try again."


# Delivery to the Web API --------------------------------------------------------------------------------


async def test_a_rate_limited_card_waits_for_retry_after_and_is_posted_once(slack, clock) -> None:
    h = await voting_dudley(slack)
    h.fake.fail("chat.postMessage", 429, retry_after=7)
    ref = await file_referral(h)
    assert [m for m in h.fake.in_channel(PANEL_CHANNEL) if ref in m.raw] == []
    async with h.panel.uow() as uow:
        query = select(OutboxMessage).where(OutboxMessage.kind == "referral_card")
        row = (await uow.session.execute(query)).scalar_one()
    assert row.sent_at is None and row.last_error == "slack: RetryLater"
    assert row.next_attempt_at.replace(tzinfo=clock.now.tzinfo) == clock.now + timedelta(seconds=7)

    clock.advance(seconds=6)
    await h.flush()  # too early: Slack said 7 seconds
    assert [m for m in h.fake.in_channel(PANEL_CHANNEL) if ref in m.raw] == []
    clock.advance(seconds=1)
    await h.flush()
    await h.flush()
    cards = [m for m in h.fake.in_channel(PANEL_CHANNEL) if ref in m.raw]
    assert len(cards) == 1
    posts = [c for c in h.fake.calls if c.method == "chat.postMessage" and ref in str(c.args.get("text"))]
    assert [c.status for c in posts] == [429, 200]
    await vote(h, "U0LA", ref, "Undertake a child safeguarding practice review")  # the card is still updated
    assert h.card(ref).updates == 1


async def test_a_server_error_backs_off_and_is_retried(slack, clock) -> None:
    h = await voting_dudley(slack)
    h.fake.fail("chat.postMessage", 500)
    ref = await file_referral(h)
    assert not [m for m in h.fake.in_channel(PANEL_CHANNEL) if ref in m.raw]
    clock.advance(seconds=9)
    await h.flush()
    assert not [m for m in h.fake.in_channel(PANEL_CHANNEL) if ref in m.raw]
    clock.advance(seconds=1)  # the first backoff is 10 seconds
    await h.flush()
    assert len([m for m in h.fake.in_channel(PANEL_CHANNEL) if ref in m.raw]) == 1


async def test_a_failed_card_update_is_retried_and_never_overwrites_a_newer_one(slack, clock) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    h.fake.fail("chat.update", 500)
    await vote(h, "U0LA", ref, "Undertake a child safeguarding practice review")
    assert "0 of 3 statutory partners have voted" in h.card(ref).shown  # that update failed
    await vote(h, "U0POL", ref, "Undertake a child safeguarding practice review")
    assert "2 of 3 statutory partners have voted" in h.card(ref).shown  # the newer one went through
    clock.advance(seconds=10)
    await h.flush()  # the older update's retry
    card = h.card(ref)
    assert "2 of 3 statutory partners have voted. Still needed: Health (ICB)." in card.shown
    assert card.updates == 2
    async with h.panel.uow() as uow:
        unsent = (await uow.session.execute(select(func.count()).select_from(OutboxMessage)
                                            .where(OutboxMessage.sent_at.is_(None)))).scalar_one()
    assert unsent == 0


async def test_a_deleted_card_is_not_retried_for_ever(slack) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    card = h.card(ref)
    h.fake.messages.remove(card)  # someone deleted the card in Slack; a member still has it on screen
    await h.press("U0LA", card, "Undertake a child safeguarding practice review")
    await h.submit("U0LA", h.modal(), {"reason": ""})
    async with h.panel.uow() as uow:
        unsent = (await uow.session.execute(select(func.count()).select_from(OutboxMessage)
                                            .where(OutboxMessage.sent_at.is_(None)))).scalar_one()
    assert unsent == 0
    assert h.said_to("U0LA").startswith(f"Your vote on {ref} is recorded")


# Socket Mode --------------------------------------------------------------------------------------------


async def test_socket_mode_requests_go_through_the_same_listeners(slack) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)

    async def dispatch(kind: str, payload: dict) -> int:
        response = await run_async_bolt_app(h.bot.app, SocketModeRequest(type=kind, envelope_id="e1", payload=payload))
        await h.settle()
        return response.status

    assert await dispatch("interactive", h.press_payload("U0LA", h.card(ref), "Undertake")) == 200
    assert await dispatch("interactive", h.submit_payload("U0LA", h.modal(), {"reason": "Agree"})) == 200
    assert h.said_to("U0LA") == f"Your vote on {ref} is recorded: Undertake a child safeguarding practice review."
    assert await dispatch("slash_commands", h.slash_payload("U0POL", f"close {ref}")) == 200
    assert h.said_to("U0POL") == "Only the business manager can close a vote. Nothing was changed."
    assert "1 of 3 statutory partners have voted" in h.card(ref).shown


async def test_socket_mode_end_to_end_over_a_websocket(fake_slack, make_panel) -> None:
    panel = await make_panel(dudley_panel_votes())
    config = SlackConfig(bot_token="xoxb-test-token", app_token="xapp-test-token", api_url=fake_slack.api_url)
    bot = SlackBot(panel, config)
    sender = Sender(panel, [bot.adapter])
    bot.pump = OutboxPump(sender)
    panel.on_outbox = bot.pump.poke
    harness = Payloads(fake_slack)

    await panel.add_member(actor=Actor.operator(), name="Bea", role="business_manager", ids=["slack:U0BM"])
    await bot.start()
    try:
        ack = await fake_slack.envelope("slash_commands", harness.slash_payload("U0BM", "setup"))
        assert ack["envelope_id"].startswith("env-")
        await bot.settle()
        assert await panel.list_channels() == [("panel", "slack", PANEL_CHANNEL)]
        assert fake_slack.said_to("U0BM")[-1] == "Done: Panelbot will post the panel's referral cards in this channel."
        await fake_slack.envelope("slash_commands", harness.slash_payload("U0BM", "new"))
        await bot.settle()
        values = {"referral_type": "cspr", "referrer": "police", "category": "adult", "letter": "B", "summary": "Found"}
        await fake_slack.envelope("interactive", harness.submit_payload("U0BM", fake_slack.views[-1], values))
        await bot.settle()
        assert fake_slack.said_to("U0BM")[-1] == "Filed DUD-2026-001 and posted it to the panel."
        assert fake_slack.in_channel(PANEL_CHANNEL)[-1].shown.startswith("DUD-2026-001 · Adult B")
    finally:
        await bot.stop()


# Settings -----------------------------------------------------------------------------------------------


def test_settings_name_every_slack_setting(monkeypatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    config = SlackConfig.from_settings(Settings(_env_file=None))
    assert config == SlackConfig(bot_token="xoxb-1", signing_secret=SECRET, app_token=None,
                                 api_url="http://127.0.0.1:9/api")
    assert "xoxb-1" not in repr(Settings(_env_file=None))
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    with pytest.raises(PanelError, match="set SLACK_SIGNING_SECRET .* or SLACK_APP_TOKEN"):
        SlackConfig.from_settings(Settings(_env_file=None))
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert SlackConfig.from_settings(Settings(_env_file=None)).app_token == "xapp-1"  # type: ignore[union-attr]
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    monkeypatch.delenv("SLACK_API_URL")
    assert SlackConfig.from_settings(Settings(_env_file=None)) is None
    assert Settings(_env_file=None).slack.api_url == "https://slack.com/api/"


async def test_logs_never_carry_tokens_secrets_or_what_people_typed(slack, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    await vote(h, "U0LA", ref, "No review required", "Mother disclosed a new partner")
    await h.slash("U0BM", "new", secret="forged")
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("slack", "panelbot", "bot.")))
    assert "Invalid or stale request signature: refused with 401" in ours  # the fact, not the request
    assert "text=new" not in ours
    assert "Mother disclosed" not in ours and "Unexplained injuries" not in ours
    assert "xoxb-test-token" not in caplog.text and SECRET not in caplog.text


async def test_panelbot_run_serves_slack_when_the_token_is_set(tmp_path, monkeypatch, fake_slack) -> None:
    # `serve()` as `panelbot run` calls it: the Slack adapter joins the outbox, /slack/events is mounted on
    # the bot's web server, and what a command queued is delivered at once (not at the scheduler's tick).
    monkeypatch.chdir(tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        _env_file=None, PANELBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}", PANELBOT_HTTP_PORT=port,
        SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.api_url,
    )
    async with panel_from_settings(settings, migrate_fresh=True) as panel:
        await panel.add_member(actor=Actor.operator(), name="Bea", role="business_manager", ids=["slack:U0BM"])
    task = asyncio.create_task(serve(settings, console_mode=False))
    client = Payloads(fake_slack)
    try:
        async with aiohttp.ClientSession() as session:

            async def send(payload: dict, form_key: str | None = None) -> int:
                body = urlencode({form_key: json.dumps(payload)} if form_key else payload)
                headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
                async with asyncio.timeout(10):
                    while True:  # until the server is listening (yielding to the loop, never sleeping)
                        try:
                            async with session.post(f"http://127.0.0.1:{port}/slack/events", data=body,
                                                    headers=headers) as response:
                                return response.status
                        except aiohttp.ClientConnectorError:
                            await asyncio.sleep(0)

            assert await send(client.slash_payload("U0BM", "setup")) == 200
            await fake_slack.wait_for(lambda: fake_slack.said_to("U0BM"))
            done = "Done: Panelbot will post the panel's referral cards in this channel."
            assert fake_slack.said_to("U0BM")[-1] == done
            assert await send(client.slash_payload("U0BM", "new")) == 200
            await fake_slack.wait_for(lambda: fake_slack.views)
            values = {"referral_type": "rapid_review", "referrer": "police", "category": "adult", "letter": "B",
                      "summary": "X"}
            assert await send(client.submit_payload("U0BM", fake_slack.views[-1], values), "payload") == 200
            await fake_slack.wait_for(lambda: any("SAL-" in m.raw for m in fake_slack.in_channel(PANEL_CHANNEL)))
            assert fake_slack.in_channel(PANEL_CHANNEL)[-1].shown.startswith(f"SAL-{date.today().year}-001 · Adult B")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
