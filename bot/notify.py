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
from sqlalchemy import func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.logging_json import REQUEST
from bot.service import Panel
from flows.views import CardView
from storage.models import AgencyMessage, Channel, Identity, OutboxMessage, PostedMessage

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # a claimed row is not picked up again for this long
MAX_BACKOFF = timedelta(hours=1)
WAKE_WITHIN = 60.0  # the pump comes back by itself for a target's Retry-After up to this long (else the scheduler)
RATE_LIMITED_FOR = timedelta(minutes=1)  # after a 429, a target is paced (`Adapter.target_interval`) this long
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


# Every kind of message the service queues (the outbox's `kind`). An adapter shows a kind it does not know
# as a notice, but each platform is checked against all of these (tests/test_platform_contract.py).
OUTBOX_KINDS = ("referral_card", "card_update", "decision", "escalation", "notice", "request", "reminder")


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
    # Seconds between two new messages to one target once the platform has said 429 lately (0: not paced).
    target_interval: float

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None: ...


def agency_of(row: OutboxMessage) -> str | None:
    """The agency whose Mark as returned button a message to its channel carries, or None."""
    purpose = row.purpose.split(":")
    if len(purpose) < 2 or purpose[0] != "agency":
        return None
    for action in row.body.get("actions") or []:
        words = str(action.get("command", "")).split() if isinstance(action, dict) else []
        if len(words) == 3 and words[0] == "returned" and words[2] == purpose[1]:
            return purpose[1]
    return None


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
        # Flood control per target ("slack:C0123"): when the platform said 429, that target alone is left until
        # its Retry-After (`_held`); rows for it wait, in order, while every other target carries on. A target
        # that said 429 lately (`_limited`) then gets at most one new message per the adapter's `target_interval`
        # (`_paced`; card updates are not paced), so a burst to one channel does not earn a 429 per message.
        self._held: dict[str, datetime] = {}
        self._paced: dict[str, datetime] = {}
        self._limited: dict[str, datetime] = {}
        self._purpose_keys: dict[str, list[str]] = {}  # purpose -> its targets' keys when last looked up
        self._queued: dict[str, tuple[int, datetime]] = {}  # target -> the newest row waiting for it, and when
        self._deferred_until: set[datetime] = set()  # when rows held back for flood control may go
        self._claimed = 0
        self._in_hand: set[int] = set()  # rows claimed by this process whose outcome is not written yet
        self.metrics = None  # bot.metrics.Metrics when /metrics is served: told what became of each row

    async def release(self) -> int:
        """On a clean stop: rows this process claimed but did not finish (a flush cut short) are made due now,
        so another replica or the next start sends them at once instead of after the `LEASE`. Returns how
        many. Their claim is not counted as an attempt."""
        ids = sorted(self._in_hand)
        self._in_hand.clear()
        if not ids:
            return 0
        async with self.panel.uow() as uow:
            result = await uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.sent_at.is_(None))
                .values(next_attempt_at=self.panel.now(), attempts=OutboxMessage.attempts - 1)
            )
            await uow.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def _targets_of(self, s: AsyncSession, purposes: set[str]) -> dict[str, list[tuple[Adapter, str]]]:
        """Where each purpose's messages go, per running adapter (looked up in the claim's transaction)."""
        out: dict[str, list[tuple[Adapter, str]]] = {p: [] for p in purposes}
        members = {int(p.partition(":")[2]): p for p in purposes if p.startswith("member:")}
        channels = [p for p in purposes if not p.startswith("member:")]
        platforms = [a.platform for a in self.adapters if not a.reaches_everyone]
        found: dict[tuple[str, str], list[str]] = {}  # (purpose, platform) -> external ids
        if platforms and purposes:
            if members:
                rows = await s.execute(
                    select(Identity.member_id, Identity.platform, Identity.external_id)
                    .where(Identity.member_id.in_(list(members)), Identity.platform.in_(platforms))
                    .order_by(Identity.id)
                )
                for member_id, platform, ext in rows:
                    found.setdefault((members[member_id], platform), []).append(ext)
            if channels:
                rows = await s.execute(
                    select(Channel.purpose, Channel.platform, Channel.external_id)
                    .where(
                        Channel.partnership_id == self.panel.partnership_id,
                        Channel.purpose.in_(channels),
                        Channel.platform.in_(platforms),
                    )
                    .order_by(Channel.id)
                )
                for purpose, platform, ext in rows:
                    found.setdefault((purpose, platform), []).append(ext)
        for purpose in purposes:
            for adapter in self.adapters:
                if adapter.reaches_everyone:
                    out[purpose].append((adapter, purpose))
                else:
                    out[purpose].extend((adapter, ext) for ext in found.get((purpose, adapter.platform), []))
        return out

    async def _claim(
        self, now: datetime, limit: int
    ) -> tuple[list[OutboxMessage], dict[str, list[tuple[Adapter, str]]]]:
        """Take the due rows for `LEASE` (another replica skips them) and look up where they go. Rows for a
        purpose whose every target is held for flood control are left where they are (`_waiting_purposes`):
        claiming them only to put them back was most of the sender's work in a burst."""
        held, paced = self._waiting_purposes(now)
        async with self.panel.uow() as uow:
            rows = list(
                (
                    await uow.session.execute(
                        select(OutboxMessage)
                        .where(
                            OutboxMessage.partnership_id == self.panel.partnership_id,
                            OutboxMessage.sent_at.is_(None),
                            OutboxMessage.next_attempt_at <= now,
                            OutboxMessage.purpose.not_in(held) if held else true(),
                            ~(OutboxMessage.purpose.in_(paced) & (OutboxMessage.kind != "card_update"))
                            if paced
                            else true(),
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
            targets = await self._targets_of(uow.session, {row.purpose for row in rows})
            await uow.commit()
        self._claimed = len(rows)
        self._in_hand.update(row.id for row in rows)
        return rows, targets

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
            done = await self._flush(limit)
            while self._claimed >= limit:  # more were due than one claim takes: carry on, oldest first
                done += await self._flush(limit)
            return done

    def _hold(self, key: str, kind: str, now: datetime, row_id: int) -> datetime | None:
        """Until when this target must be left alone for flood control (None: call it now). `now` is when the
        rows were claimed: a hold ending during a flush still holds, so a row claimed later can never overtake an
        earlier row to the same target that is waiting out the hold. A card update is not paced: it edits."""
        holds = [self._held.get(key)]
        if kind != "card_update":
            holds.append(self._paced.get(key))
            tail = self._queued.get(key)
            if tail is not None and row_id > tail[0]:  # newer than the rows already queued: after the last
                holds.append(tail[1] + timedelta(seconds=self._pace_of(key)))
        return max((h for h in holds if h is not None and h > now), default=None)

    def _waiting_purposes(self, now: datetime) -> tuple[list[str], list[str]]:
        """The purposes whose every known target is held after a 429 (no row of theirs may go yet), and those
        whose every target is held or paced (only a card update, which edits, may go). The pump wakes when the
        first of these ends (`next_wake`)."""
        held, paced = [], []
        for purpose, keys in self._purpose_keys.items():
            if not keys:
                continue
            if all(self._held.get(k, now) > now for k in keys):
                held.append(purpose)
            elif all(max(self._held.get(k, now), self._paced.get(k, now)) > now for k in keys):
                paced.append(purpose)
        return held, paced

    def _pace_of(self, key: str) -> float:
        platform = key.partition(":")[0]
        return next((a.target_interval for a in self.adapters if a.platform == platform), 0.0)

    def _queue(self, keys: list[str], row_id: int, kind: str, until: datetime) -> None:
        """Remember the newest row queued behind each held target, so the next one is given the slot after it
        (one a `target_interval` apart) and is not claimed again and again before its time."""
        if kind == "card_update":
            return
        for key in keys:
            tail = self._queued.get(key)
            if tail is None or row_id > tail[0]:
                self._queued[key] = (row_id, until)

    def next_wake(self) -> datetime | None:
        """When the first target now held for flood control may be called again (None: none is held)."""
        now = self.panel.now()
        for held in (self._held, self._paced):
            for key in [k for k, until in held.items() if until <= now]:
                del held[key]
        self._deferred_until = {until for until in self._deferred_until if until > now}
        return min([*self._held.values(), *self._paced.values(), *self._deferred_until], default=None)

    async def _flush(self, limit: int) -> int:
        now = self.panel.now()
        done = 0
        down: dict[str, str] = {}  # platform -> why it is not called again in this flush
        waiting: dict[datetime, list[int]] = {}  # rows whose every target is held, by when they may go
        slots: dict[str, datetime] = {}  # target -> when the last row held for it in this flush may go
        rows, targets_of = await self._claim(now, limit)  # purpose -> targets, looked up with the claim
        for purpose, targets in targets_of.items():
            self._purpose_keys[purpose] = [f"{a.platform}:{t}" for a, t in targets]
        for row in rows:
            delivered = list(row.delivered_to or [])
            due = [k for k in self._purpose_keys.get(row.purpose, []) if k not in delivered]
            held_until = [self._hold(key, row.kind, now, row.id) for key in due]
            if due and all(held_until):  # flood control: it waits behind the earlier rows to the same targets
                until = max(h for h in held_until if h is not None)
                if row.kind != "card_update":  # one slot a `target_interval` after the row before it
                    until = max([until, *(slots[k] + timedelta(seconds=self._pace_of(k)) for k in due if k in slots)])
                    slots.update(dict.fromkeys(due, until))
                waiting.setdefault(until, []).append(row.id)
                self._queue(due, row.id, row.kind, until)
                continue
            errors: list[str] = []
            waits: list[float] = []  # flood control: seconds each rate-limited target asked for
            holds: list[datetime] = []  # flood control: until when targets held from earlier 429s must wait
            if row.kind in ("reminder", "escalation") and not await self.panel.still_wanted(row.body):
                done += await self._record(row, delivered, [], skipped="not needed any more: already done")
                continue
            message = await self._outgoing(row)
            for adapter, target in targets_of[row.purpose]:
                key = f"{adapter.platform}:{target}"
                if key in delivered:
                    continue
                if adapter.platform in down:
                    errors.append(f"{adapter.platform}: {down[adapter.platform]}")
                    continue
                held = self._hold(key, row.kind, now, row.id)
                if held is not None:  # flood control: not asked before the platform said; later rows wait behind
                    errors.append(f"{adapter.platform}: RetryLater: waiting as the platform asked")
                    holds.append(held)
                    continue
                try:
                    posted = await self._posted(row, adapter.platform, target)
                    previous = posted if row.kind == "card_update" else None
                    outgoing = replace(message, card_message_id=posted) if posted and previous is None else message
                    async with asyncio.timeout(self.delivery_timeout):
                        message_id = await adapter.deliver(target, outgoing, previous)
                except Exception as exc:  # one platform failing must not stop the others
                    log.warning("delivery of outbox %s to %s failed: %s", row.id, adapter.platform, type(exc).__name__,
                                extra={"request_id": row.request_id} if row.request_id else None)
                    errors.append(f"{adapter.platform}: {describe(exc)}")
                    if isinstance(exc, RetryLater):
                        waits.append(exc.retry_after)
                        self._held[key] = self._limited[key] = self.panel.now()
                        self._held[key] += timedelta(seconds=exc.retry_after)
                    elif isinstance(exc, DOWN):
                        down[adapter.platform] = f"not tried, the platform was down ({describe(exc)})"
                    continue
                delivered.append(key)
                pace = adapter.target_interval
                lately = self._limited.get(key, now - RATE_LIMITED_FOR) > now - RATE_LIMITED_FOR
                if pace and lately and row.kind != "card_update":  # it said 429 lately: one new message per pace
                    self._paced[key] = self.panel.now() + timedelta(seconds=pace)
                if message_id and row.kind == "referral_card" and row.referral_id is not None:
                    await self._remember(row.referral_id, adapter.platform, target, message_id)
                await self._remember_agency_message(row, adapter.platform, target, message_id)
            only_waits = bool(waits or holds) and len(waits) + len(holds) == len(errors)
            done += await self._record(
                row, delivered, errors, retry_after=max(waits, default=0.0) if only_waits else None,
                not_before=max(holds) if holds and only_waits else None,
            )
        await self._defer(waiting)
        return done

    async def _defer(self, waiting: dict[datetime, list[int]]) -> None:
        """Put back rows held for flood control, one statement per hold: the platform was not called, so it
        is not counted as an attempt."""
        if not waiting:
            return
        now = self.panel.now()
        self._deferred_until = {until for until in self._deferred_until if until > now} | set(waiting)  # `next_wake`
        for ids in waiting.values():
            self._in_hand.difference_update(ids)
        async with self.panel.uow() as uow:
            for until, ids in waiting.items():
                await uow.session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids))
                    .values(
                        next_attempt_at=until,
                        attempts=OutboxMessage.attempts - 1,
                        last_error="waiting: the platform asked for a pause (rate limit)",
                    )
                )
            await uow.commit()

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

    async def _remember_agency_message(
        self, row: OutboxMessage, platform: str, channel: str, message_id: object
    ) -> None:
        """A message with Mark as returned delivered to an agency's channel (`agency:NAME`, or its lead's
        `agency:NAME:lead`): where it went and its id, the only place that button counts as the agency's
        (`flows.returns`)."""
        agency = agency_of(row)
        if agency is None or not message_id or row.referral_id is None:
            return
        async with self.panel.uow() as uow:
            known = (
                await uow.session.execute(
                    select(AgencyMessage.id).where(
                        AgencyMessage.partnership_id == self.panel.partnership_id,
                        AgencyMessage.platform == platform,
                        AgencyMessage.channel == channel,
                        AgencyMessage.message_id == str(message_id),
                    )
                )
            ).scalar_one_or_none()
            if known is None:
                uow.session.add(
                    AgencyMessage(
                        partnership_id=self.panel.partnership_id,
                        referral_id=row.referral_id,
                        agency=agency,
                        platform=platform,
                        channel=channel,
                        message_id=str(message_id),
                        delivered_at=self.panel.now(),
                    )
                )
            await uow.commit()

    async def _record(
        self,
        row: OutboxMessage,
        delivered: list[str],
        errors: list[str],
        skipped: str | None = None,
        retry_after: float | None = None,
        not_before: datetime | None = None,
    ) -> int:
        """Write down what became of a claimed row (`row` as claimed: its `attempts` count this try), in one
        statement."""
        now = self.panel.now()
        values: dict[str, object] = {"delivered_to": delivered}
        if errors:
            values["last_error"] = "; ".join(errors)
            # When every failure was flood control, come back exactly when the platform said.
            wait = timedelta(seconds=retry_after) if retry_after is not None else backoff(row.attempts)
            values["next_attempt_at"] = max(now + wait, not_before) if not_before is not None else now + wait
        else:
            values["sent_at"] = now
            values["last_error"] = skipped or (None if delivered else "no channel is set for this message")
        async with self.panel.uow() as uow:
            await uow.session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values))
            await uow.commit()
        self._in_hand.discard(row.id)
        # The request that queued it (JSON logs: `request_id`), so a log service can follow a vote to its card
        # update. Never the message's text.
        log.info("outbox %s (%s to %s): %s", row.id, row.kind, row.purpose,
                 "will be tried again" if errors else ("skipped" if skipped else "delivered"),
                 extra={"request_id": row.request_id} if row.request_id else None)
        if self.metrics is not None:
            self.metrics.recorded(row, delivered, errors)
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


async def outbox_summary(panel: Panel, stuck_after: timedelta | None = None) -> dict[str, int | None]:
    """`{"waiting": N, "stuck": M, "oldest_minutes": X}`: undelivered messages, those waiting longer than
    `stuck_after` (the panel's PANELBOT_STUCK_AFTER unless given), and the age of the oldest in whole minutes
    (None when nothing waits)."""
    stuck_after = getattr(panel, "stuck_after", STUCK_AFTER) if stuck_after is None else stuck_after
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
