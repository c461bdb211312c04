"""The record's queries, one module per concept, reached through the unit of work that owns the transaction:
`uow.referrals.by_reference(...)`, `uow.members.by_platform_id(...)`. The service asks these, never the
session, so the same commands run over `storage.memory`'s in-memory stand-ins in unit tests.

Every repository of a unit of work shares its session (one transaction) and is scoped to its partnership.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories.ballots import BallotRepository, VoteRepository
from storage.repositories.complaints import ComplaintRepository
from storage.repositories.deadlines import DeadlineRepository, ReminderLogRepository
from storage.repositories.delivery import ConversationRepository, OutboxRepository, PostedMessageRepository
from storage.repositories.events import AgendaReads, ScheduledEventRepository, StoppedClockRepository
from storage.repositories.members import ChannelRepository, MemberRepository
from storage.repositories.milestones import MilestoneRepository
from storage.repositories.outbox import OutboxReads, StuckNoticeRepository
from storage.repositories.records import DisagreementRepository, RecordReads
from storage.repositories.referrals import PartnershipRepository, ReferralRepository
from storage.repositories.requests import AgencyMessageRepository, ContactRepository, InfoRequestRepository
from storage.repositories.stages import StageDecisionRepository

# attribute of the unit of work -> repository class. `storage.memory.MEMORY` lists the same attributes.
REPOSITORIES: dict[str, type] = {
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


class Repositories:
    """The repositories of one unit of work, as typed attributes."""

    partnerships: PartnershipRepository
    referrals: ReferralRepository
    ballots: BallotRepository
    votes: VoteRepository
    members: MemberRepository
    channels: ChannelRepository
    deadlines: DeadlineRepository
    reminder_log: ReminderLogRepository
    requests: InfoRequestRepository
    contacts: ContactRepository
    agency_messages: AgencyMessageRepository
    disagreements: DisagreementRepository
    complaints: ComplaintRepository
    records: RecordReads
    undelivered: OutboxReads
    stuck_notices: StuckNoticeRepository
    messages: OutboxRepository
    posted: PostedMessageRepository
    conversations: ConversationRepository
    events: ScheduledEventRepository
    stopped_clocks: StoppedClockRepository
    agenda: AgendaReads
    stage_decisions: StageDecisionRepository
    milestones: MilestoneRepository

    def open_repositories(self, session: AsyncSession, partnership_id: int | None) -> None:
        for name, cls in REPOSITORIES.items():
            setattr(self, name, cls(session, partnership_id))


__all__ = ["REPOSITORIES", "Repositories"]
