"""Teams delivery, end to end: reminders and requests that reach agencies and members proactively, the
Bot Connector's 429 and 500 answers (retried by the outbox, nothing lost or doubled), and JWT validation
(a request without a valid token is refused with 401 and changes nothing). The 429 test follows a card that counts
the votes towards quorum, so it uses a partnership whose panel decides by vote (tests/stage_presets.py: Dudley's
preset without its `[[stages]]` entry); the shipped Dudley's child referral shows the votes as advice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import ClientError, ClientSession
from sqlalchemy import func, select
from teams_fake import AGENCY_CHAT, PANEL, Harness, person, response_text
from test_teams_panel import BEA, HAL, IVY, LOU, PAT, dudley, file_referral, voting_dudley

from bot.app import serve
from bot.settings import Settings
from bot.teams import TeamsConfig
from flows.errors import PanelError
from storage.models import AuditEntry, Channel, ConversationState, OutboxMessage, Referral

PC_DEAN = person("Dean")  # the police's contact for information requests; not on the panel
CLIENT_ID = "0c7c5d2e-1a11-4b7e-9c3a-8f1d2e3c4b5a"


async def test_requests_and_reminders_reach_the_agency_proactively_and_mark_as_returned_works(
    teams, connector, clock
) -> None:
    h = await dudley(teams)
    connector.join(AGENCY_CHAT, BEA, PC_DEAN)
    said = (await h.say(BEA, "setup agency:police", where="groupChat"))[0]
    assert "Done: Panelbot will send the messages for police here." in said.shown
    said = (await h.say(BEA, "setup bm", where="personal"))[0]
    assert "Done: Panelbot will send the business manager's messages here." in said.shown
    ref = await file_referral(h)

    answer = (await h.say(BEA, f"request {ref} police"))[0]
    assert f"Information requests for {ref}:" in answer.shown
    assert "West Midlands Police: requested, due Mon 30 Nov 2026, 17:00." in answer.shown
    request = connector.in_conversation(AGENCY_CHAT)[-1]
    assert f"Information request for {ref} · Young Person C" in request.shown
    assert "by Mon 30 Nov 2026, 17:00 (5 working days)" in request.shown
    assert [b["title"] for b in request.buttons] == ["Mark as returned"]

    # Fri 27 Nov, 09:00: one working day before it is due, the sweep sends the reminder.
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    assert await h.panel.run_reminders() >= 1
    await h.flush()
    reminder = connector.in_conversation(AGENCY_CHAT)[-1]
    assert reminder.id != request.id
    assert reminder.shown.startswith(
        f"Reminder: the initial scoping and information sharing template (Rapid Reviews) for {ref} · Young Person C "
        "is due Mon 30 Nov 2026, 17:00 (in 3 days)."
    )
    assert [b["title"] for b in reminder.buttons] == ["Mark as returned"]
    # The police contact is not on the panel; pressing the agency's button still records the return.
    response = await h.press(PC_DEAN, reminder, "Mark as returned")
    assert response_text(response) == (
        f"Thank you: West Midlands Police's return for {ref} is recorded. No more reminders."
    )
    to_bm = connector.in_conversation(h.personal_chat(BEA))[-1]
    assert f"West Midlands Police has returned its information for {ref} · Young Person C, on time." in to_bm.shown
    response = await h.press(PC_DEAN, request, "Mark as returned")
    assert "was already recorded" in response_text(response)

    # Wed 9 Dec, 09:00: the day before the panel's decision is due, members who have not voted are reminded,
    # each in a 1:1 chat the bot opens for it (none of them has written to the bot yet).
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    await h.panel.run_reminders()
    await h.flush()
    for member in (LOU, PAT, HAL):
        assert len(connector.calls("GET", f"/members/{member.aad}")) == 1, member
        chats = [c for c in connector.created if c["members"] == [{"id": member.teams_id}]]
        assert len(chats) == 1, member
    votes = [m for m in connector.messages if m.conversation.startswith("a:1personal-chat-")]
    assert len(votes) == 3
    assert all(f"Reminder: your vote on {ref} · Young Person C is needed by Thu 10 Dec 2026, 17:00" in m.shown
               for m in votes)
    assert not connector.calls("GET", f"/members/{IVY.aad}")  # the chair does not vote

    # Running the sweep again sends nothing more.
    before = len(connector.messages)
    assert await h.panel.run_reminders() == 0
    await h.flush()
    assert len(connector.messages) == before


async def test_a_429_is_retried_after_retry_after_and_the_card_is_posted_once(teams, connector, clock) -> None:
    h = await voting_dudley(teams)
    connector.fail("POST", f"/v3/conversations/{PANEL}/activities", 429, retry_after=7)
    ref = await file_referral(h)
    assert connector.in_conversation(PANEL) == []
    async with h.panel.uow() as uow:
        stmt = select(OutboxMessage).where(OutboxMessage.kind == "referral_card")
        row = (await uow.session.execute(stmt)).scalar_one()
    assert row.sent_at is None and "RetryLater" in (row.last_error or "")
    assert row.next_attempt_at == clock.now + timedelta(seconds=7)

    await h.flush()  # too early: nothing is tried again
    assert len(connector.calls("POST", f"/v3/conversations/{PANEL}/activities")) == 1
    clock.advance(seconds=7)
    await h.flush()
    assert len(connector.calls("POST", f"/v3/conversations/{PANEL}/activities")) == 2
    cards = connector.in_conversation(PANEL)
    assert len(cards) == 1 and cards[0].shown.startswith(f"{ref} · Young Person C")
    await h.flush()
    assert len(connector.in_conversation(PANEL)) == 1

    # A 500 on the update is retried with backoff; the card ends up current, updated once.
    connector.fail("PUT", "/activities/", 500)
    await h.press(LOU, h.card(ref), "Undertake a child safeguarding practice review")
    assert "0 of 3 statutory partners have voted" in h.card(ref).shown
    clock.advance(seconds=10)
    await h.flush()
    card = h.card(ref)
    assert card.updates == 1 and "1 of 3 statutory partners have voted" in card.shown


async def test_a_500_then_success_gives_one_message(teams, connector, clock) -> None:
    h = await dudley(teams)
    connector.fail("POST", f"/v3/conversations/{PANEL}/activities", 500, times=2)
    ref = await file_referral(h)
    assert connector.in_conversation(PANEL) == []
    clock.advance(seconds=10)
    await h.flush()
    assert connector.in_conversation(PANEL) == []
    clock.advance(seconds=20)
    await h.flush()
    assert [m.shown.split(" · ")[0] for m in connector.in_conversation(PANEL)] == [ref]
    assert len(connector.calls("POST", f"/v3/conversations/{PANEL}/activities")) == 3


def production_config() -> TeamsConfig:
    config = TeamsConfig.from_settings(
        Settings(
            _env_file=None,
            CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID=CLIENT_ID,
            CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET="not-a-real-secret",
            CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID="5a0ac5d5-2b8f-4f0a-9d55-7f0f0e6c1a11",
        ),
        environ={},
    )
    assert config is not None and not config.anonymous
    return config


async def counts(h: Harness) -> tuple[int, ...]:
    out = []
    async with h.panel.uow() as uow:
        for model in (Referral, Channel, ConversationState, OutboxMessage, AuditEntry):
            out.append((await uow.session.execute(select(func.count()).select_from(model))).scalar_one())
    return tuple(out)


async def test_with_authentication_on_a_request_without_a_valid_token_gets_401_and_changes_nothing(
    teams, connector, caplog
) -> None:
    caplog.set_level(logging.WARNING)
    h = await teams("dudley", production_config())
    assert "ANONYMOUS MODE" not in caplog.text
    await h.member("Bea", "business_manager", BEA)
    before = await counts(h)

    setup = h.message(BEA, "setup")
    assert (await h.post(setup))[0] == 401
    assert (await h.post(setup, {"Authorization": "Bearer not-a-jwt"}))[0] == 401
    assert (await h.post(setup, {"Authorization": "Basic QmVhOnNlY3JldA=="}))[0] == 401
    form = h.message(BEA, "new")
    assert (await h.post(form))[0] == 401
    assert await counts(h) == before
    assert connector.requests == []  # nothing was answered, nothing was sent
    # The rest of the web server is not behind the Teams middleware.
    health = await h.client.get("/healthz")
    assert health.status == 200


async def test_anonymous_mode_is_explicit_and_logged(teams, caplog) -> None:
    caplog.set_level(logging.WARNING)
    await teams("dudley")
    assert "ANONYMOUS MODE IS ON" in caplog.text
    assert TeamsConfig.from_settings(Settings(_env_file=None), environ={}) is None


def test_a_client_id_without_a_secret_or_certificate_is_refused_in_one_sentence() -> None:
    settings = Settings(_env_file=None, TEAMS_CLIENT_ID=CLIENT_ID)
    with pytest.raises(PanelError, match="no client secret"):
        TeamsConfig.from_settings(settings, environ={})
    settings = Settings(
        _env_file=None,
        CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID=CLIENT_ID,
        CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE="certificate",
    )
    with pytest.raises(PanelError, match="CERTPFXFILE is not set"):
        TeamsConfig.from_settings(settings, environ={})
    settings = Settings(
        _env_file=None,
        CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID=CLIENT_ID,
        CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE="certificate",
        CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CERTPFXFILE="/etc/panelbot/bot.pfx",
    )
    config = TeamsConfig.from_settings(settings, environ={"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__SCOPES": "x"})
    assert config is not None
    service = config.sdk["CONNECTIONS"]["SERVICE_CONNECTION"]["SETTINGS"]
    assert service["CLIENTID"] == CLIENT_ID and service["CERTPFXFILE"] == "/etc/panelbot/bot.pfx"
    assert service["SCOPES"] == "x"  # other SDK settings pass through
    assert "secret" not in repr(config).lower()


async def test_panelbot_run_routes_api_messages_when_teams_is_configured(tmp_path, monkeypatch, connector) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(
        _env_file=None,
        PANELBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        PANELBOT_HTTP_PORT=port,
        PANELBOT_PRESET="dudley",
        CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED="true",
    )
    task = asyncio.create_task(serve(settings, console_mode=False))
    activity = {
        "type": "message", "id": "f:1", "channelId": "msteams", "serviceUrl": connector.url,
        "from": BEA.account, "recipient": {"id": "28:bot", "name": "Panelbot"},
        "conversation": {"id": "a:1personal-bea", "conversationType": "personal", "tenantId": "t"},
        "text": "help",
    }
    try:
        async with ClientSession() as http:
            while True:
                assert not task.done(), task.exception()
                with contextlib.suppress(ClientError):
                    async with http.post(f"http://127.0.0.1:{port}/api/messages", json=activity) as response:
                        assert response.status == 202
                        break
                await asyncio.sleep(0)
            while not connector.messages:  # the reply was posted before the 202; nothing to wait for
                await asyncio.sleep(0)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert "Panelbot commands" in connector.messages[0].shown


async def test_panelbot_run_refuses_a_teams_client_id_without_a_secret(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(
        _env_file=None,
        PANELBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        TEAMS_CLIENT_ID=CLIENT_ID,
    )
    with pytest.raises(PanelError, match="no client secret"):
        await serve(settings, console_mode=False)
