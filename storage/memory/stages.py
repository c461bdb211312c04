"""In-memory twin of `storage.repositories.stages`: the decisions of a referral's later stages."""

from __future__ import annotations

from storage.memory.base import MemoryRepository
from storage.models import Referral, StageDecision


class StageDecisionRepository(MemoryRepository):
    async def add(self, decision: StageDecision) -> StageDecision:
        if any(d.referral_id == decision.referral_id and d.stage == decision.stage for d in self.ours(StageDecision)):
            raise ValueError("a referral has one decision at each stage")  # the database's unique constraint
        return self.store.insert(decision)

    async def of(self, referral: Referral) -> list[StageDecision]:
        rows = [d for d in self.ours(StageDecision) if d.referral_id == referral.id]
        return sorted(rows, key=lambda d: (d.decided_at, d.id))
