"""Complaints about a review (Stockport section 21): about the decision, the process or the outcome. Each is
answered in writing within the preset's response clock and, escalated, by the Independent Chair within its
escalation clock; the two clocks are this complaint's own deadline rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_received", "partnership_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2... within its referral: `complaint responded REF 2`
    about: Mapped[str] = mapped_column(String(32))  # decision | process | outcome
    text: Mapped[str] = mapped_column(Text)  # what the complaint says, screened like every reason
    received_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(200))
    response_deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    responded_at: Mapped[datetime | None]
    responded_by: Mapped[str | None] = mapped_column(String(200))  # who wrote it, as a role or the recorder
    escalated_at: Mapped[datetime | None]
    escalation_deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    chair_responded_at: Mapped[datetime | None]
    chair_responded_by: Mapped[str | None] = mapped_column(String(200))
