"""A unit of work per command: one session, one transaction, committed once at the end.

Whatever a command records (a vote, a decision) and whatever it must tell people (outbox rows) and the
audit entry that explains it are written in the same transaction, so either all of it happened or none.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.models import AuditEntry, OutboxMessage

GENESIS = "0" * 64
_AUDIT_LOCK = 727_001  # PostgreSQL advisory lock id that serialises appends to the audit chain


def audit_hash(
    *, seq: int, at: datetime, actor: str, action: str, subject: str, payload: dict[str, Any], prev_hash: str
) -> str:
    """The hash of one audit entry: its content and the hash of the entry before it."""
    canonical = json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": payload,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class UnitOfWork:
    """`async with UnitOfWork(sessionmaker) as uow: ...; await uow.commit()`. Leaving the block without
    committing rolls everything back."""

    sessionmaker: async_sessionmaker[AsyncSession]
    committed: bool = False
    session: AsyncSession = field(init=False)
    _outbox_rows: int = field(init=False, default=0)

    async def __aenter__(self) -> Self:
        self.session = self.sessionmaker()
        self.committed = False
        self._outbox_rows = 0
        return self

    async def __aexit__(self, *exc: object) -> None:
        # close() rolls back anything not committed and detaches the objects without expiring them, so a
        # read can hand its rows to the caller.
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
        self.committed = True

    @property
    def wrote_outbox(self) -> bool:
        return self._outbox_rows > 0

    async def audit(
        self,
        *,
        partnership_id: int | None,
        at: datetime,
        actor: str,
        action: str,
        subject: str,
        payload: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append an entry to the hash chain. Never logs or stores a subject's identifying details: callers
        pass references and anonymised subjects only."""
        if self.session.bind is not None and self.session.bind.dialect.name == "postgresql":
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK})
        last = (
            await self.session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        ).scalar_one_or_none()
        seq = 1 if last is None else last.seq + 1
        prev = GENESIS if last is None else last.hash
        body = json.loads(json.dumps(payload or {}, default=str))
        at = at.astimezone(UTC)
        entry = AuditEntry(
            partnership_id=partnership_id,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            payload=body,
            prev_hash=prev,
            hash=audit_hash(seq=seq, at=at, actor=actor, action=action, subject=subject, payload=body, prev_hash=prev),
        )
        self.session.add(entry)
        await self.session.flush()
        return entry

    def outbox(
        self,
        *,
        partnership_id: int,
        now: datetime,
        purpose: str,
        kind: str,
        referral_id: int | None = None,
        body: dict[str, Any] | None = None,
    ) -> OutboxMessage:
        """Queue a message for delivery after this transaction commits."""
        row = OutboxMessage(
            partnership_id=partnership_id,
            created_at=now,
            purpose=purpose,
            kind=kind,
            referral_id=referral_id,
            body=body or {},
            attempts=0,
            next_attempt_at=now,
            delivered_to=[],
        )
        self.session.add(row)
        self._outbox_rows += 1
        return row


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
