"""The one fan-out for every platform: deliver outbox rows to the adapters that are running.

A command writes an outbox row in its own transaction. The sender here claims due rows in a short
transaction, delivers them with no transaction open, then records each target it reached, so that a retry
never repeats a delivery that already succeeded. Failed deliveries are retried with backoff.

A platform that is down cannot hold the bot up: every delivery has a time limit (`DELIVERY_TIMEOUT`), and once
a platform has timed out, refused the connection or answered with a server error, the rest of that flush
does not call it again (its rows wait for their backoff like any failure), so one dead platform costs one
time-out per flush, not one per message, and the other platforms' messages still go out.

The guarantee is at-least-once at the platform's edge: a message the platform accepted just before the bot
died (or whose answer was lost or came after the time limit) is sent again on the retry. Everything the bot
itself records happens once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

import aiohttp
from sqlalchemy import func, select, update

from bot.service import Panel
from flows.views import CardView
from storage.models import Channel, Identity, OutboxMessage, PostedMessage

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # a claimed row is not picked up again for this long
MAX_BACKOFF = timedelta(hours=1)
DELIVERY_TIMEOUT = 30.0  # seconds one delivery (a message and its files) may take before it counts as failed
STUCK_AFTER = timedelta(minutes=15)  # a message still waiting after this long is "stuck" (/healthz, the CLI)


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


class PlatformUnavailable(Exception):
    """Raised by an adapter when the platform itself is not working (a server error, a time-out, a refused
    connection), as opposed to refusing one message. The sender stops calling that platform for the rest of
    the flush. The message is a short description ("HTTP 503", "timed out", "unreachable"), never a token or
    a message's text."""


# Failures that say the platform (or the way to it) is down, whichever adapter raised them.
DOWN = (PlatformUnavailable, TimeoutError, OSError, aiohttp.ClientConnectionError)


def describe(exc: BaseException) -> str:
    """A failure as stored in `last_error` and shown by `panelbot outbox list`: our own exceptions' short
    messages (a platform's error code, an HTTP status), else only the exception's class, because a library's
    message can hold a URL with a token in it."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, RetryLater):
        return "RetryLater"  # when it is tried again is the row's next attempt
    if isinstance(exc, PlatformUnavailable):
        return str(exc) or "unavailable"  # "HTTP 503", "timed out", "unreachable"
    own = type(exc).__module__.startswith("bot.")
    return f"{type(exc).__name__}: {exc}" if own and str(exc) else type(exc).__name__


class Sender:
    def __init__(self, panel: Panel, adapters: list[Adapter], *, delivery_timeout: float = DELIVERY_TIMEOUT) -> None:
        self.panel = panel
        self.adapters = adapters
        self.delivery_timeout = delivery_timeout
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
        down: dict[str, str] = {}  # platform -> why it is not called again in this flush
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
                if adapter.platform in down:
                    errors.append(f"{adapter.platform}: {down[adapter.platform]}")
                    continue
                try:
                    posted = await self._posted(row, adapter.platform, target)
                    previous = posted if row.kind == "card_update" else None
                    outgoing = replace(message, card_message_id=posted) if posted and previous is None else message
                    async with asyncio.timeout(self.delivery_timeout):
                        message_id = await adapter.deliver(target, outgoing, previous)
                except Exception as exc:  # one platform failing must not stop the others
                    log.warning("delivery of outbox %s to %s failed: %s", row.id, adapter.platform, type(exc).__name__)
                    errors.append(f"{adapter.platform}: {describe(exc)}")
                    if isinstance(exc, RetryLater):
                        waits.append(exc.retry_after)
                    elif isinstance(exc, DOWN):
                        down[adapter.platform] = f"not tried, the platform was down ({describe(exc)})"
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


# Seeing what waits (`panelbot outbox list`, /healthz) -------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """An undelivered outbox row, without its text (which may hold a case's details)."""

    id: int
    kind: str
    purpose: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str | None
    delivered_to: tuple[str, ...]


def _aware(when: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything the bot stores is UTC.
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


async def waiting_messages(panel: Panel, *, older_than: timedelta = timedelta(0)) -> list[Waiting]:
    """Undelivered messages created at least `older_than` ago, oldest first."""
    cutoff = panel.now() - older_than
    async with panel.uow() as uow:
        rows = (
            await uow.session.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.kind,
                    OutboxMessage.purpose,
                    OutboxMessage.attempts,
                    OutboxMessage.created_at,
                    OutboxMessage.next_attempt_at,
                    OutboxMessage.last_error,
                    OutboxMessage.delivered_to,
                )
                .where(
                    OutboxMessage.partnership_id == panel.partnership_id,
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.created_at <= cutoff,
                )
                .order_by(OutboxMessage.id)
            )
        ).all()
    return [
        Waiting(
            id=r.id,
            kind=r.kind,
            purpose=r.purpose,
            attempts=r.attempts,
            created_at=_aware(r.created_at),
            next_attempt_at=_aware(r.next_attempt_at),
            last_error=r.last_error,
            delivered_to=tuple(r.delivered_to or ()),
        )
        for r in rows
    ]


async def outbox_summary(panel: Panel, stuck_after: timedelta = STUCK_AFTER) -> dict[str, int | None]:
    """`{"waiting": N, "stuck": M, "oldest_minutes": X}`: undelivered messages, those waiting longer than
    `stuck_after`, and the age of the oldest in whole minutes (None when nothing waits)."""
    now = panel.now()
    async with panel.uow() as uow:
        waiting, oldest = (
            await uow.session.execute(
                select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(
                    OutboxMessage.partnership_id == panel.partnership_id, OutboxMessage.sent_at.is_(None)
                )
            )
        ).one()
        stuck = (
            await uow.session.execute(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.partnership_id == panel.partnership_id,
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.created_at <= now - stuck_after,
                )
            )
        ).scalar_one()
    oldest_minutes = None if oldest is None else max(int((now - _aware(oldest)).total_seconds() // 60), 0)
    return {"waiting": int(waiting), "stuck": int(stuck), "oldest_minutes": oldest_minutes}


async def retry_now(panel: Panel, ids: list[int] | None = None) -> int:
    """Make undelivered messages (all, or those `ids`) due now, so the running bot tries them on its next
    flush instead of waiting out their backoff or a dead process's lease. Returns how many."""
    async with panel.uow() as uow:
        query = (
            update(OutboxMessage)
            .where(OutboxMessage.partnership_id == panel.partnership_id, OutboxMessage.sent_at.is_(None))
            .values(next_attempt_at=panel.now())
        )
        if ids:
            query = query.where(OutboxMessage.id.in_(ids))
        result = await uow.session.execute(query)
        await uow.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


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
