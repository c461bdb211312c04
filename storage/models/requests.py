"""Information requests to agencies, the reminders sent, the agencies' registered contacts, and the messages
delivered to agencies' channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class InfoRequest(Base):
    """An information request to an agency (Salford 7.7, Dudley's scoping template, Kirklees' tool): what
    was asked, when, and its return. Its due time is the `agency_return` clock, kept as a Deadline."""

    __tablename__ = "info_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), unique=True)
    agency: Mapped[str] = mapped_column(String(120))
    asked: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime]
    sent_by: Mapped[str] = mapped_column(String(200))
    returned_at: Mapped[datetime | None]
    returned_by: Mapped[str | None] = mapped_column(String(200))


class ReminderLog(Base):
    """One row per reminder occurrence sent. The unique key (deadline, occurrence, recipient) is the last
    line of defence against a duplicate: two sweepers that both decide to send the same reminder cannot
    both commit it."""

    __tablename__ = "reminder_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"))
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(120))
    occurrence_at: Mapped[datetime]
    sent_at: Mapped[datetime]


class AgencyContact(Base):
    """A person the business manager has registered as an agency's contact (`panelbot contact add
    agency:police --id slack:U0123`): they may mark that agency's information returns made from anywhere."""

    __tablename__ = "agency_contacts"
    __table_args__ = (UniqueConstraint("partnership_id", "agency", "platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    agency: Mapped[str] = mapped_column(String(120))
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(200))


class AgencyMessage(Base):
    """A message with an agency's Mark as returned button (a request, a reminder), as the outbox delivered
    it: the target it went to and the id the platform gave it. A press of that button counts as the agency's
    only if it comes from this message in this chat (`flows.returns`)."""

    __tablename__ = "agency_messages"
    __table_args__ = (
        UniqueConstraint("partnership_id", "platform", "channel", "message_id"),
        Index("ix_agency_messages_referral", "referral_id", "agency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    agency: Mapped[str] = mapped_column(String(120))
    platform: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(200))
    delivered_at: Mapped[datetime]
