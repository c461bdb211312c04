"""A unit of work per command: one session, one transaction, committed once at the end.

Whatever a command records (a vote, a decision) and whatever it must tell people (outbox rows) and the
audit entry that explains it are written in the same transaction, so either all of it happened or none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from flows.errors import AlreadyDone
from storage.chain import GENESIS, chain, new_audit_entry, new_outbox_row
from storage.models import AuditEntry, OutboxMessage, ProcessedDelivery
from storage.repositories import Repositories

# PostgreSQL advisory locks are two-key (namespace, key). Advisory locks are database-wide, so the key always
# includes the schema (`hashtext(current_schema() || ...)`): installations (or test runs) in different schemas
# of one database never wait for each other.
_AUDIT_LOCK = 727_001  # serialises appends to the audit chain
_SWEEP_LOCKS = 727_002  # keeps each scheduler sweep to one bot process at a time


@dataclass
class UnitOfWork(Repositories):
    """`async with UnitOfWork(sessionmaker) as uow: ...; await uow.commit()`. Leaving the block without
    committing rolls everything back. Its queries are its repositories (`uow.referrals`, `uow.votes`...,
    `storage.repositories`), scoped to `partnership_id`."""

    sessionmaker: async_sessionmaker[AsyncSession]
    committed: bool = False
    request_id: str | None = None  # the request this unit of work serves, written on its outbox rows
    partnership_id: int | None = None  # the partnership whose rows its repositories read and write
    session: AsyncSession = field(init=False)
    _outbox_rows: int = field(init=False, default=0)
    _audit_rows: list[AuditEntry] = field(init=False, default_factory=list)

    async def __aenter__(self) -> Self:
        self.session = self.sessionmaker()
        self.open_repositories(self.session, self.partnership_id)
        self.committed = False
        self._outbox_rows = 0
        self._audit_rows = []
        return self

    async def __aexit__(self, *exc: object) -> None:
        # close() rolls back anything not committed and detaches the objects without expiring them, so a
        # read can hand its rows to the caller.
        await self.session.close()

    async def commit(self) -> None:
        await self._append_audit()
        await self.session.commit()
        self.committed = True

    @property
    def wrote_outbox(self) -> bool:
        return self._outbox_rows > 0

    @property
    def changes(self) -> bool:
        """Whether this unit of work records anything (every change is audited or tells someone)."""
        return bool(self._audit_rows) or self._outbox_rows > 0

    async def claim(self, key: str, at: datetime) -> None:
        """Record, in this transaction, that the platform delivery `key` has done its work; `AlreadyDone` if it
        had (a delivery sent again). Concurrent deliveries of one key queue on its row: one commits, the other
        then finds it."""
        dialect = self.session.bind.dialect.name if self.session.bind is not None else ""
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = (
            insert(ProcessedDelivery)
            .values(key=key, at=at.astimezone(UTC))
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(ProcessedDelivery.key)
        )
        if (await self.session.execute(stmt)).scalar_one_or_none() is None:
            raise AlreadyDone()

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
        """Add an entry to the hash chain when this unit of work commits. Never logs or stores a subject's
        identifying details: callers pass references and anonymised subjects only.

        The entry is chained (given its `seq` and hashes) at commit, under the chain's lock, so the lock is
        held only for the few statements that append to the chain and commit, not for the whole command:
        commands on different referrals run side by side and queue only for that last step."""
        entry = new_audit_entry(partnership_id=partnership_id, at=at, actor=actor, action=action, subject=subject,
                                payload=payload)
        self._audit_rows.append(entry)
        return entry

    async def _append_audit(self) -> None:
        if not self._audit_rows:
            return
        # Write everything else first: no row lock is waited for while the chain's lock is held, so a command
        # holding it can never deadlock with one holding a row it needs (a reminder sweep's deadline rows).
        await self.session.flush()
        if self.session.bind is not None and self.session.bind.dialect.name == "postgresql":
            # Appends to the chain one transaction at a time (SQLite's BEGIN IMMEDIATE already does that).
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:ns, hashtext(coalesce(current_schema(), '')))"), {"ns": _AUDIT_LOCK}
            )
        last = (
            await self.session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        ).scalar_one_or_none()
        chain(self._audit_rows, last_seq=0 if last is None else last.seq,
              last_hash=GENESIS if last is None else last.hash)
        self.session.add_all(self._audit_rows)
        self._audit_rows = []
        await self.session.flush()

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
        row = new_outbox_row(partnership_id=partnership_id, now=now, purpose=purpose, kind=kind,
                             referral_id=referral_id, body=body, request_id=self.request_id)
        self.session.add(row)
        self._outbox_rows += 1
        return row


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def sweep_lock(engine: AsyncEngine, name: str, partnership_id: int) -> AsyncIterator[bool]:
    """`async with sweep_lock(engine, "close_due_ballots", pid) as mine:` is True for the one bot process that
    may run that sweep now, False (at once, without waiting) for any other.

    On PostgreSQL this is `pg_try_advisory_xact_lock` in a transaction of its own, held open (idle, touching no
    rows) until the block ends; PostgreSQL releases it if the process or its connection dies, so a crashed
    replica never blocks the others. SQLite serves one process, whose scheduler already runs each job at most
    once at a time, so there it is always True."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    async with engine.connect() as conn:
        got = (
            await conn.execute(
                text("SELECT pg_try_advisory_xact_lock(:ns, hashtext(coalesce(current_schema(), '') || :job))"),
                {"ns": _SWEEP_LOCKS, "job": f":{name}:{partnership_id}"},
            )
        ).scalar_one()
        try:
            yield bool(got)
        finally:
            await conn.rollback()  # ends the transaction, and with it the lock
