"""The one fan-out for every platform: deliver outbox rows to the adapters that are running.

A command writes an outbox row in its own transaction. The sender here claims due rows in a short
transaction, delivers them with no transaction open, then records each target it reached, so that a retry
never repeats a delivery that already succeeded. Failed deliveries are retried with backoff.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from bot.service import Panel
from flows.views import CardView
from storage.models import Channel, Identity, OutboxMessage, PostedMessage

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # a claimed row is not picked up again for this long
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class Action:
    """A button under a message. Pressing it runs a shared text command (`bot/commands.py`) as the person
    who pressed it, e.g. `decide SAL-2026-001 commence_rapid_review`. With `needs_reason` the platform first
    asks for a reason (a modal, a reply) and appends it to the command."""

    label: str
    command: str
    needs_reason: bool = False
    style: str = "default"  # primary | danger | default


@dataclass(frozen=True)
class Outgoing:
    """What an adapter is asked to show. `card` for referral cards and decisions; `text` for notices.
    Adapters render a kind they do not know as a plain notice (`text`, with its `actions` as buttons), so
    new kinds of message work on every platform at once."""

    kind: str  # referral_card | card_update | decision | escalation | notice (and more as issues land)
    purpose: str  # panel | bm | agency:NAME | member:ID
    card: CardView | None = None
    text: str | None = None
    headline: str | None = None
    actions: tuple[Action, ...] = ()
    # For a message about a referral whose card was posted to this same target: the card's message id, so
    # a platform can answer in the card's thread (Slack: a decision is a thread reply under its card).
    card_message_id: str | None = None
    # Files to attach, (file name, bytes), e.g. the report's PNG charts. A platform that can upload files
    # (Slack files_upload_v2, Telegram send_photo, a Teams attachment) posts them with the message.
    files: tuple[tuple[str, bytes], ...] = ()


class Adapter(Protocol):
    """A platform. `deliver` posts (or, given `previous_id`, updates) a message and returns its id."""

    platform: str
    reaches_everyone: bool  # the terminal: one screen shows every channel and every person

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None: ...


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=10 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class RetryLater(Exception):
    """Raised by an adapter when the platform asks it to wait (flood control: Telegram's RetryAfter, a 429
    with Retry-After). The sender tries the row again after `retry_after` seconds, not before."""

    def __init__(self, retry_after: float, detail: str = "") -> None:
        self.retry_after = float(retry_after)
        super().__init__(detail or f"the platform asked to retry after {self.retry_after:g} s")


class Sender:
    def __init__(self, panel: Panel, adapters: list[Adapter]) -> None:
        self.panel = panel
        self.adapters = adapters
        self._flushing = asyncio.Lock()  # one flush at a time: rows go out in order, a card before its updates

    async def _targets(self, purpose: str) -> list[tuple[Adapter, str]]:
        out: list[tuple[Adapter, str]] = []
        async with self.panel.uow() as uow:
            s = uow.session
            for adapter in self.adapters:
                if adapter.reaches_everyone:
                    out.append((adapter, purpose))
                    continue
                if purpose.startswith("member:"):
                    member_id = int(purpose.partition(":")[2])
                    rows = (
                        await s.execute(
                            select(Identity.external_id).where(
                                Identity.member_id == member_id, Identity.platform == adapter.platform
                            )
                        )
                    ).scalars()
                else:
                    rows = (
                        await s.execute(
                            select(Channel.external_id).where(
                                Channel.partnership_id == self.panel.partnership_id,
                                Channel.purpose == purpose,
                                Channel.platform == adapter.platform,
                            )
                        )
                    ).scalars()
                out.extend((adapter, ext) for ext in rows)
        return out

    async def _claim(self, now: datetime, limit: int) -> list[OutboxMessage]:
        async with self.panel.uow() as uow:
            rows = list(
                (
                    await uow.session.execute(
                        select(OutboxMessage)
                        .where(
                            OutboxMessage.partnership_id == self.panel.partnership_id,
                            OutboxMessage.sent_at.is_(None),
                            OutboxMessage.next_attempt_at <= now,
                        )
                        .order_by(OutboxMessage.id)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            for row in rows:
                row.attempts += 1
                row.next_attempt_at = now + LEASE
            await uow.commit()
        return rows

    async def _outgoing(self, row: OutboxMessage) -> Outgoing:
        card = None
        if row.kind in ("referral_card", "card_update", "decision", "escalation") and row.referral_id is not None:
            card = await self.panel.card_by_id(row.referral_id)
        return Outgoing(
            kind=row.kind,
            purpose=row.purpose,
            card=card,
            text=row.body.get("text"),
            headline=row.body.get("headline"),
            actions=tuple(Action(**a) for a in row.body.get("actions", [])),
            # Files queued through the outbox are kept in its JSON body as base64: [[name, data], ...].
            files=tuple((name, base64.b64decode(data)) for name, data in row.body.get("files", [])),
        )

    async def flush(self, limit: int = 100) -> int:
        """Deliver every due row. Returns how many rows were completed."""
        async with self._flushing:
            return await self._flush(limit)

    async def _flush(self, limit: int) -> int:
        now = self.panel.now()
        done = 0
        for row in await self._claim(now, limit):
            delivered = list(row.delivered_to or [])
            errors: list[str] = []
            waits: list[float] = []  # flood control: seconds each rate-limited target asked for
            if row.kind in ("reminder", "escalation") and not await self.panel.still_wanted(row.body):
                done += await self._record(row.id, delivered, [], skipped="not needed any more: already done")
                continue
            message = await self._outgoing(row)
            for adapter, target in await self._targets(row.purpose):
                key = f"{adapter.platform}:{target}"
                if key in delivered:
                    continue
                try:
                    posted = await self._posted(row, adapter.platform, target)
                    previous = posted if row.kind == "card_update" else None
                    outgoing = replace(message, card_message_id=posted) if posted and previous is None else message
                    message_id = await adapter.deliver(target, outgoing, previous)
                except Exception as exc:  # one platform failing must not stop the others
                    log.warning("delivery of outbox %s to %s failed: %s", row.id, adapter.platform, type(exc).__name__)
                    errors.append(f"{adapter.platform}: {type(exc).__name__}")
                    if isinstance(exc, RetryLater):
                        waits.append(exc.retry_after)
                    continue
                delivered.append(key)
                if message_id and row.kind == "referral_card" and row.referral_id is not None:
                    await self._remember(row.referral_id, adapter.platform, target, message_id)
            only_waits = bool(waits) and len(waits) == len(errors)
            done += await self._record(row.id, delivered, errors, retry_after=max(waits) if only_waits else None)
        return done

    async def _posted(self, row: OutboxMessage, platform: str, channel: str) -> str | None:
        if row.kind == "referral_card" or row.referral_id is None:
            return None
        async with self.panel.uow() as uow:
            return (
                await uow.session.execute(
                    select(PostedMessage.message_id).where(
                        PostedMessage.referral_id == row.referral_id,
                        PostedMessage.platform == platform,
                        PostedMessage.channel == channel,
                    )
                )
            ).scalar_one_or_none()

    async def _remember(self, referral_id: int, platform: str, channel: str, message_id: str) -> None:
        async with self.panel.uow() as uow:
            existing = (
                await uow.session.execute(
                    select(PostedMessage).where(
                        PostedMessage.referral_id == referral_id,
                        PostedMessage.platform == platform,
                        PostedMessage.channel == channel,
                    )
                )
            ).scalar_one_or_none()
            if existing is None:
                uow.session.add(
                    PostedMessage(
                        partnership_id=self.panel.partnership_id,
                        referral_id=referral_id,
                        platform=platform,
                        channel=channel,
                        message_id=message_id,
                    )
                )
            else:
                existing.message_id = message_id
            await uow.commit()

    async def _record(
        self,
        row_id: int,
        delivered: list[str],
        errors: list[str],
        skipped: str | None = None,
        retry_after: float | None = None,
    ) -> int:
        now = self.panel.now()
        async with self.panel.uow() as uow:
            row = await uow.session.get(OutboxMessage, row_id)
            assert row is not None
            row.delivered_to = delivered
            if errors:
                row.last_error = "; ".join(errors)
                # When every failure was flood control, come back exactly when the platform said.
                wait = timedelta(seconds=retry_after) if retry_after is not None else backoff(row.attempts)
                row.next_attempt_at = now + wait
            else:
                row.sent_at = now
                row.last_error = skipped or (None if delivered else "no channel is set for this message")
            await uow.commit()
            return 0 if errors else 1


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
        while True:
            self._again = False
            try:
                await self.sender.flush()
            except Exception:
                log.exception("outbox flush failed; the scheduler will try again")
            if not self._again or self._closing:
                return

    async def idle(self) -> None:
        """Wait until no flush is running (including the one more a poke asked for)."""
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)

    async def close(self, grace: float = 10.0) -> None:
        """Take no more pokes; let a flush under way finish (for up to `grace` seconds), then stop."""
        self._closing = True
        task = self.task
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
