"""The audit log, the outbox and what it posted, platform deliveries already processed, conversations kept across
restarts, and the notices about stuck targets."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime


class AuditEntry(Base):
    """Append-only and hash-chained: each entry's hash covers its content and the previous entry's hash,
    so `panelbot audit verify` can show that nothing was altered or removed."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id"))
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    """A message some command decided to send. Written in the command's own transaction; delivered after
    it commits by the sender, which records each delivered target so nothing is sent twice."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    created_at: Mapped[datetime]
    purpose: Mapped[str] = mapped_column(String(120))  # panel | bm | agency:NAME | member:ID
    kind: Mapped[str] = mapped_column(String(32))  # referral_card | decision | escalation | notice
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    body: Mapped[dict] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    delivered_to: Mapped[list] = mapped_column(default=list)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The request that queued it (the web server's request id), so its deliveries can be found in the logs.
    request_id: Mapped[str | None] = mapped_column(String(64))
    # Targets refused for good (an SMTP 5xx for one address: `bot.notify.Refused`), never tried again. A row
    # with any is marked failed (`failed_at`) once its other targets are done: kept, and listed by
    # `panelbot outbox list`.
    refused: Mapped[list | None] = mapped_column(default=None)
    failed_at: Mapped[datetime | None]


class PostedMessage(Base):
    """Where a referral's card was posted on each platform, so it can be updated in place."""

    __tablename__ = "posted_messages"
    __table_args__ = (UniqueConstraint("referral_id", "platform", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    platform: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(200))


class ConversationState(Base):
    """A multi-step exchange in progress on a platform with no forms (Telegram's guided `/new`), kept in the
    database so that it survives a restart of the bot. One per person per chat."""

    __tablename__ = "conversation_state"
    __table_args__ = (UniqueConstraint("partnership_id", "platform", "chat_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(String(200))
    flow: Mapped[str] = mapped_column(String(32))  # e.g. new_referral, vote_reason
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class ProcessedDelivery(Base):
    """A platform delivery whose work was committed (`Panel.delivering`): the key is written in the same
    transaction as the work, so a delivery the platform sends again (it was never confirmed: a crash before
    the answer, a lost answer) cannot record anything twice. Kept, like the audit log: a row is a few bytes."""

    __tablename__ = "processed_deliveries"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class StuckNotice(Base):
    """The business manager was told that messages cannot reach a target (a purpose on a platform), or, for
    their own channel, the log said so (`told` "bm" or "log"; `flows.stuck`). The unique key (target, UK day)
    means it is told at most once a day, across restarts and replicas: two sweeps that both decide to tell
    cannot both commit it."""

    __tablename__ = "stuck_notices"
    __table_args__ = (UniqueConstraint("partnership_id", "purpose", "platform", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    purpose: Mapped[str] = mapped_column(String(120))
    platform: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    told_at: Mapped[datetime]
    told: Mapped[str] = mapped_column(String(8))  # bm | log
    since: Mapped[datetime]  # the oldest waiting message, when told
    waiting: Mapped[int] = mapped_column(Integer)
