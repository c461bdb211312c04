"""In-memory twins of `storage.repositories.requests`, `.records` and `.outbox`: information requests, agency
contacts and messages, disagreements, the reads for reports and the export, and the stuck-message records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from storage.audit import VerifyReport, verify_rows
from storage.memory.base import MemoryRepository, is_open, soonest
from storage.memory.store import MemoryStore
from storage.models import (
    AgencyContact,
    AgencyMessage,
    AuditEntry,
    Deadline,
    Disagreement,
    InfoRequest,
    OutboxMessage,
    Referral,
    StageDecision,
    StuckNotice,
    Vote,
)


class InfoRequestRepository(MemoryRepository):
    async def add(self, request: InfoRequest) -> InfoRequest:
        return self.store.insert(request)

    async def get(self, request_id: int) -> InfoRequest | None:
        row = self.store.get(InfoRequest, request_id)
        return row if row is not None and row.partnership_id == self.pid else None

    async def unreturned(self, referral: Referral) -> list[InfoRequest]:
        return [r for r in self.store.all(InfoRequest) if r.referral_id == referral.id and r.returned_at is None]

    async def for_deadline(self, deadline: Deadline) -> InfoRequest | None:
        return next((r for r in self.store.all(InfoRequest) if r.deadline_id == deadline.id), None)

    async def latest(self, referral: Referral, agency: str) -> tuple[InfoRequest, Deadline] | None:
        found = [(r, d) for r, d in await self.of_referral(referral) if r.agency == agency]
        return found[-1] if found else None

    async def of_referral(self, referral: Referral) -> list[tuple[InfoRequest, Deadline]]:
        return [
            (r, self.store.get(Deadline, r.deadline_id))
            for r in self.store.all(InfoRequest) if r.referral_id == referral.id
        ]


class ContactRepository(MemoryRepository):
    async def get(self, agency: str, platform: str, external_id: str) -> AgencyContact | None:
        return next(
            (
                c for c in self.ours(AgencyContact)
                if (c.agency, c.platform, c.external_id) == (agency, platform, external_id)
            ),
            None,
        )

    async def is_contact(self, agency: str, platform: str, external_id: str) -> bool:
        return await self.get(agency, platform, external_id) is not None

    async def add(self, contact: AgencyContact) -> AgencyContact:
        return self.store.insert(contact)

    async def remove(self, contact: AgencyContact) -> None:
        self.store.delete(contact)

    async def all(self) -> list[AgencyContact]:
        return sorted(self.ours(AgencyContact), key=lambda c: (c.agency, c.platform, c.external_id))


class AgencyMessageRepository(MemoryRepository):
    async def delivered(
        self, reference: str, agency: str, platform: str, message_id: str
    ) -> list[tuple[str, str, str, str]]:
        refs = {r.id for r in self.ours(Referral) if r.reference == reference}
        return [
            (m.agency, m.platform, m.channel, m.message_id)
            for m in self.ours(AgencyMessage)
            if m.referral_id in refs and (m.agency, m.platform, m.message_id) == (agency, platform, message_id)
        ]

    async def known(self, platform: str, channel: str, message_id: str) -> bool:
        return any(
            (m.platform, m.channel, m.message_id) == (platform, channel, message_id) for m in self.ours(AgencyMessage)
        )

    async def add(self, message: AgencyMessage) -> AgencyMessage:
        return self.store.insert(message)


def _with_referral(store: MemoryStore, row: Any, **fields: Any) -> SimpleNamespace:
    """A row joined to its referral's reference and anonymised subject, as the real reads select them."""
    referral = store.get(Referral, row.referral_id)
    return SimpleNamespace(
        reference=referral.reference,
        subject_category=referral.subject_category,
        subject_letter=referral.subject_letter,
        referral_type=referral.referral_type,
        **fields,
    )


class DisagreementRepository(MemoryRepository):
    async def add(self, disagreement: Disagreement) -> Disagreement:
        return self.store.insert(disagreement)

    async def rows(
        self, *, start: datetime | None = None, until: datetime | None = None, referral_id: int | None = None
    ) -> list[Any]:
        found = [
            d for d in self.ours(Disagreement)
            if (start is None or until is None or start <= d.recorded_at < until)
            and (referral_id is None or d.referral_id == referral_id)
        ]
        found.sort(key=lambda d: (d.recorded_at, d.id))
        return [
            _with_referral(
                self.store, d, party=d.party, decision=d.decision, reason=d.reason, recorded_at=d.recorded_at
            )
            for d in found
        ]


class RecordReads(MemoryRepository):
    async def referrals_received(self, start: datetime, until: datetime) -> list[Any]:
        return sorted(
            (r for r in self.ours(Referral) if start <= r.received_at < until), key=lambda r: (r.received_at, r.id)
        )

    async def stage_decisions_received(self, start: datetime, until: datetime) -> list[Any]:
        refs = {r.id: r for r in self.ours(Referral) if start <= r.received_at < until}
        rows = sorted((d for d in self.ours(StageDecision) if d.referral_id in refs),
                      key=lambda d: (d.decided_at, d.id))
        return [SimpleNamespace(reference=refs[d.referral_id].reference, stage=d.stage, outcome=d.outcome, how=d.how,
                                decided_at=d.decided_at) for d in rows]

    async def deadlines_due(self, start: datetime, until: datetime) -> list[Any]:
        return [
            _with_referral(self.store, d, clock_id=d.clock_id, label=d.label, due_at=d.due_at, done_at=d.done_at,
                           cancelled_at=d.cancelled_at, agency=d.agency)
            for d in self.ours(Deadline) if start <= d.due_at < until
        ]

    async def open_deadlines(self) -> list[Any]:
        return [
            _with_referral(self.store, d, id=d.id, clock_id=d.clock_id, label=d.label, owner=d.owner,
                           agency=d.agency, due_at=d.due_at, started_at=d.started_at)
            for d in soonest(d for d in self.ours(Deadline) if is_open(d))
        ]

    async def every(self, model: type) -> list[Any]:
        return self.ours(model)

    async def audit_log(self) -> list[AuditEntry]:
        return sorted(self.store.all(AuditEntry), key=lambda e: e.seq)

    async def verify_audit(self) -> VerifyReport:
        return verify_rows(await self.audit_log(), self.store.all(Vote))


class OutboxReads(MemoryRepository):
    async def failing(self, limit: int) -> list[Any]:
        return [m for m in self.ours(OutboxMessage) if m.sent_at is None and m.last_error is not None][:limit]


class StuckNoticeRepository(MemoryRepository):
    async def last_told(self, purposes: Sequence[str]) -> list[tuple[str, str, datetime]]:
        last: dict[tuple[str, str], datetime] = {}
        for n in self.ours(StuckNotice):
            if n.purpose in set(purposes):
                key = (n.purpose, n.platform)
                last[key] = max(last.get(key, n.told_at), n.told_at)
        return [(purpose, platform, at) for (purpose, platform), at in last.items()]

    async def record_once(self, notice: StuckNotice) -> bool:
        key = (notice.purpose, notice.platform, notice.day)
        if any((n.purpose, n.platform, n.day) == key for n in self.ours(StuckNotice)):
            return False
        self.store.insert(notice)
        return True
