"""A referral and what happens to it: its ballots and votes, its clocks (deadlines), planned and held events,
clocks stopped while it is returned, and disagreements with its decision."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


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
    # Issue 23, where the preset asks them: the kind of source (Salford 7.3; an agency's name is `referrer`),
    # the role that authorised it, the processes running alongside (ids, changed with `parallel`), whether a
    # looked-after child has died, and the notifications made ({id: "YYYY-MM-DD"}, added with `notified`).
    source: Mapped[str | None] = mapped_column(String(64))
    authorised_by: Mapped[str | None] = mapped_column(String(200))
    parallel: Mapped[list | None] = mapped_column(default=list)
    looked_after: Mapped[bool | None] = mapped_column(Boolean)
    notifications: Mapped[dict | None] = mapped_column(default=dict)

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


class ScheduledEvent(Base):
    """An event planned for a time (issue 21): a referral's publication date, or a meeting (a rapid review
    meeting, a SAR screening meeting, the partnership's monthly panel, `referral_id` None). The clocks due
    before it (`before = EVENT` in the preset) are counted back from `at`, and move when it moves."""

    __tablename__ = "scheduled_events"
    __table_args__ = (
        Index("ix_scheduled_events_referral", "referral_id", "event"),
        # The partnership's monthly panel: one meeting per date the preset gives (its slot), however moved.
        Index("uq_scheduled_events_slot", "partnership_id", "event", "slot", unique=True),
    )

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
    # The partners reminded for that planned time; one that withdraws its confirmation leaves it, to be reminded
    # again.
    reminded_roles: Mapped[list] = mapped_column(default=list)
    held_at: Mapped[datetime | None]
    attended: Mapped[list] = mapped_column(default=list)  # roles that attended
    quorate: Mapped[bool | None] = mapped_column(Boolean)
    quorum_override: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # A meeting of the partnership (referral_id None): the date the preset gives it, which a move keeps.
    slot: Mapped[date | None] = mapped_column(Date)


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
