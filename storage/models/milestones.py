"""A milestone without a clock on a referral (issue 20 section 2): something the business manager must do that no
rule times (tell the referrer where Panelbot cannot; a preset's own, such as Stockport 11's letter to the family).
One row per referral and milestone, which the unique constraint keeps so: open (`done_at` empty) until the
business manager marks it done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("referral_id", "milestone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    milestone: Mapped[str] = mapped_column(String(64))  # "tell_referrer", or the preset's milestone id
    label: Mapped[str] = mapped_column(String(300))
    opened_by: Mapped[str] = mapped_column(String(100))  # what opened it: "outcome:no_review", "no_channel"...
    opened_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    done_by: Mapped[str | None] = mapped_column(String(200))  # who marked it done, as the audit names them
