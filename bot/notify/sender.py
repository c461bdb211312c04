"""The `Sender`: claims due outbox rows in a short transaction, delivers them with no transaction open, then
records each target it reached, so that a retry never repeats a delivery that already succeeded. Failed
deliveries are retried with backoff; a platform that says 429 holds that one target (flood control), and a
platform that is down is not called again for the rest of the flush (see the package's docstring)."""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot.notify.about import about_row
from bot.notify.kinds import DOWN, Action, Adapter, Outgoing, Refused, RetryLater, backoff, describe
from bot.notify.refused import tell_bm
from bot.notify.targets import posted_id, remember_agency_message, remember_card, targets_of
from bot.service import Panel
from storage.models import OutboxMessage

# One logger for the whole package (not `__name__`): log handlers, the Telegram token redaction
# (`bot/telegram/runner.py`) and tests look for records on "bot.notify" itself.
log = logging.getLogger("bot.notify")

LEASE = timedelta(minutes=2)  # a claimed row is not picked up again for this long
RATE_LIMITED_FOR = timedelta(minutes=1)  # after a 429, a target is paced (`Adapter.target_interval`) this long
DELIVERY_TIMEOUT = 30.0  # seconds one delivery (a message and its files) may take before it counts as failed


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
            released = await uow.messages.release(ids, self.panel.now())
            await uow.commit()
        return released

    async def _claim(
        self, now: datetime, limit: int
    ) -> tuple[list[OutboxMessage], dict[str, list[tuple[Adapter, str]]]]:
        """Take the due rows for `LEASE` (another replica skips them) and look up where they go. Rows for a
        purpose whose every target is held for flood control are left where they are (`_waiting_purposes`):
        claiming them only to put them back was most of the sender's work in a burst."""
        held, paced = self._waiting_purposes(now)
        async with self.panel.uow() as uow:
            rows = await uow.messages.claim_due(now, limit, held, paced)
            for row in rows:
                row.attempts += 1
                row.next_attempt_at = now + LEASE
            targets = await targets_of(uow, self.adapters, {row.purpose for row in rows})
            await uow.commit()
        self._claimed = len(rows)
        self._in_hand.update(row.id for row in rows)
        return rows, targets

    async def _outgoing(self, row: OutboxMessage) -> Outgoing:
        """The row as every adapter shows it, rendered once: the card as it is now (an update shows the latest
        state, never an older one), and for a member, who they are."""
        card = None
        if row.kind in ("referral_card", "card_update", "decision", "escalation") and row.referral_id is not None:
            card = await self.panel.card_by_id(row.referral_id)
        recipient = None
        if row.purpose.startswith("member:"):
            member_id = int(row.purpose.partition(":")[2])
            recipient = next((f"{m.name} ({m.role_label})" for m in await self.panel.list_members()
                              if m.id == member_id), None)
        return Outgoing(
            recipient=recipient,
            kind=row.kind,
            purpose=row.purpose,
            card=card,
            text=row.body.get("text"),
            headline=row.body.get("headline"),
            actions=tuple(Action(**a) for a in row.body.get("actions", [])),
            # Files queued through the outbox are kept in its JSON body as base64: [[name, data], ...].
            files=tuple((name, base64.b64decode(data)) for name, data in row.body.get("files", [])),
            row_id=row.id,
            about=await about_row(self.panel, row) if self._want_about(row) else None,
        )

    def _want_about(self, row: OutboxMessage) -> bool:
        return any(getattr(a, "wants_about", False) for a in self.adapters)

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
            refused = list(row.refused or [])  # targets refused for good (`Refused`): never tried again
            newly_refused: list[tuple[str, str]] = []
            due = [k for k in self._purpose_keys.get(row.purpose, []) if k not in delivered and k not in refused]
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
                if key in delivered or key in refused:
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
                    posted = await posted_id(self.panel, row, adapter.platform, target)
                    previous = posted if row.kind == "card_update" else None
                    outgoing = replace(message, card_message_id=posted) if posted and previous is None else message
                    async with asyncio.timeout(self.delivery_timeout):
                        message_id = await adapter.deliver(target, outgoing, previous)
                except Exception as exc:  # one platform failing must not stop the others
                    log.warning("delivery of outbox %s to %s failed: %s", row.id, adapter.platform, type(exc).__name__,
                                extra={"request_id": row.request_id} if row.request_id else None)
                    if isinstance(exc, Refused):  # for good: recorded, the BM told, not tried again
                        refused.append(key)
                        newly_refused.append((key, describe(exc)))
                        continue
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
                    await remember_card(self.panel, row.referral_id, adapter.platform, target, message_id)
                await remember_agency_message(self.panel, row, adapter.platform, target, message_id)
            only_waits = bool(waits or holds) and len(waits) + len(holds) == len(errors)
            done += await self._record(
                row, delivered, errors, retry_after=max(waits, default=0.0) if only_waits else None,
                not_before=max(holds) if holds and only_waits else None, refused=(refused, newly_refused),
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
                await uow.messages.defer(ids, until, "waiting: the platform asked for a pause (rate limit)")
            await uow.commit()

    async def _record(
        self,
        row: OutboxMessage,
        delivered: list[str],
        errors: list[str],
        skipped: str | None = None,
        retry_after: float | None = None,
        not_before: datetime | None = None,
        refused: tuple[list[str], list[tuple[str, str]]] = ([], []),
    ) -> int:
        """Write down what became of a claimed row (`row` as claimed: its `attempts` count this try), in one
        statement; with targets newly refused for good, the business manager's notice in the same transaction.
        A row with a refused target is marked failed (`failed_at`) once its other targets are done."""
        now = self.panel.now()
        values: dict[str, object] = {"delivered_to": delivered}
        every_refused, newly_refused = refused
        if newly_refused:
            values["refused"] = every_refused
        if errors:
            values["last_error"] = "; ".join(errors)
            # When every failure was flood control, come back exactly when the platform said.
            wait = timedelta(seconds=retry_after) if retry_after is not None else backoff(row.attempts)
            values["next_attempt_at"] = max(now + wait, not_before) if not_before is not None else now + wait
        else:
            values["sent_at"] = now
            values["last_error"] = skipped or (None if delivered else "no channel is set for this message")
            if every_refused:
                values["failed_at"] = now
                values["last_error"] = "refused: " + ", ".join(every_refused)
        async with self.panel.uow() as uow:
            await uow.messages.record(row.id, values)
            if newly_refused:
                await tell_bm(uow, self.panel, row, newly_refused)
            await uow.commit()
        if newly_refused and self.panel.on_outbox is not None:
            await self.panel.on_outbox()  # the business manager's notice goes out too
        self._in_hand.discard(row.id)
        # The request that queued it (JSON logs: `request_id`), so a log service can follow a vote to its card
        # update. Never the message's text.
        log.info("outbox %s (%s to %s): %s", row.id, row.kind, row.purpose,
                 "will be tried again" if errors else ("skipped" if skipped else (
                     "failed: refused" if every_refused else "delivered")),
                 extra={"request_id": row.request_id} if row.request_id else None)
        if self.metrics is not None:
            self.metrics.recorded(row, delivered, errors)
        return 0 if errors else 1
