"""Email when things go wrong, against a real SMTP server (issue 20, point 4): the relay down at send time, a 421
then a 250, a 550 for one address of two. Nothing is lost, nothing is sent twice, and the business manager is
told of the refused address, by email when that is their channel, never with the message's text."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from mail_world import OP, SUMMARY, MailWorld, draft, mail_world
from smtp_fake import FakeRelay
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.notify import failed_messages
from storage.models import OutboxMessage

SHARED, DEPUTY, BM = "safeguarding@police.example", "deputy@police.example", "bea@partnership.example"


@pytest.fixture
async def world(make_panel) -> AsyncIterator[MailWorld]:  # type: ignore[no-untyped-def]
    relay = await FakeRelay().start()
    panel = await make_panel("salford")
    made = await mail_world(panel, relay)
    await panel.set_channel(actor=OP, purpose="agency:police", platform_id=f"email:{SHARED}")
    await panel.set_channel(actor=OP, purpose="agency:police", platform_id=f"email:{DEPUTY}", add=True)
    await panel.set_channel(actor=OP, purpose="bm", platform_id=f"email:{BM}")
    try:
        yield made
    finally:
        await made.platform.stop(1.0)
        await relay.stop()


async def rows(world: MailWorld, kind: str) -> list[OutboxMessage]:
    async with world.panel.uow() as uow:
        return list((await uow.session.execute(select(OutboxMessage).where(OutboxMessage.kind == kind))).scalars())


async def request(world: MailWorld) -> str:
    ref = await world.panel.file_referral(actor=OP, draft=draft())
    await world.panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    return ref


async def test_the_relay_down_at_send_time_loses_nothing_and_sends_once_it_is_back(world: MailWorld, clock) -> None:  # type: ignore[no-untyped-def]
    await world.relay.stop()
    await request(world)
    await world.flush()
    [row] = await rows(world, "request")
    assert row.sent_at is None and "(unreachable)" in (row.last_error or ""), row.last_error
    await world.relay.start()  # the same port: the relay is back
    clock.advance(seconds=11)  # past the first backoff
    await world.flush()
    clock.advance(minutes=5)
    await world.flush()  # nothing more to send
    assert len(world.relay.to(SHARED)) == 1 and len(world.relay.to(DEPUTY)) == 1
    [row] = await rows(world, "request")
    assert row.sent_at is not None and sorted(row.delivered_to) == sorted([f"email:{SHARED}", f"email:{DEPUTY}"])


async def test_a_421_then_a_250_sends_the_message_once(world: MailWorld, clock) -> None:  # type: ignore[no-untyped-def]
    world.relay.fail_next = [421]
    await request(world)
    await world.flush()
    [row] = await rows(world, "request")
    assert row.sent_at is None and "SMTP 421" in (row.last_error or ""), row.last_error
    clock.advance(seconds=11)
    await world.flush()
    clock.advance(minutes=5)
    await world.flush()
    assert len(world.relay.to(SHARED)) == 1 and len(world.relay.to(DEPUTY)) == 1
    [row] = await rows(world, "request")
    assert row.sent_at is not None and row.failed_at is None


async def test_a_550_for_one_address_of_two_fails_that_one_only_and_the_bm_is_told(world: MailWorld, clock) -> None:  # type: ignore[no-untyped-def]
    world.relay.refuse[DEPUTY] = 550
    ref = await request(world)
    for _ in range(3):
        await world.flush()
        clock.advance(minutes=30)
    assert len(world.relay.to(SHARED)) == 1 and world.relay.to(DEPUTY) == []  # the other address: once, not again
    [row] = await rows(world, "request")
    assert row.sent_at is not None and row.failed_at is not None
    assert row.refused == [f"email:{DEPUTY}"] and row.delivered_to == [f"email:{SHARED}"]
    # The business manager hears which address failed and for what, in their channel (here, by email).
    [told] = [m for m in world.relay.to(BM) if DEPUTY in m.part("plain")]
    said = told.part("plain")
    assert f"The information request for {ref} did not reach Greater Manchester Police" in said, said
    assert DEPUTY in said and "SMTP 550" in said, said
    assert "Please send" not in said and SUMMARY not in said  # never the message's text
    assert told.subject == f"[{ref}] Not delivered: {DEPUTY} was refused"
    # `panelbot outbox list` shows the failed message; nothing waits.
    [failed] = await failed_messages(world.panel)
    assert failed.id == row.id and failed.refused == (f"email:{DEPUTY}",)


async def test_outbox_list_shows_a_failed_message(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The same, seen at the command line (SQLite file, the CLI's own process)."""
    from bot.notify import Sender
    from bot.service.bootstrap import open_panel
    from flows.preset import load_preset
    from storage.db import make_engine, upgrade

    relay = await FakeRelay().start()
    relay.refuse[DEPUTY] = 550
    url = f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}"
    engine = make_engine(url)
    try:
        await upgrade(engine)
        panel = await open_panel(engine, load_preset("salford"))
        world = await mail_world(panel, relay)
        await panel.set_channel(actor=OP, purpose="agency:police", platform_id=f"email:{DEPUTY}")
        await request(world)
        await Sender(panel, [world.platform.adapter]).flush()
        await world.platform.stop(1.0)
    finally:
        await engine.dispose()
        await relay.stop()
    monkeypatch.chdir(tmp_path)
    env = {"PANELBOT_DATABASE_URL": url, "COLUMNS": "200"}
    result = await asyncio.to_thread(CliRunner().invoke, app, ["outbox", "list"], env=env)
    out = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "1 message failed in the last 30 days" in out and f"email:{DEPUTY}" in out, out
