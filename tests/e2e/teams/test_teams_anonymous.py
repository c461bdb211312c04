"""Anonymous mode talks only to this machine (issue 17, point 6).

Without credentials (`...ANONYMOUS_ALLOWED=true`) nothing vouches for an activity, and the bot answers at the
`serviceUrl` the activity names. There, an activity is answered only when that address is on the loopback
range (the Agents Playground, the fake connector); any other is refused with 403 and one INFO line before
the turn runs: nothing is recorded, nothing is sent anywhere. With authentication on, nothing changes.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select
from teams_fake import PANEL, person
from test_teams_delivery import production_config

from bot.teams.guard import is_loopback_url, refuse_remote
from storage.models import AuditEntry, ConversationState, Vote

BEA = person("Bea")

OFF_THIS_MACHINE = [
    "http://10.1.2.3:9/",
    "http://example.org/",
    "http://127.0.0.1.evil.example/",
    "http://[::ffff:10.0.0.1]/",
    "http://127.0.0.1@evil.example/",
    "http://localhost.evil.example/",
    "http://2130706433/",  # 127.0.0.1 as one number: refused rather than guessed at
    "file:///etc/passwd",
    "",
]


async def rows(h) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    async with h.panel.uow() as uow:
        return tuple(
            [(await uow.session.execute(select(func.count()).select_from(m))).scalar_one()
             for m in (ConversationState, Vote, AuditEntry)]
        )


async def test_an_activity_from_this_machine_is_answered(teams, connector) -> None:  # type: ignore[no-untyped-def]
    h = await teams("salford")
    await h.member("Bea", "business_manager", BEA)
    port = connector.url.rsplit(":", 1)[1]
    for url in (connector.url, f"http://localhost:{port}"):
        before = len(connector.messages)
        activity = h.message(BEA, "help")
        activity["serviceUrl"] = url
        status, _ = await h.post(activity)
        assert status in (200, 202)
        answers = [m for m in connector.messages[before:] if m.conversation == PANEL]
        assert answers and "Panelbot commands" in answers[0].shown, url


@pytest.mark.parametrize("url", OFF_THIS_MACHINE)
async def test_an_activity_naming_another_address_is_refused_before_the_turn(
    teams, connector, caplog, url: str
) -> None:  # type: ignore[no-untyped-def]
    h = await teams("salford")
    await h.member("Bea", "business_manager", BEA)
    before = await rows(h)
    caplog.set_level(logging.INFO)
    caplog.clear()
    message = h.message(BEA, "setup")
    message["serviceUrl"] = url
    status, body = await h.post(message)
    if url == "":  # no address at all is not an activity
        assert status == 400
    else:
        assert status == 403, (status, body)
        said = [r for r in caplog.records if r.name.startswith("bot.")]
        assert [(r.levelno, r.name) for r in said] == [(logging.INFO, "bot.teams.guard")]
        assert "not on this machine" in said[0].getMessage()
    assert connector.requests == []  # nothing was sent, to the fake or anywhere
    assert await rows(h) == before  # the turn never ran: no conversation stored, nothing recorded


async def test_a_button_press_naming_another_address_is_refused(teams, connector) -> None:  # type: ignore[no-untyped-def]
    """An invoke is answered in the HTTP response, but its turn would still run (a vote recorded) and could
    send to the address: refused the same way."""
    h = await teams("salford")
    await h.member("Bea", "business_manager", BEA)
    invoke = {
        **h._base(BEA, PANEL, "channel"),
        "type": "invoke",
        "name": "adaptiveCard/action",
        "value": {"action": {"type": "Action.Execute", "verb": "panel.vote",
                             "data": {"ref": "SAL-2026-001", "outcome": "commence_rapid_review"}}},
        "serviceUrl": "http://example.org/",
    }
    before = await rows(h)
    status, _ = await h.post(invoke)
    assert status == 403
    assert connector.requests == [] and await rows(h) == before


def test_only_loopback_addresses_count_as_this_machine() -> None:
    for url in ("http://127.0.0.1:3978/", "https://127.8.9.10/x", "http://localhost:56150/_connector",
                "http://LOCALHOST/", "http://[::1]:3978/", "http://[::ffff:127.0.0.1]/"):
        assert is_loopback_url(url), url
    for url in [*OFF_THIS_MACHINE, None, 42, ["http://127.0.0.1/"], "http://127.0.0.1\\@evil.example/",
                "ftp://127.0.0.1/", "http://0.0.0.0/", "http://[::]/"]:
        assert not is_loopback_url(url), url


def test_with_authentication_on_the_address_is_not_checked() -> None:
    """The Bot Connector's signed token vouches for the activity; real Teams service URLs are remote."""
    config = production_config()
    for url in ("https://smba.trafficmanager.net/emea/", "http://10.1.2.3:9/"):
        assert refuse_remote(config, {"serviceUrl": url}) is None
