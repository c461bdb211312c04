"""A later stage's decision of a referral (issue 21 section 1): Salford 7.12's rapid review meeting decides
whether to undertake a CSPR once the panel has decided to commence a rapid review. The panel's own decision
stays on the referral (`Referral.outcome`); each later stage has at most one row here, which the unique
constraint keeps so (a referral has one decision at each stage)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class StageDecision(Base):
    __tablename__ = "stage_decisions"
    __table_args__ = (UniqueConstraint("referral_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    stage: Mapped[str] = mapped_column(String(64))  # the preset's stage id
    outcome: Mapped[str] = mapped_column(String(64))
    how: Mapped[str] = mapped_column(String(16))  # meeting
    event_id: Mapped[int | None] = mapped_column(ForeignKey("scheduled_events.id"))  # the meeting that decided
    attended: Mapped[list] = mapped_column(default=list)  # roles present when it was decided
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime]  # when the meeting was held
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
