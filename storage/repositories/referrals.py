"""Referrals, and the partnership row they are numbered under."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from flows.referrals import OPEN_STATUSES, Status
from storage.models import Deadline, Partnership, Referral
from storage.repositories.base import Repository


class ReferralRepository(Repository):
    async def by_reference(self, reference: str, *, lock: bool = False) -> Referral | None:
        """The referral with this (normalised) reference. `lock` holds its row until the transaction ends."""
        stmt = select(Referral).where(Referral.partnership_id == self.pid, Referral.reference == reference)
        if lock:
            # FOR NO KEY UPDATE: serialises commands on this referral, yet never blocks the key-share lock that
            # inserting a row pointing at it takes (a reminder's outbox row), which would deadlock (issue 9).
            stmt = stmt.with_for_update(key_share=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get(self, referral_id: int) -> Referral | None:
        """The referral with this row id, if it is this partnership's."""
        row = await self.session.get(Referral, referral_id)
        return row if row is not None and row.partnership_id == self.pid else None

    async def by_ids(self, ids: Sequence[int]) -> list[Referral]:
        return list((await self.session.execute(select(Referral).where(Referral.id.in_(list(ids))))).scalars())

    async def next_number(self, year: int) -> int:
        """The next referral number of `year`. Two filings at the same moment (two BMs, or two replicas) must not
        take the same number: the partnership row is held while numbering. SQLite's write transactions already
        run one at a time."""
        await self.session.execute(
            select(Partnership.id).where(Partnership.id == self.pid).with_for_update(key_share=True)
        )
        last = (
            await self.session.execute(
                select(func.max(Referral.number)).where(Referral.partnership_id == self.pid, Referral.year == year)
            )
        ).scalar()
        return (last or 0) + 1

    async def add(self, referral: Referral) -> Referral:
        self.session.add(referral)
        await self.session.flush()
        return referral

    async def holds_ending(self, now: datetime) -> list[Referral]:
        """Referrals held until a time that has come, row-locked; one another process holds is skipped."""
        return list(
            (
                await self.session.execute(
                    select(Referral).where(
                        Referral.partnership_id == self.pid,
                        Referral.status == Status.ON_HOLD,
                        Referral.hold_until.is_not(None),
                        Referral.hold_until <= now,
                    )
                    .with_for_update(skip_locked=True, key_share=True)  # two replicas never resume one hold
                )
            ).scalars()
        )

    async def on_hold(self) -> list[Referral]:
        return list(
            (
                await self.session.execute(
                    select(Referral)
                    .where(Referral.partnership_id == self.pid, Referral.status == Status.ON_HOLD)
                    .order_by(Referral.id)
                )
            ).scalars()
        )

    async def waiting(self, referral_id: int | None = None) -> list[Referral]:
        """One referral (by id), or every one still waiting on someone: open referrals, and decided ones whose
        follow-up clocks (requests out to agencies, the National Panel notice...) still run."""
        stmt = select(Referral).where(Referral.partnership_id == self.pid).order_by(Referral.id)
        if referral_id is not None:
            stmt = stmt.where(Referral.id == referral_id)
        else:
            following_up = (
                select(Deadline.id)
                .where(
                    Deadline.referral_id == Referral.id,
                    Deadline.done_at.is_(None),
                    Deadline.cancelled_at.is_(None),
                )
                .exists()
            )
            stmt = stmt.where(
                Referral.status.in_([s.value for s in OPEN_STATUSES])
                | ((Referral.status == Status.DECIDED.value) & following_up)
            )
        return list((await self.session.execute(stmt)).scalars())


class PartnershipRepository(Repository):
    async def get(self, *, lock: bool = False) -> Partnership | None:
        """This unit of work's partnership; `lock` holds its row (FOR NO KEY UPDATE) until the end."""
        if lock:
            return await self.session.get(Partnership, self.pid, with_for_update={"key_share": True})
        return await self.session.get(Partnership, self.pid)

    async def by_preset(self, preset_id: str) -> Partnership | None:
        return (
            await self.session.execute(select(Partnership).where(Partnership.preset_id == preset_id))
        ).scalar_one_or_none()

    async def add(self, partnership: Partnership) -> Partnership:
        self.session.add(partnership)
        await self.session.flush()
        return partnership
