"""Deadlines (running clocks, with their reminder state in columns) and the log of reminders sent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage.models import Deadline, Referral, ReminderLog
from storage.repositories.base import Repository


class DeadlineRepository(Repository):
    async def get(self, deadline_id: int) -> Deadline | None:
        return await self.session.get(Deadline, deadline_id)

    async def add(self, deadline: Deadline) -> Deadline:
        self.session.add(deadline)
        await self.session.flush()
        return deadline

    async def running(self, referral: Referral, clock_ids: Iterable[str] | None = None) -> list[Deadline]:
        """The referral's clocks still running (neither met nor cancelled), soonest first."""
        stmt = select(Deadline).where(
            Deadline.referral_id == referral.id, Deadline.done_at.is_(None), Deadline.cancelled_at.is_(None)
        )
        if clock_ids is not None:
            stmt = stmt.where(Deadline.clock_id.in_(list(clock_ids)))
        return list((await self.session.execute(stmt.order_by(Deadline.due_at, Deadline.id))).scalars())

    async def was_met(self, referral: Referral, clock_id: str) -> bool:
        """Whether the referral's clock has been met (any of its instances)."""
        stmt = select(Deadline.id).where(
            Deadline.referral_id == referral.id, Deadline.clock_id == clock_id, Deadline.done_at.is_not(None)
        )
        return (await self.session.execute(stmt.limit(1))).first() is not None

    async def latest(self, referral: Referral, clock_id: str) -> Deadline | None:
        """The referral's latest instance of the clock not cancelled, running or met."""
        stmt = (
            select(Deadline)
            .where(Deadline.referral_id == referral.id, Deadline.clock_id == clock_id, Deadline.cancelled_at.is_(None))
            .order_by(Deadline.id.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def open(self, referral_ids: Sequence[int] | None = None) -> list[Deadline]:
        """The partnership's open deadlines (of these referrals), soonest first."""
        stmt = (
            select(Deadline)
            .where(
                Deadline.partnership_id == self.pid,
                Deadline.done_at.is_(None),
                Deadline.cancelled_at.is_(None),
            )
            .order_by(Deadline.due_at, Deadline.id)  # the same order on every database when two fall due together
        )
        if referral_ids is not None:
            stmt = stmt.where(Deadline.referral_id.in_(list(referral_ids)))
        return list((await self.session.execute(stmt)).scalars())

    async def due_between(
        self, clock_ids: Iterable[str], start: datetime, until: datetime, *, lock: bool = False
    ) -> list[tuple[Deadline, Referral]]:
        """The partnership's open deadlines of these clocks due in [start, until) (a day: the clocks counted to a
        monthly panel), soonest first, with their referrals; with `lock`, the deadline rows are locked and read
        afresh."""
        stmt = (
            select(Deadline, Referral)
            .join(Referral, Referral.id == Deadline.referral_id)
            .where(
                Deadline.partnership_id == self.pid,
                Deadline.clock_id.in_(list(clock_ids)),
                Deadline.done_at.is_(None),
                Deadline.cancelled_at.is_(None),
                Deadline.due_at >= start,
                Deadline.due_at < until,
            )
            .order_by(Deadline.due_at, Deadline.id)
        )
        if lock:  # read afresh: a row read earlier in this transaction may have changed since
            stmt = stmt.with_for_update(of=Deadline).execution_options(populate_existing=True)
        return [(d, r) for d, r in (await self.session.execute(stmt)).all()]

    async def overdue_count(self, now: datetime) -> int:
        """How many open deadlines have passed (`/metrics`)."""
        return int(
            (
                await self.session.execute(
                    select(func.count(Deadline.id)).where(
                        Deadline.partnership_id == self.pid,
                        Deadline.done_at.is_(None),
                        Deadline.cancelled_at.is_(None),
                        Deadline.due_at < now,
                    )
                )
            ).scalar_one()
        )

    async def reminders_due(self, now: datetime, limit: int | None) -> list[Deadline]:
        """Open deadlines whose next reminder time has come, row-locked with SKIP LOCKED on PostgreSQL so two
        bot processes never take the same row (on SQLite every transaction begins IMMEDIATE)."""
        return list(
            (
                await self.session.execute(
                    select(Deadline)
                    .where(
                        Deadline.partnership_id == self.pid,
                        Deadline.next_reminder_at <= now,
                        Deadline.done_at.is_(None),
                        Deadline.cancelled_at.is_(None),
                    )
                    .order_by(Deadline.next_reminder_at, Deadline.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True, key_share=True)
                )
            ).scalars()
        )

    async def upcoming(self, before: datetime | None = None) -> list[tuple[Deadline, Referral]]:
        """Open deadlines with a reminder still to come (before `before`), soonest first, with their referrals."""
        stmt = (
            select(Deadline, Referral)
            .join(Referral, Referral.id == Deadline.referral_id)
            .where(
                Deadline.partnership_id == self.pid,
                Deadline.next_reminder_at.is_not(None),
                Deadline.done_at.is_(None),
                Deadline.cancelled_at.is_(None),
            )
            .order_by(Deadline.next_reminder_at)
        )
        if before is not None:
            stmt = stmt.where(Deadline.next_reminder_at <= before)
        return [(d, r) for d, r in (await self.session.execute(stmt)).all()]

    async def next_reminder_time(self) -> datetime | None:
        return (
            await self.session.execute(
                select(Deadline.next_reminder_at)
                .where(
                    Deadline.partnership_id == self.pid,
                    Deadline.next_reminder_at.is_not(None),
                    Deadline.done_at.is_(None),
                    Deadline.cancelled_at.is_(None),
                )
                .order_by(Deadline.next_reminder_at)
                .limit(1)
            )
        ).scalar_one_or_none()


class ReminderLogRepository(Repository):
    async def record_once(self, entry: ReminderLog) -> bool:
        """Log a reminder occurrence to one recipient; False (and nothing written) when its key was logged
        already, by another sweeper: the unique key is the last line of defence against a duplicate."""
        try:
            async with self.session.begin_nested():
                self.session.add(entry)
        except IntegrityError:
            return False
        return True
