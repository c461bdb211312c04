"""In-memory twin of `storage.repositories.milestones`: milestones without a clock."""

from __future__ import annotations

from collections.abc import Sequence

from storage.memory.base import MemoryRepository
from storage.models import Milestone, Referral


class MilestoneRepository(MemoryRepository):
    async def add(self, row: Milestone) -> Milestone:
        if any(m.referral_id == row.referral_id and m.milestone == row.milestone for m in self.ours(Milestone)):
            raise ValueError("a referral has each milestone once")  # the database's unique constraint
        return self.store.insert(row)

    async def one(self, referral: Referral, milestone: str, *, lock: bool = False) -> Milestone | None:
        return next(
            (m for m in self.ours(Milestone) if m.referral_id == referral.id and m.milestone == milestone), None
        )

    async def open(self, referral_ids: Sequence[int] | None = None) -> list[Milestone]:
        rows = [m for m in self.ours(Milestone) if m.done_at is None
                and (referral_ids is None or m.referral_id in set(referral_ids))]
        return sorted(rows, key=lambda m: (m.opened_at, m.id))
