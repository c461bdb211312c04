"""The decisions of a referral's later stages (`stage_decisions`, issue 21 section 1)."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Referral, StageDecision
from storage.repositories.base import Repository


class StageDecisionRepository(Repository):
    async def add(self, decision: StageDecision) -> StageDecision:
        self.session.add(decision)
        await self.session.flush()
        return decision

    async def of(self, referral: Referral) -> list[StageDecision]:
        """The referral's later-stage decisions, in the order they were made."""
        stmt = (
            select(StageDecision)
            .where(StageDecision.partnership_id == self.pid, StageDecision.referral_id == referral.id)
            .order_by(StageDecision.decided_at, StageDecision.id)
        )
        return list((await self.session.execute(stmt)).scalars())
