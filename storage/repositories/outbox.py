"""Reads of the outbox for the stuck-message sweep, and the record of what the business manager was told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.exc import IntegrityError

from storage.models import OutboxMessage, StuckNotice
from storage.repositories.base import Repository


class OutboxReads(Repository):
    async def failing(self, limit: int) -> list[Row[Any]]:
        """(purpose, created_at, last_error) of undelivered messages whose last attempt failed, oldest first."""
        return list(
            (
                await self.session.execute(
                    select(OutboxMessage.purpose, OutboxMessage.created_at, OutboxMessage.last_error)
                    .where(
                        OutboxMessage.partnership_id == self.pid,
                        OutboxMessage.sent_at.is_(None),
                        OutboxMessage.last_error.is_not(None),
                    )
                    .order_by(OutboxMessage.id)
                    .limit(limit)
                )
            ).all()
        )


class StuckNoticeRepository(Repository):
    async def last_told(self, purposes: Sequence[str]) -> list[tuple[str, str, datetime]]:
        """(purpose, platform, when last told) for targets of these purposes."""
        rows = await self.session.execute(
            select(StuckNotice.purpose, StuckNotice.platform, func.max(StuckNotice.told_at))
            .where(StuckNotice.partnership_id == self.pid, StuckNotice.purpose.in_(list(purposes)))
            .group_by(StuckNotice.purpose, StuckNotice.platform)
        )
        return [(purpose, platform, at) for purpose, platform, at in rows]

    async def record_once(self, notice: StuckNotice) -> bool:
        """Record a notice; False (and nothing written) when this target was told on this day already."""
        try:
            async with self.session.begin_nested():
                self.session.add(notice)
        except IntegrityError:  # told today already, by another sweep
            return False
        return True
