"""SQLAlchemy 2 models: how the panel's record is kept.

Every row carries its partnership so that one database can later serve several. Instants are stored as
UTC (`UtcDateTime` below); votes and the audit log are append-only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which has no time zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; every instant must carry a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict: JSON(), list: JSON()}


class Partnership(Base):
    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    preset_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # Suffolk section 4: the date of the last monthly panel whose list of held cases was sent.
    hold_agenda_sent_for: Mapped[date | None] = mapped_column(Date)
    # A practice partnership (created by `panelbot run --practice` or the demo): the simulated clock may move
    # there, and every card and report it produces says PRACTICE. On any other the record's times are real.
    practice: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        Index(
            "uq_members_active_name",
            "partnership_id",
            "name_key",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))  # lower-cased name, for lookups
    role: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]

    identities: Mapped[list[Identity]] = relationship(back_populates="member", cascade="all, delete-orphan")


class Identity(Base):
    """A member's account on a platform (slack:U0123, telegram:5551234, teams:<aad object id>)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("partnership_id", "platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))

    member: Mapped[Member] = relationship(back_populates="identities")


class Channel(Base):
    """Where the bot says things: purpose `panel`, `bm` or `agency:NAME`, on one platform."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("partnership_id", "purpose", "platform"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    purpose: Mapped[str] = mapped_column(String(120))
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (UniqueConstraint("partnership_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    reference: Mapped[str] = mapped_column(String(32))
    year: Mapped[int]
    number: Mapped[int]
    referral_type: Mapped[str] = mapped_column(String(64))
    referrer: Mapped[str] = mapped_column(String(200))
    subject_category: Mapped[str] = mapped_column(String(16))
    subject_letter: Mapped[str] = mapped_column(String(1))
    summary: Mapped[str] = mapped_column(Text)
    themes: Mapped[list] = mapped_column(default=list)
    received_at: Mapped[datetime]
    aware_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    hold_until: Mapped[datetime | None]
    missing_info: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(64))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decided_how: Mapped[str | None] = mapped_column(String(16))  # panel | bm | chair
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))

    @property
    def subject(self) -> str:
        from flows.anonymity import CATEGORY_LABELS, SubjectCategory

        return f"{CATEGORY_LABELS[SubjectCategory(self.subject_category)]} {self.subject_letter}"


class Ballot(Base):
    """One ballot per time a referral is with the panel (a resubmitted referral gets a new round)."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("referral_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    round: Mapped[int]
    opened_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(32))
    result: Mapped[str | None] = mapped_column(String(16))  # flows.ballots.ResultKind
    result_outcome: Mapped[str | None] = mapped_column(String(64))
    missing: Mapped[str | None] = mapped_column(String(200))  # roles or vote count missing at close


class Vote(Base):
    """Append-only: a changed vote adds a row and clears `current` on the old one. A recusal is a row of
    kind `recuse`. The partial unique index keeps one current row per member per ballot."""

    __tablename__ = "votes"
    __table_args__ = (
        Index(
            "uq_votes_current",
            "ballot_id",
            "member_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    role: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # vote | recuse
    outcome: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    cast_at: Mapped[datetime]
    is_current: Mapped[bool] = mapped_column(Boolean)
    delivery_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class Deadline(Base):
    """A running clock on a referral (a preset clock started by an event). Reminder state lives here, in
    columns, not in timers, so a restart loses nothing: `next_reminder_at` is when the sweep must next look
    at it (indexed, so a sweep costs what is due, not what is open), `last_reminder_at` the time of the
    last reminder occurrence sent, `escalated_at` when it was escalated."""

    __tablename__ = "deadlines"
    __table_args__ = (Index("ix_deadlines_next_reminder", "next_reminder_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    clock_id: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    cancelled_at: Mapped[datetime | None]
    last_reminder_at: Mapped[datetime | None]
    agency: Mapped[str | None] = mapped_column(String(120))  # set for an agency's information return
    next_reminder_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]


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


class Disagreement(Base):
    """A disagreement with a decision, recorded by the business manager (Salford 7.5 and 10.3 (c)): the
    referrer disagreeing with a decision such as "meets neither threshold", or the National Panel
    disagreeing with the partnership. Append-only, and audited when recorded."""

    __tablename__ = "disagreements"
    __table_args__ = (Index("ix_disagreements_recorded", "partnership_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    party: Mapped[str] = mapped_column(String(32))  # referrer | national_panel
    decision: Mapped[str | None] = mapped_column(String(64))  # the outcome disagreed with
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(200))


class ProcessedDelivery(Base):
    """A platform delivery whose work was committed (`Panel.delivering`): the key is written in the same
    transaction as the work, so a delivery the platform sends again (it was never confirmed: a crash before
    the answer, a lost answer) cannot record anything twice. Kept, like the audit log: a row is a few bytes."""

    __tablename__ = "processed_deliveries"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


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


class ScheduledEvent(Base):
    """An event planned for a time (issue 21): a referral's publication date, or a meeting (a rapid review
    meeting, a SAR screening meeting, the partnership's monthly panel, `referral_id` None). The clocks due
    before it (`before = EVENT` in the preset) are counted back from `at`, and move when it moves."""

    __tablename__ = "scheduled_events"
    __table_args__ = (Index("ix_scheduled_events_referral", "referral_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    event: Mapped[str] = mapped_column(String(64))  # an EVENTS key: publication, rr_meeting, ...
    at: Mapped[datetime]
    place: Mapped[str | None] = mapped_column(Text)  # a room or a call link, screened like every text
    status: Mapped[str] = mapped_column(String(16))  # scheduled | held | cancelled
    scheduled_at: Mapped[datetime]
    scheduled_by: Mapped[str] = mapped_column(String(200))
    moves: Mapped[int] = mapped_column(Integer, default=0)
    window_override: Mapped[str | None] = mapped_column(Text)  # the BM's reason for a time outside the window
    attending: Mapped[list] = mapped_column(default=list)  # roles confirmed to attend
    # The planned time the partners still missing were reminded for, and the business manager told it would
    # not be quorate for: each once per planned time (a moved meeting is reminded again).
    attendance_reminded_for: Mapped[datetime | None]
    quorum_warned_for: Mapped[datetime | None]
    held_at: Mapped[datetime | None]
    attended: Mapped[list] = mapped_column(default=list)  # roles that attended
    quorate: Mapped[bool | None] = mapped_column(Boolean)
    quorum_override: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class StoppedClock(Base):
    """A running clock stopped because it no longer applies while a referral is returned as incomplete
    (Salford 7.5: the information requests), to be restarted when the referral is resubmitted."""

    __tablename__ = "stopped_clocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), unique=True)
    stopped_at: Mapped[datetime]
    restarted_at: Mapped[datetime | None]
