"""Seeing what waits (`panelbot outbox list`, `/healthz`, `/metrics`) and making it due again
(`panelbot outbox retry`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.service import Panel
from storage.uow import UnitOfWork

STUCK_AFTER = timedelta(minutes=15)  # a message still waiting after this long is "stuck" (/healthz, the CLI)


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


@dataclass(frozen=True)
class Failed:
    """An outbox row marked failed: a target refused it for good (an SMTP 5xx). Never its text."""

    id: int
    kind: str
    purpose: str
    created_at: datetime
    failed_at: datetime
    refused: tuple[str, ...]
    delivered_to: tuple[str, ...]


FAILED_SHOWN_FOR = timedelta(days=30)  # `panelbot outbox list` shows the messages that failed this recently


def _aware(when: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything the bot stores is UTC.
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


async def waiting_messages(panel: Panel, *, older_than: timedelta = timedelta(0)) -> list[Waiting]:
    """Undelivered messages created at least `older_than` ago, oldest first."""
    cutoff = panel.now() - older_than
    async with panel.uow() as uow:
        rows = await uow.messages.waiting(cutoff)
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


async def failed_messages(panel: Panel, *, within: timedelta = FAILED_SHOWN_FOR) -> list[Failed]:
    """Messages marked failed in the last `within` (a target refused them for good), oldest first."""
    async with panel.uow() as uow:
        rows = await uow.messages.failed(panel.now() - within)
    return [
        Failed(r.id, r.kind, r.purpose, _aware(r.created_at), _aware(r.failed_at), tuple(r.refused or ()),
               tuple(r.delivered_to or ()))
        for r in rows
    ]


async def waiting_and_oldest(uow: UnitOfWork) -> tuple[int, datetime | None]:
    """How many messages of the unit of work's partnership wait to be delivered, and when the oldest was queued
    (None: none)."""
    waiting, oldest = await uow.messages.waiting_and_oldest()
    return waiting, (None if oldest is None else _aware(oldest))


async def outbox_summary(panel: Panel, stuck_after: timedelta | None = None) -> dict[str, int | None]:
    """`{"waiting": N, "stuck": M, "oldest_minutes": X}`: undelivered messages, those waiting longer than
    `stuck_after` (the panel's PANELBOT_STUCK_AFTER unless given), and the age of the oldest in whole minutes
    (None when nothing waits)."""
    stuck_after = getattr(panel, "stuck_after", STUCK_AFTER) if stuck_after is None else stuck_after
    now = panel.now()
    async with panel.uow() as uow:
        waiting, oldest = await waiting_and_oldest(uow)
        stuck = await uow.messages.count_waiting_since(now - stuck_after)
    oldest_minutes = None if oldest is None else max(int((now - oldest).total_seconds() // 60), 0)
    return {"waiting": waiting, "stuck": int(stuck), "oldest_minutes": oldest_minutes}


async def retry_now(panel: Panel, ids: list[int] | None = None) -> int:
    """Make undelivered messages (all, or those `ids`) due now, so the running bot tries them on its next
    flush instead of waiting out their backoff or a dead process's lease. Returns how many."""
    async with panel.uow() as uow:
        count = await uow.messages.retry_now(panel.now(), ids)
        await uow.commit()
    return count
