"""The shared outbox pump (`bot.notify.OutboxPump`, `panel.on_outbox` for every platform): a command never
waits for delivery, pokes during a flush fold into exactly one more flush, a failing flush is logged and
the next poke still flushes, and `idle`/`close` wait for the flush under way. Nothing sleeps: a fake
sender's flush waits on an event the test sets. Replying first, on a panel on the test database:
tests/integration/test_pump_replying.py."""

from __future__ import annotations

import asyncio
import logging

from bot.notify import OutboxPump


class GatedSender:
    """Stands in for `Sender`: each flush waits until the test opens the gate, and can be told to fail."""

    def __init__(self) -> None:
        self.started = 0
        self.finished = 0
        self.gate = asyncio.Event()
        self.running = asyncio.Event()
        self.fail_next = False

    async def flush(self, limit: int = 100) -> int:
        self.started += 1
        self.running.set()
        await self.gate.wait()
        self.running.clear()
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("database went away")
        self.finished += 1
        return 0


async def test_pokes_during_a_flush_give_exactly_one_more_flush() -> None:
    sender = GatedSender()
    pump = OutboxPump(sender)  # type: ignore[arg-type]
    await pump.poke()  # returns at once: the command does not wait for the flush
    await sender.running.wait()
    for _ in range(5):
        await pump.poke()
    assert sender.started == 1
    sender.gate.set()
    await pump.idle()
    assert (sender.started, sender.finished) == (2, 2)
    assert not pump.busy


async def test_a_failing_flush_is_logged_and_the_next_poke_still_flushes(caplog) -> None:
    sender = GatedSender()
    sender.fail_next = True
    sender.gate.set()
    pump = OutboxPump(sender)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="bot.notify"):
        await pump.poke()
        await pump.idle()
    assert "outbox flush failed" in caplog.text
    assert (sender.started, sender.finished) == (1, 0)
    await pump.poke()
    await pump.idle()
    assert (sender.started, sender.finished) == (2, 1)


async def test_idle_waits_for_the_flush_in_flight() -> None:
    sender = GatedSender()
    pump = OutboxPump(sender)  # type: ignore[arg-type]
    await pump.idle()  # nothing running: returns at once
    await pump.poke()
    await sender.running.wait()
    waiter = asyncio.create_task(pump.idle())
    await asyncio.sleep(0)
    assert not waiter.done()
    sender.gate.set()
    await waiter
    assert sender.finished == 1


async def test_close_waits_for_the_flush_in_flight_then_takes_no_more_pokes() -> None:
    sender = GatedSender()
    pump = OutboxPump(sender)  # type: ignore[arg-type]
    await pump.poke()
    await sender.running.wait()
    await pump.poke()  # would be one more flush, but the pump is closing: the scheduler delivers the rest
    closing = asyncio.create_task(pump.close())
    await asyncio.sleep(0)
    assert not closing.done()
    sender.gate.set()
    await closing
    assert (sender.started, sender.finished) == (1, 1)
    await pump.poke()
    assert not pump.busy and sender.started == 1


async def test_close_gives_up_on_a_flush_that_outlasts_the_grace() -> None:
    sender = GatedSender()  # the gate never opens
    pump = OutboxPump(sender)  # type: ignore[arg-type]
    await pump.poke()
    await sender.running.wait()
    await pump.close(grace=0)
    assert not pump.busy and sender.finished == 0
