"""Events planned or held (meetings, publication: `scheduled_events`), the clocks a return as incomplete
stopped (`stopped_clocks`), and the reads of the monthly panel's agenda (issue 21)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select

from flows.referrals import Status
from storage.models import Ballot, Deadline, Referral, ScheduledEvent, StoppedClock
from storage.repositories.base import Repository


class ScheduledEventRepository(Repository):
    async def add(self, event: ScheduledEvent) -> ScheduledEvent:
        self.session.add(event)
        await self.session.flush()
        return event

    async def planned(self, referral: Referral, event: str, *, lock: bool = False) -> ScheduledEvent | None:
        """The referral's planned (neither held nor cancelled) occurrence of `event`, the latest planned."""
        stmt = (
            select(ScheduledEvent)
            .where(
                ScheduledEvent.referral_id == referral.id,
                ScheduledEvent.event == event,
                ScheduledEvent.status == "scheduled",
            )
            .order_by(ScheduledEvent.id.desc())
            .limit(1)
        )
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def all_planned(self, referral: Referral) -> list[ScheduledEvent]:
        """Everything planned for the referral, soonest first."""
        stmt = (
            select(ScheduledEvent)
            .where(ScheduledEvent.referral_id == referral.id, ScheduledEvent.status == "scheduled")
            .order_by(ScheduledEvent.at, ScheduledEvent.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def held(self, referral: Referral, event: str) -> ScheduledEvent | None:
        """The referral's latest occurrence of `event` that happened."""
        stmt = (
            select(ScheduledEvent)
            .where(
                ScheduledEvent.referral_id == referral.id,
                ScheduledEvent.event == event,
                ScheduledEvent.status == "held",
            )
            .order_by(ScheduledEvent.held_at.desc(), ScheduledEvent.id.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def planned_of(
        self, events: Sequence[str], *, lock: bool = False
    ) -> list[tuple[ScheduledEvent, Referral]]:
        """The partnership's planned occurrences of these events (its meetings), soonest first, with referrals;
        with `lock`, the event rows are locked (the attendance sweep)."""
        stmt = (
            select(ScheduledEvent, Referral)
            .join(Referral, Referral.id == ScheduledEvent.referral_id)
            .where(
                ScheduledEvent.partnership_id == self.pid,
                ScheduledEvent.status == "scheduled",
                ScheduledEvent.event.in_(list(events)),
            )
            .order_by(ScheduledEvent.at, ScheduledEvent.id)
        )
        if lock:
            stmt = stmt.with_for_update(of=ScheduledEvent)
        return [(e, r) for e, r in (await self.session.execute(stmt)).all()]

    async def planned_own(self, event: str, *, lock: bool = False) -> list[ScheduledEvent]:
        """The partnership's own meetings of `event` (no referral: the monthly panel) still planned, neither held
        nor cancelled, soonest first; with `lock`, the rows are locked (the attendance sweep)."""
        stmt = (
            select(ScheduledEvent)
            .where(
                ScheduledEvent.partnership_id == self.pid,
                ScheduledEvent.referral_id.is_(None),
                ScheduledEvent.event == event,
                ScheduledEvent.status == "scheduled",
            )
            .order_by(ScheduledEvent.at, ScheduledEvent.id)
        )
        if lock:
            stmt = stmt.with_for_update()
        return list((await self.session.execute(stmt)).scalars())

    async def of_partnership(self, event: str, *, lock: bool = False) -> list[ScheduledEvent]:
        """The partnership's own meetings of `event` (no referral: the monthly panel), whatever their status, in
        the order of the dates the preset gave them."""
        stmt = (
            select(ScheduledEvent)
            .where(
                ScheduledEvent.partnership_id == self.pid,
                ScheduledEvent.referral_id.is_(None),
                ScheduledEvent.event == event,
            )
            .order_by(ScheduledEvent.slot, ScheduledEvent.id)
        )
        if lock:
            stmt = stmt.with_for_update()
        return list((await self.session.execute(stmt)).scalars())

    async def by_slot(self, event: str, slot: date, *, lock: bool = False) -> ScheduledEvent | None:
        """The partnership's meeting of `event` the preset gave for `slot`, if it was planned."""
        stmt = select(ScheduledEvent).where(
            ScheduledEvent.partnership_id == self.pid, ScheduledEvent.event == event, ScheduledEvent.slot == slot
        )
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def held_between(
        self, events: Sequence[str], start: datetime | None, until: datetime | None
    ) -> list[tuple[ScheduledEvent, Referral]]:
        """The partnership's meetings recorded as held (quorate or not, not cancelled) in [start, until), oldest
        first, with their referrals: the report's meeting measures."""
        stmt = (
            select(ScheduledEvent, Referral)
            .join(Referral, Referral.id == ScheduledEvent.referral_id)
            .where(
                ScheduledEvent.partnership_id == self.pid,
                ScheduledEvent.status != "cancelled",
                ScheduledEvent.held_at.is_not(None),
                ScheduledEvent.event.in_(list(events)),
            )
            .order_by(ScheduledEvent.held_at, ScheduledEvent.id)
        )
        if start is not None:
            stmt = stmt.where(ScheduledEvent.held_at >= start)
        if until is not None:
            stmt = stmt.where(ScheduledEvent.held_at < until)
        return [(e, r) for e, r in (await self.session.execute(stmt)).all()]


class StoppedClockRepository(Repository):
    async def add(self, stopped: StoppedClock) -> StoppedClock:
        self.session.add(stopped)
        await self.session.flush()
        return stopped

    async def waiting(self, referral: Referral) -> list[tuple[StoppedClock, Deadline]]:
        """The clocks a return stopped and not yet restarted, with their deadlines, in the order stopped."""
        stmt = (
            select(StoppedClock, Deadline)
            .join(Deadline, Deadline.id == StoppedClock.deadline_id)
            .where(StoppedClock.referral_id == referral.id, StoppedClock.restarted_at.is_(None))
            .order_by(StoppedClock.id)
        )
        return [(s, d) for s, d in (await self.session.execute(stmt)).all()]


class AgendaReads(Repository):
    async def with_panel(self) -> list[tuple[Referral, Ballot]]:
        """Referrals with the panel and their open ballots, oldest first."""
        stmt = (
            select(Referral, Ballot)
            .join(Ballot, Ballot.referral_id == Referral.id)
            .where(
                Referral.partnership_id == self.pid,
                Referral.status == Status.WITH_PANEL,
                Ballot.closed_at.is_(None),
            )
            .order_by(Referral.received_at, Referral.id)
        )
        return [(r, b) for r, b in (await self.session.execute(stmt)).all()]

    async def on_hold(self) -> list[Referral]:
        """Referrals on hold, oldest first (each comes back at every panel)."""
        stmt = (
            select(Referral)
            .where(Referral.partnership_id == self.pid, Referral.status == Status.ON_HOLD)
            .order_by(Referral.received_at, Referral.id)
        )
        return list((await self.session.execute(stmt)).scalars())
