"""Ballots and their votes. Votes are append-only: a changed vote adds a row and clears `is_current` on the old."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select

from flows.referrals import Status
from storage.models import Ballot, Referral, Vote
from storage.repositories.base import Repository


class BallotRepository(Repository):
    async def current(self, referral: Referral, *, lock: bool = False) -> Ballot | None:
        """The referral's latest round, if it has been with the panel."""
        stmt = select(Ballot).where(Ballot.referral_id == referral.id).order_by(Ballot.round.desc()).limit(1)
        if lock:
            stmt = stmt.with_for_update(key_share=True)  # FOR NO KEY UPDATE, as for the referral
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get(self, ballot_id: int) -> Ballot | None:
        """The ballot with this row id, if it is this partnership's (a signed email link names one)."""
        row = await self.session.get(Ballot, ballot_id)
        return row if row is not None and row.partnership_id == self.pid else None

    async def add(self, ballot: Ballot) -> Ballot:
        self.session.add(ballot)
        await self.session.flush()
        return ballot

    async def due_for_closing(self, now: datetime) -> list[tuple[Referral, Ballot]]:
        """Open ballots whose deadline has passed, with their referrals, row-locked (`FOR NO KEY UPDATE SKIP
        LOCKED` on PostgreSQL; SQLite's transactions begin IMMEDIATE). PostgreSQL re-checks the conditions on the
        locked rows, so a ballot closed a moment ago by another process is not returned; a row a command in
        progress holds is skipped."""
        rows = await self.session.execute(
            select(Referral, Ballot)
            .join(Ballot, Ballot.referral_id == Referral.id)
            .where(
                Referral.partnership_id == self.pid,
                Referral.status == Status.WITH_PANEL,
                Ballot.closed_at.is_(None),
                Ballot.deadline_at <= now,
            )
            .order_by(Referral.id)
            .with_for_update(skip_locked=True, key_share=True)
        )
        return [(referral, ballot) for referral, ballot in rows.all()]


class VoteRepository(Repository):
    async def current(self, ballot: Ballot) -> list[Vote]:
        """The ballot's current votes and recusals, in the order they were cast."""
        stmt = select(Vote).where(Vote.ballot_id == ballot.id, Vote.is_current).order_by(Vote.id)
        return list((await self.session.execute(stmt)).scalars())

    async def delivered_or_current(self, delivery_key: str, ballot: Ballot | None) -> list[Vote]:
        """In one read: a vote this platform delivery already recorded (on any ballot), and the ballot's
        current votes."""
        mine = Vote.delivery_key == delivery_key
        either = or_(mine, and_(Vote.ballot_id == ballot.id, Vote.is_current)) if ballot else mine
        return list((await self.session.execute(select(Vote).where(either).order_by(Vote.id))).scalars())

    async def add(self, vote: Vote, *, replacing: Vote | None = None) -> Vote:
        """Append `vote` as its member's current one; `replacing` (their previous current vote) is kept as
        history. The old row stops being current first: one current row per member per ballot."""
        if replacing is not None:
            replacing.is_current = False
            await self.session.flush()
        self.session.add(vote)
        await self.session.flush()
        return vote

    async def reasons_for(self, ballot: Ballot, outcome: str) -> list[str | None]:
        """The reasons given with the ballot's current votes for `outcome`, in the order they were cast."""
        return list(
            (
                await self.session.execute(
                    select(Vote.reason)
                    .where(Vote.ballot_id == ballot.id, Vote.is_current, Vote.outcome == outcome)
                    .order_by(Vote.id)
                )
            ).scalars()
        )
