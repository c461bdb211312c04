"""A unit of work over a `MemoryStore`, with the same attributes and methods as `storage.uow.UnitOfWork`: its
repositories (`storage.memory.repositories`), `audit`, `outbox`, `claim` and `commit`. Leaving it without
committing puts every row back as it was when it began (or last committed), so a refusal changes nothing
here either. Row locks are not needed: a unit test runs one command at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from flows.errors import AlreadyDone
from storage.chain import GENESIS, chain, new_audit_entry, new_outbox_row
from storage.memory.repositories import open_memory_repositories
from storage.memory.store import MemoryStore, Snapshot
from storage.models import AuditEntry, OutboxMessage


@dataclass
class MemoryUnitOfWork:
    """`storage.uow.UnitOfWork` over a `MemoryStore`: the same repositories (as `storage.memory.repositories`),
    `audit`, `outbox`, `claim` and `commit`, and the same rule that nothing is kept unless committed."""

    store: MemoryStore
    partnership_id: int | None = None
    request_id: str | None = None
    committed: bool = False
    _snapshot: Snapshot = field(default_factory=dict)
    _audit_rows: list[AuditEntry] = field(default_factory=list)
    _claims: list[str] = field(default_factory=list)
    _outbox_rows: int = 0

    async def __aenter__(self) -> Self:
        open_memory_repositories(self, self.store, self.partnership_id)
        self._snapshot = self.store.snapshot()
        self.committed = False
        self._audit_rows, self._claims, self._outbox_rows = [], [], 0
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.store.restore(self._snapshot)  # what was not committed is gone

    async def commit(self) -> None:
        self._append_audit()
        self.store.claimed.update(self._claims)
        self._claims = []
        self._snapshot = self.store.snapshot()
        self.committed = True

    @property
    def wrote_outbox(self) -> bool:
        return self._outbox_rows > 0

    @property
    def changes(self) -> bool:
        return bool(self._audit_rows) or self._outbox_rows > 0

    async def claim(self, key: str, at: datetime) -> None:
        if key in self.store.claimed or key in self._claims:
            raise AlreadyDone()
        self._claims.append(key)

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
        entry = new_audit_entry(partnership_id=partnership_id, at=at, actor=actor, action=action, subject=subject,
                                payload=payload)
        self._audit_rows.append(entry)
        return entry

    def _append_audit(self) -> None:
        entries = self.store.all(AuditEntry)
        chain(self._audit_rows, last_seq=entries[-1].seq if entries else 0,
              last_hash=entries[-1].hash if entries else GENESIS)
        for entry in self._audit_rows:
            self.store.insert(entry)
        self._audit_rows = []

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
        row = new_outbox_row(partnership_id=partnership_id, now=now, purpose=purpose, kind=kind,
                             referral_id=referral_id, body=body, request_id=self.request_id)
        self.store.insert(row)  # rolled back with the rest unless committed
        self._outbox_rows += 1
        return row
