"""The `OutboxPump`: delivers the outbox in the background soon after a command queued something.

Replying first: a platform handler that wraps its work in `Panel.replying()` (`bot/service/base.py`, with
`REPLY_FIRST`) has the pump poked only once the person who acted has been answered, or after `REPLY_FIRST`
seconds if the answer is slow. That wake-up is kept by the service, which calls `panel.on_outbox` (this
pump's `poke`): the service does not import this package."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from bot.logging_json import REQUEST
from bot.notify.sender import Sender

log = logging.getLogger("bot.notify")  # the package's one logger (see `bot.notify.sender`)

WAKE_WITHIN = 60.0  # the pump comes back by itself for a target's Retry-After up to this long (else the scheduler)


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
