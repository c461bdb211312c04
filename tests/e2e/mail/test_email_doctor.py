"""`panelbot doctor` knows about email: with a relay set it connects and says EHLO to it (here the test SMTP server on
127.0.0.1), sending nothing; a relay it cannot reach is one plain sentence and a failed check; with no relay it
says each email is written as a .eml file, and where. Channels and members that are only email addresses count
as reachable, never as "not switched on"."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mail_world import SECRET
from smtp_fake import FakeRelay
from typer.testing import CliRunner

from bot.cli import app
from bot.service import Actor
from bot.service.bootstrap import open_panel
from flows.preset import load_preset
from storage.db import make_engine, upgrade

OP = Actor.operator()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MARK = {"✓": "ok", "✗": "fail", "–": "not set up"}


@pytest.fixture
async def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[dict[str, str]]:
    """A Salford panel on SQLite reached only by email: the panel's list, the business manager, a member in each
    voting role and every agency have an address; no chat platform is set up."""
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    for name in ("SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "PANELBOT_SMTP_URL", "PANELBOT_EMAIL_DIR", "PANELBOT_CONFIG",
                 "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}"
    engine = make_engine(url)
    await upgrade(engine)
    preset = load_preset("salford")
    panel = await open_panel(engine, preset)
    for i, role in enumerate(preset.voting_roles):
        await panel.add_member(actor=OP, name=f"Member {i}", role=role, ids=[f"email:member{i}@partnership.example"])
    await panel.set_channel(actor=OP, purpose="panel", platform_id="email:panel@partnership.example")
    await panel.set_channel(actor=OP, purpose="bm", platform_id="email:bea@partnership.example")
    for agency in preset.agencies:
        address = f"email:{agency.id}@agency.example"
        await panel.set_channel(actor=OP, purpose=f"agency:{agency.id}", platform_id=address)
    await engine.dispose()
    yield {"PANELBOT_DATABASE_URL": url, "PANELBOT_PRESET": "salford"}


async def doctor(env: dict[str, str], **more: str) -> tuple[int, dict[str, tuple[str, str]], str]:
    result = await asyncio.to_thread(CliRunner().invoke, app, ["doctor"], env={**env, **more})
    output = ANSI.sub("", result.output)
    assert "Traceback" not in output and SECRET not in output, output
    found = {}
    for line in output.splitlines():
        if line[:1] in MARK and ": " in line:
            name, _, rest = line[2:].partition(": ")
            found[name] = (MARK[line[0]], rest)
    return result.exit_code, found, output


async def test_a_relay_that_answers_is_checked_with_ehlo_and_nothing_is_sent(env) -> None:  # type: ignore[no-untyped-def]
    relay = await FakeRelay().start()
    try:
        code, found, output = await doctor(env, PANELBOT_SMTP_URL=relay.url, PANELBOT_LINK_SECRET=SECRET)
    finally:
        await relay.stop()
    assert found["Email"] == ("ok", f"the relay 127.0.0.1:{relay.port} answered (EHLO; no TLS (this machine) when "
                                    "sending); no mail was sent.")
    assert relay.connections == 1 and relay.received == []
    assert found["Platforms"] == ("ok", "switched on: email.")
    assert found["Panel channel (email:panel@partnership.example)"] == (
        "ok", "an email address; mail to it goes through the relay (see Email).")
    assert found["BM channel (email:bea@partnership.example)"][0] == "ok"
    assert found["Voting roles"][0] == "ok" and found["Agencies"][0] == "ok", output
    assert "not switched on" not in output
    assert code == 0, output


async def test_a_relay_that_cannot_be_reached_is_one_plain_sentence(env) -> None:  # type: ignore[no-untyped-def]
    relay = await FakeRelay().start()
    await relay.stop()  # nothing listens on its port any more
    code, found, output = await doctor(env, PANELBOT_SMTP_URL=relay.url, PANELBOT_LINK_SECRET=SECRET)
    status, rest = found["Email"]
    assert status == "fail" and code == 1
    said, _, fix = rest.partition(" Fix: ")
    assert said == f"the relay 127.0.0.1:{relay.port} could not be reached (the connection was refused), so no email " \
        "can be sent."
    assert fix == "Check PANELBOT_SMTP_URL and that this machine may connect to the relay."


async def test_with_no_relay_the_doctor_says_where_the_eml_files_go(env, panelbot_files) -> None:  # type: ignore[no-untyped-def]
    code, found, output = await doctor(env)
    folder = Path(panelbot_files) / "email"
    assert found["Email"] == ("ok", f"no relay is set (PANELBOT_SMTP_URL), so each email is written as a .eml file "
                                    f"to {folder}, not sent.")
    assert found["Panel channel (email:panel@partnership.example)"] == (
        "ok", "an email address; mail to it goes as .eml files (see Email).")
    assert "not switched on" not in output and found["Platforms"] == ("ok", "switched on: email.")
    assert code == 0, output
