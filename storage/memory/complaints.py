"""The in-memory twin of `storage.repositories.complaints`."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from storage.memory.base import MemoryRepository
from storage.models import Complaint, Deadline, Referral


class ComplaintRepository(MemoryRepository):
    async def add(self, complaint: Complaint) -> Complaint:
        return self.store.insert(complaint)

    async def next_number(self, referral: Referral) -> int:
        return max((c.number for c in self.ours(Complaint) if c.referral_id == referral.id), default=0) + 1

    async def of_referral(self, referral: Referral, *, lock: bool = False) -> list[Complaint]:
        return sorted((c for c in self.ours(Complaint) if c.referral_id == referral.id), key=lambda c: c.number)

    async def rows(
        self, *, start: datetime | None = None, until: datetime | None = None, referral_id: int | None = None
    ) -> list[Any]:
        found = [
            c for c in self.ours(Complaint)
            if (start is None or until is None or start <= c.received_at < until)
            and (referral_id is None or c.referral_id == referral_id)
        ]
        found.sort(key=lambda c: (c.received_at, c.id))
        out = []
        for c in found:
            r = self.store.get(Referral, c.referral_id)
            response = self.store.get(Deadline, c.response_deadline_id) if c.response_deadline_id else None
            escalation = self.store.get(Deadline, c.escalation_deadline_id) if c.escalation_deadline_id else None
            out.append(SimpleNamespace(
                reference=r.reference, subject_category=r.subject_category, subject_letter=r.subject_letter,
                referral_type=r.referral_type, number=c.number, about=c.about, text=c.text,
                received_at=c.received_at, responded_at=c.responded_at, responded_by=c.responded_by,
                escalated_at=c.escalated_at, chair_responded_at=c.chair_responded_at,
                chair_responded_by=c.chair_responded_by, response_due=response.due_at if response else None,
                escalation_due=escalation.due_at if escalation else None,
            ))
        return out
