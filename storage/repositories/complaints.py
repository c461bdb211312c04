"""Complaints about a review (Stockport section 21): recorded, found by their number within a referral, and
read for the `complaints` list and the report, each with its referral's reference and anonymised subject."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select

from storage.models import Complaint, Deadline, Referral
from storage.repositories.base import Repository


class ComplaintRepository(Repository):
    async def add(self, complaint: Complaint) -> Complaint:
        self.session.add(complaint)
        await self.session.flush()
        return complaint

    async def next_number(self, referral: Referral) -> int:
        stmt = select(func.max(Complaint.number)).where(
            Complaint.partnership_id == self.pid, Complaint.referral_id == referral.id
        )
        return int((await self.session.execute(stmt)).scalar() or 0) + 1

    async def of_referral(self, referral: Referral, *, lock: bool = False) -> list[Complaint]:
        """The complaints about one referral, in the order they were received."""
        stmt = (
            select(Complaint)
            .where(Complaint.partnership_id == self.pid, Complaint.referral_id == referral.id)
            .order_by(Complaint.number)
        )
        if lock:
            stmt = stmt.with_for_update(of=Complaint)
        return list((await self.session.execute(stmt)).scalars())

    async def rows(
        self, *, start: datetime | None = None, until: datetime | None = None, referral_id: int | None = None
    ) -> list[Row[Any]]:
        """Complaints (received in [start, until), or about one referral), each with its referral's reference,
        anonymised subject and type, and the due times of its two clocks, in the order received."""
        response = select(Deadline.due_at).where(Deadline.id == Complaint.response_deadline_id).scalar_subquery()
        escalation = select(Deadline.due_at).where(Deadline.id == Complaint.escalation_deadline_id).scalar_subquery()
        stmt = (
            select(
                Referral.reference,
                Referral.subject_category,
                Referral.subject_letter,
                Referral.referral_type,
                Complaint.number,
                Complaint.about,
                Complaint.text,
                Complaint.received_at,
                Complaint.responded_at,
                Complaint.responded_by,
                Complaint.escalated_at,
                Complaint.chair_responded_at,
                Complaint.chair_responded_by,
                response.label("response_due"),
                escalation.label("escalation_due"),
            )
            .join(Referral, Referral.id == Complaint.referral_id)
            .where(Complaint.partnership_id == self.pid)
            .order_by(Complaint.received_at, Complaint.id)
        )
        if start is not None and until is not None:
            stmt = stmt.where(Complaint.received_at >= start, Complaint.received_at < until)
        if referral_id is not None:
            stmt = stmt.where(Complaint.referral_id == referral_id)
        return list(await self.session.execute(stmt))
