"""Milestones without a clock (`milestones`, issue 20 section 2): opened once per referral, open until done."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from storage.models import Milestone, Referral
from storage.repositories.base import Repository


class MilestoneRepository(Repository):
    async def add(self, row: Milestone) -> Milestone:
        self.session.add(row)
        await self.session.flush()
        return row

    async def one(self, referral: Referral, milestone: str, *, lock: bool = False) -> Milestone | None:
        """The referral's milestone of that id, open or done, or None."""
        stmt = select(Milestone).where(
            Milestone.partnership_id == self.pid, Milestone.referral_id == referral.id, Milestone.milestone == milestone
        )
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def open(self, referral_ids: Sequence[int] | None = None) -> list[Milestone]:
        """The milestones still to do (of these referrals, or all), oldest first."""
        stmt = select(Milestone).where(Milestone.partnership_id == self.pid, Milestone.done_at.is_(None))
        if referral_ids is not None:
            stmt = stmt.where(Milestone.referral_id.in_(list(referral_ids)))
        stmt = stmt.order_by(Milestone.opened_at, Milestone.id)
        return list((await self.session.execute(stmt)).scalars())
