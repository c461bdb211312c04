"""The `OutboxPump`: delivers the outbox in the background soon after a command queued something.

Replying first (it lives here, with the pump): a platform handler that wraps its work in `replying_first()`
has the pump flush only once the person who acted has been answered, or after `REPLY_FIRST` seconds if the
answer is slow. The service only pokes (`panel.on_outbox` is this pump's `poke`) once a command's rows are
committed; when a poke may start a flush is the pump's to say, here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from bot.logging_json import REQUEST
from bot.notify.sender import Sender

log = logging.getLogger("bot.notify")  # the package's one logger (see `bot.notify.sender`)

WAKE_WITHIN = 60.0  # the pump comes back by itself for a target's Retry-After up to this long (else the scheduler)
REPLY_FIRST = 0.5  # seconds a poke waits for a platform handler's answer to the person who acted


@dataclass
class _Answering:
    """A platform handler still answering the person who acted, and the pumps poked meanwhile."""

    poked: list[OutboxPump] = field(default_factory=list)
    woken: bool = False

    def wake(self) -> None:
        if not self.woken:
            self.woken = True
            for pump in self.poked:
                pump.flush_soon()


_answering: ContextVar[_Answering | None] = ContextVar("panelbot_answering", default=None)


@contextlib.asynccontextmanager
async def replying_first() -> AsyncIterator[None]:
    """Around a platform handler: the person who pressed a button is answered first ("Your vote is recorded"),
    and the outbox (the card update everyone sees) is flushed when the handler ends, or after `REPLY_FIRST`
    seconds if the answer is slow, rather than competing with the answer for the one event loop and the
    database. Nothing waits longer than that: the rows were committed before the poke."""
    answering = _Answering()
    token = _answering.set(answering)
    try:
        yield
    finally:
        _answering.reset(token)
        answering.wake()


class OutboxPump:
    """Delivers the outbox soon after a command queued something, for every platform adapter at once (set as
    `panel.on_outbox`). The command never waits: `poke` starts a flush in the background and returns. Pokes
    while a flush runs fold into one more flush, so flushes never pile up; a failed flush is logged and the
    scheduler's `flush_outbox` job (or the next poke) tries again."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.task: asyncio.Task[None] | None = None
        self._again = False
        self._closing = False
        self._timer: asyncio.TimerHandle | None = None
        self._woken: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done()

    async def poke(self) -> None:
        answering = _answering.get()
        if answering is not None and not answering.woken:  # the person who acted is still being answered
            if self not in answering.poked:
                answering.poked.append(self)
                asyncio.get_running_loop().call_later(REPLY_FIRST, answering.wake)
            return
        self.flush_soon()

    def flush_soon(self) -> None:
        """Start a flush in the background now (or one more, after the one running)."""
        if self._closing:
            return  # the scheduler's flush, or the next start, delivers it
        if self.busy:
            self._again = True
            return
        self.task = asyncio.get_running_loop().create_task(self._run(), name="outbox-pump")

    async def _run(self) -> None:
        REQUEST.set(None)  # a flush serves every request's rows, not the one whose poke started it (JSON logs)
        while True:
            self._again = False
            try:
                await self.sender.flush()
            except Exception:
                log.exception("outbox flush failed; the scheduler will try again")
            if not self._again or self._closing:
                next_wake = getattr(self.sender, "next_wake", None)  # a stand-in sender may not have it
                self._wake_at(next_wake() if next_wake else None)
                return

    def _wake_at(self, when: datetime | None) -> None:
        """Flush again when a target held for flood control may be called (not at the scheduler's next tick),
        so a burst to many channels goes out at the rate each platform allows."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if when is None or self._closing:
            return
        delay = (when - self.sender.panel.now()).total_seconds()
        if delay <= WAKE_WITHIN:  # it may have come while this was worked out: then at once
            loop = asyncio.get_running_loop()
            wake = lambda: setattr(self, "_woken", loop.create_task(self.poke()))  # noqa: E731 (keep the task)
            self._timer = loop.call_later(max(delay, 0.0) + 0.002, wake)

    async def idle(self) -> None:
        """Wait until no flush is running (including the one more a poke asked for)."""
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)

    async def close(self, grace: float = 10.0) -> None:
        """Take no more pokes; let a flush under way finish (for up to `grace` seconds), then stop."""
        self._closing = True
        if self._timer is not None:
            self._timer.cancel()
        task = self.task
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
