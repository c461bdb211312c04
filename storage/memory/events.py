"""In-memory twins of `storage.repositories.events`: events planned or held, the clocks a return stopped, and
the reads of the monthly panel's agenda."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from flows.referrals import Status
from storage.memory.base import MemoryRepository
from storage.models import Ballot, Deadline, Referral, ScheduledEvent, StoppedClock


class ScheduledEventRepository(MemoryRepository):
    async def add(self, event: ScheduledEvent) -> ScheduledEvent:
        return self.store.insert(event)

    def _of(self, referral: Referral, status: str, event: str | None = None) -> list[ScheduledEvent]:
        return [
            e for e in self.store.all(ScheduledEvent)
            if e.referral_id == referral.id and e.status == status and (event is None or e.event == event)
        ]

    async def planned(self, referral: Referral, event: str, *, lock: bool = False) -> ScheduledEvent | None:
        found = self._of(referral, "scheduled", event)
        return found[-1] if found else None

    async def all_planned(self, referral: Referral) -> list[ScheduledEvent]:
        return sorted(self._of(referral, "scheduled"), key=lambda e: (e.at, e.id))

    async def held(self, referral: Referral, event: str) -> ScheduledEvent | None:
        return max(self._of(referral, "held", event), key=lambda e: (e.held_at, e.id), default=None)

    async def planned_of(
        self, events: Sequence[str], *, lock: bool = False
    ) -> list[tuple[ScheduledEvent, Referral]]:
        rows = sorted(
            (e for e in self.ours(ScheduledEvent) if e.status == "scheduled" and e.event in set(events)),
            key=lambda e: (e.at, e.id),
        )
        return [(e, self.store.get(Referral, e.referral_id)) for e in rows if e.referral_id is not None]

    async def planned_own(self, event: str, *, lock: bool = False) -> list[ScheduledEvent]:
        return sorted(
            (e for e in self.ours(ScheduledEvent)
             if e.referral_id is None and e.event == event and e.status == "scheduled"),
            key=lambda e: (e.at, e.id),
        )

    async def of_partnership(self, event: str, *, lock: bool = False) -> list[ScheduledEvent]:
        return sorted(
            (e for e in self.ours(ScheduledEvent) if e.referral_id is None and e.event == event),
            key=lambda e: (e.slot, e.id),
        )

    async def by_slot(self, event: str, slot: date, *, lock: bool = False) -> ScheduledEvent | None:
        return next((e for e in self.ours(ScheduledEvent) if e.event == event and e.slot == slot), None)

    async def held_between(
        self, events: Sequence[str], start: datetime | None, until: datetime | None
    ) -> list[tuple[ScheduledEvent, Referral]]:
        rows = sorted(
            (e for e in self.ours(ScheduledEvent)
             if e.status != "cancelled" and e.held_at is not None and e.event in set(events)
             and (start is None or e.held_at >= start) and (until is None or e.held_at < until)),
            key=lambda e: (e.held_at, e.id),
        )
        return [(e, self.store.get(Referral, e.referral_id)) for e in rows if e.referral_id is not None]


class StoppedClockRepository(MemoryRepository):
    async def add(self, stopped: StoppedClock) -> StoppedClock:
        return self.store.insert(stopped)

    async def waiting(self, referral: Referral) -> list[tuple[StoppedClock, Deadline]]:
        return [
            (s, self.store.get(Deadline, s.deadline_id))
            for s in self.store.all(StoppedClock) if s.referral_id == referral.id and s.restarted_at is None
        ]


def _oldest(referral: Referral) -> tuple:
    return (referral.received_at, referral.id)


class AgendaReads(MemoryRepository):
    async def with_panel(self) -> list[tuple[Referral, Ballot]]:
        rows = [
            (r, b)
            for r in sorted(self.ours(Referral), key=_oldest) if r.status == Status.WITH_PANEL
            for b in self.store.all(Ballot) if b.referral_id == r.id and b.closed_at is None
        ]
        return rows

    async def on_hold(self) -> list[Referral]:
        return sorted((r for r in self.ours(Referral) if r.status == Status.ON_HOLD), key=_oldest)
