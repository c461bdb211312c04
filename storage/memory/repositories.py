"""In-memory stand-ins for `storage.repositories`: the same classes' methods, with the same names, arguments
and answers, over a `MemoryStore` (tests/unit/test_memory_record.py checks the signatures match). Each one
does in Python what its real twin's query does in SQL; locks (`lock=True`, SKIP LOCKED) have nothing to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from flows.referrals import OPEN_STATUSES, Status
from storage.memory.base import MemoryRepository, is_open, soonest
from storage.memory.complaints import ComplaintRepository
from storage.memory.delivery import ConversationRepository, OutboxRepository, PostedMessageRepository
from storage.memory.events import AgendaReads, ScheduledEventRepository, StoppedClockRepository
from storage.memory.milestones import MilestoneRepository
from storage.memory.records import (
    AgencyMessageRepository,
    ContactRepository,
    DisagreementRepository,
    InfoRequestRepository,
    OutboxReads,
    RecordReads,
    StuckNoticeRepository,
)
from storage.memory.stages import StageDecisionRepository
from storage.memory.store import MemoryStore
from storage.models import (
    Ballot,
    Channel,
    Deadline,
    Identity,
    Member,
    Partnership,
    Referral,
    ReminderLog,
    Vote,
)


class ReferralRepository(MemoryRepository):
    async def by_reference(self, reference: str, *, lock: bool = False) -> Referral | None:
        return next((r for r in self.ours(Referral) if r.reference == reference), None)

    async def get(self, referral_id: int) -> Referral | None:
        row = self.store.get(Referral, referral_id)
        return row if row is not None and row.partnership_id == self.pid else None

    async def by_ids(self, ids: Sequence[int]) -> list[Referral]:
        return [r for r in self.store.all(Referral) if r.id in set(ids)]

    async def next_number(self, year: int) -> int:
        return max((r.number for r in self.ours(Referral) if r.year == year), default=0) + 1

    async def add(self, referral: Referral) -> Referral:
        return self.store.insert(referral)

    async def holds_ending(self, now: datetime) -> list[Referral]:
        return [
            r for r in self.ours(Referral)
            if r.status == Status.ON_HOLD and r.hold_until is not None and r.hold_until <= now
        ]

    async def on_hold(self) -> list[Referral]:
        return [r for r in self.ours(Referral) if r.status == Status.ON_HOLD]

    async def waiting(self, referral_id: int | None = None) -> list[Referral]:
        if referral_id is not None:
            return [r for r in self.ours(Referral) if r.id == referral_id]
        running = {d.referral_id for d in self.store.all(Deadline) if is_open(d)}
        open_ = {s.value for s in OPEN_STATUSES}
        return [
            r for r in self.ours(Referral)
            if r.status in open_ or (r.status == Status.DECIDED.value and r.id in running)
        ]


class PartnershipRepository(MemoryRepository):
    async def get(self, *, lock: bool = False) -> Partnership | None:
        return self.store.get(Partnership, self.pid)

    async def by_preset(self, preset_id: str) -> Partnership | None:
        return next((p for p in self.store.all(Partnership) if p.preset_id == preset_id), None)

    async def add(self, partnership: Partnership) -> Partnership:
        return self.store.insert(partnership)


class BallotRepository(MemoryRepository):
    async def current(self, referral: Referral, *, lock: bool = False) -> Ballot | None:
        rounds = [b for b in self.store.all(Ballot) if b.referral_id == referral.id]
        return max(rounds, key=lambda b: b.round, default=None)

    async def get(self, ballot_id: int) -> Ballot | None:
        row = self.store.get(Ballot, ballot_id)
        return row if row is not None and row.partnership_id == self.pid else None

    async def add(self, ballot: Ballot) -> Ballot:
        return self.store.insert(ballot)

    async def due_for_closing(self, now: datetime) -> list[tuple[Referral, Ballot]]:
        out = []
        for referral in self.ours(Referral):
            if referral.status != Status.WITH_PANEL:
                continue
            for ballot in self.store.all(Ballot):
                if ballot.referral_id == referral.id and ballot.closed_at is None and ballot.deadline_at <= now:
                    out.append((referral, ballot))
        return out


class VoteRepository(MemoryRepository):
    async def current(self, ballot: Ballot) -> list[Vote]:
        return [v for v in self.store.all(Vote) if v.ballot_id == ballot.id and v.is_current]

    async def delivered_or_current(self, delivery_key: str, ballot: Ballot | None) -> list[Vote]:
        return [
            v for v in self.store.all(Vote)
            if v.delivery_key == delivery_key or (ballot is not None and v.ballot_id == ballot.id and v.is_current)
        ]

    async def add(self, vote: Vote, *, replacing: Vote | None = None) -> Vote:
        if replacing is not None:
            replacing.is_current = False
        if vote.is_current and any(
            v.is_current and v.ballot_id == vote.ballot_id and v.member_id == vote.member_id
            for v in self.store.all(Vote)
        ):
            raise AssertionError("two current votes for one member on one ballot (the database refuses this)")
        return self.store.insert(vote)

    async def reasons_for(self, ballot: Ballot, outcome: str) -> list[str | None]:
        return [v.reason for v in await self.current(ballot) if v.outcome == outcome]


class MemberRepository(MemoryRepository):
    async def get(self, member_id: int) -> Member | None:
        return self.store.get(Member, member_id)

    async def active(self) -> list[Member]:
        return [m for m in self.ours(Member) if m.removed_at is None]

    async def everyone(self) -> list[Member]:
        return self.ours(Member)

    async def by_name(self, name_key: str) -> Member | None:
        return next((m for m in await self.active() if m.name_key == name_key), None)

    async def by_platform_id(self, platform: str, external_id: str) -> Member | None:
        identity = await self.identity(platform, external_id)
        member = self.store.get(Member, identity.member_id) if identity is not None else None
        return member if member is not None and member.removed_at is None else None

    async def active_and_account(self, platform: str, external_id: str) -> tuple[list[Member], Member | None]:
        members = await self.active()
        found = await self.by_platform_id(platform, external_id)
        return members, (found if found in members else None)

    async def names(self, ids: Sequence[int]) -> list[tuple[int, str, str]]:
        return [(m.id, m.name, m.role) for m in self.ours(Member) if m.id in set(ids)]

    async def add(self, member: Member) -> Member:
        self.store.insert(member)
        for identity in member.identities:
            identity.member_id = member.id
            self.store.insert(identity)
        return member

    async def identity(self, platform: str, external_id: str) -> Identity | None:
        return next(
            (i for i in self.ours(Identity) if i.platform == platform and i.external_id == external_id), None
        )

    async def identities(self) -> list[Identity]:
        return self.ours(Identity)

    async def accounts_on(self, member_ids: Sequence[int], platforms: Sequence[str]) -> list[tuple[int, str, str]]:
        return [
            (i.member_id, i.platform, i.external_id)
            for i in self.store.all(Identity) if i.member_id in set(member_ids) and i.platform in set(platforms)
        ]

    async def remove_identities(self, member: Member) -> list[Identity]:
        gone = [i for i in self.store.all(Identity) if i.member_id == member.id]
        for identity in gone:
            self.store.delete(identity)
        return gone


class ChannelRepository(MemoryRepository):
    async def get(self, purpose: str, platform: str) -> Channel | None:
        found = await self.of_platform(purpose, platform)
        return found[0] if found else None

    async def of_platform(self, purpose: str, platform: str) -> list[Channel]:
        return sorted((c for c in self.ours(Channel) if c.purpose == purpose and c.platform == platform),
                      key=lambda c: c.id)

    async def add(self, channel: Channel) -> Channel:
        return self.store.insert(channel)

    async def remove(self, channel: Channel) -> None:
        self.store.delete(channel)

    async def all(self) -> list[Channel]:
        return sorted(self.ours(Channel), key=lambda c: (c.purpose, c.platform, c.id))

    async def purposes(self) -> set[str]:
        return {c.purpose for c in self.ours(Channel)}

    async def on_platforms(self, purposes: Sequence[str], platforms: Sequence[str]) -> list[tuple[str, str, str]]:
        return [
            (c.purpose, c.platform, c.external_id)
            for c in self.ours(Channel) if c.purpose in set(purposes) and c.platform in set(platforms)
        ]

    async def of_purposes(self, purposes: Sequence[str]) -> list[tuple[str, str, str]]:
        return [(c.purpose, c.platform, c.external_id) for c in self.ours(Channel) if c.purpose in set(purposes)]


class DeadlineRepository(MemoryRepository):
    async def get(self, deadline_id: int) -> Deadline | None:
        return self.store.get(Deadline, deadline_id)

    async def add(self, deadline: Deadline) -> Deadline:
        return self.store.insert(deadline)

    async def running(self, referral: Referral, clock_ids: Iterable[str] | None = None) -> list[Deadline]:
        wanted = None if clock_ids is None else set(clock_ids)
        return soonest(
            d for d in self.store.all(Deadline)
            if d.referral_id == referral.id and is_open(d) and (wanted is None or d.clock_id in wanted)
        )

    async def was_met(self, referral: Referral, clock_id: str) -> bool:
        return any(
            d.referral_id == referral.id and d.clock_id == clock_id and d.done_at is not None
            for d in self.store.all(Deadline)
        )

    async def latest(self, referral: Referral, clock_id: str) -> Deadline | None:
        return next(
            (
                d for d in reversed(self.store.all(Deadline))
                if d.referral_id == referral.id and d.clock_id == clock_id and d.cancelled_at is None
            ),
            None,
        )

    async def open(self, referral_ids: Sequence[int] | None = None) -> list[Deadline]:
        wanted = None if referral_ids is None else set(referral_ids)
        return soonest(d for d in self.ours(Deadline) if is_open(d) and (wanted is None or d.referral_id in wanted))

    async def due_between(
        self, clock_ids: Iterable[str], start: datetime, until: datetime, *, lock: bool = False
    ) -> list[tuple[Deadline, Referral]]:
        wanted = set(clock_ids)
        rows = soonest(d for d in self.ours(Deadline)
                       if is_open(d) and d.clock_id in wanted and start <= d.due_at < until)
        return [(d, self.store.get(Referral, d.referral_id)) for d in rows]

    async def overdue_count(self, now: datetime) -> int:
        return sum(1 for d in self.ours(Deadline) if is_open(d) and d.due_at < now)

    async def reminders_due(self, now: datetime, limit: int | None) -> list[Deadline]:
        due = sorted(
            (d for d in self.ours(Deadline) if is_open(d) and d.next_reminder_at and d.next_reminder_at <= now),
            key=lambda d: (d.next_reminder_at, d.id),
        )
        return due if limit is None else due[:limit]

    async def upcoming(self, before: datetime | None = None) -> list[tuple[Deadline, Referral]]:
        rows = sorted(
            (
                d for d in self.ours(Deadline)
                if is_open(d) and d.next_reminder_at is not None and (before is None or d.next_reminder_at <= before)
            ),
            key=lambda d: (d.next_reminder_at, d.id),
        )
        return [(d, self.store.get(Referral, d.referral_id)) for d in rows]

    async def next_reminder_time(self) -> datetime | None:
        return min((d.next_reminder_at for d in self.ours(Deadline) if is_open(d) and d.next_reminder_at), default=None)


class ReminderLogRepository(MemoryRepository):
    async def record_once(self, entry: ReminderLog) -> bool:
        if any(r.key == entry.key for r in self.store.all(ReminderLog)):
            return False
        self.store.insert(entry)
        return True


MEMORY: dict[str, type] = {
    "partnerships": PartnershipRepository,
    "referrals": ReferralRepository,
    "ballots": BallotRepository,
    "votes": VoteRepository,
    "members": MemberRepository,
    "channels": ChannelRepository,
    "deadlines": DeadlineRepository,
    "reminder_log": ReminderLogRepository,
    "requests": InfoRequestRepository,
    "contacts": ContactRepository,
    "agency_messages": AgencyMessageRepository,
    "disagreements": DisagreementRepository,
    "complaints": ComplaintRepository,
    "records": RecordReads,
    "undelivered": OutboxReads,
    "stuck_notices": StuckNoticeRepository,
    "messages": OutboxRepository,
    "posted": PostedMessageRepository,
    "conversations": ConversationRepository,
    "events": ScheduledEventRepository,
    "stopped_clocks": StoppedClockRepository,
    "agenda": AgendaReads,
    "stage_decisions": StageDecisionRepository,
    "milestones": MilestoneRepository,
}


def open_memory_repositories(uow: object, store: MemoryStore, partnership_id: int | None) -> None:
    """Give a unit of work its repositories, as the real one's attributes (`storage.repositories.REPOSITORIES`)."""
    for name, cls in MEMORY.items():
        setattr(uow, name, cls(store, partnership_id))
