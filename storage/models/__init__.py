"""SQLAlchemy 2 models: how the panel's record is kept.

Every row carries its partnership so that one database can later serve several. Instants are stored as
UTC (`UtcDateTime` below); votes and the audit log are append-only.
"""

from storage.models.base import Base, UtcDateTime
from storage.models.cases import Ballot, Deadline, Disagreement, Referral, ScheduledEvent, StoppedClock, Vote
from storage.models.complaints import Complaint
from storage.models.delivery import (
    AuditEntry,
    ConversationState,
    OutboxMessage,
    PostedMessage,
    ProcessedDelivery,
    StuckNotice,
)
from storage.models.milestones import Milestone
from storage.models.panel import Channel, Identity, Member, Partnership
from storage.models.requests import AgencyContact, AgencyMessage, InfoRequest, ReminderLog
from storage.models.stages import StageDecision

__all__ = [
    "AgencyContact",
    "AgencyMessage",
    "AuditEntry",
    "Ballot",
    "Base",
    "Channel",
    "Complaint",
    "ConversationState",
    "Deadline",
    "Disagreement",
    "Identity",
    "InfoRequest",
    "Member",
    "Milestone",
    "OutboxMessage",
    "Partnership",
    "PostedMessage",
    "ProcessedDelivery",
    "Referral",
    "ReminderLog",
    "ScheduledEvent",
    "StageDecision",
    "StoppedClock",
    "StuckNotice",
    "UtcDateTime",
    "Vote",
]
